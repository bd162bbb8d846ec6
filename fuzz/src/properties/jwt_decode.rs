//! The `jwt_decode` target's property: `jwt::decode` agrees with a
//! restatement of its documented checks, and what it accepts re-encodes.

use std::sync::OnceLock;

use jwtd::jwt::{
    base64url_encode, decode, decode_picked, encode, sign_parts, Algorithm, ClaimValue, Claims,
    DecodeError, Key, Registered, SegmentBuffer, Validation, Verifier, MAX_TOKEN_LEN,
};

use super::{KEY, NOW};

/// The audience and issuer of reference vector V3.
const AUDIENCE: &str = "my-aud";
const ISSUER: &str = "https://issuer.example";

struct Jwt {
    /// One key per algorithm, all with [`KEY`] as the secret.
    keys: [Key; 3],
    /// No claim checks; then V3's audience and issuer with 30 s of leeway.
    validations: [Validation; 2],
}

fn jwt() -> &'static Jwt {
    static JWT: OnceLock<Jwt> = OnceLock::new();
    JWT.get_or_init(|| {
        let key = |alg| Key::new(alg, KEY).expect("KEY is not empty");
        Jwt {
            keys: [
                key(Algorithm::HS256),
                key(Algorithm::HS384),
                key(Algorithm::HS512),
            ],
            validations: [
                Validation::default(),
                Validation {
                    leeway: 30,
                    audience: Some(vec![AUDIENCE.to_owned(), "other-aud".to_owned()]),
                    issuer: Some(ISSUER.to_owned()),
                },
            ],
        }
    })
}

/// Token decoding. The input is tried three ways, under every key and
/// validation:
///
/// 1. as a token string, as a client would send it;
/// 2. as payload bytes, signed under each key's own (SimpleJWT) header;
/// 3. when it has a newline, as `header JSON \n payload bytes`, signed.
///
/// Each time, `decode` must agree exactly with [`jwt_oracle`], a restatement
/// of the documented checks that computes the signature itself: it accepts
/// nothing without the one canonical spelling of the right HMAC, and refuses
/// nothing the documented checks allow. What it accepts must re-encode (see
/// [`check_accepted`]). Finally, any JSON object the payload parser takes
/// must reach its canonical form in one step.
pub fn jwt_decode(data: &[u8]) {
    let jwt = jwt();
    // (token, the keys to try): a token this function signed is only tried
    // with the key that signed it; under the others it is one more badly
    // signed token, and the input as a token string covers those.
    let mut tokens: Vec<(String, &[Key])> = Vec::new();
    if let Ok(text) = std::str::from_utf8(data) {
        tokens.push((text.to_owned(), &jwt.keys));
    }
    for key in &jwt.keys {
        let token =
            sign_parts(key, key.algorithm().encoded_header(), data).expect("HMAC keys sign");
        tokens.push((token, std::slice::from_ref(key)));
    }
    if let Some(newline) = data.iter().position(|&b| b == b'\n') {
        let (header, payload) = (&data[..newline], &data[newline + 1..]);
        for key in &jwt.keys {
            let token =
                sign_parts(key, &base64url_encode(header), payload).expect("HMAC keys sign");
            tokens.push((token, std::slice::from_ref(key)));
        }
    }
    for (token, keys) in &tokens {
        for key in *keys {
            for validation in &jwt.validations {
                let got = decode(token, key, validation, NOW);
                check_picked(token, key, validation, &got);
                let want = jwt_oracle(token, key, validation);
                assert_eq!(
                    got.as_ref().ok(),
                    want.as_ref(),
                    "decode disagrees with the documented checks ({} {validation:?}, \
                     decode said {got:?}) on {token:?}",
                    key.algorithm()
                );
                if let Ok(claims) = got {
                    check_accepted(token, key, validation, &claims);
                }
            }
        }
    }
    if let Some(claims) = Claims::from_json(data) {
        check_canonical_form(&claims);
    }
}

