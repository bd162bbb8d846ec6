//! `token explain` on SimpleJWT's reference token and on broken ones: the
//! verdicts, and the lines and members the renderings carry.

use super::analysis::Verdict;
use super::format::duration;
use super::*;
use crate::config::Settings;
use crate::jwt::{self, Algorithm, Check, Claims, DecodeError, Keyring, Outcome};
use crate::token::TokenError;

const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z, the reference vectors' clock.
const NOW: u64 = 1_735_689_600;
/// SimpleJWT 5.5.1's access token V1 (see `jwt::tests`).
const V1_ACCESS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk";

fn with_key() -> KeyChoice {
    KeyChoice::Key {
        key: Box::new(Keyring::single(
            jwt::Key::new(Algorithm::HS256, KEY).unwrap(),
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
    let key = jwt::Key::new(Algorithm::HS256, KEY).unwrap();
    let no_jti = jwt::encode(
        &key,
        &Claims::from_json(br#"{"token_type":"access","exp":1735689900}"#).unwrap(),
    )
    .unwrap();
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

/// A token for `algorithm`, signed by a new key of `kind` named `kid`, and
/// the explanation's key choice holding that key.
#[cfg(feature = "asymmetric")]
fn signed_with(algorithm: Algorithm, kind: crate::pki::KeyKind, kid: &str) -> (String, KeyChoice) {
    let key =
        jwt::Key::private(algorithm, crate::pki::PrivateKey::generate(kind).unwrap()).unwrap();
    let ring = Keyring::with_ids((kid.into(), key), Vec::new()).unwrap();
    let mut claims = Claims::new();
    claims.set("token_type", "access");
    claims.set("exp", NOW + 300);
    claims.set("iat", NOW);
    claims.set("jti", "00000000000000000000000000000002");
    claims.set("user_id", "1");
    let token = jwt::encode_with_keys(&ring, &claims).unwrap();
    let choice = KeyChoice::Key {
        key: Box::new(ring),
        source: "the test".into(),
    };
    (token, choice)
}

#[cfg(feature = "asymmetric")]
#[test]
fn every_public_key_algorithm_is_explained_with_its_key_and_ecdsa_with_r_and_s() {
    use crate::pki::{Curve, KeyKind};
    let cases = [
        (
            Algorithm::RS256,
            KeyKind::Rsa(2048),
            "RSASSA-PKCS1-v1_5 with SHA-256",
            "RSA 2048-bit private key",
        ),
        (
            Algorithm::PS384,
            KeyKind::Rsa(2048),
            "RSASSA-PSS with SHA-384",
            "RSA 2048-bit private key",
        ),
        (
            Algorithm::ES384,
            KeyKind::Ec(Curve::P384),
            "ECDSA on P-384",
            "EC P-384 private key",
        ),
        (
            Algorithm::ES512,
            KeyKind::Ec(Curve::P521),
            "ECDSA on P-521",
            "EC P-521 private key",
        ),
        (
            Algorithm::EdDSA,
            KeyKind::Ed25519,
            "Ed25519",
            "Ed25519 private key",
        ),
    ];
    for (algorithm, kind, scheme, described) in cases {
        let (token, choice) = signed_with(algorithm, kind, "k7");
        let settings = Settings {
            algorithm,
            ..Settings::default()
        };
        let e = explain(&token, choice, &settings, NOW + 1);
        assert_eq!(e.verdict(), Verdict::Valid, "{algorithm}");
        let text = e.to_text();
        assert!(text.contains(&format!("Signature: {scheme}")), "{text}");
        assert!(
            text.contains(&format!("checked with {described}, kid k7")),
            "{text}"
        );
        assert!(!text.contains("  recomputed "), "{text}");
        let ecdsa = algorithm.name().starts_with("ES");
        assert_eq!(text.contains("  r          hex "), ecdsa, "{text}");
        let json = e.to_json();
        assert_eq!(json["signature"]["key"]["kid"], "k7");
        assert_eq!(json["signature"]["checked"], true);
        assert_eq!(json["signature"]["ecdsa"].is_object(), ecdsa);
    }
    // A signature made with another key of the same kind fails check 4.
    let (token, _) = signed_with(Algorithm::EdDSA, KeyKind::Ed25519, "k7");
    let (_, other) = signed_with(Algorithm::EdDSA, KeyKind::Ed25519, "k7");
    let settings = Settings {
        algorithm: Algorithm::EdDSA,
        ..Settings::default()
    };
    let e = explain(&token, other, &settings, NOW + 1);
    assert_eq!(
        e.outcome(Check::Signature),
        Some(Outcome::Failed(DecodeError::BadSignature))
    );
}
