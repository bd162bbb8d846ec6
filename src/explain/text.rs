//! An explanation as text, for a terminal: the segments, the decoded
//! header and payload, the dates, the signing input, both tags, then every
//! numbered check and the verdict. Long values are shortened with a note of
//! their length, so that a huge token cannot flood the screen.

use std::fmt::Write as _;

use serde_json::Value;

use super::analysis::{times, Explanation, KeyChoice, Part, Time, Verdict, STATE_REQUIREMENT};
use super::format::{hex, utc};
use crate::jwt::{self, Check, Claims, Outcome};
use crate::token::TokenError;

impl Explanation {
    /// As text, for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_segments(&mut out);
        let header = Part::read(self.segments().first().copied());
        let _ = writeln!(out, "Header (base64url-decoded)\n{}", header.to_text());
        let payload = self.payload();
        let _ = writeln!(out, "Payload (base64url-decoded)\n{}", payload.to_text());
        if let Part::Json(claims) = &payload {
            self.write_times(&mut out, claims);
        }
        self.write_signing_input(&mut out);
        self.write_signature(&mut out);
        self.write_checks(&mut out);
        let _ = writeln!(out, "{}", self.verdict_text());
        out
    }

    /// The size, then each segment by name (at most eight).
    fn write_segments(&self, out: &mut String) {
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
    }

    /// `iat`, `nbf` and `exp` as dates beside now, when there are any.
    fn write_times(&self, out: &mut String, claims: &Claims) {
        let times = times(claims, self.now);
        if times.is_empty() {
            return;
        }
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

    fn write_signing_input(&self, out: &mut String) {
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
    }

    /// The key, the tag in the token and the tag recomputed with the key.
    fn write_signature(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "Signature: {} over the signing input",
            self.algorithm.signature_text()
        );
        match &self.key {
            KeyChoice::Key { source, .. } => {
                let _ = writeln!(out, "  key        from {source}");
            }
            KeyChoice::Missing(why) => {
                let _ = writeln!(out, "  key        none: {why}");
            }
        }
        let segments = self.segments();
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
        #[cfg(feature = "asymmetric")]
        if let Some((r, s)) = self.ecdsa_r_s() {
            let _ = writeln!(
                out,
                "  r          hex {}\n  s          hex {}",
                hex(&r),
                hex(&s)
            );
        }
        if let Some((kid, key)) = self.selected_key() {
            let _ = writeln!(
                out,
                "  checked with {}{}",
                key.describe(),
                kid.map(|k| format!(", kid {k}")).unwrap_or_default()
            );
        }
        if !self.algorithm.is_hmac() {
            if matches!(self.key, KeyChoice::Missing(_)) {
                out.push_str("  no key, so THE SIGNATURE WAS NOT CHECKED\n");
            } else {
                out.push_str(
                    "  a public-key signature is verified with the public key, not recomputed: check 4 below\n",
                );
            }
            out.push('\n');
            return;
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
    }

    /// One line per numbered check: the decoder's, SimpleJWT's claim
    /// check, the database's.
    fn write_checks(&self, out: &mut String) {
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
}

impl Part {
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
}

impl Time {
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
}

/// `text`, cut to `max` characters with a note of how much was left out.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}... ({} bytes in all)", &text[..cut], text.len()),
    }
}
