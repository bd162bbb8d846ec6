//! `GET /healthz`: 200 `{"status":"ok"}` when the database answers a read,
//! 503 otherwise. No authentication; left out of the access log unless
//! `LOG_PROBES` is on.

use super::method_not_allowed;
use crate::api::respond;
use crate::app::App;
use crate::http::{Request, Response};
use crate::log;

/// The health probe.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let response = match request.method {
        "GET" | "HEAD" => match app.auth.store().token_counts() {
            Ok(_) => respond::json(200, r#"{"status":"ok"}"#.into()),
            Err(e) => {
                log::error(&format!("health check: database read failed: {e}"));
                respond::json(503, r#"{"status":"unavailable"}"#.into())
            }
        },
        method => method_not_allowed(method),
    };
    let response = response.with_header("Allow", "GET, HEAD");
    if app.settings.log_probes {
        response
    } else {
        response.quietly()
    }
}
