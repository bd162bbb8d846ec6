//! The seed flow over real HTTP: obtain, call the protected route, refresh
//! with rotation, verify, log out; and what must hold across requests and
//! restarts.

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};
use std::thread;

use crate::support::*;

#[test]
fn obtain_protected_refresh_verify_blacklist() {
    // Without a grace period, so that the replay below is taken as theft.
    let (_dir, server) = server_with_alice(&[("JWTD_REUSE_GRACE_PERIOD", "0")]);
    let (refresh, access) = server.login("alice");

    let me = server.get("/api/protected/", Some(&access));
    assert_eq!(me.status, 200);
    assert_eq!(
        me.body,
        r#"{"message":"Hello, authenticated user!","user":"alice"}"#
    );

    let r = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.starts_with(r#"{"access":""#),
        "access first: {}",
        r.body
    );
    assert_eq!(r.header("Cache-Control"), Some("no-store"));
    let rotated = r.json()["refresh"].as_str().unwrap().to_owned();
    let new_access = r.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);

    // The rotated-out token is spent.
    let again = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(again.status, 401);
    assert_eq!(
        again.body,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
    );
    // That was reuse of a spent token: logged, and the family revoked.
    assert!(
        server.log_eventually_contains("WARN refresh token reuse"),
        "{}",
        server.log()
    );
    let revoked = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{rotated}"}}"#),
    );
    assert_eq!(
        revoked.status, 401,
        "the rotated token died with its family"
    );

    let v = server.post_json(
        "/api/token/verify/",
        &format!(r#"{{"token":"{new_access}"}}"#),
    );
    assert_eq!((v.status, v.body.as_str()), (200, "{}"));

    // A second login, so logout can be shown on a live token.
    let (refresh2, _) = server.login("alice");
    let out = server.post_json(
        "/api/token/blacklist/",
        &format!(r#"{{"refresh":"{refresh2}"}}"#),
    );
    assert_eq!((out.status, out.body.as_str()), (200, "{}"));
    let after = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh2}"}}"#),
    );
    assert_eq!(after.status, 401);
    let verify = server.post_json(
        "/api/token/verify/",
        &format!(r#"{{"token":"{refresh2}"}}"#),
    );
    assert_eq!(verify.status, 400);
    assert_eq!(
        verify.body,
        r#"{"non_field_errors":["Token is blacklisted"]}"#
    );
    assert!(server.log_eventually_contains("POST /api/token/refresh/ 200"));
    let log = server.log();
    assert!(!log.contains(KEY), "the signing key in the log");
    assert!(
        !log.contains(&access) && !log.contains(&refresh) && !log.contains(PASSWORD),
        "secrets in the log"
    );
}

#[test]
fn sixteen_clients_refreshing_one_token_have_exactly_one_winner() {
    let (_dir, server) = server_with_alice(&[]);
    let addr = server.addr;
    for round in 0..50 {
        let (refresh, _) = server.login("alice");
        let body = Arc::new(format!(r#"{{"refresh":"{refresh}"}}"#));
        let barrier = Arc::new(Barrier::new(16));
        let clients: Vec<_> = (0..16)
            .map(|_| {
                let (body, barrier) = (body.clone(), barrier.clone());
                thread::spawn(move || {
                    let request = format!(
                        "POST /api/token/refresh/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
                         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    barrier.wait();
                    send(addr, request.as_bytes())
                })
            })
            .collect();
        let responses: Vec<Response> = clients.into_iter().map(|c| c.join().unwrap()).collect();
        let winners = responses.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            winners,
            1,
            "round {round}: {:?}",
            responses.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        for r in responses.iter().filter(|r| r.status != 200) {
            assert_eq!(
                r.body,
                r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
            );
        }
    }
}

#[test]
fn tokens_and_the_generated_key_survive_a_restart() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let no_key = [("JWTD_SIGNING_KEY", "<none>")];
    let server = Server::start(&dir, &no_key);
    let (refresh, access) = server.login("alice");
    let (code, log) = server.stop();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("stopped"), "{log}");

    let server = Server::start(&dir, &no_key);
    assert_eq!(
        server.get("/api/protected/", Some(&access)).status,
        200,
        "same key after restart"
    );
    let r = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // A token signed with the test key is foreign to the generated one.
    drop(server);
    let other = Server::start(&dir, &[]);
    assert_eq!(other.get("/api/protected/", Some(&access)).status, 401);
}

#[test]
fn an_empty_signing_key_is_refused() {
    let dir = TempDir::new();
    let out = run_with(
        &dir,
        &["serve", "--addr", "127.0.0.1:0"],
        "",
        &[("JWTD_SIGNING_KEY", "")],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("JWTD_SIGNING_KEY is set but empty"),
        "{}",
        out.stderr
    );
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "\n").unwrap();
    // Owner-only, as serve demands of a key file.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let file = key_file.to_str().unwrap();
    let out = run_with(
        &dir,
        &["serve", "--addr", "127.0.0.1:0"],
        "",
        &[("JWTD_SIGNING_KEY_FILE", file)],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("is empty"), "{}", out.stderr);
}

#[test]
fn a_short_key_starts_with_a_warning_and_a_key_file_works() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let server = Server::start(&dir, &[("JWTD_SIGNING_KEY", "short")]);
    assert!(
        server.log_eventually_contains("RFC 7518"),
        "{}",
        server.log()
    );
    drop(server);
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let by_file = Server::start(
        &dir,
        &[
            ("JWTD_SIGNING_KEY", "<none>"),
            ("JWTD_SIGNING_KEY_FILE", key_file.to_str().unwrap()),
        ],
    );
    let (_, access) = by_file.login("alice");
    drop(by_file);
    // The file's key without its newline is the same key as KEY.
    let by_env = Server::start(&dir, &[]);
    assert_eq!(by_env.get("/api/protected/", Some(&access)).status, 200);
}

#[test]
fn sigterm_finishes_the_request_in_flight() {
    let (_dir, server) = server_with_alice(&[("JWTD_PASSWORD_ITERATIONS", "3000000")]);
    // A login at three million iterations is in flight when the signal lands.
    let addr = server.addr;
    let login = thread::spawn(move || {
        let body = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
        let request = format!(
            "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        send(addr, request.as_bytes())
    });
    thread::sleep(std::time::Duration::from_millis(100));
    let (code, log) = server.stop();
    let response = login.join().unwrap();
    assert_eq!(response.status, 200, "{log}");
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(code, 0);
    assert!(log.contains("signal 15 received"), "{log}");
}
