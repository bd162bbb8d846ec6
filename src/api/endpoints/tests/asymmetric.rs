//! The views with public-key algorithms: tokens signed and checked with a
//! key pair, the JWKS, a server that only verifies, and the attacks a
//! careless verifier falls for, each refused.

use super::*;
use crate::jwt::Keyring;
use crate::pki::{Curve, KeyKind, PrivateKey};

const JWKS: &str = "/.well-known/jwks.json";

/// The app with `algorithm` and a new key `kid` of the right kind, and the
/// key.
fn app_signing(algorithm: Algorithm, kind: KeyKind, kid: &str) -> (Arc<App>, Key) {
    // Made with the HMAC key, then given the key pair: what `jwtd serve`
    // loads from a key file or the database.
    let app = app_with(settings());
    let key = Key::private(algorithm, PrivateKey::generate(kind).unwrap()).unwrap();
    app.auth
        .set_keyring(Keyring::with_ids((kid.into(), key.clone()), Vec::new()).unwrap());
    (app, key)
}

fn header_of(token: &str) -> Value {
    let segment = token.split('.').next().unwrap();
    serde_json::from_slice(&crate::jwt::base64url_decode(segment).unwrap()).unwrap()
}

fn verify(app: &App, token: &str) -> Response {
    post(app, VERIFY, &format!(r#"{{"token":{}}}"#, js(token)))
}

#[test]
fn every_public_key_algorithm_issues_refreshes_and_verifies_its_tokens() {
    let cases = [
        (Algorithm::ES256, KeyKind::Ec(Curve::P256)),
        (Algorithm::ES384, KeyKind::Ec(Curve::P384)),
        (Algorithm::ES512, KeyKind::Ec(Curve::P521)),
        (Algorithm::EdDSA, KeyKind::Ed25519),
        (Algorithm::RS256, KeyKind::Rsa(2048)),
        (Algorithm::PS512, KeyKind::Rsa(2048)),
    ];
    for (algorithm, kind) in cases {
        let (app, _) = app_signing(algorithm, kind, "k1");
        let (refresh, access) = login(&app);
        assert_eq!(
            header_of(&access),
            serde_json::json!({"alg": algorithm.name(), "kid": "k1", "typ": "JWT"})
        );
        assert_eq!(get_protected(&app, &format!("Bearer {access}")).status, 200);
        assert_eq!(verify(&app, &refresh).status, 200, "{algorithm}");
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":{}}}"#, js(&refresh)));
        assert_eq!(r.status, 200, "{algorithm}: {}", r.text());
    }
}

#[test]
fn the_jwks_publishes_public_members_only_and_nothing_for_hmac() {
    let (app, key) = app_signing(Algorithm::ES256, KeyKind::Ec(Curve::P256), "k1");
    let r = send(&app, &OwnedRequest::new("GET", JWKS));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Cache-Control"), Some("public, max-age=300"));
    let set: Value = serde_json::from_str(r.text()).unwrap();
    let jwk = &set["keys"][0];
    assert_eq!(set["keys"].as_array().unwrap().len(), 1);
    for (name, value) in [
        ("kty", "EC"),
        ("kid", "k1"),
        ("use", "sig"),
        ("alg", "ES256"),
        ("crv", "P-256"),
    ] {
        assert_eq!(jwk[name], value, "{name}");
    }
    let members: Vec<&String> = jwk.as_object().unwrap().keys().collect();
    assert_eq!(members, ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    // The published key is the key: it reads back as the signing key's half.
    let public = crate::pki::PublicKey::from_jwk(jwk.as_object().unwrap()).unwrap();
    assert_eq!(Some(&public), key.public_key());

    let hmac = super::app();
    let r = send(&hmac, &OwnedRequest::new("GET", JWKS));
    assert_eq!((r.status, r.text()), (200, r#"{"keys":[]}"#));
}

#[test]
fn a_server_with_a_verifying_key_alone_verifies_and_refuses_to_issue() {
    let (signer, key) = app_signing(Algorithm::ES256, KeyKind::Ec(Curve::P256), "k1");
    let (refresh, access) = login(&signer);
    let app = super::app();
    let public = Key::public(Algorithm::ES256, key.public_key().unwrap().clone()).unwrap();
    app.auth
        .set_keyring(Keyring::with_ids(("k1".into(), public), Vec::new()).unwrap());
    assert!(!app.auth.can_sign());
    let not_signing = r#"{"detail":"This server verifies tokens but does not issue them: it has no signing key.","code":"not_signing"}"#;
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    );
    assert_eq!((r.status, r.text()), (501, not_signing));
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":{}}}"#, js(&refresh)));
    assert_eq!((r.status, r.text()), (501, not_signing));
    assert_eq!(verify(&app, &refresh).status, 200);
    assert_eq!(get_protected(&app, &format!("Bearer {access}")).status, 200);
    // Its JWKS still publishes the key it verifies with.
    let r = send(&app, &OwnedRequest::new("GET", JWKS));
    assert!(r.text().contains(r#""kid":"k1""#), "{}", r.text());
}

#[test]
fn algorithm_confusion_none_foreign_kids_embedded_keys_and_der_signatures_are_refused() {
    let (app, key) = app_signing(Algorithm::ES256, KeyKind::Ec(Curve::P256), "k1");
    let body = payload("access", 300, NOW, 7);
    let signed = |header: &str| {
        sign_parts(&key, &base64url_encode(header.as_bytes()), body.as_bytes()).unwrap()
    };
    let good = signed(r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#);
    assert_eq!(verify(&app, &good).status, 200);

    let public_pem = key.public_key().unwrap().to_pem();
    let hmac_with = |secret: &[u8], header: &str| {
        let hmac = Key::new(Algorithm::HS256, secret).unwrap();
        sign_parts(&hmac, &base64url_encode(header.as_bytes()), body.as_bytes()).unwrap()
    };
    let [_, _, signature] = <[&str; 3]>::try_from(good.split('.').collect::<Vec<_>>()).unwrap();
    let raw = crate::jwt::base64url_decode(signature).unwrap();
    let der = der_signature(&raw[..32], &raw[32..]);
    let good_head = good.rsplit_once('.').unwrap().0;
    let refused = [
        // HS256 "signed" with the public key, the classic confusion.
        (
            "HS256 with the public key",
            hmac_with(public_pem.as_bytes(), r#"{"alg":"HS256","typ":"JWT"}"#),
        ),
        (
            "HS256 naming k1",
            hmac_with(
                public_pem.as_bytes(),
                r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#,
            ),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                base64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
                base64url_encode(body.as_bytes())
            ),
        ),
        (
            "unknown kid",
            signed(r#"{"alg":"ES256","kid":"k2","typ":"JWT"}"#),
        ),
        (
            "jwk",
            signed(r#"{"alg":"ES256","jwk":{"kty":"EC"},"kid":"k1"}"#),
        ),
        (
            "jku",
            signed(r#"{"alg":"ES256","jku":"http://evil.example/jwks.json","kid":"k1"}"#),
        ),
        (
            "x5u",
            signed(r#"{"alg":"ES256","kid":"k1","x5u":"http://evil.example/cert"}"#),
        ),
        (
            "x5c",
            signed(r#"{"alg":"ES256","kid":"k1","x5c":["MIIB"]}"#),
        ),
        (
            "DER signature",
            format!("{good_head}.{}", base64url_encode(&der)),
        ),
    ];
    for (what, token) in refused {
        let r = verify(&app, &token);
        assert_eq!(r.status, 401, "{what}: {}", r.text());
        assert!(r.text().contains("token_not_valid"), "{what}: {}", r.text());
        assert_eq!(
            get_protected(&app, &format!("Bearer {token}")).status,
            401,
            "{what}"
        );
    }
}

/// An ECDSA signature as DER: `SEQUENCE { INTEGER r, INTEGER s }`, the
/// form OpenSSL writes and JWS does not use.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let integer = |n: &[u8]| {
        let n = &n[n.iter().position(|&b| b != 0).unwrap_or(n.len() - 1)..];
        let mut out = vec![0x02];
        let pad = n[0] & 0x80 != 0;
        out.push((n.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(n);
        out
    };
    let mut body = integer(r);
    body.extend(integer(s));
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}
