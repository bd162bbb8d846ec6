//! JSON Web Tokens, written out by hand (RFC 7519, RFC 7515): signed with
//! HMAC, or (feature `asymmetric`) with an RSA, ECDSA or Ed25519 key.
//!
//! A token is three base64url segments joined by dots:
//!
//! ```text
//!   eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 . eyJ0b2tlbl90eXBlIjoiYWNjZXNz... . ruhCFnpO2XjU...
//!   └── header: {"alg":"HS256",       ┘   └── payload: the claims, ┘         └── signature: ┘
//!              "typ":"JWT"}                  compact JSON      HMAC or signature(key, header "." payload)
//! ```
//!
//! The signature covers the first two segments exactly as transmitted, so
//! the bytes of the header and payload matter: [`encode`] writes them the
//! way PyJWT does, which makes jwtd's tokens byte-identical to SimpleJWT's.
//! [`decode`] runs its checks in a fixed order, cheapest and most
//! fundamental first, and nothing inside the payload is trusted before the
//! signature has been verified. It returns the whole payload, for a refresh
//! (which copies every claim on) and the tools; [`decode_picked`], the same
//! checks, keeps only the claims a request needs, in a [`SegmentBuffer`] on
//! the caller's stack.
//!
//! This module knows nothing of SimpleJWT's token types; `crate::token` adds
//! those rules on top.

mod algorithm;
mod base64url;
mod claims;
mod error;
mod key;
mod keyring;
mod payload;

pub use algorithm::Algorithm;
pub use base64url::SegmentBuffer;
pub use claims::Claims;
pub use error::DecodeError;
pub use key::{Key, KeyError, SignError, Signature, MAX_SIGNATURE_LEN};
pub use keyring::{is_valid_kid, Keyring, KeyringError, MAX_KID_LEN};
use payload::Wanted;
pub use payload::{ClaimValue, Picked, Registered};

/// Tokens longer than this are refused before any work is done. SimpleJWT's
/// tokens are about 250 bytes; the limit leaves room for custom claims.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Claim checks beyond the signature, as SimpleJWT configures PyJWT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Seconds of clock skew allowed on `exp`, `iat` and `nbf`. Defaults to 0.
    pub leeway: u64,
    /// When set, `aud` must be present and name one of these. Defaults to
    /// `None`: `aud` is not checked.
    pub audience: Option<Vec<String>>,
    /// When set, `iss` must be present and equal to it. Defaults to `None`.
    pub issuer: Option<String>,
}

/// Signs `claims` with `key`: `b64(header) "." b64(payload) "." b64(signature)`,
/// with PyJWT's header and payload bytes.
pub fn encode(key: &Key, claims: &Claims) -> Result<String, SignError> {
    sign_parts(
        key,
        key.algorithm().encoded_header(),
        claims.to_json().as_bytes(),
    )
}

/// Signs `claims` with the signing key of `keys`, naming it in `kid` when
/// it has an id. A ring that only verifies signs nothing.
pub fn encode_with_keys(keys: &Keyring, claims: &Claims) -> Result<String, SignError> {
    let (key, header) = keys.signer().ok_or(SignError::VerifyOnly)?;
    sign_parts(key, header, claims.to_json().as_bytes())
}

