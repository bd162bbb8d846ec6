//! Settings, under SimpleJWT's names, from an optional JSON file and from
//! `JWTD_<NAME>` environment variables (which win), validated once at
//! start-up: a bad value stops jwtd with a message naming the setting.
//!
//! Durations are seconds (`300`) or a number with a unit (`90s`, `60m`, `2h`,
//! `1d`). Booleans are `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
//! Lists in the environment are comma-separated or a JSON array. An empty
//! string disables the settings SimpleJWT lets you set to `None`.
//!
//! Here: [`Settings`] with every default, and the checks that need several
//! settings at once. `sources` reads the file and the environment and
//! records where each setting came from, `names` is the one table of
//! settings (each SimpleJWT name mapped to its field, its reader, its
//! writer and whether a reload applies it), `values` reads each kind of
//! value, `password_validators` reads Django's `AUTH_PASSWORD_VALIDATORS`,
//! `shown` writes them out again, `reload` compares settings and takes up
//! what a running server can, and `live` holds the settings in force for a
//! running server.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::jwt::Algorithm;
use crate::password;

#[cfg(feature = "cors")]
mod cors;
mod live;
mod names;
mod password_validators;
mod reload;
mod shown;
mod sources;
mod values;

#[cfg(feature = "cors")]
pub use cors::CorsSettings;
pub use live::LiveSettings;
pub use names::{setting, Reload, Setting, SETTINGS};
pub use password_validators::{default_password_validators, PasswordValidator};
pub use reload::{Change, Reloaded};
pub use shown::{is_secret, Shown, REDACTED};
pub use sources::{Loaded, Source, Sources};

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
    /// `SLIDING_TOKEN_LIFETIME`, seconds: a sliding token's `exp`, from its
    /// issue or its last refresh. Defaults to 300 (5 min).
    pub sliding_token_lifetime: u64,
    /// `SLIDING_TOKEN_REFRESH_LIFETIME`, seconds: how long after its issue
    /// a sliding token may be refreshed (its `refresh_exp`). Defaults to
    /// 86400 (1 day).
    pub sliding_token_refresh_lifetime: u64,
    /// `SLIDING_TOKEN_REFRESH_EXP_CLAIM`: the claim holding that limit.
    /// Defaults to `refresh_exp`.
    pub sliding_token_refresh_exp_claim: String,
    /// `AUTH_TOKEN_CLASSES`: the token classes that authenticate requests,
    /// in the order they are tried, each `access` or `sliding` (SimpleJWT's
    /// dotted class paths are read as these). With `sliding` alone the
    /// obtain and refresh routes serve the sliding views. Defaults to
    /// `["access"]`.
    pub auth_token_classes: Vec<String>,
    /// `REVOKE_FAMILY_ON_REUSE` (jwtd): presenting an already rotated
    /// refresh token blacklists every token of its login. Defaults to true.
    pub revoke_family_on_reuse: bool,
    /// `REUSE_GRACE_PERIOD` (jwtd), seconds: a rotated-out refresh token
    /// presented again this soon after its rotation (two tabs refreshing at
    /// once) is refused without revoking its family. 0 turns it off.
    /// Defaults to 10.
    pub reuse_grace_period: u64,
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
    /// `USER_ID_FIELD`: the user field whose value (as text) goes in
    /// `USER_ID_CLAIM`, and by which a token's user is found again: one of
    /// [`USER_ID_FIELDS`]. Defaults to `id`.
    pub user_id_field: String,
    /// `TOKEN_TYPE_CLAIM`; none disables the type check. Defaults to `token_type`.
    pub token_type_claim: Option<String>,
    /// `JTI_CLAIM`; none disables the id check on access tokens. Defaults to `jti`.
    pub jti_claim: Option<String>,
    /// `TOKEN_CLAIMS` (jwtd): the user fields a login copies into its
    /// tokens, in this order after SimpleJWT's own claims, as a
    /// `TokenObtainPairSerializer.get_token` adding them would; one of
    /// [`TOKEN_CLAIM_FIELDS`] each. Defaults to none.
    pub token_claims: Vec<String>,
    /// `TOKEN_CLAIMS_FROM_USER` (jwtd): a refresh reads the `TOKEN_CLAIMS`
    /// fields from the user as they are now instead of copying the refresh
    /// token's. Defaults to false (SimpleJWT's copy).
    pub token_claims_from_user: bool,
    /// `STATELESS_AUTHENTICATION` (jwtd): the protected route authenticates
    /// from the token alone, as `JWTStatelessUserAuthentication` does.
    /// Defaults to false.
    pub stateless_authentication: bool,
    /// `CHECK_USER_IS_ACTIVE`. Defaults to true.
    pub check_user_is_active: bool,
    /// `CHECK_REVOKE_TOKEN`: tokens carry an MD5 of the stored password hash
    /// and stop working when the password changes. Defaults to false.
    pub check_revoke_token: bool,
    /// `REVOKE_TOKEN_CLAIM`. Defaults to `hash_password`.
    pub revoke_token_claim: String,
    /// `AUTH_PASSWORD_VALIDATORS`, Django's: what a new password must pass
    /// (`jwtd user add`/`passwd`, the admin API), in order, every message
    /// reported. Defaults to Django's `startproject` list, all four with
    /// their default options; empty turns validation off.
    pub auth_password_validators: Vec<PasswordValidator>,
    /// `PASSWORD_ITERATIONS`, PBKDF2 rounds for new hashes. Defaults to
    /// [`password::DEFAULT_ITERATIONS`], 1,000,000 (Django 5.2).
    pub password_iterations: u32,
    /// `PASSWORD_HASHERS`, Django's: the hashers whose stored values
    /// verify; the first makes new hashes and replaces the others' on a
    /// successful login. Defaults to every hasher the build has,
    /// `pbkdf2_sha256` first ([`password::Algorithm::built_in`]).
    pub password_hashers: Vec<password::Algorithm>,
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
    /// `MAX_CONNECTIONS_PER_ADDRESS` (jwtd): open connections from one
    /// client address (IPv6: its /64); beyond it 503, so that one client
    /// cannot hold every slot. `Some(0)`: no limit of its own. Defaults to
    /// none set: see [`Settings::connections_per_address`].
    pub max_connections_per_address: Option<usize>,
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
    /// `USER_TABLE`: on PostgreSQL, the table of the users (a custom
    /// Django user model's). Defaults to Django's `auth_user`.
    pub user_table: String,
    /// `USERNAME_FIELD`: the user field users log in by (Django's
    /// `USERNAME_FIELD`), which names the login body's field too:
    /// `username` or `email` (then unique); on PostgreSQL, any column of
    /// the user table. Defaults to `username`.
    pub username_field: String,
    /// `OUTSTANDING_TOKEN_TEXT`: on PostgreSQL, write each refresh token's
    /// text in `token_blacklist_outstandingtoken.token`, as SimpleJWT does.
    /// Defaults to false: the column gets `''`, and no bearer token is kept
    /// at rest.
    pub outstanding_token_text: bool,
    /// `POSTGRES_CONNECTIONS`: the most connections to PostgreSQL one jwtd
    /// opens; half of them serve requests, the rest its writer and logins.
    /// Defaults to 16.
    pub postgres_connections: usize,
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
    /// `VERIFYING_KEY_FILE`, a PEM public key (SimpleJWT's `VERIFYING_KEY`)
    /// for a public-key `ALGORITHM`. Alone, without a signing key, it makes
    /// a server that only verifies. Defaults to none.
    pub verifying_key_file: Option<PathBuf>,
    /// `JWK_URL`, SimpleJWT's: tokens are verified with the key a JWKS at
    /// this http or https URL names by `kid`. Defaults to none.
    pub jwk_url: Option<String>,
    /// `JWK_URL_REFRESH` (jwtd): how long a fetched JWKS is used before it
    /// is fetched again. A token naming an unknown `kid` brings the next
    /// fetch forward, to at most 10 s after the last. Defaults to 5 minutes.
    pub jwk_url_refresh: Duration,
    /// `ALLOWED_HOSTS`, Django's: the `Host` names answered, lower case
    /// (`.example.com` is the domain and its subdomains, `*` any). Defaults
    /// to none set: the loopback names ([`LOOPBACK_HOSTS`], see
    /// [`Settings::host_patterns`]); `jwtd serve` on an address that is not
    /// loopback refuses to start until it is set.
    pub allowed_hosts: Option<Vec<String>>,
    /// `CONTROL_SOCKET` (jwtd): the Unix socket through which `jwtd key` and
    /// `jwtd user revoke` reach a running server. Defaults to the database
    /// path with `.sock` appended; empty or null turns it off.
    pub control_socket: ControlSocket,
    /// `REFRESH_COOKIE` (jwtd): the name of the `HttpOnly` cookie obtain
    /// and refresh put the refresh token in, instead of the body. Defaults
    /// to empty: off.
    pub refresh_cookie: String,
    /// `REFRESH_COOKIE_SAMESITE` (jwtd): the cookie's `SameSite`, `Lax`,
    /// `Strict` or `None` (for an app on another site). Defaults to `Lax`.
    pub refresh_cookie_samesite: String,
    /// The `CORS_*` settings, django-cors-headers' ([`CorsSettings`]);
    /// only in a build with the `cors` feature (the default).
    #[cfg(feature = "cors")]
    pub cors: CorsSettings,
}

