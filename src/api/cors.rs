//! CORS as django-cors-headers' `CorsMiddleware` answers it, under its
//! settings' names (`CORS_*`); off unless some origin is allowed
//! ([`CorsSettings::enabled`]), and then on the paths `CORS_URLS_REGEX`
//! matches from their start (every path, by default). Only in a build with
//! the `cors` feature (the default); without it, `cors_off.rs` stands in.
//!
//! On, for every request:
//!
//! - A preflight (`OPTIONS` with `Access-Control-Request-Method`, whatever
//!   its `Origin`) is answered here, before any route: 200, an empty body
//!   (the middleware's `process_request`), instead of DRF's metadata.
//! - Every response, the preflight's and the views', gets `Vary: Origin`
//!   (merged into the `Vary` there is), and when the request has an
//!   `Origin` (`process_response`): `Access-Control-Allow-Credentials:
//!   true` if `CORS_ALLOW_CREDENTIALS` (even for an origin not allowed, as
//!   there); then, only for an allowed origin,
//!   `Access-Control-Allow-Origin` (`*` with `CORS_ALLOW_ALL_ORIGINS` and
//!   without credentials, else the origin itself),
//!   `Access-Control-Expose-Headers` if any, and on `OPTIONS`
//!   `Access-Control-Allow-Headers`, `Access-Control-Allow-Methods` and
//!   `Access-Control-Max-Age` (unless 0). The method and headers a
//!   preflight asks for are not compared: the lists are sent and the
//!   browser decides.
//!
//! An origin is allowed when `CORS_ALLOW_ALL_ORIGINS`, when it is `null`
//! and `null` is listed, when its scheme (case-insensitive) and netloc
//! (exactly) are an entry's of `CORS_ALLOWED_ORIGINS`, both split by
//! Python's `urlsplit` ([`crate::urlsplit`]), or when a pattern of
//! `CORS_ALLOWED_ORIGIN_REGEXES` matches it from its start
//! ([`crate::re_match`]); an origin longer than [`MAX_ORIGIN`] bytes or
//! not ASCII matches no pattern.
//!
//! The headers depend on the request only, never on the response, so they
//! are worked out once ([`for_request`]) and put on whichever response
//! goes out: here, or on the pool that completes a parked one
//! ([`super::parking`]).

use crate::config::{CorsSettings, Settings};
use crate::http::{Request, Response};
use crate::urlsplit::{urlsplit, Split};

/// The longest `Origin` a pattern is tried on: a scheme, a DNS name (at
/// most 253) and a port fit well within it.
pub const MAX_ORIGIN: usize = 300;

/// What CORS adds to the responses to one request: `Vary: Origin`, then
/// these headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    headers: Vec<(&'static str, String)>,
}

impl Cors {
    /// `response` with `Vary: Origin` and the CORS headers. (Not inlined:
    /// one copy for its every caller keeps the binary small.)
    #[inline(never)]
    pub fn apply(&self, response: Response) -> Response {
        self.headers
            .iter()
            .fold(response.with_vary("Origin"), |response, (name, value)| {
                response.with_header(name, value.clone())
            })
    }
}

/// `response` with what `cors` adds, if anything.
pub fn apply(cors: Option<&Cors>, response: Response) -> Response {
    match cors {
        Some(cors) => cors.apply(response),
        None => response,
    }
}

/// What CORS adds to the responses to `request`; `None` when CORS is off
/// (nothing is added).
#[inline(never)]
pub fn for_request(settings: &Settings, request: &Request<'_>) -> Option<Cors> {
    let settings = &settings.cors;
    if !settings.enabled() || !settings.urls_regex.is_match(request.path.as_bytes()) {
        return None;
    }
    let origin = request
        .header("origin")
        .and_then(|origin| std::str::from_utf8(origin).ok());
    Some(Cors {
        headers: headers(settings, request.method, origin),
    })
}

