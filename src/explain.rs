//! `jwtd token explain`: a token taken apart byte by byte, then run through
//! the server's own decoder.
//!
//! The pass/fail lines come from [`jwt::decode_observed`] and
//! [`token::verify_claims`], the functions the server calls, observed as
//! they run; nothing here re-implements a check, so the explanation cannot
//! disagree with the server. Everything else (segments, decoded JSON,
//! dates, the recomputed HMAC) is display, computed leniently so that even
//! a broken token shows as much of itself as it can.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::config::Settings;
use crate::jwt::{self, Algorithm, Check, Claims, DecodeError, Keyring, Outcome, Verifier};
use crate::time;
use crate::token::{self, TokenError};

/// What check 11 requires.
const STATE_REQUIREMENT: &str =
    "not blacklisted, not issued before its user's tokens were revoked (the database)";

/// The key an explanation verifies with, or why there is none.
#[derive(Debug)]
pub enum KeyChoice {
    /// Verify with these keys, as the server does; `source` says where
    /// they came from.
    Key {
        /// The keys (boxed: their HMAC states are large).
        key: Box<Keyring>,
        /// `JWTD_SIGNING_KEY`, `the file ...` or `the database ...`.
        source: String,
    },
    /// No key: the signature is not checked, and this says why.
    Missing(String),
}

/// What the server would make of a token, and why.
#[derive(Debug)]
pub struct Explanation {
    token: String,
    now: u64,
    algorithm: Algorithm,
    leeway: u64,
    key: KeyChoice,
    /// Every check [`jwt::decode_observed`] ran, in order.
    checks: Vec<(Check, Outcome)>,
    /// Its result.
    decoded: Result<Claims, DecodeError>,
    /// SimpleJWT's `Token.verify()` (`exp` and jti present), once decoded.
    claims_check: Option<Result<(), TokenError>>,
    token_type_claim: Option<String>,
    /// What the database says of the token, when it could be read.
    state: Option<StoreFacts>,
}

/// What the database says of a token: the checks after decoding that need
/// the server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFacts {
    /// Its jti is blacklisted (spent by a rotation, logged out, revoked).
    pub blacklisted: bool,
    /// It was issued before its user's tokens were revoked
    /// (`Tokens::revoked_for`).
    pub revoked: bool,
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed, the signature included.
    Valid,
    /// A check failed; the server refuses the token with this error.
    Refused(TokenError),
    /// Every other check passed, but there was no key to check the signature.
    Unchecked,
}

impl Verdict {
    /// The exit status of `jwtd token explain`: 0 valid, 1 refused, 3
    /// signature not checked (2 is a usage error).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Refused(_) => 1,
            Verdict::Unchecked => 3,
        }
    }
}

/// Explains `token` as a server configured by `settings` would see it at
/// `now`.
pub fn explain(token: &str, key: KeyChoice, settings: &Settings, now: u64) -> Explanation {
    let verifier = match &key {
        KeyChoice::Key { key, .. } => Verifier::Keys(key),
        KeyChoice::Missing(_) => Verifier::SkipSignature(settings.algorithm),
    };
    let mut checks = Vec::new();
    let decoded = jwt::decode_observed(
        token,
        verifier,
        &token::validation(settings),
        now,
        |check, outcome| checks.push((check, outcome)),
    );
    let claims_check = decoded.as_ref().ok().map(|claims| {
        token::verify_claims(
            claims,
            settings.jti_claim.as_deref(),
            settings.token_type_claim.as_deref(),
            None,
        )
    });
    Explanation {
        token: token.to_owned(),
        now,
        algorithm: match &key {
            KeyChoice::Key { key, .. } => key.algorithm(),
            KeyChoice::Missing(_) => settings.algorithm,
        },
        leeway: settings.leeway,
        key,
        checks,
        decoded,
        claims_check,
        token_type_claim: settings.token_type_claim.clone(),
        state: None,
    }
}

impl Explanation {
    /// Adds what the database says of the token.
    pub fn with_state(mut self, state: StoreFacts) -> Explanation {
        self.state = Some(state);
        self
    }

    /// The decoded claims, if the token decoded.
    pub fn claims(&self) -> Option<&Claims> {
        self.decoded.as_ref().ok()
    }

