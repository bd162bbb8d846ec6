//! `POST /api/token/` {username, password} -> {refresh, access}.
//!
//! The login runs on the login pool: the password hash takes over 100 ms,
//! and while it runs the connection waits in epoll, holding no HTTP worker.

use std::net::IpAddr;

use crate::api::call::Call;
use crate::api::errors::auth_error;
use crate::api::json::Json;
use crate::api::parking::on_login_pool;
use crate::api::respond;
use crate::app::App;
use crate::auth::AuthError;
use crate::http::{Request, Response};

/// TokenObtainPairView.
pub fn handle(call: &Call<'_>) -> Response {
    let (app, request, now) = (call.app, call.request, call.now);
    let [username, password] = match call.fields(["username", "password"]) {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let client = client_address(app, request);
    // A throttled client is answered here, without queueing a hash.
    if let Err(e) = app.auth.check_throttle(&username, client, now) {
        return auth_error(app, &e);
    }
    on_login_pool(call, move |app| {
        let mut result = app.auth.login(&username, &password, client, now);
        if let Err(AuthError::RevokedUntil(t)) = result {
            // The user's tokens were revoked this very second.
            app.clock.wait_until(t);
            result = app.auth.login(&username, &password, client, t);
        }
        match result {
            Ok(pair) => respond::ok(
                Json::object()
                    .str("refresh", &pair.refresh)
                    .str("access", &pair.access)
                    .end(),
            ),
            Err(e) => auth_error(app, &e),
        }
    })
}

/// The client's address as DRF's throttles see it: the peer, or with
/// `NUM_PROXIES` the address that many hops from the right of
/// `X-Forwarded-For` (the peer when the header is absent or unusable).
fn client_address(app: &App, request: &Request<'_>) -> IpAddr {
    let proxies = app.settings().num_proxies;
    if proxies == 0 {
        return request.peer;
    }
    let forwarded = request
        .header("x-forwarded-for")
        .and_then(|v| std::str::from_utf8(v).ok());
    let Some(forwarded) = forwarded else {
        return request.peer;
    };
    let hops: Vec<&str> = forwarded.split(',').map(str::trim).collect();
    let index = hops.len().saturating_sub(proxies.min(hops.len()));
    hops.get(index)
        .and_then(|h| h.parse().ok())
        .unwrap_or(request.peer)
}
