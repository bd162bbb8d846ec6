//! The serializer's input fields: the username and password rules of the
//! admin API (Django's password validators among them), and DRF's
//! `BooleanField`. Each field reports all its
//! messages, and the fields report in declared order, as DRF's serializer
//! collects them.

use std::borrow::Cow;

use crate::api::body::FieldValue;
use crate::api::errors;
use crate::api::messages::{
    surrogate, BLANK, NOT_A_BOOLEAN, NOT_A_STRING, NULL, NULL_CHARACTERS, REQUIRED,
};
use crate::app::App;
use crate::auth::rules::{self, PasswordProblem, UsernameProblem};
use crate::auth::PasswordRefusal;
use crate::http::Response;
use crate::python_str::python_strip;
use crate::store::StoreError;

// Django's messages for the username, and jwtd's own.
pub(super) const USERNAME_INVALID: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
/// Django's, for a username taken.
pub const USERNAME_TAKEN: &str = "A user with that username already exists.";
pub(super) const USERNAME_TOO_LONG: &str = "Ensure this field has no more than 150 characters.";
pub(super) const PASSWORD_WHITESPACE: &str =
    "The password may not start or end with whitespace: logins strip it, so it could never be used.";

/// DRF's `BooleanField.TRUE_VALUES` and `FALSE_VALUES` that are strings
/// (3.15 and later); the numbers 1 and 0 (1.0 and 0.0 too) count as well.
const TRUE_STRINGS: [&str; 13] = [
    "t", "T", "y", "Y", "yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
];
const FALSE_STRINGS: [&str; 13] = [
    "f", "F", "n", "N", "no", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
];

/// A field's messages.
pub type Messages = Vec<Cow<'static, str>>;

/// Field errors in declared order, as DRF's serializer collects them.
#[derive(Default)]
pub struct Errors(Vec<(&'static str, Messages)>);

impl Errors {
    /// The value of a valid field; the messages of an invalid one are kept.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, Messages>) -> Option<T> {
        result
            .map_err(|messages| self.0.push((field, messages)))
            .ok()
    }

    /// Whether every field was valid.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The 400 that lists them.
    pub fn response(&self, app: &App) -> Response {
        errors::field_errors(
            app,
            self.0
                .iter()
                .map(|(field, messages)| (*field, messages.as_slice())),
        )
    }
}

/// One message.
pub fn one(message: &'static str) -> Messages {
    vec![Cow::Borrowed(message)]
}

/// The `username` of `AbstractUser` through a `ModelSerializer`: a trimmed
/// `CharField(max_length=150)` whose validators run in Django's order and
/// all report: the username validator, uniqueness, the length, NUL and
/// surrogates. The outer `Err` is a store failure.
pub fn validate_username(
    raw: FieldValue,
    app: &App,
) -> Result<Result<String, Messages>, StoreError> {
    let value = match raw {
        FieldValue::Missing => return Ok(Err(one(REQUIRED))),
        FieldValue::Null => return Ok(Err(one(NULL))),
        FieldValue::Bool(_) | FieldValue::NotString => return Ok(Err(one(NOT_A_STRING))),
        FieldValue::Surrogate { first, has_nul } => {
            let mut messages = one(USERNAME_INVALID);
            if has_nul {
                messages.push(NULL_CHARACTERS.into());
            }
            messages.push(surrogate(first).into());
            return Ok(Err(messages));
        }
        FieldValue::Str(value) | FieldValue::Number(value) => value,
    };
    let value = python_strip(&value);
    let problems = rules::username_problems(value);
    if problems.contains(&UsernameProblem::Blank) {
        return Ok(Err(one(BLANK)));
    }
    // Django's order: the validator, uniqueness, the length, NUL.
    let mut messages = Messages::new();
    if problems.contains(&UsernameProblem::Invalid) {
        messages.push(USERNAME_INVALID.into());
    }
    if app.auth.accounts().user_by_name(value)?.is_some() {
        messages.push(USERNAME_TAKEN.into());
    }
    if problems.contains(&UsernameProblem::TooLong) {
        messages.push(USERNAME_TOO_LONG.into());
    }
    if problems.contains(&UsernameProblem::NulCharacter) {
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
/// (as `jwtd user add` refuses it); then, as a serializer's
/// `validate_password` calling Django's `validate_password(value, user)`,
/// the refusals of `AUTH_PASSWORD_VALIDATORS` (every message, in order),
/// for a user named `username` (the one created or changed).
pub fn validate_password(
    raw: FieldValue,
    app: &App,
    username: Option<&str>,
) -> Result<String, Messages> {
    let value = string_of(raw)?;
    let messages: Messages = rules::password_problems(&value)
        .into_iter()
        .map(|problem| match problem {
            PasswordProblem::Blank => BLANK.into(),
            PasswordProblem::OuterWhitespace => PASSWORD_WHITESPACE.into(),
            PasswordProblem::NulCharacter => NULL_CHARACTERS.into(),
        })
        .collect();
    if !messages.is_empty() {
        return Err(messages);
    }
    refused(&app.auth.accounts().password_refusals(&value, username)).map_or(Ok(value), Err)
}

/// A `CharField`'s string as sent (numbers are strings to it), or the
/// messages of a value of another type, or of a field left out.
pub fn string_of(raw: FieldValue) -> Result<String, Messages> {
    match raw {
        FieldValue::Missing => Err(one(REQUIRED)),
        FieldValue::Null => Err(one(NULL)),
        FieldValue::Bool(_) | FieldValue::NotString => Err(one(NOT_A_STRING)),
        FieldValue::Surrogate { first, has_nul } => {
            let mut messages = Messages::new();
            if has_nul {
                messages.push(NULL_CHARACTERS.into());
            }
            messages.push(surrogate(first).into());
            Err(messages)
        }
        FieldValue::Str(value) | FieldValue::Number(value) => Ok(value),
    }
}

/// The validators' refusals as a field's messages, if there are any.
pub fn refused(refusals: &[PasswordRefusal]) -> Option<Messages> {
    (!refusals.is_empty()).then(|| {
        refusals
            .iter()
            .map(|refusal| Cow::Owned(refusal.to_string()))
            .collect()
    })
}

/// DRF's `BooleanField`: `None` when the field is absent.
pub fn validate_bool(raw: FieldValue) -> Result<Option<bool>, Messages> {
    match raw {
        FieldValue::Missing => Ok(None),
        FieldValue::Null => Err(one(NULL)),
        FieldValue::Bool(value) => Ok(Some(value)),
        // Python's `1.0 in {1}` is true: numbers compare by value.
        FieldValue::Number(text) => {
            let x = text.parse::<f64>().unwrap_or(f64::NAN);
            if x == 1.0 {
                Ok(Some(true))
            } else if x == 0.0 {
                Ok(Some(false))
            } else {
                Err(one(NOT_A_BOOLEAN))
            }
        }
        FieldValue::Str(text) if TRUE_STRINGS.contains(&text.as_str()) => Ok(Some(true)),
        FieldValue::Str(text) if FALSE_STRINGS.contains(&text.as_str()) => Ok(Some(false)),
        FieldValue::Str(_) | FieldValue::NotString | FieldValue::Surrogate { .. } => {
            Err(one(NOT_A_BOOLEAN))
        }
    }
}
