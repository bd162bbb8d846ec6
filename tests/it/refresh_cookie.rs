//! `REFRESH_COOKIE` on the real binary, with CORS and credentials as a
//! single-page app on another origin uses them: the login sets the cookie
//! and keeps the refresh token out of the body, refresh and logout read
//! the cookie from an allowed origin or the server's own, any other origin
//! (or none) gets the 403, and logout clears the cookie.

use crate::support::*;

const APP: &str = "https://app.example";
/// The server's own origin: support's requests say `Host: test`.
const OWN: &str = "http://test";
const FORBIDDEN: &str = r#"{"detail":"CSRF Failed: Origin checking failed - the request's origin is not trusted to use the refresh cookie."}"#;

fn cookie_server() -> (TempDir, Server) {
    server_with_alice(&[
        ("JWTD_CORS_ALLOWED_ORIGINS", APP),
        ("JWTD_CORS_ALLOW_CREDENTIALS", "true"),
        ("JWTD_REFRESH_COOKIE", "jwtd_refresh"),
        ("JWTD_ROTATE_REFRESH_TOKENS", "true"),
        ("JWTD_BLACKLIST_AFTER_ROTATION", "true"),
    ])
}

/// A POST to `path` with an empty body, from `origin`, with the cookie.
fn with_cookie(server: &Server, path: &str, origin: Option<&str>, token: &str) -> Response {
    let cookie = format!("theme=dark; jwtd_refresh={token}");
    let mut headers = vec![("Cookie", cookie.as_str())];
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    server.request("POST", path, &headers, b"")
}

/// The token the response's `Set-Cookie` sets, its attributes checked.
fn set_token(r: &Response) -> String {
    let set = r
        .header("Set-Cookie")
        .unwrap_or_else(|| panic!("no Set-Cookie: {} {}", r.status, r.body));
    let (token, attributes) = set
        .strip_prefix("jwtd_refresh=")
        .and_then(|rest| rest.split_once("; "))
        .unwrap_or_else(|| panic!("{set}"));
    assert_eq!(
        attributes,
        "HttpOnly; Secure; SameSite=Lax; Path=/api/token/; Max-Age=86400"
    );
    token.to_owned()
}

/// alice's login from `APP`.
fn login(server: &Server) -> Response {
    server.request(
        "POST",
        "/api/token/",
        &[("Content-Type", "application/json"), ("Origin", APP)],
        format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#).as_bytes(),
    )
}

#[test]
fn a_page_on_an_allowed_origin_logs_in_refreshes_and_logs_out_by_cookie() {
    let (_dir, server) = cookie_server();
    let r = login(&server);
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert!(body["access"].is_string());
    assert!(body.get("refresh").is_none(), "{}", r.body);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
    assert_eq!(r.header("Access-Control-Allow-Credentials"), Some("true"));
    let first = set_token(&r);

    let r = with_cookie(&server, "/api/token/refresh/", Some(APP), &first);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["access"].is_string() && r.json().get("refresh").is_none());
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
    let second = set_token(&r);
    assert_ne!(first, second);

    // The server's own origin may use the cookie too.
    let r = with_cookie(&server, "/api/token/refresh/", Some(OWN), &second);
    assert_eq!(r.status, 200, "{}", r.body);
    let third = set_token(&r);

    let r = with_cookie(&server, "/api/token/blacklist/", Some(APP), &third);
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    assert_eq!(
        r.header("Set-Cookie"),
        Some("jwtd_refresh=; HttpOnly; Secure; SameSite=Lax; Path=/api/token/; Max-Age=0")
    );
    let r = with_cookie(&server, "/api/token/refresh/", Some(APP), &third);
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("Token is blacklisted"), "{}", r.body);
}

#[test]
fn the_cookie_from_any_other_origin_or_none_is_refused() {
    let (_dir, server) = cookie_server();
    let token = set_token(&login(&server));
    for path in ["/api/token/refresh/", "/api/token/blacklist/"] {
        for origin in [
            None,
            Some("https://evil.example"),
            Some("null"),
            Some("http://test.evil"),
        ] {
            let r = with_cookie(&server, path, origin, &token);
            assert_eq!(
                (r.status, r.body.as_str()),
                (403, FORBIDDEN),
                "{path} {origin:?}"
            );
            assert_eq!(r.header("Set-Cookie"), None);
        }
    }
    // A Referer from the server's own origin stands in for a missing Origin.
    let r = server.request(
        "POST",
        "/api/token/refresh/",
        &[
            ("Cookie", &format!("jwtd_refresh={token}")),
            ("Referer", "http://test/app/page"),
        ],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
}
