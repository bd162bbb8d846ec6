//! `POST /api/token/verify/` (reference 1.4).

use super::*;

#[test]
fn verify_accepts_any_token_type() {
    let app = app();
    let (refresh, access) = login(&app);
    let untyped = forge(&format!(
        r#"{{"exp":{},"iat":{NOW},"jti":"u1"}}"#,
        NOW + 300
    ));
    let odd_type = forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"u2"}}"#,
        NOW + 300
    ));
    for token in [access, refresh, untyped, odd_type] {
        let r = post(&app, VERIFY, &format!(r#"{{"token":"{token}"}}"#));
        expect_view(&r, 200, "{}");
    }
}

#[test]
fn verify_errors_are_401_token_not_valid() {
    let app = app();
    let mut cases = refused_access_tokens("v");
    cases.push((
        forge(&format!(
            r#"{{"token_type":"access","exp":{},"jti":7}}"#,
            NOW + 300
        )),
        "Token is invalid",
    ));
    for (token, message) in cases {
        let r = post(&app, VERIFY, &format!(r#"{{"token":"{token}"}}"#));
        expect_view(&r, 401, &not_valid(message));
    }
}

#[test]
fn verify_refuses_a_blacklisted_token_with_400() {
    let app = app();
    let (refresh, _) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
    // A token spent by rotation is refused the same way.
    let (refresh, _) = login(&app);
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)),
    );
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
}

#[test]
fn without_blacklist_after_rotation_verify_ignores_the_blacklist() {
    let app = app_with(Settings {
        blacklist_after_rotation: false,
        ..settings()
    });
    let (refresh, _) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 200, "{}");
    // It is still blacklisted where it matters.
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
}
