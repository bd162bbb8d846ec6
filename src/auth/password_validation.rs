//! Django's `password_validation.validate_password`: a new password against
//! `AUTH_PASSWORD_VALIDATORS`, every validator run, every refusal reported
//! in the configured order, in Django's words. [`super::Accounts`] runs it
//! on every new password, so `jwtd user` and the admin API refuse alike.
//!
//! - `UserAttributeSimilarityValidator`: the lowercased password against
//!   each attribute's value, whole and split at `\W+`, by
//!   `SequenceMatcher.quick_ratio()` (Django 5.2 asks no more), skipping a
//!   part the password is ten times as long as. jwtd's users have a
//!   username only; Django skips attributes without a value.
//! - `MinimumLengthValidator`: characters, as Python's `len`.
//! - `CommonPasswordValidator`: Django's list ([`super::common_passwords`]).
//! - `NumericPasswordValidator`: Python's `str.isdigit()`.
//!
//! Lowercasing is Python's `str.lower()` ([`crate::python_str`]).

use std::fmt;

use super::common_passwords;
use crate::config::PasswordValidator;
use crate::difflib::SequenceMatcher;
use crate::python_str::{python_isdigit, python_lower, python_strip};

/// Why a validator refused a password; its `Display` is Django's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// `password_too_similar`, naming the attribute's verbose name.
    TooSimilar(&'static str),
    /// `password_too_short`, with `min_length`.
    TooShort(u64),
    /// `password_too_common`.
    TooCommon,
    /// `password_entirely_numeric`.
    EntirelyNumeric,
}

impl fmt::Display for PasswordRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordRefusal::TooSimilar(verbose_name) => {
                write!(f, "The password is too similar to the {verbose_name}.")
            }
            // Django's ngettext: the singular for exactly one.
            PasswordRefusal::TooShort(1) => {
                f.write_str("This password is too short. It must contain at least 1 character.")
            }
            PasswordRefusal::TooShort(n) => write!(
                f,
                "This password is too short. It must contain at least {n} characters."
            ),
            PasswordRefusal::TooCommon => f.write_str("This password is too common."),
            PasswordRefusal::EntirelyNumeric => f.write_str("This password is entirely numeric."),
        }
    }
}

/// The refusals of `password` by `validators`, for the user named
/// `username` (`None`: no user, as Django's `user=None`, which the
/// similarity validator skips); none for a password they all accept.
pub fn validate_password(
    validators: &[PasswordValidator],
    password: &str,
    username: Option<&str>,
) -> Vec<PasswordRefusal> {
    validators
        .iter()
        .filter_map(|validator| match validator {
            PasswordValidator::UserAttributeSimilarity {
                user_attributes,
                max_similarity,
            } => {
                let username = username?;
                user_attributes
                    .iter()
                    .any(|attribute| {
                        attribute == "username" && too_similar(password, username, *max_similarity)
                    })
                    .then_some(PasswordRefusal::TooSimilar("username"))
            }
            PasswordValidator::MinimumLength { min_length } => ((password.chars().count() as u64)
                < *min_length)
                .then_some(PasswordRefusal::TooShort(*min_length)),
            PasswordValidator::CommonPassword => {
                common_passwords::is_common(python_strip(&python_lower(password)))
                    .then_some(PasswordRefusal::TooCommon)
            }
            PasswordValidator::NumericPassword => {
                python_isdigit(password).then_some(PasswordRefusal::EntirelyNumeric)
            }
        })
        .collect()
}

/// `UserAttributeSimilarityValidator.validate` for one attribute's `value`.
fn too_similar(password: &str, value: &str, max_similarity: f64) -> bool {
    if value.is_empty() {
        return false;
    }
    let password: Vec<char> = python_lower(password).chars().collect();
    let value = python_lower(value);
    let similar = split_non_word(&value)
        .into_iter()
        .chain([value.as_str()])
        .any(|part| {
            let part: Vec<char> = part.chars().collect();
            !exceeds_maximum_length_ratio(password.len(), max_similarity, part.len())
                && SequenceMatcher::new(&password, &part).quick_ratio() >= max_similarity
        });
    similar
}

