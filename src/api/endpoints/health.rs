//! `GET /healthz`: 200 `{"status":"ok"}` when the database answers a read,
//! 503 otherwise. No authentication; left out of the access log unless
//! `LOG_PROBES` is on (the router's doing, for every probe).

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;
use crate::log;

/// The health probe.
pub fn handle(call: &Call<'_>) -> Response {
    match call.app.auth.token_counts() {
        Ok(_) => respond::json(200, r#"{"status":"ok"}"#.into()),
        Err(e) => {
            log::error(&format!("health check: database read failed: {e}"));
            respond::json(503, r#"{"status":"unavailable"}"#.into())
        }
    }
}
