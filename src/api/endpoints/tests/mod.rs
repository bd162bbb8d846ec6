//! The HTTP surface end to end: requests go through the whole application
//! (router, body parsing, policy, an in-memory store) with a fixed clock and
//! counted jtis, and every answer is compared with the SimpleJWT 5.5.1
//! reference byte for byte: status, body (key order included) and headers.
//! Policy details are tested in `auth::tests`; here only what a client sees.
//!
//! This file holds the fixture: an application with four users, and the
//! expected bodies and headers. The tests are in one file per endpoint or
//! concern; the admin API's are beside it (`admin/tests/`).

use std::sync::Arc;

use serde_json::Value;

use crate::app::App;
use crate::config::{Audience, Settings};
use crate::http::{Handler, OwnedRequest, Response};
use crate::jwt::{base64url_encode, sign_parts, Algorithm, Key};
use crate::password::{make_password, unusable_password};
use crate::store::{NewUser, User};
use crate::token::JtiSource;

#[cfg(feature = "asymmetric")]
mod asymmetric;
mod blacklist;
mod health;
mod metrics;
mod obtain;
mod options;
mod protected;
mod refresh;
mod refresh_cookie;
mod refusals;
mod revoke_all;
mod routing;
mod settings;
mod sliding;
mod storage;
mod token_views;
mod verify;

const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z, the reference vectors' frozen clock.
const NOW: u64 = 1_735_689_600;
const PASSWORD: &str = "correct horse battery staple";
/// `PASSWORD` at 1000 iterations (reference P1).
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";
/// Reference vector V1 (user pk 1, jtis 1 and 2, 1 day / 5 min).
const V1_REFRESH: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ";
const V1_ACCESS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.ruhCFnpO2XjULqI1GoCuXvYj1BbJb30E42ka3VXwCVk";

const OBTAIN: &str = "/api/token/";
const REFRESH: &str = "/api/token/refresh/";
const VERIFY: &str = "/api/token/verify/";
const BLACKLIST: &str = "/api/token/blacklist/";
const PROTECTED: &str = "/api/protected/";

/// The four POST views and their serializer fields, in declared order.
const TOKEN_VIEWS: [(&str, &[&str]); 4] = [
    (OBTAIN, &["username", "password"]),
    (REFRESH, &["refresh"]),
    (VERIFY, &["token"]),
    (BLACKLIST, &["refresh"]),
];

const ALLOW_POST: &str = "POST, OPTIONS";
const ALLOW_GET: &str = "GET, OPTIONS";
const CHALLENGE: &str = "Bearer realm=\"api\"";

const NO_CREDENTIALS: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const BAD_CREDENTIALS: &str = r#"{"detail":"No active account found with the given credentials"}"#;
const NO_ACCOUNT: &str = r#"{"detail":"No active account found for the given token."}"#;
const BAD_HEADER: &str = r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#;
const HELLO_ALICE: &str = r#"{"message":"Hello, authenticated user!","user":"alice"}"#;

// --- fixtures ----------------------------------------------------------

fn settings() -> Settings {
    Settings {
        password_iterations: 1000,
        login_threads: 2,
        login_queue: 64,
        ..Settings::default()
    }
}

fn add_user(app: &App, id: u64, username: &str, password: &str, is_active: bool) {
    app.auth
        .store()
        .add_user(NewUser {
            id: Some(id),
            user: User {
                is_active,
                ..User::active(id, username, password)
            },
        })
        .unwrap();
}

/// alice (1, active), bob (2, inactive, same password), carol (3, unusable
/// password) and "123" (4, password "1.5").
fn app_with(settings: Settings) -> Arc<App> {
    let app = App::in_memory(settings, KEY, NOW, JtiSource::counter()).unwrap();
    add_user(&app, 1, "alice", P1, true);
    add_user(&app, 2, "bob", P1, false);
    add_user(&app, 3, "carol", &unusable_password().unwrap(), true);
    add_user(&app, 4, "123", &make_password("1.5", 1000).unwrap(), true);
    app
}

/// An application on a file-backed store whose disk fills up when the
/// flag is set, with alice (id 1, password P1) in it; the directory it
/// lives in, removed when dropped (after the application).
fn app_on_failing_disk(
    name: &str,
) -> (
    Arc<App>,
    Arc<std::sync::atomic::AtomicBool>,
    crate::scratch_dir::ScratchDir,
) {
    let dir = crate::scratch_dir::ScratchDir::new(name);
    let path = dir.join("db.redb");
    let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store = Arc::new(crate::store::Store::open_on_failing_disk(&path, full.clone()).unwrap());
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store).unwrap();
    add_user(&app, 1, "alice", P1, true);
    (app, full, dir)
}

fn app() -> Arc<App> {
    app_with(settings())
}

fn send(app: &App, request: &OwnedRequest) -> Response {
    app.handle(&request.request()).resolve()
}

fn post(app: &App, path: &str, json: &str) -> Response {
    send(app, &OwnedRequest::post_json(path, json))
}

fn get_protected(app: &App, authorization: &str) -> Response {
    send(
        app,
        &OwnedRequest::new("GET", PROTECTED).header("Authorization", authorization),
    )
}

