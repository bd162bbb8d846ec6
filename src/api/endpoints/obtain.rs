//! `POST /api/token/` {username, password} -> {refresh, access}; with
//! `USERNAME_FIELD` `email`, {email, password}, as SimpleJWT names the
//! field after the user model's `USERNAME_FIELD`.
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

/// TokenObtainPairView.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, now) = (call.app, call.now);
    // A server with a verifying key alone says so before any work.
    if !app.auth.can_sign() {
        return auth_error(app, &AuthError::NotSigning);
    }
    let login = match app.settings().username_field.as_str() {
        "email" => "email",
        _ => "username",
    };
    let [username, password] = match call.fields([login, "password"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let client = call.client();
    // A throttled client is answered here, without queueing a hash.
    if let Err(e) = app.auth.check_throttle(&username, client, now) {
        return auth_error(app, &e);
    }
    on_login_pool(call, move |app| {
        let mut result = app.auth.login(&username, &password, client, now);
        if let Err(AuthError::RevokedUntil(t)) = result {
            // The user's tokens were revoked this very second.
            app.clock.wait_until(t);
            result = app.auth.login(&username, &password, client, t);
        }
        match result {
            Ok(pair) => respond::ok(
                Json::object()
                    .str("refresh", &pair.refresh)
                    .str("access", &pair.access)
                    .end(),
            ),
            Err(e) => auth_error(app, &e),
        }
    })
}
