//! A failing disk: writes answer 503, reads go on, and it recovers.

use super::*;

#[test]
fn a_full_disk_answers_503_to_writes_keeps_reads_and_recovers() {
    use std::sync::atomic::Ordering;

    let (app, full, _dir) = app_on_failing_disk("full-app");
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
}
