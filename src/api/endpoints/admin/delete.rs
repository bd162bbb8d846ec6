//! `DestroyAPIView`: deletes one user, never the admin themselves.

use super::lookup::{account_error, find};
use super::validation::one;
use crate::api::call::Call;
use crate::api::errors::field_errors;
use crate::auth::LastSuperuser;
use crate::http::Response;
use crate::log;
use crate::store::{User, UserKey};

// jwtd's own: the last admin is never lost by a slip.
pub(super) const SELF_DELETE: &str = "You cannot delete your own account.";

/// `DestroyAPIView`: 204 with no body.
pub fn handle(call: &Call<'_>, admin: &User) -> Response {
    let app = call.app;
    let user = match find(app, call.pk) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    if user.id == admin.id {
        return field_errors(app, [("non_field_errors", one(SELF_DELETE).as_slice())]);
    }
    match app
        .auth
        .accounts()
        .delete(UserKey::Id(user.id), LastSuperuser::Keep)
    {
        Ok(user) => {
            log::info(&format!(
                "admin {:?} (id {}) deleted user {:?} (id {})",
                admin.username, admin.id, user.username, user.id
            ));
            // DRF sends no Content-Type with an empty body.
            Response::new(204).with_header("Vary", "Accept")
        }
        Err(e) => account_error(app, e),
    }
}
