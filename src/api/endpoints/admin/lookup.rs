//! Django's `get_object_or_404` for the user a path names, and the answers
//! when the account operations refuse or the store cannot say.

use super::validation::{one, refused, USERNAME_TAKEN};
use crate::api::errors::field_errors;
use crate::api::respond;
use crate::app::App;
use crate::auth::AccountError;
use crate::http::Response;
use crate::log;
use crate::refusal::Refusal;
use crate::store::{StoreError, User};

// jwtd's own: two admins demoting each other at once leave one.
pub(super) const LAST_SUPERUSER: &str =
    "This is the last active superuser; make another one first.";

/// Django's `get_object_or_404`, passed on by DRF 3.15 and later.
pub const NO_USER: &str = "No User matches the given query.";

/// `get_object_or_404`.
pub fn find(app: &App, id: Option<u64>) -> Result<User, Response> {
    match id.map(|id| app.auth.accounts().user(id)) {
        Some(Ok(Some(user))) => Ok(user),
        None | Some(Ok(None)) => Err(no_user(app)),
        Some(Err(e)) => Err(store_error(app, &e)),
    }
}

/// `get_object_or_404`'s 404.
pub fn no_user(app: &App) -> Response {
    app.metrics.refused(Refusal::NotFound);
    respond::detail(404, NO_USER)
}

/// A store that failed: logged, and DRF's 503.
pub fn store_error(app: &App, error: &StoreError) -> Response {
    log::error(&format!("admin API: {error}"));
    app.metrics.refused(Refusal::Unavailable);
    respond::unavailable()
}

/// What an account operation refused after the view's own checks passed:
/// the user gone meanwhile (404), the username taken meanwhile, the last
/// active superuser about to go or the password refused by the validators
/// (DRF's field errors), or a failure (logged, 503).
pub fn account_error(app: &App, error: AccountError) -> Response {
    match error {
        AccountError::NoSuchUser => no_user(app),
        AccountError::UsernameTaken => {
            field_errors(app, [("username", one(USERNAME_TAKEN).as_slice())])
        }
        AccountError::LastSuperuser => {
            field_errors(app, [("non_field_errors", one(LAST_SUPERUSER).as_slice())])
        }
        AccountError::Referenced(table) => {
            log::warn(&format!(
                "admin API: a user is not deleted: rows of {table} still reference it"
            ));
            let message = format!(
                "This user cannot be deleted: rows of the table {table} still reference it."
            );
            field_errors(
                app,
                [(
                    "non_field_errors",
                    [std::borrow::Cow::Owned(message)].as_slice(),
                )],
            )
        }
        // Refused after the view's check: the same messages.
        AccountError::PasswordRefused(refusals) => field_errors(
            app,
            [(
                "password",
                refused(&refusals).unwrap_or_default().as_slice(),
            )],
        ),
        other => {
            log::error(&format!("admin API: {other}"));
            app.metrics.refused(Refusal::Unavailable);
            respond::unavailable()
        }
    }
}
