//! Which view answers a request, and what is answered before or instead of
//! a view, all derived from the route table ([`super::routes`]):
//! credentials first on the views that need a user, then the method (405
//! with `Allow`), OPTIONS metadata, and for a path no route has, Django's
//! trailing-slash redirect or a 404.

use std::time::Instant;

use super::authentication::{authenticated, superuser};
use super::call::Call;
use super::endpoints::{
    admin, blacklist, health, metrics, obtain, page, protected, refresh, revoke_all, schema, verify,
};
use super::messages;
use super::metadata;
use super::respond;
use super::routes::{self, Endpoint, Found, Route};
use crate::app::App;
use crate::http::{Request, Response};
use crate::store::User;

/// Answers `request`, whose path matched `found` (if any).
pub fn route(app: &App, request: &Request<'_>, found: Option<Found>, started: Instant) -> Response {
    let Some(found) = found.filter(|found| is_served(app, found.route)) else {
        return missing(app, request);
    };
    let call = Call {
        app,
        request,
        route: found.route,
        pk: found.pk,
        started,
        now: app.now(),
    };
    let response = match found.route.endpoint {
        Endpoint::Obtain => open(&call, obtain::handle),
        Endpoint::Refresh => open(&call, refresh::handle),
        Endpoint::Verify => open(&call, verify::handle),
        Endpoint::Blacklist => open(&call, blacklist::handle),
        Endpoint::Schema => open(&call, schema::handle),
        Endpoint::Health => open(&call, health::handle),
        Endpoint::Metrics => open(&call, metrics::handle),
        Endpoint::Page => open(&call, page::handle),
        Endpoint::Protected => for_user(&call, authenticated, protected::handle),
        Endpoint::RevokeAll => for_user(&call, authenticated, revoke_all::handle),
        Endpoint::AdminUsers => for_user(&call, superuser, admin::user_list),
        Endpoint::AdminUser => for_user(&call, superuser, admin::user_detail),
        Endpoint::AdminRevoke => for_user(&call, superuser, admin::user_revoke),
    };
    let response = if is_probe(found.route) && !app.settings.log_probes {
        response.quietly()
    } else {
        response
    };
    // A parked response gets its headers when it completes.
    if response.parked.is_some() {
        response
    } else {
        response.with_header("Allow", found.route.allow)
    }
}

/// Whether the route is on: the learner's page only with `LEARNER_PAGE`
/// (otherwise `/` is an unknown path).
fn is_served(app: &App, route: &Route) -> bool {
    route.endpoint != Endpoint::Page || app.settings.learner_page
}

/// Health probes and scrapes stay out of the access log unless
/// `LOG_PROBES` is on.
fn is_probe(route: &Route) -> bool {
    matches!(route.endpoint, Endpoint::Health | Endpoint::Metrics)
}

/// A view anyone may call: the method is checked first.
fn open(call: &Call<'_>, view: fn(&Call<'_>) -> Response) -> Response {
    method(call).unwrap_or_else(|| view(call))
}

/// A view that needs a user: `who` authenticates (and checks the
/// permission) before the method is looked at, as DRF's `initial()` does,
/// so without credentials every method gets the 401.
fn for_user(
    call: &Call<'_>,
    who: fn(&App, &Request<'_>, u64) -> Result<User, Response>,
    view: fn(&Call<'_>, User) -> Response,
) -> Response {
    match who(call.app, call.request, call.now) {
        Ok(user) => method(call).unwrap_or_else(|| view(call, user)),
        Err(refused) => refused,
    }
}

/// What the method alone decides: a 405 for one the route does not allow,
/// the metadata for OPTIONS; `None` when the view answers.
fn method(call: &Call<'_>) -> Option<Response> {
    let method = call.request.method;
    if !call.route.allows(method) {
        return Some(respond::method_not_allowed(method));
    }
    match call.route.metadata {
        Some(described) if method == "OPTIONS" => Some(metadata::respond(described)),
        _ => None,
    }
}

/// A path no route has: Django's APPEND_SLASH redirect when adding the
/// slash finds a route, otherwise 404.
fn missing(app: &App, request: &Request<'_>) -> Response {
    let with_slash = format!("{}/", request.path);
    if routes::find(&with_slash).is_some_and(|found| is_served(app, found.route)) {
        // The query is kept, as Django does, when it is plain visible ASCII.
        let location = match request.query {
            Some(q) if q.bytes().all(|b| b.is_ascii_graphic()) => format!("{with_slash}?{q}"),
            _ => with_slash,
        };
        return Response::new(301)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_header("Location", location);
    }
    respond::detail(404, messages::NOT_FOUND)
}
