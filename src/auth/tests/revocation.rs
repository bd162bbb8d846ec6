//! Revoking everything of a user, and what the log says of a reuse.

use super::*;

#[test]
fn revoking_a_user_refuses_every_earlier_token_at_once() {
    let f = fixture();
    let bob = add_user(&f.store, "bob", P1, true);
    let pair = f.login();
    let bobs = f.auth.login("bob", PASSWORD, CLIENT, NOW).unwrap();
    // Minted by a Django sharing the key: never in jwtd's issued table.
    let elsewhere = V1_REFRESH;

    assert_eq!(f.auth.revoke_user(1, NOW + 10).unwrap(), Some(1));
    let later = NOW + 11;
    // The access token is refused on the protected route and by verify.
    let bearer = |token: &str| {
        f.auth
            .authenticate(Some(format!("Bearer {token}").as_bytes()), later)
    };
    assert_eq!(
        bearer(&pair.access),
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
    assert_eq!(
        f.auth.verify(&pair.access, later),
        Err(TokenError::Revoked.into())
    );
    // The refresh token jwtd issued is blacklisted; the one from elsewhere
    // is refused by the user's valid-after time.
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, later),
        Err(TokenError::Blacklisted.into())
    );
    assert_eq!(
        f.auth.verify(&pair.refresh, later),
        Err(AuthError::BlacklistedOnVerify)
    );
    assert_eq!(
        f.auth.refresh(elsewhere, CLIENT, later),
        Err(TokenError::Revoked.into())
    );
    // Bob is untouched.
    assert_eq!(bearer(&bobs.access).unwrap().unwrap().id, bob.id);
    assert!(f.auth.refresh(&bobs.refresh, CLIENT, later).is_ok());
    // A new login works, and its tokens do.
    let fresh = f.auth.login("alice", PASSWORD, CLIENT, later).unwrap();
    assert_eq!(bearer(&fresh.access).unwrap().unwrap().username, "alice");
    assert!(f.auth.refresh(&fresh.refresh, CLIENT, later).is_ok());
    assert_eq!(f.auth.revoke_user(99, later).unwrap(), None);
}

#[test]
fn tokens_of_the_second_of_a_revocation_are_refused_and_logins_wait_it_out() {
    let f = fixture();
    // Issued in the same second as the revocation, maybe just before it.
    let pair = f.login();
    f.auth.revoke_user(1, NOW).unwrap();
    let bearer = f
        .auth
        .authenticate(Some(format!("Bearer {}", pair.access).as_bytes()), NOW);
    assert_eq!(
        bearer,
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
    // A login in that second would mint an `iat` still refused.
    assert_eq!(
        f.auth.login("alice", PASSWORD, CLIENT, NOW),
        Err(AuthError::RevokedUntil(NOW + 1))
    );
    // A wrong password is still just wrong.
    assert_eq!(
        f.auth.login("alice", "wrong", CLIENT, NOW),
        Err(AuthError::Credentials)
    );
    let next = f.auth.login("alice", PASSWORD, CLIENT, NOW + 1).unwrap();
    let user = f
        .auth
        .authenticate(Some(format!("Bearer {}", next.access).as_bytes()), NOW + 1);
    assert_eq!(user.unwrap().unwrap().username, "alice");
}

#[test]
fn a_token_without_iat_counts_as_issued_at_zero() {
    let f = fixture();
    let access = f.forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"j","user_id":"1"}}"#,
        NOW + 300
    ));
    assert!(f.bearer(&access).unwrap().is_some());
    f.auth.revoke_user(1, NOW - 100).unwrap();
    assert_eq!(
        f.bearer(&access),
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
}

/// Errors travel in every `Result` of a request, so they stay small (as
/// ureq keeps its own): a large variant would be boxed.
#[test]
fn the_error_types_stay_small() {
    use std::mem::size_of;
    assert!(size_of::<AuthError>() <= 32, "{}", size_of::<AuthError>());
    assert!(
        size_of::<AccountError>() <= 32,
        "{}",
        size_of::<AccountError>()
    );
    assert!(size_of::<crate::keys::KeysError>() <= 32);
    assert!(size_of::<TokenError>() <= 8, "{}", size_of::<TokenError>());
}

#[test]
fn a_reuse_names_the_user_and_the_client_address() {
    let alice = User::active(1, "alice", String::new());
    let presenter = |claimed, user| {
        Presenter {
            claimed,
            user,
            client: CLIENT,
        }
        .to_string()
    };
    assert_eq!(
        presenter(Some(1), Some(&alice)),
        r#"user "alice" (id 1) from 192.0.2.1"#
    );
    assert_eq!(
        presenter(Some(7), None),
        "user id 7 (no such user) from 192.0.2.1"
    );
    assert_eq!(
        presenter(None, None),
        "a token naming no user from 192.0.2.1"
    );
}
