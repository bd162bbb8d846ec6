//! `GET /api/protected/` (reference 1.7): credentials before the method.

use super::*;

#[test]
fn protected_without_credentials_is_401() {
    let app = app();
    expect_protected(
        &send(&app, &OwnedRequest::new("GET", PROTECTED)),
        401,
        NO_CREDENTIALS,
    );
    let (_, access) = login(&app);
    for authorization in [
        String::new(),
        " ".into(),
        " \t ".into(),
        "Basic Zm9vOmJhcg==".into(),
        format!("Token {access}"),
        format!("JWT {access}"),
        format!("Bearerx {access}"),
        access.clone(),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 401, NO_CREDENTIALS);
    }
}

#[test]
fn protected_malformed_header_is_bad_authorization_header() {
    let app = app();
    let (_, access) = login(&app);
    for authorization in [
        "Bearer".to_owned(),
        "Bearer   ".to_owned(),
        "Bearer a b".to_owned(),
        format!("Bearer {access} {access}"),
        format!("Bearer {access} x"),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 401, BAD_HEADER);
    }
}

#[test]
fn protected_token_failures_report_messages() {
    let app = app();
    let (refresh, _) = login(&app);
    let mut cases = refused_access_tokens("p");
    cases.extend([
        (
            format!("{}x", forge(&payload("access", 300, NOW, 50))),
            "Token is invalid",
        ),
        (refresh, "Token has wrong type"),
        (
            forge(&format!(
                r#"{{"exp":{},"jti":"p3","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no type",
        ),
    ]);
    for (token, message) in cases {
        let r = get_protected(&app, &format!("Bearer {token}"));
        expect_protected(&r, 401, &not_valid_for_any(message));
    }
}

#[test]
fn protected_user_failures() {
    let app = app();
    let access_for = |user_id: &str| {
        forge(&format!(
            r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"a1"{user_id}}}"#,
            NOW + 300
        ))
    };
    let no_id = not_valid("Token contained no recognizable user identification");
    let cases = [
        (access_for(""), no_id.clone()),
        (access_for(r#","user_id":"""#), no_id.clone()),
        (access_for(r#","user_id":null"#), no_id.clone()),
        // 5.5.1: 500 (ValueError); jwtd: 401.
        (access_for(r#","user_id":"abc""#), no_id),
        (
            access_for(r#","user_id":"99""#),
            r#"{"detail":"User not found","code":"user_not_found"}"#.to_owned(),
        ),
        (
            access_for(r#","user_id":"2""#),
            r#"{"detail":"User is inactive","code":"user_inactive"}"#.to_owned(),
        ),
    ];
    for (token, body) in cases {
        let r = get_protected(&app, &format!("Bearer {token}"));
        expect_protected(&r, 401, &body);
    }
    // 5.5.0's integer user_id still works.
    let r = get_protected(&app, &format!("Bearer {}", access_for(r#","user_id":1"#)));
    expect_protected(&r, 200, HELLO_ALICE);
}

#[test]
fn protected_accepts_its_scheme_in_any_case_and_any_whitespace() {
    let app = app();
    let (_, access) = login(&app);
    // Lower-case `bearer` is refused by 5.5.1 and accepted by jwtd (as master).
    for authorization in [
        format!("Bearer {access}"),
        format!("bearer {access}"),
        format!("BEARER {access}"),
        format!("  Bearer\t{access}  "),
        format!("Bearer   {access}"),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 200, HELLO_ALICE);
    }
}

#[test]
fn protected_checks_credentials_before_the_method() {
    let app = app();
    let (_, access) = login(&app);
    let bearer = format!("Bearer {access}");
    for method in ["POST", "PUT", "PATCH", "DELETE", "HEAD"] {
        let with = OwnedRequest::new(method, PROTECTED).header("Authorization", &bearer);
        expect_protected(&send(&app, &with), 405, &method_detail(method));
        let without = OwnedRequest::new(method, PROTECTED);
        expect_protected(&send(&app, &without), 401, NO_CREDENTIALS);
        let broken = OwnedRequest::new(method, PROTECTED).header("Authorization", "Bearer");
        expect_protected(&send(&app, &broken), 401, BAD_HEADER);
    }
    // HEAD bodies are not sent; their lengths are the reference's.
    let head = |r: OwnedRequest| send(&app, &r).body.len();
    assert_eq!(
        head(OwnedRequest::new("HEAD", PROTECTED).header("Authorization", &bearer)),
        41
    );
    assert_eq!(head(OwnedRequest::new("HEAD", PROTECTED)), 58);

    expect_protected(
        &send(&app, &OwnedRequest::new("OPTIONS", PROTECTED)),
        401,
        NO_CREDENTIALS,
    );
    let r = send(
        &app,
        &OwnedRequest::new("OPTIONS", PROTECTED).header("Authorization", &bearer),
    );
    expect_protected(
        &r,
        200,
        r#"{"name":"Protected View","description":"","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}"#,
    );
    let r = send(
        &app,
        &OwnedRequest::new("GET", PROTECTED).header("Authorization", &bearer),
    );
    expect_protected(&r, 200, HELLO_ALICE);
    // The user is named from the store, not from the token.
    let r = get_protected(&app, &format!("Bearer {}", V1_ACCESS));
    expect_protected(&r, 200, HELLO_ALICE);
}

#[test]
fn protected_refuses_a_token_that_is_not_text() {
    let app = app();
    let r = send(
        &app,
        &OwnedRequest::new("GET", PROTECTED).header("Authorization", b"Bearer \xff\xfe.x.y"),
    );
    expect_protected(&r, 401, &not_valid_for_any("Token is invalid"));
}

#[test]
fn token_claims_make_the_bytes_of_a_serializer_adding_them() {
    let app = app_with(Settings {
        token_claims: vec!["username".into(), "is_staff".into()],
        ..settings()
    });
    let (refresh, access) = login(&app);
    // `get_token` adding `token["username"]` and `token["is_staff"]`, at
    // the frozen clock with jtis 1 and 2: SimpleJWT's bytes.
    let tail = r#""user_id":"1","username":"alice","is_staff":false}"#;
    let want = |kind: &str, lifetime: u64, n: u64| {
        let head = payload(kind, lifetime, NOW, n);
        forge(&format!(
            "{},{tail}",
            &head[..head.rfind(",\"user_id\"").unwrap()]
        ))
    };
    assert_eq!(refresh, want("refresh", 86_400, 1));
    assert_eq!(access, want("access", 3600, 2));
    let r = get_protected(&app, &format!("Bearer {access}"));
    expect_protected(&r, 200, HELLO_ALICE);
}

#[test]
fn stateless_authentication_answers_from_the_token_alone() {
    let app = app_with(Settings {
        stateless_authentication: true,
        ..settings()
    });
    let access_for = |rest: &str| {
        forge(&format!(
            r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"s1"{rest}}}"#,
            NOW + 300
        ))
    };
    let hello = |name: &str| {
        format!(
            r#"{{"message":"Hello, authenticated user!","user":{}}}"#,
            js(name)
        )
    };
    for (rest, user) in [
        // No such user, and an inactive one: no database read.
        (r#","user_id":"99","username":"zed""#, "zed"),
        (r#","user_id":"2""#, ""),
        (r#","user_id":"","username":"anon""#, "anon"),
    ] {
        let r = get_protected(&app, &format!("Bearer {}", access_for(rest)));
        expect_protected(&r, 200, &hello(user));
    }
    let r = get_protected(
        &app,
        &format!("Bearer {}", access_for(r#","username":"zed""#)),
    );
    expect_protected(
        &r,
        401,
        &not_valid("Token contained no recognizable user identification"),
    );
    for (token, message) in refused_access_tokens("q") {
        let r = get_protected(&app, &format!("Bearer {token}"));
        expect_protected(&r, 401, &not_valid_for_any(message));
    }
    let (refresh, access) = login(&app);
    let r = get_protected(&app, &format!("Bearer {refresh}"));
    expect_protected(&r, 401, &not_valid_for_any("Token has wrong type"));
    // alice's token carries no username claim: TokenUser's "".
    let r = get_protected(&app, &format!("Bearer {access}"));
    expect_protected(&r, 200, &hello(""));
    // Only the protected route: revoke-all still reads the user.
    let r = send(
        &app,
        &OwnedRequest::new("POST", "/api/token/revoke-all/").header(
            "Authorization",
            format!("Bearer {}", access_for(r#","user_id":"99""#)),
        ),
    );
    assert_eq!(r.status, 401, "{}", r.text());
}
