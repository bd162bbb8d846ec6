//! `POST /api/admin/users/{id}/revoke/`.

use super::*;

#[test]
fn revoke_logs_a_user_out_everywhere() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let (_, other) = login(&f.app, "sam", PASSWORD);
    let r = f.call("POST", "/api/admin/users/2/revoke/", "");
    expect(&r, ALLOW_REVOKE, 200, "{}");
    assert_eq!(f.protected_status(&access), 401);
    assert_eq!(f.protected_status(&other), 200, "only alice");
    let refreshed = send(
        &f.app,
        &OwnedRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(refreshed.status, 401);
    // She logs in again (in the next second).
    let (_, again) = login(&f.app, "alice", PASSWORD);
    assert_eq!(f.protected_status(&again), 200);
    expect(
        &f.call("POST", "/api/admin/users/9/revoke/", ""),
        ALLOW_REVOKE,
        404,
        NO_USER_BODY,
    );
}
