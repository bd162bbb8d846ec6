//! `POST /api/token/refresh/` {refresh} -> {access, refresh}.

use crate::api::body;
use crate::api::call::Call;
use crate::api::errors::{auth_error, body_error};
use crate::api::json::Json;
use crate::api::respond;
use crate::http::Response;

/// TokenRefreshView, with rotation as configured.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, request) = (call.app, call.request);
    let [token] =
        match body::parse_fields(request.header("content-type"), &request.body, ["refresh"]) {
            Ok(fields) => fields,
            Err(e) => return body_error(e),
        };
    match app.auth.refresh(&token, call.now) {
        Ok(refreshed) => {
            let json = Json::object().str("access", &refreshed.access);
            let json = match &refreshed.refresh {
                Some(refresh) => json.str("refresh", refresh),
                None => json,
            };
            respond::ok(json.end())
        }
        Err(e) => auth_error(app, &e),
    }
}
