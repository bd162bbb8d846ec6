//! The admin API: user accounts over HTTP, for superusers only.
//!
//! | path | methods |
//! |---|---|
//! | `/api/admin/users/` | `GET` a page of users, `POST` a new one |
//! | `/api/admin/users/{id}/` | `GET`, `PATCH` (`is_active`, `is_staff`, `is_superuser`, `password`), `DELETE` |
//! | `/api/admin/users/{id}/revoke/` | `POST`: log the user out everywhere |
//!
//! Each view answers as a DRF generic view would, with `JWTAuthentication`
//! and a permission that admits active superusers only (DRF's `IsAdminUser`
//! looks at `is_staff`; here staff is not enough). Authentication and the
//! permission run before the method check: without credentials every method
//! gets the protected view's 401, and an authenticated user who is not a
//! superuser gets 403. The bodies are those of a `ModelSerializer` of
//! Django's `User` (the password write-only, never sent back),
//! `PageNumberPagination` and `get_object_or_404`.
//!
//! A password is hashed (PBKDF2, about 190 ms at the default iterations) on
//! the login pool, never on an HTTP worker; the connection waits in epoll
//! meanwhile, and a full pool answers 429 at once, as a login does.
//!
//! Choices where DRF has no single answer, documented in the README:
//! - `PUT` is not offered (405): `PATCH` changes what may change, and the
//!   username never changes (it is ignored, as DRF ignores read-only fields);
//! - a superuser cannot delete themselves, deactivate themselves or drop
//!   their own superuser status (400), so the last admin is never lost by a
//!   slip;
//! - deactivating a user revokes every token of theirs, and so does a new
//!   password unless `REVOKE_ON_PASSWORD_CHANGE` is off;
//! - a boolean left out of a form-encoded create keeps the model default
//!   (DRF's HTML-checkbox rule would make it false, creating inactive users);
//! - pagination links are `http://` plus the `Host` header, as Django builds
//!   them without `SECURE_PROXY_SSL_HEADER`; a missing or malformed `Host`
//!   is a 400 when a link is needed.
//!
//! Every successful action is logged with the admin who did it; passwords
//! and hashes never are.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

use super::{
    auth_error, authenticated, body_error, method_not_allowed, ok, throttled, unavailable, Json,
    PARSES, RENDERS,
};
use crate::api::body::{self, python_strip, Raw};
use crate::api::respond;
use crate::app::{App, Clock};
use crate::http::{park, Request, Response};
use crate::log;
use crate::metrics::Route;
use crate::password;
use crate::pyjson::write_str_utf8 as push_json_str;
use crate::store::{NewUser, StoreError, User};
use crate::time;

/// Every path of the admin API starts here.
pub const PREFIX: &str = "/api/admin/users/";

const FORBIDDEN: &str = "You do not have permission to perform this action.";
/// Django's `get_object_or_404`, passed on by DRF 3.15 and later.
const NO_USER: &str = "No User matches the given query.";
const INVALID_PAGE: &str = "Invalid page.";
const INVALID_HOST: &str = "Invalid Host header.";

// DRF's field messages, and Django's for the username.
const REQUIRED: &str = "This field is required.";
const NULL: &str = "This field may not be null.";
const BLANK: &str = "This field may not be blank.";
const NOT_A_STRING: &str = "Not a valid string.";
const NULL_CHARACTERS: &str = "Null characters are not allowed.";
const NOT_A_BOOLEAN: &str = "Must be a valid boolean.";
const USERNAME_INVALID: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
const USERNAME_TAKEN: &str = "A user with that username already exists.";
const USERNAME_TOO_LONG: &str = "Ensure this field has no more than 150 characters.";
// jwtd's own.
const PASSWORD_WHITESPACE: &str =
    "The password may not start or end with whitespace: logins strip it, so it could never be used.";
const SELF_DEACTIVATE: &str = "You cannot deactivate your own account.";
const SELF_DEMOTE: &str = "You cannot remove your own superuser status.";
const SELF_DELETE: &str = "You cannot delete your own account.";

/// Django's `AbstractUser.username` is at most this many characters.
const USERNAME_MAX_CHARS: usize = 150;

/// DRF's `BooleanField.TRUE_VALUES` and `FALSE_VALUES` that are strings
/// (3.15 and later); the numbers 1 and 0 (1.0 and 0.0 too) count as well.
const TRUE_STRINGS: [&str; 13] = [
    "t", "T", "y", "Y", "yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
];
const FALSE_STRINGS: [&str; 13] = [
    "f", "F", "n", "N", "no", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
];

