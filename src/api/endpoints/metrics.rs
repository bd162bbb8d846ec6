//! `GET /metrics`: counters and gauges in the Prometheus text format, one
//! series per route label of the route table. Counts only, nothing secret;
//! bind jwtd to a private address or filter the path at a proxy if even
//! counts should stay inside.

use crate::api::call::Call;
use crate::api::routes;
use crate::http::Response;
use crate::metrics::Gauges;

/// The scrape endpoint.
pub fn handle(call: &Call<'_>) -> Response {
    let app = call.app;
    let counts = app.auth.token_counts().ok();
    let gauges = Gauges {
        issued: counts.map(|c| c.0),
        blacklisted: counts.map(|c| c.1),
        reuse: app.auth.reuse_events(),
    };
    Response::new(200)
        .with_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .with_body(app.metrics.render(&routes::labels(), gauges).into_bytes())
}
