//! Sliding tokens through the policy: login, refresh, verify, blacklist
//! and bearer, with `AUTH_TOKEN_CLASSES` `sliding` alone and with both.

use super::super::tests::{fixture_with, settings, Fixture, CLIENT, NOW, PASSWORD};
use crate::auth::AuthError;
use crate::config::Settings;
use crate::token::{TokenError, TokenType};

fn classes(names: &[&str]) -> Settings {
    Settings {
        auth_token_classes: names.iter().map(|n| n.to_string()).collect(),
        ..settings()
    }
}

fn sliding_only() -> Fixture {
    fixture_with(classes(&["sliding"]))
}

impl Fixture {
    fn login_sliding(&self) -> String {
        self.auth
            .login_sliding("alice", PASSWORD, CLIENT, NOW)
            .unwrap()
    }
}

#[test]
fn a_sliding_login_is_recorded_and_authenticates() {
    let f = sliding_only();
    let token = f.login_sliding();
    let claims = f.claims(&token);
    let names: Vec<&str> = claims.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]
    );
    assert_eq!(claims.get_str("token_type"), Some("sliding"));
    assert_eq!(claims.get("exp"), Some(&serde_json::json!(NOW + 300)));
    assert_eq!(
        claims.get("refresh_exp"),
        Some(&serde_json::json!(NOW + 86_400))
    );
    f.auth.settle().unwrap();
    // Recorded as an outstanding token: its jti has a family.
    let jti = claims.get_str("jti").unwrap();
    assert!(f.store.family_of(jti).unwrap().is_some());
    assert_eq!(f.bearer(&token).unwrap().unwrap().username, "alice");
    // An access token is no sliding token.
    let access = f.forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"a","user_id":"1"}}"#,
        NOW + 60
    ));
    match f.bearer(&access) {
        Err(AuthError::NotValidForAnyType(TokenError::WrongType)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn refresh_keeps_the_jti_and_resets_exp_and_iat() {
    let f = sliding_only();
    let token = f.login_sliding();
    let later = NOW + 120;
    let refreshed = f.auth.refresh_sliding(&token, later).unwrap();
    let old = f.claims(&token);
    let new = f.tokens.decode(&refreshed, later).unwrap();
    assert_eq!(new.get_str("jti"), old.get_str("jti"));
    assert_eq!(new.get("refresh_exp"), old.get("refresh_exp"));
    assert_eq!(new.get("exp"), Some(&serde_json::json!(later + 300)));
    assert_eq!(new.get("iat"), Some(&serde_json::json!(later)));
    // Nothing was spent: the old token still refreshes.
    assert!(f.auth.refresh_sliding(&token, later).is_ok());
}

#[test]
fn refresh_refuses_past_refresh_exp_wrong_types_and_blacklisted() {
    let f = sliding_only();
    let expired = f.forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"s1","refresh_exp":{NOW},"user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        f.auth.refresh_sliding(&expired, NOW),
        Err(TokenError::RefreshExpired.into())
    );
    let no_limit = f.forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"s2","user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        f.auth.refresh_sliding(&no_limit, NOW),
        Err(TokenError::NoRefreshExp.into())
    );
    let refresh = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"r1","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 60,
        NOW + 60
    ));
    assert_eq!(
        f.auth.refresh_sliding(&refresh, NOW),
        Err(TokenError::WrongType.into())
    );
    let token = f.login_sliding();
    f.auth.blacklist(&token, NOW).unwrap();
    assert_eq!(
        f.auth.refresh_sliding(&token, NOW),
        Err(TokenError::Blacklisted.into())
    );
    assert_eq!(
        f.auth.verify(&token, NOW),
        Err(AuthError::BlacklistedOnVerify)
    );
    match f.bearer(&token) {
        Err(AuthError::NotValidForAnyType(TokenError::Blacklisted)) => {}
        other => panic!("{other:?}"),
    }
    // And a refreshed copy, which has the same jti.
    assert_eq!(
        f.auth.blacklist(&token, NOW),
        Err(TokenError::Blacklisted.into())
    );
}

#[test]
fn a_revocation_ends_sliding_tokens_and_their_refreshes() {
    let f = sliding_only();
    let token = f.login_sliding();
    f.auth.settle().unwrap();
    assert_eq!(f.auth.revoke_user(1, NOW + 10).unwrap(), Some(1));
    assert!(f.auth.refresh_sliding(&token, NOW + 20).is_err());
    // One minted elsewhere (not on record) is refused by its iat.
    let foreign = f.forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"iat":{NOW},"jti":"elsewhere","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 300,
        NOW + 900
    ));
    assert_eq!(
        f.auth.refresh_sliding(&foreign, NOW + 20),
        Err(TokenError::Revoked.into())
    );
}

#[test]
fn blacklist_takes_the_class_the_views_serve() {
    let f = sliding_only();
    let refresh = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"r2","user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        f.auth.blacklist(&refresh, NOW),
        Err(TokenError::WrongType.into())
    );
    let access_only = fixture_with(settings());
    let sliding = access_only.forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"s3","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 60,
        NOW + 60
    ));
    assert_eq!(
        access_only.auth.blacklist(&sliding, NOW),
        Err(TokenError::WrongType.into())
    );
    let both = fixture_with(classes(&["access", "sliding"]));
    assert_eq!(both.auth.blacklist(&sliding, NOW), Ok(()));
    assert_eq!(both.auth.blacklist(&refresh, NOW), Ok(()));
}

#[test]
fn with_both_classes_each_is_tried_in_order() {
    let f = fixture_with(classes(&["access", "sliding"]));
    let pair = f.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap();
    assert!(f.bearer(&pair.access).unwrap().is_some());
    let sliding = f.forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"s4","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 60,
        NOW + 600
    ));
    assert!(f.bearer(&sliding).unwrap().is_some());
    assert_eq!(
        f.bearer(&pair.refresh),
        Err(AuthError::NotValidForAnyType(TokenError::WrongType))
    );
    f.auth.blacklist(&sliding, NOW).unwrap();
    assert_eq!(
        f.bearer(&sliding),
        Err(AuthError::NotValidForEither(
            TokenError::WrongType,
            TokenError::Blacklisted
        ))
    );
    assert_eq!(TokenType::of_class("sliding"), Some(TokenType::Sliding));
}
