//! An explanation as one JSON object (`token explain --json`): the same
//! facts as the text, with outcomes as words (`passed`, `failed`,
//! `skipped`, `not run`) and values unshortened.

use serde_json::{json, Map, Value};

use super::analysis::{times, Explanation, KeyChoice, Part, Time, Verdict, STATE_REQUIREMENT};
use super::format::{hex, utc};
use crate::jwt::{self, Check, Outcome};

impl Explanation {
    /// The same as [`Explanation::to_text`], as JSON.
    pub fn to_json(&self) -> Value {
        let segments = self.segments();
        let payload = self.payload();
        let times = match &payload {
            Part::Json(claims) => times(claims, self.now).iter().map(Time::to_json).collect(),
            _ => Vec::new(),
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
            "signature": self.signature_json(),
            "checks": self.checks_json(),
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

    /// The key, the tag in the token and the tag recomputed with the key.
    fn signature_json(&self) -> Value {
        let in_token = self.tag_in_token();
        let recomputed = self.tag_recomputed();
        let (key_source, key_missing) = match &self.key {
            KeyChoice::Key { source, .. } => (Some(source.as_str()), None),
            KeyChoice::Missing(why) => (None, Some(why.as_str())),
        };
        #[cfg_attr(not(feature = "asymmetric"), allow(unused_mut))]
        let mut signature = json!({
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
            "key": self.selected_key().map(|(kid, key)| json!({
                "kid": kid,
                "kind": key.describe(),
            })),
            "checked": recomputed.is_some() || (!self.algorithm.is_hmac() && matches!(self.key, KeyChoice::Key { .. })),
            "match": recomputed.map(|t| in_token.as_deref() == Some(&t[..])),
        });
        // ECDSA's r and s, as the text shows them (not in an HMAC-only build).
        #[cfg(feature = "asymmetric")]
        if let Some((r, s)) = self.ecdsa_r_s() {
            signature["ecdsa"] = json!({"r": hex(&r), "s": hex(&s)});
        }
        signature
    }

    /// Every numbered check: the decoder's, SimpleJWT's claim check, the
    /// database's.
    fn checks_json(&self) -> Vec<Value> {
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
        checks
    }
}

impl Part {
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

impl Time {
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
