//! The HTTP surface end to end: requests go through the whole application
//! (router, body parsing, policy, an in-memory store) with a fixed clock and
//! counted jtis, and every answer is compared with the SimpleJWT 5.5.1
//! reference byte for byte: status, body (key order included) and headers.
//! Policy details are tested in `auth::tests`; here only what a client sees.

use std::sync::Arc;

use serde_json::Value;

use crate::app::App;
use crate::config::{Audience, Settings};
use crate::http::{Handler, Response, TestRequest};
use crate::jwt::{base64url_encode, sign_parts, Algorithm, SigningKey};
use crate::password::{make_password, unusable_password};
use crate::store::{NewUser, User};
use crate::token::JtiSource;

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
                id,
                username: username.into(),
                password: password.into(),
                is_active,
                is_staff: false,
                is_superuser: false,
                date_joined: 0,
                last_login: None,
                tokens_valid_after: 0,
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

fn app() -> Arc<App> {
    app_with(settings())
}

fn send(app: &App, request: &TestRequest) -> Response {
    app.handle(&request.request()).resolve()
}

fn post(app: &App, path: &str, json: &str) -> Response {
    send(app, &TestRequest::post_json(path, json))
}

fn get_protected(app: &App, authorization: &str) -> Response {
    send(
        app,
        &TestRequest::new("GET", PROTECTED).header("Authorization", authorization),
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
    let key = SigningKey::new(Algorithm::HS256, KEY).unwrap();
    sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes())
}

/// `UUID(int=n).hex`.
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
fn expect(r: &Response, allow: &str, status: u16, body: &str) {
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

// --- 1. request handling shared by the POST views (reference 1.1) -------

#[test]
fn token_views_answer_other_methods_with_405() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for method in ["GET", "PUT", "PATCH", "DELETE", "HEAD"] {
            // A body and a Content-Type change nothing: the method is checked first.
            for request in [
                TestRequest::new(method, path),
                TestRequest::new(method, path)
                    .header("Content-Type", "text/plain")
                    .body("{"),
            ] {
                let r = send(&app, &request);
                expect_view(&r, 405, &method_detail(method));
            }
        }
    }
    // The HEAD body is not sent, but its length is DRF's Content-Length.
    let r = send(&app, &TestRequest::new("HEAD", OBTAIN));
    assert_eq!(r.body.len(), 41);
}

#[test]
fn token_views_refuse_unsupported_media_types_with_415() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for content_type in [
            "text/plain; charset=utf-8",
            "application/vnd.api+json",
            "text/html",
            "application/xml",
        ] {
            let r = send(
                &app,
                &TestRequest::new("POST", path)
                    .header("Content-Type", content_type)
                    .body(r#"{"username":"alice"}"#),
            );
            let body =
                format!(r#"{{"detail":"Unsupported media type \"{content_type}\" in request."}}"#);
            expect_view(&r, 415, &body);
        }
        // A body without a Content-Type echoes "".
        let r = send(&app, &TestRequest::new("POST", path).body("{}"));
        expect_view(
            &r,
            415,
            r#"{"detail":"Unsupported media type \"\" in request."}"#,
        );
    }
}

#[test]
fn token_views_treat_an_empty_body_as_no_fields() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let expected = required(fields);
        for content_type in [
            None,
            Some("application/json"),
            Some("text/plain"),
            Some("multipart/form-data"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = TestRequest::new("POST", path);
            if let Some(ct) = content_type {
                request = request.header("Content-Type", ct);
            }
            let r = send(&app, &request);
            expect_view(&r, 400, &expected);
        }
    }
}

#[test]
fn token_views_report_malformed_json_with_the_parse_error_prefix() {
    let app = app();
    let bodies: [&[u8]; 6] = [
        br#"{"username": "#,
        br#"{"username":"alice","password":"x"} trailing"#,
        br#"{"username":NaN}"#,
        b"{\"username\":\"\xff\"}",
        b"\xef\xbb\xbf{}",
        b"{'username':'alice'}",
    ];
    for (path, _) in TOKEN_VIEWS {
        for body in bodies {
            let r = send(
                &app,
                &TestRequest::new("POST", path)
                    .header("Content-Type", "application/json")
                    .body(body),
            );
            let text = r.text().to_owned();
            assert!(
                text.starts_with(r#"{"detail":"JSON parse error - "#) && text.ends_with("\"}"),
                "{path} {body:?}: {text}"
            );
            // Exactly one member: the detail.
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v.as_object().unwrap().len(), 1, "{text}");
            expect_view(&r, 400, &text);
        }
    }
    // The suffixes the reference shows where Python's wording is reproduced.
    let r = send(
        &app,
        &TestRequest::post_json(OBTAIN, "").body(b"\xef\xbb\xbf{}".as_slice()),
    );
    expect_view(
        &r,
        400,
        r#"{"detail":"JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"}"#,
    );
}

#[test]
fn token_views_answer_json_null_with_no_data_provided() {
    let app = app();
    for (path, _) in TOKEN_VIEWS {
        for body in ["null", " null\n"] {
            let r = post(&app, path, body);
            expect_view(&r, 400, r#"{"non_field_errors":["No data provided"]}"#);
        }
    }
}

#[test]
fn token_views_refuse_multipart_without_a_boundary() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let r = send(
            &app,
            &TestRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data")
                .body("username=alice"),
        );
        expect_view(
            &r,
            400,
            r#"{"detail":"Multipart form parse error - Invalid boundary in multipart: None"}"#,
        );
        // Form and multipart bodies without any known field parse as {}.
        let r = send(
            &app,
            &TestRequest::new("POST", path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("other=1"),
        );
        expect_view(&r, 400, &required(fields));
        let r = send(
            &app,
            &TestRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data; boundary=B0und")
                .body(multipart("B0und", &[("other", "1")])),
        );
        expect_view(&r, 400, &required(fields));
    }
}