/// Which admin view a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `/api/admin/users/`
    List,
    /// `/api/admin/users/{id}/`; `None` for digits too large for an id.
    User(Option<u64>),
    /// `/api/admin/users/{id}/revoke/`; `None` as for [`Target::User`].
    Revoke(Option<u64>),
}

impl Target {
    /// DRF's `Allow` for the view: `HEAD` where there is a `GET`, as
    /// Django's class-based views answer it.
    pub fn allow(self) -> &'static str {
        match self {
            Target::List => "GET, POST, HEAD, OPTIONS",
            Target::User(_) => "GET, PATCH, DELETE, HEAD, OPTIONS",
            Target::Revoke(_) => "POST, OPTIONS",
        }
    }
}

/// The admin view `path` names, if any: the id is Django's `<int:pk>`,
/// ASCII digits only (no sign); anything else under the prefix matches
/// nothing, so it is a 404 (or a trailing-slash redirect) like any unknown
/// path, before authentication.
pub fn target(path: &str) -> Option<Target> {
    let rest = path.strip_prefix(PREFIX)?;
    if rest.is_empty() {
        return Some(Target::List);
    }
    let (id, rest) = rest.split_once('/')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id = id.parse::<u64>().ok();
    match rest {
        "" => Some(Target::User(id)),
        "revoke/" => Some(Target::Revoke(id)),
        _ => None,
    }
}

/// Answers a request for `target`.
pub fn handle(app: &App, request: &Request<'_>, target: Target) -> Response {
    let started = Instant::now();
    let now = app.now();
    let admin = match superuser(app, request, now) {
        Ok(admin) => admin,
        Err(refused) => return refused.with_header("Allow", target.allow()),
    };
    let response = match (target, request.method) {
        (Target::List, "GET" | "HEAD") => list(app, request),
        (Target::List, "POST") => create(app, request, admin, started),
        (Target::User(id), "GET" | "HEAD") => match find(app, id) {
            Ok(user) => ok(representation(&user)),
            Err(refused) => refused,
        },
        (Target::User(id), "PATCH") => update(app, request, admin, id, started),
        (Target::User(id), "DELETE") => destroy(app, &admin, id),
        (Target::Revoke(id), "POST") => revoke(app, &admin, id, now),
        (_, "OPTIONS") => metadata(target),
        (_, method) => method_not_allowed(method),
    };
    // A response that comes later carries its own headers.
    if response.parked.is_some() {
        response
    } else {
        response.with_header("Allow", target.allow())
    }
}

/// `JWTAuthentication`, then the permission: the authenticated user if it
/// is an active superuser, else the 401 or 403 to send.
fn superuser(app: &App, request: &Request<'_>, now: u64) -> Result<User, Response> {
    let user = authenticated(app, request, now)?;
    // Django grants a superuser every permission only while active; this
    // matters when CHECK_USER_IS_ACTIVE is off.
    if user.is_active && user.is_superuser {
        Ok(user)
    } else {
        Err(respond::detail(403, FORBIDDEN))
    }
}

/// `get_object_or_404`.
fn find(app: &App, id: Option<u64>) -> Result<User, Response> {
    let Some(id) = id else {
        return Err(respond::detail(404, NO_USER));
    };
    match app.auth.store().user(id) {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(respond::detail(404, NO_USER)),
        Err(e) => Err(store_error(&e)),
    }
}

fn store_error(error: &StoreError) -> Response {
    log::error(&format!("admin API: {error}"));
    unavailable()
}

// --- representation -------------------------------------------------------

/// The serializer's output: every field but the password.
fn representation(user: &User) -> String {
    let last_login = user
        .last_login
        .map_or_else(|| "null".to_owned(), |at| json_string(&datetime(at)));
    Json::object()
        .raw("id", &user.id.to_string())
        .str("username", &user.username)
        .raw("is_active", json_bool(user.is_active))
        .raw("is_staff", json_bool(user.is_staff))
        .raw("is_superuser", json_bool(user.is_superuser))
        .str("date_joined", &datetime(user.date_joined))
        .raw("last_login", &last_login)
        .end()
}