/// Assembles a token from an already-encoded header and raw payload bytes.
/// [`encode`] uses it; tests use it to build tokens no honest issuer would.
pub fn sign_parts(key: &Key, encoded_header: &str, payload: &[u8]) -> Result<String, SignError> {
    let signature_text = key.signature_len().div_ceil(3) * 4;
    let mut token =
        String::with_capacity(encoded_header.len() + payload.len() * 4 / 3 + 8 + signature_text);
    token.push_str(encoded_header);
    token.push('.');
    base64url::encode_into(payload, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    base64url::encode_into(signature.as_bytes(), &mut token);
    Ok(token)
}

/// The base64url encoding of `bytes`, for building headers in tests and tools.
pub fn base64url_encode(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Strict base64url decoding of one segment, for reading a payload in tests
/// and tools (it verifies nothing).
pub fn base64url_decode(segment: &str) -> Option<Vec<u8>> {
    base64url::decode(segment)
}

/// Verifies `token` and returns its claims. The checks run in this order,
/// each one before anything that depends on it:
///
/// 1. length at most [`MAX_TOKEN_LEN`];
/// 2. exactly three segments;
/// 3. the header: canonical base64url of a JSON object whose `alg` is the
///    key's algorithm, no `crit` or `b64` (PyJWT supports neither), no
///    `jwk`, `jku`, `x5u` or `x5c` (a token never brings or names its own
///    key) and no non-string `kid`; SimpleJWT's own header is recognised by its bytes
///    and not parsed at all. With a [`Keyring`] of keys with ids
///    ([`decode_with_keys`]), a `kid` must name one of them
///    ([`Keyring::select`]);
/// 4. the signature, compared in constant time;
/// 5. the payload: canonical base64url of a JSON object without duplicate
///    member names;
/// 6. the times, each a JSON number truncated to whole seconds within
///    Python's `datetime` range (years 1 to 9999), with `leeway` L:
///    `iat <= now + L`, `nbf <= now + L`, then `exp > now - L`;
/// 7. `iss`, when an issuer is configured;
/// 8. `aud`, when an audience is configured: a string or a list of strings
///    naming one of the accepted audiences;
/// 9. `sub` and `jti`, if present, are strings.
///
/// `exp` is not required here; SimpleJWT requires it one level up.
pub fn decode(
    token: &str,
    key: &Key,
    validation: &Validation,
    now: u64,
) -> Result<Claims, DecodeError> {
    decode_whole(token, Verifier::Key(key), validation, now, &mut |_, _| {})
}

/// [`decode`] with the key chosen from `keys` by the header's `kid`.
pub fn decode_with_keys(
    token: &str,
    keys: &Keyring,
    validation: &Validation,
    now: u64,
) -> Result<Claims, DecodeError> {
    decode_whole(token, Verifier::Keys(keys), validation, now, &mut |_, _| {})
}

/// The numbered checks of [`decode`], in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// 1. At most [`MAX_TOKEN_LEN`] bytes.
    Length = 1,
    /// 2. Exactly three segments.
    Segments,
    /// 3. The header, and its `alg`.
    Header,
    /// 4. The signature.
    Signature,
    /// 5. The payload is a JSON object.
    Payload,
    /// 6. `iat`, `nbf`, `exp`.
    Times,
    /// 7. `iss`.
    Issuer,
    /// 8. `aud`.
    Audience,
    /// 9. `sub` and `jti` are strings.
    ClaimTypes,
}

impl Check {
    /// Every check, in the order [`decode`] runs them.
    pub const ALL: [Check; 9] = [
        Check::Length,
        Check::Segments,
        Check::Header,
        Check::Signature,
        Check::Payload,
        Check::Times,
        Check::Issuer,
        Check::Audience,
        Check::ClaimTypes,
    ];

    /// Its number in [`decode`]'s documentation.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// What it requires, in a few words.
    pub fn requirement(self) -> &'static str {
        match self {
            Check::Length => "at most 8 KiB long",
            Check::Segments => "three segments joined by dots",
            Check::Header => {
                "header: base64url JSON, alg is the configured algorithm, no crit, b64, jwk, jku, x5u or x5c, kid names a key in use"
            }
            Check::Signature => {
                "signature: of header.payload, by the key the header names (an HMAC tag compared in constant time)"
            }
            Check::Payload => "payload: base64url JSON object, no duplicate member names",
            Check::Times => "iat and nbf not in the future, exp not passed (LEEWAY allowed)",
            Check::Issuer => "iss equals ISSUER, when one is configured",
            Check::Audience => "aud names AUDIENCE, when one is configured",
            Check::ClaimTypes => "sub and jti, if present, are strings",
        }
    }
}