/// The `Host` names answered when `ALLOWED_HOSTS` is not set: Django's
/// own list for a development server (`DEBUG` with no `ALLOWED_HOSTS`),
/// the names that only ever reach this machine. `.localhost` is
/// `localhost` and every name under it (RFC 6761).
pub const LOOPBACK_HOSTS: [&str; 3] = [".localhost", "127.0.0.1", "[::1]"];

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
            sliding_token_lifetime: 5 * 60,
            sliding_token_refresh_lifetime: 24 * 60 * 60,
            sliding_token_refresh_exp_claim: "refresh_exp".into(),
            auth_token_classes: vec![ACCESS_CLASS.into()],
            revoke_family_on_reuse: true,
            reuse_grace_period: 10,
            revoke_on_password_change: true,
            update_last_login: false,
            algorithm: Algorithm::HS256,
            audience: None,
            issuer: None,
            leeway: 0,
            auth_header_types: vec!["Bearer".into()],
            auth_header_name: "HTTP_AUTHORIZATION".into(),
            user_id_claim: "user_id".into(),
            user_id_field: "id".into(),
            token_type_claim: Some("token_type".into()),
            jti_claim: Some("jti".into()),
            token_claims: Vec::new(),
            token_claims_from_user: false,
            stateless_authentication: false,
            check_user_is_active: true,
            check_revoke_token: false,
            revoke_token_claim: "hash_password".into(),
            auth_password_validators: default_password_validators(),
            password_iterations: password::DEFAULT_ITERATIONS,
            password_hashers: password::Algorithm::built_in(),
            workers: cores,
            login_threads: cores,
            login_queue: 8 * cores,
            login_failures_per_address: 50,
            login_failures_per_user: 10,
            login_failure_window: 15 * 60,
            num_proxies: 0,
            admin_page_size: 100,
            max_connections: 1024,
            max_connections_per_address: None,
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
            user_table: "auth_user".to_owned(),
            username_field: "username".to_owned(),
            postgres_connections: 16,
            outstanding_token_text: false,
            access_log: true,
            log_probes: false,
            learner_page: true,
            signing_key_file: None,
            verifying_key_file: None,
            jwk_url: None,
            jwk_url_refresh: Duration::from_secs(300),
            allowed_hosts: None,
            control_socket: ControlSocket::BesideDatabase,
            refresh_cookie: String::new(),
            refresh_cookie_samesite: "Lax".into(),
            #[cfg(feature = "cors")]
            cors: CorsSettings::default(),
        }
    }
}

