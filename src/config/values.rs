//! Reading one setting's value, from an environment string or a JSON value:
//! durations, booleans, whole numbers, strings, lists, and the kinds that
//! are checked further (algorithm, audience, header types and name).
//! Each reader says what it expected; the caller names the setting.

use std::time::Duration;

use serde_json::Value;

use super::Audience;
use crate::jwt::Algorithm;
use crate::password;

/// A setting's value as given: an environment string or a JSON value.
#[derive(Debug, Clone)]
pub(super) enum SettingValue<'a> {
    /// From `JWTD_<NAME>`.
    Env(&'a str),
    /// From the JSON file.
    Json(&'a Value),
}

fn describe(raw: &SettingValue<'_>) -> String {
    match raw {
        SettingValue::Env(s) => format!("{s:?}"),
        SettingValue::Json(v) => v.to_string(),
    }
}

pub(super) fn boolean(raw: SettingValue<'_>) -> Result<bool, String> {
    match raw {
        SettingValue::Json(Value::Bool(b)) => Ok(*b),
        SettingValue::Env(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("expected true or false, got {s:?}")),
        },
        other => Err(format!("expected true or false, got {}", describe(&other))),
    }
}

pub(super) fn integer(raw: SettingValue<'_>, min: u64, max: u64) -> Result<u64, String> {
    let value = match &raw {
        SettingValue::Json(Value::Number(n)) => n.as_u64(),
        SettingValue::Env(s) => parse_whole(s),
        SettingValue::Json(Value::String(s)) => parse_whole(s),
        _ => None,
    };
    match value {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from {min} to {max}, got {}",
            describe(&raw)
        )),
    }
}

fn parse_whole(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Seconds, or a number followed by `s`, `m`, `h` or `d`.
pub(super) fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return None,
    };
    n.checked_mul(scale)
}

pub(super) fn seconds(raw: SettingValue<'_>) -> Result<u64, String> {
    let value = match &raw {
        SettingValue::Json(Value::Number(n)) => n.as_u64(),
        SettingValue::Env(s) => parse_duration(s),
        SettingValue::Json(Value::String(s)) => parse_duration(s),
        _ => None,
    };
    // A hundred years is more than any token should live, and keeps every
    // `now + lifetime` far from overflow.
    value
        .filter(|s| *s <= 100 * 365 * 24 * 60 * 60)
        .ok_or_else(|| {
            format!(
                "expected a duration such as 300, 90s, 60m or 1d, got {}",
                describe(&raw)
            )
        })
}

pub(super) fn positive_seconds(raw: SettingValue<'_>) -> Result<u64, String> {
    match seconds(raw)? {
        0 => Err("must be longer than 0 seconds".into()),
        n => Ok(n),
    }
}

pub(super) fn duration(raw: SettingValue<'_>) -> Result<Duration, String> {
    positive_seconds(raw).map(Duration::from_secs)
}

pub(super) fn string(raw: SettingValue<'_>) -> Result<String, String> {
    match raw {
        SettingValue::Env(s) => Ok(s.to_owned()),
        SettingValue::Json(Value::String(s)) => Ok(s.clone()),
        other => Err(format!("expected a string, got {}", describe(&other))),
    }
}

pub(super) fn optional_string(raw: SettingValue<'_>) -> Result<Option<String>, String> {
    match raw {
        SettingValue::Json(Value::Null) => Ok(None),
        other => Ok(Some(string(other)?).filter(|s| !s.is_empty())),
    }
}

/// `REFRESH_COOKIE`: empty (off), or a cookie name (an HTTP token), not
/// `__Host-` (that prefix wants `Path=/`, and the cookie's path is the
/// token views').
pub(super) fn cookie_name(raw: SettingValue<'_>) -> Result<String, String> {
    let name = optional_string(raw)?.unwrap_or_default();
    if !name.bytes().all(is_token_byte) || name.starts_with("__Host-") {
        return Err(format!(
            "{name:?} is not a cookie name (letters, digits, !#$%&'*+-.^_`|~; not __Host-)"
        ));
    }
    Ok(name)
}

/// `REFRESH_COOKIE_SAMESITE`: `Lax`, `Strict` or `None`, in any case.
pub(super) fn same_site(raw: SettingValue<'_>) -> Result<String, String> {
    let value = string(raw)?;
    ["Lax", "Strict", "None"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(&value))
        .map(str::to_owned)
        .ok_or_else(|| format!("{value:?}: expected Lax, Strict or None"))
}

