//! Refresh tokens in an `HttpOnly` cookie (`REFRESH_COOKIE`, off when
//! empty, the default): obtain and refresh set the refresh token in the
//! cookie *instead of* the body, so that a page's scripts never see it;
//! refresh and blacklist read it from the cookie when the body has none;
//! blacklist (logout) clears it. The access token stays in the body.
//!
//! The cookie: `<name>=<token>; HttpOnly; Secure; SameSite=<REFRESH_COOKIE_SAMESITE>;
//! Path=/api/token/; Max-Age=<REFRESH_TOKEN_LIFETIME>`, so that the browser
//! sends it to the token views only.
//!
//! CSRF: a browser attaches the cookie to a request whichever page made it,
//! so a token read from the cookie is used only when the request's `Origin`
//! (or, without one, its `Referer`'s origin) is the server's own (its
//! `scheme://` aside, the `Host` the request was sent to) or one CORS
//! allows; otherwise 403 [`CSRF_FAILED`] and the reason in the log. (A
//! token in the body is a client's own, as without cookies: no check.)
//!
//! The views hand the token in and out ([`refresh_token`], [`with_token`],
//! [`cleared`]), so that another kind of refresh token composes with this.

use super::call::Call;
use super::{cors, hosts, respond};
use crate::config::Settings;
use crate::http::{Request, Response};
use crate::log;

/// The 403's body for a cookie without a trusted origin (fixed: the
/// origin goes to the log).
pub const CSRF_FAILED: &str = "CSRF Failed: Origin checking failed - the request's origin is not trusted to use the refresh cookie.";

/// The path the cookie is sent to: the token views'.
pub const COOKIE_PATH: &str = "/api/token/";

/// The most `;`-separated pairs of a `Cookie` header looked at.
const MAX_PAIRS: usize = 64;

/// The longest cookie value taken for a token (the header is bounded by
/// `MAX_HEADER_BYTES` already; a longer value is no token of ours).
const MAX_VALUE: usize = 8192;

/// The refresh token of a request, and whether it came from the cookie.
#[derive(Debug, PartialEq, Eq)]
pub struct RefreshToken {
    /// The token's text.
    pub token: String,
    /// It came from the cookie (the body had none).
    pub from_cookie: bool,
}

/// The serializer's `refresh` field, or, when the body has none and the
/// cookie mode is on, the cookie's token if the request's origin is
/// trusted. Errors: the body's 400 (no cookie either), or the 403.
pub fn refresh_token(call: &Call<'_>) -> Result<RefreshToken, Response> {
    let missing = match call.fields(["refresh"]) {
        Ok([token]) => {
            return Ok(RefreshToken {
                token,
                from_cookie: false,
            })
        }
        Err(missing) => missing,
    };
    let settings = call.app.settings();
    let cookie = request_cookie(call.request, &settings.refresh_cookie);
    let Some(token) = cookie.filter(|_| !settings.refresh_cookie.is_empty()) else {
        return Err(missing);
    };
    if let Err(why) = check_origin(&settings, call.request) {
        log::warn(&format!("Forbidden (refresh cookie): {why}"));
        return Err(respond::detail(403, CSRF_FAILED));
    }
    Ok(RefreshToken {
        token: token.to_owned(),
        from_cookie: true,
    })
}

/// Whether the cookie mode is on: the refresh token goes in the cookie,
/// not in the body.
pub fn is_on(settings: &Settings) -> bool {
    !settings.refresh_cookie.is_empty()
}

/// `response` setting the cookie to `token` for the refresh lifetime.
pub fn with_token(settings: &Settings, response: Response, token: &str) -> Response {
    let age = settings.refresh_token_lifetime;
    response.with_header("Set-Cookie", set_cookie(settings, token, age))
}

/// `response` clearing the cookie (an empty value, `Max-Age=0`), when the
/// cookie mode is on.
pub fn cleared(settings: &Settings, response: Response) -> Response {
    match is_on(settings) {
        true => response.with_header("Set-Cookie", set_cookie(settings, "", 0)),
        false => response,
    }
}