/// `AUTH_TOKEN_CLASSES`' name of SimpleJWT's `AccessToken`.
pub const ACCESS_CLASS: &str = "access";
/// `AUTH_TOKEN_CLASSES`' name of SimpleJWT's `SlidingToken`.
pub const SLIDING_CLASS: &str = "sliding";

impl Settings {
    /// Whether sliding tokens authenticate requests (`AUTH_TOKEN_CLASSES`
    /// names `sliding`).
    pub fn sliding_authenticates(&self) -> bool {
        self.auth_token_classes.iter().any(|c| c == SLIDING_CLASS)
    }

    /// Whether the obtain and refresh routes serve SimpleJWT's sliding
    /// views: `AUTH_TOKEN_CLASSES` is `sliding` alone. With access tokens
    /// too, they keep the pair views (one view a path, as in Django).
    pub fn sliding_views(&self) -> bool {
        self.sliding_authenticates() && !self.auth_token_classes.iter().any(|c| c == ACCESS_CLASS)
    }
}

/// The user fields `TOKEN_CLAIMS` may name: those of jwtd's user that are
/// a JSON string, boolean or number in a token (`id` as the number
/// Django's `user.id` is, not the string of `USER_ID_CLAIM`).
pub const TOKEN_CLAIM_FIELDS: [&str; 8] = [
    "username",
    "is_staff",
    "is_superuser",
    "is_active",
    "id",
    "email",
    "first_name",
    "last_name",
];

