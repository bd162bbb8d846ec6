//! The command line, as operators and scripts use it.

use crate::support::*;

#[test]
fn user_lifecycle() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &["--superuser"]);
    add_user(&dir, "bob", &["--staff", "--inactive"]);

    let list = run(&dir, &["user", "list"], "");
    assert_eq!(list.code, 0);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID  USERNAME  ACTIVE  STAFF  SUPERUSER"),
        "{}",
        list.stdout
    );
    let cells = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(lines[1])[..5], ["1", "alice", "yes", "yes", "yes"]);
    assert_eq!(cells(lines[2])[..5], ["2", "bob", "no", "yes", "no"]);
    assert_eq!(cells(lines[1])[6], "never");

    let dup = run(&dir, &["user", "add", "alice", "--password-stdin"], "x\n");
    assert_eq!(dup.code, 1);
    assert!(dup.stderr.contains("already exists"), "{}", dup.stderr);

    assert_eq!(run(&dir, &["user", "activate", "bob"], "").code, 0);
    assert_eq!(run(&dir, &["user", "deactivate", "alice"], "").code, 0);
    let list = run(&dir, &["user", "list"], "").stdout;
    assert!(
        list.lines().any(|l| l.starts_with("1   alice     no")),
        "{list}"
    );
    assert!(
        list.lines().any(|l| l.starts_with("2   bob       yes")),
        "{list}"
    );

    // Deactivated users cannot log in; activated ones can.
    let server = Server::start(&dir, &[]);
    let refused = server.post_json(
        "/api/token/",
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(refused.status, 401);
    server.login("bob");
    drop(server);

    let passwd = run(
        &dir,
        &["user", "passwd", "bob", "--password-stdin"],
        "a new password\n",
    );
    assert_eq!(passwd.code, 0, "{}", passwd.stderr);
    let server = Server::start(&dir, &[]);
    let old = server.post_json(
        "/api/token/",
        &format!(r#"{{"username":"bob","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(old.status, 401);
    let new = server.post_json(
        "/api/token/",
        r#"{"username":"bob","password":"a new password"}"#,
    );
    assert_eq!(new.status, 200);
    drop(server);

    assert_eq!(run(&dir, &["user", "delete", "bob"], "").code, 0);
    let gone = run(&dir, &["user", "delete", "bob"], "");
    assert_eq!(gone.code, 1);
    assert!(
        gone.stderr.contains("no user named \"bob\""),
        "{}",
        gone.stderr
    );
    add_user(&dir, "carol", &[]);
    let list = run(&dir, &["user", "list"], "").stdout;
    assert!(
        list.lines().any(|l| l.starts_with("3   carol")),
        "ids are never reused: {list}"
    );
}

#[test]
fn passwords_that_could_never_log_in_are_refused() {
    let dir = TempDir::new();
    for (input, why) in [("\n", "empty"), (" padded \n", "whitespace")] {
        let out = run(&dir, &["user", "add", "x", "--password-stdin"], input);
        assert_eq!(out.code, 1, "{input:?}");
        assert!(out.stderr.contains(why), "{}", out.stderr);
    }
    let out = run(
        &dir,
        &["user", "add", "bad name", "--password-stdin"],
        "pw\n",
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("invalid username"), "{}", out.stderr);
    // Without --password-stdin and without a terminal: a clear error, no hang.
    let out = run(&dir, &["user", "add", "x"], "");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--password-stdin"), "{}", out.stderr);
}

#[test]
fn a_database_held_by_the_server_gives_a_clear_message() {
    let (dir, server) = server_with_alice(&[]);
    for args in [
        &["user", "list"][..],
        &["flushexpiredtokens"],
        &["user", "add", "z", "--password-stdin"],
    ] {
        let out = run(&dir, args, "pw\n");
        assert_eq!(out.code, 1, "{args:?}");
        assert!(
            out.stderr.contains("is in use by another process"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    drop(server);
}

#[test]
fn flushexpiredtokens_deletes_only_expired_rows() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    // Refresh tokens that live two seconds.
    let server = Server::start(&dir, &[("JWTD_REFRESH_TOKEN_LIFETIME", "2")]);
    let (refresh, _) = server.login("alice");
    let out = server.post_json(
        "/api/token/blacklist/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    drop(server);
    let server = Server::start(&dir, &[]);
    server.login("alice");
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let out = run(&dir, &["flushexpiredtokens"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        "Deleted 1 expired refresh token(s) and 1 blacklist entr(ies)."
    );
    let again = run(&dir, &["flushexpiredtokens"], "");
    assert_eq!(
        again.stdout.trim(),
        "Deleted 0 expired refresh token(s) and 0 blacklist entr(ies)."
    );
}

#[test]
fn help_version_and_usage_errors() {
    let dir = TempDir::new();
    let help = run(&dir, &["--help"], "");
    assert_eq!(help.code, 0);
    for word in [
        "serve",
        "user add",
        "user passwd",
        "flushexpiredtokens",
        "--db",
        "JWTD_SIGNING_KEY",
    ] {
        assert!(help.stdout.contains(word), "{word} missing from help");
    }
    let serve_help = run(&dir, &["serve", "--help"], "");
    assert!(serve_help.stdout.contains("--addr") && serve_help.stdout.contains("--workers"));
    let user_help = run(&dir, &["user", "--help"], "");
    assert!(user_help.stdout.contains("--password-stdin"));
    let version = run(&dir, &["--version"], "");
    assert!(version.stdout.starts_with("jwtd "));
    let bad = run(&dir, &["serve", "--nope"], "");
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown option --nope"),
        "{}",
        bad.stderr
    );
    let bad_setting = run_with(
        &dir,
        &["user", "list"],
        "",
        &[("JWTD_ACCESS_TOKEN_LIFETIME", "soon")],
    );
    assert_eq!(bad_setting.code, 1);
    assert!(
        bad_setting.stderr.contains("invalid ACCESS_TOKEN_LIFETIME"),
        "{}",
        bad_setting.stderr
    );
}
