//! The analysis behind `token explain`: the server's own decoder run on the
//! token with every check observed, SimpleJWT's claim check, what the
//! database says, and the facts both renderings show (segments, decoded
//! parts, dates, the tag in the token and the one recomputed).

use serde_json::Value;

use crate::config::Settings;
use crate::jwt::{self, Algorithm, Check, Claims, DecodeError, Keyring, Outcome, Verifier};
use crate::token::{self, TokenError};

/// What check 11 requires.
pub(super) const STATE_REQUIREMENT: &str =
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
    pub(super) token: String,
    pub(super) now: u64,
    pub(super) algorithm: Algorithm,
    pub(super) leeway: u64,
    pub(super) key: KeyChoice,
    /// Every check [`jwt::decode_observed`] ran, in order.
    checks: Vec<(Check, Outcome)>,
    /// Its result.
    decoded: Result<Claims, DecodeError>,
    /// SimpleJWT's `Token.verify()` (`exp` and jti present), once decoded.
    pub(super) claims_check: Option<Result<(), TokenError>>,
    token_type_claim: Option<String>,
    /// What the database says of the token, when it could be read.
    pub(super) state: Option<StoreFacts>,
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
            KeyChoice::Key { key, .. } => key.algorithm().unwrap_or(settings.algorithm),
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
    pub(super) fn state_check(&self) -> (&'static str, Option<&'static str>) {
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

    /// The token cut at its dots.
    pub(super) fn segments(&self) -> Vec<&str> {
        self.token.split('.').collect()
    }

    /// `header "." payload` exactly as sent, when there are three segments.
    pub(super) fn signing_input(&self) -> Option<&str> {
        let segments = self.segments();
        (segments.len() == 3).then(|| &self.token[..segments[0].len() + 1 + segments[1].len()])
    }

    /// The tag in the token, if its segment is base64url.
    pub(super) fn tag_in_token(&self) -> Option<Vec<u8>> {
        let segments = self.segments();
        (segments.len() == 3)
            .then(|| jwt::base64url_decode(segments[2]))
            .flatten()
    }

    /// The HMAC tag the key the header selects gives the signing input
    /// (none when the header names no key in use, or for a public-key
    /// algorithm, whose signatures are checked, not recomputed).
    pub(super) fn tag_recomputed(&self) -> Option<Vec<u8>> {
        let key = self.selected_key()?.1;
        if !key.algorithm().is_hmac() {
            return None;
        }
        let input = self.signing_input()?;
        Some(key.sign(input.as_bytes()).ok()?.as_bytes().to_vec())
    }

    /// ECDSA's r and s, the two halves of the signature in the token,
    /// for an ES algorithm and a signature of the right length.
    #[cfg(feature = "asymmetric")]
    pub(super) fn ecdsa_r_s(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        let half = match self.algorithm {
            Algorithm::ES256 => 32,
            Algorithm::ES384 => 48,
            Algorithm::ES512 => 66,
            _ => return None,
        };
        let signature = self.tag_in_token().filter(|s| s.len() == 2 * half)?;
        let (r, s) = signature.split_at(half);
        Some((r.to_vec(), s.to_vec()))
    }

    /// The key the header selects, with its id: the key check 4 verifies
    /// with.
    pub(super) fn selected_key(&self) -> Option<(Option<&str>, &jwt::Key)> {
        let KeyChoice::Key { key: ring, .. } = &self.key else {
            return None;
        };
        let header = self.segments().first().copied().unwrap_or_default();
        let key = ring.select(header).ok()?;
        let kid = ring
            .keys()
            .find(|(_, k)| std::ptr::eq(*k, key))
            .and_then(|(kid, _)| kid);
        Some((kid, key))
    }

    /// The claims for display: those decoded, else the payload read
    /// without any check.
    pub(super) fn payload(&self) -> Part {
        match &self.decoded {
            Ok(claims) => Part::Json(claims.clone()),
            Err(_) => Part::read(self.segments().get(1).copied()),
        }
    }

    /// The `token_type` claim, when it is one SimpleJWT knows.
    pub(super) fn token_type(&self) -> Option<&'static str> {
        let name = self.token_type_claim.as_deref()?;
        let claims = self.decoded.as_ref().ok()?;
        match claims.get_str(name)? {
            "access" => Some("access"),
            "refresh" => Some("refresh"),
            "sliding" => Some("sliding"),
            _ => None,
        }
    }
}

/// A header or payload segment, read for display.
pub(super) enum Part {
    /// A JSON object.
    Json(Claims),
    /// Base64url, but not a JSON object: the bytes as text.
    NotJson(String),
    /// Not base64url, or absent.
    Unreadable,
}

impl Part {
    /// Reads `segment` leniently: as much of it as can be shown.
    pub(super) fn read(segment: Option<&str>) -> Part {
        let Some(bytes) = segment.and_then(jwt::base64url_decode) else {
            return Part::Unreadable;
        };
        match Claims::from_json(&bytes) {
            Some(claims) => Part::Json(claims),
            None => Part::NotJson(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }
}

/// One of `iat`, `nbf`, `exp`, and a sliding token's `refresh_exp`.
pub(super) struct Time {
    /// The claim.
    pub(super) name: &'static str,
    /// Its value as sent.
    pub(super) value: Value,
    /// The explanation's now.
    pub(super) now: u64,
}

/// The date claims of `claims`, in the order `iat`, `nbf`, `exp`,
/// `refresh_exp` (SimpleJWT's default name of a sliding token's refresh
/// limit).
pub(super) fn times(claims: &Claims, now: u64) -> Vec<Time> {
    ["iat", "nbf", "exp", "refresh_exp"]
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
    pub(super) fn seconds(&self) -> Option<f64> {
        self.value
            .as_f64()
            .map(f64::trunc)
            .filter(|s| s.abs() <= MAX_DATE)
    }
}

/// 9999-12-31T23:59:59Z: dates beyond are shown as numbers only.
const MAX_DATE: f64 = 253_402_300_799.0;
