//! The client against real sockets on 127.0.0.1: a thread serves one
//! connection with a script (a canned response, a slow one, silence) and
//! hands back the request it read.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn limits(timeout: Duration, max_body: usize) -> ClientLimits {
    ClientLimits { timeout, max_body }
}

/// Listens on 127.0.0.1, serves one connection: reads the request head,
/// then runs `script`. The handle gives back the head.
pub(super) fn serve(
    path: &str,
    script: impl FnOnce(&mut TcpStream) + Send + 'static,
) -> (Url, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}{path}")).unwrap();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(5 * SECOND)).unwrap();
        let head = read_request_head(&mut stream);
        script(&mut stream);
        head
    });
    (url, handle)
}

/// The request's bytes up to its empty line (the client sends no body).
pub(super) fn read_request_head(stream: &mut impl Read) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

/// Writes `response` and closes.
fn canned(response: &'static [u8]) -> impl FnOnce(&mut TcpStream) + Send + 'static {
    move |stream| {
        // The peer may be gone already (it refused the response early).
        let _ = stream.write_all(response);
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
}

/// Fetches a canned response with a 5 s deadline.
fn fetch(response: &'static [u8], max_body: usize) -> Result<Fetched, ClientError> {
    let (url, server) = serve("/", canned(response));
    let result = get(&url, &limits(5 * SECOND, max_body));
    server.join().unwrap();
    result
}

#[test]
fn a_content_length_body_and_the_request_that_asked_for_it() {
    let (url, server) = serve(
        "/.well-known/jwks.json?tenant=a#frag",
        canned(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
              Cache-Control: public, max-age=300\r\nContent-Length: 12\r\n\r\n{\"keys\": []}",
        ),
    );
    let fetched = get(&url, &limits(5 * SECOND, 1024)).unwrap();
    assert_eq!(
        fetched,
        Fetched {
            status: 200,
            body: b"{\"keys\": []}".to_vec(),
            content_type: Some("application/json".to_owned()),
            max_age: Some(300),
        }
    );
    let request = String::from_utf8(server.join().unwrap()).unwrap();
    assert_eq!(
        request,
        format!(
            "GET /.well-known/jwks.json?tenant=a HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Accept: application/json\r\nUser-Agent: jwtd/{}\r\nConnection: close\r\n\r\n",
            url.port(),
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn a_chunked_body_is_decoded() {
    let fetched = fetch(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          4\r\n{\"ke\r\n5;ext=1\r\nys\": \r\n3\r\n[]}\r\n0\r\nX-Trailer: y\r\n\r\n",
        1024,
    )
    .unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"{\"keys\": []}");
    assert_eq!(fetched.content_type, None);
}

#[test]
fn a_body_without_length_runs_to_the_close() {
    let fetched = fetch(
        b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\n{\"keys\": []}",
        1024,
    )
    .unwrap();
    assert_eq!(
        (fetched.status, &fetched.body[..]),
        (200, &b"{\"keys\": []}"[..])
    );
}

#[test]
fn any_status_comes_back_and_redirects_are_not_followed() {
    let fetched = fetch(
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n",
        1024,
    )
    .unwrap();
    assert_eq!((fetched.status, fetched.body.len()), (302, 0));
    let fetched = fetch(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno.",
        1024,
    )
    .unwrap();
    assert_eq!((fetched.status, &fetched.body[..]), (404, &b"no."[..]));
    // 204 and 304 have no body whatever they declare.
    let fetched = fetch(
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
        1024,
    )
    .unwrap();
    assert_eq!((fetched.status, fetched.body.len()), (304, 0));
}

#[test]
fn interim_responses_are_skipped() {
    let fetched = fetch(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </k>\r\n\r\n\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        1024,
    )
    .unwrap();
    assert_eq!((fetched.status, &fetched.body[..]), (200, &b"ok"[..]));
    assert!(matches!(
        fetch(b"HTTP/1.1 101 Switching Protocols\r\n\r\n", 1024),
        Err(ClientError::Malformed(_))
    ));
    let many = "HTTP/1.1 103 Early Hints\r\n\r\n".repeat(9) + "HTTP/1.1 200 OK\r\n\r\n";
    assert!(matches!(
        fetch(many.leak().as_bytes(), 1024),
        Err(ClientError::Malformed(_))
    ));
}

#[test]
fn a_body_of_exactly_max_body_is_taken_by_every_framing() {
    for response in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n0123456789",
    ] {
        assert_eq!(fetch(response, 10).unwrap().body, b"0123456789");
    }
}

#[test]
fn a_body_over_max_body_is_refused_by_every_framing() {
    for response in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n6789a\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n0123456789a",
    ] {
        assert!(
            matches!(fetch(response, 10), Err(ClientError::TooLarge { max_body: 10 })),
            "{}",
            String::from_utf8_lossy(response)
        );
    }
}

#[test]
fn a_declared_length_over_max_body_is_refused_before_the_body_comes() {
    // The server declares a large body and then sends nothing: the client
    // must not wait for it.
    let (url, server) = serve("/", |stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
            .unwrap();
        thread::sleep(3 * SECOND);
    });
    let start = Instant::now();
    let result = get(&url, &limits(10 * SECOND, 1 << 20));
    assert!(matches!(
        result,
        Err(ClientError::TooLarge {
            max_body: 1_048_576
        })
    ));
    assert!(start.elapsed() < SECOND, "{:?}", start.elapsed());
    server.join().unwrap();
}

#[test]
fn a_streamed_body_is_refused_at_the_first_byte_past_max_body() {
    // A never-ending body: refused once max_body + 1 bytes are in, long
    // before the deadline.
    let (url, server) = serve("/", |stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
        let block = [b'x'; 4096];
        while stream.write_all(&block).is_ok() {}
    });
    let start = Instant::now();
    let result = get(&url, &limits(10 * SECOND, 100_000));
    assert!(matches!(
        result,
        Err(ClientError::TooLarge { max_body: 100_000 })
    ));
    assert!(start.elapsed() < 2 * SECOND, "{:?}", start.elapsed());
    server.join().unwrap();
}

#[test]
fn a_server_dribbling_bytes_is_cut_off_at_the_deadline() {
    let (url, server) = serve("/", |stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for _ in 0..25 {
            if stream.write_all(b"x").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(200));
        }
    });
    let timeout = Duration::from_millis(1200);
    let start = Instant::now();
    let result = get(&url, &limits(timeout, 1 << 20));
    let took = start.elapsed();
    assert!(matches!(result, Err(ClientError::TimedOut)), "{result:?}");
    assert!(took >= timeout, "{took:?}");
    assert!(took < timeout + Duration::from_millis(300), "{took:?}");
    server.join().unwrap();
}

#[test]
fn a_head_dribbled_byte_by_byte_is_cut_off_too() {
    let (url, server) = serve("/", |stream| {
        for &b in b"HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n" {
            if stream.write_all(&[b]).is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let timeout = Duration::from_millis(800);
    let start = Instant::now();
    let result = get(&url, &limits(timeout, 1024));
    assert!(matches!(result, Err(ClientError::TimedOut)), "{result:?}");
    assert!(start.elapsed() < timeout + Duration::from_millis(300));
    server.join().unwrap();
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (url, server) = serve("/", |_| thread::sleep(3 * SECOND));
    let timeout = Duration::from_millis(500);
    let start = Instant::now();
    let result = get(&url, &limits(timeout, 1024));
    let took = start.elapsed();
    assert!(matches!(result, Err(ClientError::TimedOut)), "{result:?}");
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(300),
        "{took:?}"
    );
    server.join().unwrap();
}

#[test]
fn an_ipv6_literal_is_connected_to() {
    // Skipped where the machine has no IPv6 loopback.
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(5 * SECOND)).unwrap();
        let head = read_request_head(&mut stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")
            .unwrap();
        head
    });
    let url = Url::parse(&format!("http://[::1]:{port}/k")).unwrap();
    assert_eq!(get(&url, &limits(5 * SECOND, 1024)).unwrap().body, b"v6");
    let head = String::from_utf8(server.join().unwrap()).unwrap();
    assert!(
        head.contains(&format!("\r\nHost: [::1]:{port}\r\n")),
        "{head}"
    );
}

#[test]
fn a_zero_timeout_fails_at_once_and_a_huge_one_does_not_overflow() {
    let (url, server) = serve("/", canned(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    let result = get(&url, &limits(Duration::MAX, usize::MAX));
    assert_eq!(result.unwrap().status, 200);
    server.join().unwrap();
    let url = Url::parse("http://127.0.0.1:9/").unwrap();
    assert!(matches!(
        get(&url, &limits(Duration::ZERO, 1024)),
        Err(ClientError::TimedOut)
    ));
}

#[test]
fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let result = get(&url, &limits(5 * SECOND, 1024));
    assert!(matches!(result, Err(ClientError::Connect(_))), "{result:?}");
}

#[test]
fn malformed_responses_are_refused() {
    let big_head = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(16 * 1024));
    let many_fields = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(65));
    let cases: Vec<&'static [u8]> = vec![
        b"",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        big_head.leak().as_bytes(),
        many_fields.leak().as_bytes(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n",
    ];
    for response in cases {
        let result = fetch(response, 1024);
        assert!(
            matches!(result, Err(ClientError::Malformed(_))),
            "{:?} gave {result:?}",
            String::from_utf8_lossy(response)
        );
    }
}

