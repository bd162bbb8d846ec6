//! Known answers first (RFC 7515 appendices A.2, A.3 and A.4, RFC 8037
//! appendix A), then the round trips every key makes: PEM, PKCS#8, JWK.

use super::der;
use super::*;
use crate::primitives::{base64url_decode, base64url_encode};

fn b64(text: &str) -> Vec<u8> {
    base64url_decode(text).unwrap()
}

/// RFC 7515's payload `{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}`.
const RFC7515_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

/// RFC 7515 A.2's RSA key, as JWK members.
const A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const A2_D: &str = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
const A2_P: &str = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
const A2_Q: &str = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
const A2_DP: &str = "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0";
const A2_DQ: &str = "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU";
const A2_QI: &str = "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U";
const A2_SIGNATURE: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

/// RFC 7515 A.3's P-256 key and signature.
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const A3_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const A3_SIGNATURE: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/// RFC 7515 A.4's P-521 key and signature, over the payload `Payload`.
const A4_X: &str =
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk";
const A4_Y: &str =
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2";
const A4_D: &str =
    "AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d53vM9mE15j2C";
const A4_SIGNATURE: &str = "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

/// RFC 8037 A.1 and A.4: the Ed25519 key, and its signature of
/// `Example of Ed25519 signing` under `{"alg":"EdDSA"}`.
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const ED_SIGNATURE: &str =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

/// A SEC1 ECPrivateKey as an `EC PRIVATE KEY` PEM block.
fn sec1_pem(curve: Curve, d: &[u8], x: &[u8], y: &[u8]) -> String {
    let mut point = vec![0x04];
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let mut key = Vec::new();
    der::write_unsigned(&mut key, &[1]);
    der::write(&mut key, der::OCTET_STRING, d);
    der::write(
        &mut key,
        der::CONTEXT_0,
        &der::element(der::OID, curve.oid()),
    );
    let mut bits = Vec::new();
    der::write_bit_string(&mut bits, &point);
    der::write(&mut key, der::CONTEXT_1, &bits);
    pem::encode("EC PRIVATE KEY", &der::element(der::SEQUENCE, &key))
}

fn jwk(json: &str) -> PublicKey {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    PublicKey::from_jwk(value.as_object().unwrap()).unwrap()
}

#[test]
fn rfc7515_a2_rs256_signs_byte_for_byte_from_a_traditional_rsa_key() {
    let mut numbers = Vec::new();
    der::write_unsigned(&mut numbers, &[0]);
    for part in [A2_N, "AQAB", A2_D, A2_P, A2_Q, A2_DP, A2_DQ, A2_QI] {
        der::write_unsigned(&mut numbers, &b64(part));
    }
    let pem = pem::encode("RSA PRIVATE KEY", &der::element(der::SEQUENCE, &numbers));
    let key = PrivateKey::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(key.public().kind(), KeyKind::Rsa(2048));
    let input = format!("eyJhbGciOiJSUzI1NiJ9.{RFC7515_PAYLOAD}");
    let scheme = Scheme::RsaPkcs1(Hash::Sha256);
    let mut signature = [0u8; MAX_SIGNATURE_LEN];
    let len = key.sign(scheme, input.as_bytes(), &mut signature).unwrap();
    assert_eq!(base64url_encode(&signature[..len]), A2_SIGNATURE);

    let public = jwk(&format!(r#"{{"kty":"RSA","n":"{A2_N}","e":"AQAB"}}"#));
    assert_eq!(&public, key.public());
    assert!(public.verify(scheme, input.as_bytes(), &b64(A2_SIGNATURE)));
    let mut flipped = b64(A2_SIGNATURE);
    flipped[100] ^= 1;
    assert!(!public.verify(scheme, input.as_bytes(), &flipped));
    // The same key under PS256 signs and verifies, and is not RS256's.
    let pss = Scheme::RsaPss(Hash::Sha256);
    let len = key.sign(pss, input.as_bytes(), &mut signature).unwrap();
    assert!(public.verify(pss, input.as_bytes(), &signature[..len]));
    assert!(!public.verify(scheme, input.as_bytes(), &signature[..len]));
}

#[test]
fn rfc7515_a3_es256_verifies_and_a_sec1_key_signs() {
    let input = format!("eyJhbGciOiJFUzI1NiJ9.{RFC7515_PAYLOAD}");
    let scheme = Scheme::Ecdsa(Curve::P256);
    let public = jwk(&format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}"#
    ));
    assert!(public.verify(scheme, input.as_bytes(), &b64(A3_SIGNATURE)));
    assert!(!public.verify(scheme, b"another input", &b64(A3_SIGNATURE)));
    assert!(!public.verify(
        Scheme::Ecdsa(Curve::P384),
        input.as_bytes(),
        &b64(A3_SIGNATURE)
    ));

    let pem = sec1_pem(Curve::P256, &b64(A3_D), &b64(A3_X), &b64(A3_Y));
    let key = PrivateKey::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(key.public(), &public);
    let mut signature = [0u8; MAX_SIGNATURE_LEN];
    let len = key.sign(scheme, input.as_bytes(), &mut signature).unwrap();
    assert_eq!(len, 64, "r || s, 32 bytes each");
    assert!(public.verify(scheme, input.as_bytes(), &signature[..len]));
}

