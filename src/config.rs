//! Settings, under SimpleJWT's names, from an optional JSON file and from
//! `JWTD_<NAME>` environment variables (which win), validated once at
//! start-up: a bad value stops jwtd with a message naming the setting.
//!
//! Durations are seconds (`300`) or a number with a unit (`90s`, `60m`, `2h`,
//! `1d`). Booleans are `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
//! Lists in the environment are comma-separated or a JSON array. An empty
//! string disables the settings SimpleJWT lets you set to `None`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::jwt::Algorithm;

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `ACCESS_TOKEN_LIFETIME`, seconds. Defaults to 3600 (60 min).
    pub access_token_lifetime: u64,
    /// `REFRESH_TOKEN_LIFETIME`, seconds. Defaults to 86400 (1 day).
    pub refresh_token_lifetime: u64,
    /// `ROTATE_REFRESH_TOKENS`: refresh also returns a new refresh token.
    /// Defaults to true.
    pub rotate_refresh_tokens: bool,
    /// `BLACKLIST_AFTER_ROTATION`: rotation blacklists the presented token,
    /// and verify refuses blacklisted tokens. Defaults to true.
    pub blacklist_after_rotation: bool,
    /// `REVOKE_FAMILY_ON_REUSE` (jwtd): presenting an already rotated
    /// refresh token blacklists every token of its login. Defaults to true.
    pub revoke_family_on_reuse: bool,
    /// `REVOKE_ON_PASSWORD_CHANGE` (jwtd): setting a user's password revokes
    /// every token of theirs, as `jwtd user revoke` does. Defaults to true.
    pub revoke_on_password_change: bool,
    /// `UPDATE_LAST_LOGIN`: a login records `last_login`. Defaults to false.
    pub update_last_login: bool,
    /// `ALGORITHM`: HS256, HS384 or HS512. Defaults to HS256.
    pub algorithm: Algorithm,
    /// `AUDIENCE`: written as `aud` and required on decode. Defaults to none.
    pub audience: Option<Audience>,
    /// `ISSUER`: written as `iss` and required on decode. Defaults to none.
    pub issuer: Option<String>,
    /// `LEEWAY`, seconds of clock skew on exp, iat and nbf. Defaults to 0.
    pub leeway: u64,
    /// `AUTH_HEADER_TYPES`: accepted schemes (matched case-insensitively);
    /// the first is named in `WWW-Authenticate`. Defaults to `["Bearer"]`.
    pub auth_header_types: Vec<String>,
    /// `AUTH_HEADER_NAME`, as a WSGI key. Defaults to `HTTP_AUTHORIZATION`.
    pub auth_header_name: String,
    /// `USER_ID_CLAIM`. Defaults to `user_id`.
    pub user_id_claim: String,
    /// `TOKEN_TYPE_CLAIM`; none disables the type check. Defaults to `token_type`.
    pub token_type_claim: Option<String>,
    /// `JTI_CLAIM`; none disables the id check on access tokens. Defaults to `jti`.
    pub jti_claim: Option<String>,
    /// `CHECK_USER_IS_ACTIVE`. Defaults to true.
    pub check_user_is_active: bool,
    /// `CHECK_REVOKE_TOKEN`: tokens carry an MD5 of the stored password hash
    /// and stop working when the password changes. Defaults to false.
    pub check_revoke_token: bool,
    /// `REVOKE_TOKEN_CLAIM`. Defaults to `hash_password`.
    pub revoke_token_claim: String,
    /// `PASSWORD_ITERATIONS`, PBKDF2 rounds for new hashes. Defaults to
    /// 1,000,000 (Django 5.2).
    pub password_iterations: u32,
    /// `WORKERS`, HTTP worker threads. Defaults to 4 per core, at least 4.
    pub workers: usize,
    /// `LOGIN_THREADS`, threads hashing passwords. Defaults to one per core.
    pub login_threads: usize,
    /// `LOGIN_QUEUE`, logins waiting for a hashing thread before 429. A
    /// waiting login holds a connection, not a worker. Defaults to 8 per
    /// login thread (at Django's iterations, about a second and a half of
    /// waiting at most).
    pub login_queue: usize,
    /// `LOGIN_FAILURES_PER_ADDRESS`: failed logins from one client address
    /// (IPv6: one /64) per window before 429; 0 disables. Defaults to 50.
    pub login_failures_per_address: u32,
    /// `LOGIN_FAILURES_PER_USER`: failed logins for one username from one
    /// client address per window before 429; 0 disables. Defaults to 10.
    pub login_failures_per_user: u32,
    /// `LOGIN_FAILURE_WINDOW`: the throttling window. Defaults to 15 min.
    pub login_failure_window: u64,
    /// `NUM_PROXIES`, as DRF's: the client address is taken from
    /// `X-Forwarded-For`, this many hops from the right. Defaults to 0 (the
    /// peer address; the header is ignored).
    pub num_proxies: usize,
    /// `ADMIN_PAGE_SIZE` (jwtd): users per page of `GET /api/admin/users/`,
    /// as DRF's `PAGE_SIZE`. Defaults to 100.
    pub admin_page_size: usize,
    /// `MAX_CONNECTIONS`, open connections; beyond it 503. Defaults to 1024.
    pub max_connections: usize,
    /// `MAX_BODY_BYTES`; larger bodies get 413. Defaults to 16384.
    pub max_body_bytes: usize,
    /// `MAX_REQUEST_LINE_BYTES`; longer request lines get 414. Defaults to 8192.
    pub max_request_line_bytes: usize,
    /// `MAX_HEADER_BYTES`, request line and headers together; beyond it 431.
    /// Defaults to 16384.
    pub max_header_bytes: usize,
    /// `MAX_HEADERS`, header fields per request; beyond it 431. Defaults to 100.
    pub max_headers: usize,
    /// `REQUEST_TIMEOUT`: from a request's first byte to its last. Defaults to 10 s.
    pub request_timeout: Duration,
    /// `KEEPALIVE_TIMEOUT`: an idle connection is closed after it. Defaults to 15 s.
    pub keepalive_timeout: Duration,
    /// `WRITE_TIMEOUT`: a response not taken by the client in this time
    /// closes the connection. Defaults to 10 s.
    pub write_timeout: Duration,
    /// `MAX_REQUESTS_PER_CONNECTION`. Defaults to 1000.
    pub max_requests_per_connection: u32,
    /// `SHUTDOWN_TIMEOUT`: how long in-flight requests may finish. Defaults to 10 s.
    pub shutdown_timeout: Duration,
    /// `CACHE_SIZE`, bytes of database page cache. Defaults to 2 MiB: the
    /// refresh rate within about 2% of 4 MiB's in paired runs, with the peak
    /// RSS at 64 connections 7.1 MiB instead of 9.2 (docs/performance.md).
    pub cache_size: usize,
    /// `PURGE_INTERVAL`: expired tokens are purged this often. Defaults to 1 h.
    pub purge_interval: Duration,
    /// `ACCESS_LOG`: one line per request on stderr. Defaults to true.
    pub access_log: bool,
    /// `LOG_PROBES`: also log `/healthz` and `/metrics` requests, which
    /// monitoring repeats all day. Defaults to false.
    pub log_probes: bool,
    /// `LEARNER_PAGE` (jwtd): `GET /` serves the learner's page, which logs
    /// in and takes the tokens apart using only the public API; off, `/` is
    /// a 404. Defaults to true (the contrib systemd unit turns it off).
    pub learner_page: bool,
    /// `SIGNING_KEY_FILE`, a file holding the key. Defaults to none (the
    /// `JWTD_SIGNING_KEY` variable, else a key kept in the database).
    pub signing_key_file: Option<PathBuf>,
    /// `CONTROL_SOCKET` (jwtd): the Unix socket through which `jwtd key` and
    /// `jwtd user revoke` reach a running server. Defaults to the database
    /// path with `.sock` appended; empty or null turns it off.
    pub control_socket: ControlSocket,
}

