//! HS256 sign and verify of a SimpleJWT-shaped access token, by jwtd's own
//! code and by the `jsonwebtoken` crate (12.0.0, RustCrypto backend, a
//! dev-dependency only), measured in the same run, interleaved, with the
//! ratio printed.
//!
//! ```text
//! cargo bench --bench jwt                 # BENCH_SAMPLES=31 BENCH_SAMPLE_MS=20 by default
//! ```
//!
//! What is timed, per token:
//!
//! - sign: claims already in memory -> the token string. jwtd: `jwt::encode`
//!   (PyJWT's payload bytes from an ordered `Claims`, base64url, HMAC from a
//!   pre-keyed state). jsonwebtoken: `encode(&Header, &struct, &EncodingKey).unwrap()`
//!   with a `#[derive(Serialize)]` struct, the usual way to use it.
//! - verify: the token string -> checked claims. jwtd: `jwt::decode_picked`,
//!   what a request runs (length, segments, header, constant-time signature
//!   check, the payload read once into a stack buffer keeping the registered
//!   claims and `token_type`, `jti`, `user_id`, refusing duplicate names,
//!   iat/nbf/exp). jsonwebtoken: `decode` into a `#[derive(Deserialize)]`
//!   struct with `Validation::new(HS256)`, `validate_nbf` on and
//!   `validate_aud` off, as the axum peer configures it. Both verify the
//!   same token, the one SimpleJWT (and jwtd) issues.
//!
//! A typed struct is jsonwebtoken's best case, and jwtd's verify reads the
//! same five claims. A refresh, which must copy unknown claims into its
//! access token in order as SimpleJWT does, decodes the whole payload into
//! an ordered list of JSON values (`jwt::decode`), timed for reference.
//!
//! Each figure is the median of BENCH_SAMPLES samples; a sample runs the
//! operation enough times to take about BENCH_SAMPLE_MS. Samples of the two
//! implementations alternate, so drift in clock speed hits both alike.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jwtd::config::Settings;
use jwtd::jwt::{self, Algorithm, ClaimValue, Claims, Key, SegmentBuffer, Validation, Verifier};
use jwtd::token::{JtiSource, TokenType, Tokens};

mod support;
use support::{env_or, measure, Access, Samples, SECRET};

fn line(label: &str, s: &Samples) {
    println!(
        "  {label:<50} {:>9.0} ns   (min {:>6.0}, p90 {:>6.0})",
        s.median(),
        s.min(),
        s.p90()
    );
}

fn ratio(label: &str, ours: &Samples, theirs: &Samples, target: f64) -> f64 {
    let r = ours.median() / theirs.median();
    let verdict = if r <= target { "met" } else { "MISSED" };
    println!("  {label:<50} {r:>9.2} x   (target <= {target}: {verdict})");
    r
}