/// Whether `request` is a preflight, answered by [`preflight`] when
/// [`for_request`] gives CORS headers.
pub fn is_preflight(request: &Request<'_>) -> bool {
    request.method == "OPTIONS" && request.header("access-control-request-method").is_some()
}

/// The preflight's answer before its CORS headers: Django's empty
/// `HttpResponse()`.
pub fn preflight() -> Response {
    Response::new(200).with_header("Content-Type", "text/html; charset=utf-8")
}

/// The middleware's `process_response` for a request with `method` and
/// `origin`, past `Vary: Origin`.
fn headers(
    settings: &CorsSettings,
    method: &str,
    origin: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    // No origin (or an empty one, or one `urlsplit` refuses): Vary only.
    let Some((origin, split)) = origin
        .filter(|origin| !origin.is_empty())
        .and_then(|origin| Some((origin, urlsplit(origin)?)))
    else {
        return headers;
    };
    if settings.allow_credentials {
        headers.push(("Access-Control-Allow-Credentials", "true".to_owned()));
    }
    if !settings.allow_all_origins && !is_allowed(settings, origin, &split) {
        return headers;
    }
    let allow_origin = if settings.allow_all_origins && !settings.allow_credentials {
        "*".to_owned()
    } else {
        origin.to_owned()
    };
    headers.push(("Access-Control-Allow-Origin", allow_origin));
    if !settings.expose_headers.is_empty() {
        let exposed = settings.expose_headers.join(", ");
        headers.push(("Access-Control-Expose-Headers", exposed));
    }
    if method == "OPTIONS" {
        let allowed = settings.allow_headers.join(", ");
        headers.push(("Access-Control-Allow-Headers", allowed));
        let methods = settings.allow_methods.join(", ");
        headers.push(("Access-Control-Allow-Methods", methods));
        if settings.preflight_max_age != 0 {
            let age = settings.preflight_max_age.to_string();
            headers.push(("Access-Control-Max-Age", age));
        }
    }
    headers
}

/// Whether `origin` is one CORS names, by `CORS_ALLOWED_ORIGINS` or
/// `CORS_ALLOWED_ORIGIN_REGEXES` (a refresh cookie may come from it,
/// [`super::refresh_cookie`]). `CORS_ALLOW_ALL_ORIGINS` names none: were
/// every origin trusted with the cookie, any page could spend it.
pub fn allows_origin(settings: &Settings, origin: &str) -> bool {
    let settings = &settings.cors;
    urlsplit(origin).is_some_and(|split| is_allowed(settings, origin, &split))
}