/// DRF's `DateTimeField` with `USE_TZ` in UTC: Python's `isoformat()`,
/// which leaves out a zero fraction, with `+00:00` written `Z`.
fn datetime(micros: i64) -> String {
    time::rfc3339(micros, micros.rem_euclid(1_000_000) != 0)
}

fn json_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_json_str(&mut out, text);
    out
}

// --- list -----------------------------------------------------------------

/// `ListAPIView` with `PageNumberPagination`, ordered by id.
fn list(app: &App, request: &Request<'_>) -> Response {
    let store = app.auth.store();
    let size = app.settings.admin_page_size.max(1);
    let pairs = request.query.map(body::query_pairs).unwrap_or_default();
    // `QueryDict.get`: the last value; absent or empty is page 1.
    let asked = pairs
        .iter()
        .rev()
        .find(|(name, _)| name == "page")
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty());
    let number = match asked {
        None => 1,
        Some("last") => match store.users_page(0, 0) {
            Ok((count, _)) => page_count(count, size),
            Err(e) => return store_error(&e),
        },
        Some(text) => match python_int(text) {
            Some(n) => n,
            None => return respond::detail(404, INVALID_PAGE),
        },
    };
    let offset = number
        .checked_sub(1)
        .and_then(|n| n.checked_mul(size as u64))
        .and_then(|n| usize::try_from(n).ok());
    let Some(offset) = offset else {
        return respond::detail(404, INVALID_PAGE);
    };
    let (count, users) = match store.users_page(offset, size) {
        Ok(page) => page,
        Err(e) => return store_error(&e),
    };
    let pages = page_count(count, size);
    if number > pages {
        return respond::detail(404, INVALID_PAGE);
    }
    let link = |page: u64| -> Result<String, Response> {
        let host = host(request).ok_or_else(|| respond::detail(400, INVALID_HOST))?;
        Ok(json_string(&page_link(host, &pairs, page)))
    };
    let next = if number < pages {
        match link(number + 1) {
            Ok(url) => url,
            Err(refused) => return refused,
        }
    } else {
        "null".to_owned()
    };
    let previous = if number > 1 {
        match link(number - 1) {
            Ok(url) => url,
            Err(refused) => return refused,
        }
    } else {
        "null".to_owned()
    };
    let results: Vec<String> = users.iter().map(representation).collect();
    ok(Json::object()
        .raw("count", &count.to_string())
        .raw("next", &next)
        .raw("previous", &previous)
        .raw("results", &format!("[{}]", results.join(",")))
        .end())
}

/// Django's `Paginator.num_pages` without orphans: at least 1, so that an
/// empty list has an (empty) first page.
fn page_count(count: u64, size: usize) -> u64 {
    count.div_ceil(size as u64).max(1)
}

/// Python's `int()` of a page number: surrounding whitespace, a sign, and
/// ASCII digits with single underscores between them. A negative number
/// reads as 0 and one too large for a `u64` as `u64::MAX`: both are invalid
/// pages all the same. (Python also takes other Unicode decimal digits;
/// those are an invalid page here.)
fn python_int(text: &str) -> Option<u64> {
    let text = python_strip(text);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return None;
    }
    let value = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
    Some(if negative { 0 } else { value })
}

/// Django's `get_host()` with every host allowed: the `Host` header if it
/// matches `host_validation_re` (a name, or an IPv6 literal in brackets,
/// then an optional port).
fn host<'a>(request: &Request<'a>) -> Option<&'a str> {
    let host = std::str::from_utf8(request.header("host")?).ok()?;
    let lower = host.to_ascii_lowercase();
    let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let port = match lower.strip_prefix('[') {
        Some(rest) => {
            let (inside, port) = rest.split_once(']')?;
            let (head, tail) = inside.split_once(':')?;
            let valid = head.bytes().all(is_hex)
                && !tail.is_empty()
                && tail.bytes().all(|b| is_hex(b) || b == b'.' || b == b':');
            valid.then_some(port)?
        }
        None => {
            let (name, port) = match lower.find(':') {
                Some(at) => lower.split_at(at),
                None => (lower.as_str(), ""),
            };
            let valid = !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            valid.then_some(port)?
        }
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some(host)
}

