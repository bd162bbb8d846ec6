//! `POST /api/token/` {username, password} -> {refresh, access}.
//!
//! The login runs on the login pool: the password hash takes over 100 ms,
//! and while it runs the connection waits in epoll, holding no HTTP worker.

use std::time::Instant;

use super::{auth_error, body_error, client_address, ok, throttled, Json};
use crate::api::body;
use crate::api::respond;
use crate::app::App;
use crate::auth::AuthError;
use crate::http::{park, Request, Response};
use crate::metrics::Route;

/// TokenObtainPairView.
pub fn handle(app: &App, request: &Request<'_>) -> Response {
    let started = Instant::now();
    let [username, password] = match body::parse_fields(
        request.header("content-type"),
        &request.body,
        ["username", "password"],
    ) {
        Ok(fields) => fields,
        Err(e) => return body_error(e),
    };
    let client = client_address(app, request);
    let now = app.now();
    // A throttled client is answered here, without queueing a hash.
    if let Err(e) = app.auth.check_throttle(&username, client, now) {
        return auth_error(app, &e);
    }
    let Some(shared) = app.shared() else {
        return super::unavailable();
    };
    let (answer, completion) = park(respond::server_error);
    let login = move || {
        let mut result = shared.auth.login(&username, &password, client, now);
        if let Err(AuthError::RevokedUntil(t)) = result {
            // The user's tokens were revoked this very second.
            shared.clock.wait_until(t);
            result = shared.auth.login(&username, &password, client, t);
        }
        let response = match result {
            Ok(pair) => ok(Json::object()
                .str("refresh", &pair.refresh)
                .str("access", &pair.access)
                .end()),
            Err(e) => auth_error(&shared, &e),
        }
        .with_header("Allow", "POST, OPTIONS");
        shared
            .metrics
            .request(Route::Obtain, response.status, started.elapsed());
        completion.complete(response);
    };
    match app.logins.spawn(login) {
        Ok(()) => Response::parked(answer),
        // The queue is full: refused at once, as SimpleJWT's throttles word it.
        Err(_) => throttled(1),
    }
}
