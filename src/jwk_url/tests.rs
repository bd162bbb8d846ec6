//! The key set read strictly, fetched from a real socket, and the pacing of
//! fetches.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use super::*;
use crate::jwt::{self, Claims, DecodeError, Validation};
use crate::pki::{Curve, KeyKind, PrivateKey};

fn pair(kind: KeyKind) -> PrivateKey {
    PrivateKey::generate(kind).unwrap()
}

fn jwk(key: &PrivateKey, kid: &str, alg: &str) -> Value {
    Value::Object(key.public().to_jwk(Some(kid), alg))
}

/// Serves `body` as a JWKS on a local port, to `requests` requests; the URL.
fn serve(body: String, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut head = [0u8; 2048];
            let _ = stream.read(&mut head);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}/.well-known/jwks.json?tenant=secret")
}

fn settings(url: &str) -> Settings {
    Settings {
        algorithm: Algorithm::ES256,
        jwk_url: Some(url.to_owned()),
        ..Settings::default()
    }
}

fn token(key: &PrivateKey, kid: &str) -> String {
    let key = Key::private(Algorithm::ES256, key.clone_for_tests()).unwrap();
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
    let mut claims = Claims::new();
    claims.set("sub", "x");
    jwt::sign_parts(
        &key,
        &jwt::base64url_encode(header.as_bytes()),
        claims.to_json().as_bytes(),
    )
    .unwrap()
}

#[test]
fn only_signing_keys_of_the_algorithm_named_by_a_usable_kid_are_taken() {
    let p256 = pair(KeyKind::Ec(Curve::P256));
    let p384 = pair(KeyKind::Ec(Curve::P384));
    let ed = pair(KeyKind::Ed25519);
    let mut encryption = jwk(&p256, "enc", "ES256");
    encryption["use"] = "enc".into();
    let mut no_alg = jwk(&p256, "plain", "ES256");
    no_alg.as_object_mut().unwrap().remove("alg");
    let mut private = jwk(&p256, "leaked", "ES256");
    private["d"] = "AAAA".into();
    let set = serde_json::json!({"keys": [
        jwk(&p256, "a", "ES256"),
        no_alg,
        jwk(&p256, "a", "ES256"),
        jwk(&p256, "rs", "RS256"),
        jwk(&p384, "p384", "ES256"),
        jwk(&ed, "ed", "ES256"),
        encryption,
        private,
        jwk(&p256, "bad kid!", "ES256"),
        "not an object",
    ]});
    let (keys, skipped) = keys_of(set.to_string().as_bytes(), Algorithm::ES256).unwrap();
    let kids: Vec<&str> = keys.iter().map(|(kid, _)| kid.as_str()).collect();
    assert_eq!(kids, ["a", "plain"]);
    let skipped = skipped.join("\n");
    for why in [
        "a: a second key",
        "rs: its alg is \"RS256\"",
        "p384: ES256 cannot use an EC P-384 key",
        "ed: ES256 cannot use an Ed25519 key",
        "enc: its use is \"enc\"",
        "leaked: the JWK has the private member \"d\"",
        "bad kid!: the kid is not",
        "(no kid): not an object",
    ] {
        assert!(skipped.contains(why), "{why} in\n{skipped}");
    }
    assert!(keys_of(b"[]", Algorithm::ES256).is_err());
    assert!(keys_of(b"{\"keys\": 1}", Algorithm::ES256).is_err());
    let many: Vec<Value> = (0..MAX_KEYS + 5)
        .map(|i| jwk(&p256, &format!("k{i}"), "ES256"))
        .collect();
    let (keys, skipped) = keys_of(
        serde_json::json!({"keys": many}).to_string().as_bytes(),
        Algorithm::ES256,
    )
    .unwrap();
    assert_eq!(keys.len(), MAX_KEYS);
    assert!(
        skipped.last().unwrap().contains("5 keys past"),
        "{skipped:?}"
    );
}