/// Where the control socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlSocket {
    /// The database path with `.sock` appended.
    BesideDatabase,
    /// This path.
    At(PathBuf),
    /// No control socket.
    Off,
}

impl ControlSocket {
    /// The socket's path for the database `db`, if there is one.
    pub fn path(&self, db: &std::path::Path) -> Option<PathBuf> {
        match self {
            ControlSocket::BesideDatabase => {
                let mut path = db.as_os_str().to_owned();
                path.push(".sock");
                Some(PathBuf::from(path))
            }
            ControlSocket::At(path) => Some(path.clone()),
            ControlSocket::Off => None,
        }
    }
}

/// `AUDIENCE`: one string, or a list, written into tokens as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `"aud": "x"`.
    One(String),
    /// `"aud": ["x", "y"]`.
    Many(Vec<String>),
}

impl Audience {
    /// Every accepted audience.
    pub fn values(&self) -> Vec<String> {
        match self {
            Audience::One(a) => vec![a.clone()],
            Audience::Many(list) => list.clone(),
        }
    }

    /// The claim value.
    pub fn to_value(&self) -> Value {
        match self {
            Audience::One(a) => Value::from(a.as_str()),
            Audience::Many(list) => Value::from(list.clone()),
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Settings {
            access_token_lifetime: 60 * 60,
            refresh_token_lifetime: 24 * 60 * 60,
            rotate_refresh_tokens: true,
            blacklist_after_rotation: true,
            revoke_family_on_reuse: true,
            revoke_on_password_change: true,
            update_last_login: false,
            algorithm: Algorithm::HS256,
            audience: None,
            issuer: None,
            leeway: 0,
            auth_header_types: vec!["Bearer".into()],
            auth_header_name: "HTTP_AUTHORIZATION".into(),
            user_id_claim: "user_id".into(),
            token_type_claim: Some("token_type".into()),
            jti_claim: Some("jti".into()),
            check_user_is_active: true,
            check_revoke_token: false,
            revoke_token_claim: "hash_password".into(),
            password_iterations: 1_000_000,
            workers: (4 * cores).max(4),
            login_threads: cores,
            login_queue: 8 * cores,
            login_failures_per_address: 50,
            login_failures_per_user: 10,
            login_failure_window: 15 * 60,
            num_proxies: 0,
            admin_page_size: 100,
            max_connections: 1024,
            max_body_bytes: 16 * 1024,
            max_request_line_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            request_timeout: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(15),
            write_timeout: Duration::from_secs(10),
            max_requests_per_connection: 1000,
            shutdown_timeout: Duration::from_secs(10),
            cache_size: 2 << 20,
            purge_interval: Duration::from_secs(60 * 60),
            access_log: true,
            log_probes: false,
            learner_page: true,
            signing_key_file: None,
            control_socket: ControlSocket::BesideDatabase,
        }
    }
}

/// A setting that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting, or the file, at fault.
    pub setting: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// A setting's value as given: an environment string or a JSON value.
#[derive(Debug, Clone)]
pub enum Raw<'a> {
    /// From `JWTD_<NAME>`.
    Env(&'a str),
    /// From the JSON file.
    Json(&'a Value),
}

/// Environment variables jwtd reads that are not settings.
pub const OTHER_VARIABLES: [&str; 5] = [
    "JWTD_DB",
    "JWTD_ADDR",
    "JWTD_CONFIG",
    "JWTD_SIGNING_KEY",
    "JWTD_SIGNING_KEY_FILE",
];

/// Settings SimpleJWT removed; naming one is an error, as there.
const REMOVED: [&str; 4] = [
    "AUTH_HEADER_TYPE",
    "AUTH_TOKEN_CLASS",
    "SECRET_KEY",
    "TOKEN_BACKEND_CLASS",
];

impl Settings {
    /// Defaults, then the JSON file, then `JWTD_*` variables from `env`.
    /// Returns warnings (such as unknown variables) to print.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Settings, Vec<String>), ConfigError> {
        let mut settings = Settings::default();
        let mut warnings = Vec::new();
        if let Some(path) = file {
            let problem = |p: String| ConfigError {
                setting: format!("config file {}", path.display()),
                problem: p,
            };
            let text = std::fs::read_to_string(path).map_err(|e| problem(e.to_string()))?;
            let json: Value = serde_json::from_str(&text).map_err(|e| problem(e.to_string()))?;
            let Value::Object(members) = json else {
                return Err(problem("expected a JSON object of settings".into()));
            };
            for (name, value) in &members {
                settings.set(name, Raw::Json(value))?;
            }
        }
        for (key, value) in env {
            let Some(name) = key.strip_prefix("JWTD_") else {
                continue;
            };
            if OTHER_VARIABLES.contains(&key.as_str()) {
                continue;
            }
            match settings.set(name, Raw::Env(&value)) {
                Err(e) if e.problem == UNKNOWN => {
                    warnings.push(format!("ignoring unknown variable {key}"))
                }
                other => other?,
            }
        }
        settings.check()?;
        Ok((settings, warnings))
    }

    /// Sets one setting by its SimpleJWT name.
    pub fn set(&mut self, name: &str, raw: Raw<'_>) -> Result<(), ConfigError> {
        let err = |problem: String| ConfigError {
            setting: name.to_owned(),
            problem,
        };
        let s = self;
        match name {
            "ACCESS_TOKEN_LIFETIME" => s.access_token_lifetime = positive_seconds(raw).map_err(err)?,
            "REFRESH_TOKEN_LIFETIME" => s.refresh_token_lifetime = positive_seconds(raw).map_err(err)?,
            "ROTATE_REFRESH_TOKENS" => s.rotate_refresh_tokens = boolean(raw).map_err(err)?,
            "BLACKLIST_AFTER_ROTATION" => s.blacklist_after_rotation = boolean(raw).map_err(err)?,
            "REVOKE_FAMILY_ON_REUSE" => s.revoke_family_on_reuse = boolean(raw).map_err(err)?,
            "REVOKE_ON_PASSWORD_CHANGE" => {
                s.revoke_on_password_change = boolean(raw).map_err(err)?
            }
            "UPDATE_LAST_LOGIN" => s.update_last_login = boolean(raw).map_err(err)?,
            "ALGORITHM" => s.algorithm = algorithm(raw).map_err(err)?,
            "AUDIENCE" => s.audience = audience(raw).map_err(err)?,
            "ISSUER" => s.issuer = optional_string(raw).map_err(err)?,
            "LEEWAY" => s.leeway = seconds(raw).map_err(err)?,
            "AUTH_HEADER_TYPES" => s.auth_header_types = header_types(raw).map_err(err)?,
            "AUTH_HEADER_NAME" => s.auth_header_name = header_name(raw).map_err(err)?,
            "USER_ID_CLAIM" => s.user_id_claim = claim_name(raw).map_err(err)?,
            "TOKEN_TYPE_CLAIM" => s.token_type_claim = optional_string(raw).map_err(err)?,
            "JTI_CLAIM" => s.jti_claim = optional_string(raw).map_err(err)?,
            "CHECK_USER_IS_ACTIVE" => s.check_user_is_active = boolean(raw).map_err(err)?,
            "CHECK_REVOKE_TOKEN" => s.check_revoke_token = boolean(raw).map_err(err)?,
            "REVOKE_TOKEN_CLAIM" => s.revoke_token_claim = claim_name(raw).map_err(err)?,
            "PASSWORD_ITERATIONS" => s.password_iterations = integer(raw, 1, u32::MAX.into()).map_err(err)? as u32,
            "WORKERS" => s.workers = integer(raw, 1, 1024).map_err(err)? as usize,
            "LOGIN_THREADS" => s.login_threads = integer(raw, 1, 256).map_err(err)? as usize,
            "LOGIN_QUEUE" => s.login_queue = integer(raw, 0, 65_536).map_err(err)? as usize,
            "LOGIN_FAILURES_PER_ADDRESS" => {
                s.login_failures_per_address = integer(raw, 0, u32::MAX.into()).map_err(err)? as u32
            }
            "LOGIN_FAILURES_PER_USER" => {
                s.login_failures_per_user = integer(raw, 0, u32::MAX.into()).map_err(err)? as u32
            }
            "LOGIN_FAILURE_WINDOW" => s.login_failure_window = positive_seconds(raw).map_err(err)?,
            "NUM_PROXIES" => s.num_proxies = integer(raw, 0, 16).map_err(err)? as usize,
            "ADMIN_PAGE_SIZE" => s.admin_page_size = integer(raw, 1, 10_000).map_err(err)? as usize,
            "MAX_CONNECTIONS" => s.max_connections = integer(raw, 1, 1 << 20).map_err(err)? as usize,
            "MAX_BODY_BYTES" => s.max_body_bytes = integer(raw, 64, 1 << 24).map_err(err)? as usize,
            "MAX_REQUEST_LINE_BYTES" => s.max_request_line_bytes = integer(raw, 64, 1 << 20).map_err(err)? as usize,
            "MAX_HEADER_BYTES" => s.max_header_bytes = integer(raw, 256, 1 << 20).map_err(err)? as usize,
            "MAX_HEADERS" => s.max_headers = integer(raw, 4, 1024).map_err(err)? as usize,
            "REQUEST_TIMEOUT" => s.request_timeout = duration(raw).map_err(err)?,
            "KEEPALIVE_TIMEOUT" => s.keepalive_timeout = duration(raw).map_err(err)?,
            "WRITE_TIMEOUT" => s.write_timeout = duration(raw).map_err(err)?,
            "MAX_REQUESTS_PER_CONNECTION" => {
                s.max_requests_per_connection = integer(raw, 1, u32::MAX.into()).map_err(err)? as u32
            }
            "SHUTDOWN_TIMEOUT" => s.shutdown_timeout = Duration::from_secs(seconds(raw).map_err(err)?),
            "CACHE_SIZE" => s.cache_size = integer(raw, 64 * 1024, 1 << 40).map_err(err)? as usize,
            "PURGE_INTERVAL" => s.purge_interval = duration(raw).map_err(err)?,
            "ACCESS_LOG" => s.access_log = boolean(raw).map_err(err)?,
            "LOG_PROBES" => s.log_probes = boolean(raw).map_err(err)?,
            "LEARNER_PAGE" => s.learner_page = boolean(raw).map_err(err)?,
            "SIGNING_KEY_FILE" => s.signing_key_file = optional_string(raw).map_err(err)?.map(PathBuf::from),
            "CONTROL_SOCKET" => {
                s.control_socket = match optional_string(raw).map_err(err)? {
                    Some(path) => ControlSocket::At(PathBuf::from(path)),
                    None => ControlSocket::Off,
                }
            }
            removed if REMOVED.contains(&removed) => {
                return Err(err(format!(
                    "the '{removed}' setting has been removed in SimpleJWT; see the README for the available settings"
                )))
            }
            "SIGNING_KEY" => {
                return Err(err(
                    "set the key with JWTD_SIGNING_KEY or SIGNING_KEY_FILE, never in a settings file".into(),
                ))
            }
            _ => return Err(err(UNKNOWN.into())),
        }
        Ok(())
    }

    /// Checks that need several settings at once.
    fn check(&self) -> Result<(), ConfigError> {
        if self.max_request_line_bytes > self.max_header_bytes {
            return Err(ConfigError {
                setting: "MAX_REQUEST_LINE_BYTES".into(),
                problem: "must not exceed MAX_HEADER_BYTES".into(),
            });
        }
        Ok(())
    }

    /// The request header `AUTH_HEADER_NAME` names: `HTTP_X_ACCESS_TOKEN`
    /// is `x-access-token`.
    pub fn auth_header(&self) -> String {
        let name = self
            .auth_header_name
            .strip_prefix("HTTP_")
            .unwrap_or(&self.auth_header_name);
        name.to_ascii_lowercase().replace('_', "-")
    }
}

const UNKNOWN: &str = "unknown setting";

fn describe(raw: &Raw<'_>) -> String {
    match raw {
        Raw::Env(s) => format!("{s:?}"),
        Raw::Json(v) => v.to_string(),
    }
}

fn boolean(raw: Raw<'_>) -> Result<bool, String> {
    match raw {
        Raw::Json(Value::Bool(b)) => Ok(*b),
        Raw::Env(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(format!("expected true or false, got {s:?}")),
        },
        other => Err(format!("expected true or false, got {}", describe(&other))),
    }
}

fn integer(raw: Raw<'_>, min: u64, max: u64) -> Result<u64, String> {
    let value = match &raw {
        Raw::Json(Value::Number(n)) => n.as_u64(),
        Raw::Env(s) => parse_whole(s),
        Raw::Json(Value::String(s)) => parse_whole(s),
        _ => None,
    };
    match value {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from {min} to {max}, got {}",
            describe(&raw)
        )),
    }
}

