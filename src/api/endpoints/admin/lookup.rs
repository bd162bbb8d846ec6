//! Django's `get_object_or_404` for the user a path names, and the answers
//! when the account operations refuse or the store cannot say.

use super::validation::{one, refused, USERNAME_TAKEN};
use crate::api::errors::field_errors;
use crate::api::respond;
use crate::app::App;
use crate::auth::AccountError;
use crate::http::Response;
use crate::log;
use crate::store::{StoreError, User};

/// Django's `get_object_or_404`, passed on by DRF 3.15 and later.
pub const NO_USER: &str = "No User matches the given query.";

/// `get_object_or_404`.
pub fn find(app: &App, id: Option<u64>) -> Result<User, Response> {
    let Some(id) = id else {
        return Err(respond::detail(404, NO_USER));
    };
    match app.auth.accounts().user(id) {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(respond::detail(404, NO_USER)),
        Err(e) => Err(store_error(&e)),
    }
}

/// A store that failed: logged, and DRF's 503.
pub fn store_error(error: &StoreError) -> Response {
    log::error(&format!("admin API: {error}"));
    respond::unavailable()
}

/// What an account operation refused after the view's own checks passed:
/// the user gone meanwhile (404), the username taken meanwhile or the
/// password refused by the validators (DRF's field errors), or a failure
/// (logged, 503).
pub fn account_error(error: AccountError) -> Response {
    match error {
        AccountError::NoSuchUser => respond::detail(404, NO_USER),
        AccountError::UsernameTaken => field_errors([("username", one(USERNAME_TAKEN).as_slice())]),
        // Refused after the view's check: the same messages.
        AccountError::PasswordRefused(refusals) => field_errors([(
            "password",
            refused(&refusals).unwrap_or_default().as_slice(),
        )]),
        other => {
            log::error(&format!("admin API: {other}"));
            respond::unavailable()
        }
    }
}
