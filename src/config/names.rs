//! SimpleJWT's setting names: the one table of settings, each row mapping
//! a name to its field, the reader of its kind of value, the writer that
//! shows it again ([`super::shown`]), and whether a reload (SIGHUP) puts a
//! new value in force at once. A bad value's error names the setting.

use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "cors")]
use super::cors;
use super::password_validators::password_validators;
use super::shown::{self, Shown};
use super::values::{
    algorithm, allowed_hosts, audience, boolean, claim_name, cookie_name, duration, header_name,
    header_types, integer, optional_string, password_hashers, positive_seconds, same_site, seconds,
    sql_name, token_claims, token_classes, user_id_field, SettingValue,
};
use super::{ConfigError, ControlSocket, Settings};

/// Settings SimpleJWT removed; naming one is an error, as there.
const REMOVED: [&str; 4] = [
    "AUTH_HEADER_TYPE",
    "AUTH_TOKEN_CLASS",
    "SECRET_KEY",
    "TOKEN_BACKEND_CLASS",
];

/// The problem of a name that is no setting.
pub(super) const UNKNOWN: &str = "unknown setting";

/// Whether a running server takes up a new value when it reloads its
/// settings (SIGHUP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// Read from the settings in force at each request or operation: a
    /// reload applies it at once.
    Live,
    /// Read once at start-up (it sized the transport, started threads,
    /// opened the database, or shaped the tokens and keys): a reload
    /// leaves it as it was and says that it needs a restart.
    Restart,
}

/// One setting.
pub struct Setting {
    /// Its SimpleJWT name.
    pub name: &'static str,
    /// Whether a reload applies it.
    pub reload: Reload,
    /// Reads a value into its field; the error says what was expected.
    set: fn(&mut Settings, SettingValue<'_>) -> Result<(), String>,
    /// Its value as it would be written.
    show: fn(&Settings) -> Shown,
    /// Copies its value from other settings.
    keep: fn(&mut Settings, &Settings),
}

impl Setting {
    /// Its value in `settings`, as it would be written.
    pub fn value(&self, settings: &Settings) -> Shown {
        (self.show)(settings)
    }

