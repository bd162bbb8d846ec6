//! SimpleJWT's setting names, each mapped to its field and to the reader of
//! its kind of value; a bad value's error names the setting.

use std::path::PathBuf;
use std::time::Duration;

use super::password_validators::password_validators;
use super::values::{
    algorithm, allowed_hosts, audience, boolean, claim_name, duration, header_name, header_types,
    integer, optional_string, positive_seconds, seconds, SettingValue,
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

impl Settings {
    /// Sets one setting by its SimpleJWT name.
    pub(super) fn set(&mut self, name: &str, raw: SettingValue<'_>) -> Result<(), ConfigError> {
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
            "REUSE_GRACE_PERIOD" => s.reuse_grace_period = seconds(raw).map_err(err)?,
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
            "AUTH_PASSWORD_VALIDATORS" => {
                s.auth_password_validators = password_validators(raw).map_err(err)?
            }
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
            "MAX_CONNECTIONS_PER_ADDRESS" => {
                s.max_connections_per_address = Some(integer(raw, 0, 1 << 20).map_err(err)? as usize)
            }
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
            "ALLOWED_HOSTS" => s.allowed_hosts = Some(allowed_hosts(raw).map_err(err)?),
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
