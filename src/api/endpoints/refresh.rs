//! `POST /api/token/refresh/` {refresh} -> {access, refresh}.

use super::{auth_error, body_error, ok, Json};
use crate::api::body;
use crate::app::App;
use crate::http::{Request, Response};

/// TokenRefreshView, with rotation as configured.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let [token] =
        match body::parse_fields(request.header("content-type"), &request.body, ["refresh"]) {
            Ok(fields) => fields,
            Err(e) => return body_error(e),
        };
    match app.auth.refresh(&token, app.now()) {
        Ok(refreshed) => {
            let json = Json::object().str("access", &refreshed.access);
            let json = match &refreshed.refresh {
                Some(refresh) => json.str("refresh", refresh),
                None => json,
            };
            ok(json.end())
        }
        Err(e) => auth_error(app, &e),
    }
}
