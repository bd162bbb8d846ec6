//! `POST /api/token/verify/` {token} -> {}.

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::respond;
use crate::http::Response;

/// TokenVerifyView.
pub fn handle(call: &Call<'_>) -> Response {
    let app = call.app;
    let [token] = match call.fields(["token"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    match app.auth.verify(&token, call.now) {
        Ok(()) => respond::ok("{}".into()),
        Err(e) => auth_error(app, &e),
    }
}