#[test]
fn a_fetched_set_verifies_tokens_by_kid_and_signs_nothing() {
    let key = pair(KeyKind::Ec(Curve::P256));
    let url = serve(
        serde_json::json!({"keys": [jwk(&key, "k1", "ES256")]}).to_string(),
        1,
    );
    let set = JwkUrl::new(&settings(&url), None).unwrap();
    assert!(
        !set.shown().contains("secret"),
        "the query stays out of the log"
    );
    let (ring, skipped) = set.fetch().unwrap();
    assert!(skipped.is_empty());
    assert!(!ring.can_sign());
    let now = 0;
    assert!(jwt::decode_with_keys(&token(&key, "k1"), &ring, &Validation::default(), now).is_ok());
    let unknown = jwt::decode_with_keys(&token(&key, "k2"), &ring, &Validation::default(), now);
    assert_eq!(unknown.unwrap_err(), DecodeError::UnknownKey);
    // No kid: a set's keys must be named.
    let plain = Key::private(Algorithm::ES256, key.clone_for_tests()).unwrap();
    let unnamed = jwt::encode(&plain, &Claims::new()).unwrap();
    assert_eq!(
        jwt::decode_with_keys(&unnamed, &ring, &Validation::default(), now).unwrap_err(),
        DecodeError::UnknownKey
    );
}

#[test]
fn a_signing_key_stays_in_front_of_the_fetched_keys() {
    let fetched = pair(KeyKind::Ec(Curve::P256));
    let own = Key::private(Algorithm::ES256, pair(KeyKind::Ec(Curve::P256))).unwrap();
    let own_kid = own.public_key().unwrap().thumbprint();
    let configured = Keyring::named(own_kid.clone(), own).unwrap();
    let url = serve(
        serde_json::json!({"keys": [jwk(&fetched, "k1", "ES256")]}).to_string(),
        1,
    );
    let set = JwkUrl::new(&settings(&url), Some(&configured)).unwrap();
    assert!(set.empty_ring().can_sign());
    let (ring, _) = set.fetch().unwrap();
    assert!(ring.can_sign());
    assert_eq!(ring.kids().collect::<Vec<_>>(), [own_kid.as_str(), "k1"]);
    // Only the signing key is this server's own to publish.
    assert_eq!(ring.own_keys().count(), 1);
}

#[test]
fn fetches_are_paced_and_failures_keep_nothing_new() {
    let key = pair(KeyKind::Ec(Curve::P256));
    let url = serve(
        serde_json::json!({"keys": [jwk(&key, "k1", "ES256")]}).to_string(),
        1,
    );
    let mut settings = settings(&url);
    settings.jwk_url_refresh = Duration::from_millis(300);
    let set = Arc::new(JwkUrl::new(&settings, None).unwrap());
    assert!(set.wait_for_turn(), "the first fetch is due at once");
    set.fetch().unwrap();
    let started = Instant::now();
    assert!(set.wait_for_turn());
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    // The server is gone: the fetch fails, saying why.
    let why = set.fetch().unwrap_err();
    assert!(why.contains("connect"), "{why}");
    let stopper = set.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stopper.stop();
    });
    assert!(!set.wait_for_turn(), "a stop ends the wait");
}

#[test]
fn hmac_https_without_the_feature_and_bad_urls_are_refused() {
    let mut hmac = settings("http://127.0.0.1:1/jwks");
    hmac.algorithm = Algorithm::HS256;
    assert!(JwkUrl::new(&hmac, None)
        .err()
        .unwrap()
        .contains("public-key ALGORITHM"));
    assert!(JwkUrl::new(&settings("ftp://example.com/"), None).is_err());
    assert!(JwkUrl::new(&settings("http://user:pw@example.com/"), None).is_err());
    let https = JwkUrl::new(&settings("https://example.com/jwks"), None);
    assert_eq!(https.is_ok(), cfg!(feature = "https"));
}
