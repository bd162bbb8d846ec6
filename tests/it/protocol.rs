//! The HTTP/1.1 layer over real sockets: persistence, pipelining, framing
//! refusals, limits and timeouts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads until the server closes; true if it closed within `within`.
fn closes_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut sink = [0u8; 1024];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

#[test]
fn keep_alive_and_pipelining() {
    let (_dir, server) = server_with_alice(&[]);
    let mut s = connect(&server);
    let get = "GET /api/protected/ HTTP/1.1\r\nHost: t\r\n\r\n";
    s.write_all(get.as_bytes()).unwrap();
    assert_eq!(read_response(&mut s, false).unwrap().status, 401);
    s.write_all(get.as_bytes()).unwrap();
    assert_eq!(
        read_response(&mut s, false).unwrap().status,
        401,
        "same connection"
    );
    // Three requests in one write come back in order.
    let three = format!("{get}GET /nope HTTP/1.1\r\nHost: t\r\n\r\n{get}");
    s.write_all(three.as_bytes()).unwrap();
    let statuses: Vec<u16> = (0..3)
        .map(|_| read_response(&mut s, false).unwrap().status)
        .collect();
    assert_eq!(statuses, [401, 404, 401]);
}

#[test]
fn http_1_0_is_closed_or_kept_alive_as_asked() {
    let (_dir, server) = server_with_alice(&[]);
    let mut s = connect(&server);
    s.write_all(b"GET /api/protected/ HTTP/1.0\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s, false).unwrap();
    assert_eq!((r.status, r.header("Connection")), (401, Some("close")));
    assert!(closes_within(&mut s, Duration::from_secs(5)));
    let mut s = connect(&server);
    s.write_all(b"GET /api/protected/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s, false).unwrap();
    assert_eq!(r.header("Connection"), Some("keep-alive"));
    s.write_all(b"GET /api/protected/ HTTP/1.0\r\n\r\n")
        .unwrap();
    assert_eq!(
        read_response(&mut s, false).unwrap().status,
        401,
        "still open"
    );
}

#[test]
fn head_gets_headers_and_the_length_but_no_body() {
    let (_dir, server) = server_with_alice(&[]);
    let mut s = connect(&server);
    s.write_all(b"HEAD /api/token/ HTTP/1.1\r\nHost: t\r\n\r\nGET /api/protected/ HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let head = read_response(&mut s, true).unwrap();
    assert_eq!(head.status, 405);
    assert_eq!(head.header("Content-Length"), Some("41"));
    // The next response starts right after the head: no body was sent.
    assert_eq!(read_response(&mut s, false).unwrap().status, 401);
}

#[test]
fn expect_100_continue() {
    let (_dir, server) = server_with_alice(&[]);
    let body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    let mut s = connect(&server);
    write!(
        s,
        "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let interim = read_response(&mut s, false).unwrap();
    assert_eq!(interim.status, 100);
    s.write_all(body.as_bytes()).unwrap();
    assert_eq!(read_response(&mut s, false).unwrap().status, 200);
    // Too large: refused at once, without waiting for a body that never comes.
    let mut s = connect(&server);
    s.write_all(b"POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000000\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s, false).unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(r.header("Connection"), Some("close"));
}

#[test]
fn a_chunked_body_logs_in() {
    let (_dir, server) = server_with_alice(&[]);
    let body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    let (first, second) = body.split_at(10);
    let chunked = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\nX-Trailer: t\r\n\r\n",
        first.len(),
        second.len()
    );
    let mut s = connect(&server);
    s.write_all(chunked.as_bytes()).unwrap();
    let r = read_response(&mut s, false).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with(r#"{"refresh":""#));
    // The connection goes on after a chunked request.
    s.write_all(b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s, false).unwrap().status, 401);
}

#[test]
fn framing_refusals_close_the_connection() {
    let (_dir, server) = server_with_alice(&[]);
    let cases: [(&str, u16); 10] = [
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Length: +26\r\n\r\n", 400),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab", 400),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nab", 400),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\nHost t\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Length: 20000\r\n\r\n", 413),
        ("POST /api/token/ HTTP/1.1\r\nHost: t\r\nExpect: something\r\nContent-Length: 0\r\n\r\n", 417),
    ];
    for (request, status) in cases {
        let mut s = connect(&server);
        s.write_all(request.as_bytes()).unwrap();
        let r = read_response(&mut s, false).unwrap();
        assert_eq!(r.status, status, "{request:?}");
        assert!(r.body.starts_with(r#"{"detail":"#), "{}", r.body);
        assert!(
            closes_within(&mut s, Duration::from_secs(5)),
            "{request:?} left open"
        );
    }
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(9000));
    assert_eq!(send(server.addr, long_line.as_bytes()).status, 414);
    let big_head = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX: {}\r\n\r\n",
        "a".repeat(20000)
    );
    assert_eq!(send(server.addr, big_head.as_bytes()).status, 431);
    // After all of that the server still serves.
    server.login("alice");
}

#[test]
fn idle_and_slow_connections_are_closed_on_time() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_KEEPALIVE_TIMEOUT", "1"),
        ("JWTD_REQUEST_TIMEOUT", "1"),
    ]);
    let started = Instant::now();
    let mut idle = connect(&server);
    let mut partial = connect(&server);
    partial
        .write_all(b"GET /api/protected/ HTTP/1.1\r\nHo")
        .unwrap();
    assert!(closes_within(&mut idle, Duration::from_secs(5)));
    assert!(closes_within(&mut partial, Duration::from_secs(5)));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[test]
fn beyond_max_connections_new_clients_get_503_at_once() {
    // No per-address limit of its own: the table itself is full.
    let (_dir, server) = server_with_alice(&[
        ("JWTD_MAX_CONNECTIONS", "2"),
        ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "0"),
    ]);
    let held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut third = connect(&server);
    let r = read_response(&mut third, false).unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.header("Retry-After"), Some("1"));
    assert_eq!(
        r.body,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#
    );
    assert!(
        server.log_eventually_contains("refused (503): all 2 connection slots are taken"),
        "{}",
        server.log()
    );
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        server.get("/api/protected/", None).status,
        401,
        "slots come back"
    );
}

#[test]
fn every_response_has_date_and_security_headers() {
    let (_dir, server) = server_with_alice(&[]);
    let r = server.get("/api/protected/", None);
    assert!(r.header("Date").is_some_and(|d| d.ends_with(" GMT")));
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
}
