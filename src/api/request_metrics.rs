//! Every answer counted in `/metrics`, under its route's slot: one request
//! with its status and latency; every answer of the login route also as a
//! login, and of the refresh route as a refresh.

use std::time::Duration;

use super::routes::{self, Endpoint, Route};
use crate::app::App;

/// Counts one answered request under `route` (`None`: no route matched).
pub fn count(app: &App, route: Option<&'static Route>, status: u16, took: Duration) {
    let slot = route.map_or(routes::UNMATCHED_SLOT, Route::slot);
    app.metrics.request(slot, status, took);
    match route.map(|route| route.endpoint) {
        Some(Endpoint::Obtain) => app.metrics.login(status),
        Some(Endpoint::Refresh) => app.metrics.refresh(status),
        _ => {}
    }
}
