//! The admin API through the whole application (router, body parsing,
//! policy, an in-memory store, the login pool) with a fixed clock, without
//! a socket: status, exact body and DRF's headers.

use std::sync::Arc;

use serde_json::Value;

use super::delete::SELF_DELETE;
use super::list::page_count;
use super::update::{SELF_DEACTIVATE, SELF_DEMOTE};
use super::validation::{validate_bool, PASSWORD_WHITESPACE, USERNAME_INVALID, USERNAME_TOO_LONG};
use crate::api::body;
use crate::api::messages::NULL_CHARACTERS;
use crate::api::routes::{self, Endpoint};
use crate::app::App;
use crate::config::Settings;
use crate::http::{Handler, Response, TestRequest};
use crate::password::make_password;
use crate::store::{NewUser, User};
use crate::token::JtiSource;

const KEY: &[u8] = b"admin-api-test-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z.
const NOW: u64 = 1_735_689_600;
const PASSWORD: &str = "correct horse battery staple";
const USERS: &str = "/api/admin/users/";
const CHALLENGE: &str = "Bearer realm=\"api\"";
const NO_CREDENTIALS: &str = r#"{"detail":"Authentication credentials were not provided."}"#;
const FORBIDDEN_BODY: &str = r#"{"detail":"You do not have permission to perform this action."}"#;
const NO_USER_BODY: &str = r#"{"detail":"No User matches the given query."}"#;
const INVALID_PAGE_BODY: &str = r#"{"detail":"Invalid page."}"#;
const ALLOW_LIST: &str = "GET, POST, HEAD, OPTIONS";
const ALLOW_USER: &str = "GET, PATCH, DELETE, HEAD, OPTIONS";
const ALLOW_REVOKE: &str = "POST, OPTIONS";

// --- fixtures ----------------------------------------------------------