fn main() {
    let samples = env_or("BENCH_SAMPLES", 31).max(3) as usize;
    let per_sample = Duration::from_millis(env_or("BENCH_SAMPLE_MS", 20).max(1));
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();

    // The same access token both ways: SimpleJWT's claim order and values.
    let (claims, typed) = support::access_token(now);
    let jti = support::JTI;

    let key = Key::new(Algorithm::HS256, SECRET.as_bytes()).expect("non-empty key");
    let validation = Validation::default();
    let jw_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let jw_enc = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("HS256 key");
    let jw_dec = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).expect("HS256 key");
    let mut jw_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    jw_validation.leeway = 0;
    jw_validation.validate_nbf = true;
    jw_validation.validate_aud = false;

    // Cross-checks: each side accepts the other's token, and the token
    // verified below is exactly what SimpleJWT would send.
    let token = jwt::encode(&key, &claims).expect("HMAC keys sign");
    let jw_token = jsonwebtoken::encode(&jw_header, &typed, &jw_enc).expect("HS256 encode");
    let decoded = jsonwebtoken::decode::<Access>(&token, &jw_dec, &jw_validation)
        .expect("jsonwebtoken accepts jwtd's token");
    assert_eq!(decoded.claims.jti, jti);
    let back = jwt::decode(&jw_token, &key, &validation, now).expect("jwtd accepts jsonwebtoken's");
    assert_eq!(back.get_str("jti"), Some(jti));
    // What a request keeps of the token: the claims jsonwebtoken's struct has.
    let names = [Some("token_type"), Some("jti"), Some("user_id")];
    let mut buffer = SegmentBuffer::new();
    let picked = jwt::decode_picked(
        &token,
        Verifier::Key(&key),
        &validation,
        now,
        names,
        &mut buffer,
    )
    .expect("jwtd reads its own token");
    assert_eq!(
        picked
            .picked
            .each_ref()
            .map(|v| v.as_ref().and_then(ClaimValue::as_str)),
        [Some("access"), Some(jti), Some("1")]
    );
    assert_eq!(
        token.split('.').nth(1),
        Some(jwt::base64url_encode(claims.to_json().as_bytes()).as_str())
    );

    // SimpleJWT's full token classes on top (jti from the OS, claims built,
    // type and id checks), for reference: what a login or a bearer check
    // spends on tokens.
    let tokens = Tokens::new(&Settings::default(), key.clone(), JtiSource::Random);
    let mut refresh = Claims::new();
    refresh.set("token_type", "refresh");
    refresh.set("exp", now + 86400);
    refresh.set("iat", now);
    refresh.set("jti", "5b2e8f0a3c6d9e1f4a7b0c3d6e9f2a5b");
    refresh.set("user_id", "1");

    println!(
        "HS256, SimpleJWT-shaped access token ({} bytes), {samples} samples of ~{} ms, median per call",
        token.len(),
        per_sample.as_millis()
    );

    let mut jwtd_sign = || {
        black_box(jwt::encode(black_box(&key), black_box(&claims)).expect("HMAC keys sign"));
    };
    let mut jw_sign = || {
        black_box(jsonwebtoken::encode(black_box(&jw_header), black_box(&typed), &jw_enc).ok());
    };
    let mut jwtd_verify = || {
        let mut buffer = SegmentBuffer::new();
        let verifier = Verifier::Key(&key);
        black_box(
            jwt::decode_picked(
                black_box(&token),
                verifier,
                &validation,
                now,
                names,
                &mut buffer,
            )
            .is_ok(),
        );
    };
    let mut jwtd_verify_whole = || {
        black_box(jwt::decode(black_box(&token), &key, &validation, now).ok());
    };
    let mut jw_verify = || {
        black_box(jsonwebtoken::decode::<Access>(black_box(&token), &jw_dec, &jw_validation).ok());
    };
    let mut mint = || {
        let access = tokens.access_for(black_box(&refresh), now).expect("random");
        black_box(tokens.encode(&access).expect("HMAC keys sign"));
    };
    let mut check = || {
        let mut buffer = SegmentBuffer::new();
        let c = tokens
            .read(black_box(&token), now, &mut buffer)
            .expect("valid");
        black_box(tokens.verify(&c, Some(TokenType::Access)).is_ok());
    };

    // Where jwtd's time goes: the parts of one verify and one sign.
    let signing_input = &token[..token.rfind('.').expect("three segments")];
    let payload_b64 = token.split('.').nth(1).expect("three segments");
    let payload_json = claims.to_json();
    let tag = key.sign(signing_input.as_bytes()).expect("HMAC keys sign");
    let mut hmac = || {
        black_box(key.verify(black_box(signing_input.as_bytes()), tag.as_bytes()));
    };
    let mut parse = || {
        let json = jwt::base64url_decode(black_box(payload_b64)).expect("base64url");
        black_box(Claims::from_json(&json));
    };
    let mut write = || {
        let json = black_box(&claims).to_json();
        black_box(jwt::base64url_encode(json.as_bytes()));
    };
    let mut serde_value = || {
        black_box(
            serde_json::from_slice::<serde_json::Value>(black_box(payload_json.as_bytes())).ok(),
        );
    };

    let r = measure(
        &mut [
            &mut jwtd_sign,
            &mut jw_sign,
            &mut jwtd_verify,
            &mut jw_verify,
            &mut jwtd_verify_whole,
            &mut mint,
            &mut check,
            &mut hmac,
            &mut parse,
            &mut write,
            &mut serde_value,
        ],
        samples,
        per_sample,
    );
    println!("sign");
    line("jwtd     jwt::encode", &r[0]);
    line("jsonwebtoken::encode", &r[1]);
    let sign = ratio("ratio jwtd / jsonwebtoken", &r[0], &r[1], 0.6);
    println!("verify");
    line("jwtd     jwt::decode_picked", &r[2]);
    line("jsonwebtoken::decode", &r[3]);
    let verify = ratio("ratio jwtd / jsonwebtoken", &r[2], &r[3], 0.5);
    println!("jwtd with SimpleJWT's token classes (for reference)");
    line("whole payload (jwt::decode, as a refresh reads it)", &r[4]);
    line("mint an access token (Tokens::access_for+encode)", &r[5]);
    line("check a bearer token (Tokens::read+verify)", &r[6]);
    println!("parts of jwtd's figures above");
    line("HMAC-SHA256 of header.payload, pre-keyed", &r[7]);
    line("payload: base64url decode + Claims::from_json", &r[8]);
    line("payload: Claims::to_json + base64url encode", &r[9]);
    line("(serde_json::Value from the payload JSON)", &r[10]);
    println!(
        "RESULT jwt sign_ns={:.0} jw_sign_ns={:.0} sign_ratio={sign:.3} verify_ns={:.0} jw_verify_ns={:.0} verify_ratio={verify:.3} whole_ns={:.0} mint_ns={:.0} check_ns={:.0} hmac_ns={:.0} parse_ns={:.0} write_ns={:.0}",
        r[0].median(),
        r[1].median(),
        r[2].median(),
        r[3].median(),
        r[4].median(),
        r[5].median(),
        r[6].median(),
        r[7].median(),
        r[8].median(),
        r[9].median()
    );
}
