//! Keys with ids: tokens name their key and verify until it leaves the
//! ring.

use super::*;

#[test]
fn tokens_name_their_key_and_verify_until_it_leaves_the_ring() {
    let old = Key::new(Algorithm::HS256, b"old secret").unwrap();
    let new = Key::new(Algorithm::HS256, b"new secret").unwrap();
    let before = Keyring::with_ids(("k-old".into(), old.clone()), Vec::new()).unwrap();
    let token = encode_with_keys(&before, &claims(V1_ACCESS_PAYLOAD)).unwrap();
    let header = base64url_decode(token.split('.').next().unwrap()).unwrap();
    assert_eq!(header, br#"{"alg":"HS256","kid":"k-old","typ":"JWT"}"#);
    // After a rotation the old key still verifies its tokens...
    let rotated = Keyring::with_ids(
        ("k-new".into(), new.clone()),
        vec![("k-old".into(), old.clone())],
    )
    .unwrap();
    let decoded = decode_with_keys(&token, &rotated, &strict(), NOW).unwrap();
    assert_eq!(decoded.to_json(), V1_ACCESS_PAYLOAD);
    let fresh = encode_with_keys(&rotated, &claims(V1_ACCESS_PAYLOAD)).unwrap();
    assert!(decode_with_keys(&fresh, &rotated, &strict(), NOW).is_ok());
    // ...until it is retired.
    let retired = Keyring::with_ids(("k-new".into(), new.clone()), Vec::new()).unwrap();
    assert_eq!(
        decode_with_keys(&token, &retired, &strict(), NOW).err(),
        Some(DecodeError::UnknownKey)
    );
    // A token naming one key but signed by another is a bad signature.
    let forged_header = base64url_encode(br#"{"alg":"HS256","kid":"k-old","typ":"JWT"}"#);
    let forged = sign_parts(&new, &forged_header, V1_ACCESS_PAYLOAD.as_bytes()).unwrap();
    assert_eq!(
        decode_with_keys(&forged, &rotated, &strict(), NOW).err(),
        Some(DecodeError::BadSignature)
    );
    // SimpleJWT's header (no kid) is checked with the current key.
    let plain = encode(&new, &claims(V1_ACCESS_PAYLOAD)).unwrap();
    assert!(decode_with_keys(&plain, &rotated, &strict(), NOW).is_ok());
    let plain_old = encode(&old, &claims(V1_ACCESS_PAYLOAD)).unwrap();
    assert_eq!(
        decode_with_keys(&plain_old, &rotated, &strict(), NOW).err(),
        Some(DecodeError::BadSignature)
    );
}
