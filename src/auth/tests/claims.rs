//! `TOKEN_CLAIMS`, `TOKEN_CLAIMS_FROM_USER` and `STATELESS_AUTHENTICATION`.

use super::*;

fn with_token_claims(from_user: bool) -> Fixture {
    fixture_with(Settings {
        token_claims: ["username", "is_staff", "is_superuser", "is_active", "id"]
            .map(String::from)
            .to_vec(),
        token_claims_from_user: from_user,
        ..settings()
    })
}

/// The claim names of `claims`, in order.
fn names(claims: &Claims) -> Vec<&str> {
    claims.iter().map(|(name, _)| name).collect()
}

#[test]
fn token_claims_follow_simplejwts_own_at_login() {
    let f = with_token_claims(false);
    f.store.update_user("alice", |u| u.is_staff = true).unwrap();
    let pair = f.login();
    for (token, kind) in [(&pair.refresh, "refresh"), (&pair.access, "access")] {
        let claims = f.claims(token);
        assert_eq!(
            names(&claims),
            [
                "token_type",
                "exp",
                "iat",
                "jti",
                "user_id",
                "username",
                "is_staff",
                "is_superuser",
                "is_active",
                "id"
            ],
            "{kind}"
        );
        assert_eq!(claims.get_str("username"), Some("alice"));
        assert_eq!(claims.get("is_staff"), Some(&true.into()));
        assert_eq!(claims.get("is_superuser"), Some(&false.into()));
        assert_eq!(claims.get("is_active"), Some(&true.into()));
        assert_eq!(claims.get("id"), Some(&1.into()), "a number, as user.id");
        assert_eq!(claims.get_str("user_id"), Some("1"));
    }
    // Without TOKEN_CLAIMS nothing is added.
    let plain = fixture().login();
    assert_eq!(
        names(&fixture().claims(&plain.access)),
        ["token_type", "exp", "iat", "jti", "user_id"]
    );
}

#[test]
fn token_claims_come_after_the_revoke_claim() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        token_claims: vec!["username".into()],
        ..settings()
    });
    let claims = f.claims(&f.login().access);
    assert_eq!(
        names(&claims),
        [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "hash_password",
            "username"
        ]
    );
}

#[test]
fn refresh_copies_the_claims_as_simplejwt_does() {
    let f = with_token_claims(false);
    let pair = f.login();
    f.store.update_user("alice", |u| u.is_staff = true).unwrap();
    let refreshed = f.auth.refresh(&pair.refresh, CLIENT, NOW).unwrap();
    let access = f.claims(&refreshed.access);
    assert_eq!(access.get("is_staff"), Some(&false.into()), "copied");
    let rotated = f.claims(&refreshed.refresh.unwrap());
    assert_eq!(rotated.get("is_staff"), Some(&false.into()));
    // A refresh token from elsewhere carries its own claims on, whatever
    // they are, TOKEN_CLAIMS or not.
    let django = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"dj","user_id":"1","email":"a@example.com","is_staff":"yes"}}"#,
        NOW + 60
    ));
    let access = f.claims(&f.auth.refresh(&django, CLIENT, NOW).unwrap().access);
    assert_eq!(access.get_str("email"), Some("a@example.com"));
    assert_eq!(access.get_str("is_staff"), Some("yes"));
}

#[test]
fn token_claims_from_user_reads_them_again_at_refresh() {
    let f = with_token_claims(true);
    let pair = f.login();
    f.store
        .update_user("alice", |u| {
            u.is_staff = true;
            u.is_superuser = true;
        })
        .unwrap();
    let refreshed = f.auth.refresh(&pair.refresh, CLIENT, NOW).unwrap();
    let rotated = refreshed.refresh.unwrap();
    for token in [&refreshed.access, &rotated] {
        let claims = f.claims(token);
        assert_eq!(claims.get("is_staff"), Some(&true.into()));
        assert_eq!(claims.get("is_superuser"), Some(&true.into()));
        assert_eq!(
            names(&claims)[5..],
            ["username", "is_staff", "is_superuser", "is_active", "id"],
            "in place"
        );
    }
    // Missing from the token: appended, in TOKEN_CLAIMS' order; other
    // claims are kept.
    let bare = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"b","user_id":"1","email":"x"}}"#,
        NOW + 60
    ));
    let access = f.claims(&f.auth.refresh(&bare, CLIENT, NOW).unwrap().access);
    assert_eq!(
        names(&access),
        [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "email",
            "username",
            "is_staff",
            "is_superuser",
            "is_active",
            "id"
        ]
    );
    // A deleted user: SimpleJWT's answer for a missing user.
    let second = f.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap();
    f.store.delete_user("alice").unwrap();
    assert_eq!(
        f.auth.refresh(&second.refresh, CLIENT, NOW),
        Err(AuthError::NoActiveAccount(NoAccount::Gone))
    );
}

#[test]
fn stateless_authentication_reads_the_token_alone() {
    let f = fixture();
    let stateless = |token: &str| {
        f.auth
            .authenticate_stateless(Some(format!("Bearer {token}").as_bytes()), NOW)
    };
    let access = |rest: &str| {
        f.forge(&format!(
            r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"s"{rest}}}"#,
            NOW + 60
        ))
    };
    // No such user: the token alone decides.
    let user = stateless(&access(r#","user_id":"99","username":"zed""#))
        .unwrap()
        .unwrap();
    assert_eq!((user.id, user.username.as_str()), (99, "zed"));
    assert!(user.is_active && !user.is_staff && !user.is_superuser);
    // TokenUser's default username, and any user_id value present.
    for rest in [
        r#","user_id":"1""#,
        r#","user_id":"""#,
        r#","user_id":null,"username":5"#,
    ] {
        let user = stateless(&access(rest)).unwrap().unwrap();
        assert_eq!(user.username, "", "{rest}");
    }
    assert_eq!(
        stateless(&access(r#","username":"alice""#)),
        Err(AuthError::NoUserId)
    );
    // The token checks stay.
    let refresh = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"r","user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        stateless(&refresh),
        Err(AuthError::NotValidForAnyType(TokenError::WrongType))
    );
    let expired = f.forge(r#"{"token_type":"access","exp":1,"jti":"e","user_id":"1"}"#);
    assert!(matches!(
        stateless(&expired),
        Err(AuthError::NotValidForAnyType(TokenError::Decode(_)))
    ));
    assert_eq!(f.auth.authenticate_stateless(None, NOW), Ok(None));
    // An inactive, revoked user's token still passes until it expires.
    let pair = f.login();
    f.auth.revoke_user(1, NOW).unwrap();
    f.store
        .update_user("alice", |u| u.is_active = false)
        .unwrap();
    assert!(f.bearer(&pair.access).is_err());
    assert_eq!(stateless(&pair.access).unwrap().unwrap().username, "");
}
