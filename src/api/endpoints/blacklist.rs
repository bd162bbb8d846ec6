//! `POST /api/token/blacklist/` {refresh} -> {} (logout).

use super::{auth_error, body_error, ok};
use crate::api::body;
use crate::app::App;
use crate::http::{Request, Response};

/// TokenBlacklistView.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let [token] =
        match body::parse_fields(request.header("content-type"), &request.body, ["refresh"]) {
            Ok(fields) => fields,
            Err(e) => return body_error(e),
        };
    match app.auth.blacklist(&token, app.now()) {
        Ok(()) => ok("{}".into()),
        Err(e) => auth_error(app, &e),
    }
}
