//! CORS on the real binary, as django-cors-headers answers: off by
//! default (OPTIONS is DRF's metadata), and with `CORS_ALLOWED_ORIGINS`
//! a preflight answered before the view, and the origin allowed on the
//! actual request, which the login pool completes.

use crate::support::*;

const APP: &str = "https://app.example";

fn preflight(server: &Server, origin: &str) -> Response {
    server.request(
        "OPTIONS",
        "/api/token/",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
        b"",
    )
}

fn login_from(server: &Server, origin: &str) -> Response {
    server.request(
        "POST",
        "/api/token/",
        &[("Content-Type", "application/json"), ("Origin", origin)],
        format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#).as_bytes(),
    )
}

#[test]
fn an_allowed_origin_gets_its_preflight_and_its_login() {
    let (_dir, server) = server_with_alice(&[("JWTD_CORS_ALLOWED_ORIGINS", APP)]);

    let r = preflight(&server, APP);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "");
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert_eq!(r.header("Vary"), Some("Origin"));
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
    assert_eq!(
        r.header("Access-Control-Allow-Methods"),
        Some("DELETE, GET, OPTIONS, PATCH, POST, PUT")
    );
    assert_eq!(
        r.header("Access-Control-Allow-Headers"),
        Some("accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with")
    );
    assert_eq!(r.header("Access-Control-Max-Age"), Some("86400"));
    assert_eq!(r.header("Access-Control-Allow-Credentials"), None);

    let r = preflight(&server, "https://evil.example");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Vary"), Some("Origin"));
    for name in [
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Max-Age",
    ] {
        assert_eq!(r.header(name), None, "{name}");
    }

    // The actual request, answered by the login pool, carries the origin.
    let r = login_from(&server, APP);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["access"].is_string());
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
    assert_eq!(r.header("Vary"), Some("Accept, Origin"));
    assert_eq!(r.header("Access-Control-Allow-Methods"), None);
    let r = login_from(&server, "https://evil.example");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("Access-Control-Allow-Origin"), None);
    assert_eq!(r.header("Vary"), Some("Accept, Origin"));

    // An error answer and an unknown path carry the headers too.
    let r = server.request("GET", "/api/token/", &[("Origin", APP)], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
    let r = server.request("GET", "/nowhere", &[("Origin", APP)], b"");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));

    // An OPTIONS that is no preflight is still DRF's metadata.
    let r = server.request("OPTIONS", "/api/token/", &[("Origin", APP)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "Token Obtain Pair");
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(APP));
}

#[test]
fn credentials_and_every_origin_echo_the_origin() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_CORS_ALLOW_ALL_ORIGINS", "true"),
        ("JWTD_CORS_ALLOW_CREDENTIALS", "true"),
        ("JWTD_CORS_PREFLIGHT_MAX_AGE", "0"),
        ("JWTD_CORS_EXPOSE_HEADERS", "Retry-After"),
    ]);
    let r = preflight(&server, "https://any.example");
    assert_eq!(
        r.header("Access-Control-Allow-Origin"),
        Some("https://any.example")
    );
    assert_eq!(r.header("Access-Control-Allow-Credentials"), Some("true"));
    assert_eq!(
        r.header("Access-Control-Expose-Headers"),
        Some("Retry-After")
    );
    assert_eq!(r.header("Access-Control-Max-Age"), None);
}

#[test]
fn off_by_default_nothing_changes() {
    let (_dir, server) = server_with_alice(&[]);
    let r = preflight(&server, APP);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "Token Obtain Pair");
    assert_eq!(r.header("Vary"), Some("Accept"));
    let r = login_from(&server, APP);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("Vary"), Some("Accept"));
    assert!(r
        .headers
        .iter()
        .all(|(name, _)| !name.to_ascii_lowercase().starts_with("access-control-")));
}

#[test]
fn an_unsupported_origin_pattern_stops_the_start() {
    let dir = TempDir::new();
    let out = run_with(
        &dir,
        &["config"],
        "",
        &[(
            "JWTD_CORS_ALLOWED_ORIGIN_REGEXES",
            r"^https://(?i)a\.example$",
        )],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("invalid CORS_ALLOWED_ORIGIN_REGEXES"),
        "{}",
        out.stderr
    );
}
