//! Reading and writing django-cors-headers' settings (`CORS_*`): the
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
pub(super) fn strings(list: &[&str]) -> Vec<String> {
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

/// `CORS_ALLOWED_ORIGIN_REGEXES`: patterns of the supported subset.
pub(super) fn origin_regexes(raw: SettingValue<'_>) -> Result<Vec<Pattern>, String> {
    list(raw)?
        .iter()
        .map(|source| Pattern::new(source).map_err(|why| format!("the pattern {source:?} {why}")))
        .collect()
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
        assert!(!s.cors_enabled());
        assert!(s.cors_allowed_origins.is_empty() && s.cors_allowed_origin_regexes.is_empty());
        assert!(!s.cors_allow_all_origins && !s.cors_allow_credentials);
        assert_eq!(s.cors_allow_methods, DEFAULT_METHODS);
        assert_eq!(s.cors_allow_headers, DEFAULT_HEADERS);
        assert!(s.cors_expose_headers.is_empty());
        assert_eq!(s.cors_preflight_max_age, 86_400);
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
        assert!(s.cors_enabled());
        assert_eq!(
            s.cors_allowed_origins,
            ["https://app.example", "http://localhost:3000", "null"]
        );
        assert_eq!(
            s.cors_allowed_origin_regexes[0].source(),
            r"^https://\w+\.example$"
        );
        assert_eq!(s.cors_allow_methods, ["GET", "POST"]);
        assert_eq!(s.cors_expose_headers, ["Retry-After"]);
        assert_eq!(s.cors_preflight_max_age, 0);
        assert!(s.cors_allow_credentials);

        let mut s = Settings::default();
        let origins = json!(["https://a.example"]);
        assert!(s
            .set("CORS_ALLOWED_ORIGINS", SettingValue::Json(&origins))
            .is_ok());
        let all = json!(true);
        assert!(s
            .set("CORS_ALLOW_ALL_ORIGINS", SettingValue::Json(&all))
            .is_ok());
        assert!(s.cors_enabled());
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