#[test]
fn token_views_refuse_json_that_is_not_an_object() {
    let app = app();
    let cases = [
        ("[]", "list"),
        (r#"[{"username":"alice"}]"#, "list"),
        (r#""alice""#, "str"),
        ("1", "int"),
        ("-0", "int"),
        ("5.5", "float"),
        ("1e3", "float"),
        ("true", "bool"),
        ("false", "bool"),
    ];
    for (path, _) in TOKEN_VIEWS {
        for (body, kind) in cases {
            let r = post(&app, path, body);
            let expected = format!(
                r#"{{"non_field_errors":["Invalid data. Expected a dictionary, but got {kind}."]}}"#
            );
            expect_view(&r, 400, &expected);
        }
    }
}

#[test]
fn token_views_list_missing_fields_in_declared_order() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        expect_view(&post(&app, path, "{}"), 400, &required(fields));
        expect_view(
            &post(&app, path, r#"{"unrelated":"x"}"#),
            400,
            &required(fields),
        );
    }
    // Only the missing field appears.
    expect_view(
        &post(&app, OBTAIN, r#"{"password":"x"}"#),
        400,
        r#"{"username":["This field is required."]}"#,
    );
    expect_view(
        &post(&app, OBTAIN, r#"{"username":"alice"}"#),
        400,
        r#"{"password":["This field is required."]}"#,
    );
    // Errors follow the declared order, not the body's.
    expect_view(
        &post(&app, OBTAIN, r#"{"password":null,"username":""}"#),
        400,
        r#"{"username":["This field may not be blank."],"password":["This field may not be null."]}"#,
    );
}

#[test]
fn token_views_validate_each_field_as_a_drf_charfield() {
    let app = app();
    let cases = [
        (r#""""#, "This field may not be blank."),
        (r#""   ""#, "This field may not be blank."),
        (r#""\t\n \r""#, "This field may not be blank."),
        ("null", "This field may not be null."),
        ("[]", "Not a valid string."),
        (r#"["alice"]"#, "Not a valid string."),
        ("{}", "Not a valid string."),
        (r#"{"a":"b"}"#, "Not a valid string."),
        ("true", "Not a valid string."),
        ("false", "Not a valid string."),
        (r#""a\u0000b""#, "Null characters are not allowed."),
        (r#""\u0000""#, "Null characters are not allowed."),
    ];
    for (path, fields) in TOKEN_VIEWS {
        for (i, field) in fields.iter().enumerate() {
            for (bad, message) in cases {
                // The other fields are valid strings, so only this one is reported.
                let members: Vec<(&str, String)> = fields
                    .iter()
                    .enumerate()
                    .map(|(j, f)| (*f, if i == j { bad.to_owned() } else { js("x") }))
                    .collect();
                let r = post(&app, path, &object(&members));
                expect_view(&r, 400, &field_errors(&[(field, message)]));
            }
        }
        // Every field bad: all reported, in declared order.
        let members: Vec<(&str, String)> = fields.iter().map(|f| (*f, "null".into())).collect();
        let errors: Vec<(&str, &str)> = fields
            .iter()
            .map(|f| (*f, "This field may not be null."))
            .collect();
        expect_view(
            &post(&app, path, &object(&members)),
            400,
            &field_errors(&errors),
        );
    }
}

#[test]
fn token_views_accept_numbers_as_strings() {
    let app = app();
    // User "123" has the password "1.5".
    for body in [
        r#"{"username":123,"password":1.5}"#,
        r#"{"username":"123","password":"1.5"}"#,
    ] {
        expect_success(OBTAIN, &post(&app, OBTAIN, body));
    }
    // Numbers reach the token check and fail there, never as field errors.
    for (path, fields) in &TOKEN_VIEWS[1..] {
        for number in ["123", "1.5", "-7"] {
            let r = post(&app, path, &object(&[(fields[0], number.to_owned())]));
            expect_view(&r, 401, &not_valid("Token is invalid"));
        }
    }
}

#[test]
fn token_views_ignore_unknown_keys_and_take_the_last_duplicate() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        // Unknown keys, anywhere, of any type.
        let good = good_values(&app, path);
        let mut members = vec![("extra", r#"[1,{"a":null}]"#.to_owned())];
        members.extend(fields.iter().zip(&good).map(|(f, v)| (*f, js(v))));
        members.push(("zzz", "null".to_owned()));
        expect_success(path, &post(&app, path, &object(&members)));

        let (bad, refused) = bad_values(path);
        for (i, field) in fields.iter().enumerate() {
            // bad then good: the good value wins.
            let good = good_values(&app, path);
            let mut members: Vec<(&str, String)> =
                fields.iter().zip(&good).map(|(f, v)| (*f, js(v))).collect();
            members.insert(i, (field, js(&bad[i])));
            expect_success(path, &post(&app, path, &object(&members)));
            // good then bad: the bad value wins.
            let good = good_values(&app, path);
            let mut members: Vec<(&str, String)> =
                fields.iter().zip(&good).map(|(f, v)| (*f, js(v))).collect();
            members.insert(i + 1, (field, js(&bad[i])));
            expect_view(&post(&app, path, &object(&members)), 401, &refused);
        }
    }
}

#[test]
fn token_views_trim_whitespace_including_the_password() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        for pad in [" ", "\t", "\n", " \r\n\t "] {
            let padded: Vec<String> = good_values(&app, path)
                .iter()
                .map(|v| format!("{pad}{v}{pad}"))
                .collect();
            expect_success(path, &post(&app, path, &object_of(fields, &padded)));
        }
    }
    // The trimmed password is the one checked: a password that really ends
    // with a space cannot be presented.
    let body = format!(
        r#"{{"username":" alice ","password":{}}}"#,
        js(&format!(" {PASSWORD} "))
    );
    expect_success(OBTAIN, &post(&app, OBTAIN, &body));
}

#[test]
fn token_views_accept_form_and_multipart_bodies() {
    let app = app();
    for (path, fields) in TOKEN_VIEWS {
        let values = good_values(&app, path);
        let form: Vec<String> = fields
            .iter()
            .zip(&values)
            .map(|(f, v)| format!("{f}={}", form_encode(&format!(" {v} "))))
            .collect();
        for content_type in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "Application/X-WWW-Form-URLEncoded",
        ] {
            let values = good_values(&app, path);
            let form: Vec<String> = fields
                .iter()
                .zip(&values)
                .map(|(f, v)| format!("{f}={}", form_encode(v)))
                .collect();
            let r = send(
                &app,
                &TestRequest::new("POST", path)
                    .header("Content-Type", content_type)
                    .body(form.join("&")),
            );
            expect_success(path, &r);
        }
        // Padded values are trimmed in forms too.
        let r = send(
            &app,
            &TestRequest::new("POST", path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.join("&")),
        );
        expect_success(path, &r);

        let values = good_values(&app, path);
        let parts: Vec<(&str, &str)> = fields
            .iter()
            .zip(&values)
            .map(|(f, v)| (*f, v.as_str()))
            .collect();
        let r = send(
            &app,
            &TestRequest::new("POST", path)
                .header("Content-Type", "multipart/form-data; boundary=----jwtd42")
                .body(multipart("----jwtd42", &parts)),
        );
        expect_success(path, &r);
    }
    // JSON media types match case-insensitively and honour charset.
    for content_type in ["Application/JSON", "application/json; charset=utf-8"] {
        let r = send(
            &app,
            &TestRequest::new("POST", OBTAIN)
                .header("Content-Type", content_type)
                .body(object_of(
                    &["username", "password"],
                    &good_values(&app, OBTAIN),
                )),
        );
        expect_success(OBTAIN, &r);
    }
}

// --- 2. obtain (reference 1.2) ---------------------------------------------

#[test]
fn obtain_fails_identically_for_every_bad_credential() {
    let app = app();
    for (username, password) in [
        ("nobody", PASSWORD),       // unknown user
        ("alice", "wrong"),         // wrong password
        ("Alice", PASSWORD),        // usernames are case-sensitive
        ("bob", PASSWORD),          // inactive, with the right password
        ("carol", PASSWORD),        // unusable password
        ("carol", "!"),             // ... whatever is sent
        ("alice", "correct horse"), // a prefix
    ] {
        let body = format!(
            r#"{{"username":{},"password":{}}}"#,
            js(username),
            js(password)
        );
        let r = post(&app, OBTAIN, &body);
        expect_view(&r, 401, BAD_CREDENTIALS);
    }
}

#[test]
fn obtain_success_body_and_headers() {
    let app = app();
    let body = format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD));
    let r = post(&app, OBTAIN, &body);
    // jwtd's defaults: a day and an hour; the refresh token is V1's.
    let access = forge(&payload("access", 3600, NOW, 2));
    expect_view(
        &r,
        200,
        &format!(r#"{{"refresh":"{V1_REFRESH}","access":"{access}"}}"#),
    );
    let mut wire = Vec::new();
    r.write_to(&mut wire, false, None, "Wed, 01 Jan 2025 00:00:00 GMT");
    let wire = String::from_utf8(wire).unwrap();
    assert!(wire.contains("\r\nCache-Control: no-store\r\n"), "{wire}");
    assert!(
        wire.contains("\r\nContent-Type: application/json\r\n"),
        "{wire}"
    );

    // Token views ignore Authorization, however broken.
    for authorization in ["Bearer x", "Bearer", "Bearer a b", "Basic Zm9vOmJhcg=="] {
        let r = send(
            &app,
            &TestRequest::post_json(OBTAIN, &body).header("Authorization", authorization),
        );
        expect_success(OBTAIN, &r);
    }
    // And so do the other token views.
    let (refresh, _) = login(&app);
    let r = send(
        &app,
        &TestRequest::post_json(VERIFY, &format!(r#"{{"token":"{refresh}"}}"#))
            .header("Authorization", "Bearer garbage"),
    );
    expect_view(&r, 200, "{}");
}

#[test]
fn failed_login_responses_are_not_cached() {
    let app = app();
    let r = post(&app, OBTAIN, r#"{"username":"nobody","password":"x"}"#);
    let mut wire = Vec::new();
    r.write_to(&mut wire, false, None, "d");
    let wire = String::from_utf8(wire).unwrap();
    assert!(wire.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{wire}");
    assert!(wire.contains("\r\nCache-Control: no-store\r\n"), "{wire}");
    assert!(
        wire.contains("\r\nWWW-Authenticate: Bearer realm=\"api\"\r\n"),
        "{wire}"
    );
    assert!(
        wire.ends_with(&format!("\r\n\r\n{BAD_CREDENTIALS}")),
        "{wire}"
    );
}

// --- 3. refresh (reference 1.3) ------------------------------------------

#[test]
fn refresh_returns_access_then_rotated_refresh() {
    let app = app();
    let (refresh, _) = login(&app); // jtis 1 and 2
    let later = NOW + 60;
    app.clock.set(later);
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
    let access = forge(&payload("access", 3600, later, 3));
    let rotated = forge(&payload("refresh", 86400, later, 4));
    expect_view(
        &r,
        200,
        &format!(r#"{{"access":"{access}","refresh":"{rotated}"}}"#),
    );
    // Both work where they should.
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{rotated}"}}"#)),
    );
}

#[test]
fn refresh_token_errors_are_401_token_not_valid() {
    let app = app();
    let (used, access) = login(&app);
    // Spend `used`: rotation blacklists it.
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{used}"}}"#)),
    );

    let other_key = sign_parts(
        &SigningKey::new(Algorithm::HS256, b"another key").unwrap(),
        Algorithm::HS256.encoded_header(),
        payload("refresh", 86400, NOW, 90).as_bytes(),
    );
    let alg_none = format!(
        "{}.{}.",
        base64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
        base64url_encode(payload("refresh", 86400, NOW, 91).as_bytes())
    );
    let hs512 = sign_parts(
        &SigningKey::new(Algorithm::HS512, KEY).unwrap(),
        Algorithm::HS512.encoded_header(),
        payload("refresh", 86400, NOW, 92).as_bytes(),
    );
    let mut tampered = V1_REFRESH.to_owned();
    tampered.pop();
    tampered.push('R');
    let cases = [
        ("garbage".to_owned(), "Token is invalid"),
        ("a.b.c".to_owned(), "Token is invalid"),
        (tampered, "Token is invalid"),
        (other_key, "Token is invalid"),
        (alg_none, "Token is invalid"),
        (hs512, "Token is invalid"),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"iat":{},"jti":"f1","user_id":"1"}}"#,
                NOW + 100,
                NOW + 10
            )),
            "Token is invalid",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{NOW},"iat":{},"jti":"e0","user_id":"1"}}"#,
                NOW - 100
            )),
            "Token is expired",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"jti":"e1","user_id":"1"}}"#,
                NOW - 1
            )),
            "Token is expired",
        ),
        (access, "Token has wrong type"),
        (
            forge(&format!(
                r#"{{"token_type":"sliding","exp":{},"jti":"s1","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has wrong type",
        ),
        (
            forge(&format!(
                r#"{{"exp":{},"iat":{NOW},"jti":"t1","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no type",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"refresh","iat":{NOW},"jti":"x1","user_id":"1"}}"#
            )),
            "Token has no 'exp' claim",
        ),
        // 5.5.1: 500 (KeyError in check_blacklist); jwtd: 401.
        (
            forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no id",
        ),
        (used, "Token is blacklisted"),
    ];
    for (token, message) in cases {
        let r = post(&app, REFRESH, &object(&[("refresh", js(&token))]));
        expect_view(&r, 401, &not_valid(message));
    }
    // The expiry boundary: exp == now is expired, exp == now + 1 is not.
    let fresh = forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"b1","user_id":"1"}}"#,
        NOW + 1
    ));
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{fresh}"}}"#)),
    );
}

