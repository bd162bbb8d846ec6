//! `POST /api/token/refresh/` {refresh} -> {access, refresh}; with
//! `REFRESH_COOKIE`, the refresh token in and out of the cookie instead
//! ([`refresh_cookie`]); with `AUTH_TOKEN_CLASSES` `sliding` alone,
//! {token} -> {token} (`TokenRefreshSlidingView`).

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::json::Json;
use crate::api::refresh_cookie;
use crate::api::respond;
use crate::http::Response;

/// TokenRefreshView, with rotation as configured.
pub fn handle(call: &Call<'_>) -> Response {
    let app = call.app;
    if !app.auth.can_sign() {
        return auth_error(app, &crate::auth::AuthError::NotSigning);
    }
    if app.settings().sliding_views() {
        return refresh_sliding(call);
    }
    let token = match refresh_cookie::refresh_token(call) {
        Ok(token) => token.token,
        Err(refused) => return refused,
    };
    match app.auth.refresh(&token, call.client(), call.now) {
        Ok(refreshed) => {
            let settings = app.settings();
            let json = Json::object().str("access", &refreshed.access);
            match &refreshed.refresh {
                Some(refresh) if refresh_cookie::is_on(&settings) => {
                    let response = respond::ok(json.end());
                    refresh_cookie::with_token(&settings, response, refresh)
                }
                Some(refresh) => respond::ok(json.str("refresh", refresh).end()),
                None => respond::ok(json.end()),
            }
        }
        Err(e) => auth_error(app, &e),
    }
}

/// TokenRefreshSlidingView: the same token, its `exp` and `iat` reset.
fn refresh_sliding(call: &Call<'_>) -> Response {
    let [token] = match call.fields(["token"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    match call.app.auth.refresh_sliding(&token, call.now) {
        Ok(token) => respond::ok(Json::object().str("token", &token).end()),
        Err(e) => auth_error(call.app, &e),
    }
}