    /// Puts `from`'s value of it into `into`.
    pub(super) fn copy(&self, into: &mut Settings, from: &Settings) {
        (self.keep)(into, from)
    }
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A row of [`SETTINGS`]: the name, the field, [`Reload`], the reader
/// (a function of the [`SettingValue`] to the field's type) and the
/// writer (a function of a reference to the field).
macro_rules! setting {
    ($name:literal, $($field:ident).+, $reload:ident, $read:expr, $show:expr) => {
        Setting {
            name: $name,
            reload: Reload::$reload,
            set: |s, raw| {
                s.$($field).+ = ($read)(raw)?;
                Ok(())
            },
            show: |s| ($show)(&s.$($field).+),
            keep: |s, from| s.$($field).+.clone_from(&from.$($field).+),
        }
    };
}

/// A whole number from `min` to `max` as the field's type.
macro_rules! whole {
    ($min:expr, $max:expr, $t:ty) => {
        |raw| integer(raw, $min, $max).map(|n| n as $t)
    };
}

/// How many `CORS_*` rows [`SETTINGS`] has: none in a build without the
/// `cors` feature, which refuses them ([`Settings::set`]).
const CORS_ROWS: usize = if cfg!(feature = "cors") { 9 } else { 0 };

/// Every setting, in the README's order. What is live is what the server
/// reads from the settings in force per request (`App::settings`, the
/// policy's per operation), the token lifetimes and the throttle's limits,
/// which a reload hands to their owners. One row a line, as a table.
#[rustfmt::skip]
pub static SETTINGS: [Setting; 67 + CORS_ROWS] = [
    setting!("ACCESS_TOKEN_LIFETIME", access_token_lifetime, Live, positive_seconds, shown::number),
    setting!("REFRESH_TOKEN_LIFETIME", refresh_token_lifetime, Live, positive_seconds, shown::number),
    setting!("ROTATE_REFRESH_TOKENS", rotate_refresh_tokens, Live, boolean, shown::boolean),
    setting!("BLACKLIST_AFTER_ROTATION", blacklist_after_rotation, Live, boolean, shown::boolean),
    setting!("SLIDING_TOKEN_LIFETIME", sliding_token_lifetime, Live, positive_seconds, shown::number),
    setting!("SLIDING_TOKEN_REFRESH_LIFETIME", sliding_token_refresh_lifetime, Live, positive_seconds, shown::number),
    setting!("SLIDING_TOKEN_REFRESH_EXP_CLAIM", sliding_token_refresh_exp_claim, Restart, claim_name, shown::text),
    setting!("AUTH_TOKEN_CLASSES", auth_token_classes, Restart, token_classes, shown::list),
    setting!("REVOKE_FAMILY_ON_REUSE", revoke_family_on_reuse, Live, boolean, shown::boolean),
    setting!("REUSE_GRACE_PERIOD", reuse_grace_period, Live, seconds, shown::number),
    setting!("REVOKE_ON_PASSWORD_CHANGE", revoke_on_password_change, Live, boolean, shown::boolean),
    setting!("UPDATE_LAST_LOGIN", update_last_login, Live, boolean, shown::boolean),
    setting!("ALGORITHM", algorithm, Restart, algorithm, shown::algorithm),
    setting!("AUDIENCE", audience, Restart, audience, shown::audience),
    setting!("ISSUER", issuer, Restart, optional_string, shown::optional_text),
    setting!("LEEWAY", leeway, Restart, seconds, shown::number),
    setting!("AUTH_HEADER_TYPES", auth_header_types, Restart, header_types, shown::list),
    setting!("AUTH_HEADER_NAME", auth_header_name, Restart, header_name, shown::text),
    setting!("USER_ID_FIELD", user_id_field, Restart, user_id_field, shown::text),
    setting!("USER_ID_CLAIM", user_id_claim, Restart, claim_name, shown::text),
    setting!("TOKEN_TYPE_CLAIM", token_type_claim, Restart, optional_string, shown::optional_text),
    setting!("JTI_CLAIM", jti_claim, Restart, optional_string, shown::optional_text),
    setting!("TOKEN_CLAIMS", token_claims, Restart, token_claims, shown::list),
    setting!("TOKEN_CLAIMS_FROM_USER", token_claims_from_user, Restart, boolean, shown::boolean),
    setting!("STATELESS_AUTHENTICATION", stateless_authentication, Restart, boolean, shown::boolean),
    setting!("CHECK_USER_IS_ACTIVE", check_user_is_active, Live, boolean, shown::boolean),
    setting!("CHECK_REVOKE_TOKEN", check_revoke_token, Restart, boolean, shown::boolean),
    setting!("REVOKE_TOKEN_CLAIM", revoke_token_claim, Restart, claim_name, shown::text),
    setting!("AUTH_PASSWORD_VALIDATORS", auth_password_validators, Live, password_validators,
        super::password_validators::shown),
    setting!("PASSWORD_ITERATIONS", password_iterations, Live, whole!(1, u32::MAX.into(), u32), shown::number),
    setting!("PASSWORD_HASHERS", password_hashers, Live, password_hashers, shown::password_hashers),
    setting!("WORKERS", workers, Restart, whole!(1, 1024, usize), shown::number),
    setting!("LOGIN_THREADS", login_threads, Restart, whole!(1, 256, usize), shown::number),
    setting!("LOGIN_QUEUE", login_queue, Restart, whole!(0, 65_536, usize), shown::number),
    setting!("LOGIN_FAILURES_PER_ADDRESS", login_failures_per_address, Live, whole!(0, u32::MAX.into(), u32), shown::number),
    setting!("LOGIN_FAILURES_PER_USER", login_failures_per_user, Live, whole!(0, u32::MAX.into(), u32), shown::number),
    setting!("LOGIN_FAILURE_WINDOW", login_failure_window, Live, positive_seconds, shown::number),
    setting!("NUM_PROXIES", num_proxies, Restart, whole!(0, 16, usize), shown::number),
    setting!("ADMIN_PAGE_SIZE", admin_page_size, Live, whole!(1, 10_000, usize), shown::number),
    setting!("MAX_CONNECTIONS", max_connections, Restart, whole!(1, 1 << 20, usize), shown::number),
    setting!("MAX_CONNECTIONS_PER_ADDRESS", max_connections_per_address, Restart,
        |raw| integer(raw, 0, 1 << 20).map(|n| Some(n as usize)), shown::per_address),
    setting!("MAX_BODY_BYTES", max_body_bytes, Restart, whole!(64, 1 << 24, usize), shown::number),
    setting!("MAX_REQUEST_LINE_BYTES", max_request_line_bytes, Restart, whole!(64, 1 << 20, usize), shown::number),
    setting!("MAX_HEADER_BYTES", max_header_bytes, Restart, whole!(256, 1 << 20, usize), shown::number),
    setting!("MAX_HEADERS", max_headers, Restart, whole!(4, 1024, usize), shown::number),
    setting!("REQUEST_TIMEOUT", request_timeout, Restart, duration, shown::duration),
    setting!("KEEPALIVE_TIMEOUT", keepalive_timeout, Restart, duration, shown::duration),
    setting!("WRITE_TIMEOUT", write_timeout, Restart, duration, shown::duration),
    setting!("MAX_REQUESTS_PER_CONNECTION", max_requests_per_connection, Restart, whole!(1, u32::MAX.into(), u32), shown::number),
    setting!("SHUTDOWN_TIMEOUT", shutdown_timeout, Restart,
        |raw| seconds(raw).map(Duration::from_secs), shown::duration),
    setting!("CACHE_SIZE", cache_size, Restart, whole!(64 * 1024, 1 << 40, usize), shown::number),
    setting!("PURGE_INTERVAL", purge_interval, Restart, duration, shown::duration),
    setting!("USER_TABLE", user_table, Restart, sql_name, shown::text),
    setting!("USERNAME_FIELD", username_field, Restart, sql_name, shown::text),
    setting!("OUTSTANDING_TOKEN_TEXT", outstanding_token_text, Live, boolean, shown::boolean),
    setting!("POSTGRES_CONNECTIONS", postgres_connections, Restart, whole!(1, 1024, usize), shown::number),
    setting!("ACCESS_LOG", access_log, Restart, boolean, shown::boolean),
    setting!("LOG_PROBES", log_probes, Live, boolean, shown::boolean),
    setting!("LEARNER_PAGE", learner_page, Live, boolean, shown::boolean),
    setting!("SIGNING_KEY_FILE", signing_key_file, Restart,
        |raw| optional_string(raw).map(|p| p.map(PathBuf::from)), shown::path),
    setting!("VERIFYING_KEY_FILE", verifying_key_file, Restart,
        |raw| optional_string(raw).map(|p| p.map(PathBuf::from)), shown::path),
    setting!("JWK_URL", jwk_url, Restart, optional_string, shown::optional_text),
    setting!("JWK_URL_REFRESH", jwk_url_refresh, Restart, duration, shown::duration),
    setting!("ALLOWED_HOSTS", allowed_hosts, Live,
        |raw| allowed_hosts(raw).map(Some), shown::allowed_hosts),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOWED_ORIGINS", cors.allowed_origins, Live, cors::allowed_origins, shown::list),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOWED_ORIGIN_REGEXES", cors.allowed_origin_regexes, Live, cors::patterns, cors::shown_patterns),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOW_ALL_ORIGINS", cors.allow_all_origins, Live, boolean, shown::boolean),
    #[cfg(feature = "cors")]
    setting!("CORS_URLS_REGEX", cors.urls_regex, Live, cors::pattern, cors::shown_pattern),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOW_METHODS", cors.allow_methods, Live, cors::tokens, shown::list),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOW_HEADERS", cors.allow_headers, Live, cors::tokens, shown::list),
    #[cfg(feature = "cors")]
    setting!("CORS_EXPOSE_HEADERS", cors.expose_headers, Live, cors::tokens, shown::list),
    #[cfg(feature = "cors")]
    setting!("CORS_PREFLIGHT_MAX_AGE", cors.preflight_max_age, Live, |raw| integer(raw, 0, u32::MAX.into()), shown::number),
    #[cfg(feature = "cors")]
    setting!("CORS_ALLOW_CREDENTIALS", cors.allow_credentials, Live, boolean, shown::boolean),
    setting!("REFRESH_COOKIE", refresh_cookie, Live, cookie_name, shown::text),
    setting!("REFRESH_COOKIE_SAMESITE", refresh_cookie_samesite, Live, same_site, shown::text),
    setting!("CONTROL_SOCKET", control_socket, Restart,
        |raw| optional_string(raw).map(|p| p.map_or(ControlSocket::Off, |p| ControlSocket::At(PathBuf::from(p)))),
        shown::control_socket),
];

