//! Logs one user out everywhere, as `jwtd user revoke` does.

use super::lookup::{find, no_user};
use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::respond;
use crate::http::Response;
use crate::log;
use crate::store::User;

/// Logs the user out everywhere, as `jwtd user revoke` does: 200 `{}`.
pub fn handle(call: &Call<'_>, admin: &User) -> Response {
    let app = call.app;
    let user = match find(app, call.pk) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    match app.auth.revoke_user(user.id, call.now) {
        Ok(Some(tokens)) => {
            log::info(&format!(
                "admin {:?} (id {}) revoked every token of user {:?} (id {}): {tokens} refresh token(s) blacklisted",
                admin.username, admin.id, user.username, user.id
            ));
            respond::ok("{}".into())
        }
        Ok(None) => no_user(app),
        Err(e) => auth_error(app, &e),
    }
}
