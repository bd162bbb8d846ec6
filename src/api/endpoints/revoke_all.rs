//! `POST /api/token/revoke-all/` with a bearer access token -> {}: logs the
//! user out everywhere. Every refresh token issued to them is blacklisted
//! and every access token of theirs issued up to now stops working at once,
//! including the one that made this request.
//!
//! Authentication runs before the method check, as on the protected route.

use super::{auth_error, authenticated, metadata, method_not_allowed, ok, Endpoint};
use crate::app::App;
use crate::http::{Request, Response};
use crate::log;

/// Revoke every token of the authenticated user.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let now = app.now();
    let response = match authenticated(app, request, now) {
        Err(refused) => refused,
        Ok(user) => match request.method {
            "POST" => match app.auth.revoke_user(user.id, now) {
                Ok(tokens) => {
                    log::info(&format!(
                        "user {:?} (id {}) revoked all their tokens: {} refresh token(s) blacklisted",
                        user.username,
                        user.id,
                        tokens.unwrap_or(0)
                    ));
                    ok("{}".into())
                }
                Err(e) => auth_error(app, &e),
            },
            "OPTIONS" => metadata(Endpoint::RevokeAll),
            method => method_not_allowed(method),
        },
    };
    response.with_header("Allow", "POST, OPTIONS")
}