    /// The overall answer.
    pub fn verdict(&self) -> Verdict {
        match (&self.decoded, self.claims_check) {
            (Err(e), _) => Verdict::Refused(TokenError::Decode(*e)),
            (Ok(_), Some(Err(e))) => Verdict::Refused(e),
            (Ok(_), _) if self.state.is_some_and(|s| s.blacklisted) => {
                Verdict::Refused(TokenError::Blacklisted)
            }
            (Ok(_), _) if self.state.is_some_and(|s| s.revoked) => {
                Verdict::Refused(TokenError::Revoked)
            }
            (Ok(_), _) if matches!(self.key, KeyChoice::Missing(_)) => Verdict::Unchecked,
            (Ok(_), _) => Verdict::Valid,
        }
    }

    /// Check 11 for display: passed, failed with the reason, or not read.
    fn state_check(&self) -> (&'static str, Option<&'static str>) {
        match (&self.decoded, self.claims_check, self.state) {
            (Ok(_), Some(Ok(())), Some(s)) if s.blacklisted => {
                ("failed", Some(TokenError::Blacklisted.message()))
            }
            (Ok(_), Some(Ok(())), Some(s)) if s.revoked => {
                ("failed", Some(TokenError::Revoked.message()))
            }
            (Ok(_), Some(Ok(())), Some(_)) => ("passed", None),
            _ => ("not run", None),
        }
    }

