//! `POST /api/token/refresh/` (reference 1.3).

use super::*;

#[test]
fn refresh_returns_access_then_rotated_refresh() {
    let app = app();
    let (refresh, _) = login(&app); // jtis 1 and 2
    let later = NOW + 60;
    app.clock.set(later);
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
    let access = forge(&payload("access", 3600, later, 3));
    let rotated = forge(&payload("refresh", 86400, later, 4));
    expect_view(
        &r,
        200,
        &format!(r#"{{"access":"{access}","refresh":"{rotated}"}}"#),
    );
    // Both work where they should.
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{rotated}"}}"#)),
    );
}

#[test]
fn refresh_token_errors_are_401_token_not_valid() {
    let app = app();
    let (used, access) = login(&app);
    // Spend `used`: rotation blacklists it.
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{used}"}}"#)),
    );

    let other_key = sign_parts(
        &Key::new(Algorithm::HS256, b"another key").unwrap(),
        Algorithm::HS256.encoded_header(),
        payload("refresh", 86400, NOW, 90).as_bytes(),
    )
    .unwrap();
    let alg_none = format!(
        "{}.{}.",
        base64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
        base64url_encode(payload("refresh", 86400, NOW, 91).as_bytes())
    );
    let hs512 = sign_parts(
        &Key::new(Algorithm::HS512, KEY).unwrap(),
        Algorithm::HS512.encoded_header(),
        payload("refresh", 86400, NOW, 92).as_bytes(),
    )
    .unwrap();
    let mut tampered = V1_REFRESH.to_owned();
    tampered.pop();
    tampered.push('R');
    let cases = [
        ("garbage".to_owned(), "Token is invalid"),
        ("a.b.c".to_owned(), "Token is invalid"),
        (tampered, "Token is invalid"),
        (other_key, "Token is invalid"),
        (alg_none, "Token is invalid"),
        (hs512, "Token is invalid"),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"iat":{},"jti":"f1","user_id":"1"}}"#,
                NOW + 100,
                NOW + 10
            )),
            "Token is invalid",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{NOW},"iat":{},"jti":"e0","user_id":"1"}}"#,
                NOW - 100
            )),
            "Token is expired",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"jti":"e1","user_id":"1"}}"#,
                NOW - 1
            )),
            "Token is expired",
        ),
        (access, "Token has wrong type"),
        (
            forge(&format!(
                r#"{{"token_type":"sliding","exp":{},"jti":"s1","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has wrong type",
        ),
        (
            forge(&format!(
                r#"{{"exp":{},"iat":{NOW},"jti":"t1","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no type",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","iat":{NOW},"jti":"x1","user_id":"1"}}"#
            )),
            "Token has no 'exp' claim",
        ),
        // 5.5.1: 500 (KeyError in check_blacklist); jwtd: 401.
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no id",
        ),
        (used, "Token is blacklisted"),
    ];
    for (token, message) in cases {
        let r = post(&app, REFRESH, &object(&[("refresh", js(&token))]));
        expect_view(&r, 401, &not_valid(message));
    }
    // The expiry boundary: exp == now is expired, exp == now + 1 is not.
    let fresh = forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"b1","user_id":"1"}}"#,
        NOW + 1
    ));
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{fresh}"}}"#)),
    );
}

#[test]
fn refresh_exp_as_a_numeric_string_is_401_not_500() {
    let app = app();
    for exp in [
        format!(r#""{}""#, NOW + 300),
        r#""abc""#.to_owned(),
        "null".to_owned(),
    ] {
        let token = forge(&format!(
            r#"{{"token_type":"refresh","exp":{exp},"iat":{NOW},"jti":"n1","user_id":"1"}}"#
        ));
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_view(&r, 401, &not_valid("Token is invalid"));
    }
}

#[test]
fn refresh_refuses_tokens_of_missing_or_inactive_users() {
    let app = app();
    let (alice_refresh, _) = login(&app);
    // 5.5.1: 500 for a deleted user and for "abc"; jwtd answers as master does.
    let user_token = |user_id: &str, n: u64| {
        forge(&format!(
            r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"{}","user_id":{user_id}}}"#,
            NOW + 86400,
            jti(n)
        ))
    };
    for token in [
        user_token(r#""99""#, 100),  // no such user
        user_token("99", 101),       // 5.5.0's int form
        user_token(r#""2""#, 102),   // bob, inactive
        user_token(r#""abc""#, 103), // not an id
    ] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_view(&r, 401, NO_ACCOUNT);
    }
    app.auth.store().delete_user("alice").unwrap();
    let r = post(
        &app,
        REFRESH,
        &format!(r#"{{"refresh":"{alice_refresh}"}}"#),
    );
    expect_view(&r, 401, NO_ACCOUNT);
}

#[test]
fn refresh_without_a_user_claim_skips_the_user_check() {
    // 5.5.1 refreshes a token whose user_id is missing, "" or 0; the access
    // token it mints then fails at use.
    let app = app();
    for (n, user) in [(0u64, ""), (1, r#","user_id":"""#), (2, r#","user_id":0"#)] {
        let token = forge(&format!(
            r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"{}"{user}}}"#,
            NOW + 600,
            jti(200 + n)
        ));
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_success(REFRESH, &r);
        let v: Value = serde_json::from_str(r.text()).unwrap();
        let r = get_protected(&app, &format!("Bearer {}", v["access"].as_str().unwrap()));
        expect_protected(
            &r,
            401,
            &not_valid("Token contained no recognizable user identification"),
        );
    }
}

#[test]
fn without_rotation_refresh_returns_only_access() {
    let app = app_with(Settings {
        rotate_refresh_tokens: false,
        ..settings()
    });
    let (refresh, _) = login(&app);
    // The token is not spent: it refreshes again and again.
    for n in [3, 4, 5] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
        let access = forge(&payload("access", 3600, NOW, n));
        expect_view(&r, 200, &format!(r#"{{"access":"{access}"}}"#));
    }
}
