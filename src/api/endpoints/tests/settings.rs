//! Settings that change what a client sees: the header and its schemes,
//! the user id claim, revocation on a password change.

use super::*;

#[test]
fn auth_header_types_name_the_scheme_and_the_challenge() {
    let app = app_with(Settings {
        auth_header_types: vec!["JWT".into(), "Token".into()],
        ..settings()
    });
    let (_, access) = login(&app);
    for scheme in ["JWT", "jwt", "Token"] {
        let r = get_protected(&app, &format!("{scheme} {access}"));
        assert_eq!((r.status, r.text()), (200, HELLO_ALICE), "{scheme}");
    }
    let challenge = Some("JWT realm=\"api\"");
    let r = get_protected(&app, &format!("Bearer {access}"));
    assert_eq!((r.status, r.text()), (401, NO_CREDENTIALS));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    let r = get_protected(&app, "JWT");
    assert_eq!((r.status, r.text()), (401, BAD_HEADER));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    // Token views name it too.
    let r = post(&app, OBTAIN, r#"{"username":"alice","password":"x"}"#);
    assert_eq!((r.status, r.text()), (401, BAD_CREDENTIALS));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    let r = post(&app, VERIFY, r#"{"token":"x"}"#);
    assert_eq!(r.status, 401);
    assert_eq!(r.header("WWW-Authenticate"), challenge);
}

#[test]
fn auth_header_name_reads_another_header() {
    let app = app_with(Settings {
        auth_header_name: "HTTP_X_ACCESS_TOKEN".into(),
        ..settings()
    });
    let (_, access) = login(&app);
    let bearer = format!("Bearer {access}");
    for name in ["X-Access-Token", "x-access-token"] {
        let r = send(
            &app,
            &OwnedRequest::new("GET", PROTECTED).header(name, &bearer),
        );
        expect_protected(&r, 200, HELLO_ALICE);
    }
    // Authorization is now just another header.
    expect_protected(&get_protected(&app, &bearer), 401, NO_CREDENTIALS);
    let r = send(
        &app,
        &OwnedRequest::new("GET", PROTECTED).header("X-Access-Token", "Bearer"),
    );
    expect_protected(&r, 401, BAD_HEADER);
}

#[test]
fn check_revoke_token_refuses_tokens_after_a_password_change() {
    let app = app_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let (refresh, access) = login(&app);
    let bearer = format!("Bearer {access}");
    expect_protected(&get_protected(&app, &bearer), 200, HELLO_ALICE);
    let new_hash = make_password("another password", 1000).unwrap();
    app.auth
        .store()
        .update_user("alice", |u| u.password = new_hash)
        .unwrap();
    let changed = r#"{"detail":"The user's password has been changed.","code":"password_changed"}"#;
    expect_protected(&get_protected(&app, &bearer), 401, changed);
    // 5.5.1 refreshes it anyway; jwtd refuses, as master does, and revokes it.
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, REFRESH, &body), 401, changed);
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
}

#[test]
fn user_id_claim_names_the_claim_written_and_read() {
    let app = app_with(Settings {
        user_id_claim: "uid".into(),
        ..settings()
    });
    let (refresh, access) = login(&app);
    for token in [&refresh, &access] {
        let payload = token.split('.').nth(1).unwrap();
        let payload = crate::jwt::base64url_decode(payload).unwrap();
        let claims = crate::jwt::Claims::from_json(&payload).unwrap();
        assert_eq!(claims.get_str("uid"), Some("1"));
        assert!(claims.get("user_id").is_none());
    }
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    // A token that names its user under the default claim names no one here.
    let other = forge(&format!(
        r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"x","user_id":"1"}}"#,
        NOW + 60
    ));
    expect_protected(
        &get_protected(&app, &format!("Bearer {other}")),
        401,
        r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#,
    );
    assert_eq!(
        post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)).status,
        200
    );
}
