//! The admin API through the whole application (router, body parsing,
//! policy, an in-memory store, the login pool) with a fixed clock, without
//! a socket: status, exact body and DRF's headers.
//!
//! This file holds the fixture: four users, root's token, and the expected
//! headers. The tests are in one file per view or concern.

use std::sync::Arc;

use serde_json::Value;

use crate::app::App;
use crate::config::Settings;
use crate::http::{Handler, OwnedRequest, Response};
use crate::password::make_password;
use crate::store::{NewUser, User};
use crate::token::JtiSource;

// The token views' checks of a DRF answer serve the admin views too.
use super::super::tests::expect;

mod access;
mod create;
mod delete;
mod list;
mod metrics;
mod options;
mod profile;
mod retrieve;
mod revoke;
mod schema;
mod update;

const KEY: &[u8] = b"admin-api-test-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z.
const NOW: u64 = 1_735_689_600;
const PASSWORD: &str = "correct horse battery staple";
const USERS: &str = "/api/admin/users/";
const NO_CREDENTIALS: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const FORBIDDEN_BODY: &str = r#"{"detail":"You do not have permission to perform this action."}"#;
const NO_USER_BODY: &str = r#"{"detail":"No User matches the given query."}"#;
const INVALID_PAGE_BODY: &str = r#"{"detail":"Invalid page."}"#;
const ALLOW_LIST: &str = "GET, POST, HEAD, OPTIONS";
const ALLOW_USER: &str = "GET, PATCH, DELETE, HEAD, OPTIONS";
const ALLOW_REVOKE: &str = "POST, OPTIONS";

// --- fixtures ----------------------------------------------------------

/// The settings of every fixture; `testserver`, the host the requests
/// name, is allowed, as Django's test runner allows it.
fn settings() -> Settings {
    Settings {
        password_iterations: 1000,
        login_threads: 2,
        login_queue: 64,
        allowed_hosts: Some(vec!["testserver".into()]),
        ..Settings::default()
    }
}

struct Fixture {
    app: Arc<App>,
    /// root's access token.
    root: String,
}

/// root (1, active superuser), alice (2, plain), sam (3, staff only) and
/// ivan (4, an inactive superuser), each with [`PASSWORD`].
fn fixture_with(settings: Settings) -> Fixture {
    let app = App::in_memory(settings, KEY, NOW, JtiSource::counter()).unwrap();
    let hash = make_password(PASSWORD, 1000).unwrap();
    for (id, name, active, staff, superuser) in [
        (1, "root", true, true, true),
        (2, "alice", true, false, false),
        (3, "sam", true, true, false),
        (4, "ivan", false, true, true),
    ] {
        app.auth
            .store()
            .add_user(NewUser {
                id: Some(id),
                user: User {
                    is_active: active,
                    is_staff: staff,
                    is_superuser: superuser,
                    date_joined: 1_735_787_045_678_901,
                    ..User::active(id, name, hash.clone())
                },
            })
            .unwrap();
    }
    let root = login(&app, "root", PASSWORD).1;
    Fixture { app, root }
}

fn fixture() -> Fixture {
    fixture_with(settings())
}

fn send(app: &App, request: &OwnedRequest) -> Response {
    app.handle(&request.request()).resolve()
}

/// Logs `username` in; returns (refresh, access).
fn login(app: &App, username: &str, password: &str) -> (String, String) {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let r = send(app, &OwnedRequest::post_json("/api/token/", &body));
    assert_eq!(r.status, 200, "login {username}: {}", r.text());
    let v: Value = serde_json::from_str(r.text()).unwrap();
    (
        v["refresh"].as_str().unwrap().to_owned(),
        v["access"].as_str().unwrap().to_owned(),
    )
}

fn try_login(app: &App, username: &str, password: &str) -> u16 {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    send(app, &OwnedRequest::post_json("/api/token/", &body)).status
}

impl Fixture {
    /// `method path` as root, with a JSON body unless it is empty.
    fn call(&self, method: &str, target: &str, json: &str) -> Response {
        self.call_as(&self.root, method, target, json)
    }

    fn call_as(&self, token: &str, method: &str, target: &str, json: &str) -> Response {
        let mut request = OwnedRequest::new(method, target)
            .header("Host", "testserver")
            .header("Authorization", format!("Bearer {token}"));
        if !json.is_empty() {
            request = request
                .header("Content-Type", "application/json")
                .body(json);
        }
        send(&self.app, &request)
    }

    fn get(&self, target: &str) -> Response {
        self.call("GET", target, "")
    }

    fn protected_status(&self, token: &str) -> u16 {
        let request = OwnedRequest::new("GET", "/api/protected/")
            .header("Authorization", format!("Bearer {token}"));
        send(&self.app, &request).status
    }
}

fn json(r: &Response) -> Value {
    serde_json::from_str(r.text()).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

/// `{"<field>":["<message>",...],...}` in the order given.
fn errors(fields: &[(&str, &[&str])]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(field, messages)| format!("{}:{}", js(field), serde_json::json!(messages)))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
