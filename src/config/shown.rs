//! A setting's value written out again, in the form an operator would
//! write it: JSON as in the settings file, or the text of a `JWTD_<NAME>`
//! variable; and which settings are secret, to be shown only as set.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::{Audience, ControlSocket, Source};
use crate::jwt::Algorithm;

/// A setting's value as it would be written.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A value the settings file could hold.
    Value(Value),
    /// Not set, and no written value means the same: what it comes to.
    Unset(&'static str),
}

impl Shown {
    /// As in the settings file: JSON (`300`, `true`, `"HS256"`, `null`).
    pub fn file_form(&self) -> String {
        match self {
            Shown::Value(value) => value.to_string(),
            Shown::Unset(meaning) => format!("(unset: {meaning})"),
        }
    }

    /// As in a `JWTD_<NAME>` variable: strings bare, lists
    /// comma-separated, null empty.
    pub fn env_form(&self) -> String {
        match self {
            Shown::Value(Value::String(s)) => s.clone(),
            Shown::Value(Value::Null) => String::new(),
            Shown::Value(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.file_form(),
        }
    }

    /// As written where it came from (`source`; the file's form when it is
    /// `None` or not the environment), redacted when the setting `name`
    /// is secret and set.
    pub fn written(&self, name: &str, source: Option<&Source>) -> String {
        let unset = matches!(self, Shown::Unset(_) | Shown::Value(Value::Null));
        if is_secret(name) && !unset {
            return REDACTED.to_owned();
        }
        match source {
            Some(Source::Environment) => self.env_form(),
            _ => self.file_form(),
        }
    }
}

/// What a secret setting shows instead of its value.
pub const REDACTED: &str = "(set, redacted)";

/// Whether the setting `name` holds secret material, which is never
/// shown: a key or a secret itself (`SIGNING_KEY`), as opposed to the
/// path of a file holding one (`SIGNING_KEY_FILE`). No setting jwtd
/// reads from the file or `JWTD_<NAME>` holds one today: `SIGNING_KEY` is
/// refused there, and `JWTD_SIGNING_KEY` is not a setting. The rule
/// stands for any that is added.
pub fn is_secret(name: &str) -> bool {
    !name.ends_with("_FILE")
        && ["KEY", "SECRET", "SALT"]
            .iter()
            .any(|word| name.split('_').any(|part| part == *word))
}

pub(super) fn number<T: Copy + Into<Value>>(n: &T) -> Shown {
    Shown::Value((*n).into())
}

pub(super) fn boolean(b: &bool) -> Shown {
    Shown::Value(Value::Bool(*b))
}

pub(super) fn duration(d: &Duration) -> Shown {
    Shown::Value(Value::from(d.as_secs()))
}

pub(super) fn text(s: &str) -> Shown {
    Shown::Value(Value::from(s))
}

pub(super) fn optional_text(s: &Option<String>) -> Shown {
    Shown::Value(s.as_deref().map_or(Value::Null, Value::from))
}

pub(super) fn list(items: &[String]) -> Shown {
    Shown::Value(Value::from(items.to_vec()))
}

pub(super) fn password_hashers(hashers: &[crate::password::Algorithm]) -> Shown {
    Shown::Value(Value::from(
        hashers.iter().map(|h| h.name()).collect::<Vec<_>>(),
    ))
}

pub(super) fn algorithm(a: &Algorithm) -> Shown {
    Shown::Value(Value::from(a.name()))
}

pub(super) fn audience(a: &Option<Audience>) -> Shown {
    Shown::Value(a.as_ref().map_or(Value::Null, Audience::to_value))
}

pub(super) fn path(p: &Option<PathBuf>) -> Shown {
    Shown::Value(
        p.as_ref()
            .map_or(Value::Null, |p| Value::from(p.to_string_lossy())),
    )
}

pub(super) fn allowed_hosts(hosts: &Option<Vec<String>>) -> Shown {
    match hosts {
        Some(hosts) => list(hosts),
        None => Shown::Unset("the loopback names .localhost, 127.0.0.1, [::1]"),
    }
}

pub(super) fn per_address(n: &Option<usize>) -> Shown {
    match n {
        Some(n) => number(n),
        None => Shown::Unset("a quarter of MAX_CONNECTIONS, or all of them behind proxies"),
    }
}

pub(super) fn control_socket(socket: &ControlSocket) -> Shown {
    match socket {
        ControlSocket::BesideDatabase => Shown::Unset("the database path with .sock appended"),
        ControlSocket::At(path) => Shown::Value(Value::from(path.to_string_lossy())),
        ControlSocket::Off => Shown::Value(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_in_the_file_or_the_environment() {
        let hosts = list(&["a.example".into(), ".b.example".into()]);
        assert_eq!(hosts.file_form(), r#"["a.example",".b.example"]"#);
        assert_eq!(hosts.env_form(), "a.example,.b.example");
        assert_eq!(optional_text(&None).file_form(), "null");
        assert_eq!(optional_text(&None).env_form(), "");
        assert_eq!(text("x").file_form(), r#""x""#);
        assert_eq!(text("x").env_form(), "x");
        assert_eq!(duration(&Duration::from_secs(90)).env_form(), "90");
        assert_eq!(boolean(&true).env_form(), "true");
        assert!(allowed_hosts(&None).file_form().starts_with("(unset: "));
        assert_eq!(
            hosts.written("ALLOWED_HOSTS", Some(&Source::Environment)),
            "a.example,.b.example"
        );
        assert_eq!(text("s3cr3t").written("SIGNING_KEY", None), REDACTED);
        assert_eq!(optional_text(&None).written("SIGNING_KEY", None), "null");
    }

    #[test]
    fn secrets_are_keys_and_secrets_not_the_files_naming_them() {
        assert!(is_secret("SIGNING_KEY"));
        assert!(is_secret("VERIFYING_KEY"));
        assert!(is_secret("SECRET_KEY"));
        assert!(!is_secret("SIGNING_KEY_FILE"));
        assert!(!is_secret("ACCESS_TOKEN_LIFETIME"));
        assert!(!is_secret("PASSWORD_ITERATIONS"));
        assert!(!is_secret("REVOKE_TOKEN_CLAIM"));
    }
}
