//! django-cors-headers' settings (`CORS_*`, [`CorsSettings`], only in a
//! build with the `cors` feature), read and written: the
//! allowed origins, checked as its system checks do (a scheme and a netloc
//! alone, or `null`, or `file://`); the origin patterns, compiled
//! into [`Pattern`]s once, a pattern outside the supported subset refused
//! with what is unsupported; and the header and method lists, which must
//! be HTTP tokens since they are written into headers.

use serde_json::Value;

use super::shown::Shown;
use super::values::{list, SettingValue};
use crate::re_match::Pattern;
use crate::urlsplit::urlsplit;

/// The `CORS_*` settings, django-cors-headers', with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsSettings {
    /// `CORS_ALLOWED_ORIGINS`: the origins (`scheme://host[:port]`,
    /// `null`, `file://`) whose requests get CORS headers. Defaults to none.
    pub allowed_origins: Vec<String>,
    /// `CORS_ALLOWED_ORIGIN_REGEXES`: patterns (a subset of Python's `re`,
    /// [`crate::re_match`]) an origin may match instead. Defaults to none.
    pub allowed_origin_regexes: Vec<Pattern>,
    /// `CORS_ALLOW_ALL_ORIGINS`: every origin is allowed. Defaults to false.
    pub allow_all_origins: bool,
    /// `CORS_URLS_REGEX`: the paths CORS applies to, matched from their
    /// start. Defaults to `^.*$` (every path).
    pub urls_regex: Pattern,
    /// `CORS_ALLOW_METHODS`: `Access-Control-Allow-Methods`. Defaults to
    /// django-cors-headers' six.
    pub allow_methods: Vec<String>,
    /// `CORS_ALLOW_HEADERS`: `Access-Control-Allow-Headers`. Defaults to
    /// django-cors-headers' six.
    pub allow_headers: Vec<String>,
    /// `CORS_EXPOSE_HEADERS`: `Access-Control-Expose-Headers`. Defaults to
    /// none (no header).
    pub expose_headers: Vec<String>,
    /// `CORS_PREFLIGHT_MAX_AGE`, seconds: `Access-Control-Max-Age` (0: no
    /// header). Defaults to 86400.
    pub preflight_max_age: u64,
    /// `CORS_ALLOW_CREDENTIALS`: `Access-Control-Allow-Credentials: true`,
    /// and the origin echoed instead of `*`. Defaults to false.
    pub allow_credentials: bool,
}

impl Default for CorsSettings {
    fn default() -> CorsSettings {
        CorsSettings {
            allowed_origins: Vec::new(),
            allowed_origin_regexes: Vec::new(),
            allow_all_origins: false,
            urls_regex: Pattern::every_text(),
            allow_methods: strings(&DEFAULT_METHODS),
            allow_headers: strings(&DEFAULT_HEADERS),
            expose_headers: Vec::new(),
            preflight_max_age: DEFAULT_MAX_AGE,
            allow_credentials: false,
        }
    }
}

impl CorsSettings {
    /// Whether CORS is on: some origin is allowed (`CORS_ALLOW_ALL_ORIGINS`,
    /// or an entry in `CORS_ALLOWED_ORIGINS` or
    /// `CORS_ALLOWED_ORIGIN_REGEXES`). Off, no response changes.
    pub fn enabled(&self) -> bool {
        self.allow_all_origins
            || !self.allowed_origins.is_empty()
            || !self.allowed_origin_regexes.is_empty()
    }
}

/// `CORS_ALLOW_METHODS`' default, django-cors-headers'.
pub const DEFAULT_METHODS: [&str; 6] = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"];

/// `CORS_ALLOW_HEADERS`' default, django-cors-headers'.
pub const DEFAULT_HEADERS: [&str; 6] = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
];

/// `CORS_PREFLIGHT_MAX_AGE`'s default: a day.
pub const DEFAULT_MAX_AGE: u64 = 86_400;

/// `list` as owned strings (the defaults above).
fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `CORS_ALLOWED_ORIGINS`: `scheme://host[:port]` entries, `null` or
/// `file://`, as django-cors-headers' checks E013 and E014 require.
pub(super) fn allowed_origins(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let origins = list(raw)?;
    for origin in &origins {
        let problem = match urlsplit(origin) {
            _ if origin == "null" || origin == "file://" => continue,
            None => "is not a URL (an unbalanced '[' or ']')",
            Some(split) if split.scheme.is_empty() || split.netloc.is_empty() => {
                "is missing scheme or netloc: add a scheme (e.g. https://) or netloc (e.g. example.com)"
            }
            Some(split) if !split.rest.is_empty() => {
                "should not have a path, query or fragment (not even a final /)"
            }
            Some(_) => continue,
        };
        return Err(format!("Origin {origin:?} {problem}"));
    }
    Ok(origins)
}

/// `CORS_URLS_REGEX`: one pattern of the supported subset.
pub(super) fn pattern(raw: SettingValue<'_>) -> Result<Pattern, String> {
    compiled(&super::values::string(raw)?)
}

/// `CORS_ALLOWED_ORIGIN_REGEXES`: patterns of the supported subset.
pub(super) fn patterns(raw: SettingValue<'_>) -> Result<Vec<Pattern>, String> {
    list(raw)?.iter().map(|source| compiled(source)).collect()
}

