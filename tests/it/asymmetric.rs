//! Public-key algorithms end to end: a server that makes its own key pair,
//! publishes it and rotates it; `token explain` of an ES256 token; and
//! `JWK_URL`, fetched from a real socket, refetched on an unknown kid,
//! and never in the way of a request when the key server misbehaves.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jwtd::jwt::{self, Algorithm, Key};
use jwtd::pki::{Curve, KeyKind, PrivateKey};

use crate::support::*;

fn header(token: &str) -> serde_json::Value {
    let segment = token.split('.').next().unwrap();
    serde_json::from_slice(&jwt::base64url_decode(segment).unwrap()).unwrap()
}

#[test]
fn a_server_makes_publishes_and_rotates_its_own_es256_key_pair() {
    let (dir, server) =
        server_with_alice(&[("JWTD_SIGNING_KEY", "<none>"), ("JWTD_ALGORITHM", "ES256")]);
    let (refresh, access) = server.login("alice");
    let first_kid = header(&access)["kid"].as_str().unwrap().to_owned();
    assert_eq!(header(&access)["alg"], "ES256");
    let jwks = server.get("/.well-known/jwks.json", None);
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.header("Cache-Control"), Some("public, max-age=300"));
    let keys = jwks.json()["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], first_kid.as_str());
    assert_eq!(keys[0]["crv"], "P-256");
    assert!(keys[0].get("d").is_none(), "{keys:?}");

    // `token explain` shows the key, the curve, r and s.
    let explained = run(&dir, &["token", "explain", &access], "");
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    for text in [
        "ECDSA on P-256 with SHA-256, r || s of 32 bytes each",
        "  r          hex ",
        "  s          hex ",
        &format!("checked with EC P-256 private key, kid {first_kid}"),
    ] {
        assert!(
            explained.stdout.contains(text),
            "{text} in\n{}",
            explained.stdout
        );
    }

    // A rotation on the running server: both keys published, the old
    // tokens still good, new tokens under the new kid.
    let rotated = run(&dir, &["key", "rotate"], "");
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let (_, new_access) = server.login("alice");
    let new_kid = header(&new_access)["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, first_kid);
    let kids: Vec<String> = server.get("/.well-known/jwks.json", None).json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids, [new_kid.clone(), first_kid.clone()]);
    let verify = |token: &str| {
        server
            .post_json("/api/token/verify/", &format!(r#"{{"token":"{token}"}}"#))
            .status
    };
    assert_eq!(verify(&refresh), 200);
    assert_eq!(verify(&access), 200);
    let retired = run(&dir, &["key", "retire", "--force", &first_kid], "");
    assert_eq!(retired.code, 0, "{}", retired.stderr);
    assert_eq!(verify(&access), 401);
    assert_eq!(verify(&new_access), 200);
    let list = run(&dir, &["key", "list"], "");
    assert!(list.stdout.contains("ES256"), "{}", list.stdout);
    // No private key anywhere it could be read: the key list, the log,
    // /metrics, an error body. (Stored PKCS#8 of a P-256 key starts with
    // these bytes, base64 "MIGHAgEAMBMG"; PEM with "-----BEGIN".)
    let metrics = server.get("/metrics", None).body;
    let refused = server
        .post_json("/api/token/verify/", r#"{"token":"x.y.z"}"#)
        .body;
    for (place, text) in [
        ("key list", &list.stdout),
        ("log", &server.log()),
        ("metrics", &metrics),
        ("error body", &refused),
    ] {
        for secret in ["PRIVATE", "MIGHAgEAMBMG", "jwtd-key v1"] {
            assert!(!text.contains(secret), "{secret} in the {place}:\n{text}");
        }
    }
}

/// A JWKS server on 127.0.0.1 whose document can change; counts requests.
struct KeyServer {
    url: String,
    body: Arc<Mutex<String>>,
    requests: Arc<Mutex<usize>>,
}

impl KeyServer {
    fn start(body: String) -> KeyServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let body = Arc::new(Mutex::new(body));
        let requests = Arc::new(Mutex::new(0));
        let (served, counted) = (body.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head);
                *counted.lock().unwrap() += 1;
                let body = served.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        KeyServer {
            url,
            body,
            requests,
        }
    }
}

fn jwks(keys: &[(&PrivateKey, &str)]) -> String {
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|(key, kid)| serde_json::Value::Object(key.public().to_jwk(Some(kid), "ES256")))
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}

/// An ES256 access token for alice (id 1) under `kid`, signed by `key`.
fn token(key: &PrivateKey, kid: &str) -> String {
    let pem = key.to_pem();
    let key = Key::private(
        Algorithm::ES256,
        PrivateKey::from_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let now = jwtd::time::now_seconds();
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#);
    let payload = format!(
        r#"{{"token_type":"access","exp":{},"iat":{now},"jti":"{kid}-{now}","user_id":"1"}}"#,
        now + 300
    );
    jwt::sign_parts(
        &key,
        &jwt::base64url_encode(header.as_bytes()),
        payload.as_bytes(),
    )
    .unwrap()
}

#[test]
fn jwk_url_verifies_by_kid_refetches_for_a_new_kid_and_issues_nothing() {
    let k1 = PrivateKey::generate(KeyKind::Ec(Curve::P256)).unwrap();
    let k2 = PrivateKey::generate(KeyKind::Ec(Curve::P256)).unwrap();
    let keys = KeyServer::start(jwks(&[(&k1, "k1")]));
    let (_dir, server) = server_with_alice(&[
        ("JWTD_SIGNING_KEY", "<none>"),
        ("JWTD_ALGORITHM", "ES256"),
        ("JWTD_JWK_URL", &keys.url),
    ]);
    assert!(
        server.log().contains("verifying with key(s) k1"),
        "{}",
        server.log()
    );
    assert_eq!(
        server
            .get("/api/protected/", Some(&token(&k1, "k1")))
            .status,
        200
    );
    let obtain = server.post_json("/api/token/", r#"{"username":"alice","password":"x"}"#);
    assert_eq!(obtain.status, 501, "{}", obtain.body);
    assert_eq!(obtain.json()["code"], "not_signing");
    // A key the server does not hold is refused at once ...
    let new = token(&k2, "k2");
    let started = Instant::now();
    assert_eq!(server.get("/api/protected/", Some(&new)).status, 401);
    assert!(started.elapsed() < Duration::from_secs(2));
    // ... and once the set has it, the next fetch (at most 10 s after the
    // last) takes it up.
    *keys.body.lock().unwrap() = jwks(&[(&k1, "k1"), (&k2, "k2")]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    while Instant::now() < deadline {
        status = server.get("/api/protected/", Some(&new)).status;
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(status, 200, "k2 never taken up:\n{}", server.log());
    // Made-up kids do not make it fetch more than once every 10 s.
    let before = *keys.requests.lock().unwrap();
    for i in 0..20 {
        let _ = server.get(
            "/api/protected/",
            Some(&token(&k2, &format!("made-up-{i}"))),
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(*keys.requests.lock().unwrap() <= before + 1);
}

#[test]
fn a_key_server_that_never_answers_delays_no_request() {
    // Accepts, then says nothing: every fetch runs into its 5 s deadline.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let holder = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            holder.lock().unwrap().push(stream);
        }
    });
    let started = Instant::now();
    let (_dir, server) = server_with_alice(&[
        ("JWTD_SIGNING_KEY", "<none>"),
        ("JWTD_ALGORITHM", "ES256"),
        ("JWTD_JWK_URL", &url),
    ]);
    let start_time = started.elapsed();
    assert!(start_time < Duration::from_secs(9), "{start_time:?}");
    assert!(server.log().contains("timed out"), "{}", server.log());
    // Requests naming unknown keys, while a refetch hangs, answer at once.
    let key = PrivateKey::generate(KeyKind::Ec(Curve::P256)).unwrap();
    for i in 0..5 {
        let asked = Instant::now();
        let r = server.get("/api/protected/", Some(&token(&key, &format!("k{i}"))));
        assert_eq!(r.status, 401);
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "{:?}",
            asked.elapsed()
        );
        assert_eq!(server.get("/healthz", None).status, 200);
    }
}