fn parse_whole(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Seconds, or a number followed by `s`, `m`, `h` or `d`.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        _ => return None,
    };
    n.checked_mul(scale)
}

fn seconds(raw: Raw<'_>) -> Result<u64, String> {
    let value = match &raw {
        Raw::Json(Value::Number(n)) => n.as_u64(),
        Raw::Env(s) => parse_duration(s),
        Raw::Json(Value::String(s)) => parse_duration(s),
        _ => None,
    };
    // A hundred years is more than any token should live, and keeps every
    // `now + lifetime` far from overflow.
    value
        .filter(|s| *s <= 100 * 365 * 24 * 60 * 60)
        .ok_or_else(|| {
            format!(
                "expected a duration such as 300, 90s, 60m or 1d, got {}",
                describe(&raw)
            )
        })
}

fn positive_seconds(raw: Raw<'_>) -> Result<u64, String> {
    match seconds(raw)? {
        0 => Err("must be longer than 0 seconds".into()),
        n => Ok(n),
    }
}

fn duration(raw: Raw<'_>) -> Result<Duration, String> {
    positive_seconds(raw).map(Duration::from_secs)
}

fn string(raw: Raw<'_>) -> Result<String, String> {
    match raw {
        Raw::Env(s) => Ok(s.to_owned()),
        Raw::Json(Value::String(s)) => Ok(s.clone()),
        other => Err(format!("expected a string, got {}", describe(&other))),
    }
}

