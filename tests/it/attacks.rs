//! Attacks on the HTTP layer, against the real binary: each defect measured
//! in tiny_http 0.12 (http-layer.md, T1-T8), header injection, and
//! slowloris. Every test ends by showing the server still serves.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

fn connect(server: &Server) -> TcpStream {
    let s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// A normal request, timed.
fn served_within(server: &Server, limit: Duration) -> Duration {
    let started = Instant::now();
    let r = server.get("/api/protected/", None);
    let took = started.elapsed();
    assert_eq!(r.status, 401);
    assert!(took < limit, "a normal request took {took:?}");
    took
}

/// Threads and open descriptors of a process.
fn threads_and_fds(pid: u32) -> (usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    (threads, fds)
}

/// Threads and descriptors once they stop changing (start-up briefly opens
/// files of its own).
fn settled(pid: u32) -> (usize, usize) {
    let mut last = threads_and_fds(pid);
    let mut same = 0;
    while same < 3 {
        std::thread::sleep(Duration::from_millis(50));
        let now = threads_and_fds(pid);
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    last
}

/// The peak resident set of a process, in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Waits until `probe` is true, up to `limit`.
fn eventually(limit: Duration, mut probe: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if probe() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    probe()
}

#[test]
fn t1_a_huge_content_length_is_refused_without_reading_or_allocating() {
    let (_dir, server) = server_with_alice(&[]);
    for length in ["100000000000", "9223372036854775808", "1000000000"] {
        let mut s = connect(&server);
        write!(s, "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"a\":").unwrap();
        let r = read_response(&mut s, false).unwrap();
        assert_eq!(r.status, 413, "{length}");
        // The attacker keeps streaming; the server has shut its side.
        let chunk = vec![b'x'; 64 * 1024];
        let mut refused = false;
        for _ in 0..100 {
            if s.write_all(&chunk).is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused || eventually(Duration::from_secs(5), || s.write_all(&chunk).is_err()));
    }
    let kb = peak_rss_kb(server.pid());
    assert!(kb < 64 * 1024, "peak RSS {kb} kB");
    served_within(&server, Duration::from_secs(1));
}

/// Sets the soft descriptor limit of `pid`, keeping the hard one.
fn set_soft_nofile(pid: u32, soft: usize) {
    let ok = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--nofile={soft}:")])
        .status()
        .unwrap()
        .success();
    assert!(ok, "prlimit failed");
}

#[test]
fn t2_accept_errors_are_retried_and_the_server_recovers() {
    let (_dir, server) = server_with_alice(&[]);
    let pid = server.pid();
    let (_, fds) = settled(pid);
    // Leave the server room for only a few more descriptors.
    set_soft_nofile(pid, fds + 3);
    let held: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    assert!(
        eventually(Duration::from_secs(5), || server
            .log()
            .contains("accept failed")),
        "{}",
        server.log()
    );
    drop(held);
    set_soft_nofile(pid, 1024);
    // The listener is still open and accepting.
    assert!(eventually(Duration::from_secs(5), || {
        let mut s = connect(&server);
        s.write_all(b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
        matches!(read_response(&mut s, false), Some(r) if r.status == 401)
    }));
    server.login("alice");
}

#[test]
fn t3_t4_unsent_bodies_do_not_pin_a_worker() {
    let (_dir, server) = server_with_alice(&[("JWTD_WORKERS", "1")]);
    // Content-Length 5000 with 7 bytes sent, and a 100-continue never followed.
    let mut short = connect(&server);
    short.write_all(b"POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"a\":1").unwrap();
    let mut waiting = connect(&server);
    waiting.write_all(b"POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut waiting, false).unwrap().status, 100);
    // With one worker, others are still served at once.
    for _ in 0..5 {
        served_within(&server, Duration::from_millis(500));
    }
    server.login("alice");
}

#[test]
fn t5_a_pipelining_client_that_never_reads_does_not_block_others() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_WORKERS", "1"),
        ("JWTD_WRITE_TIMEOUT", "2"),
        ("JWTD_KEEPALIVE_TIMEOUT", "2"),
    ]);
    let pid = server.pid();
    let before = settled(pid).1;
    let greedy = connect(&server);
    let writer = {
        let mut greedy = greedy.try_clone().unwrap();
        std::thread::spawn(move || {
            // 20,000 requests whose responses (about 12 MB) no one reads.
            let flood = "OPTIONS /api/token/refresh/ HTTP/1.1\r\nHost: t\r\n\r\n".repeat(20_000);
            greedy
                .set_write_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let _ = greedy.write_all(flood.as_bytes());
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..5 {
        served_within(&server, Duration::from_millis(500));
    }
    // The server drops the client that never reads once its timeouts pass.
    assert!(
        eventually(Duration::from_secs(30), || threads_and_fds(pid).1 <= before),
        "the connection was not closed"
    );
    writer.join().unwrap();
    drop(greedy);
    server.login("alice");
}

#[test]
fn t6_http_2_request_lines_get_505_and_leak_nothing() {
    let (_dir, server) = server_with_alice(&[]);
    let pid = server.pid();
    let idle = settled(pid);
    let mut conns = Vec::new();
    for _ in 0..200 {
        let mut s = connect(&server);
        s.write_all(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut s, false).unwrap().status, 505);
        conns.push(s);
    }
    drop(conns);
    assert!(
        eventually(Duration::from_secs(5), || threads_and_fds(pid) == idle),
        "{:?} vs {idle:?}",
        threads_and_fds(pid)
    );
    server.login("alice");
}

#[test]
fn t7_slowloris_500_trickling_connections() {
    // All 500 come from 127.0.0.1, as the normal requests do: without a
    // per-address limit, the server must hold them all and still serve.
    let (_dir, server) = server_with_alice(&[("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "0")]);
    let pid = server.pid();
    let idle = settled(pid);
    let mut slow: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    let request = b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    let started = Instant::now();
    let mut worst = Duration::ZERO;
    let mut sent = 0;
    // Each connection trickles one byte at a time for two seconds.
    while started.elapsed() < Duration::from_secs(2) {
        for s in &mut slow {
            let _ = s.write_all(&[request[sent % request.len()]]);
        }
        sent += 1;
        worst = worst.max(served_within(&server, Duration::from_secs(1)));
        std::thread::sleep(Duration::from_millis(100));
    }
    let (threads, fds) = threads_and_fds(pid);
    assert_eq!(threads, idle.0, "a fixed pool: no thread per connection");
    assert!(fds >= idle.1 + 500, "the 500 are held: {fds}");
    drop(slow);
    assert!(
        eventually(Duration::from_secs(5), || threads_and_fds(pid) == idle),
        "{:?} vs {idle:?}",
        threads_and_fds(pid)
    );
    eprintln!("slowloris: 500 trickling connections, worst normal request {worst:?}, threads {} -> {threads} -> {}, fds {} -> {fds} -> {}", idle.0, idle.0, idle.1, idle.1);
}

#[test]
fn t7_idle_and_half_sent_connections_time_out() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_REQUEST_TIMEOUT", "1"),
        ("JWTD_KEEPALIVE_TIMEOUT", "1"),
    ]);
    let pid = server.pid();
    let idle = settled(pid);
    let mut held: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    for s in held.iter_mut().step_by(2) {
        s.write_all(b"POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Le")
            .unwrap();
    }
    // The server closes them itself, without the clients doing anything.
    assert!(
        eventually(Duration::from_secs(5), || threads_and_fds(pid) == idle),
        "{:?} vs {idle:?}",
        threads_and_fds(pid)
    );
    let mut buf = [0u8; 1];
    held[0]
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    assert!(matches!(held[0].read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn t8_an_endless_header_line_is_cut_at_the_limit() {
    let (_dir, server) = server_with_alice(&[]);
    let mut s = connect(&server);
    s.write_all(b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\nX-Endless: ")
        .unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    // 256 MiB would be sent; the server answers 431 after its 16 KiB limit
    // and stops reading long before.
    let mut sent = 0usize;
    while sent < 256 << 20 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(sent < 256 << 20, "the server kept reading");
    let kb = peak_rss_kb(server.pid());
    assert!(kb < 64 * 1024, "peak RSS {kb} kB");
    served_within(&server, Duration::from_secs(1));
}

#[test]
fn no_request_bytes_reach_a_response_header() {
    let (_dir, server) = server_with_alice(&[]);
    // Bare CR or LF inside a request line or header is refused outright.
    for attack in [
        "GET /api/token?x=1\rSet-Cookie: a=b HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /api/token HTTP/1.1\r\nHost: t\r\nX: a\rSet-Cookie: a=b\r\n\r\n",
        "GET /api/token HTTP/1.1\r\nHost: t\nSet-Cookie: a=b\r\n\r\n",
    ] {
        let r = send(server.addr, attack.as_bytes());
        assert_eq!(r.status, 400, "{attack:?}");
        assert!(r.header("Set-Cookie").is_none());
    }
    // The redirect keeps the query as Django's iri_to_uri writes it:
    // encoded CR/LF stay encoded.
    let r = server.request("GET", "/api/token?a=%0D%0ASet-Cookie:%20x", &[], b"");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("Location"),
        Some("/api/token/?a=%0D%0ASet-Cookie:%20x")
    );
    assert!(r.header("Set-Cookie").is_none());
    // A method name appears only in the JSON body.
    let r = server.request("X-Injected", "/api/token/", &[], b"");
    assert_eq!(r.status, 405);
    assert!(r
        .headers
        .iter()
        .all(|(k, v)| !k.contains("Injected") && !v.contains("Injected")));
}

#[test]
fn a_login_flood_gets_429_at_once_and_does_not_starve_token_checks() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_PASSWORD_ITERATIONS", "300000"),
        ("JWTD_LOGIN_THREADS", "1"),
        ("JWTD_LOGIN_QUEUE", "1"),
        ("JWTD_LOGIN_FAILURES_PER_ADDRESS", "0"),
        ("JWTD_LOGIN_FAILURES_PER_USER", "0"),
    ]);
    let (_, access) = server.login("alice");
    let addr = server.addr;
    let flood: Vec<_> = (0..12)
        .map(|_| {
            std::thread::spawn(move || {
                let body = r#"{"username":"alice","password":"wrong"}"#;
                let request = format!(
                    "POST /api/token/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let started = Instant::now();
                let r = send(addr, request.as_bytes());
                (r, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(server.get("/api/protected/", Some(&access)).status, 200);
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
    }
    let results: Vec<_> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    let busy: Vec<_> = results.iter().filter(|(r, _)| r.status == 429).collect();
    assert!(
        !busy.is_empty(),
        "{:?}",
        results.iter().map(|(r, _)| r.status).collect::<Vec<_>>()
    );
    for (r, took) in &busy {
        assert_eq!(r.header("Retry-After"), Some("1"));
        assert_eq!(
            r.body,
            r#"{"detail":"Request was throttled. Expected available in 1 second."}"#
        );
        assert!(
            *took < Duration::from_millis(250),
            "429 must come at once, took {took:?}"
        );
    }
    assert!(results
        .iter()
        .all(|(r, _)| r.status == 429 || r.status == 401));
}

#[test]
fn brute_force_from_one_address_is_throttled_over_http() {
    let (_dir, server) =
        server_with_alice(&[("JWTD_LOGIN_FAILURES_PER_USER", "3"), ("JWTD_WORKERS", "1")]);
    for _ in 0..3 {
        let r = server.post_json("/api/token/", r#"{"username":"alice","password":"guess"}"#);
        assert_eq!(r.status, 401);
    }
    let r = server.post_json("/api/token/", r#"{"username":"alice","password":"guess"}"#);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("900"));
    assert_eq!(
        r.body,
        r#"{"detail":"Request was throttled. Expected available in 900 seconds."}"#
    );
}