#[test]
fn rfc7515_a4_es512_verifies_and_a_p521_key_signs() {
    let input = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA";
    let scheme = Scheme::Ecdsa(Curve::P521);
    let public = jwk(&format!(
        r#"{{"kty":"EC","crv":"P-521","x":"{A4_X}","y":"{A4_Y}"}}"#
    ));
    assert!(public.verify(scheme, input.as_bytes(), &b64(A4_SIGNATURE)));
    assert!(!public.verify(
        scheme,
        b"eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZB",
        &b64(A4_SIGNATURE)
    ));

    let pem = sec1_pem(Curve::P521, &b64(A4_D), &b64(A4_X), &b64(A4_Y));
    let key = PrivateKey::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(key.public(), &public);
    let mut signature = [0u8; MAX_SIGNATURE_LEN];
    let len = key.sign(scheme, input.as_bytes(), &mut signature).unwrap();
    assert_eq!(len, 132, "r || s, 66 bytes each");
    assert!(public.verify(scheme, input.as_bytes(), &signature[..len]));
}

#[test]
fn rfc8037_a4_ed25519_signs_byte_for_byte_and_its_thumbprint_is_a3s() {
    let mut algorithm = Vec::new();
    der::write(&mut algorithm, der::OID, OID_ED25519);
    let mut info = Vec::new();
    der::write_unsigned(&mut info, &[0]);
    der::write(&mut info, der::SEQUENCE, &algorithm);
    der::write(
        &mut info,
        der::OCTET_STRING,
        &der::element(der::OCTET_STRING, &b64(ED_D)),
    );
    let key = PrivateKey::from_pkcs8(&der::element(der::SEQUENCE, &info)).unwrap();
    let public = jwk(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{ED_X}"}}"#));
    assert_eq!(key.public(), &public);
    let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let mut signature = [0u8; MAX_SIGNATURE_LEN];
    let len = key
        .sign(Scheme::Ed25519, input.as_bytes(), &mut signature)
        .unwrap();
    assert_eq!(base64url_encode(&signature[..len]), ED_SIGNATURE);
    assert!(public.verify(Scheme::Ed25519, input.as_bytes(), &b64(ED_SIGNATURE)));
    // RFC 8037 A.3.
    assert_eq!(
        public.thumbprint(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn every_kind_of_new_key_round_trips_through_pem_and_jwk() {
    let kinds = [
        (KeyKind::Rsa(2048), Scheme::RsaPss(Hash::Sha512)),
        (KeyKind::Ec(Curve::P256), Scheme::Ecdsa(Curve::P256)),
        (KeyKind::Ec(Curve::P384), Scheme::Ecdsa(Curve::P384)),
        (KeyKind::Ec(Curve::P521), Scheme::Ecdsa(Curve::P521)),
        (KeyKind::Ed25519, Scheme::Ed25519),
    ];
    for (kind, scheme) in kinds {
        let key = PrivateKey::generate(kind).unwrap();
        assert_eq!(key.public().kind(), kind);
        let again = PrivateKey::from_pem(key.to_pem().as_bytes()).unwrap();
        assert_eq!(again.public(), key.public(), "{kind}");
        let public = PublicKey::from_pem(key.public().to_pem().as_bytes()).unwrap();
        assert_eq!(&public, key.public(), "{kind}");
        let jwk = key.public().to_jwk(Some("k1"), "X");
        assert!(!jwk.contains_key("d"));
        assert_eq!(&PublicKey::from_jwk(&jwk).unwrap(), key.public(), "{kind}");
        let mut signature = [0u8; MAX_SIGNATURE_LEN];
        let len = again.sign(scheme, b"message", &mut signature).unwrap();
        assert_eq!(len, key.public().signature_len(scheme));
        assert!(
            public.verify(scheme, b"message", &signature[..len]),
            "{kind}"
        );
        // Never a panic, never true, for a scheme the key does not suit.
        for other in [
            Scheme::Ed25519,
            Scheme::Ecdsa(Curve::P384),
            Scheme::RsaPkcs1(Hash::Sha256),
        ] {
            if !kind.suits(other) {
                assert!(!public.verify(other, b"message", &signature[..len]));
                assert!(again.sign(other, b"message", &mut signature).is_err());
            }
        }
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted") && !shown.contains(&key.to_pem()[30..50]));
    }
}

#[test]
fn jwks_with_private_members_bad_numbers_or_points_off_the_curve_are_refused() {
    let refused = |json: &str| {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        PublicKey::from_jwk(value.as_object().unwrap())
            .unwrap_err()
            .0
    };
    let private = refused(&format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","d":"{A3_D}"}}"#
    ));
    assert!(private.contains("private"), "{private}");
    // y changed: the point is not on P-256.
    let off = refused(&format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_X}"}}"#
    ));
    assert!(off.contains("not on P-256"), "{off}");
    assert!(refused(r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#).contains("32 bytes"));
    assert!(refused(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).contains("bits"));
    assert!(refused(r#"{"kty":"oct","k":"c2VjcmV0"}"#).contains("private"));
    assert!(refused(r#"{"kty":"OKP","crv":"X25519","x":"AAAA"}"#).contains("not supported"));
    assert!(refused(r#"{"kty":"RSA","n":"a+b/","e":"AQAB"}"#).contains("base64url"));
}

#[test]
fn pem_keys_of_the_wrong_label_or_kind_are_refused_with_a_reason() {
    let key = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let public_pem = key.public().to_pem();
    assert!(PrivateKey::from_pem(public_pem.as_bytes())
        .unwrap_err()
        .contains("public key"));
    assert!(PublicKey::from_pem(key.to_pem().as_bytes())
        .unwrap_err()
        .contains("not a public key"));
    let certificate = pem::encode("CERTIFICATE", b"\x30\x00");
    assert!(PrivateKey::from_pem(certificate.as_bytes())
        .unwrap_err()
        .contains("CERTIFICATE"));
    assert!(PrivateKey::from_pkcs8(b"\x30\x03\x02\x01\x00").is_err());
}