/// `origin_found_in_white_lists`: `null` listed, an entry's scheme and
/// netloc, or a pattern.
fn is_allowed(settings: &CorsSettings, origin: &str, split: &Split<'_>) -> bool {
    let listed = &settings.allowed_origins;
    (origin == "null" && listed.iter().any(|o| o == "null"))
        || listed.iter().any(|entry| {
            urlsplit(entry).is_some_and(|e| e.scheme == split.scheme && e.netloc == split.netloc)
        })
        || (origin.len() <= MAX_ORIGIN
            && origin.is_ascii()
            && settings
                .allowed_origin_regexes
                .iter()
                .any(|pattern| pattern.is_match(origin.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::OwnedRequest;
    use crate::re_match::Pattern;

    fn settings(origins: &[&str]) -> CorsSettings {
        CorsSettings {
            allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..CorsSettings::default()
        }
    }

    /// The headers a response to `method` from `origin` gets, Vary first.
    fn answer(
        cors: &CorsSettings,
        method: &str,
        origin: Option<&str>,
    ) -> Option<Vec<(String, String)>> {
        let mut owned = OwnedRequest::new(method, "/api/token/");
        if let Some(origin) = origin {
            owned = owned.header("Origin", origin);
        }
        let settings = Settings {
            cors: cors.clone(),
            ..Settings::default()
        };
        let cors = for_request(&settings, &owned.request())?;
        let response = cors.apply(Response::new(200));
        let mut out = Vec::new();
        if let Some(vary) = response.header("Vary") {
            out.push(("Vary".to_owned(), vary.to_owned()));
        }
        out.extend(cors.headers.iter().map(|(n, v)| (n.to_string(), v.clone())));
        Some(out)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    const DEFAULT_ALLOW_HEADERS: &str =
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with";
    const DEFAULT_METHODS: &str = "DELETE, GET, OPTIONS, PATCH, POST, PUT";

    #[test]
    fn off_by_default_adds_nothing() {
        assert_eq!(
            answer(
                &CorsSettings::default(),
                "OPTIONS",
                Some("https://a.example")
            ),
            None
        );
        assert_eq!(
            answer(&CorsSettings::default(), "POST", Some("https://a.example")),
            None
        );
    }

    #[test]
    fn an_allowed_origin_gets_the_preflight_and_actual_headers() {
        let s = settings(&["https://app.example"]);
        assert_eq!(
            answer(&s, "OPTIONS", Some("https://app.example")),
            Some(pairs(&[
                ("Vary", "Origin"),
                ("Access-Control-Allow-Origin", "https://app.example"),
                ("Access-Control-Allow-Headers", DEFAULT_ALLOW_HEADERS),
                ("Access-Control-Allow-Methods", DEFAULT_METHODS),
                ("Access-Control-Max-Age", "86400"),
            ]))
        );
        assert_eq!(
            answer(&s, "POST", Some("https://app.example")),
            Some(pairs(&[
                ("Vary", "Origin"),
                ("Access-Control-Allow-Origin", "https://app.example"),
            ]))
        );
    }

    #[test]
    fn other_origins_and_no_origin_get_vary_only() {
        let s = settings(&["https://app.example"]);
        let vary = Some(pairs(&[("Vary", "Origin")]));
        for origin in [
            Some("https://evil.example"),
            Some("http://app.example"),
            Some("https://app.example:8443"),
            Some("https://App.example"),
            Some("https://app.example.evil"),
            Some("null"),
            Some(""),
            Some("https://[::1"),
            None,
        ] {
            assert_eq!(answer(&s, "OPTIONS", origin), vary, "{origin:?}");
            assert_eq!(answer(&s, "POST", origin), vary, "{origin:?}");
        }
        // The scheme is compared without case, as urlsplit lower-cases it;
        // a path in the Origin is ignored, as the netloc alone is compared.
        for origin in ["HTTPS://app.example", "https://app.example/x"] {
            let got = answer(&s, "POST", Some(origin)).unwrap();
            assert_eq!(
                got[1],
                ("Access-Control-Allow-Origin".into(), origin.into())
            );
        }
    }

    #[test]
    fn only_paths_urls_regex_matches_get_cors() {
        let s = CorsSettings {
            urls_regex: Pattern::new(r"^/api/").unwrap(),
            ..settings(&["https://app.example"])
        };
        assert_eq!(
            answer(&s, "POST", Some("https://app.example"))
                .unwrap()
                .len(),
            2
        );
        let settings = Settings {
            cors: s,
            ..Settings::default()
        };
        let owned = OwnedRequest::new("OPTIONS", "/healthz")
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "GET");
        assert_eq!(for_request(&settings, &owned.request()), None);
        assert!(Pattern::every_text().is_match(b"/any/path"));
        assert_eq!(Pattern::every_text().source(), "^.*$");
    }

    #[test]
    fn null_is_allowed_only_when_listed() {
        let s = settings(&["null"]);
        let got = answer(&s, "POST", Some("null")).unwrap();
        assert_eq!(
            got[1],
            ("Access-Control-Allow-Origin".into(), "null".into())
        );
        assert_eq!(
            answer(&settings(&["https://a.example"]), "POST", Some("null"))
                .unwrap()
                .len(),
            1
        );
        let s = settings(&["file://"]);
        assert_eq!(answer(&s, "POST", Some("file://")).unwrap().len(), 2);
    }

    #[test]
    fn patterns_match_from_the_start() {
        let s = CorsSettings {
            allowed_origin_regexes: vec![Pattern::new(r"^https://\w+\.example\.com$").unwrap()],
            ..CorsSettings::default()
        };
        assert_eq!(
            answer(&s, "POST", Some("https://app.example.com"))
                .unwrap()
                .len(),
            2
        );
        for origin in [
            "https://example.com",
            "https://app.example.com.evil",
            "xhttps://a.example.com",
        ] {
            assert_eq!(
                answer(&s, "POST", Some(origin)).unwrap().len(),
                1,
                "{origin}"
            );
        }
        let long = format!("https://{}.example.com", "a".repeat(MAX_ORIGIN));
        assert_eq!(answer(&s, "POST", Some(&long)).unwrap().len(), 1);
    }

    #[test]
    fn credentials_echo_the_origin_never_a_wildcard() {
        let all = CorsSettings {
            allow_all_origins: true,
            ..CorsSettings::default()
        };
        let got = answer(&all, "POST", Some("https://any.example")).unwrap();
        assert_eq!(got[1], ("Access-Control-Allow-Origin".into(), "*".into()));
        let with_credentials = CorsSettings {
            allow_credentials: true,
            ..all
        };
        assert_eq!(
            answer(&with_credentials, "POST", Some("https://any.example")),
            Some(pairs(&[
                ("Vary", "Origin"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Origin", "https://any.example"),
            ]))
        );
        // As django-cors-headers: the credentials header goes to an origin
        // not allowed too, with no Allow-Origin (the browser refuses).
        let s = CorsSettings {
            allow_credentials: true,
            ..settings(&["https://app.example"])
        };
        assert_eq!(
            answer(&s, "POST", Some("https://evil.example")),
            Some(pairs(&[
                ("Vary", "Origin"),
                ("Access-Control-Allow-Credentials", "true")
            ]))
        );
    }

    #[test]
    fn expose_headers_and_max_age_zero() {
        let s = CorsSettings {
            expose_headers: vec!["Retry-After".into(), "X-A".into()],
            preflight_max_age: 0,
            allow_methods: vec!["POST".into()],
            ..settings(&["https://app.example"])
        };
        assert_eq!(
            answer(&s, "OPTIONS", Some("https://app.example")),
            Some(pairs(&[
                ("Vary", "Origin"),
                ("Access-Control-Allow-Origin", "https://app.example"),
                ("Access-Control-Expose-Headers", "Retry-After, X-A"),
                ("Access-Control-Allow-Headers", DEFAULT_ALLOW_HEADERS),
                ("Access-Control-Allow-Methods", "POST"),
            ]))
        );
    }

    #[test]
    fn vary_is_merged_and_a_preflight_is_an_options_asking_a_method() {
        let s = settings(&["https://app.example"]);
        let owned = OwnedRequest::new("OPTIONS", "/api/token/")
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "POST");
        let request = owned.request();
        assert!(is_preflight(&request));
        let s = Settings {
            cors: s,
            ..Settings::default()
        };
        let cors = for_request(&s, &request).unwrap();
        let response = cors.apply(preflight());
        assert_eq!(response.status, 200);
        assert!(response.body.is_empty());
        assert_eq!(response.header("Vary"), Some("Origin"));
        let json = cors.apply(super::super::respond::ok("{}".into()));
        assert_eq!(json.header("Vary"), Some("Accept, Origin"));
        let twice = cors.apply(json);
        assert_eq!(twice.header("Vary"), Some("Accept, Origin"));
        assert!(!is_preflight(
            &OwnedRequest::new("OPTIONS", "/api/token/").request()
        ));
        let post = OwnedRequest::new("POST", "/").header("Access-Control-Request-Method", "POST");
        assert!(!is_preflight(&post.request()));
    }
}