fn optional_string(raw: Raw<'_>) -> Result<Option<String>, String> {
    match raw {
        Raw::Json(Value::Null) => Ok(None),
        other => Ok(Some(string(other)?).filter(|s| !s.is_empty())),
    }
}

fn claim_name(raw: Raw<'_>) -> Result<String, String> {
    let name = string(raw)?;
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(name)
}

fn list(raw: Raw<'_>) -> Result<Vec<String>, String> {
    let parsed;
    let value = match raw {
        Raw::Env(s) if s.trim_start().starts_with('[') => {
            parsed =
                serde_json::from_str::<Value>(s).map_err(|e| format!("not a JSON array: {e}"))?;
            &parsed
        }
        Raw::Env(s) => {
            return Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect())
        }
        Raw::Json(v) => v,
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| format!("expected strings, got {item}"))
            })
            .collect(),
        other => Err(format!("expected a list of strings, got {other}")),
    }
}

fn algorithm(raw: Raw<'_>) -> Result<Algorithm, String> {
    let name = string(raw)?;
    Algorithm::from_name(&name).ok_or_else(|| {
        format!("Unrecognized algorithm type '{name}' (jwtd signs with HS256, HS384 or HS512)")
    })
}

fn audience(raw: Raw<'_>) -> Result<Option<Audience>, String> {
    let is_list = match &raw {
        Raw::Json(Value::Array(_)) => true,
        Raw::Env(s) => s.trim_start().starts_with('[') || s.contains(','),
        _ => false,
    };
    if let Raw::Json(Value::Null) = raw {
        return Ok(None);
    }
    let values = list(raw)?;
    Ok(match (values.len(), is_list) {
        (0, _) => None,
        (1, false) => values.into_iter().next().map(Audience::One),
        _ => Some(Audience::Many(values)),
    })
}

