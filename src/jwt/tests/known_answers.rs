//! Known answers: RFC 7515 appendix A.1, and SimpleJWT's V1, V2, V3 and
//! V5 byte for byte.

use serde_json::Value;

use super::*;

#[test]
fn rfc7515_appendix_a1_hs256() {
    // The JWK "k" of RFC 7515 A.1, and its token: header and payload contain
    // CRLF and spaces, so only the transmitted bytes can be signed.
    let key = base64url::decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
    )
    .unwrap();
    let key = Key::new(Algorithm::HS256, &key).unwrap();
    let header = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
    let payload =
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
    let token = sign_parts(&key, header, payload.as_bytes()).unwrap();
    assert_eq!(
        token,
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9\
         .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
         .dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    );
    let claims = decode(&token, &key, &strict(), 1_300_819_379).unwrap();
    assert_eq!(claims.get_str("iss"), Some("joe"));
    assert_eq!(
        claims.get("http://example.com/is_root"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        decode(&token, &key, &strict(), 1_300_819_380),
        Err(DecodeError::Expired)
    );
}

#[test]
fn simplejwt_v1_refresh_and_access_byte_for_byte() {
    assert_eq!(
        encode(&hs256(), &claims(V1_REFRESH_PAYLOAD)).unwrap(),
        V1_REFRESH
    );
    assert_eq!(
        encode(&hs256(), &claims(V1_ACCESS_PAYLOAD)).unwrap(),
        V1_ACCESS
    );
    assert_eq!(
        decode_at(V1_REFRESH, NOW).unwrap(),
        claims(V1_REFRESH_PAYLOAD)
    );
    assert_eq!(
        decode_at(V1_ACCESS, NOW).unwrap(),
        claims(V1_ACCESS_PAYLOAD)
    );
}

#[test]
fn simplejwt_v2_hs512_byte_for_byte() {
    let key = Key::new(Algorithm::HS512, KEY).unwrap();
    assert_eq!(
        encode(&key, &claims(V1_ACCESS_PAYLOAD)).unwrap(),
        V2_HS512_ACCESS
    );
    assert!(decode(V2_HS512_ACCESS, &key, &strict(), NOW).is_ok());
    assert_eq!(
        decode_at(V2_HS512_ACCESS, NOW),
        Err(DecodeError::WrongAlgorithm)
    );
}

#[test]
fn simplejwt_v3_audience_and_issuer_byte_for_byte() {
    assert_eq!(encode(&hs256(), &claims(V3_PAYLOAD)).unwrap(), V3_AUD_ISS);
    let validation = Validation {
        leeway: 0,
        audience: Some(vec!["my-aud".into()]),
        issuer: Some("https://issuer.example".into()),
    };
    assert!(decode(V3_AUD_ISS, &hs256(), &validation, NOW).is_ok());
    // V1 carries neither claim, so it fails both checks.
    assert_eq!(
        decode(V1_ACCESS, &hs256(), &validation, NOW),
        Err(DecodeError::WrongIssuer)
    );
}

#[test]
fn simplejwt_v5_custom_claims_byte_for_byte() {
    assert_eq!(encode(&hs256(), &claims(V5_PAYLOAD)).unwrap(), V5_CUSTOM);
    let decoded = decode_at(V5_CUSTOM, NOW).unwrap();
    assert_eq!(decoded.get_str("name"), Some("Zo\u{eb} \u{1f600}"));
    assert_eq!(decoded.to_json(), V5_PAYLOAD);
}