/// A JSON string literal.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Logs alice in; returns (refresh, access).
fn login(app: &App) -> (String, String) {
    let r = post(
        app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v: Value = serde_json::from_str(r.text()).unwrap();
    (
        v["refresh"].as_str().unwrap().to_owned(),
        v["access"].as_str().unwrap().to_owned(),
    )
}

/// A token with `payload` as its exact payload bytes, signed with the test key.
fn forge(payload: &str) -> String {
    let key = Key::new(Algorithm::HS256, KEY).unwrap();
    sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
}

/// `UUID(int=n).hex`.
/// Access tokens SimpleJWT refuses, each with its message: not a token,
/// expired, no `exp`, no jti. Their jtis start with `prefix`.
fn refused_access_tokens(prefix: &str) -> Vec<(String, &'static str)> {
    vec![
        ("garbage".to_owned(), "Token is invalid"),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{NOW},"jti":"{prefix}1","user_id":"1"}}"#
            )),
            "Token is expired",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"access","jti":"{prefix}2","user_id":"1"}}"#
            )),
            "Token has no 'exp' claim",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{},"user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no id",
        ),
    ]
}

fn jti(n: u64) -> String {
    format!("{n:032x}")
}

/// SimpleJWT's payload for a token of `kind` for user 1 at `now`.
fn payload(kind: &str, lifetime: u64, now: u64, n: u64) -> String {
    format!(
        r#"{{"token_type":"{kind}","exp":{},"iat":{now},"jti":"{}","user_id":"1"}}"#,
        now + lifetime,
        jti(n)
    )
}

/// `{"detail":<text>,"code":"token_not_valid"}`
fn not_valid(text: &str) -> String {
    format!(r#"{{"detail":{},"code":"token_not_valid"}}"#, js(text))
}

/// The protected view's body for a token that failed as an access token.
fn not_valid_for_any(message: &str) -> String {
    format!(
        r#"{{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{{"token_class":"AccessToken","token_type":"access","message":{}}}]}}"#,
        js(message)
    )
}

/// `{"<field>":["<message>"],...}` in the order given.
fn field_errors(errors: &[(&str, &str)]) -> String {
    let members: Vec<String> = errors
        .iter()
        .map(|(field, message)| format!("{}:[{}]", js(field), js(message)))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn required(fields: &[&str]) -> String {
    let errors: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (*f, "This field is required."))
        .collect();
    field_errors(&errors)
}

fn method_detail(method: &str) -> String {
    format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#)
}

/// Status, exact body, and DRF's headers: `application/json`, `Vary:
/// Accept`, `Allow` as given, and `WWW-Authenticate` exactly on 401s.
#[track_caller]
pub(super) fn expect(r: &Response, allow: &str, status: u16, body: &str) {
    assert_eq!((r.status, r.text()), (status, body));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("Vary"), Some("Accept"));
    assert_eq!(r.header("Allow"), Some(allow));
    let challenge = (status == 401).then_some(CHALLENGE);
    assert_eq!(r.header("WWW-Authenticate"), challenge);
}

/// A token view's answer.
#[track_caller]
fn expect_view(r: &Response, status: u16, body: &str) {
    expect(r, ALLOW_POST, status, body);
}

/// The protected view's answer.
#[track_caller]
fn expect_protected(r: &Response, status: u16, body: &str) {
    expect(r, ALLOW_GET, status, body);
}

/// A 200 of `path` with its keys in SimpleJWT's order.
#[track_caller]
fn expect_success(path: &str, r: &Response) {
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let v: Value = serde_json::from_str(r.text()).unwrap();
    let body = match path {
        OBTAIN => format!(r#"{{"refresh":{},"access":{}}}"#, v["refresh"], v["access"]),
        REFRESH => format!(r#"{{"access":{},"refresh":{}}}"#, v["access"], v["refresh"]),
        _ => "{}".to_owned(),
    };
    expect_view(r, 200, &body);
    for token in [&v["refresh"], &v["access"]] {
        if let Some(t) = token.as_str() {
            assert_eq!(t.split('.').count(), 3, "{t}");
        }
    }
}

/// Values each view accepts, in declared field order (fresh tokens each
/// call, since refresh and blacklist spend theirs).
fn good_values(app: &App, path: &str) -> Vec<String> {
    match path {
        OBTAIN => vec!["alice".into(), PASSWORD.into()],
        VERIFY => vec![login(app).1],
        _ => vec![login(app).0],
    }
}

/// Values each view refuses after parsing, and the answer it gives.
fn bad_values(path: &str) -> (Vec<String>, String) {
    match path {
        OBTAIN => (
            vec!["nobody".into(), "wrong".into()],
            BAD_CREDENTIALS.to_owned(),
        ),
        _ => (vec!["garbage".into()], not_valid("Token is invalid")),
    }
}

/// `{"f1":v1,...}` with JSON-encoded values given as raw JSON.
fn object(members: &[(&str, String)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", js(k)))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// `fields` with their values, as a JSON object.
fn object_of(fields: &[&str], values: &[String]) -> String {
    let members: Vec<(&str, String)> = fields
        .iter()
        .zip(values)
        .map(|(f, v)| (*f, js(v)))
        .collect();
    object(&members)
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if b.is_ascii_alphanumeric() || b"-_.".contains(&b) => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn multipart(boundary: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body.into_bytes()
}
