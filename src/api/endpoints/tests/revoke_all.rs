//! `POST /api/token/revoke-all/`: the user logged out everywhere.

use super::*;

const REVOKE_ALL: &str = "/api/token/revoke-all/";

#[test]
fn revoke_all_logs_the_user_out_everywhere() {
    let app = app();
    let (refresh_a, access_a) = login(&app);
    let (refresh_b, _) = login(&app);
    let bearer = format!("Bearer {access_a}");
    // Credentials first, as on the protected route.
    let anonymous = send(&app, &OwnedRequest::new("POST", REVOKE_ALL));
    assert_eq!((anonymous.status, anonymous.text()), (401, NO_CREDENTIALS));
    assert_eq!(anonymous.header("WWW-Authenticate"), Some(CHALLENGE));
    let get = send(
        &app,
        &OwnedRequest::new("GET", REVOKE_ALL).header("Authorization", &bearer),
    );
    assert_eq!(
        (get.status, get.text()),
        (405, method_detail("GET").as_str())
    );
    assert_eq!(get.header("Allow"), Some(ALLOW_POST));
    // Any body, or none.
    let revoked = send(
        &app,
        &OwnedRequest::new("POST", REVOKE_ALL).header("Authorization", &bearer),
    );
    assert_eq!((revoked.status, revoked.text()), (200, "{}"));
    // Every token of the user is refused at once, the one used included.
    let again = get_protected(&app, &bearer);
    assert_eq!(again.status, 401);
    assert!(
        again.text().contains(r#""message":"Token is revoked""#),
        "{}",
        again.text()
    );
    for refresh in [&refresh_a, &refresh_b] {
        let r = post(&app, REFRESH, &format!(r#"{{"refresh":{}}}"#, js(refresh)));
        assert_eq!(
            (r.status, r.text()),
            (
                401,
                r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
            )
        );
    }
    let verify = post(&app, VERIFY, &format!(r#"{{"token":{}}}"#, js(&access_a)));
    assert_eq!(
        (verify.status, verify.text()),
        (
            401,
            r#"{"detail":"Token is revoked","code":"token_not_valid"}"#
        )
    );
    // A login in the very second of the revocation waits for the next one
    // (the fixed clock moves there), and its tokens work.
    let (_, fresh) = login(&app);
    assert_eq!(app.now(), NOW + 1);
    let hello = get_protected(&app, &format!("Bearer {fresh}"));
    assert_eq!((hello.status, hello.text()), (200, HELLO_ALICE));
}
