//! Bearer authentication: header forms, the user checks, `CHECK_REVOKE_TOKEN`.

use super::*;

#[test]
fn bearer_header_forms() {
    let f = fixture();
    let pair = f.login();
    let access = pair.access.as_str();
    let auth = |header: &str| f.auth.authenticate(Some(header.as_bytes()), NOW);
    assert_eq!(f.auth.authenticate(None, NOW), Ok(None));
    for absent in ["", "   ", "Basic dXNlcjpwYXNz", "Token abc", "Bearerx abc"] {
        assert_eq!(auth(absent), Ok(None), "{absent:?}");
    }
    for good in [
        format!("Bearer {access}"),
        format!("bearer {access}"),
        format!("BEARER {access}"),
        format!("  Bearer \t {access}  "),
    ] {
        assert_eq!(auth(&good).unwrap().unwrap().id, 1, "{good:?}");
    }
    assert_eq!(auth("Bearer"), Err(AuthError::BadHeader));
    assert_eq!(
        auth(&format!("Bearer {access} extra")),
        Err(AuthError::BadHeader)
    );
    assert!(matches!(
        auth("Bearer x.y.z"),
        Err(AuthError::NotValidForAnyType(_))
    ));
    assert_eq!(
        auth(&format!("Bearer {}", pair.refresh)),
        Err(AuthError::NotValidForAnyType(TokenError::WrongType))
    );
    assert_eq!(
        f.auth.authenticate(Some(b"Bearer \xff\xfe"), NOW),
        Err(AuthError::NotValidForAnyType(TokenError::Decode(
            DecodeError::NotText
        )))
    );
}

#[test]
fn bearer_user_checks() {
    let f = fixture();
    add_user(&f.store, "bob", P1, false);
    let access = |user: &str| {
        f.forge(&format!(
            r#"{{"token_type":"access","exp":{},"jti":"j","user_id":{user}}}"#,
            NOW + 60
        ))
    };
    assert_eq!(
        f.bearer(&access(r#""1""#)).unwrap().unwrap().username,
        "alice"
    );
    assert_eq!(f.bearer(&access(r#""99""#)), Err(AuthError::UserNotFound));
    assert_eq!(f.bearer(&access(r#""2""#)), Err(AuthError::UserInactive));
    assert_eq!(f.bearer(&access(r#""abc""#)), Err(AuthError::NoUserId));
    assert_eq!(
        f.bearer(&access(r#"{"$ne":null}"#)),
        Err(AuthError::NoUserId)
    );
    let none = f.forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"j"}}"#,
        NOW + 60
    ));
    assert_eq!(f.bearer(&none), Err(AuthError::NoUserId));
}

#[test]
fn other_header_types_are_accepted_when_configured() {
    let f = fixture_with(Settings {
        auth_header_types: vec!["JWT".into(), "Bearer".into()],
        ..settings()
    });
    let pair = f.login();
    let header = format!("JWT {}", pair.access);
    assert!(f
        .auth
        .authenticate(Some(header.as_bytes()), NOW)
        .unwrap()
        .is_some());
}

#[test]
fn the_blacklist_is_checked_before_the_user_as_simplejwt_does() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let logged_out = f.login();
    f.auth.blacklist(&logged_out.refresh, NOW).unwrap();
    let rotated = f.login();
    f.auth.refresh(&rotated.refresh, CLIENT, NOW).unwrap();
    // The user deactivated, then with a new password: the blacklist still
    // answers first, and a rotated token back is still reuse.
    for change in [
        Box::new(|u: &mut User| u.is_active = false) as Box<dyn Fn(&mut User)>,
        Box::new(|u: &mut User| {
            u.is_active = true;
            u.password = password::make_password("another password", 1000).unwrap();
        }),
    ] {
        f.store.update_user("alice", change).unwrap();
        assert_eq!(
            f.auth.refresh(&logged_out.refresh, CLIENT, NOW),
            Err(TokenError::Blacklisted.into())
        );
        assert_eq!(
            f.auth.refresh(&rotated.refresh, CLIENT, NOW),
            Err(AuthError::ReusedWithinGrace)
        );
    }
}

#[test]
fn check_revoke_token_follows_password_changes() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let pair = f.login();
    assert!(f.bearer(&pair.access).unwrap().is_some());
    let new_hash = password::make_password("another password", 1000).unwrap();
    f.store
        .update_user("alice", |u| u.password = new_hash)
        .unwrap();
    assert_eq!(f.bearer(&pair.access), Err(AuthError::PasswordChanged));
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(AuthError::PasswordChanged)
    );
    // The stale refresh token was revoked on the way out.
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(TokenError::Blacklisted.into())
    );
    // A fresh login works again.
    let fresh = f
        .auth
        .login("alice", "another password", CLIENT, NOW)
        .unwrap();
    assert!(f.bearer(&fresh.access).unwrap().is_some());
}

#[test]
fn check_revoke_token_survives_a_rehash_on_login() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        password_iterations: 1500,
        ..settings()
    });
    let pair = f.login();
    assert!(
        f.bearer(&pair.access).unwrap().is_some(),
        "the claim names the new hash"
    );
}
