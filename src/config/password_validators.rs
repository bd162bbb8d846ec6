//! `AUTH_PASSWORD_VALIDATORS`, Django's setting: the validators a new
//! password must pass (`jwtd user add`, `jwtd user passwd`, the admin API),
//! in Django's own shape, a list of `{"NAME": ..., "OPTIONS": {...}}`:
//!
//! ```json
//! [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
//!   "OPTIONS": {"min_length": 12}}]
//! ```
//!
//! Django's four validators are known, with their options; `[]` turns
//! validation off. In the environment the same JSON, or the word `default`
//! (Django's `startproject` list) or `none` (`[]`). An unknown `NAME` or an
//! unknown option is an error, and so is `password_list_path` (jwtd has
//! Django's list built in).

use serde_json::Value;

use super::shown::Shown;
use super::values::SettingValue;

/// The module Django's validators live in.
const MODULE: &str = "django.contrib.auth.password_validation.";

/// `UserAttributeSimilarityValidator.DEFAULT_USER_ATTRIBUTES`.
const DEFAULT_USER_ATTRIBUTES: [&str; 4] = ["username", "first_name", "last_name", "email"];

/// One of Django's password validators, with its options.
#[derive(Debug, Clone, PartialEq)]
pub enum PasswordValidator {
    /// `UserAttributeSimilarityValidator`.
    UserAttributeSimilarity {
        /// `user_attributes`: Django's default is `username`, `first_name`,
        /// `last_name` and `email`; jwtd's users have a username only, and
        /// Django skips an attribute without a value.
        user_attributes: Vec<String>,
        /// `max_similarity`, at least 0.1 (never NaN). Defaults to 0.7.
        max_similarity: f64,
    },
    /// `MinimumLengthValidator`.
    MinimumLength {
        /// `min_length`, in characters. Defaults to 8.
        min_length: u64,
    },
    /// `CommonPasswordValidator`, with Django's own list.
    CommonPassword,
    /// `NumericPasswordValidator`.
    NumericPassword,
}

// `max_similarity` is checked to be at least 0.1, so never NaN.
impl Eq for PasswordValidator {}

/// Django's `startproject` list: every validator, with its default options.
pub fn default_password_validators() -> Vec<PasswordValidator> {
    vec![
        PasswordValidator::UserAttributeSimilarity {
            user_attributes: DEFAULT_USER_ATTRIBUTES.map(String::from).to_vec(),
            max_similarity: 0.7,
        },
        PasswordValidator::MinimumLength { min_length: 8 },
        PasswordValidator::CommonPassword,
        PasswordValidator::NumericPassword,
    ]
}

/// The setting as it would be written in the settings file: Django's
/// list, every option given. (The table of settings hands each writer its
/// field, here a `Vec`.)
#[allow(clippy::ptr_arg)]
pub(super) fn shown(validators: &Vec<PasswordValidator>) -> Shown {
    let entry = |class: &str, options: serde_json::Value| serde_json::json!({"NAME": ([MODULE, class].concat()), "OPTIONS": options});
    Shown::Value(Value::Array(
        validators
            .iter()
            .map(|validator| match validator {
                PasswordValidator::UserAttributeSimilarity {
                    user_attributes,
                    max_similarity,
                } => entry(
                    "UserAttributeSimilarityValidator",
                    serde_json::json!({
                        "user_attributes": user_attributes,
                        "max_similarity": max_similarity,
                    }),
                ),
                PasswordValidator::MinimumLength { min_length } => entry(
                    "MinimumLengthValidator",
                    serde_json::json!({"min_length": min_length}),
                ),
                PasswordValidator::CommonPassword => {
                    entry("CommonPasswordValidator", serde_json::json!({}))
                }
                PasswordValidator::NumericPassword => {
                    entry("NumericPasswordValidator", serde_json::json!({}))
                }
            })
            .collect(),
    ))
}

/// What the setting must look like.
const EXPECTED: &str = "expected a list of {\"NAME\": ..., \"OPTIONS\": {...}} as Django's, \
     [] for none (in the environment also the words default or none)";

/// Reads the setting: a JSON list as Django's, or in the environment also
/// `default` or `none`. (Written for size: each `format!` costs the binary.)
pub(super) fn password_validators(raw: SettingValue<'_>) -> Result<Vec<PasswordValidator>, String> {
    let parsed: Value;
    let value = match raw {
        SettingValue::Env(text) => match text.trim() {
            "default" => return Ok(default_password_validators()),
            "none" => return Ok(Vec::new()),
            json => {
                parsed = serde_json::from_str(json).map_err(|_| EXPECTED.to_owned())?;
                &parsed
            }
        },
        SettingValue::Json(value) => value,
    };
    let mut validators = Vec::new();
    for item in value.as_array().ok_or(EXPECTED)? {
        validators.push(validator(item)?);
    }
    Ok(validators)
}

