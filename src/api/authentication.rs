//! DRF's `JWTAuthentication` and the permissions of the views that need a
//! user: the user, or the 401 or 403 to send. The router runs these before
//! the method check, as DRF's `initial()` does.

use super::errors::auth_error;
use super::json::Json;
use super::messages;
use super::respond;
use crate::app::App;
use crate::http::{Request, Response};
use crate::refusal::Refusal;
use crate::store::User;

/// `IsAuthenticated`: the user the request's access token names, or the
/// 401 to send (no credentials, or refused ones).
pub fn authenticated(app: &App, request: &Request<'_>, now: u64) -> Result<User, Response> {
    match app.auth.authenticate(request.header(&app.auth_header), now) {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(not_authenticated(app)),
        Err(e) => Err(auth_error(app, &e)),
    }
}

/// The protected route's authentication: [`authenticated`], or with
/// `STATELESS_AUTHENTICATION` `JWTStatelessUserAuthentication`'s, from the
/// token alone (a `TokenUser`: see [`crate::auth::Auth::authenticate_stateless`]).
pub fn protected_user(app: &App, request: &Request<'_>, now: u64) -> Result<User, Response> {
    if !app.settings().stateless_authentication {
        return authenticated(app, request, now);
    }
    match app
        .auth
        .authenticate_stateless(request.header(&app.auth_header), now)
    {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(not_authenticated(app)),
        Err(e) => Err(auth_error(app, &e)),
    }
}

/// DRF's `NotAuthenticated`: no credentials.
fn not_authenticated(app: &App) -> Response {
    app.metrics.refused(Refusal::NotAuthenticated);
    respond::unauthorized(
        app,
        Json::object()
            .str("detail", messages::NOT_AUTHENTICATED)
            .end(),
    )
}

/// The admin API's permission: the authenticated user if it is an active
/// superuser, else the 401 or 403 to send. (DRF's `IsAdminUser` looks at
/// `is_staff`; here staff is not enough.)
pub fn superuser(app: &App, request: &Request<'_>, now: u64) -> Result<User, Response> {
    let user = authenticated(app, request, now)?;
    // Django grants a superuser every permission only while active; this
    // matters when CHECK_USER_IS_ACTIVE is off.
    if user.is_active && user.is_superuser {
        Ok(user)
    } else {
        app.metrics.refused(Refusal::Forbidden);
        Err(respond::detail(403, messages::FORBIDDEN))
    }
}
