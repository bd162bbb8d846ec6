//! What "correct" means for each fuzz target, in one place.
//!
//! The cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, nightly or
//! `RUSTC_BOOTSTRAP=1`) and the deterministic corpus replay
//! (`tests/corpus.rs`, plain `cargo test` on stable) both call these
//! functions, so an input the fuzzer flags fails `cargo test` as soon as it
//! is checked in under `tests/corpus/<target>/`. Each function takes the raw
//! input and panics when a property does not hold; returning means the input
//! passed. Nothing here reads a clock or a random source, so a failure
//! reproduces from its input alone; the one exception is the handler
//! target's application, whose store (blacklist, rotations) carries over
//! from input to input as a server's would.
//!
//! The file is compiled twice, as `jwtd_fuzz::properties` and as a module of
//! `tests/corpus.rs`, and uses only jwtd's public API and std.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use jwtd::api::body::{parse_fields, BodyError};
use jwtd::app::App;
use jwtd::config::Settings;
use jwtd::http::parse::{parse, Parsed};
use jwtd::http::{Handler, Limits, Request, Response, Version};
use jwtd::jwt::{
    base64url_encode, decode, decode_picked, encode, sign_parts, Algorithm, ClaimValue, Claims,
    DecodeError, Key, Registered, SegmentBuffer, Validation, Verifier, MAX_TOKEN_LEN,
};
use jwtd::service::limits;
use jwtd::store::{NewUser, Store, User};
use jwtd::token::JtiSource;

/// The reference vectors' signing key (simplejwt-5.5.1.md section 7).
pub const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z, the reference vectors' frozen clock: the seed
/// tokens V1-V6 are valid at this instant.
pub const NOW: u64 = 1_735_689_600;
/// The audience and issuer of reference vector V3.
const AUDIENCE: &str = "my-aud";
const ISSUER: &str = "https://issuer.example";

fn localhost() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

// ---------------------------------------------------------------------------
// Known bugs
// ---------------------------------------------------------------------------

/// Bugs these properties found that are reported and not fixed yet. Each is
/// tolerated exactly where it shows, so that a fuzz run goes on looking for
/// new bugs instead of stopping at the same one within seconds. In strict
/// mode (`JWTD_FUZZ_STRICT=1` in the environment, or inside [`strict`]) they
/// fail like any other property; `tests/corpus.rs` replays one input per bug
/// that way and expects the failure, so an entry cannot outlive its bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownBug {
    /// `api::body`: CPython's 4300-digit limit on integer literals is only
    /// applied where a requested field's value is such a literal; DRF's
    /// parser (Python's `json`) raises on one anywhere in the document, a
    /// 400 "JSON parse error". So jwtd's answer depends on which fields a view
    /// asks for, and `{"username":"alice","password":"…","x":<4301 digits>}`
    /// logs in where the reference answers 400.
    IntDigitLimitPerField,
}

impl KnownBug {
    const ALL: [KnownBug; 1] = [KnownBug::IntDigitLimitPerField];
}

thread_local! {
    static STRICT: Cell<bool> = Cell::new(
        std::env::var_os("JWTD_FUZZ_STRICT").is_some_and(|v| v == "1"),
    );
    /// How often each known bug was tolerated on this thread, in
    /// [`KnownBug::ALL`]'s order (per thread: each test has its own).
    static TOLERATED: [Cell<u64>; 1] = const { [Cell::new(0)] };
}

/// Runs `f` with every known bug failing like any other property.
pub fn strict<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            STRICT.set(self.0);
        }
    }
    let _restore = Restore(STRICT.replace(true));
    f()
}

/// Whether to let `bug` pass this time (and count it).
fn tolerate(bug: KnownBug) -> bool {
    if STRICT.get() {
        return false;
    }
    let index = KnownBug::ALL.iter().position(|b| *b == bug).unwrap_or(0);
    TOLERATED.with(|counts| counts[index].set(counts[index].get() + 1));
    true
}

/// How often each known bug has been tolerated on this thread.
pub fn tolerated() -> Vec<(KnownBug, u64)> {
    TOLERATED.with(|counts| {
        KnownBug::ALL
            .iter()
            .zip(counts)
            .map(|(bug, count)| (*bug, count.get()))
            .collect()
    })
}

// ---------------------------------------------------------------------------
// jwt_decode
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// request_head
// ---------------------------------------------------------------------------

