//! Paths no route has: 404, or Django's trailing-slash redirect, before
//! authentication and the body.

use super::*;

#[test]
fn unknown_paths_are_404() {
    let app = app();
    // `/` is the learner's page, tested on and off in page.rs.
    for path in [
        "/api",
        "/api/",
        "/no-such",
        "/no-such/",
        "/api/tokens",
        "/api/token/x/",
        "/api/token//",
        "/API/TOKEN/",
        "/api/token/refresh/extra",
        "/api/protected//",
    ] {
        for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            let r = send(
                &app,
                &OwnedRequest::new(method, path).header("Authorization", "Bearer x"),
            );
            assert_eq!(
                (r.status, r.text()),
                (404, r#"{"detail":"Not found."}"#),
                "{method} {path}"
            );
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            assert_eq!(r.header("Allow"), None);
            assert_eq!(r.header("WWW-Authenticate"), None);
            assert_eq!(r.header("Location"), None);
        }
    }
}

#[test]
fn missing_trailing_slash_redirects_with_301() {
    let app = app();
    for path in [
        "/api/token",
        "/api/token/refresh",
        "/api/token/verify",
        "/api/token/blacklist",
        "/api/protected",
    ] {
        for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"] {
            for (target, location) in [
                (path.to_owned(), format!("{path}/")),
                (format!("{path}?a=1&b=x"), format!("{path}/?a=1&b=x")),
            ] {
                // Neither authentication nor the body is looked at.
                let r = send(
                    &app,
                    &OwnedRequest::post_json(&target, "not json").header("Authorization", "Bearer"),
                );
                let r2 = send(&app, &OwnedRequest::new(method, &target));
                for r in [r, r2] {
                    assert_eq!(r.status, 301, "{method} {target}: {}", r.text());
                    assert_eq!(r.header("Location"), Some(location.as_str()));
                    assert_eq!(r.body, b"");
                    assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
                    assert_eq!(r.header("WWW-Authenticate"), None);
                    assert_eq!(r.header("Allow"), None);
                    assert_eq!(r.header("Vary"), None);
                }
            }
        }
    }
}

/// A view that waits on a durable commit runs on the store's threads,
/// the request parked, never on the worker that read it; what the route
/// table answers alone (OPTIONS, a 405) and the reads of redb stay on the
/// worker.
#[test]
fn durable_writes_are_parked_on_the_store_threads_and_nothing_else_is() {
    let app = app();
    let (refresh, access) = login(&app);
    let on_worker = |request: OwnedRequest| {
        let response = app.handle(&request.request());
        let parked = response.parked.is_some();
        (parked, response.resolve().status)
    };
    let body = format!(r#"{{"refresh":{}}}"#, js(&refresh));
    assert_eq!(
        on_worker(OwnedRequest::post_json(REFRESH, &body)),
        (true, 200)
    );
    assert_eq!(
        on_worker(OwnedRequest::post_json(BLACKLIST, &body)),
        (true, 401),
        "the refresh token was spent by the rotation"
    );
    assert_eq!(
        on_worker(OwnedRequest::new("OPTIONS", REFRESH)),
        (false, 200)
    );
    assert_eq!(on_worker(OwnedRequest::new("GET", REFRESH)), (false, 405));
    assert_eq!(
        on_worker(
            OwnedRequest::new("GET", PROTECTED).header("Authorization", format!("Bearer {access}"))
        ),
        (false, 200)
    );
}
