use super::*;
use crate::jwt::Algorithm;

const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
const NOW: u64 = 1_735_689_600;
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";

/// The reference vectors' settings: SimpleJWT's own defaults (5 min
/// access lifetime), not jwtd's.
fn reference_settings() -> Settings {
    Settings {
        access_token_lifetime: 300,
        ..Settings::default()
    }
}

fn tokens(settings: &Settings) -> Tokens {
    let key = Key::new(settings.algorithm, KEY).unwrap();
    Tokens::new(settings, key, JtiSource::counter())
}

/// `check` of the payload `json` both ways a token is read: signed and
/// read at time 1 ([`Tokens::read`]), and decoded whole
/// ([`Tokens::claims_of`]); the two must agree.
fn both<R: PartialEq + fmt::Debug>(
    t: &Tokens,
    json: &str,
    check: impl Fn(&TokenClaims<'_>) -> R,
) -> R {
    let whole = Claims::from_json(json.as_bytes()).unwrap();
    let from_whole = check(&t.claims_of(&whole));
    let key = Key::new(Algorithm::HS256, KEY).unwrap();
    let token = jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), json.as_bytes()).unwrap();
    let mut buffer = SegmentBuffer::new();
    let read = t.read(&token, 1, &mut buffer).unwrap();
    assert_eq!(check(&read), from_whole, "{json}");
    from_whole
}

fn user_1() -> User {
    User::active(1, "alice", P1)
}