/// DRF's `replace_query_param` (and, for page 1, `remove_query_param`) on
/// `build_absolute_uri()`: the query is parsed, `page` set or dropped, and
/// written back sorted by name with `urlencode`.
fn page_link(host: &str, pairs: &[(String, String)], page: u64) -> String {
    let mut query: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, value) in pairs {
        query.entry(name).or_default().push(value);
    }
    let number = page.to_string();
    if page == 1 {
        query.remove("page");
    } else {
        query.insert("page", vec![&number]);
    }
    let mut url = format!("http://{host}{PREFIX}");
    let mut separator = '?';
    for (name, values) in &query {
        for value in values {
            url.push(separator);
            separator = '&';
            quote_plus(&mut url, name);
            url.push('=');
            quote_plus(&mut url, value);
        }
    }
    url
}

/// Python's `urllib.parse.quote_plus` (UTF-8, nothing safe but the always
/// safe characters).
fn quote_plus(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

// --- validation -------------------------------------------------------------

type Messages = Vec<Cow<'static, str>>;

/// Field errors in declared order, as DRF's serializer collects them.
#[derive(Default)]
struct Errors(Vec<(&'static str, Messages)>);

impl Errors {
    fn check<T>(&mut self, field: &'static str, result: Result<T, Messages>) -> Option<T> {
        result
            .map_err(|messages| self.0.push((field, messages)))
            .ok()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn response(&self) -> Response {
        field_errors(&self.0)
    }
}

/// 400 `{"field": ["message", ...], ...}`.
fn field_errors(errors: &[(&str, Messages)]) -> Response {
    let body = errors
        .iter()
        .fold(Json::object(), |json, (field, messages)| {
            let list: Vec<String> = messages.iter().map(|m| json_string(m)).collect();
            json.raw(field, &format!("[{}]", list.join(",")))
        })
        .end();
    respond::json(400, body)
}

fn one(message: &'static str) -> Messages {
    vec![Cow::Borrowed(message)]
}

fn surrogate(first: u32) -> Cow<'static, str> {
    format!("Surrogate characters are not allowed: U+{first:X}.").into()
}

/// The `username` of `AbstractUser` through a `ModelSerializer`: a trimmed
/// `CharField(max_length=150)` whose validators run in Django's order and
/// all report: the username validator, uniqueness, the length, NUL and
/// surrogates. The outer `Err` is a store failure.
fn validate_username(raw: Raw, app: &App) -> Result<Result<String, Messages>, StoreError> {
    let value = match raw {
        Raw::Missing => return Ok(Err(one(REQUIRED))),
        Raw::Null => return Ok(Err(one(NULL))),
        Raw::Bool(_) | Raw::NotString => return Ok(Err(one(NOT_A_STRING))),
        Raw::Surrogate { first, has_nul } => {
            let mut messages = one(USERNAME_INVALID);
            if has_nul {
                messages.push(NULL_CHARACTERS.into());
            }
            messages.push(surrogate(first));
            return Ok(Err(messages));
        }
        Raw::Str(value) | Raw::Number(value) => value,
    };
    let value = python_strip(&value);
    if value.is_empty() {
        return Ok(Err(one(BLANK)));
    }
    let mut messages = Messages::new();
    // `^[\w.@+-]+\Z`, with Python's Unicode `\w`.
    if !value
        .chars()
        .all(|c| c.is_alphanumeric() || "_.@+-".contains(c))
    {
        messages.push(USERNAME_INVALID.into());
    }
    if app.auth.store().user_by_name(value)?.is_some() {
        messages.push(USERNAME_TAKEN.into());
    }
    if value.chars().count() > USERNAME_MAX_CHARS {
        messages.push(USERNAME_TOO_LONG.into());
    }
    if value.contains('\0') {
        messages.push(NULL_CHARACTERS.into());
    }
    Ok(if messages.is_empty() {
        Ok(value.to_owned())
    } else {
        Err(messages)
    })
}

/// The write-only `password`: a `CharField(trim_whitespace=False)` that
/// refuses what a login could never match, since logins strip their fields
/// (as `jwtd user add` refuses it).
fn validate_password(raw: Raw) -> Result<String, Messages> {
    let value = match raw {
        Raw::Missing => return Err(one(REQUIRED)),
        Raw::Null => return Err(one(NULL)),
        Raw::Bool(_) | Raw::NotString => return Err(one(NOT_A_STRING)),
        Raw::Surrogate { first, has_nul } => {
            let mut messages = Messages::new();
            if has_nul {
                messages.push(NULL_CHARACTERS.into());
            }
            messages.push(surrogate(first));
            return Err(messages);
        }
        Raw::Str(value) | Raw::Number(value) => value,
    };
    if value.is_empty() {
        return Err(one(BLANK));
    }
    let mut messages = Messages::new();
    if python_strip(&value) != value {
        messages.push(PASSWORD_WHITESPACE.into());
    }
    if value.contains('\0') {
        messages.push(NULL_CHARACTERS.into());
    }
    if messages.is_empty() {
        Ok(value)
    } else {
        Err(messages)
    }
}

/// DRF's `BooleanField`: `None` when the field is absent.
fn validate_bool(raw: Raw) -> Result<Option<bool>, Messages> {
    match raw {
        Raw::Missing => Ok(None),
        Raw::Null => Err(one(NULL)),
        Raw::Bool(value) => Ok(Some(value)),
        // Python's `1.0 in {1}` is true: numbers compare by value.
        Raw::Number(text) => {
            let x = text.parse::<f64>().unwrap_or(f64::NAN);
            if x == 1.0 {
                Ok(Some(true))
            } else if x == 0.0 {
                Ok(Some(false))
            } else {
                Err(one(NOT_A_BOOLEAN))
            }
        }
        Raw::Str(text) if TRUE_STRINGS.contains(&text.as_str()) => Ok(Some(true)),
        Raw::Str(text) if FALSE_STRINGS.contains(&text.as_str()) => Ok(Some(false)),
        Raw::Str(_) | Raw::NotString | Raw::Surrogate { .. } => Err(one(NOT_A_BOOLEAN)),
    }
}

// --- create -------------------------------------------------------------

const CREATE_FIELDS: [&str; 5] = [
    "username",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
];

/// `CreateAPIView`: validates, then hashes the password and adds the user
/// on the login pool.
fn create(app: &App, request: &Request<'_>, admin: User, started: Instant) -> Response {
    let raw = match body::parse_raw(request.header("content-type"), &request.body, CREATE_FIELDS) {
        Ok(raw) => raw,
        Err(e) => return body_error(e),
    };
    let [username, password, is_active, is_staff, is_superuser] = raw;
    let mut errors = Errors::default();
    let username = match validate_username(username, app) {
        Ok(result) => errors.check("username", result),
        Err(e) => return store_error(&e),
    };
    let password = errors.check("password", validate_password(password));
    let is_active = errors.check("is_active", validate_bool(is_active));
    let is_staff = errors.check("is_staff", validate_bool(is_staff));
    let is_superuser = errors.check("is_superuser", validate_bool(is_superuser));
    let (Some(username), Some(password), Some(is_active), Some(is_staff), Some(is_superuser)) =
        (username, password, is_active, is_staff, is_superuser)
    else {
        return errors.response();
    };
    let new = User {
        id: 0,
        username,
        password: String::new(),
        // The model's defaults.
        is_active: is_active.unwrap_or(true),
        is_staff: is_staff.unwrap_or(false),
        is_superuser: is_superuser.unwrap_or(false),
        date_joined: now_micros(app),
        last_login: None,
        tokens_valid_after: 0,
    };
    on_login_pool(app, Target::List, started, move |app| {
        add_user(app, &admin, new, &password)
    })
}

/// Hashes `password` and adds `new` with it: 201 and the representation.
fn add_user(app: &App, admin: &User, mut new: User, password: &str) -> Response {
    new.password = match password::make_password(password, app.settings.password_iterations) {
        Ok(hash) => hash,
        Err(e) => {
            log::error(&format!("admin API: hashing a password: {e}"));
            return unavailable();
        }
    };
    match app.auth.store().add_user(NewUser {
        id: None,
        user: new,
    }) {
        Ok(user) => {
            log::info(&format!(
                "admin {:?} (id {}) created user {:?} (id {}): active {}, staff {}, superuser {}",
                admin.username,
                admin.id,
                user.username,
                user.id,
                user.is_active,
                user.is_staff,
                user.is_superuser
            ));
            respond::json(201, representation(&user))
        }
        // Taken between the check and the write.
        Err(StoreError::UsernameTaken) => field_errors(&[("username", one(USERNAME_TAKEN))]),
        Err(e) => store_error(&e),
    }
}

/// Runs `work` on the login pool and answers with what it returns; 429 at
/// once when the pool's queue is full, as a login.
fn on_login_pool(
    app: &App,
    target: Target,
    started: Instant,
    work: impl FnOnce(&App) -> Response + Send + 'static,
) -> Response {
    let Some(shared) = app.shared() else {
        return unavailable();
    };
    let (answer, completion) = park(respond::server_error);
    let job = move || {
        let response = work(&shared).with_header("Allow", target.allow());
        shared
            .metrics
            .request(Route::Admin, response.status, started.elapsed());
        completion.complete(response);
    };
    match app.logins.spawn(job) {
        Ok(()) => Response::parked(answer),
        Err(_) => throttled(1),
    }
}

/// Microseconds for `date_joined`: the system clock's own, or a fixed
/// clock's seconds (tests).
fn now_micros(app: &App) -> i64 {
    match app.clock {
        Clock::System => time::now_micros(),
        Clock::Fixed(_) => i64::try_from(app.now())
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000),
    }
}

// --- update -------------------------------------------------------------

const UPDATE_FIELDS: [&str; 4] = ["password", "is_active", "is_staff", "is_superuser"];

/// What a PATCH changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    is_active: Option<bool>,
    is_staff: Option<bool>,
    is_superuser: Option<bool>,
}

/// `UpdateAPIView.partial_update`: 404 first, then the body. A new password
/// is hashed on the login pool.
fn update(
    app: &App,
    request: &Request<'_>,
    admin: User,
    id: Option<u64>,
    started: Instant,
) -> Response {
    let user = match find(app, id) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let raw = match body::parse_raw(request.header("content-type"), &request.body, UPDATE_FIELDS) {
        Ok(raw) => raw,
        Err(e) => return body_error(e),
    };
    let [password, is_active, is_staff, is_superuser] = raw;
    let itself = user.id == admin.id;
    let mut errors = Errors::default();
    let password = match password {
        Raw::Missing => None,
        raw => errors.check("password", validate_password(raw)),
    };
    let flags = Flags {
        is_active: errors
            .check(
                "is_active",
                validate_bool(is_active).and_then(|v| match v {
                    Some(false) if itself => Err(one(SELF_DEACTIVATE)),
                    v => Ok(v),
                }),
            )
            .flatten(),
        is_staff: errors.check("is_staff", validate_bool(is_staff)).flatten(),
        is_superuser: errors
            .check(
                "is_superuser",
                validate_bool(is_superuser).and_then(|v| match v {
                    Some(false) if itself => Err(one(SELF_DEMOTE)),
                    v => Ok(v),
                }),
            )
            .flatten(),
    };
    if !errors.is_empty() {
        return errors.response();
    }
    let id = user.id;
    match password {
        None => apply_update(app, &admin, id, flags, None),
        Some(password) => on_login_pool(app, Target::User(Some(id)), started, move |app| {
            match password::make_password(&password, app.settings.password_iterations) {
                Ok(hash) => apply_update(app, &admin, id, flags, Some(hash)),
                Err(e) => {
                    log::error(&format!("admin API: hashing a password: {e}"));
                    unavailable()
                }
            }
        }),
    }
}

/// Writes the change, then revokes the user's tokens when they were
/// deactivated or (with `REVOKE_ON_PASSWORD_CHANGE`) given a new password:
/// after the write, so that no login with the old password can slip in
/// after the revocation.
fn apply_update(app: &App, admin: &User, id: u64, flags: Flags, hash: Option<String>) -> Response {
    let new_password = hash.is_some();
    let updated = app.auth.store().update_user_by_id(id, |user| {
        if let Some(value) = flags.is_active {
            user.is_active = value;
        }
        if let Some(value) = flags.is_staff {
            user.is_staff = value;
        }
        if let Some(value) = flags.is_superuser {
            user.is_superuser = value;
        }
        if let Some(hash) = hash {
            user.password = hash;
        }
    });
    let user = match updated {
        Ok(user) => user,
        // Deleted meanwhile.
        Err(StoreError::NoSuchUser) => return respond::detail(404, NO_USER),
        Err(e) => return store_error(&e),
    };
    let mut changes: Vec<String> = [
        ("is_active", flags.is_active),
        ("is_staff", flags.is_staff),
        ("is_superuser", flags.is_superuser),
    ]
    .iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name} {v}")))
    .collect();
    if new_password {
        changes.push("password changed".into());
    }
    let revoke =
        flags.is_active == Some(false) || (new_password && app.settings.revoke_on_password_change);
    if revoke {
        match app.auth.revoke_user(id, app.now()) {
            Ok(tokens) => changes.push(format!(
                "every token of theirs revoked ({} refresh token(s) blacklisted)",
                tokens.unwrap_or(0)
            )),
            Err(e) => return auth_error(app, &e),
        }
    }
    if changes.is_empty() {
        changes.push("nothing changed".into());
    }
    log::info(&format!(
        "admin {:?} (id {}) updated user {:?} (id {}): {}",
        admin.username,
        admin.id,
        user.username,
        user.id,
        changes.join(", ")
    ));
    ok(representation(&user))
}

