//! `PATCH /api/admin/users/{id}/`.

use crate::api::endpoints::admin::delete::SELF_DELETE;
use crate::api::endpoints::admin::update::{SELF_DEACTIVATE, SELF_DEMOTE};
use crate::api::endpoints::admin::validation::PASSWORD_WHITESPACE;

use super::*;

#[test]
fn patch_changes_flags_and_ignores_what_it_may_not_change() {
    let f = fixture();
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"is_staff":true,"username":"mallory","id":9,"date_joined":"x","extra":1}"#,
    );
    let body = r#"{"id":2,"username":"alice","email":"","first_name":"","last_name":"","is_active":true,"is_staff":true,"is_superuser":false,"date_joined":"2025-01-02T03:04:05.678901Z","last_login":null}"#;
    expect(&r, ALLOW_USER, 200, body);
    // An empty PATCH changes nothing and answers the user.
    expect(
        &f.call("PATCH", "/api/admin/users/2/", ""),
        ALLOW_USER,
        200,
        body,
    );
    // 404 comes before the body is read.
    let r = f.call("PATCH", "/api/admin/users/9/", "{");
    expect(&r, ALLOW_USER, 404, NO_USER_BODY);
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"password":" x","is_active":"no way","is_superuser":null}"#,
    );
    let expected = errors(&[
        ("password", &[PASSWORD_WHITESPACE]),
        ("is_active", &["Must be a valid boolean."]),
        ("is_superuser", &["This field may not be null."]),
    ]);
    expect(&r, ALLOW_USER, 400, &expected);
}

#[test]
fn a_new_password_revokes_the_old_tokens() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"password":"n3w password"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("password"));
    // The validators compare a new password with the user's username.
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"password":"alice2024"}"#,
    );
    expect(
        &r,
        ALLOW_USER,
        400,
        r#"{"password":["The password is too similar to the username."]}"#,
    );
    assert_eq!(f.protected_status(&access), 401, "revoked");
    let refreshed = send(
        &f.app,
        &OwnedRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(refreshed.status, 401);
    assert_eq!(try_login(&f.app, "alice", PASSWORD), 401);
    let (_, fresh) = login(&f.app, "alice", "n3w password");
    assert_eq!(f.protected_status(&fresh), 200);

    // With REVOKE_ON_PASSWORD_CHANGE off, the old tokens live on.
    let f = fixture_with(Settings {
        revoke_on_password_change: false,
        ..settings()
    });
    let (_, access) = login(&f.app, "alice", PASSWORD);
    assert_eq!(
        f.call(
            "PATCH",
            "/api/admin/users/2/",
            r#"{"password":"n3w-Zebra-42"}"#
        )
        .status,
        200
    );
    assert_eq!(f.protected_status(&access), 200);
    assert_eq!(try_login(&f.app, "alice", "n3w-Zebra-42"), 200);
}

#[test]
fn deactivating_a_user_revokes_their_tokens() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call("PATCH", "/api/admin/users/2/", r#"{"is_active":"false"}"#);
    assert_eq!(json(&r)["is_active"], false);
    assert_eq!(f.protected_status(&access), 401);
    // Reactivated, the old tokens stay dead; the refresh token was blacklisted.
    let r = f.call("PATCH", "/api/admin/users/2/", r#"{"is_active":true}"#);
    assert_eq!(json(&r)["is_active"], true);
    assert_eq!(f.protected_status(&access), 401);
    let refreshed = send(
        &f.app,
        &OwnedRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(
        refreshed.text(),
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
    );
}

#[test]
fn a_superuser_cannot_lock_themselves_out() {
    let f = fixture();
    let me = "/api/admin/users/1/";
    let r = f.call("PATCH", me, r#"{"is_active":false}"#);
    expect(
        &r,
        ALLOW_USER,
        400,
        &errors(&[("is_active", &[SELF_DEACTIVATE])]),
    );
    let r = f.call("PATCH", me, r#"{"is_superuser":"off","is_active":"n"}"#);
    let expected = errors(&[
        ("is_active", &[SELF_DEACTIVATE]),
        ("is_superuser", &[SELF_DEMOTE]),
    ]);
    expect(&r, ALLOW_USER, 400, &expected);
    let r = f.call("DELETE", me, "");
    expect(
        &r,
        ALLOW_USER,
        400,
        &errors(&[("non_field_errors", &[SELF_DELETE])]),
    );
    // Harmless changes to oneself are fine, and nothing above changed.
    let r = f.call(
        "PATCH",
        me,
        r#"{"is_staff":false,"is_active":true,"is_superuser":true}"#,
    );
    assert_eq!(r.status, 200);
    let root = f.app.auth.store().user(1).unwrap().unwrap();
    assert!(root.is_active && root.is_superuser && !root.is_staff);
    // Another superuser can be demoted, and then loses the API.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"eve","password":"pw-Zebra-42","is_superuser":true}"#,
    );
    let eve_id = json(&r)["id"].as_u64().unwrap();
    let eve = login(&f.app, "eve", "pw-Zebra-42").1;
    assert_eq!(f.call_as(&eve, "GET", USERS, "").status, 200);
    let r = f.call(
        "PATCH",
        &format!("{USERS}{eve_id}/"),
        r#"{"is_superuser":false}"#,
    );
    assert_eq!(r.status, 200);
    expect(
        &f.call_as(&eve, "GET", USERS, ""),
        ALLOW_LIST,
        403,
        FORBIDDEN_BODY,
    );
}
