//! `POST /api/token/blacklist/` {refresh} -> {} (logout); with
//! `REFRESH_COOKIE`, the token from the cookie when the body has none, and
//! the cookie cleared ([`refresh_cookie`]).

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::refresh_cookie;
use crate::api::respond;
use crate::http::Response;

/// TokenBlacklistView.
pub fn handle(call: &Call<'_>) -> Response {
    let app = call.app;
    let token = match refresh_cookie::refresh_token(call) {
        Ok(token) => token.token,
        Err(refused) => return refused,
    };
    // The cookie goes whether or not the token was still good: a logout.
    let response = match app.auth.blacklist(&token, call.now) {
        Ok(()) => respond::ok("{}".into()),
        Err(e) => auth_error(app, &e),
    };
    refresh_cookie::cleared(&app.settings(), response)
}