#[test]
fn vector_v1_refresh_then_access() {
    let t = tokens(&reference_settings());
    let refresh = t.refresh_for(&user_1(), NOW).unwrap();
    assert_eq!(t.encode(&refresh).unwrap(), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ");
    let access = t.access_for(&refresh, NOW).unwrap();
    assert_eq!(t.encode(&access).unwrap(), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk");
}

#[test]
fn vector_v2_hs512() {
    let settings = Settings {
        algorithm: Algorithm::HS512,
        ..reference_settings()
    };
    let t = tokens(&settings);
    let refresh = t.refresh_for(&user_1(), NOW).unwrap();
    let access = t.access_for(&refresh, NOW).unwrap();
    assert_eq!(t.encode(&access).unwrap(), "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.M7P7zvYyYNU6ydf04PWYlWjJglWkaHI5yCQAsS9n8O2J8A4nGAiqk56-cMZyZQtVeNjYRp7-w_YBk_X4JjxhNQ");
}

#[test]
fn vector_v3_audience_and_issuer() {
    let settings = Settings {
        audience: Some(Audience::One("my-aud".into())),
        issuer: Some("https://issuer.example".into()),
        ..reference_settings()
    };
    let t = tokens(&settings);
    let refresh = t.refresh_for(&user_1(), NOW).unwrap();
    let access = t.access_for(&refresh, NOW).unwrap();
    let token = t.encode(&access).unwrap();
    assert_eq!(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJhdWQiOiJteS1hdWQiLCJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.gONHh_IvnNyzpWDFLCXq13P6n0WLOf3Pxg2ENlu4JL8");
    assert!(t.decode(&token, NOW).is_ok());
    // A token without them is refused under this configuration.
    let plain = tokens(&reference_settings());
    let other = plain
        .encode(&plain.refresh_for(&user_1(), NOW).unwrap())
        .unwrap();
    assert_eq!(
        t.decode(&other, NOW).unwrap_err().message(),
        "Token is invalid"
    );
}

#[test]
fn vector_v6_check_revoke_token() {
    let settings = Settings {
        check_revoke_token: true,
        ..reference_settings()
    };
    let t = tokens(&settings);
    let refresh = t.refresh_for(&user_1(), NOW).unwrap();
    let access = t.access_for(&refresh, NOW).unwrap();
    assert_eq!(t.encode(&access).unwrap(), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJoYXNoX3Bhc3N3b3JkIjoiMDE0RDM1MTU1MUZDOENDRDEwODQxMTUxOTAyNjE3N0UifQ.Ap04TdBXx5N4pCWtKDofoN-m-KEUvT-ac8Ct-lN9ZiE");
    let mut changed = user_1();
    changed.password.push('x');
    let token = t.encode(&access).unwrap();
    let mut buffer = SegmentBuffer::new();
    let read = t.read(&token, NOW, &mut buffer).unwrap();
    for claims in [read, t.claims_of(&access)] {
        assert!(t.password_unchanged(&claims, &user_1()));
        assert!(!t.password_unchanged(&claims, &changed));
    }
    // Without the claim, or with one that is not a string, it changed.
    let t_json = |json: &str| both(&t, json, |c| t.password_unchanged(c, &user_1()));
    assert!(!t_json(r#"{"exp":9}"#));
    assert!(!t_json(r#"{"hash_password":null}"#));
    assert!(!t_json(
        r#"{"hash_password":"014d351551fc8ccd108411519026177e"}"#
    ));
    assert!(t_json(
        r#"{"hash_password":"014D351551FC8CCD108411519026177E"}"#
    ));
    assert!(t_json(
        r#"{"hash_password":"\u0030\u0031\u0034D351551FC8CCD108411519026177E"}"#
    ));
    // With CHECK_REVOKE_TOKEN off nothing is compared.
    let off = tokens(&reference_settings());
    assert!(both(&off, r#"{"hash_password":1}"#, |c| off
        .password_unchanged(c, &changed)));
}

#[test]
fn access_copies_custom_claims_in_order_and_rotation_keeps_positions() {
    let t = tokens(&reference_settings());
    let mut refresh = Claims::from_json(
        br#"{"token_type":"refresh","exp":1,"jti":"old","user_id":"1","name":"Zo\u00eb","scope":["a"]}"#,
    )
    .unwrap();
    let access = t.access_for(&refresh, NOW).unwrap();
    let names: Vec<&str> = access.iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "name",
            "scope"
        ]
    );
    assert_eq!(access.get_str("token_type"), Some("access"));
    t.rotate(&mut refresh, NOW).unwrap();
    let names: Vec<&str> = refresh.iter().map(|(k, _)| k).collect();
    // The old token had no iat; rotation appends it, as a dict would.
    assert_eq!(
        names,
        [
            "token_type",
            "exp",
            "jti",
            "user_id",
            "name",
            "scope",
            "iat"
        ]
    );
    assert_eq!(
        refresh.get("exp"),
        Some(&serde_json::Value::from(NOW + 86400))
    );
    assert_ne!(refresh.get_str("jti"), Some("old"));
}

#[test]
fn verify_runs_simplejwt_checks_in_order() {
    let t = tokens(&reference_settings());
    let verify = |json: &str, expected| both(&t, json, |c| t.verify(c, expected));
    let ok = r#"{"token_type":"refresh","exp":9,"jti":"x"}"#;
    assert_eq!(verify(ok, Some(TokenType::Refresh)), Ok(()));
    assert_eq!(
        verify(ok, Some(TokenType::Access)),
        Err(TokenError::WrongType)
    );
    assert_eq!(verify(ok, None), Ok(()), "untyped");
    let no_exp = r#"{"token_type":"refresh","jti":"x"}"#;
    assert_eq!(
        verify(no_exp, Some(TokenType::Refresh)),
        Err(TokenError::NoExp)
    );
    let no_jti = r#"{"exp":9}"#;
    assert_eq!(verify(no_jti, None), Err(TokenError::NoId));
    assert_eq!(
        verify(r#"{"exp":9,"jti":""}"#, None),
        Ok(()),
        "present is enough"
    );
    let no_type = r#"{"exp":9,"jti":"x"}"#;
    assert_eq!(
        verify(no_type, Some(TokenType::Access)),
        Err(TokenError::NoType)
    );
    assert_eq!(verify(no_type, None), Ok(()));
    for odd in [
        r#"{"exp":9,"jti":"x","token_type":1}"#,
        r#"{"exp":9,"jti":"x","token_type":null}"#,
        r#"{"exp":9,"jti":"x","token_type":["access"]}"#,
        r#"{"exp":9,"jti":"x","token_type":"Access"}"#,
    ] {
        assert_eq!(
            verify(odd, Some(TokenType::Access)),
            Err(TokenError::WrongType),
            "{odd}"
        );
    }
    // An escaped type is the same string.
    assert_eq!(
        verify(
            r#"{"exp":9,"jti":"x","token_type":"\u0061ccess"}"#,
            Some(TokenType::Access)
        ),
        Ok(())
    );
    // With the claims disabled, their checks are off.
    let loose = tokens(&Settings {
        token_type_claim: None,
        jti_claim: None,
        ..reference_settings()
    });
    assert_eq!(
        both(&loose, r#"{"exp":9}"#, |c| loose
            .verify(c, Some(TokenType::Access))),
        Ok(())
    );
    // Claims of other names, one of them a registered claim's.
    let renamed = tokens(&Settings {
        token_type_claim: Some("typ".into()),
        jti_claim: Some("sub".into()),
        user_id_claim: "sub".into(),
        ..reference_settings()
    });
    let json = r#"{"typ":"access","exp":9,"sub":"42","token_type":"refresh"}"#;
    assert_eq!(
        both(&renamed, json, |c| (
            renamed.verify(c, Some(TokenType::Access)),
            c.jti().map(str::to_owned),
            c.user_claim()
        )),
        (Ok(()), Some("42".to_owned()), UserClaim::Id(42))
    );
    assert_eq!(
        both(&renamed, r#"{"typ":"access","exp":9}"#, |c| renamed
            .verify(c, None)),
        Err(TokenError::NoId)
    );
}

#[test]
fn times_read_as_whole_seconds() {
    let t = tokens(&reference_settings());
    let user = |valid_after| User {
        tokens_valid_after: valid_after,
        ..user_1()
    };
    let at = |json: &str| both(&t, json, |c| (c.exp(), c.revoked_for(&user(1))));
    assert_eq!(at(r#"{"exp":1000,"iat":1}"#), (1000, false));
    assert_eq!(at(r#"{"exp":1000.9,"iat":0.9}"#), (1000, true));
    assert_eq!(at(r#"{"exp":2.5,"iat":-5}"#), (2, true));
    assert_eq!(at(r#"{"exp":253402300799}"#), (253_402_300_799, true));
    assert_eq!(at("{}"), (0, true), "absent counts as 0");
    let whole = Claims::from_json(br#"{"exp":-3}"#).unwrap();
    assert_eq!(t.claims_of(&whole).exp(), 0);
    assert!(!both(&t, "{}", |c| c.revoked_for(&user(0))));
    // Tools reading claims whole get the same answer.
    let whole = Claims::from_json(br#"{"iat":99.9}"#).unwrap();
    assert!(revoked_for(&whole, &user(100)));
    assert!(!revoked_for(&whole, &user(99)));
}
#[test]
fn random_jtis_are_32_lowercase_hex_and_distinct() {
    let a = JtiSource::Random.next().unwrap();
    let b = JtiSource::Random.next().unwrap();
    assert_eq!(a.len(), 32);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert_ne!(a, b);
    let counter = JtiSource::counter();
    assert_eq!(counter.next().unwrap(), "00000000000000000000000000000001");
    assert_eq!(counter.next().unwrap(), "00000000000000000000000000000002");
}

#[test]
fn messages_are_simplejwt_msgids() {
    assert_eq!(
        TokenError::Decode(DecodeError::Expired).message(),
        "Token is expired"
    );
    assert_eq!(
        TokenError::Decode(DecodeError::BadSignature).message(),
        "Token is invalid"
    );
    assert_eq!(TokenError::NoExp.message(), "Token has no 'exp' claim");
    assert_eq!(TokenError::NoId.message(), "Token has no id");
    assert_eq!(TokenError::NoType.message(), "Token has no type");
    assert_eq!(TokenError::WrongType.message(), "Token has wrong type");
    assert_eq!(TokenError::Blacklisted.message(), "Token is blacklisted");
}

/// Made by SimpleJWT 5.5.1 (`uuid4` patched to `UUID(int=1)`, the clock to
/// NOW, then NOW + 120 s for `TokenRefreshSlidingSerializer`'s
/// `set_exp(); set_iat()`), its default settings.
const SLIDING_V1: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoic2xpZGluZyIsImV4cCI6MTczNTY4OTkwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInJlZnJlc2hfZXhwIjoxNzM1Nzc2MDAwLCJ1c2VyX2lkIjoiMSJ9.vwIhxHbpy6Cz7G7Txf56_12z6IkX2YTX0YFezprRMcg";
const SLIDING_V1_REFRESHED: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoic2xpZGluZyIsImV4cCI6MTczNTY5MDAyMCwiaWF0IjoxNzM1Njg5NzIwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInJlZnJlc2hfZXhwIjoxNzM1Nzc2MDAwLCJ1c2VyX2lkIjoiMSJ9.fe-PGrHtCCfa7bqDdTb_BDSZ6m9SnBh8Y1ltEAXHpcs";

#[test]
fn vector_sliding_v1_for_user_then_slid() {
    let t = tokens(&reference_settings());
    let sliding = t.sliding_for(&user_1(), NOW).unwrap();
    assert_eq!(t.encode(&sliding).unwrap(), SLIDING_V1);
    let mut whole = t.decode(SLIDING_V1, NOW + 120).unwrap();
    t.slide(&mut whole, NOW + 120);
    assert_eq!(t.encode(&whole).unwrap(), SLIDING_V1_REFRESHED);
}

#[test]
fn sliding_tokens_are_their_own_type_with_a_refresh_limit() {
    let t = tokens(&reference_settings());
    let whole = t.decode(SLIDING_V1, NOW).unwrap();
    let claims = t.claims_of(&whole);
    assert!(claims.is(TokenType::Sliding) && !claims.is(TokenType::Access));
    assert_eq!(t.verify(&claims, Some(TokenType::Sliding)), Ok(()));
    assert_eq!(
        t.verify(&claims, Some(TokenType::Access)),
        Err(TokenError::WrongType)
    );
    // refresh_exp is NOW + 1 d: good until then, not at it (`<=`).
    assert_eq!(t.check_refresh_exp(&claims, NOW + 86_399), Ok(()));
    assert_eq!(
        t.check_refresh_exp(&claims, NOW + 86_400),
        Err(TokenError::RefreshExpired)
    );
    // Kept on record as long as a refresh of it could live.
    assert_eq!(t.kept_until(&claims), NOW + 86_400 + 300);
    let no_limit = both(&t, r#"{"token_type":"sliding","exp":9,"jti":"j"}"#, |c| {
        t.check_refresh_exp(c, 1)
    });
    assert_eq!(no_limit, Err(TokenError::NoRefreshExp));
    assert_eq!(
        TokenError::RefreshExpired.message_naming("refresh_exp"),
        "Token 'refresh_exp' claim has expired"
    );
    assert_eq!(
        TokenError::NoRefreshExp.message_naming("slide_until"),
        "Token has no 'slide_until' claim"
    );
}

#[test]
fn sliding_lifetimes_are_live_and_leeway_stretches_the_refresh_limit() {
    let settings = Settings {
        leeway: 10,
        ..reference_settings()
    };
    let t = tokens(&settings);
    t.set_lifetimes(&Settings {
        sliding_token_lifetime: 60,
        sliding_token_refresh_lifetime: 600,
        ..settings.clone()
    });
    let sliding = t.sliding_for(&user_1(), NOW).unwrap();
    assert_eq!(sliding.get("exp"), Some(&serde_json::json!(NOW + 60)));
    assert_eq!(
        sliding.get("refresh_exp"),
        Some(&serde_json::json!(NOW + 600))
    );
    let claims = t.claims_of(&sliding);
    assert_eq!(t.check_refresh_exp(&claims, NOW + 609), Ok(()));
    assert_eq!(
        t.check_refresh_exp(&claims, NOW + 610),
        Err(TokenError::RefreshExpired)
    );
}
