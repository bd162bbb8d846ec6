//! Which handler answers which request, and the answers no handler gives:
//! 404, 405 with `Allow`, OPTIONS metadata, and Django's trailing-slash
//! redirect.

use super::endpoints::{self, Endpoint};
use super::respond;
use crate::app::App;
use crate::http::{Request, Response};
use crate::metrics::Route;

/// Every route, by exact path.
const ROUTES: [(&str, Endpoint); 6] = [
    ("/api/token/", Endpoint::Obtain),
    ("/api/token/refresh/", Endpoint::Refresh),
    ("/api/token/verify/", Endpoint::Verify),
    ("/api/token/blacklist/", Endpoint::Blacklist),
    ("/api/protected/", Endpoint::Protected),
    ("/api/token/revoke-all/", Endpoint::RevokeAll),
];

/// Answers `request`.
pub fn route(app: &App, request: &Request<'_>) -> Response {
    match request.path {
        "/api/schema/" => return endpoints::schema::handle(request),
        "/healthz" => return endpoints::health::handle(app, request),
        "/metrics" => return endpoints::metrics::handle(app, request),
        "/" if app.settings.learner_page => return endpoints::page::handle(request),
        _ => {}
    }
    if let Some(target) = endpoints::admin::target(request.path) {
        return endpoints::admin::handle(app, request, target);
    }
    let Some(&(_, endpoint)) = ROUTES.iter().find(|(path, _)| *path == request.path) else {
        return missing(request);
    };
    let response = match (endpoint, request.method) {
        // Authenticated views check credentials before the method.
        (Endpoint::Protected, _) => return endpoints::protected::handle(app, request),
        (Endpoint::RevokeAll, _) => return endpoints::revoke_all::handle(app, request),
        (Endpoint::Obtain, "POST") => endpoints::obtain::handle(app, request),
        (Endpoint::Refresh, "POST") => endpoints::refresh::handle(app, request),
        (Endpoint::Verify, "POST") => endpoints::verify::handle(app, request),
        (Endpoint::Blacklist, "POST") => endpoints::blacklist::handle(app, request),
        (_, "OPTIONS") => endpoints::metadata(endpoint),
        (_, method) => endpoints::method_not_allowed(method),
    };
    response.with_header("Allow", "POST, OPTIONS")
}

/// The route a path is counted under in `/metrics`.
pub fn route_of(path: &str) -> Route {
    match path {
        "/api/token/" => Route::Obtain,
        "/api/token/refresh/" => Route::Refresh,
        "/api/token/verify/" => Route::Verify,
        "/api/token/blacklist/" => Route::Blacklist,
        "/api/protected/" => Route::Protected,
        "/api/token/revoke-all/" => Route::RevokeAll,
        admin if endpoints::admin::target(admin).is_some() => Route::Admin,
        "/api/schema/" => Route::Schema,
        "/healthz" => Route::Health,
        "/metrics" => Route::Metrics,
        "/" => Route::Page,
        _ => Route::Other,
    }
}

/// A path no route has: Django's APPEND_SLASH redirect when adding the
/// slash finds a route, otherwise 404.
fn missing(request: &Request<'_>) -> Response {
    let with_slash = format!("{}/", request.path);
    if with_slash == "/api/schema/"
        || ROUTES.iter().any(|(path, _)| *path == with_slash)
        || endpoints::admin::target(&with_slash).is_some()
    {
        // The query is kept, as Django does, when it is plain visible ASCII.
        let location = match request.query {
            Some(q) if q.bytes().all(|b| b.is_ascii_graphic()) => format!("{with_slash}?{q}"),
            _ => with_slash,
        };
        return Response::new(301)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_header("Location", location);
    }
    respond::detail(404, "Not found.")
}