/// The server's default limits, and tiny ones so that every limit is within
/// reach of short inputs.
fn limit_sets() -> &'static [Limits; 2] {
    static LIMITS: OnceLock<[Limits; 2]> = OnceLock::new();
    LIMITS.get_or_init(|| {
        let tiny = Settings {
            max_request_line_bytes: 24,
            max_header_bytes: 64,
            max_headers: 3,
            max_body_bytes: 8,
            ..Settings::default()
        };
        [limits(&Settings::default()), limits(&tiny)]
    })
}

/// The statuses `parse` refuses with (its module documentation).
const REFUSALS: [u16; 8] = [400, 411, 413, 414, 417, 431, 501, 505];

/// Request framing, under both limit sets. The buffer is parsed as a
/// connection would: request after request (pipelining) until it is
/// incomplete or refused, which must end since every complete request
/// consumes at least one byte. Every complete request must satisfy
/// [`check_complete`], and none of its proper prefixes may be anything but
/// incomplete: how the bytes are split into reads must not change the answer.
pub fn request_head(data: &[u8]) {
    for limits in limit_sets() {
        let mut rest = data;
        loop {
            match parse(rest, limits, localhost()) {
                Parsed::Complete {
                    request,
                    consumed,
                    keep_alive,
                } => {
                    check_complete(rest, limits, &request, consumed, keep_alive);
                    check_prefixes(rest, limits, consumed, consumed - request.body.len());
                    rest = &rest[consumed..];
                }
                Parsed::Partial { send_continue } => {
                    // 100 Continue only once the head is in and none of the body.
                    assert!(
                        !send_continue || rest.ends_with(b"\r\n\r\n"),
                        "send_continue with body bytes already buffered"
                    );
                    break;
                }
                Parsed::Rejected(rejection) => {
                    assert!(
                        REFUSALS.contains(&rejection.status) && !rejection.message.is_empty(),
                        "unexpected refusal {rejection:?}"
                    );
                    break;
                }
            }
        }
    }
}

/// Whether `part` lies inside `buf` (so it was borrowed from it, not made up).
fn within(buf: &[u8], part: &[u8]) -> bool {
    let (start, end) = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
    let (p, q) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
    part.is_empty() || (start <= p && q <= end)
}

/// The framing guarantees of a complete request, as `http::parse` documents
/// them.
fn check_complete(
    buf: &[u8],
    limits: &Limits,
    request: &Request<'_>,
    consumed: usize,
    keep_alive: bool,
) {
    let body: &[u8] = &request.body;
    assert!(
        consumed > 0 && consumed <= buf.len(),
        "consumed {consumed} of {}",
        buf.len()
    );
    // A Content-Length body is the last `body.len()` bytes of what was
    // consumed; a chunked one is decoded into its own buffer.
    assert!(
        matches!(request.body, std::borrow::Cow::Owned(_))
            || (within(buf, body)
                && body.as_ptr() as usize + body.len() == buf.as_ptr() as usize + consumed),
        "the body is not the end of the consumed bytes"
    );
    assert!(body.len() <= limits.max_body, "body over max_body");
    // Everything borrowed comes from the buffer (but the two paths `parse`
    // spells itself: `*` and the `/` of an absolute-form target without one).
    assert!(within(buf, request.method.as_bytes()));
    assert!(
        within(buf, request.path.as_bytes()) || request.path == "*" || request.path == "/",
        "path not from the buffer"
    );
    assert!(request.query.is_none_or(|q| within(buf, q.as_bytes())));
    for h in &request.headers {
        assert!(within(buf, h.name.as_bytes()) && within(buf, h.value));
        assert!(!h.name.is_empty(), "empty header name");
        assert!(
            !h.value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0),
            "CR, LF or NUL in a header value"
        );
    }
    assert!(!request.method.is_empty());
    assert!(
        request.path.starts_with('/') || (request.path == "*" && request.method == "OPTIONS"),
        "bad path {:?} for {}",
        request.path,
        request.method
    );
    assert!(!request.path.contains('?'), "query left in the path");
    assert!(request.headers.len() <= limits.max_headers);
    // The head: leading empty lines, then at most max_head bytes whose first
    // line is at most max_request_line.
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let head_end = match request.body {
        std::borrow::Cow::Borrowed(_) => consumed - body.len(),
        // Chunked: the head ends at the first empty line.
        std::borrow::Cow::Owned(_) => {
            start
                + buf[start..]
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(buf.len() - start, |i| i + 4)
        }
    };
    let head = &buf[start..head_end];
    assert!(head.len() <= limits.max_head, "head over max_head");
    assert!(
        head.ends_with(b"\r\n\r\n"),
        "head does not end with an empty line"
    );
    let line = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(head.len());
    assert!(
        line <= limits.max_request_line,
        "request line over max_request_line"
    );
    assert!(
        !head.contains(&0) && head.windows(2).all(|w| (w[0] == b'\r') == (w[1] == b'\n')),
        "NUL, bare CR or bare LF in an accepted head"
    );
    // Framing by one Content-Length of plain digits, or by chunked alone.
    let named = |name: &str| {
        request
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .collect::<Vec<_>>()
    };
    let codings = named("transfer-encoding");
    if !codings.is_empty() {
        assert!(
            codings.len() == 1
                && codings[0]
                    .value
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"chunked")
                && named("content-length").is_empty()
                && request.version == Version::Http11,
            "a Transfer-Encoding other than chunked alone was accepted"
        );
        assert!(body.len() <= limits.max_body, "chunked body over max_body");
        return;
    }
    match named("content-length").as_slice() {
        [] => assert!(body.is_empty(), "a body without Content-Length"),
        [length] => assert_eq!(
            std::str::from_utf8(length.value)
                .ok()
                .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<usize>().ok()),
            Some(body.len()),
            "Content-Length is not the body's length in plain digits"
        ),
        _ => panic!("several Content-Length fields accepted"),
    }
    if request.version == Version::Http11 {
        assert_eq!(named("host").len(), 1, "HTTP/1.1 without exactly one Host");
    }
    // Persistence: `close` always wins; HTTP/1.0 needs `keep-alive`.
    let tokens = named("connection")
        .iter()
        .flat_map(|h| h.value.split(|&b| b == b','))
        .map(|t| t.trim_ascii().to_ascii_lowercase())
        .collect::<Vec<_>>();
    let close = tokens.iter().any(|t| t == b"close");
    let keep = tokens.iter().any(|t| t == b"keep-alive");
    let want = match request.version {
        Version::Http11 => !close,
        Version::Http10 => keep && !close,
    };
    assert_eq!(
        keep_alive, want,
        "keep_alive wrong for Connection {tokens:?}"
    );
}

