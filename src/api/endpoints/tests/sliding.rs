//! `AUTH_TOKEN_CLASSES` with `sliding`: the obtain and refresh routes as
//! SimpleJWT's sliding views (bodies, errors and OPTIONS verbatim from the
//! reference), sliding tokens at verify, blacklist and the protected view.

use super::*;

/// SimpleJWT 5.5.1's `SlidingToken.for_user` for alice at NOW with jti 1
/// (`token::tests`' vector), and the same refreshed 120 s later.
const SLIDING_V1: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoic2xpZGluZyIsImV4cCI6MTczNTY4OTkwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInJlZnJlc2hfZXhwIjoxNzM1Nzc2MDAwLCJ1c2VyX2lkIjoiMSJ9.vwIhxHbpy6Cz7G7Txf56_12z6IkX2YTX0YFezprRMcg";
const SLIDING_V1_REFRESHED: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoic2xpZGluZyIsImV4cCI6MTczNTY5MDAyMCwiaWF0IjoxNzM1Njg5NzIwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInJlZnJlc2hfZXhwIjoxNzM1Nzc2MDAwLCJ1c2VyX2lkIjoiMSJ9.fe-PGrHtCCfa7bqDdTb_BDSZ6m9SnBh8Y1ltEAXHpcs";

fn sliding_app(classes: &[&str]) -> Arc<App> {
    app_with(Settings {
        auth_token_classes: classes.iter().map(|c| c.to_string()).collect(),
        sliding_token_lifetime: 300,
        ..settings()
    })
}

fn obtain(app: &App) -> Response {
    post(
        app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    )
}

#[test]
fn obtain_and_refresh_serve_the_sliding_views_byte_for_byte() {
    let app = sliding_app(&["sliding"]);
    expect_view(
        &obtain(&app),
        200,
        &format!(r#"{{"token":"{SLIDING_V1}"}}"#),
    );
    app.clock.set(NOW + 120);
    let r = post(&app, REFRESH, &format!(r#"{{"token":"{SLIDING_V1}"}}"#));
    expect_view(&r, 200, &format!(r#"{{"token":"{SLIDING_V1_REFRESHED}"}}"#));
    // The field is the sliding serializer's.
    expect_view(&post(&app, REFRESH, "{}"), 400, &required(&["token"]));
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{SLIDING_V1}"}}"#));
    expect_view(&r, 400, &required(&["token"]));
}

#[test]
fn sliding_tokens_authenticate_verify_and_are_blacklisted() {
    let app = sliding_app(&["sliding"]);
    expect_view(
        &obtain(&app),
        200,
        &format!(r#"{{"token":"{SLIDING_V1}"}}"#),
    );
    let bearer = format!("Bearer {SLIDING_V1}");
    expect_protected(&get_protected(&app, &bearer), 200, HELLO_ALICE);
    let token = format!(r#"{{"token":"{SLIDING_V1}"}}"#);
    expect_view(&post(&app, VERIFY, &token), 200, "{}");
    let logout = format!(r#"{{"refresh":"{SLIDING_V1}"}}"#);
    expect_view(&post(&app, BLACKLIST, &logout), 200, "{}");
    expect_view(
        &post(&app, BLACKLIST, &logout),
        401,
        &not_valid("Token is blacklisted"),
    );
    expect_view(
        &post(&app, VERIFY, &token),
        400,
        r#"{"non_field_errors":["Token is blacklisted"]}"#,
    );
    expect_view(
        &post(&app, REFRESH, &token),
        401,
        &not_valid("Token is blacklisted"),
    );
    expect_protected(
        &get_protected(&app, &bearer),
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"SlidingToken","token_type":"sliding","message":"Token is blacklisted"}]}"#,
    );
}

#[test]
fn a_sliding_token_past_its_refresh_period_is_refused_with_simplejwts_message() {
    let app = sliding_app(&["sliding"]);
    app.clock.set(NOW + 86_400 - 60);
    let late = forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"iat":{NOW},"jti":"{}","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 86_400,
        jti(7),
        NOW + 86_400 - 60
    ));
    let r = post(&app, REFRESH, &format!(r#"{{"token":"{late}"}}"#));
    expect_view(&r, 401, &not_valid("Token 'refresh_exp' claim has expired"));
    // An access token at the sliding refresh view, and at the protected one.
    let access = forge(&payload("access", 300, NOW + 86_400 - 60, 8));
    let r = post(&app, REFRESH, &format!(r#"{{"token":"{access}"}}"#));
    expect_view(&r, 401, &not_valid("Token has wrong type"));
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"SlidingToken","token_type":"sliding","message":"Token has wrong type"}]}"#,
    );
}

#[test]
fn with_both_classes_the_pair_views_stay_and_both_authenticate() {
    let app = sliding_app(&["access", "sliding"]);
    let (refresh, access) = login(&app);
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    let sliding = forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"iat":{NOW},"jti":"{}","refresh_exp":{},"user_id":"1"}}"#,
        NOW + 300,
        jti(9),
        NOW + 900
    ));
    expect_protected(
        &get_protected(&app, &format!("Bearer {sliding}")),
        200,
        HELLO_ALICE,
    );
    expect_protected(
        &get_protected(&app, &format!("Bearer {refresh}")),
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"},{"token_class":"SlidingToken","token_type":"sliding","message":"Token has wrong type"}]}"#,
    );
    expect_protected(
        &get_protected(&app, "Bearer garbage"),
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"},{"token_class":"SlidingToken","token_type":"sliding","message":"Token is invalid"}]}"#,
    );
}

#[test]
fn options_describe_the_sliding_views_when_they_are_served() {
    let app = sliding_app(&["sliding"]);
    let cases = [
        (
            OBTAIN,
            // Verbatim from the reference.
            r#"{"name":"Token Obtain Sliding","description":"Takes a set of user credentials and returns a sliding JSON web token to\nprove the authentication of those credentials.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"username":{"type":"string","required":true,"read_only":false,"label":"Username"},"password":{"type":"string","required":true,"read_only":false,"label":"Password"}}}}"#,
        ),
        (
            REFRESH,
            r#"{"name":"Token Refresh Sliding","description":"Takes a sliding JSON web token and returns a new, refreshed version if the\ntoken's refresh period has not expired.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"token":{"type":"string","required":true,"read_only":false,"label":"Token"}}}}"#,
        ),
    ];
    for (path, body) in cases {
        expect_view(&send(&app, &OwnedRequest::new("OPTIONS", path)), 200, body);
    }
    let both = sliding_app(&["access", "sliding"]);
    let r = send(&both, &OwnedRequest::new("OPTIONS", OBTAIN));
    assert!(r.text().contains("Token Obtain Pair"), "{}", r.text());
}
