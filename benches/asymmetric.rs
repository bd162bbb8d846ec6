//! Sign and verify of a SimpleJWT-shaped access token with each kind of
//! key, by jwtd's own code and by the `jsonwebtoken` crate (12.0.0,
//! RustCrypto backend, a dev-dependency only), measured in the same run,
//! interleaved, with the ratios printed.
//!
//! ```text
//! cargo bench --bench asymmetric          # BENCH_SAMPLES=15 BENCH_SAMPLE_MS=20 by default
//! ```
//!
//! One row per algorithm: HS256 (for scale), RS256, PS256, ES256, ES384,
//! ES512 and EdDSA. jwtd's key is made by `PrivateKey::generate` (RSA keys
//! of 2048 bits) and wrapped in `Key::private`, as the database's keys are;
//! jsonwebtoken is given the very same key, exported from jwtd's:
//!
//! ```text
//!   PrivateKey::pkcs8()  ── PKCS#8 DER ──▶ EncodingKey::from_ec_der / from_ed_der
//!                        ── its inner PKCS#1 RSAPrivateKey ──▶ EncodingKey::from_rsa_der
//!   PublicKey::Rsa{n, e} ──▶ DecodingKey::from_rsa_raw_components
//!   PublicKey::Ec{point} ──▶ DecodingKey::from_ec_der    (04 || x || y)
//!   PublicKey::Ed25519(x) ─▶ DecodingKey::from_ed_der    (32 bytes)
//! ```
//!
//! (The DER constructors, because the dev-dependency is built without
//! jsonwebtoken's `use_pem` feature, which would pull in two more crates;
//! PEM is only base64 around these same bytes.) jsonwebtoken has no ES512:
//! its row says n/a.
//!
//! What is timed, per token:
//!
//! - sign: claims in memory -> the token string. jwtd: `jwt::encode`.
//!   jsonwebtoken: `encode(&Header, &struct, &EncodingKey)` with a
//!   `#[derive(Serialize)]` struct. Note that jsonwebtoken's RSA signer
//!   parses the DER private key again on every token; that is its design,
//!   and part of what a user of it pays.
//! - verify: the token string -> checked claims. jwtd: `jwt::decode`, the
//!   whole payload into ordered claims (a request reads less, through
//!   `decode_picked`; `cargo bench --bench jwt` times both for HS256).
//!   jsonwebtoken: `decode` into a `#[derive(Deserialize)]` struct with
//!   `validate_nbf` on and `validate_aud` off. Each side verifies the token
//!   jwtd signed.
//!
//! Both sides are compiled with jwtd's bench (= release) profile: opt-level
//! "s" but for the crates `Cargo.toml` raises to 3 (sha2, hmac, ...), so
//! RustCrypto's curves (`p256`, `p384`, `ed25519-dalek`, and jwtd's own
//! `p521`) and `rsa` run as they would inside jwtd's binary, not at their
//! fastest; ring's C code (P-384, Ed25519) is compiled at "s" too, its
//! assembly (RSA's and P-256's arithmetic) is what it always is.
//!
//! Each figure is the median of BENCH_SAMPLES samples; a sample runs the
//! operation enough times to take about BENCH_SAMPLE_MS. Samples of the
//! four operations of a row alternate, so drift in clock speed hits both
//! implementations alike.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{DecodingKey, EncodingKey};
use jwtd::jwt::{self, Algorithm, Key, Validation};
use jwtd::pki::{Curve, KeyKind, PrivateKey, PublicKey};

mod support;
use support::{env_or, Access, SECRET};

/// The median nanoseconds per call of each of `fs`, their samples interleaved.
fn measure(fs: &mut [&mut dyn FnMut()], samples: usize, per_sample: Duration) -> Vec<f64> {
    support::measure(fs, samples, per_sample)
        .iter()
        .map(support::Samples::median)
        .collect()
}

