//! `GET /metrics`: requests, logins and rejections counted.

use super::*;

#[test]
fn metrics_count_requests_logins_and_rejections() {
    let app = app();
    login(&app);
    post(&app, OBTAIN, r#"{"username":"alice","password":"wrong"}"#);
    get_protected(&app, "Bearer x.y.z");
    // A login does not wait for its row; a write that does comes after it.
    app.auth.settle().unwrap();
    let r = send(&app, &OwnedRequest::new("GET", "/metrics"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = r.text();
    for line in [
        "jwtd_http_requests_total{route=\"obtain\",status=\"200\"} 1",
        "jwtd_http_requests_total{route=\"obtain\",status=\"401\"} 1",
        "jwtd_http_requests_total{route=\"protected\",status=\"401\"} 1",
        "jwtd_logins_total{result=\"success\"} 1",
        "jwtd_logins_total{result=\"failure\"} 1",
        "jwtd_tokens_rejected_total{reason=\"invalid\"} 1",
        "jwtd_issued_refresh_tokens 1",
        "jwtd_blacklisted_tokens 0",
        "jwtd_http_request_duration_seconds_count{route=\"obtain\"} 2",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
    }
    assert!(r.quiet);
}
