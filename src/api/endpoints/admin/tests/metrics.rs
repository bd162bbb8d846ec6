//! Admin requests in `/metrics`.

use super::*;

#[test]
fn admin_requests_are_counted_in_metrics() {
    let f = fixture();
    f.get(USERS);
    f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"pw-Zebra-42"}"#,
    );
    f.call("DELETE", "/api/admin/users/5/", "");
    send(&f.app, &OwnedRequest::new("GET", USERS));
    let text = send(&f.app, &OwnedRequest::new("GET", "/metrics"))
        .text()
        .to_owned();
    for line in [
        "jwtd_http_requests_total{route=\"admin\",status=\"200\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"201\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"204\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"401\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
}
