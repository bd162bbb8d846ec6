//! `GET /healthz`.

use super::*;

#[test]
fn healthz_answers_ok_without_credentials_and_stays_out_of_the_log() {
    let app = app();
    let r = send(&app, &TestRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (200, r#"{"status":"ok"}"#));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert!(r.quiet, "probes are not logged by default");
    assert_eq!(
        send(&app, &TestRequest::new("POST", "/healthz")).status,
        405
    );
    let logged = app_with(Settings {
        log_probes: true,
        ..settings()
    });
    assert!(!send(&logged, &TestRequest::new("GET", "/healthz")).quiet);
}

#[test]
fn healthz_is_503_when_the_database_cannot_be_read() {
    use crate::store::{Opener, Store, StoreError};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    let opened = Arc::new(AtomicU32::new(0));
    let counter = opened.clone();
    // Opens in memory once; every later open fails, as with a vanished disk.
    let opener: Arc<Opener> = Arc::new(move || {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Store::open_in_memory_database()
        } else {
            Err(StoreError::Io("the disk is gone".into()))
        }
    });
    let store = Arc::new(Store::open_with(opener, Arc::new(|| true)).unwrap());
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store.clone()).unwrap();
    assert_eq!(send(&app, &TestRequest::new("GET", "/healthz")).status, 200);
    assert!(store.reopen().is_err());
    let r = send(&app, &TestRequest::new("GET", "/healthz"));
    assert_eq!((r.status, r.text()), (503, r#"{"status":"unavailable"}"#));
}