/// `jwt::decode_picked`, a request's reading of a token, agrees with
/// `jwt::decode`, which reads the payload whole: the same verdict, and for a
/// valid token the same registered claims and the same values of the claims
/// it picks.
fn check_picked(
    token: &str,
    key: &Key,
    validation: &Validation,
    whole: &Result<Claims, DecodeError>,
) {
    let names = [Some("user_id"), Some("token_type"), Some("jti"), Some("a")];
    let mut buffer = SegmentBuffer::new();
    let picked = decode_picked(
        token,
        Verifier::Key(key),
        validation,
        NOW,
        names,
        &mut buffer,
    );
    match (whole, &picked) {
        (Ok(claims), Ok(picked)) => {
            let audiences = validation.audience.as_deref().unwrap_or_default();
            assert_eq!(
                picked.registered,
                Registered::of(claims, audiences),
                "{token:?}"
            );
            for (name, kept) in names.iter().zip(&picked.picked) {
                let whole = name
                    .and_then(|n| claims.get(n))
                    .map(|v| ClaimValue::of(v, audiences));
                assert_eq!(*kept, whole, "{name:?} of {token:?}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{token:?}"),
        _ => panic!("decode said {whole:?}, decode_picked {picked:?}: {token:?}"),
    }
}

/// What `jwt::decode` must return, restated from its documentation (checks
/// 1-9) without its code: `Some(claims)` exactly when the token is valid.
/// The signature check compares against the base64url of the HMAC this
/// function computes, so only that one spelling of the tag passes.
fn jwt_oracle(token: &str, key: &Key, validation: &Validation) -> Option<Claims> {
    // 1 and 2: bounded length, three segments.
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return None;
    };
    // 3: SimpleJWT's header bytes, or a JSON object naming the key's
    // algorithm with no `crit`, no `b64` and no non-string `kid`.
    let alg = key.algorithm();
    if header != alg.encoded_header() {
        let fields = Claims::from_json(&strict_base64url(header)?)?;
        if fields.get_str("alg") != Some(alg.name())
            || fields.contains("crit")
            || ["b64", "jwk", "jku", "x5u", "x5c"]
                .iter()
                .any(|name| fields.contains(name))
            || fields.get("kid").is_some_and(|kid| !kid.is_string())
        {
            return None;
        }
    }
    // 4: the signature is the HMAC of the first two segments as sent, in
    // its one canonical spelling (its length is checked first only to spare
    // computing the HMAC).
    let signed = &token[..header.len() + 1 + payload.len()];
    if signature.len() != (alg.hmac_tag_len()? * 4).div_ceil(3)
        || signature != base64url_encode(key.sign(signed.as_bytes()).ok()?.as_bytes())
    {
        return None;
    }
    // 5: the payload is a JSON object without duplicate names.
    let claims = Claims::from_json(&strict_base64url(payload)?)?;
    // 6: NumericDates are JSON numbers, truncated to whole seconds, from
    // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (Python's datetime).
    let now = NOW as f64;
    let leeway = validation.leeway as f64;
    let time = |name: &str| match claims.get(name) {
        None => Some(None),
        Some(value) => value
            .as_number()?
            .as_f64()
            .map(f64::trunc)
            .filter(|t| (-62_135_596_800.0..=253_402_300_799.0).contains(t))
            .map(Some),
    };
    let (iat, nbf, exp) = (time("iat")?, time("nbf")?, time("exp")?);
    if iat.is_some_and(|t| t > now + leeway) || nbf.is_some_and(|t| t > now + leeway) {
        return None;
    }
    if exp.is_some_and(|t| t <= now - leeway) {
        return None;
    }
    // 7: the issuer, when one is configured.
    if let Some(issuer) = &validation.issuer {
        if claims.get_str("iss") != Some(issuer.as_str()) {
            return None;
        }
    }
    // 8: the audience: a string, or a list of strings, naming one accepted.
    if let Some(accepted) = &validation.audience {
        let named = |s: &str| accepted.iter().any(|a| a == s);
        let ok = match claims.get("aud") {
            Some(aud) if aud.is_string() => aud.as_str().is_some_and(named),
            Some(aud) => aud.as_array().is_some_and(|items| {
                items.iter().all(|i| i.is_string())
                    && items.iter().any(|i| i.as_str().is_some_and(named))
            }),
            None => false,
        };
        if !ok {
            return None;
        }
    }
    // 9: `sub` and `jti`, when present, are strings.
    if ["sub", "jti"]
        .iter()
        .any(|name| claims.get(name).is_some_and(|v| !v.is_string()))
    {
        return None;
    }
    Some(claims)
}

/// The re-encoding properties of an accepted token:
///
/// - `decode(encode(claims))` gives the same claims back, always;
/// - `encode(claims)` is the token itself, byte for byte, when the token has
///   SimpleJWT's header and its payload bytes are already canonical (what
///   `Claims::to_json` writes): the claims lose and gain nothing;
/// - the same token spelled differently (padding, a NUL, a space, a fourth
///   segment) is refused: tokens are not malleable.
fn check_accepted(token: &str, key: &Key, validation: &Validation, claims: &Claims) {
    let reencoded = encode(key, claims).expect("HMAC keys sign");
    let again = decode(&reencoded, key, validation, NOW);
    assert_eq!(
        again.as_ref(),
        Ok(claims),
        "decode(encode(claims)) lost or changed claims of {token:?}: re-encoded as {reencoded:?}"
    );
    let json = claims.to_json();
    let mut segments = token.split('.');
    let header = segments.next().unwrap_or_default();
    let payload = segments.next().unwrap_or_default();
    if header == key.algorithm().encoded_header()
        && strict_base64url(payload).as_deref() == Some(json.as_bytes())
    {
        assert_eq!(
            reencoded, token,
            "a canonical token did not re-encode to the same bytes"
        );
    }
    for variant in [
        format!("{token}="),
        format!("{token}\0"),
        format!(" {token}"),
        format!("{token}."),
    ] {
        assert!(
            decode(&variant, key, validation, NOW).is_err(),
            "a respelling of an accepted token was accepted: {variant:?}"
        );
    }
}

/// `Claims::to_json` is PyJWT's canonical form: ASCII only, and a fixpoint
/// after one step (parsing it back gives the same claims and the same text).
fn check_canonical_form(claims: &Claims) {
    let json = claims.to_json();
    assert!(json.is_ascii(), "to_json wrote non-ASCII: {json:?}");
    let again = Claims::from_json(json.as_bytes());
    assert_eq!(
        again.as_ref(),
        Some(claims),
        "to_json output does not parse back to the same claims: {json}"
    );
    if let Some(again) = again {
        assert_eq!(again.to_json(), json, "to_json is not a fixpoint");
    }
}

/// base64url without padding, refusing every non-canonical spelling (RFC
/// 7515 section 2): written here independently of `jwt::base64url`, so that
/// the oracle does not share its decoder with the code under test.
fn strict_base64url(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        }))
    }
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.as_bytes().chunks(4) {
        let mut bits = 0u32;
        for &c in chunk {
            bits = bits << 6 | sextet(c)?;
        }
        // 4 characters carry 3 bytes; 3 carry 2 and 2 spare bits; 2 carry 1
        // and 4 spare bits. Spare bits must be zero.
        let bytes = chunk.len() * 6 / 8;
        let spare = chunk.len() * 6 - bytes * 8;
        if bits & ((1 << spare) - 1) != 0 {
            return None;
        }
        bits >>= spare;
        for i in (0..bytes).rev() {
            out.push((bits >> (8 * i)) as u8);
        }
    }
    Some(out)
}