/// The `Set-Cookie` value for `value` kept `max_age` seconds.
fn set_cookie(settings: &Settings, value: &str, max_age: u64) -> String {
    format!(
        "{}={value}; HttpOnly; Secure; SameSite={}; Path={COOKIE_PATH}; Max-Age={max_age}",
        settings.refresh_cookie, settings.refresh_cookie_samesite
    )
}

/// The value of the cookie `name` in `request`'s `Cookie` header: the
/// first of at most [`MAX_PAIRS`] pairs with that name, not empty and at
/// most [`MAX_VALUE`] bytes.
fn request_cookie<'r>(request: &'r Request<'_>, name: &str) -> Option<&'r str> {
    let header = std::str::from_utf8(request.header("cookie")?).ok()?;
    cookie_value(header, name)
}

/// [`request_cookie`] of a `Cookie` header's text.
fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .take(MAX_PAIRS)
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && value.len() <= MAX_VALUE)
}

/// `Ok` when `request` comes from the server's own origin or one CORS
/// allows; else why not, for the log.
fn check_origin(settings: &Settings, request: &Request<'_>) -> Result<(), String> {
    let text = |name| {
        request
            .header(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    };
    let origin = match (text("origin"), text("referer")) {
        (Some(origin), _) => origin,
        // A Referer's origin: up to the first `/` after `scheme://`.
        (None, Some(referer)) => referer_origin(referer).ok_or("a Referer without an origin")?,
        (None, None) => return Err("no Origin or Referer".into()),
    };
    let own = text("host").is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, netloc)| !host.is_empty() && netloc.eq_ignore_ascii_case(host))
    });
    if own || (origin != "null" && cors::allows_origin(settings, origin)) {
        return Ok(());
    }
    Err(format!(
        "the origin {} is neither this server's nor one CORS allows",
        hosts::shown(origin)
    ))
}

