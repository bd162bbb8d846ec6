//! `/metrics` on the real server: each refusal under its own reason, and
//! the log lines that go with a reuse and a throttled login.

use crate::support::*;

/// The value of the series `series` (name and labels) in `/metrics`.
fn metric(server: &Server, series: &str) -> u64 {
    let text = server.get("/metrics", None).body;
    let prefix = format!("{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

fn refusals(server: &Server, reason: &str) -> u64 {
    metric(
        server,
        &format!("jwtd_refusals_total{{reason=\"{reason}\"}}"),
    )
}

#[test]
fn a_revoked_token_a_reuse_and_a_throttled_login_are_counted_by_reason() {
    let (_dir, server) = server_with_alice(&[
        // A replay at once is theft, and two failures throttle alice.
        ("JWTD_REUSE_GRACE_PERIOD", "0"),
        ("JWTD_LOGIN_FAILURES_PER_USER", "2"),
    ]);
    let refresh = |token: &str| {
        server.post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{token}"}}"#),
        )
    };

    // Reuse: a rotated-out refresh token presented again.
    let (spent, _) = server.login("alice");
    assert_eq!(refresh(&spent).status, 200);
    assert_eq!(refresh(&spent).status, 401);
    assert!(
        server.log_eventually_contains(
            "presented again by user \"alice\" (id 1) from 127.0.0.1; 1 live token(s) of the family revoked"
        ),
        "{}",
        server.log()
    );

    // Revoked: an access token issued before its user's tokens were revoked.
    let (_, access) = server.login("alice");
    let r = server.request(
        "POST",
        "/api/token/revoke-all/",
        &[("Authorization", &format!("Bearer {access}"))],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = server.get("/api/protected/", Some(&access));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Token is revoked"), "{}", r.body);

    // Throttled: two failures, then two attempts turned away; the first
    // of them is logged, the second is not.
    let wrong = r#"{"username":"alice","password":"wrong"}"#;
    for status in [401, 401, 429, 429] {
        assert_eq!(server.post_json("/api/token/", wrong).status, status);
    }
    let line = "WARN login throttled: user \"alice\" from 127.0.0.1 reached 2 failed login(s)";
    assert!(server.log_eventually_contains(line), "{}", server.log());
    assert_eq!(server.log().matches("login throttled").count(), 1);

    assert_eq!(refusals(&server, "reuse"), 1);
    assert_eq!(refusals(&server, "revoked"), 1);
    assert_eq!(refusals(&server, "throttled"), 2);
    assert_eq!(refusals(&server, "bad_credentials"), 2);
    assert_eq!(refusals(&server, "blacklisted"), 0);
    assert_eq!(
        metric(&server, "jwtd_tokens_rejected_total{reason=\"revoked\"}"),
        1
    );
    assert_eq!(metric(&server, "jwtd_refresh_reuse_total"), 1);
    assert_eq!(
        metric(&server, "jwtd_logins_total{result=\"throttled\"}"),
        2
    );
}