/// One `{"NAME": ..., "OPTIONS": {...}}`; other keys are ignored, as
/// Django ignores them.
fn validator(item: &Value) -> Result<PasswordValidator, String> {
    let name = item.get("NAME").and_then(Value::as_str).ok_or(EXPECTED)?;
    let options = match item.get("OPTIONS") {
        None => None,
        Some(Value::Object(options)) => Some(options),
        Some(_) => return Err([name, ": OPTIONS must be an object"].concat()),
    };
    let mut validator = match name.strip_prefix(MODULE) {
        Some("UserAttributeSimilarityValidator") => PasswordValidator::UserAttributeSimilarity {
            user_attributes: DEFAULT_USER_ATTRIBUTES.map(String::from).to_vec(),
            max_similarity: 0.7,
        },
        Some("MinimumLengthValidator") => PasswordValidator::MinimumLength { min_length: 8 },
        Some("CommonPasswordValidator") => PasswordValidator::CommonPassword,
        Some("NumericPasswordValidator") => PasswordValidator::NumericPassword,
        _ => {
            return Err([
                "The module in NAME could not be imported: ",
                name,
                ". jwtd has Django's UserAttributeSimilarityValidator, MinimumLengthValidator, \
                 CommonPasswordValidator and NumericPasswordValidator, each named as \
                 django.contrib.auth.password_validation.MinimumLengthValidator",
            ]
            .concat())
        }
    };
    for (option, value) in options.into_iter().flatten() {
        let set = match (&mut validator, option.as_str()) {
            (PasswordValidator::MinimumLength { min_length }, "min_length") => {
                value.as_u64().map(|n| *min_length = n)
            }
            // Django refuses below 0.1, in these words.
            (
                PasswordValidator::UserAttributeSimilarity { max_similarity, .. },
                "max_similarity",
            ) => value
                .as_f64()
                .filter(|x| *x >= 0.1 && x.is_finite())
                .map(|x| *max_similarity = x),
            (
                PasswordValidator::UserAttributeSimilarity {
                    user_attributes, ..
                },
                "user_attributes",
            ) => value
                .as_array()
                .and_then(|items| items.iter().map(|i| i.as_str().map(String::from)).collect())
                .map(|list| *user_attributes = list),
            _ => None,
        };
        if set.is_none() {
            let why = match option.as_str() {
                "min_length" => " must be a whole number of characters",
                "max_similarity" => " must be a number: max_similarity must be at least 0.1",
                "user_attributes" => " must be a list of strings",
                "password_list_path" => " is not supported: jwtd has Django's own list built in",
                _ => " is not an option it takes",
            };
            return Err([name, ": ", option, why].concat());
        }
    }
    Ok(validator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::load;

    fn from_env(value: &str) -> Result<Vec<PasswordValidator>, String> {
        load(&[("JWTD_AUTH_PASSWORD_VALIDATORS", value)])
            .map(|s| s.auth_password_validators)
            .map_err(|e| {
                assert_eq!(e.setting, "AUTH_PASSWORD_VALIDATORS");
                e.problem
            })
    }

    #[test]
    fn the_default_is_djangos_startproject_list() {
        let defaults = default_password_validators();
        assert_eq!(
            crate::config::Settings::default().auth_password_validators,
            defaults
        );
        assert_eq!(from_env("default"), Ok(defaults.clone()));
        assert_eq!(from_env(" none "), Ok(vec![]));
        assert_eq!(from_env("[]"), Ok(vec![]));
        let all = format!(
            r#"[{{"NAME": "{MODULE}UserAttributeSimilarityValidator"}},
                {{"NAME": "{MODULE}MinimumLengthValidator"}},
                {{"NAME": "{MODULE}CommonPasswordValidator", "OPTIONS": {{}}}},
                {{"NAME": "{MODULE}NumericPasswordValidator"}}]"#
        );
        assert_eq!(from_env(&all), Ok(defaults));
    }

    #[test]
    fn options_are_djangos() {
        let options = format!(
            r#"[{{"NAME": "{MODULE}MinimumLengthValidator", "OPTIONS": {{"min_length": 12}}}},
                {{"NAME": "{MODULE}UserAttributeSimilarityValidator",
                  "OPTIONS": {{"max_similarity": 0.5, "user_attributes": ["username"]}}}}]"#
        );
        assert_eq!(
            from_env(&options),
            Ok(vec![
                PasswordValidator::MinimumLength { min_length: 12 },
                PasswordValidator::UserAttributeSimilarity {
                    user_attributes: vec!["username".into()],
                    max_similarity: 0.5
                }
            ])
        );
    }

    #[test]
    fn what_django_would_not_run_is_an_error_naming_it() {
        let one = |entry: &str| from_env(&format!("[{entry}]")).unwrap_err();
        let e = one(r#"{"NAME": "myapp.validators.Strength"}"#);
        assert!(
            e.contains("could not be imported: myapp.validators.Strength"),
            "{e}"
        );
        let e = one(r#"{"NAME": "MinimumLengthValidator"}"#);
        assert!(e.contains("could not be imported"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}CommonPasswordValidator", "OPTIONS": {{"password_list_path": "/x"}}}}"#
        ));
        assert!(e.contains("password_list_path is not supported"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}MinimumLengthValidator", "OPTIONS": {{"length": 9}}}}"#
        ));
        assert!(e.ends_with(": length is not an option it takes"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}MinimumLengthValidator", "OPTIONS": {{"min_length": -1}}}}"#
        ));
        assert!(e.contains("whole number"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}UserAttributeSimilarityValidator", "OPTIONS": {{"max_similarity": 0.05}}}}"#
        ));
        assert!(e.ends_with("max_similarity must be at least 0.1"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}UserAttributeSimilarityValidator", "OPTIONS": {{"user_attributes": "username"}}}}"#
        ));
        assert!(e.contains("list of strings"), "{e}");
        let e = one(&format!(
            r#"{{"NAME": "{MODULE}NumericPasswordValidator", "OPTIONS": []}}"#
        ));
        assert!(e.ends_with("OPTIONS must be an object"), "{e}");
        assert!(one(r#"{"OPTIONS": {}}"#).contains("expected"));
        assert!(one(r#""x""#).contains("expected"));
        for bad in ["", "off", "[", "{}"] {
            assert!(from_env(bad).is_err(), "{bad:?}");
        }
    }
}