/// How [`decode_observed`] runs check 4.
#[derive(Debug, Clone, Copy)]
pub enum Verifier<'k> {
    /// Verify the signature with this key (a `kid` is ignored, as PyJWT
    /// ignores it).
    Key(&'k Key),
    /// Verify it with the key of this ring the header names, as the server
    /// does.
    Keys(&'k Keyring),
    /// Do not verify it: for `jwtd token explain` without a key, which
    /// reports the token as unchecked. Check 3 still expects this algorithm.
    SkipSignature(Algorithm),
}

/// What one check of [`decode_observed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The token meets it.
    Passed,
    /// The token fails it; no later check runs.
    Failed(DecodeError),
    /// Not run: the signature, under [`Verifier::SkipSignature`].
    Skipped,
}

/// [`decode`], telling `observe` the outcome of each check as it runs: the
/// one implementation behind both the server and `jwtd token explain`.
/// Checks after the first failure do not run and are not reported.
pub fn decode_observed(
    token: &str,
    verifier: Verifier<'_>,
    validation: &Validation,
    now: u64,
    mut observe: impl FnMut(Check, Outcome),
) -> Result<Claims, DecodeError> {
    decode_whole(token, verifier, validation, now, &mut observe)
}

/// [`decode_observed`], for every observer.
fn decode_whole(
    token: &str,
    verifier: Verifier<'_>,
    validation: &Validation,
    now: u64,
    observe: &mut dyn FnMut(Check, Outcome),
) -> Result<Claims, DecodeError> {
    let mut buffer = SegmentBuffer::new();
    let mut claims = Claims::new();
    let read = Read::Whole(&mut claims);
    checked(token, verifier, validation, now, read, &mut buffer, observe)?;
    Ok(claims)
}

/// [`decode`], reading only the registered claims and the claims `names`
/// (a `None` name reads nothing) out of the payload, which `buffer` holds:
/// what a request needs of a token, without building the whole payload.
/// The checks, their order and their errors are [`decode`]'s.
pub fn decode_picked<'p, const N: usize>(
    token: &str,
    verifier: Verifier<'_>,
    validation: &Validation,
    now: u64,
    names: [Option<&str>; N],
    buffer: &'p mut SegmentBuffer,
) -> Result<Picked<'p, N>, DecodeError> {
    let mut out = Picked::empty();
    let mut wanted = Wanted::picking(&names, &mut out);
    let read = Read::Picked(&mut wanted);
    checked(
        token,
        verifier,
        validation,
        now,
        read,
        buffer,
        &mut |_, _| {},
    )?;
    Ok(out)
}

/// How [`checked`] reads the payload at check 5.
enum Read<'a, 'b, 'p> {
    /// With [`payload::read`]: the registered claims and those wanted.
    Picked(&'a mut Wanted<'b, 'p>),
    /// Whole, into these claims.
    Whole(&'a mut Claims),
}

/// Every numbered check, each reported to `observe`, the payload decoded
/// into `buffer` and read as `read` says. Not inlined: one copy serves the
/// server and the tools.
#[inline(never)]
fn checked<'p>(
    token: &str,
    verifier: Verifier<'_>,
    validation: &Validation,
    now: u64,
    read: Read<'_, '_, 'p>,
    buffer: &'p mut SegmentBuffer,
    observe: &mut dyn FnMut(Check, Outcome),
) -> Result<(), DecodeError> {
    let mut observer = Observer(observe);
    let payload = check_signed(token, verifier, &mut observer)?;
    // 5.
    let audiences = audiences(validation);
    let decoded = buffer.decode(payload);
    match read {
        Read::Picked(wanted) => {
            let read = decoded
                .and_then(|(json, room)| payload::read(json, room, audiences, wanted))
                .ok_or(DecodeError::MalformedPayload);
            observer.step(Check::Payload, read)?;
            check_registered(wanted.registered, validation, now, &mut observer)
        }
        Read::Whole(claims) => {
            let whole = decoded
                .and_then(|(json, room)| Claims::read(json, room))
                .ok_or(DecodeError::MalformedPayload);
            *claims = observer.step(Check::Payload, whole)?;
            let registered = Registered::of(claims, audiences);
            check_registered(&registered, validation, now, &mut observer)
        }
    }
}

/// The audiences check 8 accepts; none when it does not run.
fn audiences(validation: &Validation) -> &[String] {
    validation.audience.as_deref().unwrap_or_default()
}

