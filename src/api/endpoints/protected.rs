//! `GET /api/protected/` with a bearer access token -> a greeting. As in
//! DRF, authentication runs before the method check: without credentials
//! every method gets 401.

use super::{authenticated, metadata, method_not_allowed, ok, Endpoint, Json};
use crate::app::App;
use crate::http::{Request, Response};

/// The protected view (`IsAuthenticated`).
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let response = match authenticated(app, request, app.now()) {
        Err(refused) => refused,
        Ok(user) => match request.method {
            "GET" => ok(Json::object()
                .str("message", "Hello, authenticated user!")
                .str("user", &user.username)
                .end()),
            "OPTIONS" => metadata(Endpoint::Protected),
            method => method_not_allowed(method),
        },
    };
    response.with_header("Allow", "GET, OPTIONS")
}