/// The `scheme://netloc` a `Referer` starts with.
fn referer_origin(referer: &str) -> Option<&str> {
    let (scheme, rest) = referer.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (!scheme.is_empty() && end > 0).then(|| &referer[..scheme.len() + 3 + end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::OwnedRequest;

    fn cookie_settings() -> Settings {
        Settings {
            refresh_cookie: "jwtd_refresh".into(),
            refresh_token_lifetime: 86_400,
            ..Settings::default()
        }
    }

    #[test]
    fn the_cookie_is_found_among_others_and_bounded() {
        let name = "jwtd_refresh";
        assert_eq!(cookie_value("jwtd_refresh=a.b.c", name), Some("a.b.c"));
        assert_eq!(
            cookie_value("x=1; jwtd_refresh=a.b.c; y=2", name),
            Some("a.b.c")
        );
        assert_eq!(cookie_value("x=1;jwtd_refresh = t ", name), Some("t"));
        // The first of two, as browsers send the most specific path first.
        assert_eq!(
            cookie_value("jwtd_refresh=1; jwtd_refresh=2", name),
            Some("1")
        );
        for header in [
            "",
            "x=1",
            "jwtd_refresh=",
            "jwtd_refresh",
            "xjwtd_refresh=1",
            "jwtd_refresh_old=1",
        ] {
            assert_eq!(cookie_value(header, name), None, "{header:?}");
        }
        let long = format!("jwtd_refresh={}", "a".repeat(MAX_VALUE + 1));
        assert_eq!(cookie_value(&long, name), None);
        let far = format!("{}jwtd_refresh=t", "x=1;".repeat(MAX_PAIRS));
        assert_eq!(cookie_value(&far, name), None, "past MAX_PAIRS");
        let near = format!("{}jwtd_refresh=t", "x=1;".repeat(MAX_PAIRS - 1));
        assert_eq!(cookie_value(&near, name), Some("t"));
    }

    #[test]
    fn set_and_clear_have_the_attributes() {
        let s = cookie_settings();
        let set = with_token(&s, Response::new(200), "a.b.c");
        assert_eq!(
            set.header("Set-Cookie"),
            Some("jwtd_refresh=a.b.c; HttpOnly; Secure; SameSite=Lax; Path=/api/token/; Max-Age=86400")
        );
        let strict = Settings {
            refresh_cookie_samesite: "None".into(),
            ..cookie_settings()
        };
        let cleared = cleared(&strict, Response::new(200));
        assert_eq!(
            cleared.header("Set-Cookie"),
            Some("jwtd_refresh=; HttpOnly; Secure; SameSite=None; Path=/api/token/; Max-Age=0")
        );
        let off = Settings::default();
        assert!(!is_on(&off));
        assert_eq!(cleared_header(&off), None);
    }

    fn cleared_header(settings: &Settings) -> Option<String> {
        cleared(settings, Response::new(200))
            .header("Set-Cookie")
            .map(str::to_owned)
    }

    fn origin_check(settings: &Settings, headers: &[(&str, &str)]) -> Result<(), String> {
        let mut request = OwnedRequest::new("POST", "/api/token/refresh/");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        check_origin(settings, &request.request())
    }

    #[test]
    fn the_own_origin_passes_and_others_do_not() {
        let s = cookie_settings();
        let host = ("Host", "auth.example:8000");
        for ok in [
            vec![host, ("Origin", "https://auth.example:8000")],
            vec![host, ("Origin", "http://AUTH.example:8000")],
            vec![host, ("Referer", "https://auth.example:8000/login?x=1")],
            vec![host, ("Referer", "https://auth.example:8000")],
        ] {
            assert_eq!(origin_check(&s, &ok), Ok(()), "{ok:?}");
        }
        for refused in [
            vec![host],
            vec![("Origin", "https://auth.example:8000")],
            vec![host, ("Origin", "https://evil.example")],
            vec![host, ("Origin", "https://auth.example")],
            vec![host, ("Origin", "https://auth.example:8000.evil")],
            vec![host, ("Origin", "null")],
            vec![host, ("Origin", "auth.example:8000")],
            vec![host, ("Referer", "https://evil.example/auth.example:8000")],
            vec![host, ("Referer", "/relative")],
            // The Origin wins over a Referer.
            vec![
                host,
                ("Origin", "https://evil.example"),
                ("Referer", "https://auth.example:8000/"),
            ],
        ] {
            assert!(origin_check(&s, &refused).is_err(), "{refused:?}");
        }
        assert_eq!(
            origin_check(&s, &[host, ("Origin", "https://evil.example")]),
            Err(
                r#"the origin "https://evil.example" is neither this server's nor one CORS allows"#
                    .into()
            )
        );
    }

    #[cfg(feature = "cors")]
    #[test]
    fn an_origin_cors_allows_passes() {
        let mut s = cookie_settings();
        s.cors.allowed_origins = vec!["https://app.example".into()];
        let host = ("Host", "auth.example");
        assert_eq!(
            origin_check(&s, &[host, ("Origin", "https://app.example")]),
            Ok(())
        );
        assert!(origin_check(&s, &[host, ("Origin", "https://other.example")]).is_err());
        s.cors.allowed_origins = vec!["null".into()];
        assert!(origin_check(&s, &[host, ("Origin", "null")]).is_err());
        // Every origin may read answers, but none but the listed may spend
        // the cookie.
        s.cors.allow_all_origins = true;
        s.cors.allow_credentials = true;
        assert!(origin_check(&s, &[host, ("Origin", "https://other.example")]).is_err());
        s.cors.allowed_origins = vec!["https://app.example".into()];
        assert_eq!(
            origin_check(&s, &[host, ("Origin", "https://app.example")]),
            Ok(())
        );
    }

    #[test]
    fn a_referer_s_origin_is_its_scheme_and_netloc() {
        assert_eq!(
            referer_origin("https://a.example:1/p?q#f"),
            Some("https://a.example:1")
        );
        assert_eq!(
            referer_origin("https://a.example?q"),
            Some("https://a.example")
        );
        assert_eq!(referer_origin("https:///p"), None);
        assert_eq!(referer_origin("://a.example/"), None);
        assert_eq!(referer_origin("a.example/p"), None);
    }
}
