//! `POST /api/token/verify/` {token} -> {}.

use super::{auth_error, body_error, ok};
use crate::api::body;
use crate::app::App;
use crate::http::{Request, Response};

/// TokenVerifyView.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let [token] = match body::parse_fields(request.header("content-type"), &request.body, ["token"])
    {
        Ok(fields) => fields,
        Err(e) => return body_error(e),
    };
    match app.auth.verify(&token, app.now()) {
        Ok(()) => ok("{}".into()),
        Err(e) => auth_error(app, &e),
    }
}
