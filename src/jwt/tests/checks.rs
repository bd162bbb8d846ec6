//! The numbered checks of `decode`, one test each, the signature before
//! any claim, and `decode_observed` reporting them in order.

use super::*;

#[test]
fn check_1_length() {
    let long = format!("{}.{}.{}", "a".repeat(MAX_TOKEN_LEN), "b", "c");
    assert_eq!(decode_at(&long, NOW), Err(DecodeError::TooLong));
}

#[test]
fn check_2_three_segments() {
    for bad in [
        "",
        ".",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        &format!("{V1_ACCESS}."),
    ] {
        assert_eq!(
            decode_at(bad, NOW),
            Err(DecodeError::NotThreeSegments),
            "{bad:?}"
        );
    }
    // Three empty segments have the right shape and fail on the header.
    assert_eq!(decode_at("..", NOW), Err(DecodeError::MalformedHeader));
}

#[test]
fn check_3_header() {
    let payload = V1_ACCESS_PAYLOAD;
    // Other producers' headers are parsed: no typ, other key order, a kid.
    for ok in [
        r#"{"alg":"HS256"}"#,
        r#"{"typ":"JWT","alg":"HS256"}"#,
        r#"{"alg":"HS256","typ":"x","kid":"k"}"#,
    ] {
        assert!(decode_at(&forge(ok, payload), NOW).is_ok(), "{ok}");
    }
    for (header, want) in [
        (r#"{"alg":"none","typ":"JWT"}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":"None"}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":"hs256"}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":"HS512"}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":"RS256"}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":""}"#, DecodeError::WrongAlgorithm),
        (r#"{"alg":null}"#, DecodeError::WrongAlgorithm),
        (r#"{"typ":"JWT"}"#, DecodeError::WrongAlgorithm),
        (
            r#"{"alg":"HS256","alg":"none"}"#,
            DecodeError::MalformedHeader,
        ),
        (
            r#"{"alg":"none","alg":"HS256"}"#,
            DecodeError::MalformedHeader,
        ),
        (r#"["HS256"]"#, DecodeError::MalformedHeader),
        ("not json", DecodeError::MalformedHeader),
        (
            r#"{"alg":"HS256","crit":["x-unknown"]}"#,
            DecodeError::UnsupportedHeader,
        ),
        (
            r#"{"alg":"HS256","b64":false}"#,
            DecodeError::UnsupportedHeader,
        ),
        (
            r#"{"alg":"HS256","kid":{"a":1}}"#,
            DecodeError::UnsupportedHeader,
        ),
        (r#"{"alg":"HS256","kid":0}"#, DecodeError::UnsupportedHeader),
    ] {
        assert_eq!(
            decode_at(&forge(header, payload), NOW),
            Err(want),
            "{header}"
        );
    }
    // Padding on the header changes the signing input: refused as malformed.
    let (h, rest) = V1_ACCESS.split_once('.').unwrap();
    assert_eq!(
        decode_at(&format!("{h}=.{rest}"), NOW),
        Err(DecodeError::MalformedHeader)
    );
}

#[test]
fn check_4_signature() {
    let (signed, sig) = V1_ACCESS.rsplit_once('.').unwrap();
    assert_eq!(
        decode_at(&format!("{signed}."), NOW),
        Err(DecodeError::MalformedSignature)
    );
    assert_eq!(
        decode_at(&format!("{signed}.{sig}="), NOW),
        Err(DecodeError::MalformedSignature)
    );
    assert_eq!(
        decode_at(&format!("{signed}.{}", &sig[..42]), NOW),
        Err(DecodeError::MalformedSignature)
    );
    // Non-zero trailing bits in the last character: same tag bytes, another
    // spelling. Refused so that a token has exactly one spelling.
    let last = sig.as_bytes()[42];
    let sibling = ["k", "l", "m", "n"]
        .into_iter()
        .find(|c| c.as_bytes()[0] != last)
        .unwrap();
    assert_eq!(sig.chars().last(), Some('k'));
    assert_eq!(
        decode_at(&format!("{signed}.{}{sibling}", &sig[..42]), NOW),
        Err(DecodeError::MalformedSignature)
    );
    // Standard alphabet in place of url-safe.
    let (v3_signed, v3_sig) = V3_AUD_ISS.rsplit_once('.').unwrap();
    assert!(v3_sig.contains('_'));
    let standard = format!("{v3_signed}.{}", v3_sig.replace('_', "/"));
    assert_eq!(
        decode_at(&standard, NOW),
        Err(DecodeError::MalformedSignature)
    );
    // One flipped bit anywhere.
    let mut tag = base64url::decode(sig).unwrap();
    tag[31] ^= 0x10;
    let flipped = format!("{signed}.{}", base64url::encode(&tag));
    assert_eq!(decode_at(&flipped, NOW), Err(DecodeError::BadSignature));
    // Another token's signature, a weak key, an empty key's signature.
    let (_, refresh_sig) = V1_REFRESH.rsplit_once('.').unwrap();
    assert_eq!(
        decode_at(&format!("{signed}.{refresh_sig}"), NOW),
        Err(DecodeError::BadSignature)
    );
    let weak = Key::new(Algorithm::HS256, b"secret").unwrap();
    let forged = encode(&weak, &claims(V1_ACCESS_PAYLOAD)).unwrap();
    assert_eq!(decode_at(&forged, NOW), Err(DecodeError::BadSignature));
    // An edited payload under the original signature.
    let edited = V1_ACCESS_PAYLOAD.replace("1735689900", "1999999999");
    let edited = format!(
        "{}.{}.{}",
        Algorithm::HS256.encoded_header(),
        base64url_encode(edited.as_bytes()),
        &V1_ACCESS[V1_ACCESS.rfind('.').unwrap() + 1..]
    );
    assert_eq!(decode_at(&edited, NOW), Err(DecodeError::BadSignature));
    // A NUL after a valid token.
    assert!(decode_at(&format!("{V1_ACCESS}\0"), NOW).is_err());
}

#[test]
fn check_5_payload() {
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    for payload in [
        "[]",
        "\"x\"",
        "1",
        "null",
        "",
        "{",
        r#"{"a":1,"a":2}"#,
        r#"{"user_id":"1","user_id":"2"}"#,
    ] {
        assert_eq!(
            decode_at(&forge(header, payload), NOW),
            Err(DecodeError::MalformedPayload),
            "{payload}"
        );
    }
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(
        decode_at(&forge(header, &deep), NOW),
        Err(DecodeError::MalformedPayload)
    );
    assert!(
        decode_at(&forge(header, "{}"), NOW).is_ok(),
        "no claim is required here"
    );
}

#[test]
fn check_6_times_with_exact_boundaries() {
    let header = r#"{"alg":"HS256"}"#;
    let at = |payload: &str, now| decode_at(&forge(header, payload), now);
    // exp: expired when exp <= now.
    assert_eq!(at(r#"{"exp":1000}"#, 1000), Err(DecodeError::Expired));
    assert!(at(r#"{"exp":1000}"#, 999).is_ok());
    assert_eq!(
        at(r#"{"exp":1000.9}"#, 1000),
        Err(DecodeError::Expired),
        "truncated like int()"
    );
    assert!(at(r#"{"exp":1001.5}"#, 1000).is_ok());
    assert_eq!(at(r#"{"exp":-5}"#, 1000), Err(DecodeError::Expired));
    // Only times a Python datetime can hold (years 1 to 9999): beyond, a
    // token would never expire.
    assert!(
        at(r#"{"exp":253402300799}"#, 1000).is_ok(),
        "9999-12-31T23:59:59Z"
    );
    assert!(
        at(r#"{"exp":253402300799.9}"#, 1000).is_ok(),
        "truncated first"
    );
    for far in [
        r#"{"exp":253402300800}"#,
        r#"{"exp":18446744073709551617}"#,
        r#"{"exp":1e300}"#,
        r#"{"exp":-62135596801}"#,
        r#"{"iat":253402300800}"#,
        r#"{"nbf":-1e300}"#,
        r#"{"iat":1e30}"#,
    ] {
        assert_eq!(at(far, 1000), Err(DecodeError::MalformedTime), "{far}");
    }
    assert_eq!(
        at(r#"{"exp":-62135596800}"#, 1000),
        Err(DecodeError::Expired)
    );
    // iat and nbf: invalid when later than now.
    assert!(at(r#"{"iat":1000}"#, 1000).is_ok());
    assert_eq!(at(r#"{"iat":1001}"#, 1000), Err(DecodeError::NotYetValid));
    assert!(at(r#"{"nbf":1000}"#, 1000).is_ok());
    assert_eq!(at(r#"{"nbf":1001}"#, 1000), Err(DecodeError::NotYetValid));
    // iat and nbf are checked before exp.
    assert_eq!(
        at(r#"{"exp":5,"iat":2000}"#, 1000),
        Err(DecodeError::NotYetValid)
    );
    // Only JSON numbers are NumericDates.
    for bad in [
        r#"{"exp":"1999999999"}"#,
        r#"{"exp":null}"#,
        r#"{"exp":true}"#,
        r#"{"exp":[1]}"#,
        r#"{"iat":"x"}"#,
        r#"{"nbf":"1"}"#,
    ] {
        assert_eq!(at(bad, 1000), Err(DecodeError::MalformedTime), "{bad}");
    }
}

#[test]
fn check_6_leeway_widens_every_time_claim() {
    let key = hs256();
    let lenient = Validation {
        leeway: 30,
        ..Validation::default()
    };
    let at = |payload: &str| decode(&forge(r#"{"alg":"HS256"}"#, payload), &key, &lenient, 1000);
    assert!(at(r#"{"exp":990}"#).is_ok());
    assert!(at(r#"{"exp":971}"#).is_ok());
    assert_eq!(at(r#"{"exp":970}"#), Err(DecodeError::Expired));
    assert_eq!(at(r#"{"exp":900}"#), Err(DecodeError::Expired));
    assert!(at(r#"{"iat":1030}"#).is_ok());
    assert_eq!(at(r#"{"iat":1031}"#), Err(DecodeError::NotYetValid));
    assert!(at(r#"{"nbf":1010}"#).is_ok());
    assert_eq!(at(r#"{"nbf":1100}"#), Err(DecodeError::NotYetValid));
}

#[test]
fn check_7_issuer() {
    let key = hs256();
    let v = Validation {
        issuer: Some("https://issuer.example".into()),
        ..Validation::default()
    };
    let at = |payload: &str| decode(&forge(r#"{"alg":"HS256"}"#, payload), &key, &v, NOW);
    assert!(at(r#"{"iss":"https://issuer.example"}"#).is_ok());
    assert_eq!(at(r#"{}"#), Err(DecodeError::WrongIssuer));
    assert_eq!(
        at(r#"{"iss":"https://evil.example"}"#),
        Err(DecodeError::WrongIssuer)
    );
    assert_eq!(
        at(r#"{"iss":["https://issuer.example"]}"#),
        Err(DecodeError::WrongIssuer)
    );
    // Without a configured issuer any iss is accepted.
    assert!(decode_at(&forge(r#"{"alg":"HS256"}"#, r#"{"iss":5}"#), NOW).is_ok());
}

#[test]
fn check_8_audience() {
    let key = hs256();
    let v = Validation {
        audience: Some(vec!["my-aud".into()]),
        ..Validation::default()
    };
    let at = |payload: &str| decode(&forge(r#"{"alg":"HS256"}"#, payload), &key, &v, NOW);
    assert!(at(r#"{"aud":"my-aud"}"#).is_ok());
    assert!(at(r#"{"aud":["other","my-aud"]}"#).is_ok());
    for bad in [
        r#"{}"#,
        r#"{"aud":"other"}"#,
        r#"{"aud":["other"]}"#,
        r#"{"aud":""}"#,
        r#"{"aud":[]}"#,
        r#"{"aud":["my-aud",1]}"#,
        r#"{"aud":1}"#,
        r#"{"aud":null}"#,
    ] {
        assert_eq!(at(bad), Err(DecodeError::WrongAudience), "{bad}");
    }
    // Without a configured audience, aud is not looked at.
    assert!(decode_at(&forge(r#"{"alg":"HS256"}"#, r#"{"aud":["x"]}"#), NOW).is_ok());
}

#[test]
fn check_9_sub_and_jti_are_strings() {
    let at = |payload: &str| decode_at(&forge(r#"{"alg":"HS256"}"#, payload), NOW);
    assert!(at(r#"{"sub":"1","jti":"x"}"#).is_ok());
    assert_eq!(at(r#"{"jti":1}"#), Err(DecodeError::MalformedClaim));
    assert_eq!(at(r#"{"sub":1}"#), Err(DecodeError::MalformedClaim));
    assert_eq!(at(r#"{"jti":null}"#), Err(DecodeError::MalformedClaim));
}

#[test]
fn signature_is_checked_before_any_claim() {
    // Garbage claims under a bad signature report the signature, never the claims.
    let header = Algorithm::HS256.encoded_header();
    let token = format!(
        "{header}.{}.{}",
        base64url_encode(br#"{"exp":"soon","aud":{}}"#),
        "A".repeat(42)
    );
    assert_eq!(decode_at(&token, NOW), Err(DecodeError::MalformedSignature));
    let token = format!(
        "{header}.{}.{}",
        base64url_encode(br#"{"exp":"soon","aud":{}}"#),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
    assert_eq!(decode_at(&token, NOW), Err(DecodeError::BadSignature));
}

/// Every outcome `decode_observed` reports, in order.
fn observe(
    token: &str,
    verifier: Verifier<'_>,
) -> (Vec<(Check, Outcome)>, Result<Claims, DecodeError>) {
    let mut seen = Vec::new();
    let result = decode_observed(token, verifier, &strict(), NOW, |check, outcome| {
        seen.push((check, outcome))
    });
    (seen, result)
}

#[test]
fn observed_checks_are_numbered_as_documented() {
    let numbers: Vec<u8> = Check::ALL.iter().map(|c| c.number()).collect();
    assert_eq!(numbers, (1..=9).collect::<Vec<u8>>());
    // Each check's number appears in `decode`'s documentation with its subject.
    let source = include_str!("../mod.rs");
    for (check, subject) in Check::ALL.iter().zip([
        "length",
        "exactly three segments",
        "the header",
        "the signature",
        "the payload",
        "the times",
        "`iss`",
        "`aud`",
        "`sub` and `jti`",
    ]) {
        let line = format!("/// {}. {subject}", check.number());
        assert!(source.contains(&line), "missing {line:?}");
    }
}

#[test]
fn a_valid_token_passes_every_check_in_order() {
    let (seen, result) = observe(V1_ACCESS, Verifier::Key(&hs256()));
    assert_eq!(result, decode_at(V1_ACCESS, NOW));
    let expected: Vec<(Check, Outcome)> =
        Check::ALL.iter().map(|&c| (c, Outcome::Passed)).collect();
    assert_eq!(seen, expected);
}

#[test]
fn observation_stops_at_the_first_failure() {
    let expired_now = NOW + 300;
    let mut seen = Vec::new();
    let result = decode_observed(
        V1_ACCESS,
        Verifier::Key(&hs256()),
        &strict(),
        expired_now,
        |c, o| seen.push((c, o)),
    );
    assert_eq!(result, Err(DecodeError::Expired));
    assert_eq!(seen.len(), 6);
    assert_eq!(
        seen[5],
        (Check::Times, Outcome::Failed(DecodeError::Expired))
    );
    assert!(seen[..5].iter().all(|(_, o)| *o == Outcome::Passed));

    let tampered = V1_ACCESS.replace(".ruhC", ".ruhD");
    let (seen, result) = observe(&tampered, Verifier::Key(&hs256()));
    assert_eq!(result, Err(DecodeError::BadSignature));
    assert_eq!(
        seen.last(),
        Some(&(Check::Signature, Outcome::Failed(DecodeError::BadSignature)))
    );
    assert_eq!(seen.len(), 4);

    let (seen, _) = observe("a.b", Verifier::Key(&hs256()));
    assert_eq!(
        seen,
        [
            (Check::Length, Outcome::Passed),
            (
                Check::Segments,
                Outcome::Failed(DecodeError::NotThreeSegments)
            )
        ]
    );
}

#[test]
fn skipping_the_signature_is_reported_and_nothing_else_changes() {
    let other_key = Key::new(Algorithm::HS256, b"another key, not the one that signed").unwrap();
    let tampered = V1_ACCESS.replace(".ruhC", ".ruhD");
    for token in [V1_ACCESS, tampered.as_str()] {
        assert!(decode(token, &other_key, &strict(), NOW).is_err());
        let (seen, result) = observe(token, Verifier::SkipSignature(Algorithm::HS256));
        assert_eq!(result.unwrap(), claims(V1_ACCESS_PAYLOAD));
        assert_eq!(seen[3], (Check::Signature, Outcome::Skipped));
        assert_eq!(seen.len(), 9);
    }
    // The header must still name the expected algorithm.
    let (seen, result) = observe(V2_HS512_ACCESS, Verifier::SkipSignature(Algorithm::HS256));
    assert_eq!(result, Err(DecodeError::WrongAlgorithm));
    assert_eq!(
        seen.last(),
        Some(&(Check::Header, Outcome::Failed(DecodeError::WrongAlgorithm)))
    );
}
