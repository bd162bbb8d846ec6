//! Which view answers a request, and what is answered before or instead of
//! a view, all derived from the route table ([`super::routes`]):
//! credentials first on the views that need a user, then the method (405
//! with `Allow`), OPTIONS metadata, and for a path no route has, Django's
//! trailing-slash redirect or a 404.

use std::time::Instant;

use super::authentication::{authenticated, protected_user, superuser};
use super::call::Call;
use super::endpoints::{
    admin, blacklist, health, jwks, metrics, obtain, page, protected, refresh, revoke_all, schema,
    verify,
};
use super::messages;
use super::metadata;
use super::parking;
use super::respond;
use super::routes::{self, Endpoint, Found, Route};
use crate::app::App;
use crate::http::{Request, Response};
use crate::refusal::Refusal;
use crate::store::{self, User};
use crate::work_pool;

/// Answers `request`, whose path matched `found` (if any). A view that
/// waits on the store (a durable commit, a round trip to a shared
/// database) runs on the database pool ([`parking::on_database_pool`]).
pub fn route(app: &App, request: &Request<'_>, found: Option<Found>, started: Instant) -> Response {
    let Some(found) = found.filter(|found| is_served(app, found.route)) else {
        return missing(app, request);
    };
    if app.database.is_some() && !work_pool::in_pool() {
        if needs_database(found.route) && view_answers(found.route, request.method) {
            return parking::on_database_pool(app, request, found, started);
        }
        // On a shared database the protected route and verify try what
        // this replica remembers; an answer that needs the database is
        // found again on its pool. (redb answers every read from memory.)
        if app.auth.store_is_shared()
            && matches!(found.route.endpoint, Endpoint::Protected | Endpoint::Verify)
        {
            let (response, missed) =
                store::from_memory_only(|| route_here(app, request, found, started));
            if missed {
                return parking::on_database_pool(app, request, found, started);
            }
            return response;
        }
    }
    route_here(app, request, found, started)
}

/// Whether a view's every call waits on the store (a durable write, or a
/// read of a shared database): these go to the database pool. The
/// protected route and verify answer from what the store remembers (all
/// of it, with redb) when they can, and logins run on the login pool.
fn needs_database(route: &Route) -> bool {
    matches!(
        route.endpoint,
        Endpoint::Refresh
            | Endpoint::Blacklist
            | Endpoint::RevokeAll
            | Endpoint::AdminUsers
            | Endpoint::AdminUser
            | Endpoint::AdminRevoke
    )
}

/// Whether the view itself answers `method` on `route`: not a 405, not
/// OPTIONS (both answered from the route table, on the worker).
fn view_answers(route: &Route, method: &str) -> bool {
    route.allows(method) && method != "OPTIONS"
}

/// Answers `request` on this thread.
pub(super) fn route_here(
    app: &App,
    request: &Request<'_>,
    found: Found,
    started: Instant,
) -> Response {
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
        Endpoint::Jwks => open(&call, jwks::handle),
        Endpoint::Metrics => open(&call, metrics::handle),
        Endpoint::Page => open(&call, page::handle),
        Endpoint::Protected => for_user(&call, protected_user, protected::handle),
        Endpoint::RevokeAll => for_user(&call, authenticated, revoke_all::handle),
        Endpoint::AdminUsers => for_user(&call, superuser, admin::user_list),
        Endpoint::AdminUser => for_user(&call, superuser, admin::user_detail),
        Endpoint::AdminRevoke => for_user(&call, superuser, admin::user_revoke),
    };
    let response = if is_probe(found.route) && !app.settings().log_probes {
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
    route.endpoint != Endpoint::Page || app.settings().learner_page
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
        return Some(respond::method_not_allowed(call.app, method));
    }
    let settings = call.app.settings();
    let email_login = settings.username_field == "email";
    match call.route.metadata(settings.sliding_views(), email_login) {
        Some(described) if method == "OPTIONS" => Some(metadata::respond(described)),
        _ => None,
    }
}

/// A path no route has: Django's APPEND_SLASH redirect when adding the
/// slash finds a route, otherwise 404.
fn missing(app: &App, request: &Request<'_>) -> Response {
    let with_slash = format!("{}/", request.path);
    if routes::find(&with_slash).is_some_and(|found| is_served(app, found.route)) {
        // Django keeps the query (`get_full_path(force_append_slash=True)`),
        // through `iri_to_uri`; so does jwtd, byte for byte. The path is one
        // the route table matched, and the query comes out as URI
        // characters only (see `iri_to_uri`): nothing in `Location` can end
        // the header, and the target stays a path on this server.
        let location = match request.query.filter(|q| !q.is_empty()) {
            Some(query) => {
                let mut location = format!("{with_slash}?");
                iri_to_uri(query, &mut location);
                location
            }
            None => with_slash,
        };
        return Response::new(301)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_header("Location", location);
    }
    app.metrics.refused(Refusal::NotFound);
    respond::detail(404, messages::NOT_FOUND)
}

/// Django's `iri_to_uri` on a query as WSGI hands it over (each byte a
/// Latin-1 character): RFC 3986's unreserved and reserved characters and
/// `%` are kept, every other byte is percent-encoded, one above 0x7F as the
/// UTF-8 of its Latin-1 character (`é` sent as UTF-8, `C3 A9`, becomes
/// `%C3%83%C2%A9`, as in Django). What it writes is visible ASCII only: no
/// space, CR, LF, NUL or byte above 0x7E.
fn iri_to_uri(query: &str, out: &mut String) {
    const SAFE: &[u8] = b"/#%[]=:;$&()+,!?*@'~_.-";
    fn escape(out: &mut String, byte: u8) {
        out.push_str(&format!("%{byte:02X}"));
    }
    for byte in query.bytes() {
        if byte.is_ascii_alphanumeric() || SAFE.contains(&byte) {
            out.push(char::from(byte));
        } else if byte < 0x80 {
            escape(out, byte);
        } else {
            escape(out, 0xC0 | byte >> 6);
            escape(out, 0x80 | (byte & 0x3F));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::iri_to_uri;

    fn encoded(query: &str) -> String {
        let mut out = String::new();
        iri_to_uri(query, &mut out);
        out
    }

    #[test]
    fn the_query_is_encoded_as_djangos_iri_to_uri_does() {
        // Reserved, unreserved and `%` stay as they are.
        let kept = "a=1&b=%0D%0A/x?y#z[0]:;$()+,!*@'~_.-";
        assert_eq!(encoded(kept), kept);
        // Python's quote(s, safe="/#%[]=:;$&()+,!?*@'~"), other ASCII.
        assert_eq!(
            encoded("x=\"<b>\"\\^`{|}"),
            "x=%22%3Cb%3E%22%5C%5E%60%7B%7C%7D"
        );
        // A byte above 0x7F is a Latin-1 character to WSGI, then UTF-8.
        assert_eq!(encoded("q=é"), "q=%C3%83%C2%A9");
        for query in ["a b", "\r\nSet-Cookie: x", "\u{7f}\u{0}", "ÿ€"] {
            let out = encoded(query);
            assert!(
                out.bytes().all(|b| b.is_ascii_graphic()),
                "{query:?}: {out}"
            );
        }
    }
}