/// Checks 1 to 4; returns the payload segment, which only the signature
/// vouches for.
fn check_signed<'t>(
    token: &'t str,
    verifier: Verifier<'_>,
    observer: &mut Observer<'_>,
) -> Result<&'t str, DecodeError> {
    // 1.
    let length_ok = if token.len() > MAX_TOKEN_LEN {
        Err(DecodeError::TooLong)
    } else {
        Ok(())
    };
    observer.step(Check::Length, length_ok)?;
    // 2.
    let parts = token
        .split_once('.')
        .and_then(|(header, rest)| {
            let (payload, signature) = rest.split_once('.')?;
            (!signature.contains('.')).then_some((header, payload, signature))
        })
        .ok_or(DecodeError::NotThreeSegments);
    let (header, payload, signature) = observer.step(Check::Segments, parts)?;
    // 3.
    let plain_header_ok = |algorithm: Algorithm| {
        if header == algorithm.encoded_header() {
            Ok(())
        } else {
            check_header(header, algorithm, &mut SegmentBuffer::new()).map(drop)
        }
    };
    let key = match verifier {
        Verifier::Key(key) => plain_header_ok(key.algorithm()).map(|()| Some(key)),
        Verifier::Keys(keys) => keys.select(header).map(Some),
        Verifier::SkipSignature(algorithm) => plain_header_ok(algorithm).map(|()| None),
    };
    let key = observer.step(Check::Header, key)?;
    // 4.
    match key {
        Some(key) => {
            let mut bytes = [0u8; MAX_SIGNATURE_LEN];
            let signed = &token[..header.len() + 1 + payload.len()];
            // The key decides the length: an ES256 signature in DER form,
            // or an RSA signature for another modulus, is malformed here.
            let signature_ok = match bytes.get_mut(..key.signature_len()) {
                Some(bytes) => match base64url::decode_exact(signature, bytes) {
                    None => Err(DecodeError::MalformedSignature),
                    Some(()) if !key.verify(signed.as_bytes(), bytes) => {
                        Err(DecodeError::BadSignature)
                    }
                    Some(()) => Ok(()),
                },
                None => Err(DecodeError::MalformedSignature),
            };
            observer.step(Check::Signature, signature_ok)?;
        }
        None => (observer.0)(Check::Signature, Outcome::Skipped),
    }
    Ok(payload)
}

/// Checks 6 to 9, on the registered claims of a payload that passed check 5.
fn check_registered(
    claims: &Registered<'_>,
    validation: &Validation,
    now: u64,
    observer: &mut Observer<'_>,
) -> Result<(), DecodeError> {
    // 6.
    observer.step(Check::Times, check_times(claims, validation.leeway, now))?;
    // 7.
    let issuer_ok = match &validation.issuer {
        Some(issuer) if claims.iss().and_then(ClaimValue::as_str) != Some(issuer) => {
            Err(DecodeError::WrongIssuer)
        }
        _ => Ok(()),
    };
    observer.step(Check::Issuer, issuer_ok)?;
    // 8.
    let audience_ok = match &validation.audience {
        Some(accepted) => check_audience(claims.aud(), accepted),
        None => Ok(()),
    };
    observer.step(Check::Audience, audience_ok)?;
    // 9.
    let not_a_string = |v: Option<&ClaimValue>| v.is_some_and(|v| !v.is_string());
    let types_ok = if not_a_string(claims.sub()) || not_a_string(claims.jti()) {
        Err(DecodeError::MalformedClaim)
    } else {
        Ok(())
    };
    observer.step(Check::ClaimTypes, types_ok)?;
    Ok(())
}

/// Reports each check's outcome on its way through.
struct Observer<'o>(&'o mut dyn FnMut(Check, Outcome));

impl Observer<'_> {
    fn step<T>(&mut self, check: Check, result: Result<T, DecodeError>) -> Result<T, DecodeError> {
        let outcome = match &result {
            Ok(_) => Outcome::Passed,
            Err(e) => Outcome::Failed(*e),
        };
        (self.0)(check, outcome);
        result
    }
}

