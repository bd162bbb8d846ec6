//! The serializer's optional profile fields of Django's `AbstractUser`:
//! `email` (DRF's `EmailField(allow_blank=True, max_length=254)`, unique
//! when it is the login field, `USERNAME_FIELD` `email`) and `first_name`,
//! `last_name` (`CharField(allow_blank=True, max_length=150)`). Each is
//! trimmed as DRF trims, and reports every message in the order DRF's
//! validators run: uniqueness, the length, NUL, then the email's form.

use super::validation::{string_of, Messages};
use crate::api::body::FieldValue;
use crate::api::messages::NULL_CHARACTERS;
use crate::app::App;
use crate::auth::email_rule::{email_is_valid, EMAIL_MAX_CHARS};
use crate::auth::rules::USERNAME_MAX_CHARS;
use crate::python_str::python_strip;
use crate::store::{StoreError, UserField};

/// Django's `EmailValidator` message.
pub(super) const EMAIL_INVALID: &str = "Enter a valid email address.";
/// DRF's `UniqueValidator` with the model field's message
/// (`"%(model_name)s with this %(field_label)s already exists."`).
pub(super) const EMAIL_TAKEN: &str = "user with this email address already exists.";
const EMAIL_TOO_LONG: &str = "Ensure this field has no more than 254 characters.";
const NAME_TOO_LONG: &str = "Ensure this field has no more than 150 characters.";

/// The three profile fields as sent; `None` where a field was left out.
#[derive(Debug, Default)]
pub(super) struct Profile {
    pub(super) email: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
}

/// The text of an optional `CharField`, trimmed, or its type's message.
fn text(raw: FieldValue) -> Result<Option<String>, Messages> {
    match raw {
        FieldValue::Missing => Ok(None),
        raw => string_of(raw).map(|value| Some(python_strip(&value).to_owned())),
    }
}

/// `first_name` or `last_name`.
pub(super) fn validate_name(raw: FieldValue) -> Result<Option<String>, Messages> {
    let Some(value) = text(raw)? else {
        return Ok(None);
    };
    let mut messages = Messages::new();
    check_length_and_nul(&value, USERNAME_MAX_CHARS, NAME_TOO_LONG, &mut messages);
    if messages.is_empty() {
        Ok(Some(value))
    } else {
        Err(messages)
    }
}

/// DRF's `MaxLengthValidator` and `ProhibitNullCharactersValidator`, in
/// that order.
fn check_length_and_nul(value: &str, max: usize, too_long: &'static str, messages: &mut Messages) {
    if value.chars().count() > max {
        messages.push(too_long.into());
    }
    if value.contains('\0') {
        messages.push(NULL_CHARACTERS.into());
    }
}

/// `email`, for the user `own` (an update; `None` for a new user). The
/// outer `Err` is a store failure.
pub(super) fn validate_email(
    raw: FieldValue,
    app: &App,
    own: Option<u64>,
) -> Result<Result<Option<String>, Messages>, StoreError> {
    let value = match text(raw) {
        Ok(Some(value)) => value,
        other => return Ok(other),
    };
    if value.is_empty() {
        return Ok(Ok(Some(value)));
    }
    let mut messages = Messages::new();
    if app.auth.accounts().emails_are_unique() {
        let holder = app.auth.accounts().user_by(UserField::Email, &value)?;
        if holder.is_some_and(|user| Some(user.id) != own) {
            messages.push(EMAIL_TAKEN.into());
        }
    }
    check_length_and_nul(&value, EMAIL_MAX_CHARS, EMAIL_TOO_LONG, &mut messages);
    if !email_is_valid(&value) {
        messages.push(EMAIL_INVALID.into());
    }
    Ok(if messages.is_empty() {
        Ok(Some(value))
    } else {
        Err(messages)
    })
}
