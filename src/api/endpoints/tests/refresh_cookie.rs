//! `REFRESH_COOKIE`: obtain, refresh and blacklist with the refresh token in
//! an `HttpOnly` cookie, and the CSRF refusals.

use super::*;
use crate::api::refresh_cookie::CSRF_FAILED;

const COOKIE: &str = "jwtd_refresh";
const HOST: &str = "localhost:8000";
const OWN: &str = "http://localhost:8000";

fn cookie_app() -> Arc<App> {
    app_with(Settings {
        refresh_cookie: COOKIE.into(),
        rotate_refresh_tokens: true,
        blacklist_after_rotation: true,
        ..settings()
    })
}

/// A POST from a page of `origin` (none: no Origin) with the cookie
/// `refresh` (none: no Cookie).
fn from(origin: Option<&str>, path: &str, body: &str, refresh: Option<&str>) -> OwnedRequest {
    let mut request = OwnedRequest::post_json(path, body).header("Host", HOST);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    if let Some(token) = refresh {
        request = request.header("Cookie", format!("a=1; {COOKIE}={token}; b=2"));
    }
    request
}

/// The token a `Set-Cookie` sets, after checking its attributes.
fn cookie_token(r: &Response) -> String {
    let set = r.header("Set-Cookie").expect("a Set-Cookie");
    let (token, attributes) = set
        .strip_prefix("jwtd_refresh=")
        .and_then(|rest| rest.split_once(';'))
        .expect("the cookie's name");
    assert_eq!(
        attributes,
        " HttpOnly; Secure; SameSite=Lax; Path=/api/token/; Max-Age=86400"
    );
    token.to_owned()
}

fn obtain(app: &App) -> (String, Response) {
    let body = format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD));
    let r = send(app, &from(Some(OWN), OBTAIN, &body, None));
    assert_eq!(r.status, 200, "{}", r.text());
    (cookie_token(&r), r)
}

#[test]
fn obtain_puts_the_refresh_token_in_the_cookie_only() {
    let app = cookie_app();
    let (refresh, r) = obtain(&app);
    let v: Value = serde_json::from_str(r.text()).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["access"], "no refresh token in the body");
    // It is a good refresh token: it refreshes from the body too.
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
    assert_eq!(r.status, 200, "{}", r.text());
    // Off (the default), no cookie and both in the body.
    let r = post(
        &app_with(settings()),
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    );
    assert_eq!(r.header("Set-Cookie"), None);
    assert!(r.text().starts_with(r#"{"refresh":"#));
}

#[test]
fn refresh_reads_the_cookie_and_rotates_it() {
    let app = cookie_app();
    let (first, _) = obtain(&app);
    let r = send(&app, &from(Some(OWN), REFRESH, "{}", Some(&first)));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with(r#"{"access":"#) && !r.text().contains("refresh"));
    let second = cookie_token(&r);
    assert_ne!(second, first);
    // The rotated-out token is refused like any (blacklisted after rotation).
    let r = send(&app, &from(Some(OWN), REFRESH, "", Some(&first)));
    expect_view(&r, 401, &not_valid("Token is blacklisted"));
    // A token in the body wins over the cookie.
    let body = format!(r#"{{"refresh":"{second}"}}"#);
    let r = send(&app, &from(None, REFRESH, &body, Some("junk")));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn a_cookie_without_a_trusted_origin_is_refused() {
    let app = cookie_app();
    let (refresh, _) = obtain(&app);
    let forbidden = format!(r#"{{"detail":{}}}"#, js(CSRF_FAILED));
    for path in [REFRESH, BLACKLIST] {
        for origin in [
            None,
            Some("http://evil.example"),
            Some("null"),
            Some("http://localhost:8001"),
        ] {
            let r = send(&app, &from(origin, path, "{}", Some(&refresh)));
            expect_view(&r, 403, &forbidden);
            assert_eq!(r.header("Set-Cookie"), None, "a refusal keeps the cookie");
        }
    }
    // Neither body nor cookie: the serializer's 400, as without cookies.
    let r = send(&app, &from(Some(OWN), REFRESH, "{}", None));
    expect_view(&r, 400, &required(&["refresh"]));
    // The token was not used: it still refreshes.
    let r = send(&app, &from(Some(OWN), REFRESH, "{}", Some(&refresh)));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn logout_blacklists_the_cookie_s_token_and_clears_it() {
    let app = cookie_app();
    let (refresh, _) = obtain(&app);
    let r = send(&app, &from(Some(OWN), BLACKLIST, "", Some(&refresh)));
    expect_view(&r, 200, "{}");
    assert_eq!(
        r.header("Set-Cookie"),
        Some("jwtd_refresh=; HttpOnly; Secure; SameSite=Lax; Path=/api/token/; Max-Age=0")
    );
    let r = send(&app, &from(Some(OWN), REFRESH, "", Some(&refresh)));
    expect_view(&r, 401, &not_valid("Token is blacklisted"));
    // A second logout still clears the cookie.
    let r = send(&app, &from(Some(OWN), BLACKLIST, "", Some(&refresh)));
    assert_eq!(r.status, 401);
    assert!(r.header("Set-Cookie").is_some());
}