/// Check 6: `iat` and `nbf` first, then `exp`, as PyJWT orders them.
fn check_times(claims: &Registered<'_>, leeway: u64, now: u64) -> Result<(), DecodeError> {
    let now = now as f64;
    let leeway = leeway as f64;
    if let Some(iat) = numeric_date(claims.iat())? {
        if iat > now + leeway {
            return Err(DecodeError::NotYetValid);
        }
    }
    if let Some(nbf) = numeric_date(claims.nbf())? {
        if nbf > now + leeway {
            return Err(DecodeError::NotYetValid);
        }
    }
    if let Some(exp) = numeric_date(claims.exp())? {
        if exp <= now - leeway {
            return Err(DecodeError::Expired);
        }
    }
    Ok(())
}

/// Check 3 for a header other than SimpleJWT's own bytes, decoded into
/// `buffer`; returns its `kid`.
fn check_header<'b>(
    header: &str,
    algorithm: Algorithm,
    buffer: &'b mut SegmentBuffer,
) -> Result<Option<&'b str>, DecodeError> {
    // A key or a key's address carried by the token itself (jwk, jku,
    // x5u, x5c) would let the token choose what verifies it: refused,
    // never fetched or used.
    let names = [
        Some("alg"),
        Some("kid"),
        Some("crit"),
        Some("b64"),
        Some("jwk"),
        Some("jku"),
        Some("x5u"),
        Some("x5c"),
    ];
    let mut fields = [None, None, None, None, None, None, None, None];
    let mut wanted = Wanted {
        names: &names,
        registered: &mut Registered::default(),
        picked: &mut fields,
        whole: None,
    };
    buffer
        .decode(header)
        .and_then(|(json, room)| payload::read(json, room, &[], &mut wanted))
        .ok_or(DecodeError::MalformedHeader)?;
    let [alg, kid, rest @ ..] = fields;
    if alg.as_ref().and_then(ClaimValue::as_str) != Some(algorithm.name()) {
        return Err(DecodeError::WrongAlgorithm);
    }
    let kid = match kid {
        None => None,
        Some(ClaimValue::String(kid)) => Some(kid),
        Some(_) => return Err(DecodeError::UnsupportedHeader),
    };
    if rest.iter().any(Option::is_some) {
        return Err(DecodeError::UnsupportedHeader);
    }
    Ok(kid)
}

/// The earliest and latest whole seconds a Python `datetime` can hold:
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. SimpleJWT turns `exp`
/// into a `datetime` (and crashes beyond these); a time outside them can
/// never be a real token's, and one far in the future would never expire.
pub const NUMERIC_DATE_RANGE: std::ops::RangeInclusive<f64> = -62_135_596_800.0..=253_402_300_799.0;

/// A NumericDate claim truncated to whole seconds as PyJWT's `int()` does,
/// or `None` if absent. Strings, booleans and the like are refused, and so
/// are times outside [`NUMERIC_DATE_RANGE`].
fn numeric_date(value: Option<&ClaimValue<'_>>) -> Result<Option<f64>, DecodeError> {
    match value {
        None => Ok(None),
        Some(ClaimValue::Number(n)) => n
            .as_f64()
            .map(f64::trunc)
            .filter(|seconds| NUMERIC_DATE_RANGE.contains(seconds))
            .map(Some)
            .ok_or(DecodeError::MalformedTime),
        Some(_) => Err(DecodeError::MalformedTime),
    }
}

/// Check 8, as PyJWT does it: `aud` is a string or a list of strings, and at
/// least one accepted audience is in it. (An array's verdict was reached as
/// it was read, against the same audiences.)
fn check_audience(aud: Option<&ClaimValue<'_>>, accepted: &[String]) -> Result<(), DecodeError> {
    match aud {
        Some(ClaimValue::String(s)) if accepted.iter().any(|a| a == s) => Ok(()),
        Some(ClaimValue::Array {
            all_strings: true,
            any_accepted: true,
        }) => Ok(()),
        _ => Err(DecodeError::WrongAudience),
    }
}

#[cfg(test)]
mod tests;