fn header_types(raw: Raw<'_>) -> Result<Vec<String>, String> {
    let types = list(raw)?;
    if types.is_empty() {
        return Err("needs at least one scheme".into());
    }
    if let Some(bad) = types
        .iter()
        .find(|t| t.is_empty() || !t.bytes().all(is_token_byte))
    {
        return Err(format!("{bad:?} is not a valid authentication scheme"));
    }
    Ok(types)
}

fn header_name(raw: Raw<'_>) -> Result<String, String> {
    let name = string(raw)?;
    let valid = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name
            .strip_prefix("HTTP_")
            .is_some_and(|rest| !rest.is_empty());
    if !valid {
        return Err(format!(
            "expected a WSGI header key such as HTTP_AUTHORIZATION, got {name:?}"
        ));
    }
    Ok(name)
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::load(None, env(pairs)).map(|(s, _)| s)
    }

    #[test]
    fn defaults_are_the_seed_values() {
        let s = Settings::default();
        assert_eq!(s.access_token_lifetime, 3600);
        assert_eq!(s.refresh_token_lifetime, 86400);
        assert!(s.rotate_refresh_tokens && s.blacklist_after_rotation);
        assert!(!s.update_last_login && !s.check_revoke_token);
        assert_eq!(s.algorithm, Algorithm::HS256);
        assert_eq!(s.auth_header_types, ["Bearer"]);
        assert_eq!(s.auth_header(), "authorization");
        assert_eq!(s.password_iterations, 1_000_000);
        assert_eq!(s.token_type_claim.as_deref(), Some("token_type"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300"), Some(300));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("60m"), Some(3600));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("1d"), Some(86400));
        for bad in [
            "",
            "m",
            "1.5m",
            "-1",
            "1 d",
            "1w",
            "99999999999999999999",
            "18446744073709551615d",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let s = load(&[("JWTD_ACCESS_TOKEN_LIFETIME", "5m"), ("JWTD_LEEWAY", "0")]).unwrap();
        assert_eq!((s.access_token_lifetime, s.leeway), (300, 0));
    }

    #[test]
    fn errors_name_the_setting() {
        for (name, value) in [
            ("JWTD_ACCESS_TOKEN_LIFETIME", "soon"),
            ("JWTD_ACCESS_TOKEN_LIFETIME", "0"),
            ("JWTD_ROTATE_REFRESH_TOKENS", "maybe"),
            ("JWTD_ALGORITHM", "RS256"),
            ("JWTD_ALGORITHM", "none"),
            ("JWTD_PASSWORD_ITERATIONS", "0"),
            ("JWTD_WORKERS", "-3"),
            ("JWTD_AUTH_HEADER_TYPES", ""),
            ("JWTD_AUTH_HEADER_NAME", "AUTHORIZATION"),
            ("JWTD_USER_ID_CLAIM", ""),
        ] {
            let e = load(&[(name, value)]).unwrap_err();
            assert_eq!(format!("JWTD_{}", e.setting), name, "{e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("invalid {}", &name[5..])),
                "{e}"
            );
        }
    }

    #[test]
    fn optional_claims_and_lists() {
        let s = load(&[
            ("JWTD_TOKEN_TYPE_CLAIM", ""),
            ("JWTD_AUTH_HEADER_TYPES", "Bearer, JWT"),
            ("JWTD_AUTH_HEADER_NAME", "HTTP_X_ACCESS_TOKEN"),
            ("JWTD_AUDIENCE", "my-aud"),
            ("JWTD_ISSUER", "https://issuer.example"),
        ])
        .unwrap();
        assert_eq!(s.token_type_claim, None);
        assert_eq!(s.auth_header_types, ["Bearer", "JWT"]);
        assert_eq!(s.auth_header(), "x-access-token");
        assert_eq!(s.audience, Some(Audience::One("my-aud".into())));
        assert_eq!(s.issuer.as_deref(), Some("https://issuer.example"));
        let s = load(&[("JWTD_AUDIENCE", r#"["a","b"]"#)]).unwrap();
        assert_eq!(
            s.audience,
            Some(Audience::Many(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn the_file_is_read_and_the_environment_wins() {
        let dir = std::env::temp_dir().join(format!("jwtd-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.json");
        std::fs::write(
            &path,
            r#"{"ACCESS_TOKEN_LIFETIME": 120, "REFRESH_TOKEN_LIFETIME": "2d", "ALGORITHM": "HS512",
                "AUDIENCE": ["x"], "TOKEN_TYPE_CLAIM": null, "UPDATE_LAST_LOGIN": true}"#,
        )
        .unwrap();
        let (s, _) =
            Settings::load(Some(&path), env(&[("JWTD_ACCESS_TOKEN_LIFETIME", "1m")])).unwrap();
        assert_eq!(s.access_token_lifetime, 60);
        assert_eq!(s.refresh_token_lifetime, 2 * 86400);
        assert_eq!(s.algorithm, Algorithm::HS512);
        assert_eq!(s.audience, Some(Audience::Many(vec!["x".into()])));
        assert_eq!(s.token_type_claim, None);
        assert!(s.update_last_login);

        std::fs::write(&path, r#"{"ACCES_TOKEN_LIFETIME": 1}"#).unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err();
        assert_eq!(e.setting, "ACCES_TOKEN_LIFETIME");
        std::fs::write(&path, r#"{"SECRET_KEY": "x"}"#).unwrap();
        assert!(Settings::load(Some(&path), env(&[]))
            .unwrap_err()
            .problem
            .contains("removed"));
        std::fs::write(&path, r#"{"SIGNING_KEY": "x"}"#).unwrap();
        assert_eq!(
            Settings::load(Some(&path), env(&[])).unwrap_err().setting,
            "SIGNING_KEY"
        );
        std::fs::write(&path, "[1]").unwrap();
        assert!(Settings::load(Some(&path), env(&[]))
            .unwrap_err()
            .setting
            .starts_with("config file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_learner_page_is_on_unless_turned_off() {
        assert!(Settings::default().learner_page);
        let page = |value: &str| load(&[("JWTD_LEARNER_PAGE", value)]).map(|s| s.learner_page);
        assert_eq!(page("false"), Ok(false));
        assert_eq!(page("off"), Ok(false));
        assert_eq!(page("1"), Ok(true));
        assert_eq!(page("nope").unwrap_err().setting, "LEARNER_PAGE");
        let mut s = Settings::default();
        let off = Value::Bool(false);
        assert!(s.set("LEARNER_PAGE", Raw::Json(&off)).is_ok());
        assert!(!s.learner_page);
        assert!(s.set("LEARNER_PAGE", Raw::Json(&Value::from(0))).is_err());
    }

    #[test]
    fn unknown_variables_are_warned_about_not_fatal() {
        let (_, warnings) = Settings::load(
            None,
            env(&[("JWTD_NOPE", "1"), ("JWTD_DB", "x.redb"), ("HOME", "/")]),
        )
        .unwrap();
        assert_eq!(warnings, ["ignoring unknown variable JWTD_NOPE"]);
    }
}