#[test]
fn refresh_exp_as_a_numeric_string_is_401_not_500() {
    let app = app();
    for exp in [
        format!(r#""{}""#, NOW + 300),
        r#""abc""#.to_owned(),
        "null".to_owned(),
    ] {
        let token = forge(&format!(
            r#"{{"token_type":"refresh","exp":{exp},"iat":{NOW},"jti":"n1","user_id":"1"}}"#
        ));
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_view(&r, 401, &not_valid("Token is invalid"));
    }
}

#[test]
fn refresh_refuses_tokens_of_missing_or_inactive_users() {
    let app = app();
    let (alice_refresh, _) = login(&app);
    // 5.5.1: 500 for a deleted user and for "abc"; jwtd answers as master does.
    let user_token = |user_id: &str, n: u64| {
        forge(&format!(
            r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"{}","user_id":{user_id}}}"#,
            NOW + 86400,
            jti(n)
        ))
    };
    for token in [
        user_token(r#""99""#, 100),  // no such user
        user_token("99", 101),       // 5.5.0's int form
        user_token(r#""2""#, 102),   // bob, inactive
        user_token(r#""abc""#, 103), // not an id
    ] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_view(&r, 401, NO_ACCOUNT);
    }
    app.auth.store().delete_user("alice").unwrap();
    let r = post(
        &app,
        REFRESH,
        &format!(r#"{{"refresh":"{alice_refresh}"}}"#),
    );
    expect_view(&r, 401, NO_ACCOUNT);
}

// --- 4. verify (reference 1.4) -------------------------------------------

#[test]
fn verify_accepts_any_token_type() {
    let app = app();
    let (refresh, access) = login(&app);
    let untyped = forge(&format!(
        r#"{{"exp":{},"iat":{NOW},"jti":"u1"}}"#,
        NOW + 300
    ));
    let odd_type = forge(&format!(
        r#"{{"token_type":"sliding","exp":{},"jti":"u2"}}"#,
        NOW + 300
    ));
    for token in [access, refresh, untyped, odd_type] {
        let r = post(&app, VERIFY, &format!(r#"{{"token":"{token}"}}"#));
        expect_view(&r, 200, "{}");
    }
}

#[test]
fn verify_errors_are_401_token_not_valid() {
    let app = app();
    let cases = [
        ("garbage".to_owned(), "Token is invalid"),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{NOW},"jti":"v1","user_id":"1"}}"#
            )),
            "Token is expired",
        ),
        (
            forge(r#"{"token_type":"access","jti":"v2","user_id":"1"}"#),
            "Token has no 'exp' claim",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{},"user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no id",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{},"jti":7}}"#,
                NOW + 300
            )),
            "Token is invalid",
        ),
    ];
    for (token, message) in cases {
        let r = post(&app, VERIFY, &format!(r#"{{"token":"{token}"}}"#));
        expect_view(&r, 401, &not_valid(message));
    }
}

#[test]
fn verify_refuses_a_blacklisted_token_with_400() {
    let app = app();
    let (refresh, _) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
    // A token spent by rotation is refused the same way.
    let (refresh, _) = login(&app);
    expect_success(
        REFRESH,
        &post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)),
    );
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
}