fn settings() -> Settings {
    Settings {
        password_iterations: 1000,
        login_threads: 2,
        login_queue: 64,
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
                    id,
                    username: name.into(),
                    password: hash.clone(),
                    is_active: active,
                    is_staff: staff,
                    is_superuser: superuser,
                    date_joined: 1_735_787_045_678_901,
                    last_login: None,
                    tokens_valid_after: 0,
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

fn send(app: &App, request: &TestRequest) -> Response {
    app.handle(&request.request()).resolve()
}

/// Logs `username` in; returns (refresh, access).
fn login(app: &App, username: &str, password: &str) -> (String, String) {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let r = send(app, &TestRequest::post_json("/api/token/", &body));
    assert_eq!(r.status, 200, "login {username}: {}", r.text());
    let v: Value = serde_json::from_str(r.text()).unwrap();
    (
        v["refresh"].as_str().unwrap().to_owned(),
        v["access"].as_str().unwrap().to_owned(),
    )
}

fn try_login(app: &App, username: &str, password: &str) -> u16 {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    send(app, &TestRequest::post_json("/api/token/", &body)).status
}

impl Fixture {
    /// `method path` as root, with a JSON body unless it is empty.
    fn call(&self, method: &str, target: &str, json: &str) -> Response {
        self.call_as(&self.root, method, target, json)
    }

    fn call_as(&self, token: &str, method: &str, target: &str, json: &str) -> Response {
        let mut request = TestRequest::new(method, target)
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
        let request = TestRequest::new("GET", "/api/protected/")
            .header("Authorization", format!("Bearer {token}"));
        send(&self.app, &request).status
    }
}

/// Status, exact body, DRF's JSON headers and `Allow`; `WWW-Authenticate`
/// exactly on 401s.
#[track_caller]
fn expect(r: &Response, allow: &str, status: u16, body: &str) {
    assert_eq!((r.status, r.text()), (status, body));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("Vary"), Some("Accept"));
    assert_eq!(r.header("Allow"), Some(allow));
    let challenge = (status == 401).then_some(CHALLENGE);
    assert_eq!(r.header("WWW-Authenticate"), challenge);
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

// --- authentication and routing ------------------------------------------

const EVERY_METHOD: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

#[test]
fn without_credentials_every_method_is_401_as_on_the_protected_route() {
    let f = fixture();
    for (path, allow) in [
        (USERS, ALLOW_LIST),
        ("/api/admin/users/1/", ALLOW_USER),
        ("/api/admin/users/99999999999999999999999/", ALLOW_USER),
        ("/api/admin/users/1/revoke/", ALLOW_REVOKE),
    ] {
        for method in EVERY_METHOD {
            let r = send(&f.app, &TestRequest::new(method, path));
            expect(&r, allow, 401, NO_CREDENTIALS);
            // Another scheme is no credentials either.
            let basic = TestRequest::new(method, path).header("Authorization", "Basic YTpi");
            expect(&send(&f.app, &basic), allow, 401, NO_CREDENTIALS);
        }
    }
}

#[test]
fn refused_tokens_get_the_protected_routes_bodies() {
    let f = fixture();
    for header in ["Bearer", "Bearer garbage", "Bearer a b"] {
        let admin = send(
            &f.app,
            &TestRequest::new("GET", USERS).header("Authorization", header),
        );
        let protected = send(
            &f.app,
            &TestRequest::new("GET", "/api/protected/").header("Authorization", header),
        );
        assert_eq!(
            (admin.status, admin.text()),
            (protected.status, protected.text())
        );
        expect(&admin, ALLOW_LIST, 401, protected.text());
    }
    // A refresh token is not an access token.
    let (refresh, _) = login(&f.app, "root", PASSWORD);
    assert_eq!(f.call_as(&refresh, "GET", USERS, "").status, 401);
}

#[test]
fn only_active_superusers_pass_and_before_the_method_check() {
    let f = fixture();
    let alice = login(&f.app, "alice", PASSWORD).1;
    let sam = login(&f.app, "sam", PASSWORD).1;
    for token in [&alice, &sam] {
        for method in EVERY_METHOD {
            let r = f.call_as(token, method, "/api/admin/users/2/", "");
            expect(&r, ALLOW_USER, 403, FORBIDDEN_BODY);
        }
        let r = f.call_as(token, "POST", USERS, r#"{"username":"x","password":"y"}"#);
        expect(&r, ALLOW_LIST, 403, FORBIDDEN_BODY);
        let r = f.call_as(token, "POST", "/api/admin/users/1/revoke/", "");
        expect(&r, ALLOW_REVOKE, 403, FORBIDDEN_BODY);
    }
    // An inactive superuser whose tokens CHECK_USER_IS_ACTIVE=false lets
    // through is still refused: Django grants nothing to inactive users.
    let lax = fixture_with(Settings {
        check_user_is_active: false,
        ..settings()
    });
    let store = lax.app.auth.store();
    store.update_user_by_id(4, |u| u.is_active = true).unwrap();
    let ivan = login(&lax.app, "ivan", PASSWORD).1;
    store.update_user_by_id(4, |u| u.is_active = false).unwrap();
    assert_eq!(lax.protected_status(&ivan), 200);
    let r = lax.call_as(&ivan, "GET", USERS, "");
    expect(&r, ALLOW_LIST, 403, FORBIDDEN_BODY);
}

#[test]
fn other_methods_are_405_with_allow_once_authenticated() {
    let f = fixture();
    for (method, path, allow) in [
        ("PUT", USERS, ALLOW_LIST),
        ("DELETE", USERS, ALLOW_LIST),
        ("PATCH", USERS, ALLOW_LIST),
        ("PUT", "/api/admin/users/2/", ALLOW_USER),
        ("POST", "/api/admin/users/2/", ALLOW_USER),
        ("PUT", "/api/admin/users/999/", ALLOW_USER),
        ("GET", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
        ("DELETE", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
        ("TRACE", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
    ] {
        let r = f.call(method, path, "");
        let body = format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#);
        expect(&r, allow, 405, &body);
    }
    // HEAD is GET without the body (the HTTP layer drops it).
    let r = f.call("HEAD", "/api/admin/users/2/", "");
    assert_eq!(r.status, 200);
    let r = f.call("HEAD", "/api/admin/users/2/revoke/", "");
    assert_eq!(r.status, 405);
}

#[test]
fn paths_are_django_urls_ids_are_digits_and_a_missing_slash_redirects() {
    let target = |path| routes::find(path).map(|found| (found.route.endpoint, found.pk));
    assert_eq!(target(USERS), Some((Endpoint::AdminUsers, None)));
    assert_eq!(
        target("/api/admin/users/007/"),
        Some((Endpoint::AdminUser, Some(7)))
    );
    assert_eq!(
        target("/api/admin/users/5/revoke/"),
        Some((Endpoint::AdminRevoke, Some(5)))
    );
    assert_eq!(
        target("/api/admin/users/18446744073709551616/"),
        Some((Endpoint::AdminUser, None))
    );
    let f = fixture();
    for path in [
        "/api/admin/users/abc/",
        "/api/admin/users/+5/",
        "/api/admin/users/-5/",
        "/api/admin/users/5.0/",
        "/api/admin/users/%35/",
        "/api/admin/users//",
        "/api/admin/users/5/x/",
        "/api/admin/users/5/revoke/x/",
        "/api/admin/users/5/revoke/5/",
        "/api/admin/",
        "/api/admin/users/abc",
    ] {
        // URL resolution comes first: no credentials needed for the 404.
        let r = send(&f.app, &TestRequest::new("GET", path));
        assert_eq!(
            (r.status, r.text()),
            (404, r#"{"detail":"Not found."}"#),
            "{path}"
        );
    }
    for (path, location) in [
        ("/api/admin/users", "/api/admin/users/"),
        ("/api/admin/users?page=2", "/api/admin/users/?page=2"),
        ("/api/admin/users/5", "/api/admin/users/5/"),
        ("/api/admin/users/5/revoke", "/api/admin/users/5/revoke/"),
    ] {
        for method in ["GET", "POST", "PATCH", "DELETE"] {
            let r = send(&f.app, &TestRequest::new(method, path));
            assert_eq!(r.status, 301, "{method} {path}");
            assert_eq!(r.header("Location"), Some(location));
            assert_eq!(r.header("Allow"), None);
        }
    }
    // An id too large for a u64 is a user that does not exist.
    let r = f.get("/api/admin/users/99999999999999999999999/");
    expect(&r, ALLOW_USER, 404, NO_USER_BODY);
}

// --- list ------------------------------------------------------------------

#[test]
fn a_page_of_users_in_id_order_without_passwords() {
    let f = fixture();
    let r = f.get(USERS);
    let date = "2025-01-02T03:04:05.678901Z";
    let user = |id: u64, name: &str, active: bool, staff: bool, superuser: bool| {
        format!(
            r#"{{"id":{id},"username":"{name}","is_active":{active},"is_staff":{staff},"is_superuser":{superuser},"date_joined":"{date}","last_login":null}}"#
        )
    };
    let results = [
        user(1, "root", true, true, true),
        user(2, "alice", true, false, false),
        user(3, "sam", true, true, false),
        user(4, "ivan", false, true, true),
    ]
    .join(",");
    let body = format!(r#"{{"count":4,"next":null,"previous":null,"results":[{results}]}}"#);
    expect(&r, ALLOW_LIST, 200, &body);
    assert!(!r.text().contains("password") && !r.text().contains("pbkdf2"));
}

/// A fixture with `n` extra users and pages of `size`.
fn paged(size: usize, extra: usize) -> Fixture {
    let f = fixture_with(Settings {
        admin_page_size: size,
        ..settings()
    });
    for i in 0..extra {
        f.app
            .auth
            .store()
            .add_user(NewUser {
                id: None,
                user: User {
                    id: 0,
                    username: format!("user{i}"),
                    password: String::from("!"),
                    is_active: true,
                    is_staff: false,
                    is_superuser: false,
                    date_joined: 0,
                    last_login: None,
                    tokens_valid_after: 0,
                },
            })
            .unwrap();
    }
    f
}

fn page(f: &Fixture, target: &str) -> (u64, Value, Value, Vec<u64>) {
    let r = f.get(target);
    assert_eq!(r.status, 200, "{target}: {}", r.text());
    let v = json(&r);
    let ids = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_u64().unwrap())
        .collect();
    (
        v["count"].as_u64().unwrap(),
        v["next"].clone(),
        v["previous"].clone(),
        ids,
    )
}

#[test]
fn pages_and_links_follow_drf_page_number_pagination() {
    // 4 fixture users + 3 = 7 users, 3 pages of 3.
    let f = paged(3, 3);
    let link = |q: &str| Value::from(format!("http://testserver/api/admin/users/{q}"));
    assert_eq!(
        page(&f, USERS),
        (7, link("?page=2"), Value::Null, vec![1, 2, 3])
    );
    // Page 1's link drops `page` (remove_query_param).
    assert_eq!(
        page(&f, "/api/admin/users/?page=2"),
        (7, link("?page=3"), link(""), vec![4, 5, 6])
    );
    assert_eq!(
        page(&f, "/api/admin/users/?page=3"),
        (7, Value::Null, link("?page=2"), vec![7])
    );
    // Python's int(): whitespace, a sign, underscores; `last`; the last of
    // repeated values; an empty value is page 1.
    for (query, ids) in [
        ("page=%202%20", vec![4, 5, 6]),
        ("page=+2", vec![4, 5, 6]),
        ("page=0_3", vec![7]),
        ("page=last", vec![7]),
        ("page=1&page=3", vec![7]),
        ("page=", vec![1, 2, 3]),
        ("page", vec![1, 2, 3]),
        ("other=1", vec![1, 2, 3]),
    ] {
        assert_eq!(page(&f, &format!("{USERS}?{query}")).3, ids, "{query}");
    }
    // Other parameters are kept, decoded, sorted by name and re-encoded as
    // Python's urlencode does.
    let (_, next, previous, _) = page(&f, "/api/admin/users/?z=1&page=2&a=x%20y&a=%C3%A9&flag");
    assert_eq!(next, link("?a=x+y&a=%C3%A9&flag=&page=3&z=1"));
    assert_eq!(previous, link("?a=x+y&a=%C3%A9&flag=&z=1"));
}

#[test]
fn invalid_pages_are_404() {
    let f = paged(3, 3);
    for query in [
        "page=0",
        "page=4",
        "page=x",
        "page=-1",
        "page=1.0",
        "page=1__0",
        "page=_1",
        "page=LAST",
        "page=99999999999999999999999999",
        "page=%EF%BC%91",
    ] {
        let r = f.get(&format!("{USERS}?{query}"));
        expect(&r, ALLOW_LIST, 404, INVALID_PAGE_BODY);
    }
}

#[test]
fn the_first_page_always_exists() {
    // An empty list has one empty page (the API always lists its caller,
    // so only the paginator sees it).
    assert_eq!(page_count(0, 3), 1);
    assert_eq!(page_count(3, 3), 1);
    assert_eq!(page_count(4, 3), 2);
    let f = paged(1, 0);
    let last = f.get("/api/admin/users/?page=last");
    expect(
        &f.get("/api/admin/users/?page=4"),
        ALLOW_LIST,
        200,
        last.text(),
    );
    assert_eq!(json(&last)["next"], Value::Null);
    let r = f.get("/api/admin/users/?page=5");
    expect(&r, ALLOW_LIST, 404, INVALID_PAGE_BODY);
}

#[test]
fn links_are_built_from_a_valid_host_header() {
    let f = paged(2, 0);
    let get = |host: Option<&str>| {
        let mut request = TestRequest::new("GET", "/api/admin/users/?page=2")
            .header("Authorization", format!("Bearer {}", f.root));
        if let Some(host) = host {
            request = request.header("Host", host);
        }
        send(&f.app, &request)
    };
    for (host, base) in [
        ("Example.COM:8000", "http://Example.COM:8000"),
        ("127.0.0.1", "http://127.0.0.1"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("[2001:db8::1]", "http://[2001:db8::1]"),
    ] {
        let v = json(&get(Some(host)));
        assert_eq!(
            v["previous"],
            Value::from(format!("{base}/api/admin/users/"))
        );
    }
    for host in [
        None,
        Some("a b"),
        Some("x:y"),
        Some("x:"),
        Some("[::1"),
        Some("[zz::1]"),
        Some(""),
    ] {
        let r = get(host);
        expect(&r, ALLOW_LIST, 400, r#"{"detail":"Invalid Host header."}"#);
    }
    // No link, no need for a host.
    let one_page = fixture();
    let r = send(
        &one_page.app,
        &TestRequest::new("GET", USERS)
            .header("Authorization", format!("Bearer {}", one_page.root)),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn the_page_size_is_a_setting() {
    let load = |value: &str| {
        Settings::load(
            None,
            [("JWTD_ADMIN_PAGE_SIZE".to_owned(), value.to_owned())],
        )
        .map(|(s, _)| s.admin_page_size)
    };
    assert_eq!(Settings::default().admin_page_size, 100);
    assert_eq!(load("5"), Ok(5));
    for bad in ["0", "x", "10001"] {
        assert_eq!(load(bad).unwrap_err().setting, "ADMIN_PAGE_SIZE");
    }
}

// --- retrieve ----------------------------------------------------------------

#[test]
fn one_user_dates_as_drf_writes_them() {
    let f = fixture();
    f.app
        .auth
        .store()
        .update_user_by_id(2, |u| {
            u.date_joined = 1_735_689_600_000_000;
            u.last_login = Some(1_735_689_601_000_500);
        })
        .unwrap();
    let r = f.get("/api/admin/users/2/");
    let body = r#"{"id":2,"username":"alice","is_active":true,"is_staff":false,"is_superuser":false,"date_joined":"2025-01-01T00:00:00Z","last_login":"2025-01-01T00:00:01.000500Z"}"#;
    expect(&r, ALLOW_USER, 200, body);
    expect(&f.get("/api/admin/users/9/"), ALLOW_USER, 404, NO_USER_BODY);
    expect(&f.get("/api/admin/users/0/"), ALLOW_USER, 404, NO_USER_BODY);
}

// --- create ----------------------------------------------------------------

#[test]
fn create_then_log_in_as_the_new_user() {
    let f = fixture();
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"bob","password":"s3cret pass"}"#,
    );
    let body = r#"{"id":5,"username":"bob","is_active":true,"is_staff":false,"is_superuser":false,"date_joined":"2025-01-01T00:00:00Z","last_login":null}"#;
    expect(&r, ALLOW_LIST, 201, body);
    assert_eq!(
        r.header("Location"),
        None,
        "DRF sends none without a `url` field"
    );
    login(&f.app, "bob", "s3cret pass");
    let stored = f.app.auth.store().user(5).unwrap().unwrap();
    assert!(stored.password.starts_with("pbkdf2_sha256$1000$"));
    // Form-encoded, with flags; booleans left out keep the model's defaults.
    let form = TestRequest::new("POST", USERS)
        .header("Authorization", format!("Bearer {}", f.root))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=carol&password=pw&is_staff=on&is_superuser=1");
    let v = json(&send(&f.app, &form));
    assert_eq!(
        (
            &v["id"],
            &v["is_active"],
            &v["is_staff"],
            &v["is_superuser"]
        ),
        (
            &Value::from(6),
            &Value::Bool(true),
            &Value::Bool(true),
            &Value::Bool(true)
        )
    );
    // Trimmed username, inactive account: exists, cannot log in.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"  dave ","password":"pw","is_active":false}"#,
    );
    assert_eq!(json(&r)["username"], "dave");
    assert_eq!(try_login(&f.app, "dave", "pw"), 401);
    // A new superuser can use the admin API at once.
    let carol = login(&f.app, "carol", "pw").1;
    assert_eq!(f.call_as(&carol, "GET", USERS, "").status, 200);
}

#[test]
fn create_validation_errors_are_drf_s() {
    let f = fixture();
    let post = |body: &str| f.call("POST", USERS, body);
    let long = "x".repeat(151);
    let cases: Vec<(String, String)> = vec![
        (
            "{}".into(),
            errors(&[
                ("username", &["This field is required."]),
                ("password", &["This field is required."]),
            ]),
        ),
        (
            r#"{"username":" ","password":""}"#.into(),
            errors(&[
                ("username", &["This field may not be blank."]),
                ("password", &["This field may not be blank."]),
            ]),
        ),
        (
            r#"{"username":null,"password":null,"is_active":null}"#.into(),
            errors(&[
                ("username", &["This field may not be null."]),
                ("password", &["This field may not be null."]),
                ("is_active", &["This field may not be null."]),
            ]),
        ),
        (
            r#"{"username":true,"password":["x"]}"#.into(),
            errors(&[
                ("username", &["Not a valid string."]),
                ("password", &["Not a valid string."]),
            ]),
        ),
        (
            r#"{"username":"a b","password":"pw"}"#.into(),
            errors(&[("username", &[USERNAME_INVALID])]),
        ),
        (
            format!(r#"{{"username":"{long}","password":"pw"}}"#),
            errors(&[("username", &[USERNAME_TOO_LONG])]),
        ),
        (
            format!(r#"{{"username":"{long} x","password":"pw"}}"#),
            errors(&[("username", &[USERNAME_INVALID, USERNAME_TOO_LONG])]),
        ),
        (
            r#"{"username":"alice","password":"pw"}"#.into(),
            errors(&[("username", &["A user with that username already exists."])]),
        ),
        (
            r#"{"username":"a\u0000b","password":"p\u0000w"}"#.into(),
            errors(&[
                ("username", &[USERNAME_INVALID, NULL_CHARACTERS]),
                ("password", &[NULL_CHARACTERS]),
            ]),
        ),
        (
            r#"{"username":"\ud800","password":"\ud800"}"#.into(),
            errors(&[
                ("username", &[USERNAME_INVALID, "Surrogate characters are not allowed: U+D800."]),
                ("password", &["Surrogate characters are not allowed: U+D800."]),
            ]),
        ),
        (
            r#"{"username":"bob","password":" pw"}"#.into(),
            errors(&[("password", &[PASSWORD_WHITESPACE])]),
        ),
        (
            r#"{"username":"bob","password":"pw\n"}"#.into(),
            errors(&[("password", &[PASSWORD_WHITESPACE])]),
        ),
        (
            r#"{"username":"bob","password":"pw","is_active":"maybe","is_staff":2,"is_superuser":{}}"#
                .into(),
            errors(&[
                ("is_active", &["Must be a valid boolean."]),
                ("is_staff", &["Must be a valid boolean."]),
                ("is_superuser", &["Must be a valid boolean."]),
            ]),
        ),
        (
            "null".into(),
            r#"{"non_field_errors":["No data provided"]}"#.into(),
        ),
        (
            "[1]".into(),
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#.into(),
        ),
    ];
    for (body, expected) in cases {
        let r = post(&body);
        expect(&r, ALLOW_LIST, 400, &expected);
    }
    // Numbers are strings to a CharField.
    let r = post(r#"{"username":123,"password":4.5}"#);
    assert_eq!(r.status, 201, "{}", r.text());
    login(&f.app, "123", "4.5");
    // The body parsers' own refusals.
    let r = send(
        &f.app,
        &TestRequest::new("POST", USERS)
            .header("Authorization", format!("Bearer {}", f.root))
            .header("Content-Type", "text/plain")
            .body("x"),
    );
    expect(
        &r,
        ALLOW_LIST,
        415,
        r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
    );
    assert!(post("{")
        .text()
        .starts_with(r#"{"detail":"JSON parse error - "#));
    assert_eq!(
        f.app.auth.store().users_page(0, 0).unwrap().0,
        5,
        "nothing else was added"
    );
}

#[test]
fn booleans_take_drf_s_true_and_false_values() {
    for (value, expected) in [
        ("true", Some(true)),
        ("false", Some(false)),
        ("1", Some(true)),
        ("0", Some(false)),
        ("1.0", Some(true)),
        ("-0.0", Some(false)),
        ("1e0", Some(true)),
        (r#""yes""#, Some(true)),
        (r#""YES""#, Some(true)),
        (r#""Yes""#, None),
        (r#""on""#, Some(true)),
        (r#""Off""#, Some(false)),
        (r#""t""#, Some(true)),
        (r#""N""#, Some(false)),
        (r#""1""#, Some(true)),
        (r#""0""#, Some(false)),
        (r#""1.0""#, None),
        (r#""""#, None),
        (r#""null""#, None),
        ("2", None),
        ("[]", None),
    ] {
        let body = format!(r#"{{"is_staff":{value}}}"#);
        let [raw] =
            body::parse_values(Some(b"application/json"), body.as_bytes(), ["is_staff"]).unwrap();
        let got = validate_bool(raw).ok().flatten();
        assert_eq!(got, expected, "{value}");
    }
}

#[test]
fn a_full_login_pool_answers_429_to_what_needs_a_hash() {
    // Two applications over one store: one logs root in, the other has no
    // room on its login pool.
    let store = Arc::new(crate::store::Store::open_in_memory().unwrap());
    let open = |login_queue| {
        let settings = Settings {
            login_queue,
            ..settings()
        };
        App::with_store(settings, KEY, NOW, JtiSource::counter(), store.clone()).unwrap()
    };
    let (normal, full) = (open(64), open(0));
    store
        .add_user(NewUser {
            id: None,
            user: User {
                id: 0,
                username: "root".into(),
                password: make_password(PASSWORD, 1000).unwrap(),
                is_active: true,
                is_staff: true,
                is_superuser: true,
                date_joined: 0,
                last_login: None,
                tokens_valid_after: 0,
            },
        })
        .unwrap();
    let root = login(&normal, "root", PASSWORD).1;
    let request = |target: &str, method: &str, body: &str| {
        TestRequest::new(method, target)
            .header("Authorization", format!("Bearer {root}"))
            .header("Content-Type", "application/json")
            .body(body)
    };
    let r = send(
        &full,
        &request(USERS, "POST", r#"{"username":"bob","password":"pw"}"#),
    );
    expect(
        &r,
        ALLOW_LIST,
        429,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("1"));
    let r = send(
        &full,
        &request("/api/admin/users/1/", "PATCH", r#"{"password":"pw"}"#),
    );
    assert_eq!((r.status, r.header("Allow")), (429, Some(ALLOW_USER)));
    // A change without a password needs no hash.
    let r = send(
        &full,
        &request("/api/admin/users/1/", "PATCH", r#"{"is_staff":false}"#),
    );
    assert_eq!(r.status, 200);
    assert_eq!(store.user_by_name("bob").unwrap(), None);
}

// --- update ------------------------------------------------------------------

#[test]
fn patch_changes_flags_and_ignores_what_it_may_not_change() {
    let f = fixture();
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"is_staff":true,"username":"mallory","id":9,"date_joined":"x","extra":1}"#,
    );
    let body = r#"{"id":2,"username":"alice","is_active":true,"is_staff":true,"is_superuser":false,"date_joined":"2025-01-02T03:04:05.678901Z","last_login":null}"#;
    expect(&r, ALLOW_USER, 200, body);
    // An empty PATCH changes nothing and answers the user.
    expect(
        &f.call("PATCH", "/api/admin/users/2/", ""),
        ALLOW_USER,
        200,
        body,
    );
    // 404 comes before the body is read.
    let r = f.call("PATCH", "/api/admin/users/9/", "{");
    expect(&r, ALLOW_USER, 404, NO_USER_BODY);
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"password":" x","is_active":"no way","is_superuser":null}"#,
    );
    let expected = errors(&[
        ("password", &[PASSWORD_WHITESPACE]),
        ("is_active", &["Must be a valid boolean."]),
        ("is_superuser", &["This field may not be null."]),
    ]);
    expect(&r, ALLOW_USER, 400, &expected);
}

#[test]
fn a_new_password_revokes_the_old_tokens() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call(
        "PATCH",
        "/api/admin/users/2/",
        r#"{"password":"n3w password"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("password"));
    assert_eq!(f.protected_status(&access), 401, "revoked");
    let refreshed = send(
        &f.app,
        &TestRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(refreshed.status, 401);
    assert_eq!(try_login(&f.app, "alice", PASSWORD), 401);
    let (_, fresh) = login(&f.app, "alice", "n3w password");
    assert_eq!(f.protected_status(&fresh), 200);

    // With REVOKE_ON_PASSWORD_CHANGE off, the old tokens live on.
    let f = fixture_with(Settings {
        revoke_on_password_change: false,
        ..settings()
    });
    let (_, access) = login(&f.app, "alice", PASSWORD);
    assert_eq!(
        f.call("PATCH", "/api/admin/users/2/", r#"{"password":"n3w"}"#)
            .status,
        200
    );
    assert_eq!(f.protected_status(&access), 200);
    assert_eq!(try_login(&f.app, "alice", "n3w"), 200);
}

#[test]
fn deactivating_a_user_revokes_their_tokens() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call("PATCH", "/api/admin/users/2/", r#"{"is_active":"false"}"#);
    assert_eq!(json(&r)["is_active"], false);
    assert_eq!(f.protected_status(&access), 401);
    // Reactivated, the old tokens stay dead; the refresh token was blacklisted.
    let r = f.call("PATCH", "/api/admin/users/2/", r#"{"is_active":true}"#);
    assert_eq!(json(&r)["is_active"], true);
    assert_eq!(f.protected_status(&access), 401);
    let refreshed = send(
        &f.app,
        &TestRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(
        refreshed.text(),
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
    );
}

#[test]
fn a_superuser_cannot_lock_themselves_out() {
    let f = fixture();
    let me = "/api/admin/users/1/";
    let r = f.call("PATCH", me, r#"{"is_active":false}"#);
    expect(
        &r,
        ALLOW_USER,
        400,
        &errors(&[("is_active", &[SELF_DEACTIVATE])]),
    );
    let r = f.call("PATCH", me, r#"{"is_superuser":"off","is_active":"n"}"#);
    let expected = errors(&[
        ("is_active", &[SELF_DEACTIVATE]),
        ("is_superuser", &[SELF_DEMOTE]),
    ]);
    expect(&r, ALLOW_USER, 400, &expected);
    let r = f.call("DELETE", me, "");
    expect(
        &r,
        ALLOW_USER,
        400,
        &errors(&[("non_field_errors", &[SELF_DELETE])]),
    );
    // Harmless changes to oneself are fine, and nothing above changed.
    let r = f.call(
        "PATCH",
        me,
        r#"{"is_staff":false,"is_active":true,"is_superuser":true}"#,
    );
    assert_eq!(r.status, 200);
    let root = f.app.auth.store().user(1).unwrap().unwrap();
    assert!(root.is_active && root.is_superuser && !root.is_staff);
    // Another superuser can be demoted, and then loses the API.
    let r = f.call(
        "POST",
        USERS,
        r#"{"username":"eve","password":"pw","is_superuser":true}"#,
    );
    let eve_id = json(&r)["id"].as_u64().unwrap();
    let eve = login(&f.app, "eve", "pw").1;
    assert_eq!(f.call_as(&eve, "GET", USERS, "").status, 200);
    let r = f.call(
        "PATCH",
        &format!("{USERS}{eve_id}/"),
        r#"{"is_superuser":false}"#,
    );
    assert_eq!(r.status, 200);
    expect(
        &f.call_as(&eve, "GET", USERS, ""),
        ALLOW_LIST,
        403,
        FORBIDDEN_BODY,
    );
}

// --- delete and revoke -------------------------------------------------------

#[test]
fn delete_is_204_then_404() {
    let f = fixture();
    let (_, access) = login(&f.app, "alice", PASSWORD);
    let r = f.call("DELETE", "/api/admin/users/2/", "");
    assert_eq!((r.status, r.text()), (204, ""));
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.header("Vary"), Some("Accept"));
    assert_eq!(r.header("Allow"), Some(ALLOW_USER));
    expect(&f.get("/api/admin/users/2/"), ALLOW_USER, 404, NO_USER_BODY);
    expect(
        &f.call("DELETE", "/api/admin/users/2/", ""),
        ALLOW_USER,
        404,
        NO_USER_BODY,
    );
    assert_eq!(f.protected_status(&access), 401, "the user is gone");
    // The name is free again; the id is not reused.
    let r = f.call("POST", USERS, r#"{"username":"alice","password":"pw"}"#);
    assert_eq!(json(&r)["id"], 5);
    assert_eq!(f.protected_status(&access), 401);
}

#[test]
fn revoke_logs_a_user_out_everywhere() {
    let f = fixture();
    let (refresh, access) = login(&f.app, "alice", PASSWORD);
    let (_, other) = login(&f.app, "sam", PASSWORD);
    let r = f.call("POST", "/api/admin/users/2/revoke/", "");
    expect(&r, ALLOW_REVOKE, 200, "{}");
    assert_eq!(f.protected_status(&access), 401);
    assert_eq!(f.protected_status(&other), 200, "only alice");
    let refreshed = send(
        &f.app,
        &TestRequest::post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        ),
    );
    assert_eq!(refreshed.status, 401);
    // She logs in again (in the next second).
    let (_, again) = login(&f.app, "alice", PASSWORD);
    assert_eq!(f.protected_status(&again), 200);
    expect(
        &f.call("POST", "/api/admin/users/9/revoke/", ""),
        ALLOW_REVOKE,
        404,
        NO_USER_BODY,
    );
}

// --- OPTIONS and metrics ------------------------------------------------------

#[test]
fn options_describe_the_views_to_superusers() {
    let f = fixture();
    let r = f.call("OPTIONS", USERS, "");
    assert_eq!(r.status, 200);
    let v = json(&r);
    assert_eq!(v["name"], "Admin User List");
    assert_eq!(v["parses"][0], "application/json");
    // Every field, in declared order.
    let fields = [
        "id",
        "username",
        "password",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
    ];
    assert_eq!(
        v["actions"]["POST"].as_object().unwrap().len(),
        fields.len()
    );
    let at: Vec<usize> = fields
        .iter()
        .map(|name| r.text().find(&format!("\"{name}\":{{\"type\"")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", r.text());
    assert_eq!(v["actions"]["POST"]["username"]["max_length"], 150);
    let v = json(&f.call("OPTIONS", "/api/admin/users/2/", ""));
    assert_eq!(v["name"], "Admin User Detail");
    assert!(v.get("actions").is_none());
    let v = json(&f.call("OPTIONS", "/api/admin/users/2/revoke/", ""));
    assert_eq!(v["name"], "Admin User Revoke");
    let alice = login(&f.app, "alice", PASSWORD).1;
    assert_eq!(f.call_as(&alice, "OPTIONS", USERS, "").status, 403);
}

#[test]
fn admin_requests_are_counted_in_metrics() {
    let f = fixture();
    f.get(USERS);
    f.call("POST", USERS, r#"{"username":"bob","password":"pw"}"#);
    f.call("DELETE", "/api/admin/users/5/", "");
    send(&f.app, &TestRequest::new("GET", USERS));
    let text = send(&f.app, &TestRequest::new("GET", "/metrics"))
        .text()
        .to_owned();
    for line in [
        "jwtd_http_requests_total{route=\"admin\",status=\"200\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"201\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"204\"} 1",
        "jwtd_http_requests_total{route=\"admin\",status=\"401\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
}

#[test]
fn the_openapi_document_describes_every_admin_operation() {
    let doc: Value = serde_json::from_str(crate::api::endpoints::schema::OPENAPI).unwrap();
    for (path, target, operations) in [
        (USERS, USERS, &["get", "post"][..]),
        (
            "/api/admin/users/{id}/",
            "/api/admin/users/1/",
            &["get", "patch", "delete"],
        ),
        (
            "/api/admin/users/{id}/revoke/",
            "/api/admin/users/1/revoke/",
            &["post"],
        ),
    ] {
        // `Allow` names the documented methods, HEAD with GET, and OPTIONS.
        let mut documented: Vec<String> = operations.iter().map(|m| m.to_uppercase()).collect();
        if operations.contains(&"get") {
            documented.push("HEAD".into());
        }
        documented.push("OPTIONS".into());
        let route = routes::find(target).unwrap().route;
        let mut allowed: Vec<&str> = route.allow.split(", ").collect();
        allowed.sort_unstable();
        documented.sort();
        assert_eq!(allowed, documented, "{path}");
        for operation in operations {
            let responses = &doc["paths"][path][operation]["responses"];
            for status in ["401", "403", "503"] {
                assert!(
                    responses.get(status).is_some(),
                    "{operation} {path} {status}"
                );
            }
        }
    }
}