pub(super) fn claim_name(raw: SettingValue<'_>) -> Result<String, String> {
    let name = string(raw)?;
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(name)
}

/// `TOKEN_CLAIMS`: user fields of [`super::TOKEN_CLAIM_FIELDS`], each once.
pub(super) fn token_claims(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let names = match raw {
        SettingValue::Json(Value::Null) => return Ok(Vec::new()),
        other => list(other)?,
    };
    for (i, name) in names.iter().enumerate() {
        if !super::TOKEN_CLAIM_FIELDS.contains(&name.as_str()) {
            return Err(format!(
                "{name:?} is not a user field jwtd can put in a token; allowed: {}",
                super::TOKEN_CLAIM_FIELDS.join(", ")
            ));
        }
        if names[..i].contains(name) {
            return Err(format!("{name:?} is named twice"));
        }
    }
    Ok(names)
}

/// `AUTH_TOKEN_CLASSES`: `access` and `sliding`, each at most once, at
/// least one; SimpleJWT's class paths (`rest_framework_simplejwt.tokens.
/// SlidingToken`) and class names (`AccessToken`) are read as these.
pub(super) fn token_classes(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let names = list(raw)?;
    let mut classes: Vec<String> = Vec::with_capacity(names.len());
    for name in &names {
        let short = match name.rsplit('.').next().unwrap_or(name) {
            "access" | "AccessToken" => super::ACCESS_CLASS,
            "sliding" | "SlidingToken" => super::SLIDING_CLASS,
            _ => {
                return Err(format!(
                    "{name:?} is no token class jwtd has; allowed: access, sliding"
                ))
            }
        };
        if classes.iter().any(|c| c == short) {
            return Err(format!("{name:?} is named twice"));
        }
        classes.push(short.to_owned());
    }
    if classes.is_empty() {
        return Err("expected access, sliding or both".into());
    }
    Ok(classes)
}

/// `USER_ID_FIELD`: one of [`super::USER_ID_FIELDS`].
pub(super) fn user_id_field(raw: SettingValue<'_>) -> Result<String, String> {
    let name = string(raw)?;
    if !super::USER_ID_FIELDS.contains(&name.as_str()) {
        return Err(format!(
            "{name:?} is not a unique user field; allowed: {}",
            super::USER_ID_FIELDS.join(", ")
        ));
    }
    Ok(name)
}

/// A table or column name of a database shared with Django: lower-case
/// letters, digits and `_`, as Django names them (the only names jwtd
/// puts in SQL text).
pub(super) fn sql_name(raw: SettingValue<'_>) -> Result<String, String> {
    let name = string(raw)?;
    if !crate::sql_name::is_sql_name(&name) {
        return Err(format!(
            "expected a table or column name (lower-case letters, digits and _), got {name:?}"
        ));
    }
    Ok(name)
}

pub(super) fn list(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let parsed;
    let value = match raw {
        SettingValue::Env(s) if s.trim_start().starts_with('[') => {
            parsed =
                serde_json::from_str::<Value>(s).map_err(|e| format!("not a JSON array: {e}"))?;
            &parsed
        }
        SettingValue::Env(s) => return Ok(comma_separated(s)),
        SettingValue::Json(v) => v,
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| format!("expected strings, got {item}"))
            })
            .collect(),
        other => Err(format!("expected a list of strings, got {other}")),
    }
}

