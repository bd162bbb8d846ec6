//! `POST /api/token/revoke-all/` with a bearer access token -> {}: logs the
//! user out everywhere. Every refresh token issued to them is blacklisted
//! and every access token of theirs issued up to now stops working at once,
//! including the one that made this request.
//!
//! Authentication runs before the method check, as on the protected route.

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::respond;
use crate::http::Response;
use crate::log;
use crate::store::User;

/// Revoke every token of the authenticated `user`.
pub fn handle(call: &Call<'_>, user: User) -> Response {
    match call.app.auth.revoke_user(user.id, call.now) {
        Ok(tokens) => {
            log::info(&format!(
                "user {:?} (id {}) revoked all their tokens: {} refresh token(s) blacklisted",
                user.username,
                user.id,
                tokens.unwrap_or(0)
            ));
            respond::ok("{}".into())
        }
        Err(e) => auth_error(call.app, &e),
    }
}