// --- 5. blacklist (reference 1.5) ----------------------------------------

#[test]
fn blacklist_once_then_refused() {
    let app = app();
    let (refresh, access) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    expect_view(
        &post(&app, BLACKLIST, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
    // The blacklisted token no longer refreshes.
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
    let r = post(&app, BLACKLIST, &format!(r#"{{"refresh":"{access}"}}"#));
    expect_view(&r, 401, &not_valid("Token has wrong type"));
    for body in ["{}", r#"{"token":"x"}"#] {
        expect_view(
            &post(&app, BLACKLIST, body),
            400,
            r#"{"refresh":["This field is required."]}"#,
        );
    }
    expect_view(
        &post(&app, BLACKLIST, r#"{"refresh":"garbage"}"#),
        401,
        &not_valid("Token is invalid"),
    );
}

// --- 6. the protected view (reference 1.7) -------------------------------

#[test]
fn protected_without_credentials_is_401() {
    let app = app();
    expect_protected(
        &send(&app, &TestRequest::new("GET", PROTECTED)),
        401,
        NO_CREDENTIALS,
    );
    let (_, access) = login(&app);
    for authorization in [
        String::new(),
        " ".into(),
        " \t ".into(),
        "Basic Zm9vOmJhcg==".into(),
        format!("Token {access}"),
        format!("JWT {access}"),
        format!("Bearerx {access}"),
        access.clone(),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 401, NO_CREDENTIALS);
    }
}

#[test]
fn protected_malformed_header_is_bad_authorization_header() {
    let app = app();
    let (_, access) = login(&app);
    for authorization in [
        "Bearer".to_owned(),
        "Bearer   ".to_owned(),
        "Bearer a b".to_owned(),
        format!("Bearer {access} {access}"),
        format!("Bearer {access} x"),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 401, BAD_HEADER);
    }
}

#[test]
fn protected_token_failures_report_messages() {
    let app = app();
    let (refresh, _) = login(&app);
    let cases = [
        ("garbage".to_owned(), "Token is invalid"),
        (
            format!("{}x", forge(&payload("access", 300, NOW, 50))),
            "Token is invalid",
        ),
        (refresh, "Token has wrong type"),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{NOW},"jti":"p1","user_id":"1"}}"#
            )),
            "Token is expired",
        ),
        (
            forge(r#"{"token_type":"access","jti":"p2","user_id":"1"}"#),
            "Token has no 'exp' claim",
        ),
        (
            forge(&format!(
                r#"{{"token_type":"access","exp":{},"user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no id",
        ),
        (
            forge(&format!(
                r#"{{"exp":{},"jti":"p3","user_id":"1"}}"#,
                NOW + 300
            )),
            "Token has no type",
        ),
    ];
    for (token, message) in cases {
        let r = get_protected(&app, &format!("Bearer {token}"));
        expect_protected(&r, 401, &not_valid_for_any(message));
    }
}

#[test]
fn protected_user_failures() {
    let app = app();
    let access_for = |user_id: &str| {
        forge(&format!(
            r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"a1"{user_id}}}"#,
            NOW + 300
        ))
    };
    let no_id = not_valid("Token contained no recognizable user identification");
    let cases = [
        (access_for(""), no_id.clone()),
        (access_for(r#","user_id":"""#), no_id.clone()),
        (access_for(r#","user_id":null"#), no_id.clone()),
        // 5.5.1: 500 (ValueError); jwtd: 401.
        (access_for(r#","user_id":"abc""#), no_id),
        (
            access_for(r#","user_id":"99""#),
            r#"{"detail":"User not found","code":"user_not_found"}"#.to_owned(),
        ),
        (
            access_for(r#","user_id":"2""#),
            r#"{"detail":"User is inactive","code":"user_inactive"}"#.to_owned(),
        ),
    ];
    for (token, body) in cases {
        let r = get_protected(&app, &format!("Bearer {token}"));
        expect_protected(&r, 401, &body);
    }
    // 5.5.0's integer user_id still works.
    let r = get_protected(&app, &format!("Bearer {}", access_for(r#","user_id":1"#)));
    expect_protected(&r, 200, HELLO_ALICE);
}

#[test]
fn protected_accepts_its_scheme_in_any_case_and_any_whitespace() {
    let app = app();
    let (_, access) = login(&app);
    // Lower-case `bearer` is refused by 5.5.1 and accepted by jwtd (as master).
    for authorization in [
        format!("Bearer {access}"),
        format!("bearer {access}"),
        format!("BEARER {access}"),
        format!("  Bearer\t{access}  "),
        format!("Bearer   {access}"),
    ] {
        let r = get_protected(&app, &authorization);
        expect_protected(&r, 200, HELLO_ALICE);
    }
}

#[test]
fn protected_checks_credentials_before_the_method() {
    let app = app();
    let (_, access) = login(&app);
    let bearer = format!("Bearer {access}");
    for method in ["POST", "PUT", "PATCH", "DELETE", "HEAD"] {
        let with = TestRequest::new(method, PROTECTED).header("Authorization", &bearer);
        expect_protected(&send(&app, &with), 405, &method_detail(method));
        let without = TestRequest::new(method, PROTECTED);
        expect_protected(&send(&app, &without), 401, NO_CREDENTIALS);
        let broken = TestRequest::new(method, PROTECTED).header("Authorization", "Bearer");
        expect_protected(&send(&app, &broken), 401, BAD_HEADER);
    }
    // HEAD bodies are not sent; their lengths are the reference's.
    let head = |r: TestRequest| send(&app, &r).body.len();
    assert_eq!(
        head(TestRequest::new("HEAD", PROTECTED).header("Authorization", &bearer)),
        41
    );
    assert_eq!(head(TestRequest::new("HEAD", PROTECTED)), 58);

    expect_protected(
        &send(&app, &TestRequest::new("OPTIONS", PROTECTED)),
        401,
        NO_CREDENTIALS,
    );
    let r = send(
        &app,
        &TestRequest::new("OPTIONS", PROTECTED).header("Authorization", &bearer),
    );
    expect_protected(
        &r,
        200,
        r#"{"name":"Protected View","description":"","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}"#,
    );
    let r = send(
        &app,
        &TestRequest::new("GET", PROTECTED).header("Authorization", &bearer),
    );
    expect_protected(&r, 200, HELLO_ALICE);
    // The user is named from the store, not from the token.
    let r = get_protected(&app, &format!("Bearer {}", V1_ACCESS));
    expect_protected(&r, 200, HELLO_ALICE);
}

// --- 7. OPTIONS metadata -------------------------------------------------

#[test]
fn options_on_token_views_returns_drf_metadata() {
    const HEAD: &str = r#""renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]"#;
    let app = app();
    let cases = [
        (
            OBTAIN,
            format!(
                r#"{{"name":"Token Obtain Pair","description":"Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",{HEAD},"actions":{{"POST":{{"username":{{"type":"string","required":true,"read_only":false,"label":"Username"}},"password":{{"type":"string","required":true,"read_only":false,"label":"Password"}}}}}}}}"#
            ),
        ),
        (
            REFRESH,
            // Verbatim from the reference.
            r#"{"name":"Token Refresh","description":"Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"refresh":{"type":"string","required":true,"read_only":false,"label":"Refresh"},"access":{"type":"string","required":false,"read_only":true,"label":"Access"}}}}"#.to_owned(),
        ),
        (
            VERIFY,
            format!(
                r#"{{"name":"Token Verify","description":"Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",{HEAD},"actions":{{"POST":{{"token":{{"type":"string","required":true,"read_only":false,"label":"Token"}}}}}}}}"#
            ),
        ),
        (
            BLACKLIST,
            format!(
                r#"{{"name":"Token Blacklist","description":"Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",{HEAD},"actions":{{"POST":{{"refresh":{{"type":"string","required":true,"read_only":false,"label":"Refresh"}}}}}}}}"#
            ),
        ),
    ];
    for (path, body) in cases {
        // Whatever the body or credentials: token views authenticate nobody.
        for request in [
            TestRequest::new("OPTIONS", path),
            TestRequest::new("OPTIONS", path)
                .header("Authorization", "Bearer garbage")
                .header("Content-Type", "text/plain")
                .body("x"),
        ] {
            expect_view(&send(&app, &request), 200, &body);
        }
    }
}

// --- 8. routing ----------------------------------------------------------

#[test]
fn unknown_paths_are_404() {
    let app = app();
    // `/` is the learner's page, tested on and off in page.rs.
    for path in [
        "/api",
        "/api/",
        "/no-such",
        "/no-such/",
        "/api/tokens",
        "/api/token/x/",
        "/api/token//",
        "/API/TOKEN/",
        "/api/token/refresh/extra",
        "/api/protected//",
    ] {
        for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            let r = send(
                &app,
                &TestRequest::new(method, path).header("Authorization", "Bearer x"),
            );
            assert_eq!(
                (r.status, r.text()),
                (404, r#"{"detail":"Not found."}"#),
                "{method} {path}"
            );
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            assert_eq!(r.header("Allow"), None);
            assert_eq!(r.header("WWW-Authenticate"), None);
            assert_eq!(r.header("Location"), None);
        }
    }
}

#[test]
fn missing_trailing_slash_redirects_with_301() {
    let app = app();
    for path in [
        "/api/token",
        "/api/token/refresh",
        "/api/token/verify",
        "/api/token/blacklist",
        "/api/protected",
    ] {
        for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            for (target, location) in [
                (path.to_owned(), format!("{path}/")),
                (format!("{path}?a=1&b=x"), format!("{path}/?a=1&b=x")),
            ] {
                // Neither authentication nor the body is looked at.
                let r = send(
                    &app,
                    &TestRequest::post_json(&target, "not json").header("Authorization", "Bearer"),
                );
                let r2 = send(&app, &TestRequest::new(method, &target));
                for r in [r, r2] {
                    assert_eq!(r.status, 301, "{method} {target}: {}", r.text());
                    assert_eq!(r.header("Location"), Some(location.as_str()));
                    assert_eq!(r.body, b"");
                    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
                    assert_eq!(r.header("WWW-Authenticate"), None);
                    assert_eq!(r.header("Allow"), None);
                    assert_eq!(r.header("Vary"), None);
                }
            }
        }
    }
}

// --- 9. settings that change the surface ---------------------------------

#[test]
fn auth_header_types_name_the_scheme_and_the_challenge() {
    let app = app_with(Settings {
        auth_header_types: vec!["JWT".into(), "Token".into()],
        ..settings()
    });
    let (_, access) = login(&app);
    for scheme in ["JWT", "jwt", "Token"] {
        let r = get_protected(&app, &format!("{scheme} {access}"));
        assert_eq!((r.status, r.text()), (200, HELLO_ALICE), "{scheme}");
    }
    let challenge = Some("JWT realm=\"api\"");
    let r = get_protected(&app, &format!("Bearer {access}"));
    assert_eq!((r.status, r.text()), (401, NO_CREDENTIALS));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    let r = get_protected(&app, "JWT");
    assert_eq!((r.status, r.text()), (401, BAD_HEADER));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    // Token views name it too.
    let r = post(&app, OBTAIN, r#"{"username":"alice","password":"x"}"#);
    assert_eq!((r.status, r.text()), (401, BAD_CREDENTIALS));
    assert_eq!(r.header("WWW-Authenticate"), challenge);
    let r = post(&app, VERIFY, r#"{"token":"x"}"#);
    assert_eq!(r.status, 401);
    assert_eq!(r.header("WWW-Authenticate"), challenge);
}

#[test]
fn auth_header_name_reads_another_header() {
    let app = app_with(Settings {
        auth_header_name: "HTTP_X_ACCESS_TOKEN".into(),
        ..settings()
    });
    let (_, access) = login(&app);
    let bearer = format!("Bearer {access}");
    for name in ["X-Access-Token", "x-access-token"] {
        let r = send(
            &app,
            &TestRequest::new("GET", PROTECTED).header(name, &bearer),
        );
        expect_protected(&r, 200, HELLO_ALICE);
    }
    // Authorization is now just another header.
    expect_protected(&get_protected(&app, &bearer), 401, NO_CREDENTIALS);
    let r = send(
        &app,
        &TestRequest::new("GET", PROTECTED).header("X-Access-Token", "Bearer"),
    );
    expect_protected(&r, 401, BAD_HEADER);
}

#[test]
fn without_rotation_refresh_returns_only_access() {
    let app = app_with(Settings {
        rotate_refresh_tokens: false,
        ..settings()
    });
    let (refresh, _) = login(&app);
    // The token is not spent: it refreshes again and again.
    for n in [3, 4, 5] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
        let access = forge(&payload("access", 3600, NOW, n));
        expect_view(&r, 200, &format!(r#"{{"access":"{access}"}}"#));
    }
}

#[test]
fn without_blacklist_after_rotation_verify_ignores_the_blacklist() {
    let app = app_with(Settings {
        blacklist_after_rotation: false,
        ..settings()
    });
    let (refresh, _) = login(&app);
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, BLACKLIST, &body), 200, "{}");
    let r = post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#));
    expect_view(&r, 200, "{}");
    // It is still blacklisted where it matters.
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
}

// --- 10. the reference vectors through HTTP -------------------------------

#[test]
fn login_reproduces_reference_vector_v1() {
    let app = app_with(Settings {
        access_token_lifetime: 300,
        ..settings()
    });
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    );
    expect_view(
        &r,
        200,
        &format!(r#"{{"refresh":"{V1_REFRESH}","access":"{V1_ACCESS}"}}"#),
    );
    // And V1's tokens are accepted by the server that minted them.
    expect_protected(
        &get_protected(&app, &format!("Bearer {V1_ACCESS}")),
        200,
        HELLO_ALICE,
    );
    expect_view(
        &post(&app, VERIFY, &format!(r#"{{"token":"{V1_REFRESH}"}}"#)),
        200,
        "{}",
    );
}

#[test]
fn login_reproduces_reference_vectors_v2_v3_v6() {
    let reference = || Settings {
        access_token_lifetime: 300,
        ..settings()
    };
    let cases = [
        (
            Settings {
                algorithm: Algorithm::HS512,
                ..reference()
            },
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.M7P7zvYyYNU6ydf04PWYlWjJglWkaHI5yCQAsS9n8O2J8A4nGAiqk56-cMZyZQtVeNjYRp7-w_YBk_X4JjxhNQ",
        ),
        (
            Settings {
                audience: Some(Audience::One("my-aud".into())),
                issuer: Some("https://issuer.example".into()),
                ..reference()
            },
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJhdWQiOiJteS1hdWQiLCJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.gONHh_IvnNyzpWDFLCXq13P6n0WLOf3Pxg2ENlu4JL8",
        ),
        (
            Settings {
                check_revoke_token: true,
                ..reference()
            },
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJoYXNoX3Bhc3N3b3JkIjoiMDE0RDM1MTU1MUZDOENDRDEwODQxMTUxOTAyNjE3N0UifQ.Ap04TdBXx5N4pCWtKDofoN-m-KEUvT-ac8Ct-lN9ZiE",
        ),
    ];
    for (settings, expected_access) in cases {
        let app = app_with(settings);
        let (_, access) = login(&app);
        assert_eq!(access, expected_access);
        let r = get_protected(&app, &format!("Bearer {access}"));
        expect_protected(&r, 200, HELLO_ALICE);
    }
}

// --- beyond the brief's list: other rows of the reference ---------------

#[test]
fn refresh_without_a_user_claim_skips_the_user_check() {
    // 5.5.1 refreshes a token whose user_id is missing, "" or 0; the access
    // token it mints then fails at use.
    let app = app();
    for (n, user) in [(0u64, ""), (1, r#","user_id":"""#), (2, r#","user_id":0"#)] {
        let token = forge(&format!(
            r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"{}"{user}}}"#,
            NOW + 600,
            jti(200 + n)
        ));
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{token}"}}"#));
        expect_success(REFRESH, &r);
        let v: Value = serde_json::from_str(r.text()).unwrap();
        let r = get_protected(&app, &format!("Bearer {}", v["access"].as_str().unwrap()));
        expect_protected(
            &r,
            401,
            &not_valid("Token contained no recognizable user identification"),
        );
    }
}

#[test]
fn blacklist_refuses_tokens_without_id_or_of_the_wrong_type() {
    let app = app();
    let cases = [
        // 5.5.1: 500 (KeyError); jwtd: 401.
        (
            format!(
                r#"{{"token_type":"refresh","exp":{},"user_id":"1"}}"#,
                NOW + 300
            ),
            "Token has no id",
        ),
        (
            format!(
                r#"{{"token_type":"sliding","exp":{},"jti":"s9","user_id":"1"}}"#,
                NOW + 300
            ),
            "Token has wrong type",
        ),
        (
            format!(r#"{{"exp":{},"jti":"s8","user_id":"1"}}"#, NOW + 300),
            "Token has no type",
        ),
        (
            format!(r#"{{"token_type":"refresh","exp":{NOW},"jti":"s7"}}"#),
            "Token is expired",
        ),
    ];
    for (payload, message) in cases {
        let r = post(
            &app,
            BLACKLIST,
            &format!(r#"{{"refresh":"{}"}}"#, forge(&payload)),
        );
        expect_view(&r, 401, &not_valid(message));
    }
}

#[test]
fn protected_refuses_a_token_that_is_not_text() {
    let app = app();
    let r = send(
        &app,
        &TestRequest::new("GET", PROTECTED).header("Authorization", b"Bearer \xff\xfe.x.y"),
    );
    expect_protected(&r, 401, &not_valid_for_any("Token is invalid"));
}

#[test]
fn check_revoke_token_refuses_tokens_after_a_password_change() {
    let app = app_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let (refresh, access) = login(&app);
    let bearer = format!("Bearer {access}");
    expect_protected(&get_protected(&app, &bearer), 200, HELLO_ALICE);
    let new_hash = make_password("another password", 1000).unwrap();
    app.auth
        .store()
        .update_user("alice", |u| u.password = new_hash)
        .unwrap();
    let changed = r#"{"detail":"The user's password has been changed.","code":"password_changed"}"#;
    expect_protected(&get_protected(&app, &bearer), 401, changed);
    // 5.5.1 refreshes it anyway; jwtd refuses, as master does, and revokes it.
    let body = format!(r#"{{"refresh":"{refresh}"}}"#);
    expect_view(&post(&app, REFRESH, &body), 401, changed);
    expect_view(
        &post(&app, REFRESH, &body),
        401,
        &not_valid("Token is blacklisted"),
    );
}

// --- throttling (jwtd) ----------------------------------------------------

#[test]
fn throttled_logins_get_drf_429_with_retry_after() {
    let app = app_with(Settings {
        login_failures_per_user: 2,
        login_failure_window: 60,
        ..settings()
    });
    let wrong = r#"{"username":"alice","password":"wrong"}"#;
    for _ in 0..2 {
        expect_view(&post(&app, OBTAIN, wrong), 401, BAD_CREDENTIALS);
    }
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    expect_view(
        &r,
        429,
        r#"{"detail":"Request was throttled. Expected available in 60 seconds."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("60"));
    app.clock.set(NOW + 59);
    let r = post(&app, OBTAIN, wrong);
    expect_view(
        &r,
        429,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("1"));
    // Another client address is not affected.
    let elsewhere = TestRequest::post_json(
        OBTAIN,
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    )
    .peer("198.51.100.7".parse().unwrap());
    assert_eq!(send(&app, &elsewhere).status, 200);
}

#[test]
fn num_proxies_takes_the_client_from_x_forwarded_for() {
    let app = app_with(Settings {
        login_failures_per_user: 1,
        num_proxies: 1,
        ..settings()
    });
    let attempt = |forwarded: &str| {
        let request = TestRequest::post_json(OBTAIN, r#"{"username":"alice","password":"wrong"}"#)
            .header("X-Forwarded-For", forwarded);
        send(&app, &request).status
    };
    assert_eq!(attempt("203.0.113.5"), 401);
    assert_eq!(attempt("203.0.113.5"), 429, "same client behind the proxy");
    assert_eq!(
        attempt("spoofed, 203.0.113.6"),
        401,
        "the proxy's hop is the one trusted"
    );
    assert_eq!(attempt("203.0.113.6"), 429);
}

// --- a failing disk ---------------------------------------------------------

#[test]
fn a_full_disk_answers_503_to_writes_keeps_reads_and_recovers() {
    use crate::store::tests::FullDisk;
    use crate::store::Store;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = std::env::temp_dir().join(format!("jwtd-full-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.redb");
    let _ = std::fs::remove_file(&path);
    let full = Arc::new(AtomicBool::new(false));
    let store = Arc::new(
        Store::open_with(
            FullDisk::opener(path, full.clone()),
            FullDisk::probe(full.clone()),
        )
        .unwrap(),
    );
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store).unwrap();
    add_user(&app, 1, "alice", P1, true);
    let (refresh, access) = login(&app);

    full.store(true, Ordering::SeqCst);
    let unavailable = r#"{"detail":"Service temporarily unavailable, try again later."}"#;
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
    expect_view(&r, 503, unavailable);
    assert_eq!(r.header("Retry-After"), Some("5"));
    // A login needs no write before it answers: it still works.
    let login_body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    assert_eq!(post(&app, OBTAIN, &login_body).status, 200);
    // Reads keep working: the protected route and verify.
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    expect_view(
        &post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#)),
        200,
        "{}",
    );

    // The disk recovers: the writer reopens the database and writes resume;
    // the refresh that failed did not spend the token.
    full.store(false, Ordering::SeqCst);
    assert_eq!(
        post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)).status,
        200
    );
    assert_eq!(post(&app, OBTAIN, &login_body).status, 200);
    drop(app);
    std::fs::remove_dir_all(&dir).unwrap();
}

// --- operations -----------------------------------------------------------

#[test]
fn healthz_answers_ok_without_credentials_and_stays_out_of_the_log() {
    let app = app();
    let r = send(&app, &TestRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (200, r#"{"status":"ok"}"#));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert!(r.quiet, "probes are not logged by default");
    assert_eq!(
        send(&app, &TestRequest::new("POST", "/healthz")).status,
        405
    );
    let logged = app_with(Settings {
        log_probes: true,
        ..settings()
    });
    assert!(!send(&logged, &TestRequest::new("GET", "/healthz")).quiet);
}

#[test]
fn healthz_is_503_when_the_database_cannot_be_read() {
    use crate::store::{Opener, Store, StoreError};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    let opened = Arc::new(AtomicU32::new(0));
    let counter = opened.clone();
    // Opens in memory once; every later open fails, as with a vanished disk.
    let opener: Arc<Opener> = Arc::new(move || {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Store::open_in_memory_database()
        } else {
            Err(StoreError::Io("the disk is gone".into()))
        }
    });
    let store = Arc::new(Store::open_with(opener, Arc::new(|| true)).unwrap());
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store.clone()).unwrap();
    assert_eq!(send(&app, &TestRequest::new("GET", "/healthz")).status, 200);
    assert!(store.reopen().is_err());
    let r = send(&app, &TestRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (503, r#"{"status":"unavailable"}"#));
}

#[test]
fn metrics_count_requests_logins_and_rejections() {
    let app = app();
    login(&app);
    post(&app, OBTAIN, r#"{"username":"alice","password":"wrong"}"#);
    get_protected(&app, "Bearer x.y.z");
    // A login does not wait for its row; a write that does comes after it.
    app.auth.writer().submit(Vec::new()).unwrap();
    let r = send(&app, &TestRequest::new("GET", "/metrics"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = r.text();
    for line in [
        "jwtd_http_requests_total{route=\"obtain\",status=\"200\"} 1",
        "jwtd_http_requests_total{route=\"obtain\",status=\"401\"} 1",
        "jwtd_http_requests_total{route=\"protected\",status=\"401\"} 1",
        "jwtd_logins_total{result=\"success\"} 1",
        "jwtd_logins_total{result=\"failure\"} 1",
        "jwtd_tokens_rejected_total{reason=\"invalid\"} 1",
        "jwtd_issued_refresh_tokens 1",
        "jwtd_blacklisted_tokens 0",
        "jwtd_http_request_duration_seconds_count{route=\"obtain\"} 2",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
    }
    assert!(r.quiet);
}

#[test]
fn user_id_claim_names_the_claim_written_and_read() {
    let app = app_with(Settings {
        user_id_claim: "uid".into(),
        ..settings()
    });
    let (refresh, access) = login(&app);
    for token in [&refresh, &access] {
        let payload = token.split('.').nth(1).unwrap();
        let claims = crate::jwt::Claims::from_json(&base64url_decode(payload)).unwrap();
        assert_eq!(claims.get_str("uid"), Some("1"));
        assert!(claims.get("user_id").is_none());
    }
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    // A token that names its user under the default claim names no one here.
    let other = forge(&format!(
        r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"x","user_id":"1"}}"#,
        NOW + 60
    ));
    expect_protected(
        &get_protected(&app, &format!("Bearer {other}")),
        401,
        r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#,
    );
    assert_eq!(
        post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)).status,
        200
    );
}

fn base64url_decode(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}

// --- POST /api/token/revoke-all/ ---------------------------------------------

const REVOKE_ALL: &str = "/api/token/revoke-all/";

#[test]
fn revoke_all_logs_the_user_out_everywhere() {
    let app = app();
    let (refresh_a, access_a) = login(&app);
    let (refresh_b, _) = login(&app);
    let bearer = format!("Bearer {access_a}");
    // Credentials first, as on the protected route.
    let anonymous = send(&app, &TestRequest::new("POST", REVOKE_ALL));
    assert_eq!((anonymous.status, anonymous.text()), (401, NO_CREDENTIALS));
    assert_eq!(anonymous.header("WWW-Authenticate"), Some(CHALLENGE));
    let get = send(
        &app,
        &TestRequest::new("GET", REVOKE_ALL).header("Authorization", &bearer),
    );
    assert_eq!(
        (get.status, get.text()),
        (405, method_detail("GET").as_str())
    );
    assert_eq!(get.header("Allow"), Some(ALLOW_POST));
    // Any body, or none.
    let revoked = send(
        &app,
        &TestRequest::new("POST", REVOKE_ALL).header("Authorization", &bearer),
    );
    assert_eq!((revoked.status, revoked.text()), (200, "{}"));
    // Every token of the user is refused at once, the one used included.
    let again = get_protected(&app, &bearer);
    assert_eq!(again.status, 401);
    assert!(
        again.text().contains(r#""message":"Token is revoked""#),
        "{}",
        again.text()
    );
    for refresh in [&refresh_a, &refresh_b] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":{}}}"#, js(refresh)));
        assert_eq!(
            (r.status, r.text()),
            (
                401,
                r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
            )
        );
    }
    let verify = post(&app, VERIFY, &format!(r#"{{"token":{}}}"#, js(&access_a)));
    assert_eq!(
        (verify.status, verify.text()),
        (
            401,
            r#"{"detail":"Token is revoked","code":"token_not_valid"}"#
        )
    );
    // A login in the very second of the revocation waits for the next one
    // (the fixed clock moves there), and its tokens work.
    let (_, fresh) = login(&app);
    assert_eq!(app.now(), NOW + 1);
    let hello = get_protected(&app, &format!("Bearer {fresh}"));
    assert_eq!((hello.status, hello.text()), (200, HELLO_ALICE));
}
