//! `POST /api/token/` {username, password} -> {refresh, access}; with
//! `REFRESH_COOKIE`, {access} and the refresh token in the cookie
//! ([`refresh_cookie`]); with `AUTH_TOKEN_CLASSES` `sliding` alone,
//! {token} (`TokenObtainSlidingView`), never in a cookie. With
//! `USERNAME_FIELD` `email`, {email, password}, as SimpleJWT names the
//! field after the user model's `USERNAME_FIELD`.
//!
//! The login runs on the login pool: the password hash takes over 100 ms,
//! and while it runs the connection waits in epoll, holding no HTTP worker.

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::json::Json;
use crate::api::parking::on_login_pool;
use crate::api::refresh_cookie;
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
    let sliding = app.settings().sliding_views();
    on_login_pool(call, move |app| {
        let login = |now| -> Result<Response, AuthError> {
            if sliding {
                let token = app.auth.login_sliding(&username, &password, client, now)?;
                return Ok(respond::ok(Json::object().str("token", &token).end()));
            }
            let pair = app.auth.login(&username, &password, client, now)?;
            let settings = app.settings();
            if refresh_cookie::is_on(&settings) {
                let response = respond::ok(Json::object().str("access", &pair.access).end());
                return Ok(refresh_cookie::with_token(
                    &settings,
                    response,
                    &pair.refresh,
                ));
            }
            Ok(respond::ok(
                Json::object()
                    .str("refresh", &pair.refresh)
                    .str("access", &pair.access)
                    .end(),
            ))
        };
        let mut result = login(now);
        if let Err(AuthError::RevokedUntil(t)) = result {
            // The user's tokens were revoked this very second.
            app.clock.wait_until(t);
            result = login(t);
        }
        match result {
            Ok(response) => response,
            Err(e) => auth_error(app, &e),
        }
    })
}