/// The row of the setting `name`.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

impl Settings {
    /// Sets one setting by its SimpleJWT name, and returns its row.
    pub(super) fn set(
        &mut self,
        name: &str,
        raw: SettingValue<'_>,
    ) -> Result<&'static Setting, ConfigError> {
        let err = |problem: String| ConfigError {
            setting: name.to_owned(),
            problem,
        };
        if let Some(row) = setting(name) {
            (row.set)(self, raw).map_err(err)?;
            return Ok(row);
        }
        Err(err(match name {
            removed if REMOVED.contains(&removed) => format!(
                "the '{removed}' setting has been removed in SimpleJWT; see the README for the available settings"
            ),
            "SIGNING_KEY" => {
                "set the key with JWTD_SIGNING_KEY or SIGNING_KEY_FILE, never in a settings file".into()
            }
            "VERIFYING_KEY" => "give the public key's PEM file in VERIFYING_KEY_FILE".into(),
            cors if !cfg!(feature = "cors") && cors.starts_with("CORS_") => {
                "CORS needs a jwtd built with the `cors` feature (the default; \
                 cargo build --release --features cors)"
                    .into()
            }
            _ => UNKNOWN.into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load;
    use serde_json::Value;

    #[test]
    fn errors_name_the_setting() {
        for (name, value) in [
            ("JWTD_ACCESS_TOKEN_LIFETIME", "soon"),
            ("JWTD_ACCESS_TOKEN_LIFETIME", "0"),
            ("JWTD_ROTATE_REFRESH_TOKENS", "maybe"),
            ("JWTD_ALGORITHM", "rs256"),
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
    fn the_refresh_cookie_is_off_unless_named() {
        let s = Settings::default();
        assert_eq!(
            (
                s.refresh_cookie.as_str(),
                s.refresh_cookie_samesite.as_str()
            ),
            ("", "Lax")
        );
        let s = load(&[
            ("JWTD_REFRESH_COOKIE", "jwtd_refresh"),
            ("JWTD_REFRESH_COOKIE_SAMESITE", "strict"),
        ])
        .unwrap();
        assert_eq!(
            (
                s.refresh_cookie.as_str(),
                s.refresh_cookie_samesite.as_str()
            ),
            ("jwtd_refresh", "Strict")
        );
        for (name, value) in [
            ("JWTD_REFRESH_COOKIE", "a b"),
            ("JWTD_REFRESH_COOKIE", "a;b"),
            ("JWTD_REFRESH_COOKIE", "__Host-refresh"),
            ("JWTD_REFRESH_COOKIE_SAMESITE", "lazy"),
        ] {
            assert_eq!(
                format!("JWTD_{}", load(&[(name, value)]).unwrap_err().setting),
                name
            );
        }
    }

    #[cfg(not(feature = "cors"))]
    #[test]
    fn cors_settings_need_the_cors_feature() {
        let e = load(&[("JWTD_CORS_ALLOWED_ORIGINS", "https://a.example")]).unwrap_err();
        assert!(e.problem.contains("--features cors"), "{e}");
        assert!(setting("CORS_ALLOW_CREDENTIALS").is_none());
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
        assert!(s.set("LEARNER_PAGE", SettingValue::Json(&off)).is_ok());
        assert!(!s.learner_page);
        assert!(s
            .set("LEARNER_PAGE", SettingValue::Json(&Value::from(0)))
            .is_err());
    }
}
