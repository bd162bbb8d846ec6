//! Authentication, the superuser permission and routing: before the
//! method, and Django's URLs with digits for ids.

use crate::api::routes;
use crate::api::routes::Endpoint;

use super::*;

const EVERY_METHOD: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

#[test]
fn without_credentials_every_method_is_401_as_on_the_protected_route() {
    let f = fixture();
    for (path, allow) in [
        (USERS, ALLOW_LIST),
        ("/api/admin/users/1/", ALLOW_USER),
        ("/api/admin/users/99999999999999999999999/", ALLOW_USER),
        ("/api/admin/users/1/revoke/", ALLOW_REVOKE),
    ] {
        for method in EVERY_METHOD {
            let r = send(&f.app, &OwnedRequest::new(method, path));
            expect(&r, allow, 401, NO_CREDENTIALS);
            // Another scheme is no credentials either.
            let basic = OwnedRequest::new(method, path).header("Authorization", "Basic YTpi");
            expect(&send(&f.app, &basic), allow, 401, NO_CREDENTIALS);
        }
    }
}

#[test]
fn refused_tokens_get_the_protected_routes_bodies() {
    let f = fixture();
    for header in ["Bearer", "Bearer garbage", "Bearer a b"] {
        let admin = send(
            &f.app,
            &OwnedRequest::new("GET", USERS).header("Authorization", header),
        );
        let protected = send(
            &f.app,
            &OwnedRequest::new("GET", "/api/protected/").header("Authorization", header),
        );
        assert_eq!(
            (admin.status, admin.text()),
            (protected.status, protected.text())
        );
        expect(&admin, ALLOW_LIST, 401, protected.text());
    }
    // A refresh token is not an access token.
    let (refresh, _) = login(&f.app, "root", PASSWORD);
    assert_eq!(f.call_as(&refresh, "GET", USERS, "").status, 401);
}

#[test]
fn only_active_superusers_pass_and_before_the_method_check() {
    let f = fixture();
    let alice = login(&f.app, "alice", PASSWORD).1;
    let sam = login(&f.app, "sam", PASSWORD).1;
    for token in [&alice, &sam] {
        for method in EVERY_METHOD {
            let r = f.call_as(token, method, "/api/admin/users/2/", "");
            expect(&r, ALLOW_USER, 403, FORBIDDEN_BODY);
        }
        let r = f.call_as(token, "POST", USERS, r#"{"username":"x","password":"y"}"#);
        expect(&r, ALLOW_LIST, 403, FORBIDDEN_BODY);
        let r = f.call_as(token, "POST", "/api/admin/users/1/revoke/", "");
        expect(&r, ALLOW_REVOKE, 403, FORBIDDEN_BODY);
    }
    // An inactive superuser whose tokens CHECK_USER_IS_ACTIVE=false lets
    // through is still refused: Django grants nothing to inactive users.
    let lax = fixture_with(Settings {
        check_user_is_active: false,
        ..settings()
    });
    let store = lax.app.auth.store();
    store.update_user_by_id(4, |u| u.is_active = true).unwrap();
    let ivan = login(&lax.app, "ivan", PASSWORD).1;
    store.update_user_by_id(4, |u| u.is_active = false).unwrap();
    assert_eq!(lax.protected_status(&ivan), 200);
    let r = lax.call_as(&ivan, "GET", USERS, "");
    expect(&r, ALLOW_LIST, 403, FORBIDDEN_BODY);
}

#[test]
fn other_methods_are_405_with_allow_once_authenticated() {
    let f = fixture();
    for (method, path, allow) in [
        ("PUT", USERS, ALLOW_LIST),
        ("DELETE", USERS, ALLOW_LIST),
        ("PATCH", USERS, ALLOW_LIST),
        ("PUT", "/api/admin/users/2/", ALLOW_USER),
        ("POST", "/api/admin/users/2/", ALLOW_USER),
        ("PUT", "/api/admin/users/999/", ALLOW_USER),
        ("GET", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
        ("DELETE", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
        ("TRACE", "/api/admin/users/2/revoke/", ALLOW_REVOKE),
    ] {
        let r = f.call(method, path, "");
        let body = format!(r#"{{"detail":"Method \"{method}\" not allowed."}}"#);
        expect(&r, allow, 405, &body);
    }
    // HEAD is GET without the body (the HTTP layer drops it).
    let r = f.call("HEAD", "/api/admin/users/2/", "");
    assert_eq!(r.status, 200);
    let r = f.call("HEAD", "/api/admin/users/2/revoke/", "");
    assert_eq!(r.status, 405);
}

#[test]
fn paths_are_django_urls_ids_are_digits_and_a_missing_slash_redirects() {
    let target = |path| routes::find(path).map(|found| (found.route.endpoint, found.pk));
    assert_eq!(target(USERS), Some((Endpoint::AdminUsers, None)));
    assert_eq!(
        target("/api/admin/users/007/"),
        Some((Endpoint::AdminUser, Some(7)))
    );
    assert_eq!(
        target("/api/admin/users/5/revoke/"),
        Some((Endpoint::AdminRevoke, Some(5)))
    );
    assert_eq!(
        target("/api/admin/users/18446744073709551616/"),
        Some((Endpoint::AdminUser, None))
    );
    let f = fixture();
    for path in [
        "/api/admin/users/abc/",
        "/api/admin/users/+5/",
        "/api/admin/users/-5/",
        "/api/admin/users/5.0/",
        "/api/admin/users/%35/",
        "/api/admin/users//",
        "/api/admin/users/5/x/",
        "/api/admin/users/5/revoke/x/",
        "/api/admin/users/5/revoke/5/",
        "/api/admin/",
        "/api/admin/users/abc",
    ] {
        // URL resolution comes first: no credentials needed for the 404.
        let r = send(&f.app, &OwnedRequest::new("GET", path));
        assert_eq!(
            (r.status, r.text()),
            (404, r#"{"detail":"Not found."}"#),
            "{path}"
        );
    }
    for (path, location) in [
        ("/api/admin/users", "/api/admin/users/"),
        ("/api/admin/users?page=2", "/api/admin/users/?page=2"),
        ("/api/admin/users/5", "/api/admin/users/5/"),
        ("/api/admin/users/5/revoke", "/api/admin/users/5/revoke/"),
    ] {
        for method in ["GET", "POST", "PATCH", "DELETE"] {
            let r = send(&f.app, &OwnedRequest::new(method, path));
            assert_eq!(r.status, 301, "{method} {path}");
            assert_eq!(r.header("Location"), Some(location));
            assert_eq!(r.header("Allow"), None);
        }
    }
    // An id too large for a u64 is a user that does not exist.
    let r = f.get("/api/admin/users/99999999999999999999999/");
    expect(&r, ALLOW_USER, 404, NO_USER_BODY);
}