/// `source` compiled, or what in it is not supported.
fn compiled(source: &str) -> Result<Pattern, String> {
    Pattern::new(source).map_err(|why| format!("the pattern {source:?} {why}"))
}

/// `CORS_ALLOW_METHODS`, `CORS_ALLOW_HEADERS`, `CORS_EXPOSE_HEADERS`:
/// HTTP tokens, written joined by `, ` into a header.
pub(super) fn tokens(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let items = list(raw)?;
    if let Some(bad) = items
        .iter()
        .find(|t| t.is_empty() || !t.bytes().all(super::values::is_token_byte))
    {
        return Err(format!("{bad:?} is not a method or header name"));
    }
    Ok(items)
}

pub(super) fn shown_pattern(pattern: &Pattern) -> Shown {
    Shown::Value(Value::from(pattern.source()))
}

pub(super) fn shown_patterns(patterns: &[Pattern]) -> Shown {
    Shown::Value(Value::from(
        patterns.iter().map(Pattern::source).collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;
    use crate::config::Settings;
    use serde_json::json;

    use super::*;

    #[test]
    fn cors_is_off_by_default_with_django_cors_headers_defaults() {
        let s = Settings::default();
        assert!(!s.cors.enabled());
        assert!(s.cors.allowed_origins.is_empty() && s.cors.allowed_origin_regexes.is_empty());
        assert!(!s.cors.allow_all_origins && !s.cors.allow_credentials);
        assert_eq!(s.cors.allow_methods, DEFAULT_METHODS);
        assert_eq!(s.cors.allow_headers, DEFAULT_HEADERS);
        assert!(s.cors.expose_headers.is_empty());
        assert_eq!(s.cors.preflight_max_age, 86_400);
    }

    #[test]
    fn lists_come_comma_separated_or_as_json() {
        let s = load(&[
            (
                "JWTD_CORS_ALLOWED_ORIGINS",
                "https://app.example, http://localhost:3000,null",
            ),
            (
                "JWTD_CORS_ALLOWED_ORIGIN_REGEXES",
                r#"["^https://\\w+\\.example$"]"#,
            ),
            ("JWTD_CORS_ALLOW_METHODS", "GET,POST"),
            ("JWTD_CORS_EXPOSE_HEADERS", "Retry-After"),
            ("JWTD_CORS_PREFLIGHT_MAX_AGE", "0"),
            ("JWTD_CORS_ALLOW_CREDENTIALS", "true"),
        ])
        .unwrap();
        assert!(s.cors.enabled());
        assert_eq!(
            s.cors.allowed_origins,
            ["https://app.example", "http://localhost:3000", "null"]
        );
        assert_eq!(
            s.cors.allowed_origin_regexes[0].source(),
            r"^https://\w+\.example$"
        );
        assert_eq!(s.cors.allow_methods, ["GET", "POST"]);
        assert_eq!(s.cors.expose_headers, ["Retry-After"]);
        assert_eq!(s.cors.preflight_max_age, 0);
        assert!(s.cors.allow_credentials);

        let mut s = Settings::default();
        let origins = json!(["https://a.example"]);
        assert!(s
            .set("CORS_ALLOWED_ORIGINS", SettingValue::Json(&origins))
            .is_ok());
        let all = json!(true);
        assert!(s
            .set("CORS_ALLOW_ALL_ORIGINS", SettingValue::Json(&all))
            .is_ok());
        assert!(s.cors.enabled());
        let row = crate::config::setting("CORS_ALLOWED_ORIGIN_REGEXES").unwrap();
        let regexes = json!([r"^https://a\.example$"]);
        assert!(s.set(row.name, SettingValue::Json(&regexes)).is_ok());
        assert_eq!(row.value(&s).file_form(), r#"["^https://a\\.example$"]"#);
    }

    #[test]
    fn bad_values_are_refused_naming_the_setting() {
        for (name, value, why) in [
            (
                "JWTD_CORS_ALLOWED_ORIGINS",
                "app.example",
                "missing scheme or netloc",
            ),
            (
                "JWTD_CORS_ALLOWED_ORIGINS",
                "https://app.example/",
                "should not have a path",
            ),
            ("JWTD_CORS_ALLOWED_ORIGINS", "https://[::1", "not a URL"),
            (
                "JWTD_CORS_ALLOWED_ORIGIN_REGEXES",
                r"^https://a{2}$",
                "counted repetition",
            ),
            (
                "JWTD_CORS_ALLOWED_ORIGIN_REGEXES",
                r"(?i)^https://a$",
                "only (?: ) groups",
            ),
            (
                "JWTD_CORS_ALLOW_METHODS",
                "GET, PO ST",
                "not a method or header name",
            ),
            (
                "JWTD_CORS_ALLOW_HEADERS",
                "x-a\u{1}",
                "not a method or header name",
            ),
            ("JWTD_CORS_PREFLIGHT_MAX_AGE", "-1", "whole number"),
            ("JWTD_CORS_ALLOW_CREDENTIALS", "sure", "true or false"),
        ] {
            let e = load(&[(name, value)]).unwrap_err();
            assert_eq!(format!("JWTD_{}", e.setting), name, "{e}");
            assert!(e.problem.contains(why), "{name}={value:?}: {e}");
        }
    }
}
