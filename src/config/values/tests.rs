use super::*;
use crate::config::tests::load;

#[test]
fn durations() {
    assert_eq!(parse_duration("300"), Some(300));
    assert_eq!(parse_duration("90s"), Some(90));
    assert_eq!(parse_duration("60m"), Some(3600));
    assert_eq!(parse_duration("2h"), Some(7200));
    assert_eq!(parse_duration("1d"), Some(86400));
    for bad in [
        "",
        "m",
        "1.5m",
        "-1",
        "1 d",
        "1w",
        "99999999999999999999",
        "18446744073709551615d",
    ] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
    let s = load(&[("JWTD_ACCESS_TOKEN_LIFETIME", "5m"), ("JWTD_LEEWAY", "0")]).unwrap();
    assert_eq!((s.access_token_lifetime, s.leeway), (300, 0));
}

#[test]
fn allowed_hosts_are_patterns_that_can_match() {
    let hosts = |value: &str| load(&[("JWTD_ALLOWED_HOSTS", value)]).map(|s| s.allowed_hosts);
    assert_eq!(
        hosts("Auth.Example.COM, .example.org,127.0.0.1,[::1],*"),
        Ok(Some(
            [
                "auth.example.com",
                ".example.org",
                "127.0.0.1",
                "[::1]",
                "*"
            ]
            .map(String::from)
            .to_vec()
        ))
    );
    assert_eq!(
        hosts("[::1], localhost"),
        Ok(Some(vec!["[::1]".into(), "localhost".into()]))
    );
    assert_eq!(
        hosts(r#"["a.test", "[2001:DB8::1]"]"#),
        Ok(Some(vec!["a.test".into(), "[2001:db8::1]".into()]))
    );
    for (bad, why) in [
        ("", "is empty"),
        (",", "is empty"),
        ("http://a.test", "is a URL"),
        ("a.test/", "is a URL"),
        ("a.test:8000", "has a port"),
        ("[::1]:8000", "not an IPv6 literal"),
        ("[1]", "not an IPv6 literal"),
        ("[zz::1]", "not an IPv6 literal"),
        ("a.test.", "ends with a dot"),
        (".", "is not a host name"),
        ("a b", "is not a host name"),
        ("*.a.test", "is not a host name"),
    ] {
        let e = hosts(bad).unwrap_err();
        assert_eq!(e.setting, "ALLOWED_HOSTS");
        assert!(e.problem.contains(why), "{bad:?}: {e}");
    }
    let s = crate::config::Settings::default();
    assert_eq!(s.allowed_hosts, None);
    assert_eq!(s.host_patterns(), [".localhost", "127.0.0.1", "[::1]"]);
}

#[test]
fn optional_claims_and_lists() {
    let s = load(&[
        ("JWTD_TOKEN_TYPE_CLAIM", ""),
        ("JWTD_AUTH_HEADER_TYPES", "Bearer, JWT"),
        ("JWTD_AUTH_HEADER_NAME", "HTTP_X_ACCESS_TOKEN"),
        ("JWTD_AUDIENCE", "my-aud"),
        ("JWTD_ISSUER", "https://issuer.example"),
    ])
    .unwrap();
    assert_eq!(s.token_type_claim, None);
    assert_eq!(s.auth_header_types, ["Bearer", "JWT"]);
    assert_eq!(s.auth_header(), "x-access-token");
    assert_eq!(s.audience, Some(Audience::One("my-aud".into())));
    assert_eq!(s.issuer.as_deref(), Some("https://issuer.example"));
    let s = load(&[("JWTD_AUDIENCE", r#"["a","b"]"#)]).unwrap();
    assert_eq!(
        s.audience,
        Some(Audience::Many(vec!["a".into(), "b".into()]))
    );
}

#[test]
fn user_id_field_is_a_unique_user_field() {
    let field = |pairs: &[(&str, &str)]| load(pairs).map(|s| s.user_id_field);
    assert_eq!(field(&[]), Ok("id".into()));
    for good in ["id", "username", "email"] {
        assert_eq!(field(&[("JWTD_USER_ID_FIELD", good)]), Ok(good.into()));
    }
    for bad in ["first_name", "password", "", "ID"] {
        let e = field(&[("JWTD_USER_ID_FIELD", bad)]).unwrap_err();
        assert_eq!(e.setting, "USER_ID_FIELD");
        assert!(e.problem.contains("allowed: id, username, email"), "{e}");
    }
}

#[test]
fn token_claims_are_user_fields_simplejwt_does_not_write() {
    let claims = |pairs: &[(&str, &str)]| load(pairs).map(|s| s.token_claims);
    assert_eq!(claims(&[]), Ok(vec![]));
    assert_eq!(
        claims(&[("JWTD_TOKEN_CLAIMS", "username, is_staff,id")]),
        Ok(vec!["username".into(), "is_staff".into(), "id".into()])
    );
    assert_eq!(
        claims(&[("JWTD_TOKEN_CLAIMS", r#"["is_superuser","is_active"]"#)]),
        Ok(vec!["is_superuser".into(), "is_active".into()])
    );
    assert_eq!(claims(&[("JWTD_TOKEN_CLAIMS", "")]), Ok(vec![]));
    assert_eq!(
        claims(&[("JWTD_TOKEN_CLAIMS", "email,first_name,last_name")]),
        Ok(vec![
            "email".into(),
            "first_name".into(),
            "last_name".into()
        ])
    );
    let e = claims(&[("JWTD_TOKEN_CLAIMS", "username,groups")]).unwrap_err();
    assert_eq!(e.setting, "TOKEN_CLAIMS");
    assert!(
        e.problem.contains("\"groups\"")
            && e.problem.contains(
                "allowed: username, is_staff, is_superuser, is_active, id, \
                 email, first_name, last_name"
            ),
        "{e}"
    );
    for bad in ["date_joined", "last_login", "password"] {
        assert!(claims(&[("JWTD_TOKEN_CLAIMS", bad)]).is_err(), "{bad}");
    }
    let e = claims(&[("JWTD_TOKEN_CLAIMS", "id,id")]).unwrap_err();
    assert!(e.problem.contains("twice"), "{e}");
    // A claim SimpleJWT writes itself is refused.
    let e = claims(&[("JWTD_TOKEN_CLAIMS", "id"), ("JWTD_USER_ID_CLAIM", "id")]).unwrap_err();
    assert_eq!(e.setting, "TOKEN_CLAIMS");
    assert!(e.problem.contains("SimpleJWT itself writes"), "{e}");
    let e = claims(&[
        ("JWTD_TOKEN_CLAIMS", "username"),
        ("JWTD_JTI_CLAIM", "username"),
    ]);
    assert!(e.is_err());
    let s = load(&[
        ("JWTD_TOKEN_CLAIMS_FROM_USER", "true"),
        ("JWTD_STATELESS_AUTHENTICATION", "on"),
    ])
    .unwrap();
    assert!(s.token_claims_from_user && s.stateless_authentication);
    let s = crate::config::Settings::default();
    assert!(!s.token_claims_from_user && !s.stateless_authentication);
}

#[test]
fn auth_token_classes_take_short_names_and_simplejwts_class_paths() {
    let classes =
        |value: &str| load(&[("JWTD_AUTH_TOKEN_CLASSES", value)]).map(|s| s.auth_token_classes);
    assert_eq!(load(&[]).unwrap().auth_token_classes, ["access"]);
    assert_eq!(classes("sliding").unwrap(), ["sliding"]);
    assert_eq!(
        classes(r#"["rest_framework_simplejwt.tokens.AccessToken","SlidingToken"]"#).unwrap(),
        ["access", "sliding"]
    );
    let s = load(&[("JWTD_AUTH_TOKEN_CLASSES", "sliding, access")]).unwrap();
    assert!(s.sliding_authenticates() && !s.sliding_views());
    let s = load(&[("JWTD_AUTH_TOKEN_CLASSES", "sliding")]).unwrap();
    assert!(s.sliding_views());
    for bad in ["", "refresh", "access,AccessToken", "tokens.UntypedToken"] {
        let e = classes(bad).unwrap_err();
        assert_eq!(e.setting, "AUTH_TOKEN_CLASSES", "{bad}");
    }
    let s = load(&[
        ("JWTD_SLIDING_TOKEN_LIFETIME", "10m"),
        ("JWTD_SLIDING_TOKEN_REFRESH_LIFETIME", "2d"),
        ("JWTD_SLIDING_TOKEN_REFRESH_EXP_CLAIM", "slide_until"),
    ])
    .unwrap();
    assert_eq!(
        (
            s.sliding_token_lifetime,
            s.sliding_token_refresh_lifetime,
            s.sliding_token_refresh_exp_claim.as_str()
        ),
        (600, 172_800, "slide_until")
    );
    assert!(load(&[("JWTD_SLIDING_TOKEN_LIFETIME", "0")]).is_err());
}