/// Cut a complete request short at a few places (around the end of the
/// request line, just before the head's end, just before the body's end,
/// and one place that depends on the input): each cut must be incomplete,
/// never refused, since a client may split its bytes anywhere.
fn check_prefixes(buf: &[u8], limits: &Limits, consumed: usize, body_start: usize) {
    // The request line, after any leading empty lines, without its CRLF.
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let request_line = buf[start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(buf.len() - start);
    let line_end = start + request_line;
    let cuts = [
        line_end,
        line_end + 1,
        line_end + 2,
        body_start - 1,
        consumed - 1,
        consumed * 7 / 13,
    ];
    for cut in cuts {
        if cut >= consumed {
            continue;
        }
        let result = parse(&buf[..cut], limits, localhost());
        assert!(
            matches!(result, Parsed::Partial { .. }),
            "the first {cut} bytes of a complete {consumed}-byte request gave {result:?} \
             (max_request_line {}, max_head {})",
            limits.max_request_line,
            limits.max_head
        );
    }
}

// ---------------------------------------------------------------------------
// json_body
// ---------------------------------------------------------------------------

/// The content types every body is tried with: DRF's three parsers, JSON
/// with a charset, multipart without a boundary, and no header at all.
const CONTENT_TYPES: [Option<&[u8]>; 7] = [
    Some(b"application/json"),
    Some(b"application/json; charset=utf-8"),
    Some(b"application/x-www-form-urlencoded"),
    Some(b"multipart/form-data; boundary=BB"),
    Some(b"multipart/form-data; boundary=\"B B\"; charset=latin-1"),
    Some(b"multipart/form-data"),
    None,
];

/// DRF's CharField messages, the only ones a field error may carry besides
/// [`SURROGATE_MESSAGE`].
const FIELD_MESSAGES: [&str; 5] = [
    "This field is required.",
    "This field may not be null.",
    "Not a valid string.",
    "This field may not be blank.",
    "Null characters are not allowed.",
];
/// DRF's ProhibitSurrogateCharactersValidator: this, then `U+D800.` or the like.
const SURROGATE_MESSAGE: &str = "Surrogate characters are not allowed";

/// Body parsing. An input starting `CT:` names its own Content-Type on that
/// first line and the body follows; any other input is a body tried with
/// each of [`CONTENT_TYPES`]. Each is parsed for the fields of the four
/// views and must give a well-formed answer ([`check_fields`]). The answer
/// for one field must not depend on which other fields were asked for, as
/// DRF parses the whole body before any serializer field looks at it.
pub fn json_body(data: &[u8]) {
    if let Some(rest) = data.strip_prefix(b"CT:") {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let body = rest.get(end + 1..).unwrap_or_default();
        body_for(Some(rest[..end].trim_ascii()), body);
    } else {
        for content_type in CONTENT_TYPES {
            body_for(content_type, data);
        }
    }
}

fn body_for(content_type: Option<&[u8]>, body: &[u8]) {
    let pair = parse_fields(content_type, body, ["username", "password"]);
    check_fields(&["username", "password"], &pair, body);
    let refresh = parse_fields(content_type, body, ["refresh"]);
    check_fields(&["refresh"], &refresh, body);
    let token = parse_fields(content_type, body, ["token"]);
    check_fields(&["token"], &token, body);
    // Each field alone gives what it gave in the pair.
    let username = parse_fields(content_type, body, ["username"]);
    let password = parse_fields(content_type, body, ["password"]);
    for (i, (name, alone)) in [("username", username), ("password", password)]
        .into_iter()
        .enumerate()
    {
        let expected = match &pair {
            Ok(values) => Ok([values[i].clone()]),
            Err(BodyError::Fields(errors)) => match errors.iter().find(|(n, _)| *n == name) {
                Some(error) => Err(BodyError::Fields(vec![error.clone()])),
                None => {
                    // Valid in the pair, so its value is what it is alone.
                    assert!(
                        alone.is_ok(),
                        "{name} alone: {alone:?}, in the pair: {pair:?}"
                    );
                    continue;
                }
            },
            Err(other) => Err(other.clone()),
        };
        let int_limit = |r: &Result<[String; 1], BodyError>| matches!(r, Err(BodyError::Malformed(m)) if m.contains("for integer string conversion"));
        if alone != expected
            && (int_limit(&alone) || int_limit(&expected))
            && tolerate(KnownBug::IntDigitLimitPerField)
        {
            continue;
        }
        assert_eq!(
            alone, expected,
            "{name} alone differs from {name} in the pair {pair:?}"
        );
    }
}

/// A well-formed answer: values are non-empty, NUL-free and trimmed as
/// Python's `str.strip()` trims; errors are 400 or 415, and field errors name
/// only the requested fields, in declared order, with DRF's messages. An
/// empty body is `{}`: every field is missing, whatever the Content-Type.
fn check_fields<const N: usize>(
    fields: &[&str; N],
    result: &Result<[String; N], BodyError>,
    body: &[u8],
) {
    if body.is_empty() {
        let all_missing: Vec<_> = fields
            .iter()
            .map(|f| (*f, FIELD_MESSAGES[0].into()))
            .collect();
        assert!(
            matches!(result, Err(BodyError::Fields(e)) if *e == all_missing),
            "empty body gave {result:?}"
        );
    }
    match result {
        Ok(values) => {
            for value in values {
                let python_space =
                    |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
                assert!(
                    !value.is_empty()
                        && !value.contains('\0')
                        && value.trim_matches(python_space) == value,
                    "field value {value:?} is blank, has a NUL or is not stripped"
                );
            }
        }
        Err(error) => {
            assert!(matches!(error.status(), 400 | 415));
            match error {
                BodyError::Fields(errors) => {
                    assert!(!errors.is_empty(), "an empty field error list");
                    let positions: Vec<usize> = errors
                        .iter()
                        .map(|(name, message)| {
                            assert!(
                                FIELD_MESSAGES.contains(&message.as_ref())
                                    || message.starts_with(SURROGATE_MESSAGE),
                                "unknown message {message:?}"
                            );
                            fields
                                .iter()
                                .position(|f| f == name)
                                .unwrap_or_else(|| panic!("error for unrequested field {name}"))
                        })
                        .collect();
                    assert!(
                        positions.windows(2).all(|w| w[0] < w[1]),
                        "field errors out of declared order: {errors:?}"
                    );
                }
                BodyError::Malformed(detail) => assert!(!detail.is_empty()),
                BodyError::UnsupportedMediaType(_)
                | BodyError::NoData
                | BodyError::NotADictionary(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------
// handler
// ---------------------------------------------------------------------------

/// The reference password hash P1 ("correct horse battery staple", 1000
/// iterations), so logins are cheap.
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";

/// One application for the whole process: an in-memory store with alice
/// (id 1, active, so the reference tokens V1-V6 name her) and bob (id 2,
/// inactive), the reference key and the reference clock. State (blacklist,
/// rotations) carries over between inputs, as on a real server.
fn app() -> &'static App {
    static APP: OnceLock<std::sync::Arc<App>> = OnceLock::new();
    APP.get_or_init(|| {
        // New hashes (the dummy hash for unknown users, the upgrade of
        // P1 on login) at P1's 1000 iterations, not Django's million.
        let settings = Settings {
            password_iterations: 1000,
            access_log: false,
            login_threads: 1,
            login_queue: 64,
            ..Settings::default()
        };
        let store = Store::open_in_memory().expect("an in-memory store");
        for (id, username, is_active) in [(1, "alice", true), (2, "bob", false)] {
            store
                .add_user(NewUser {
                    id: Some(id),
                    user: User {
                        is_active,
                        ..User::active(id, username, P1)
                    },
                })
                .expect("a fresh store takes the user");
        }
        App::with_store(settings, KEY, NOW, JtiSource::counter(), store.into())
            .expect("an in-memory application")
    })
}

/// The whole request path without a socket. The input is a lenient request:
/// a `METHOD TARGET` line, `Name: value` lines, an empty line, then the body
/// (LF or CRLF line ends). It is written out as HTTP/1.1, with `Host` and a
/// `Content-Length` added unless the input has its own, and goes through the
/// server's `parse`; a complete request goes to the application, which must
/// answer without panicking and without a 5xx, with a well-formed response.
pub fn handler(data: &[u8]) {
    let wire = to_http(data);
    let limits = &limit_sets()[0];
    if let Parsed::Complete { request, .. } = parse(&wire, limits, localhost()) {
        let response = app().handle(&request).resolve();
        check_response(&request, &response);
    }
}

fn to_http(data: &[u8]) -> Vec<u8> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => match data.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => (&data[..i], &data[i + 4..]),
            None => (data, &[][..]),
        },
    };
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut wire = Vec::with_capacity(data.len() + 64);
    wire.extend_from_slice(request_line);
    wire.extend_from_slice(b" HTTP/1.1\r\n");
    let (mut host, mut framed) = (false, false);
    for line in lines {
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        host |= name.eq_ignore_ascii_case(b"host");
        framed |= name.eq_ignore_ascii_case(b"content-length")
            || name.eq_ignore_ascii_case(b"transfer-encoding");
        wire.extend_from_slice(line);
        wire.extend_from_slice(b"\r\n");
    }
    if !host {
        wire.extend_from_slice(b"Host: jwtd\r\n");
    }
    if !framed {
        wire.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    wire
}

/// jwtd never answers 5xx to a request (README); a 401 always carries
/// `WWW-Authenticate`, a 405 `Allow`, a 301 a relative `Location`; a JSON
/// body is one JSON object; and the serialised head has no stray CR or LF,
/// whatever the request held.
fn check_response(request: &Request<'_>, response: &Response) {
    let what = format!("{} {} -> {}", request.method, request.path, response.status);
    assert!(
        (200..500).contains(&response.status),
        "{what}: {}",
        response.text()
    );
    match response.status {
        401 => assert!(
            response.header("WWW-Authenticate").is_some(),
            "{what} without WWW-Authenticate"
        ),
        405 => assert!(response.header("Allow").is_some(), "{what} without Allow"),
        301 => assert!(
            response
                .header("Location")
                .is_some_and(|l| l.starts_with('/')),
            "{what} without a relative Location"
        ),
        _ => {}
    }
    if response.header("Content-Type") == Some("application/json") {
        assert!(
            Claims::from_json(&response.body).is_some(),
            "{what}: the body is not one JSON object: {:?}",
            response.text()
        );
    }
    let mut out = Vec::new();
    response.write_to(
        &mut out,
        request.is_head(),
        None,
        "Wed, 01 Jan 2025 00:00:00 GMT",
    );
    let head_end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{what}: no end of head"))
        + 4;
    let head = &out[..head_end];
    assert!(
        head.windows(2).all(|w| (w[0] == b'\r') == (w[1] == b'\n'))
            && !head
                .iter()
                .any(|&b| b.is_ascii_control() && b != b'\r' && b != b'\n'),
        "{what}: a control byte in the response head: {:?}",
        String::from_utf8_lossy(head)
    );
}
