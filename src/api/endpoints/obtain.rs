//! `POST /api/token/` {username, password} -> {refresh, access}, or with
//! `AUTH_TOKEN_CLASSES` `sliding` alone -> {token} (`TokenObtainSlidingView`).
//!
//! The login runs on the login pool: the password hash takes over 100 ms,
//! and while it runs the connection waits in epoll, holding no HTTP worker.

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::json::Json;
use crate::api::parking::on_login_pool;
use crate::api::respond;
use crate::auth::AuthError;
use crate::http::Response;

/// TokenObtainPairView, or TokenObtainSlidingView.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, now) = (call.app, call.now);
    // A server with a verifying key alone says so before any work.
    if !app.auth.can_sign() {
        return auth_error(app, &AuthError::NotSigning);
    }
    let [username, password] = match call.fields(["username", "password"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let client = call.client();
    // A throttled client is answered here, without queueing a hash.
    if let Err(e) = app.auth.check_throttle(&username, client, now) {
        return auth_error(app, &e);
    }
    let sliding = app.settings().sliding_views();
    on_login_pool(call, move |app| {
        let login = |now| -> Result<String, AuthError> {
            if sliding {
                let token = app.auth.login_sliding(&username, &password, client, now)?;
                return Ok(Json::object().str("token", &token).end());
            }
            let pair = app.auth.login(&username, &password, client, now)?;
            Ok(Json::object()
                .str("refresh", &pair.refresh)
                .str("access", &pair.access)
                .end())
        };
        let mut result = login(now);
        if let Err(AuthError::RevokedUntil(t)) = result {
            // The user's tokens were revoked this very second.
            app.clock.wait_until(t);
            result = login(t);
        }
        match result {
            Ok(body) => respond::ok(body),
            Err(e) => auth_error(app, &e),
        }
    })
}
