//! A failing disk: writes answer 503, reads go on, and it recovers.

use super::*;

#[test]
fn a_full_disk_answers_503_to_writes_keeps_reads_and_recovers() {
    use crate::store::Store;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = std::env::temp_dir().join(format!("jwtd-full-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.redb");
    let _ = std::fs::remove_file(&path);
    let full = Arc::new(AtomicBool::new(false));
    let store = Arc::new(Store::open_on_failing_disk(&path, full.clone()).unwrap());
    let app = App::with_store(settings(), KEY, NOW, JtiSource::counter(), store).unwrap();
    add_user(&app, 1, "alice", P1, true);
    let (refresh, access) = login(&app);

    full.store(true, Ordering::SeqCst);
    let unavailable = r#"{"detail":"Service temporarily unavailable, try again later."}"#;
    let r = post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#));
    expect_view(&r, 503, unavailable);
    assert_eq!(r.header("Retry-After"), Some("5"));
    // A login needs no write before it answers: it still works.
    let login_body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    assert_eq!(post(&app, OBTAIN, &login_body).status, 200);
    // Reads keep working: the protected route and verify.
    expect_protected(
        &get_protected(&app, &format!("Bearer {access}")),
        200,
        HELLO_ALICE,
    );
    expect_view(
        &post(&app, VERIFY, &format!(r#"{{"token":"{refresh}"}}"#)),
        200,
        "{}",
    );

    // The disk recovers: the writer reopens the database and writes resume;
    // the refresh that failed did not spend the token.
    full.store(false, Ordering::SeqCst);
    assert_eq!(
        post(&app, REFRESH, &format!(r#"{{"refresh":"{refresh}"}}"#)).status,
        200
    );
    assert_eq!(post(&app, OBTAIN, &login_body).status, 200);
    drop(app);
    std::fs::remove_dir_all(&dir).unwrap();
}
