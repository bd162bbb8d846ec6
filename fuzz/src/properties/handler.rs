//! The `handler` target's property: the whole request path without a
//! socket never panics, never answers 5xx, and answers well formed.

use std::sync::OnceLock;

use jwtd::app::App;
use jwtd::config::Settings;
use jwtd::http::parse::{parse, Parsed};
use jwtd::http::{Handler, Request, Response};
use jwtd::jwt::Claims;
use jwtd::store::{NewUser, Store, User};
use jwtd::token::JtiSource;

use super::{limit_sets, localhost, KEY, NOW};

/// The reference password hash P1 ("correct horse battery staple", 1000
/// iterations), so logins are cheap.
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";

/// One application for the whole process: an in-memory store with alice
/// (id 1, active, so the reference tokens V1-V6 name her) and bob (id 2,
/// inactive), the reference key and the reference clock. State (blacklist,
/// rotations) carries over between inputs, as on a real server.
fn app() -> &'static App {
    static APP: OnceLock<std::sync::Arc<App>> = OnceLock::new();
    APP.get_or_init(|| {
        // New hashes (the dummy hash for unknown users, the upgrade of
        // P1 on login) at P1's 1000 iterations, not Django's million.
        let settings = Settings {
            password_iterations: 1000,
            access_log: false,
            login_threads: 1,
            login_queue: 64,
            ..Settings::default()
        };
        let store = Store::open_in_memory().expect("an in-memory store");
        for (id, username, is_active) in [(1, "alice", true), (2, "bob", false)] {
            store
                .add_user(NewUser {
                    id: Some(id),
                    user: User {
                        is_active,
                        ..User::active(id, username, P1)
                    },
                })
                .expect("a fresh store takes the user");
        }
        App::with_store(settings, KEY, NOW, JtiSource::counter(), store.into())
            .expect("an in-memory application")
    })
}

/// The whole request path without a socket. The input is a lenient request:
/// a `METHOD TARGET` line, `Name: value` lines, an empty line, then the body
/// (LF or CRLF line ends). It is written out as HTTP/1.1, with `Host` and a
/// `Content-Length` added unless the input has its own, and goes through the
/// server's `parse`; a complete request goes to the application, which must
/// answer without panicking and without a 5xx, with a well-formed response.
pub fn handler(data: &[u8]) {
    let wire = to_http(data);
    let limits = &limit_sets()[0];
    if let Parsed::Complete { request, .. } = parse(&wire, limits, localhost()) {
        let response = app().handle(&request).resolve();
        check_response(&request, &response);
    }
}

fn to_http(data: &[u8]) -> Vec<u8> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => match data.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => (&data[..i], &data[i + 4..]),
            None => (data, &[][..]),
        },
    };
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut wire = Vec::with_capacity(data.len() + 64);
    wire.extend_from_slice(request_line);
    wire.extend_from_slice(b" HTTP/1.1\r\n");
    let (mut host, mut framed) = (false, false);
    for line in lines {
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        host |= name.eq_ignore_ascii_case(b"host");
        framed |= name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"transfer-encoding");
        wire.extend_from_slice(line);
        wire.extend_from_slice(b"\r\n");
    }
    if !host {
        wire.extend_from_slice(b"Host: jwtd\r\n");
    }
    if !framed {
        wire.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    wire
}

/// jwtd never answers 5xx to a request (README); a 401 always carries
/// `WWW-Authenticate`, a 405 `Allow`, a 301 a relative `Location`; a JSON
/// body is one JSON object; and the serialised head has no stray CR or LF,
/// whatever the request held.
fn check_response(request: &Request<'_>, response: &Response) {
    let what = format!("{} {} -> {}", request.method, request.path, response.status);
    assert!(
        (200..500).contains(&response.status),
        "{what}: {}",
        response.text()
    );
    match response.status {
        401 => assert!(
            response.header("WWW-Authenticate").is_some(),
            "{what} without WWW-Authenticate"
        ),
        405 => assert!(response.header("Allow").is_some(), "{what} without Allow"),
        301 => assert!(
            response
                .header("Location")
                .is_some_and(|l| l.starts_with('/')),
            "{what} without a relative Location"
        ),
        _ => {}
    }
    if response.header("Content-Type") == Some("application/json") {
        assert!(
            Claims::from_json(&response.body).is_some(),
            "{what}: the body is not one JSON object: {:?}",
            response.text()
        );
    }
    let mut out = Vec::new();
    response.write_to(
        &mut out,
        request.is_head(),
        None,
        "Wed, 01 Jan 2025 00:00:00 GMT",
    );
    let head_end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{what}: no end of head"))
        + 4;
    let head = &out[..head_end];
    assert!(
        head.windows(2).all(|w| (w[0] == b'\r') == (w[1] == b'\n'))
            && !head
                .iter()
                .any(|&b| b.is_ascii_control() && b != b'\r' && b != b'\n'),
        "{what}: a control byte in the response head: {:?}",
        String::from_utf8_lossy(head)
    );
}