// --- delete and revoke ------------------------------------------------------

/// `DestroyAPIView`: 204 with no body.
fn destroy(app: &App, admin: &User, id: Option<u64>) -> Response {
    let user = match find(app, id) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    if user.id == admin.id {
        return field_errors(&[("non_field_errors", one(SELF_DELETE))]);
    }
    match app.auth.store().delete_user_by_id(user.id) {
        Ok(user) => {
            log::info(&format!(
                "admin {:?} (id {}) deleted user {:?} (id {})",
                admin.username, admin.id, user.username, user.id
            ));
            // DRF sends no Content-Type with an empty body.
            Response::new(204).with_header("Vary", "Accept")
        }
        Err(StoreError::NoSuchUser) => respond::detail(404, NO_USER),
        Err(e) => store_error(&e),
    }
}

/// Logs the user out everywhere, as `jwtd user revoke` does: 200 `{}`.
fn revoke(app: &App, admin: &User, id: Option<u64>, now: u64) -> Response {
    let user = match find(app, id) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    match app.auth.revoke_user(user.id, now) {
        Ok(Some(tokens)) => {
            log::info(&format!(
                "admin {:?} (id {}) revoked every token of user {:?} (id {}): {tokens} refresh token(s) blacklisted",
                admin.username, admin.id, user.username, user.id
            ));
            ok("{}".into())
        }
        Ok(None) => respond::detail(404, NO_USER),
        Err(e) => auth_error(app, &e),
    }
}

