//! Real TLS handshakes on 127.0.0.1: a rustls server with a certificate
//! made by rcgen for this run, trusted through an injected root store (the
//! system's store is left alone; `SSL_CERT_FILE` is how a deployment does
//! the same).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

use super::super::tests::read_request_head;
use super::*;

const SECOND: Duration = Duration::from_secs(1);

/// A self-signed certificate for `names` (DNS names or IP addresses).
struct Identity {
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

fn identity(names: &[&str]) -> Identity {
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    Identity {
        cert: made.cert.der().clone(),
        key: made.signing_key.serialize_der(),
    }
}

/// A root store that trusts `identity` alone.
fn trusting(identity: &Identity) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add(identity.cert.clone()).unwrap();
    roots
}

/// Serves one TLS connection on 127.0.0.1 as `identity`: reads the request
/// head, answers `response`, closes with close_notify. The handle gives
/// back the head (empty if the handshake failed).
fn serve_tls(identity: &Identity, response: &'static [u8]) -> (u16, JoinHandle<Vec<u8>>) {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone()));
    let config = ServerConfig::builder_with_provider(ring_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(5 * SECOND)).unwrap();
        let connection = ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = StreamOwned::new(connection, tcp);
        let head = read_request_head(&mut tls);
        if head.ends_with(b"\r\n\r\n") {
            tls.write_all(response).unwrap();
            tls.conn.send_close_notify();
            tls.flush().unwrap();
        }
        head
    });
    (port, handle)
}

fn fetch(url: &str, roots: RootCertStore, timeout: Duration) -> Result<Fetched, ClientError> {
    let url = Url::parse(url).unwrap();
    let limits = ClientLimits {
        timeout,
        max_body: 1024,
    };
    get(&url, &limits, Instant::now() + timeout, Some(roots))
}

#[test]
fn a_fetch_over_tls_to_an_ip_address() {
    let server = identity(&["127.0.0.1"]);
    let (port, handle) = serve_tls(
        &server,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"keys\": []}",
    );
    let fetched = fetch(
        &format!("https://127.0.0.1:{port}/jwks"),
        trusting(&server),
        5 * SECOND,
    )
    .unwrap();
    assert_eq!(
        (fetched.status, &fetched.body[..]),
        (200, &b"{\"keys\": []}"[..])
    );
    let head = String::from_utf8(handle.join().unwrap()).unwrap();
    assert!(
        head.starts_with(&format!("GET /jwks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n")),
        "{head}"
    );
}

#[test]
fn a_fetch_over_tls_to_a_name_reads_to_the_close_notify() {
    let server = identity(&["localhost"]);
    // No length: the body ends at close_notify.
    let (port, handle) = serve_tls(&server, b"HTTP/1.1 200 OK\r\n\r\n{\"keys\": []}");
    let fetched = fetch(
        &format!("https://localhost:{port}/"),
        trusting(&server),
        5 * SECOND,
    )
    .unwrap();
    assert_eq!(fetched.body, b"{\"keys\": []}");
    handle.join().unwrap();
}

#[test]
fn an_untrusted_certificate_is_a_tls_error() {
    let server = identity(&["127.0.0.1"]);
    let other = identity(&["127.0.0.1"]);
    let (port, handle) = serve_tls(&server, b"HTTP/1.1 200 OK\r\n\r\n");
    let result = fetch(
        &format!("https://127.0.0.1:{port}/"),
        trusting(&other),
        5 * SECOND,
    );
    assert!(matches!(&result, Err(ClientError::Tls(_))), "{result:?}");
    assert!(handle.join().unwrap().is_empty());
}

#[test]
fn a_certificate_for_another_name_is_a_tls_error() {
    let server = identity(&["jwks.example.test"]);
    let (port, handle) = serve_tls(&server, b"HTTP/1.1 200 OK\r\n\r\n");
    let result = fetch(
        &format!("https://127.0.0.1:{port}/"),
        trusting(&server),
        5 * SECOND,
    );
    assert!(matches!(&result, Err(ClientError::Tls(_))), "{result:?}");
    assert!(handle.join().unwrap().is_empty());
}

#[test]
fn https_to_a_plain_http_server_is_a_tls_error_within_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(5 * SECOND)).unwrap();
        let mut hello = [0u8; 512];
        let _ = tcp.read(&mut hello);
        let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let timeout = 2 * SECOND;
    let start = Instant::now();
    let result = fetch(
        &format!("https://127.0.0.1:{port}/"),
        RootCertStore::empty(),
        timeout,
    );
    assert!(matches!(&result, Err(ClientError::Tls(_))), "{result:?}");
    assert!(start.elapsed() < timeout, "{:?}", start.elapsed());
    handle.join().unwrap();
}

#[test]
fn a_server_silent_in_the_handshake_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (_tcp, _) = listener.accept().unwrap();
        thread::sleep(2 * SECOND);
    });
    let timeout = Duration::from_millis(500);
    let start = Instant::now();
    let result = fetch(
        &format!("https://127.0.0.1:{port}/"),
        RootCertStore::empty(),
        timeout,
    );
    let took = start.elapsed();
    assert!(matches!(result, Err(ClientError::TimedOut)), "{result:?}");
    assert!(took < timeout + Duration::from_millis(300), "{took:?}");
    handle.join().unwrap();
}
