//! `POST /api/token/blacklist/` {refresh} -> {} (logout).

use crate::api::body;
use crate::api::call::Call;
use crate::api::errors::{auth_error, body_error};
use crate::api::respond;
use crate::http::Response;

/// TokenBlacklistView.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, request) = (call.app, call.request);
    let [token] =
        match body::parse_fields(request.header("content-type"), &request.body, ["refresh"]) {
            Ok(fields) => fields,
            Err(e) => return body_error(e),
        };
    match app.auth.blacklist(&token, call.now) {
        Ok(()) => respond::ok("{}".into()),
        Err(e) => auth_error(app, &e),
    }
}