/// The non-empty, trimmed items of a comma-separated list.
fn comma_separated(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub(super) fn algorithm(raw: SettingValue<'_>) -> Result<Algorithm, String> {
    let name = string(raw)?;
    let algorithm = Algorithm::from_name(&name).ok_or_else(|| {
        format!(
            "Unrecognized algorithm type '{name}' (jwtd signs with HS256/384/512, RS256/384/512, \
             PS256/384/512, ES256/384/512 or EdDSA)"
        )
    })?;
    if !algorithm.is_hmac() && !cfg!(feature = "asymmetric") {
        return Err(format!(
            "{name} needs a jwtd built with the `asymmetric` feature (the default); this one signs with HMAC only"
        ));
    }
    Ok(algorithm)
}

/// `PASSWORD_HASHERS`: Django's algorithm names or its hashers' dotted
/// class paths, at least one, each built into this jwtd.
pub(super) fn password_hashers(raw: SettingValue<'_>) -> Result<Vec<password::Algorithm>, String> {
    let names = list(raw)?;
    if names.is_empty() {
        return Err("expected at least one hasher; the first makes new hashes".into());
    }
    names
        .iter()
        .map(|name| {
            let hasher = password::Algorithm::from_setting(name).ok_or_else(|| {
                format!(
                    "unknown hasher '{name}' (jwtd has pbkdf2_sha256, pbkdf2_sha1, argon2, \
                     bcrypt_sha256, bcrypt and scrypt)"
                )
            })?;
            if !hasher.is_built_in() {
                return Err(format!(
                    "{name} needs a jwtd built with the `django-hashers` feature (the default: \
                     rebuild without --no-default-features, or with --features django-hashers); \
                     this one has pbkdf2_sha256 only"
                ));
            }
            Ok(hasher)
        })
        .collect()
}

pub(super) fn audience(raw: SettingValue<'_>) -> Result<Option<Audience>, String> {
    let is_list = match &raw {
        SettingValue::Json(Value::Array(_)) => true,
        SettingValue::Env(s) => s.trim_start().starts_with('[') || s.contains(','),
        _ => false,
    };
    if let SettingValue::Json(Value::Null) = raw {
        return Ok(None);
    }
    let values = list(raw)?;
    Ok(match (values.len(), is_list) {
        (0, _) => None,
        (1, false) => values.into_iter().next().map(Audience::One),
        _ => Some(Audience::Many(values)),
    })
}

pub(super) fn header_types(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    let types = list(raw)?;
    if types.is_empty() {
        return Err("needs at least one scheme".into());
    }
    if let Some(bad) = types
        .iter()
        .find(|t| t.is_empty() || !t.bytes().all(is_token_byte))
    {
        return Err(format!("{bad:?} is not a valid authentication scheme"));
    }
    Ok(types)
}

pub(super) fn header_name(raw: SettingValue<'_>) -> Result<String, String> {
    let name = string(raw)?;
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name
            .strip_prefix("HTTP_")
            .is_some_and(|rest| !rest.is_empty());
    if !valid {
        return Err(format!(
            "expected a WSGI header key such as HTTP_AUTHORIZATION, got {name:?}"
        ));
    }
    Ok(name)
}

/// `ALLOWED_HOSTS`: a list of Django host patterns, lower-cased. Django
/// takes any string and an entry that cannot match is silently useless;
/// here it is an error that says why: a scheme, a path or a port (the
/// port is never compared), a trailing dot (hosts are compared without
/// it), or anything but a name, a `.domain`, an IPv6 literal in brackets
/// or `*`. An empty list would refuse every request, so it is refused too.
pub(super) fn allowed_hosts(raw: SettingValue<'_>) -> Result<Vec<String>, String> {
    // `[::1]` or `[::1],localhost` in the environment is a list of hosts,
    // not a JSON array that fails to parse.
    let patterns = match raw {
        SettingValue::Env(text) if serde_json::from_str::<Vec<String>>(text).is_err() => {
            comma_separated(text)
        }
        other => list(other)?,
    };
    if patterns.is_empty() {
        return Err(
            "is empty, which would refuse every request: list the names clients use, or * for any"
                .into(),
        );
    }
    patterns
        .into_iter()
        .map(|pattern| {
            let lower = pattern.trim().to_ascii_lowercase();
            host_pattern_problem(&lower)
                .map_or(Ok(lower), |problem| Err(format!("{pattern:?} {problem}")))
        })
        .collect()
}

/// Why a lower-cased `ALLOWED_HOSTS` entry can never match a host, if it
/// cannot.
fn host_pattern_problem(pattern: &str) -> Option<&'static str> {
    let is_name_byte =
        |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
    let is_ipv6_byte = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    if pattern == "*" {
        return None;
    }
    if pattern.contains("://") || pattern.contains('/') {
        return Some("is a URL: give the host name alone, e.g. auth.example.com");
    }
    if let Some(inside) = pattern.strip_prefix('[') {
        let literal = inside
            .strip_suffix(']')
            .filter(|inside| inside.contains(':') && inside.bytes().all(is_ipv6_byte));
        return match literal {
            Some(_) => None,
            None => Some("is not an IPv6 literal in brackets, e.g. [::1] (without a port)"),
        };
    }
    if pattern.contains(':') {
        return Some("has a port, which is never compared: give the name alone");
    }
    let name = pattern.strip_prefix('.').unwrap_or(pattern);
    if name.is_empty() || !name.bytes().all(is_name_byte) {
        return Some("is not a host name, a .domain, an IPv6 literal in brackets or *");
    }
    if name.ends_with('.') {
        return Some("ends with a dot: hosts are compared without it, so give the name without");
    }
    None
}

/// RFC 9110 `tchar`.
pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests;
