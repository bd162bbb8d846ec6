//! Users at the command line: adding, listing, activating and deactivating,
//! passwords (refused when they could never log in, or weak by Django's
//! validators), deleting.

use crate::support::*;

#[test]
fn user_lifecycle() {
    let dir = TempDir::new();
    add_user(
        &dir,
        "alice",
        &["--superuser", "--email", "alice@example.com"],
    );
    add_user(&dir, "bob", &["--staff", "--inactive"]);

    let list = run(&dir, &["user", "list"], "");
    assert_eq!(list.code, 0);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID  USERNAME  EMAIL              ACTIVE  STAFF  SUPERUSER"),
        "{}",
        list.stdout
    );
    let cells = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cells(lines[1])[..6],
        ["1", "alice", "alice@example.com", "yes", "yes", "yes"]
    );
    assert_eq!(cells(lines[2])[..6], ["2", "bob", "-", "no", "yes", "no"]);
    assert_eq!(cells(lines[1])[7], "never");

    let dup = run(&dir, &["user", "add", "alice", "--password-stdin"], "x\n");
    assert_eq!(dup.code, 1);
    assert!(dup.stderr.contains("already exists"), "{}", dup.stderr);

    assert_eq!(run(&dir, &["user", "activate", "bob"], "").code, 0);
    // alice is the only superuser: kept, unless forced.
    let kept = run(&dir, &["user", "deactivate", "alice"], "");
    assert_eq!(kept.code, 1);
    assert!(
        kept.stderr.contains("is the last active superuser") && kept.stderr.contains("--force"),
        "{}",
        kept.stderr
    );
    let forced = run(&dir, &["user", "deactivate", "alice", "--force"], "");
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let list = run(&dir, &["user", "list"], "").stdout;
    assert!(
        list.lines()
            .any(|l| l.starts_with("1   alice     alice@example.com  no")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("2   bob       -                  yes")),
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
fn djangos_password_validators_refuse_weak_passwords() {
    let dir = TempDir::new();
    let add = |name: &str, password: &str| {
        run(
            &dir,
            &["user", "add", name, "--password-stdin"],
            &format!("{password}\n"),
        )
    };
    let out = add("alice", "short");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "jwtd: the password is refused:\n  \
         This password is too short. It must contain at least 8 characters.\n"
    );
    let out = add("alice", "password123");
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "jwtd: the password is refused:\n  This password is too common.\n"
    );
    let out = add("alice", "alice1234");
    assert_eq!(
        out.stderr,
        "jwtd: the password is refused:\n  The password is too similar to the username.\n"
    );
    assert!(run(&dir, &["user", "list"], "")
        .stdout
        .contains("no users yet"));
    let out = add("alice", "velvet-thunder-1897");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(
        &dir,
        &["user", "passwd", "alice", "--password-stdin"],
        "12345678\n",
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "jwtd: the password is refused:\n  This password is too common.\n  \
         This password is entirely numeric.\n"
    );
    // Turned off, as Django's `AUTH_PASSWORD_VALIDATORS = []`.
    for off in ["none", "[]"] {
        let out = run_with(
            &dir,
            &["user", "passwd", "alice", "--password-stdin"],
            "short\n",
            &[("JWTD_AUTH_PASSWORD_VALIDATORS", off)],
        );
        assert_eq!(out.code, 0, "{off}: {}", out.stderr);
    }
    // Django's shape, with options; an unknown NAME is an error naming it.
    let longer = r#"[{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                      "OPTIONS": {"min_length": 20}}]"#;
    let out = run_with(
        &dir,
        &["user", "passwd", "alice", "--password-stdin"],
        "velvet-thunder-1897\n",
        &[("JWTD_AUTH_PASSWORD_VALIDATORS", longer)],
    );
    assert!(
        out.stderr.contains("at least 20 characters."),
        "{}",
        out.stderr
    );
    let out = run_with(
        &dir,
        &["user", "list"],
        "",
        &[(
            "JWTD_AUTH_PASSWORD_VALIDATORS",
            r#"[{"NAME": "myapp.Strength"}]"#,
        )],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("invalid AUTH_PASSWORD_VALIDATORS")
            && out.stderr.contains("myapp.Strength"),
        "{}",
        out.stderr
    );
}