    /// The outcome of `check`, `None` if it did not run.
    pub fn outcome(&self, check: Check) -> Option<Outcome> {
        self.checks
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, outcome)| *outcome)
    }

    fn segments(&self) -> Vec<&str> {
        self.token.split('.').collect()
    }

    /// `header "." payload` exactly as sent, when there are three segments.
    fn signing_input(&self) -> Option<&str> {
        let segments = self.segments();
        (segments.len() == 3).then(|| &self.token[..segments[0].len() + 1 + segments[1].len()])
    }

    /// The tag in the token, if its segment is base64url.
    fn tag_in_token(&self) -> Option<Vec<u8>> {
        let segments = self.segments();
        (segments.len() == 3)
            .then(|| jwt::base64url_decode(segments[2]))
            .flatten()
    }

    /// The tag the key the header selects gives the signing input (none
    /// when the header names no key in use).
    fn tag_recomputed(&self) -> Option<Vec<u8>> {
        match (&self.key, self.signing_input()) {
            (KeyChoice::Key { key, .. }, Some(input)) => {
                let header = self.segments().first().copied().unwrap_or_default();
                let key = key.select(header).ok()?;
                Some(key.sign(input.as_bytes()).as_bytes().to_vec())
            }
            _ => None,
        }
    }

    /// The claims for display: those decoded, else the payload read
    /// without any check.
    fn payload(&self) -> Part {
        match &self.decoded {
            Ok(claims) => Part::Json(claims.clone()),
            Err(_) => Part::read(self.segments().get(1).copied()),
        }
    }

    /// As text, for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let segments = self.segments();
        let _ = writeln!(
            out,
            "Token: {} bytes, {} segment{}",
            self.token.len(),
            segments.len(),
            if segments.len() == 1 { "" } else { "s" }
        );
        let names = ["header", "payload", "signature"];
        for (i, segment) in segments.iter().enumerate().take(8) {
            let name = if segments.len() == 3 {
                names[i]
            } else {
                "segment"
            };
            let _ = writeln!(out, "  {name:<10} {}", shorten(segment, 2048));
        }
        out.push('\n');

        let header = Part::read(segments.first().copied());
        let _ = writeln!(out, "Header (base64url-decoded)\n{}", header.to_text());
        let payload = self.payload();
        let _ = writeln!(out, "Payload (base64url-decoded)\n{}", payload.to_text());

        if let Part::Json(claims) = &payload {
            let times = times(claims, self.now);
            if !times.is_empty() {
                let _ = writeln!(
                    out,
                    "Times (now {}, {}{})",
                    utc(self.now as f64),
                    self.now,
                    if self.leeway > 0 {
                        format!(", LEEWAY {} s", self.leeway)
                    } else {
                        String::new()
                    }
                );
                for time in times {
                    let _ = writeln!(out, "  {}", time.to_text());
                }
                out.push('\n');
            }
        }

        match self.signing_input() {
            Some(input) => {
                let _ = writeln!(
                    out,
                    "Signing input (header \".\" payload, the bytes as sent)\n  {}\n",
                    shorten(input, 4096)
                );
            }
            None => out.push_str("Signing input: none, the token is not three segments\n\n"),
        }

        let _ = writeln!(
            out,
            "Signature: HMAC-{} over the signing input",
            hash_name(self.algorithm)
        );
        match &self.key {
            KeyChoice::Key { source, .. } => {
                let _ = writeln!(out, "  key        from {source}");
            }
            KeyChoice::Missing(why) => {
                let _ = writeln!(out, "  key        none: {why}");
            }
        }
        let in_token = self.tag_in_token();
        match (&in_token, segments.get(2).filter(|_| segments.len() == 3)) {
            (Some(tag), Some(segment)) => {
                let _ = writeln!(out, "  in token   {segment}\n             hex {}", hex(tag));
            }
            (None, Some(segment)) => {
                let _ = writeln!(
                    out,
                    "  in token   {} (not base64url)",
                    shorten(segment, 200)
                );
            }
            _ => out.push_str("  in token   none\n"),
        }
        match self.tag_recomputed() {
            Some(tag) => {
                let _ = writeln!(
                    out,
                    "  recomputed {}\n             hex {}",
                    jwt::base64url_encode(&tag),
                    hex(&tag)
                );
                let same = in_token.as_deref() == Some(&tag[..]);
                out.push_str(if same {
                    "  the two are identical\n"
                } else {
                    "  the two differ\n"
                });
            }
            None if matches!(self.key, KeyChoice::Missing(_)) => {
                out.push_str("  recomputed -- no key, so THE SIGNATURE WAS NOT CHECKED\n");
            }
            None => out.push_str("  recomputed -- nothing to sign\n"),
        }
        out.push('\n');

        out.push_str("Checks, as the server runs them (jwt::decode_observed)\n");
        for check in Check::ALL {
            let (mark, reason) = match self.outcome(check) {
                Some(Outcome::Passed) => ("pass", String::new()),
                Some(Outcome::Failed(e)) => ("FAIL", format!(": {e}")),
                Some(Outcome::Skipped) => ("SKIPPED", ": no key".to_owned()),
                None => ("not run", String::new()),
            };
            let _ = writeln!(
                out,
                "  {:>2}  {mark:<8} {}{reason}",
                check.number(),
                check.requirement()
            );
        }
        let (mark, reason) = match self.claims_check {
            Some(Ok(())) => ("pass", String::new()),
            Some(Err(e)) => ("FAIL", format!(": {}", e.message())),
            None => ("not run", String::new()),
        };
        let _ = writeln!(
            out,
            "  {:>2}  {mark:<8} exp and the jti are present (token::verify_claims){reason}",
            Check::ALL.len() + 1
        );
        let (outcome, reason) = self.state_check();
        let mark = match outcome {
            "passed" => "pass",
            "failed" => "FAIL",
            _ => "not run",
        };
        let _ = writeln!(
            out,
            "  {:>2}  {mark:<8} {STATE_REQUIREMENT}{}\n",
            Check::ALL.len() + 2,
            match (reason, self.state) {
                (Some(reason), _) => format!(": {reason}"),
                (None, None) => ": the database was not read".to_owned(),
                (None, Some(_)) => String::new(),
            }
        );

        let _ = writeln!(out, "{}", self.verdict_text());
        out
    }

    fn verdict_text(&self) -> String {
        let kind = self.token_type();
        match self.verdict() {
            Verdict::Valid => format!(
                "Verdict: VALID{}. POST /api/token/verify/ answers 200 {{}}{}",
                kind.map_or(String::new(), |k| format!(" {k} token")),
                if self.state.is_none() {
                    " unless the database's blacklist or revocations refuse it (not read here)"
                } else {
                    ""
                }
            ),
            Verdict::Refused(TokenError::Blacklisted) => "Verdict: REFUSED (blacklisted). \
                 POST /api/token/verify/ answers 400 {\"non_field_errors\": [\"Token is blacklisted\"]}, \
                 refresh 401 {\"detail\": \"Token is blacklisted\", \"code\": \"token_not_valid\"}"
                .to_owned(),
            Verdict::Refused(e) => format!(
                "Verdict: REFUSED ({}). The server answers 401 {{\"detail\": {:?}, \"code\": \"token_not_valid\"}}",
                match e {
                    TokenError::Decode(d) => d.to_string(),
                    other => other.to_string(),
                },
                e.message()
            ),
            Verdict::Unchecked => "Verdict: SIGNATURE NOT CHECKED. The token decodes and its \
                 claims pass, but without the key nothing shows who signed it."
                .to_owned(),
        }
    }

    /// The `token_type` claim, when it is one SimpleJWT knows.
    fn token_type(&self) -> Option<&'static str> {
        let name = self.token_type_claim.as_deref()?;
        let claims = self.decoded.as_ref().ok()?;
        match claims.get_str(name)? {
            "access" => Some("access"),
            "refresh" => Some("refresh"),
            _ => None,
        }
    }

    /// The same as [`Explanation::to_text`], as JSON.
    pub fn to_json(&self) -> Value {
        let segments = self.segments();
        let in_token = self.tag_in_token();
        let recomputed = self.tag_recomputed();
        let payload = self.payload();
        let times = match &payload {
            Part::Json(claims) => times(claims, self.now).iter().map(Time::to_json).collect(),
            _ => Vec::new(),
        };
        let mut checks: Vec<Value> = Check::ALL
            .iter()
            .map(|&check| {
                let (outcome, reason) = match self.outcome(check) {
                    Some(Outcome::Passed) => ("passed", None),
                    Some(Outcome::Failed(e)) => ("failed", Some(e.to_string())),
                    Some(Outcome::Skipped) => ("skipped", Some("no key".to_owned())),
                    None => ("not run", None),
                };
                json!({
                    "number": check.number(),
                    "requirement": check.requirement(),
                    "outcome": outcome,
                    "reason": reason,
                })
            })
            .collect();
        let (outcome, reason) = match self.claims_check {
            Some(Ok(())) => ("passed", None),
            Some(Err(e)) => ("failed", Some(e.message())),
            None => ("not run", None),
        };
        checks.push(json!({
            "number": Check::ALL.len() + 1,
            "requirement": "exp and the jti are present",
            "outcome": outcome,
            "reason": reason,
        }));
        let (outcome, reason) = self.state_check();
        checks.push(json!({
            "number": Check::ALL.len() + 2,
            "requirement": STATE_REQUIREMENT,
            "outcome": outcome,
            "reason": reason,
        }));
        let (key_source, key_missing) = match &self.key {
            KeyChoice::Key { source, .. } => (Some(source.as_str()), None),
            KeyChoice::Missing(why) => (None, Some(why.as_str())),
        };
        let verdict = self.verdict();
        json!({
            "token_bytes": self.token.len(),
            "segments": segments.iter().take(8).collect::<Vec<_>>(),
            "header": Part::read(segments.first().copied()).to_json(),
            "payload": payload.to_json(),
            "now": self.now,
            "times": times,
            "signing_input": self.signing_input(),
            "signature": {
                "algorithm": self.algorithm.name(),
                "key_source": key_source,
                "key_missing": key_missing,
                "in_token": in_token.as_ref().map(|t| json!({
                    "base64url": jwt::base64url_encode(t),
                    "hex": hex(t),
                })),
                "recomputed": recomputed.as_ref().map(|t| json!({
                    "base64url": jwt::base64url_encode(t),
                    "hex": hex(t),
                })),
                "checked": recomputed.is_some(),
                "match": recomputed.map(|t| in_token.as_deref() == Some(&t[..])),
            },
            "checks": checks,
            "verdict": match verdict {
                Verdict::Valid => "valid",
                Verdict::Refused(_) => "refused",
                Verdict::Unchecked => "signature not checked",
            },
            "token_type": self.token_type(),
            "detail": match verdict {
                Verdict::Refused(e) => Some(e.message()),
                _ => None,
            },
        })
    }
}