#[test]
fn a_head_of_exactly_16_kib_is_taken() {
    let fill = 16 * 1024 - "HTTP/1.1 200 OK\r\nX: \r\nContent-Length: 2\r\n\r\n".len();
    let head = format!(
        "HTTP/1.1 200 OK\r\nX: {}\r\nContent-Length: 2\r\n\r\nok",
        "a".repeat(fill)
    );
    assert_eq!(fetch(head.leak().as_bytes(), 1024).unwrap().body, b"ok");
}

#[test]
fn errors_say_what_happened_without_the_url() {
    for (error, shown) in [
        (ClientError::BadUrl("why"), "bad URL: why"),
        (ClientError::TimedOut, "timed out"),
        (
            ClientError::TooLarge { max_body: 10 },
            "the response body is over the limit of 10 bytes",
        ),
        (ClientError::Malformed("why"), "malformed response: why"),
        (ClientError::Tls("why".to_owned()), "TLS failed: why"),
    ] {
        assert_eq!(error.to_string(), shown);
    }
    assert!(ClientError::HttpsNotBuilt
        .to_string()
        .contains("rebuild with --features https"));
}

#[cfg(not(feature = "https"))]
#[test]
fn https_without_the_feature_is_refused_at_once() {
    // Port 9 on loopback: nothing is connected to, whatever listens there.
    let url = Url::parse("https://127.0.0.1:9/jwks").unwrap();
    let result = get(&url, &limits(5 * SECOND, 1024));
    assert!(
        matches!(result, Err(ClientError::HttpsNotBuilt)),
        "{result:?}"
    );
}
