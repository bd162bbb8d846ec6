//! `POST /api/token/refresh/` {refresh} -> {access, refresh}.

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::json::Json;
use crate::api::respond;
use crate::http::Response;

/// TokenRefreshView, with rotation as configured.
pub fn handle(call: &Call<'_>) -> Response {
    let app = call.app;
    if !app.auth.can_sign() {
        return auth_error(app, &crate::auth::AuthError::NotSigning);
    }
    let [token] = match call.fields(["refresh"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    match app.auth.refresh(&token, call.client(), call.now) {
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