/// A header or payload segment, read for display.
enum Part {
    /// A JSON object.
    Json(Claims),
    /// Base64url, but not a JSON object: the bytes as text.
    NotJson(String),
    /// Not base64url, or absent.
    Unreadable,
}

impl Part {
    fn read(segment: Option<&str>) -> Part {
        let Some(bytes) = segment.and_then(jwt::base64url_decode) else {
            return Part::Unreadable;
        };
        match Claims::from_json(&bytes) {
            Some(claims) => Part::Json(claims),
            None => Part::NotJson(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    fn to_text(&self) -> String {
        match self {
            Part::Json(claims) => {
                let mut out = String::from("  {\n");
                let count = claims.iter().count();
                for (i, (name, value)) in claims.iter().enumerate() {
                    let value = serde_json::to_string_pretty(value)
                        .unwrap_or_default()
                        .replace('\n', "\n    ");
                    let comma = if i + 1 < count { "," } else { "" };
                    let _ = writeln!(out, "    {}: {value}{comma}", Value::from(name));
                }
                out.push_str("  }\n");
                out
            }
            Part::NotJson(text) => format!("  not a JSON object: {}\n", shorten(text, 512)),
            Part::Unreadable => "  not base64url\n".to_owned(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Part::Json(claims) => {
                let members: Map<String, Value> = claims
                    .iter()
                    .map(|(name, value)| (name.to_owned(), value.clone()))
                    .collect();
                Value::Object(members)
            }
            Part::NotJson(text) => Value::from(text.as_str()),
            Part::Unreadable => Value::Null,
        }
    }
}

/// One of `iat`, `nbf`, `exp`.
struct Time {
    name: &'static str,
    value: Value,
    now: u64,
}

fn times(claims: &Claims, now: u64) -> Vec<Time> {
    ["iat", "nbf", "exp"]
        .into_iter()
        .filter_map(|name| {
            claims.get(name).map(|value| Time {
                name,
                value: value.clone(),
                now,
            })
        })
        .collect()
}

impl Time {
    /// Seconds since the epoch, truncated as PyJWT does, if a number in range.
    fn seconds(&self) -> Option<f64> {
        self.value
            .as_f64()
            .map(f64::trunc)
            .filter(|s| s.abs() <= MAX_DATE)
    }

    /// "expires in 4 min 10 s", "2 h ago".
    fn relative(&self, seconds: f64) -> String {
        let delta = seconds - self.now as f64;
        let span = duration(delta.abs());
        match (self.name, delta > 0.0) {
            ("exp", true) => format!("expires in {span}"),
            ("exp", false) => format!("expired {span} ago"),
            (_, true) => format!("{span} in the future"),
            (_, false) if delta == 0.0 => "now".to_owned(),
            (_, false) => format!("{span} ago"),
        }
    }

    fn to_text(&self) -> String {
        match self.seconds() {
            Some(seconds) => format!(
                "{:<4} {:<12} {}  {}",
                self.name,
                self.value.to_string(),
                utc(seconds),
                self.relative(seconds)
            ),
            None => format!(
                "{:<4} {}  not a date",
                self.name,
                shorten(&self.value.to_string(), 200)
            ),
        }
    }

    fn to_json(&self) -> Value {
        let seconds = self.seconds();
        json!({
            "claim": self.name,
            "value": self.value,
            "utc": seconds.map(utc),
            "seconds_from_now": seconds.map(|s| s - self.now as f64),
            "relative": seconds.map(|s| self.relative(s)),
        })
    }
}

/// 9999-12-31T23:59:59Z: dates beyond are shown as numbers only.
const MAX_DATE: f64 = 253_402_300_799.0;

fn utc(seconds: f64) -> String {
    time::rfc3339((seconds as i64).saturating_mul(1_000_000), false)
}

/// "1 d 2 h", "4 min 10 s", "0 s": the two largest units.
fn duration(seconds: f64) -> String {
    let total = seconds as u64;
    let units = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = total;
    for (size, name) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{} {name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

fn hash_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "SHA256",
        Algorithm::HS384 => "SHA384",
        Algorithm::HS512 => "SHA512",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// `text`, cut to `max` characters with a note of how much was left out.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}... ({} bytes in all)", &text[..cut], text.len()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
    /// 2025-01-01T00:00:00Z, the reference vectors' clock.
    const NOW: u64 = 1_735_689_600;
    /// SimpleJWT 5.5.1's access token V1 (see `jwt::tests`).
    const V1_ACCESS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk";

    fn with_key() -> KeyChoice {
        KeyChoice::Key {
            key: Box::new(Keyring::single(
                jwt::SigningKey::new(Algorithm::HS256, KEY).unwrap(),
            )),
            source: "the test".into(),
        }
    }

    fn without_key() -> KeyChoice {
        KeyChoice::Missing("none given".into())
    }

    #[test]
    fn the_database_s_blacklist_and_revocations_are_check_11() {
        let state = |blacklisted, revoked| StoreFacts {
            blacklisted,
            revoked,
        };
        let e = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 60);
        assert!(e.to_text().contains("  11  not run  not blacklisted"));
        let e = e.with_state(state(false, false));
        assert_eq!(e.verdict(), Verdict::Valid);
        assert!(e.to_text().contains("  11  pass     not blacklisted"));
        let revoked = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 60)
            .with_state(state(false, true));
        assert_eq!(revoked.verdict(), Verdict::Refused(TokenError::Revoked));
        assert!(revoked
            .to_text()
            .contains("(the database): Token is revoked"));
        let blacklisted = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 60)
            .with_state(state(true, true));
        assert_eq!(
            blacklisted.verdict(),
            Verdict::Refused(TokenError::Blacklisted)
        );
        assert_eq!(blacklisted.to_json()["checks"][10]["outcome"], "failed");
        // A token that fails earlier is not looked up.
        let expired = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 10_000)
            .with_state(state(true, false));
        assert!(matches!(
            expired.verdict(),
            Verdict::Refused(TokenError::Decode(_))
        ));
        assert!(expired.to_text().contains("  11  not run"));
    }

    #[test]
    fn a_valid_token_is_explained_in_full() {
        let e = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 60);
        assert_eq!(e.verdict(), Verdict::Valid);
        assert_eq!(e.verdict().exit_code(), 0);
        let text = e.to_text();
        for expected in [
            "Token: 231 bytes, 3 segments",
            "  header     eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\n",
            "    \"alg\": \"HS256\",\n    \"typ\": \"JWT\"\n",
            "    \"token_type\": \"access\",\n    \"exp\": 1735689900,\n",
            "exp  1735689900   2025-01-01T00:05:00Z  expires in 4 min\n",
            "iat  1735689600   2025-01-01T00:00:00Z  1 min ago\n",
            "Signature: HMAC-SHA256 over the signing input",
            "  in token   ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk\n",
            "  recomputed ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk\n",
            "hex aee842167a4ed978d42ea2351a80ae5ef623d416c96f7d04e3691add55f00959\n",
            "  the two are identical",
            "   4  pass     signature",
            "  10  pass     exp and the jti are present",
            "Verdict: VALID access token.",
        ] {
            assert!(text.contains(expected), "{expected:?} not in\n{text}");
        }
        let signing_input = &V1_ACCESS[..V1_ACCESS.rfind('.').unwrap()];
        assert!(text.contains(&format!("\n  {signing_input}\n")));
        // Only check 11 did not run: no database was read.
        assert_eq!(text.matches("not run").count(), 1, "{text}");
        assert!(text.contains("  11  not run"), "{text}");
    }

