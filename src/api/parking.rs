//! Work that needs a password hash (a login, an admin setting a password)
//! runs on the login pool, never on an HTTP worker: the view parks its
//! response, the connection waits in epoll holding no worker, and the pool
//! thread completes it. A full pool refuses at once with 429.
//!
//! A request whose view waits on the store (a durable commit; with a
//! shared database, PostgreSQL, any round trip to it) is copied and
//! answered on the database pool the same way; a full pool refuses at once
//! with 503, and on a shared database a request whose answer has not come
//! within [`DATABASE_WAIT`] (PostgreSQL not answering) gets a 503 then.
//! With a shared database, a login waits at most [`SHARED_LOGIN_WAIT`].

use std::time::{Duration, Instant};

use super::call::Call;
use super::cors;
use super::request_metrics;
use super::respond;
use super::routes::Found;
use crate::app::App;
use crate::http::{park, park_within, Request, Response};
use crate::refusal::Refusal;

/// How long a request waits for the database before its 503.
pub const DATABASE_WAIT: Duration = Duration::from_secs(5);

/// How long a login waits on a shared database before its 503: its hash
/// and its queue, and the database's reads and writes.
pub const SHARED_LOGIN_WAIT: Duration = Duration::from_secs(15);

/// Answers `request` on the database pool, the connection parked meanwhile.
pub fn on_database_pool(
    app: &App,
    request: &Request<'_>,
    found: Found,
    started: Instant,
) -> Response {
    let (Some(shared), Some(pool)) = (app.shared(), app.database.as_ref()) else {
        app.metrics.refused(Refusal::Unavailable);
        return respond::unavailable();
    };
    let owned = request.to_owned_request();
    let cors = cors::for_request(&app.settings(), request);
    // A shared database may stop answering; redb's commits always end.
    let within = app
        .auth
        .store_is_shared()
        .then_some((DATABASE_WAIT, respond::unavailable as fn() -> Response));
    let (parked, completion) = park_within(respond::server_error, within);
    let job = move || {
        let response = super::router::route_here(&shared, &owned.request(), found, started);
        let response = cors::apply(cors.as_ref(), response);
        request_metrics::count(
            &shared,
            Some(found.route),
            response.status,
            started.elapsed(),
        );
        completion.complete(response);
    };
    match pool.spawn(job) {
        Ok(()) => Response::parked(parked),
        Err(_) => {
            app.metrics.refused(Refusal::Unavailable);
            respond::unavailable()
        }
    }
}

/// Runs `work` on the login pool and answers with what it returns, with
/// the route's `Allow` (and, parked, its CORS headers), counted in `/metrics` when it completes.
pub fn on_login_pool(
    call: &Call<'_>,
    work: impl FnOnce(&App) -> Response + Send + 'static,
) -> Response {
    on_login_pool_boxed(call, Box::new(work))
}

/// [`on_login_pool`], compiled once for every view.
fn on_login_pool_boxed(
    call: &Call<'_>,
    work: Box<dyn FnOnce(&App) -> Response + Send>,
) -> Response {
    // Already off the HTTP workers (an admin request on the database
    // pool): this thread may wait, so it waits for the login pool, which
    // still bounds how many hashes run at once.
    if crate::work_pool::in_pool() {
        let Some(shared) = call.app.shared() else {
            call.app.metrics.refused(Refusal::Unavailable);
            return respond::unavailable();
        };
        let (answer, completion) = park(respond::server_error);
        return match call
            .app
            .logins
            .spawn(move || completion.complete(work(&shared)))
        {
            Ok(()) => answer.wait().with_header("Allow", call.route.allow),
            Err(_) => {
                call.app.metrics.refused(Refusal::LoginQueueFull);
                respond::throttled(1).with_header("Allow", call.route.allow)
            }
        };
    }
    let Some(shared) = call.app.shared() else {
        call.app.metrics.refused(Refusal::Unavailable);
        return respond::unavailable();
    };
    let within = call
        .app
        .auth
        .store_is_shared()
        .then_some((SHARED_LOGIN_WAIT, respond::unavailable as fn() -> Response));
    let (parked, completion) = park_within(respond::server_error, within);
    let (route, started) = (call.route, call.started);
    let cors = cors::for_request(&call.app.settings(), call.request);
    let job = move || {
        let response = work(&shared).with_header("Allow", route.allow);
        let response = cors::apply(cors.as_ref(), response);
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
