//! `POST /api/token/blacklist/` (reference 1.5).

use super::*;

#[test]
fn blacklist_once_then_refused() {
    let app = app();
    let (refresh, access) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    expect_view(
        &post(&app, BLACKLIST, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
    // The blacklisted token no longer refreshes.
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
    let r = post(&app, BLACKLIST, &format!(r#"{{"refresh":"{access}"}}"#));
    expect_view(&r, 401, &not_valid("Token has wrong type"));
    for body in ["{}", r#"{"token":"x"}"#] {
        expect_view(
            &post(&app, BLACKLIST, body),
            400,
            r#"{"refresh":["This field is required."]}"#,
        );
    }
    expect_view(
        &post(&app, BLACKLIST, r#"{"refresh":"garbage"}"#),
        401,
        &not_valid("Token is invalid"),
    );
}

#[test]
fn blacklist_refuses_tokens_without_id_or_of_the_wrong_type() {
    let app = app();
    let cases = [
        // 5.5.1: 500 (KeyError); jwtd: 401.
        (
            format!(
                r#"{{"token_type":"refresh","exp":{},"user_id":"1"}}"#,
                NOW + 300
            ),
            "Token has no id",
        ),
        (
            format!(
                r#"{{"token_type":"sliding","exp":{},"jti":"s9","user_id":"1"}}"#,
                NOW + 300
            ),
            "Token has wrong type",
        ),
        (
            format!(r#"{{"exp":{},"jti":"s8","user_id":"1"}}"#, NOW + 300),
            "Token has no type",
        ),
        (
            format!(r#"{{"token_type":"refresh","exp":{NOW},"jti":"s7"}}"#),
            "Token is expired",
        ),
    ];
    for (payload, message) in cases {
        let r = post(
            &app,
            BLACKLIST,
            &format!(r#"{{"refresh":"{}"}}"#, forge(&payload)),
        );
        expect_view(&r, 401, &not_valid(message));
    }
}
