//! Where settings come from: defaults, then an optional JSON file, then
//! `JWTD_<NAME>` environment variables, which win. Unknown variables are
//! warned about; unknown names in the file are errors.

use std::path::Path;

use serde_json::Value;

use super::names::UNKNOWN;
use super::values::SettingValue;
use super::{ConfigError, Settings};

/// Environment variables jwtd reads that are not settings.
const OTHER_VARIABLES: [&str; 5] = [
    "JWTD_DB",
    "JWTD_ADDR",
    "JWTD_CONFIG",
    "JWTD_SIGNING_KEY",
    "JWTD_SIGNING_KEY_FILE",
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
                settings.set(name, SettingValue::Json(value))?;
            }
        }
        for (key, value) in env {
            let Some(name) = key.strip_prefix("JWTD_") else {
                continue;
            };
            if OTHER_VARIABLES.contains(&key.as_str()) {
                continue;
            }
            match settings.set(name, SettingValue::Env(&value)) {
                Err(e) if e.problem == UNKNOWN => {
                    warnings.push(format!("ignoring unknown variable {key}"))
                }
                other => other?,
            }
        }
        settings.check()?;
        Ok((settings, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::env;
    use crate::config::Audience;
    use crate::jwt::Algorithm;

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
    fn unknown_variables_are_warned_about_not_fatal() {
        let (_, warnings) = Settings::load(
            None,
            env(&[("JWTD_NOPE", "1"), ("JWTD_DB", "x.redb"), ("HOME", "/")]),
        )
        .unwrap();
        assert_eq!(warnings, ["ignoring unknown variable JWTD_NOPE"]);
    }
}
