//! Revoking a user (`user revoke`, `user passwd`, `POST
//! /api/token/revoke-all/`) ends every session of theirs, and only theirs.

use crate::support::*;

/// `jwtd user revoke`, `user passwd` and `POST /api/token/revoke-all/` each
/// end every session of one user, and only theirs.
#[test]
fn revoking_a_user_ends_every_session_of_theirs() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    add_user(&dir, "bob", &[]);
    let refresh_body = |t: &str| format!(r#"{{"refresh":"{t}"}}"#);
    let server = Server::start(&dir, &[]);
    let (a_refresh, a_access) = server.login("alice");
    let (b_refresh, b_access) = server.login("bob");
    // Stopped, not killed: a login does not wait for its row to be written,
    // and the rows are what the blacklisting below finds (a token whose
    // row a crash lost is refused as `Token is revoked` instead).
    server.stop();

    let revoke = run(&dir, &["user", "revoke", "alice"], "");
    assert_eq!(revoke.code, 0, "{}", revoke.stderr);
    assert!(
        revoke.stdout.contains("1 refresh token(s) blacklisted"),
        "{}",
        revoke.stdout
    );
    assert_eq!(run(&dir, &["user", "revoke", "nobody"], "").code, 1);

    let server = Server::start(&dir, &[]);
    let refused = server.get("/api/protected/", Some(&a_access));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["messages"][0]["message"], "Token is revoked");
    let refused = server.post_json("/api/token/refresh/", &refresh_body(&a_refresh));
    assert_eq!(refused.json()["detail"], "Token is blacklisted");
    assert_eq!(server.get("/api/protected/", Some(&b_access)).status, 200);
    // A new login works at once (it may wait for the next second).
    let (_, fresh) = server.login("alice");
    assert_eq!(server.get("/api/protected/", Some(&fresh)).status, 200);

    // Over HTTP, with the user's own access token.
    let revoke_all = |access: &str| {
        server.request(
            "POST",
            "/api/token/revoke-all/",
            &[("Authorization", &format!("Bearer {access}"))],
            b"",
        )
    };
    let done = revoke_all(&b_access);
    assert_eq!((done.status, done.body.as_str()), (200, "{}"));
    assert_eq!(server.get("/api/protected/", Some(&b_access)).status, 401);
    assert_eq!(revoke_all(&b_access).status, 401);
    let refused = server.post_json("/api/token/refresh/", &refresh_body(&b_refresh));
    assert_eq!(refused.json()["detail"], "Token is blacklisted");
    assert_eq!(server.get("/api/protected/", Some(&fresh)).status, 200);
    let (_, bobs_fresh) = server.login("bob");
    server.stop();

    // A password change revokes too, unless turned off.
    let passwd = |env: &[(&str, &str)]| {
        run_with(
            &dir,
            &["user", "passwd", "bob", "--password-stdin"],
            &format!("{PASSWORD}\n"),
            env,
        )
    };
    let kept = passwd(&[("JWTD_REVOKE_ON_PASSWORD_CHANGE", "false")]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert!(!kept.stdout.contains("Revoked"), "{}", kept.stdout);
    let server = Server::start(&dir, &[]);
    assert_eq!(server.get("/api/protected/", Some(&bobs_fresh)).status, 200);
    server.stop();
    let changed = passwd(&[]);
    assert!(
        changed.stdout.contains("Revoked every token"),
        "{}",
        changed.stdout
    );
    let server = Server::start(&dir, &[]);
    assert_eq!(server.get("/api/protected/", Some(&bobs_fresh)).status, 401);
    assert_eq!(server.get("/api/protected/", Some(&fresh)).status, 200);
    server.stop();

    // `token explain` reads the same revocations and blacklist.
    let key = [("JWTD_SIGNING_KEY", KEY)];
    let revoked = run_with(&dir, &["token", "explain", &a_access], "", &key);
    assert_eq!(revoked.code, 1, "{}", revoked.stdout);
    assert!(
        revoked.stdout.contains("(the database): Token is revoked"),
        "{}",
        revoked.stdout
    );
    let spent = run_with(&dir, &["token", "explain", &a_refresh], "", &key);
    assert_eq!(spent.code, 1, "{}", spent.stdout);
    assert!(
        spent.stdout.contains("REFUSED (blacklisted)"),
        "{}",
        spent.stdout
    );
    let good = run_with(&dir, &["token", "explain", &fresh], "", &key);
    assert_eq!(good.code, 0, "{}", good.stdout);
    assert!(good.stdout.contains("  11  pass "), "{}", good.stdout);
}