    #[test]
    fn the_first_failed_check_decides_and_later_ones_do_not_run() {
        let e = explain(V1_ACCESS, with_key(), &Settings::default(), NOW + 300);
        assert_eq!(
            e.verdict(),
            Verdict::Refused(TokenError::Decode(DecodeError::Expired))
        );
        assert_eq!(e.verdict().exit_code(), 1);
        let text = e.to_text();
        assert!(text.contains("   6  FAIL     iat and nbf"), "{text}");
        assert!(text.contains(": expired\n"));
        assert!(text.contains("   7  not run  iss"));
        assert!(text.contains("expired 0 s ago"));
        assert!(text.contains(r#""detail": "Token is expired""#));

        let tampered = V1_ACCESS.replace(".ruhC", ".ruhD");
        let e = explain(&tampered, with_key(), &Settings::default(), NOW);
        assert_eq!(
            e.outcome(Check::Signature),
            Some(Outcome::Failed(DecodeError::BadSignature))
        );
        assert_eq!(e.outcome(Check::Payload), None);
        let text = e.to_text();
        assert!(text.contains("  the two differ"));
        // The payload is still shown, read without trusting it.
        assert!(text.contains("\"user_id\": \"1\""));
    }

    #[test]
    fn without_a_key_it_decodes_but_says_the_signature_was_not_checked() {
        let tampered = V1_ACCESS.replace(".ruhC", ".ruhD");
        for token in [V1_ACCESS, tampered.as_str()] {
            let e = explain(token, without_key(), &Settings::default(), NOW);
            assert_eq!(e.verdict(), Verdict::Unchecked);
            assert_eq!(e.verdict().exit_code(), 3);
            let text = e.to_text();
            assert!(text.contains("  key        none: none given"));
            assert!(text.contains("THE SIGNATURE WAS NOT CHECKED"));
            assert!(text.contains("   4  SKIPPED  signature"));
            assert!(text.contains("Verdict: SIGNATURE NOT CHECKED"));
        }
        // A failing claim check still refuses.
        let e = explain(V1_ACCESS, without_key(), &Settings::default(), NOW + 300);
        assert_eq!(e.verdict().exit_code(), 1);
    }

    #[test]
    fn simplejwt_claim_checks_follow_the_decoder() {
        let key = jwt::SigningKey::new(Algorithm::HS256, KEY).unwrap();
        let no_jti = jwt::encode(
            &key,
            &Claims::from_json(br#"{"token_type":"access","exp":1735689900}"#).unwrap(),
        );
        let e = explain(&no_jti, with_key(), &Settings::default(), NOW);
        assert_eq!(e.verdict(), Verdict::Refused(TokenError::NoId));
        assert!(e.to_text().contains(
            "  10  FAIL     exp and the jti are present (token::verify_claims): Token has no id"
        ));
    }

    #[test]
    fn broken_tokens_show_what_they_can() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.??.##", &"x".repeat(9000)] {
            let e = explain(token, with_key(), &Settings::default(), NOW);
            assert!(matches!(e.verdict(), Verdict::Refused(_)));
            let text = e.to_text();
            assert!(text.contains("Verdict: REFUSED"), "{text}");
            let json = e.to_json();
            assert_eq!(json["verdict"], "refused");
        }
        let e = explain("a.b", with_key(), &Settings::default(), NOW);
        assert!(e
            .to_text()
            .contains("   2  FAIL     three segments joined by dots: not three segments"));
        let huge = explain(&"x".repeat(9000), with_key(), &Settings::default(), NOW).to_text();
        assert!(huge.contains("(9000 bytes in all)"));
        assert!(huge.len() < 6000);
    }

    #[test]
    fn json_carries_the_same_facts() {
        let e = explain(V1_ACCESS, with_key(), &Settings::default(), NOW);
        let json = e.to_json();
        assert_eq!(json["verdict"], "valid");
        assert_eq!(json["token_type"], "access");
        assert_eq!(json["header"]["alg"], "HS256");
        assert_eq!(json["payload"]["user_id"], "1");
        assert_eq!(json["signature"]["match"], true);
        assert_eq!(
            json["signature"]["recomputed"]["base64url"],
            "ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk"
        );
        assert_eq!(json["checks"].as_array().unwrap().len(), 11);
        assert_eq!(json["checks"][3]["outcome"], "passed");
        assert_eq!(json["times"][1]["claim"], "exp");
        assert_eq!(json["times"][1]["seconds_from_now"], 300.0);
        assert_eq!(json["times"][1]["utc"], "2025-01-01T00:05:00Z");

        let json = explain(V1_ACCESS, without_key(), &Settings::default(), NOW).to_json();
        assert_eq!(json["verdict"], "signature not checked");
        assert_eq!(json["signature"]["checked"], false);
        assert_eq!(json["checks"][3]["outcome"], "skipped");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(59.0), "59 s");
        assert_eq!(duration(240.0), "4 min");
        assert_eq!(duration(250.0), "4 min 10 s");
        assert_eq!(duration(3_600.0 * 26.0 + 61.0), "1 d 2 h");
        assert_eq!(duration(86_400.0 + 5.0), "1 d");
    }
}
