//! `GET /healthz`.

use super::*;

#[test]
fn healthz_answers_ok_without_credentials_and_stays_out_of_the_log() {
    let app = app();
    let r = send(&app, &OwnedRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (200, r#"{"status":"ok"}"#));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert!(r.quiet, "probes are not logged by default");
    assert_eq!(
        send(&app, &OwnedRequest::new("POST", "/healthz")).status,
        405
    );
    let logged = app_with(Settings {
        log_probes: true,
        ..settings()
    });
    assert!(!send(&logged, &OwnedRequest::new("GET", "/healthz")).quiet);
}

#[test]
fn healthz_is_503_when_the_database_cannot_be_read() {
    use crate::store::Store;
    use std::sync::Arc;

    // Opens in memory once; every later open fails, as with a vanished disk.
    let store = Arc::new(Store::open_in_memory_that_cannot_reopen().unwrap());
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store.clone()).unwrap();
    assert_eq!(
        send(&app, &OwnedRequest::new("GET", "/healthz")).status,
        200
    );
    assert!(store.reopen().is_err());
    let r = send(&app, &OwnedRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (503, r#"{"status":"unavailable"}"#));
}
