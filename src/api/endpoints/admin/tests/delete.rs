//! `DELETE /api/admin/users/{id}/`.

use super::*;

#[test]
fn delete_is_204_then_404() {
    let f = fixture();
    let (_, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call("DELETE", "/api/admin/users/2/", "");
    assert_eq!((r.status, r.text()), (204, ""));
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.header("Vary"), Some("Accept"));
    assert_eq!(r.header("Allow"), Some(ALLOW_USER));
    expect(&f.get("/api/admin/users/2/"), ALLOW_USER, 404, NO_USER_BODY);
    expect(
        &f.call("DELETE", "/api/admin/users/2/", ""),
        ALLOW_USER,
        404,
        NO_USER_BODY,
    );
    assert_eq!(f.protected_status(&access), 401, "the user is gone");
    // The name is free again; the id is not reused.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"alice","password":"pw-Zebra-42"}"#,
    );
    assert_eq!(json(&r)["id"], 5);
    assert_eq!(f.protected_status(&access), 401);
}
