//! Where settings come from: defaults, then an optional JSON file, then
//! `JWTD_<NAME>` environment variables, which win. Unknown variables are
//! warned about; unknown names in the file are errors. Each setting's
//! source is recorded, for `jwtd config` and the start-up log.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::names::{Setting, SETTINGS, UNKNOWN};
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

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Nothing set it.
    Default,
    /// The settings file.
    File(PathBuf),
    /// `JWTD_<NAME>`.
    Environment,
    /// A command-line option (`serve --workers`).
    CommandLine,
}

impl Source {
    /// The kind of source, without the file's name: `default`, `file`,
    /// `environment`, `command line`.
    pub fn label(&self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File(_) => "file",
            Source::Environment => "environment",
            Source::CommandLine => "command line",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Environment => f.write_str("environment"),
            Source::CommandLine => f.write_str("command line"),
        }
    }
}

/// The source of each setting that was set; the others are defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources(BTreeMap<&'static str, Source>);

impl Sources {
    /// Where the setting `name` came from.
    pub fn of(&self, name: &str) -> &Source {
        self.0.get(name).unwrap_or(&Source::Default)
    }

    /// Records that `setting` came from `source`.
    pub fn record(&mut self, setting: &'static Setting, source: Source) {
        self.0.insert(setting.name, source);
    }

    /// Records that the setting `name` came from `source`; a name that is
    /// no setting is ignored.
    pub fn record_name(&mut self, name: &str, source: Source) {
        if let Some(setting) = SETTINGS.iter().find(|s| s.name == name) {
            self.record(setting, source);
        }
    }
}

/// Settings as loaded, with where each came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The settings.
    pub settings: Settings,
    /// Where each came from.
    pub sources: Sources,
    /// Warnings to print, such as unknown variables.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Defaults, then the JSON file, then `JWTD_*` variables from `env`,
    /// each setting's source recorded.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let mut settings = Settings::default();
        let mut sources = Sources::default();
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
                let setting = settings.set(name, SettingValue::Json(value))?;
                sources.record(setting, Source::File(path.to_owned()));
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
                Ok(setting) => sources.record(setting, Source::Environment),
                Err(e) if e.problem == UNKNOWN => {
                    warnings.push(format!("ignoring unknown variable {key}"))
                }
                Err(e) => return Err(e),
            }
        }
        settings.check()?;
        Ok(Loaded {
            settings,
            sources,
            warnings,
        })
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
        let dir = crate::scratch_dir::ScratchDir::new("config");
        let path = dir.join("settings.json");
        std::fs::write(
            &path,
            r#"{"ACCESS_TOKEN_LIFETIME": 120, "REFRESH_TOKEN_LIFETIME": "2d", "ALGORITHM": "HS512",
                "AUDIENCE": ["x"], "TOKEN_TYPE_CLAIM": null, "UPDATE_LAST_LOGIN": true}"#,
        )
        .unwrap();
        let loaded =
            Settings::load(Some(&path), env(&[("JWTD_ACCESS_TOKEN_LIFETIME", "1m")])).unwrap();
        let s = &loaded.settings;
        assert_eq!(
            loaded.sources.of("ACCESS_TOKEN_LIFETIME"),
            &Source::Environment
        );
        assert_eq!(loaded.sources.of("ALGORITHM"), &Source::File(path.clone()));
        assert_eq!(loaded.sources.of("LEEWAY"), &Source::Default);
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
    }

    #[test]
    fn unknown_variables_are_warned_about_not_fatal() {
        let warnings = Settings::load(
            None,
            env(&[("JWTD_NOPE", "1"), ("JWTD_DB", "x.redb"), ("HOME", "/")]),
        )
        .unwrap()
        .warnings;
        assert_eq!(warnings, ["ignoring unknown variable JWTD_NOPE"]);
    }
}