/// Django's `exceeds_maximum_length_ratio`: a value this much shorter than
/// the password can never be similar enough, so it is not compared.
fn exceeds_maximum_length_ratio(
    password_len: usize,
    max_similarity: f64,
    value_len: usize,
) -> bool {
    let length_bound_similarity = max_similarity / 2.0 * password_len as f64;
    password_len >= 10 * value_len && (value_len as f64) < length_bound_similarity
}

/// Python's `re.split(r"\W+", value)`: the parts between runs of non-word
/// characters, with an empty part before a leading run and after a
/// trailing one. Word characters as a username's (`rules`).
fn split_non_word(value: &str) -> Vec<&str> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut parts = Vec::new();
    let mut start = Some(0);
    for (i, c) in value.char_indices() {
        match (is_word(c), start) {
            (false, Some(from)) => {
                parts.push(&value[from..i]);
                start = None;
            }
            (true, None) => start = Some(i),
            _ => {}
        }
    }
    parts.push(start.map_or("", |from| &value[from..]));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_password_validators;

    fn messages(password: &str, username: Option<&str>) -> Vec<String> {
        validate_password(&default_password_validators(), password, username)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_validator_says_what_django_says() {
        assert!(messages("correct horse battery", Some("alice")).is_empty());
        assert_eq!(
            messages("xK9#qv", None),
            ["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(
            messages("password1", None),
            ["This password is too common."]
        );
        assert_eq!(
            messages("80417395121", None),
            ["This password is entirely numeric."]
        );
        assert_eq!(
            messages("liddell99", Some("alice.liddell")),
            ["The password is too similar to the username."]
        );
        // All of them, in the configured order.
        assert_eq!(
            messages("12345", Some("12345")),
            [
                "The password is too similar to the username.",
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ]
        );
        // Common after lower() and strip(), as Django compares.
        assert_eq!(messages("PassWord", None), ["This password is too common."]);
        assert_eq!(
            messages("²³¹⁴⁵⁶⁷⁸⁹", None),
            ["This password is entirely numeric."]
        );
    }

    #[test]
    fn the_length_message_is_singular_for_one() {
        let refused = |min_length| {
            validate_password(&[PasswordValidator::MinimumLength { min_length }], "", None)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            refused(1),
            ["This password is too short. It must contain at least 1 character."]
        );
        assert_eq!(
            refused(12),
            ["This password is too short. It must contain at least 12 characters."]
        );
        assert!(refused(0).is_empty());
        assert!(validate_password(&[], "1", None).is_empty());
    }

    #[test]
    fn similarity_follows_djangos_checks() {
        let similar = |password: &str, username: &str, max_similarity: f64| {
            too_similar(password, username, max_similarity)
        };
        // quick_ratio("alice123", "alice") = 10/13 >= 0.7.
        assert!(similar("Alice123", "alice", 0.7));
        assert!(!similar("Alice123", "alice", 0.8));
        // Each part of the username, and the whole.
        assert!(similar("liddell99", "alice.liddell", 0.7));
        assert!(!similar("wonderland", "alice.liddell", 0.7));
        // Order does not count for quick_ratio: Django refuses anagrams.
        assert!(similar("ecila", "alice", 0.7));
        // Ten times as long and beyond the bound: not compared at all.
        assert!(!similar(&"a".repeat(30), "a", 0.1));
        assert!(exceeds_maximum_length_ratio(30, 0.7, 3));
        assert!(!exceeds_maximum_length_ratio(29, 0.7, 3));
        assert!(
            !exceeds_maximum_length_ratio(10, 0.1, 1),
            "1 < 0.5 is false"
        );
        assert_eq!(split_non_word("a.b@c"), ["a", "b", "c"]);
        assert_eq!(split_non_word(".a..b-"), ["", "a", "b", ""]);
        assert_eq!(split_non_word("zoë_2"), ["zoë_2"]);
        assert_eq!(split_non_word(""), [""]);
        // No user: nothing to be similar to.
        assert!(messages("liddell99", None).is_empty());
    }
}