// --- OPTIONS --------------------------------------------------------------

/// DRF's `SimpleMetadata` of the create serializer: every field in declared
/// order, the read-only and write-only ones included.
const CREATE_ACTIONS: &str = concat!(
    r#"{"POST":{"#,
    r#""id":{"type":"integer","required":false,"read_only":true,"label":"ID"},"#,
    r#""username":{"type":"string","required":true,"read_only":false,"label":"Username","help_text":"Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.","max_length":150},"#,
    r#""password":{"type":"string","required":true,"read_only":false,"label":"Password"},"#,
    r#""is_active":{"type":"boolean","required":false,"read_only":false,"label":"Active","help_text":"Designates whether this user should be treated as active. Unselect this instead of deleting accounts."},"#,
    r#""is_staff":{"type":"boolean","required":false,"read_only":false,"label":"Staff status","help_text":"Designates whether the user can log into this admin site."},"#,
    r#""is_superuser":{"type":"boolean","required":false,"read_only":false,"label":"Superuser status","help_text":"Designates that this user has all permissions without explicitly assigning them."},"#,
    r#""date_joined":{"type":"datetime","required":false,"read_only":true,"label":"Date joined"},"#,
    r#""last_login":{"type":"datetime","required":false,"read_only":true,"label":"Last login"}"#,
    "}}"
);

/// DRF's metadata: name, description, renderers and parsers; the list view
/// also describes its POST (DRF describes only POST and PUT, and only for
/// views with a serializer).
fn metadata(target: Target) -> Response {
    let (name, description) = match target {
        Target::List => (
            "Admin User List",
            "Lists user accounts a page at a time, or creates one. Superusers only.",
        ),
        Target::User(_) => (
            "Admin User Detail",
            "Shows, changes (is_active, is_staff, is_superuser, password) or deletes\none user account. Superusers only.",
        ),
        Target::Revoke(_) => (
            "Admin User Revoke",
            "Revokes every token of one user: logs them out everywhere. Superusers only.",
        ),
    };
    let json = Json::object()
        .str("name", name)
        .str("description", description)
        .raw("renders", RENDERS)
        .raw("parses", PARSES);
    let json = match target {
        Target::List => json.raw("actions", CREATE_ACTIONS),
        Target::User(_) | Target::Revoke(_) => json,
    };
    ok(json.end())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