/// The first DER element of `der`: its tag, its contents, and what follows.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let (bytes, after) = rest.split_at_checked(usize::from(first & 0x7f))?;
        rest = after;
        bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b))
    };
    let (contents, after) = rest.split_at_checked(len)?;
    Some((tag, contents, after))
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: its OCTET
/// STRING, after the version and the algorithm identifier.
fn pkcs1_of(pkcs8: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_element(pkcs8)? else {
        return None;
    };
    let (_, _version, rest) = der_element(info)?;
    let (_, _algorithm, rest) = der_element(rest)?;
    match der_element(rest)? {
        (0x04, key, _) => Some(key),
        _ => None,
    }
}

/// jsonwebtoken's keys for jwtd's `key`: the same secret or key pair.
fn jsonwebtoken_keys(key: &Key) -> (EncodingKey, DecodingKey) {
    let (Some(private), Some(public)) = (key.private_key(), key.public_key()) else {
        let enc = EncodingKey::from_secret(SECRET.as_bytes()).expect("HMAC key");
        let dec = DecodingKey::from_secret(SECRET.as_bytes()).expect("HMAC key");
        return (enc, dec);
    };
    let pkcs8 = private.pkcs8();
    match public {
        PublicKey::Rsa { n, e } => (
            EncodingKey::from_rsa_der(pkcs1_of(pkcs8).expect("an RSA PKCS#8 key")),
            DecodingKey::from_rsa_raw_components(n, e),
        ),
        PublicKey::Ec { point, .. } => (
            EncodingKey::from_ec_der(pkcs8),
            DecodingKey::from_ec_der(point),
        ),
        PublicKey::Ed25519(x) => (EncodingKey::from_ed_der(pkcs8), DecodingKey::from_ed_der(x)),
    }
}

/// Prints one row of the table.
fn row(cells: [String; 9]) {
    let [alg, key, token, sign, jw_sign, sign_ratio, verify, jw_verify, verify_ratio] = cells;
    println!(
        "{alg:<6} {key:<14} {token:>6} {sign:>10} {jw_sign:>12} {sign_ratio:>7} {verify:>11} {jw_verify:>13} {verify_ratio:>7}"
    );
}

/// One row: jwtd's algorithm, the key it signs with (`None`: HMAC), and
/// jsonwebtoken's name for it, if it has the algorithm.
struct Case {
    algorithm: Algorithm,
    kind: Option<KeyKind>,
    theirs: Option<jsonwebtoken::Algorithm>,
}

