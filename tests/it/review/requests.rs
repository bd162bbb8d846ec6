//! Requests: a line break hidden in a chunk extension or trailer (item 4),
//! an unfinished head that cannot be a request (item 5), the slash
//! redirect's query (item 13), and the Host header (item 11).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::refused_start;
use crate::support::*;

/// Everything the server sends on one connection until it closes it.
fn exchange(server: &Server, bytes: &[u8]) -> (String, Duration) {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn item_4_a_line_break_hidden_in_a_chunk_extension_or_trailer_smuggles_nothing() {
    let (_dir, server) = server_with_alice(&[]);
    let head = "POST /api/token/verify/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let smuggled = "GET /api/protected/ HTTP/1.1\r\nHost: x\r\n\r\n";
    for body in [
        // To a parser that ends lines at LF, the extension ends at `a` and
        // `b` starts the chunk data: one request there, three here.
        format!("2;a\nb\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2;a\rb\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2;a\0\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2\r\n{{}}\r\n0\r\nX: y\n{smuggled}"),
        format!("2\r\n{{}}\r\n0\r\nno colon\r\n\r\n{smuggled}"),
    ] {
        let (answer, _) = exchange(&server, format!("{head}{body}").as_bytes());
        assert!(
            answer.starts_with("HTTP/1.1 400 "),
            "{body:?} got {answer:?}"
        );
        assert!(answer.contains("Connection: close"), "{answer:?}");
        assert_eq!(
            answer.matches("HTTP/1.1 ").count(),
            1,
            "nothing after the refusal is answered: {answer:?}"
        );
    }
    // Well-formed extensions and trailers still work.
    let good = format!("{head}2;name=\"va;l\"\r\n{{}}\r\n0\r\nX-Trailer: ok\r\n\r\n");
    let (answer, _) = exchange(
        &server,
        good.replace("Host: x", "Host: x\r\nConnection: close")
            .as_bytes(),
    );
    assert!(
        answer.starts_with("HTTP/1.1 400 "),
        "verify without token: {answer}"
    );
    assert!(
        answer.contains(r#"{"token":["This field is required."]}"#),
        "{answer}"
    );
}

#[test]
fn item_5_an_unfinished_head_that_cannot_be_a_request_is_refused_at_once() {
    let (_dir, server) = server_with_alice(&[]);
    for partial in [
        &b"GET /api/protected/\r\n"[..],
        b"GET /api/protected/ HTTP/1.1\r\nHost: x\n",
        b"GET /api/protected/ HTTP/1.1\r\nHo\0",
        b"GET /api/protected/ HTTP/1.1\r\nBad Name: x\r\n",
    ] {
        let (answer, took) = exchange(&server, partial);
        assert!(
            answer.starts_with("HTTP/1.1 400 "),
            "{partial:?} got {answer:?}"
        );
        assert!(
            took < Duration::from_secs(2),
            "{partial:?} answered after {took:?}, not at once (REQUEST_TIMEOUT is 10 s)"
        );
    }
    assert_eq!(server.get("/api/protected/", None).status, 401);
}

#[test]
fn item_13_the_slash_redirect_carries_the_query_only_as_uri_characters() {
    let (_dir, server) = server_with_alice(&[]);
    // Visible ASCII that a URI may not hold is percent-encoded, as Django's
    // `iri_to_uri` does; reserved characters and `%` escapes stay.
    let r = server.request(
        "GET",
        "/api/protected?next=\"<x>\"&a=`{|}`&b=%0D%0A",
        &[],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("Location"),
        Some("/api/protected/?next=%22%3Cx%3E%22&a=%60%7B%7C%7D%60&b=%0D%0A")
    );
    // A byte above 0x7F is kept too, encoded as Django encodes it (each
    // byte a Latin-1 character, then UTF-8), never copied raw.
    let (answer, _) = exchange(
        &server,
        "GET /api/protected?q=\u{e9} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 301 "), "{answer}");
    assert!(
        answer.contains("\r\nLocation: /api/protected/?q=%C3%83%C2%A9\r\n"),
        "{answer}"
    );
    // An empty query adds no `?`, as in Django.
    let r = server.request("GET", "/api/protected?", &[], b"");
    assert_eq!(r.header("Location"), Some("/api/protected/"));
}

/// `method path` with `host` in `Host` (none: no Host at all, HTTP/1.0).
fn for_host(
    server: &Server,
    method: &str,
    path: &str,
    host: Option<&str>,
    extra: &str,
) -> Response {
    let (version, host) = match host {
        Some(host) => ("HTTP/1.1", format!("Host: {host}\r\n")),
        None => ("HTTP/1.0", String::new()),
    };
    let request = format!("{method} {path} {version}\r\n{host}Connection: close\r\n{extra}\r\n");
    send(server.addr, request.as_bytes())
}

const INVALID_HOST: &str = r#"{"detail":"Invalid Host header."}"#;

#[test]
fn item_11_only_the_allowed_hosts_are_answered() {
    // The default on a loopback address: the loopback names only, so a
    // web page whose name resolves to 127.0.0.1 (DNS rebinding) reaches
    // neither the API nor the learner's page.
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    add_user(&dir, "root", &["--superuser"]);
    let server = Server::start(
        &dir,
        &[
            ("JWTD_ALLOWED_HOSTS", "<none>"),
            ("JWTD_ADMIN_PAGE_SIZE", "1"),
        ],
    );
    assert!(
        server.log_eventually_contains(
            "answering requests for Host .localhost, 127.0.0.1, [::1] only"
        ),
        "{}",
        server.log()
    );
    let port = server.addr.port();
    let allowed = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "LocalHost.".to_owned(),
        "app.localhost".to_owned(),
        "[::1]:8000".to_owned(),
    ];
    for host in &allowed {
        let r = for_host(&server, "GET", "/api/protected/", Some(host), "");
        assert_eq!(r.status, 401, "{host}: {}", r.body);
    }
    assert_eq!(
        for_host(&server, "GET", "/", Some(&allowed[0]), "").status,
        200
    );
    assert_eq!(
        for_host(&server, "GET", "/healthz", None, "").status,
        200,
        "no Host: nothing to refuse"
    );
    let login = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    for host in [
        "evil.test".to_owned(),
        format!("evil.test:{port}"),
        "127.0.0.1.evil.test".to_owned(),
        "localhost.evil.test".to_owned(),
        "127.0.0.2".to_owned(),
        "a b".to_owned(),
    ] {
        // The page, the API, the slash redirect, a probe, and a login with
        // the right password: all refused alike.
        let posted = format!(
            "POST /api/token/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
            login.len()
        );
        let answers = [
            for_host(&server, "GET", "/", Some(&host), ""),
            for_host(&server, "GET", "/api/protected/", Some(&host), ""),
            for_host(&server, "GET", "/api/token", Some(&host), ""),
            for_host(&server, "GET", "/healthz", Some(&host), ""),
            send(server.addr, posted.as_bytes()),
        ];
        for (n, r) in answers.iter().enumerate() {
            assert_eq!(
                (r.status, r.body.as_str()),
                (400, INVALID_HOST),
                "#{n} for {host}"
            );
            assert_eq!(r.header("Location"), None);
        }
    }
    assert!(
        server.log_eventually_contains(
            r#"Invalid HTTP_HOST header: "evil.test". You may need to add "evil.test" to ALLOWED_HOSTS."#
        ),
        "{}",
        server.log()
    );
    assert!(server.log().contains(
        r#"Invalid HTTP_HOST header: "a b". The domain name provided is not valid according to RFC 1034/1035."#
    ));

    // The admin API's page links only ever name an allowed host.
    let login = format!(r#"{{"username":"root","password":"{PASSWORD}"}}"#);
    let posted = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
        allowed[0],
        login.len()
    );
    let tokens = send(server.addr, posted.as_bytes()).json();
    let root = tokens["access"].as_str().unwrap();
    let bearer = format!("Authorization: Bearer {root}\r\n");
    let page = for_host(
        &server,
        "GET",
        "/api/admin/users/",
        Some(&allowed[1]),
        &bearer,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.json()["next"],
        format!("http://localhost:{port}/api/admin/users/?page=2").as_str()
    );
    let evil = for_host(
        &server,
        "GET",
        "/api/admin/users/",
        Some("evil.test"),
        &bearer,
    );
    assert_eq!((evil.status, evil.body.as_str()), (400, INVALID_HOST));
    drop(server);

    // ALLOWED_HOSTS set: those names, Django's way, and no other.
    let server = Server::start(
        &dir,
        &[("JWTD_ALLOWED_HOSTS", "Auth.Example.test, .example.org")],
    );
    for (host, status) in [
        ("auth.example.test", 401),
        ("AUTH.example.test:443", 401),
        ("example.org", 401),
        ("www.example.org", 401),
        ("www.auth.example.test", 400),
        ("127.0.0.1", 400),
        ("localhost", 400),
    ] {
        let r = for_host(&server, "GET", "/api/protected/", Some(host), "");
        assert_eq!(r.status, status, "{host}: {}", r.body);
    }
    drop(server);

    // On an address that is not loopback, the names are the operator's to
    // give: without ALLOWED_HOSTS the server does not start.
    let mut wide = jwtd(&dir);
    wide.args(["serve", "--addr", "0.0.0.0:0"])
        .env("JWTD_SIGNING_KEY", KEY);
    let (code, stderr) = refused_start(wide);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("refusing to start: jwtd listens on 0.0.0.0:")
            && stderr.contains("ALLOWED_HOSTS is not set"),
        "{stderr}"
    );
    let mut wide = jwtd(&dir);
    wide.args(["serve", "--addr", "0.0.0.0:0"])
        .env("JWTD_SIGNING_KEY", KEY)
        .env("JWTD_ALLOWED_HOSTS", "*")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let server = Server::spawn(wide);
    assert!(server.log_eventually_contains("ALLOWED_HOSTS has *"));
    let r = for_host(&server, "GET", "/api/protected/", Some("anything.test"), "");
    assert_eq!(r.status, 401);
}