/// The user fields `USER_ID_FIELD` may name: the unique ones.
pub const USER_ID_FIELDS: [&str; 3] = ["id", "username", "email"];

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

impl Settings {
    /// Checks that need several settings at once.
    fn check(&self) -> Result<(), ConfigError> {
        if self.max_request_line_bytes > self.max_header_bytes {
            return Err(ConfigError {
                setting: "MAX_REQUEST_LINE_BYTES".into(),
                problem: "must not exceed MAX_HEADER_BYTES".into(),
            });
        }
        if let Some(taken) = self
            .token_claims
            .iter()
            .find(|name| self.claims_of_simplejwt().contains(&name.as_str()))
        {
            return Err(ConfigError {
                setting: "TOKEN_CLAIMS".into(),
                problem: format!(
                    "{taken:?} is a claim SimpleJWT itself writes with these settings \
                     (token_type, exp, iat, jti, the user id, aud, iss, the revoke claim)"
                ),
            });
        }
        Ok(())
    }

    /// The claims SimpleJWT writes itself with these settings, which
    /// `TOKEN_CLAIMS` may not name.
    fn claims_of_simplejwt(&self) -> Vec<&str> {
        let mut names = vec![
            "exp",
            "iat",
            "jti",
            "aud",
            "iss",
            self.user_id_claim.as_str(),
        ];
        names.extend(self.token_type_claim.as_deref());
        names.extend(self.jti_claim.as_deref());
        if self.check_revoke_token {
            names.push(&self.revoke_token_claim);
        }
        names
    }

    /// The `Host` patterns answered: `ALLOWED_HOSTS`, or when it is not
    /// set, [`LOOPBACK_HOSTS`].
    pub fn host_patterns(&self) -> Vec<&str> {
        match &self.allowed_hosts {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => LOOPBACK_HOSTS.to_vec(),
        }
    }

    /// The most connections one client address may hold open:
    /// `MAX_CONNECTIONS_PER_ADDRESS` (0: `MAX_CONNECTIONS`); unset, a
    /// quarter of `MAX_CONNECTIONS`, at least 1, so that three quarters of
    /// the slots stay for everyone else, or `MAX_CONNECTIONS` behind
    /// proxies (`NUM_PROXIES` above 0), where every connection comes from
    /// a proxy's address and limiting clients is the proxy's part. Never
    /// above `MAX_CONNECTIONS`.
    pub fn connections_per_address(&self) -> usize {
        let all = self.max_connections.max(1);
        match self.max_connections_per_address {
            Some(0) => all,
            Some(n) => n.min(all),
            None if self.num_proxies > 0 => all,
            None => (all / 4).max(1),
        }
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

#[cfg(test)]
mod tests;