fn main() {
    let samples = env_or("BENCH_SAMPLES", 15).max(3) as usize;
    let per_sample = Duration::from_millis(env_or("BENCH_SAMPLE_MS", 20).max(1));
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();

    // The same access token both ways: SimpleJWT's claim order and values.
    let (claims, typed) = support::access_token(now);
    let jti = support::JTI;
    let validation = Validation::default();

    use jsonwebtoken::Algorithm as Jw;
    let (rsa, ec) = (Some(KeyKind::Rsa(2048)), |curve| Some(KeyKind::Ec(curve)));
    let cases = [
        (Algorithm::HS256, None, Some(Jw::HS256)),
        (Algorithm::RS256, rsa, Some(Jw::RS256)),
        (Algorithm::PS256, rsa, Some(Jw::PS256)),
        (Algorithm::ES256, ec(Curve::P256), Some(Jw::ES256)),
        (Algorithm::ES384, ec(Curve::P384), Some(Jw::ES384)),
        (Algorithm::ES512, ec(Curve::P521), None),
        (Algorithm::EdDSA, Some(KeyKind::Ed25519), Some(Jw::EdDSA)),
    ]
    .map(|(algorithm, kind, theirs)| Case {
        algorithm,
        kind,
        theirs,
    });

    println!(
        "Sign and verify of a SimpleJWT-shaped access token, {samples} samples of ~{} ms, median per call, in µs",
        per_sample.as_millis()
    );
    row([
        "alg",
        "key",
        "token",
        "jwtd sign",
        "jsonwt sign",
        "ratio",
        "jwtd verify",
        "jsonwt verify",
        "ratio",
    ]
    .map(String::from));
    let micros = |ns: f64| format!("{:.1}", ns / 1000.0);
    let mut results = Vec::new();
    for case in cases {
        let key = match case.kind {
            None => Key::new(case.algorithm, SECRET.as_bytes()).expect("non-empty secret"),
            Some(kind) => {
                let private = PrivateKey::generate(kind).expect("a new key");
                Key::private(case.algorithm, private).expect("the key suits the algorithm")
            }
        };
        let token = jwt::encode(&key, &claims).expect("the key signs");
        let back = jwt::decode(&token, &key, &validation, now).expect("jwtd reads its token");
        assert_eq!(back.get_str("jti"), Some(jti));

        let mut jwtd_sign = || {
            black_box(jwt::encode(black_box(&key), black_box(&claims)).expect("the key signs"));
        };
        let mut jwtd_verify = || {
            black_box(jwt::decode(black_box(&token), &key, &validation, now).is_ok());
        };
        let figures = match case.theirs {
            Some(alg) => {
                let (enc, dec) = jsonwebtoken_keys(&key);
                let header = jsonwebtoken::Header::new(alg);
                let mut theirs = jsonwebtoken::Validation::new(alg);
                theirs.leeway = 0;
                theirs.validate_nbf = true;
                theirs.validate_aud = false;
                // Cross-checks: each accepts the other's token, so the two
                // hold the same key.
                let decoded = jsonwebtoken::decode::<Access>(&token, &dec, &theirs)
                    .expect("jsonwebtoken accepts jwtd's token");
                assert_eq!(decoded.claims.jti, jti);
                let their_token =
                    jsonwebtoken::encode(&header, &typed, &enc).expect("jsonwebtoken signs");
                let back = jwt::decode(&their_token, &key, &validation, now)
                    .expect("jwtd accepts jsonwebtoken's token");
                assert_eq!(back.get_str("jti"), Some(jti));

                let mut jw_sign = || {
                    black_box(
                        jsonwebtoken::encode(black_box(&header), black_box(&typed), &enc).ok(),
                    );
                };
                let mut jw_verify = || {
                    black_box(
                        jsonwebtoken::decode::<Access>(black_box(&token), &dec, &theirs).is_ok(),
                    );
                };
                let r = measure(
                    &mut [
                        &mut jwtd_sign,
                        &mut jw_sign,
                        &mut jwtd_verify,
                        &mut jw_verify,
                    ],
                    samples,
                    per_sample,
                );
                [r[0], r[1], r[2], r[3]].map(Some)
            }
            None => {
                let r = measure(&mut [&mut jwtd_sign, &mut jwtd_verify], samples, per_sample);
                [Some(r[0]), None, Some(r[1]), None]
            }
        };
        let show = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), micros);
        let ratio = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
            (Some(a), Some(b)) => format!("{:.2}x", a / b),
            _ => "n/a".to_owned(),
        };
        let [sign, jw_sign, verify, jw_verify] = figures;
        row([
            case.algorithm.name().to_owned(),
            key.describe()
                .replace(" private key", "")
                .replace("HMAC secret", "HMAC"),
            token.len().to_string(),
            show(sign),
            show(jw_sign),
            ratio(sign, jw_sign),
            show(verify),
            show(jw_verify),
            ratio(verify, jw_verify),
        ]);
        results.push((case.algorithm, figures));
    }
    println!("ratio: jwtd / jsonwebtoken (below 1: jwtd is faster)");
    for (algorithm, figures) in results {
        let ns = |v: Option<f64>| v.map_or_else(|| "na".to_owned(), |v| format!("{v:.0}"));
        println!(
            "RESULT asymmetric alg={algorithm} sign_ns={} jw_sign_ns={} verify_ns={} jw_verify_ns={}",
            ns(figures[0]),
            ns(figures[1]),
            ns(figures[2]),
            ns(figures[3])
        );
    }
}
