//! `GET /metrics`: counters and gauges in the Prometheus text format.
//! Counts only, nothing secret; bind jwtd to a private address or filter
//! the path at a proxy if even counts should stay inside.

use super::method_not_allowed;
use crate::app::App;
use crate::http::{Request, Response};
use crate::metrics::Gauges;

/// The scrape endpoint.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let response = match request.method {
        "GET" | "HEAD" => {
            let counts = app.auth.store().token_counts().ok();
            let gauges = Gauges {
                issued: counts.map(|c| c.0),
                blacklisted: counts.map(|c| c.1),
                reuse: app.auth.reuse_events(),
            };
            Response::new(200)
                .with_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .with_body(app.metrics.render(gauges).into_bytes())
        }
        method => method_not_allowed(method),
    };
    let response = response.with_header("Allow", "GET, HEAD");
    if app.settings.log_probes {
        response
    } else {
        response.quietly()
    }
}
