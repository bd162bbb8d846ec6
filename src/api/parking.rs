//! Work that needs a password hash (a login, an admin setting a password)
//! runs on the login pool, never on an HTTP worker: the view parks its
//! response, the connection waits in epoll holding no worker, and the pool
//! thread completes it. A full pool refuses at once with 429.

use super::call::Call;
use super::request_metrics;
use super::respond;
use crate::app::App;
use crate::http::{park, Response};
use crate::refusal::Refusal;

/// Runs `work` on the login pool and answers with what it returns, with
/// the route's `Allow`, counted in `/metrics` when it completes.
pub fn on_login_pool(
    call: &Call<'_>,
    work: impl FnOnce(&App) -> Response + Send + 'static,
) -> Response {
    let Some(shared) = call.app.shared() else {
        call.app.metrics.refused(Refusal::Unavailable);
        return respond::unavailable();
    };
    let (parked, completion) = park(respond::server_error);
    let (route, started) = (call.route, call.started);
    let job = move || {
        let response = work(&shared).with_header("Allow", route.allow);
        request_metrics::count(&shared, Some(route), response.status, started.elapsed());
        completion.complete(response);
    };
    match call.app.logins.spawn(job) {
        Ok(()) => Response::parked(parked),
        // The queue is full: refused at once, as SimpleJWT's throttles word it.
        Err(_) => {
            call.app.metrics.refused(Refusal::LoginQueueFull);
            respond::throttled(1)
        }
    }
}
