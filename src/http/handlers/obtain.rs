//! `POST /api/token/` {username, password} -> {refresh, access}.

use super::{auth_error, body_error, client_address, ok, Json};
use crate::app::App;
use crate::http::{body, Request, Response};

/// TokenObtainPairView.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let [username, password] = match body::parse_fields(
        request.header("content-type"),
        &request.body,
        ["username", "password"],
    ) {
        Ok(fields) => fields,
        Err(e) => return body_error(e),
    };
    match app.auth.login(
        &username,
        &password,
        client_address(app, request),
        app.now(),
    ) {
        Ok(pair) => ok(Json::object()
            .str("refresh", &pair.refresh)
            .str("access", &pair.access)
            .end()),
        Err(e) => auth_error(app, &e),
    }
}
