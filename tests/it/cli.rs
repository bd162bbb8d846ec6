//! The command line, as operators and scripts use it.

use std::os::unix::fs::PermissionsExt;

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

/// Every command on the database works while a server holds it: it goes
/// through the control socket, takes effect in the running server at once,
/// and prints what it prints on a stopped server.
#[test]
fn every_command_works_against_a_running_server_and_says_the_same() {
    let dir = TempDir::new();
    add_user(&dir, "root", &["--superuser"]);
    // Keys in the database, so that both ends read the same ones.
    let server = Server::start(&dir, &[("JWTD_SIGNING_KEY", "<none>")]);
    let ok = |args: &[&str], stdin: &str| {
        let out = run(&dir, args, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.contains("in use"), "{args:?}: {}", out.stderr);
        out.stdout
    };

    // Added while the server runs, and able to log in at once.
    let added = ok(
        &["user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(added, "Created user \"alice\" with id 2.\n");
    let (_, access) = server.login("alice");
    // A name taken is refused before any password is read.
    let taken = run(&dir, &["user", "add", "alice"], "");
    assert_eq!(taken.code, 1);
    assert!(taken.stderr.contains("already exists"), "{}", taken.stderr);

    // A new password, and the old tokens revoked, at once.
    let changed = ok(
        &["user", "passwd", "alice", "--password-stdin"],
        "another fine passphrase\n",
    );
    assert!(changed.contains("Password changed"), "{changed}");
    assert!(changed.contains("Revoked every token"), "{changed}");
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 401);
    let login = |password: &str| {
        server
            .post_json(
                "/api/token/",
                &format!(r#"{{"username":"alice","password":"{password}"}}"#),
            )
            .status
    };
    assert_eq!(login("another fine passphrase"), 200);

    ok(&["user", "deactivate", "alice"], "");
    assert_eq!(login("another fine passphrase"), 401);
    ok(&["user", "activate", "alice"], "");
    assert_eq!(login("another fine passphrase"), 200);
    let revoked = ok(&["user", "revoke", "alice"], "");
    assert!(
        revoked.starts_with("Revoked every token of \"alice\""),
        "{revoked}"
    );

    // The last superuser is kept, through the socket too.
    let kept = run(&dir, &["user", "delete", "root"], "");
    assert_eq!(kept.code, 1);
    assert!(
        kept.stderr.contains("last active superuser"),
        "{}",
        kept.stderr
    );

    let dump = dir.path().join("users.json");
    std::fs::write(&dump, django_dump()).unwrap();
    let imported = run(&dir, &["user", "import-django", dump.to_str().unwrap()], "");
    // Ids 1 and 2 are taken here: the whole dump is refused, by the server.
    assert_eq!(imported.code, 1);
    assert!(
        imported.stderr.contains("nothing was imported"),
        "{}",
        imported.stderr
    );
    ok(&["user", "delete", "alice"], "");
    assert_eq!(login("another fine passphrase"), 401);

    let flushed = ok(&["flushexpiredtokens"], "");
    assert!(flushed.starts_with("Deleted "), "{flushed}");
    let (_, access) = server.login("root");
    let explained = ok(&["token", "explain", &access], "");
    assert!(explained.contains("  11  pass "), "{explained}");

    let copy = dir.path().join("copy.redb");
    let backed_up = ok(&["backup", copy.to_str().unwrap()], "");
    assert!(
        backed_up.starts_with("Backed up 1 user(s), "),
        "{backed_up}"
    );
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = run(&dir, &["backup", copy.to_str().unwrap()], "");
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // What the server printed for the reads, a stopped server's database
    // prints too; and the backup holds the same.
    let reads: [&[&str]; 3] = [
        &["user", "list"],
        &["user", "export-django"],
        &["key", "list"],
    ];
    let live: Vec<String> = reads.iter().map(|args| ok(args, "")).collect();
    assert!(server.log_eventually_contains("control socket: user \"alice\" (id 2) deleted"));
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let stopped: Vec<String> = reads.iter().map(|args| ok(args, "")).collect();
    assert_eq!(live, stopped);
    let mut from_backup: Vec<&str> = vec!["user", "list", "--db"];
    from_backup.push(copy.to_str().unwrap());
    assert_eq!(ok(&from_backup, ""), live[0]);
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

/// "correct horse battery staple" under Django's `Argon2PasswordHasher`.
const ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$and0ZGFyZ29uMnNhbHQhIQ$jdKSRck/gePq3bPKYPMGAn7/w0I1UowKKfqmARZQFhU";

/// A whole project's `manage.py dumpdata --indent 2`: one user of each
/// kind among a group, a permission, content types and SimpleJWT's
/// outstanding tokens.
fn django_dump() -> String {
    let user = |pk: u64, name: &str, password: &str, active: bool| {
        format!(
            r#"{{"model": "auth.user", "pk": {pk}, "fields": {{"password": "{password}", "last_login": "2025-03-04T05:06:07.891Z", "is_superuser": {su}, "username": "{name}", "first_name": "", "last_name": "", "email": "{name}@example.com", "is_staff": false, "is_active": {active}, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}}}"#,
            su = pk == 1
        )
    };
    let entries = [
        r#"{"model": "auth.permission", "pk": 1, "fields": {"name": "Can add permission", "content_type": 1, "codename": "add_permission"}}"#.to_owned(),
        r#"{"model": "auth.group", "pk": 1, "fields": {"name": "editors", "permissions": [1]}}"#.to_owned(),
        // Reference P1: "correct horse battery staple" at 1000 iterations.
        user(1, "alice", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=", true),
        // Reference P7: a UTF-8 password and another salt.
        user(42, "bob", "pbkdf2_sha256$1000$NaCl0123456789abcdefgh$vHx5RkptI4PgcgnvsAlXMrvCvnNl9qBczjMUGo7xPmA=", true),
        user(43, "carol", ARGON2, true),
        user(44, "dave", "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H", true),
        user(45, "erin", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=", false),
        // Only what Django requires: the rest takes its defaults.
        r#"{"model": "auth.user", "pk": 46, "fields": {"username": "gina", "password": "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}}"#.to_owned(),
        r#"{"model": "contenttypes.contenttype", "pk": 1, "fields": {"app_label": "auth", "model": "permission"}}"#.to_owned(),
        r#"{"model": "contenttypes.contenttype", "pk": 2, "fields": {"app_label": "auth", "model": "group"}}"#.to_owned(),
        r#"{"model": "token_blacklist.outstandingtoken", "pk": 1, "fields": {"user": 1, "jti": "2c3bbd4f5d2a4e36a1bb4e0f6a4c5b7e", "token": "x.y.z", "created_at": "2025-03-04T05:06:07.891Z", "expires_at": "2025-03-05T05:06:07Z"}}"#.to_owned(),
    ];
    let value: serde_json::Value =
        serde_json::from_str(&format!("[{}]", entries.join(", "))).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn import_django_users_keep_ids_and_hashes_and_log_in() {
    let dir = TempDir::new();
    let dump = dir.path().join("users.json");
    std::fs::write(&dump, django_dump()).unwrap();
    let path = dump.to_str().unwrap();
    let out = run(&dir, &["user", "import-django", path], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    // carol's argon2 and gina's bcrypt_sha256 hash verify with the feature
    // `django-hashers` (tests/it/hashers.rs).
    let unverifiable = if cfg!(feature = "django-hashers") {
        ""
    } else {
        "2 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
         `jwtd user passwd NAME`: carol (argon2), gina (bcrypt_sha256)\n"
    };
    assert_eq!(
        out.stdout,
        format!(
            "Imported 6 user(s); 0 already present and left unchanged.\n\
             Skipped 5 record(s) of other models: auth.group (1), auth.permission (1), \
             contenttypes.contenttype (2), token_blacklist.outstandingtoken (1).\n\
             {unverifiable}\
             1 user(s) have an unusable password, as in Django, and cannot log in until \
             `jwtd user passwd NAME`: dave\n"
        )
    );

    // Twice: nothing duplicated.
    let again = run(&dir, &["user", "import-django", path], "");
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .starts_with("Imported 0 user(s); 6 already present"),
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains("carol"), "{}", again.stdout);
    // The user list shows every user, those with hashes jwtd cannot verify too.
    let list = run(&dir, &["user", "list"], "");
    assert_eq!(list.code, 0, "{}", list.stderr);
    let list = list.stdout;
    assert_eq!(list.lines().count(), 7, "{list}");
    assert!(list.lines().any(|l| l.starts_with("42  bob")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("43  carol")), "{list}");
    assert!(
        list.contains("2025-03-04T05:06:07Z"),
        "last_login kept: {list}"
    );

    let server = Server::start(&dir, &[]);
    let login = |user: &str, password: &str| {
        server.post_json(
            "/api/token/",
            &serde_json::json!({"username": user, "password": password}).to_string(),
        )
    };
    let r = login("alice", PASSWORD);
    assert_eq!(r.status, 200, "{}", r.body);
    let admin = r.json()["access"].as_str().unwrap().to_owned();
    let bob = login("bob", "pässwörd-✓");
    assert_eq!(bob.status, 200, "{}", bob.body);
    // Tokens name the Django id.
    let access = bob.json()["access"].as_str().unwrap().to_owned();
    let payload = access.split('.').nth(1).unwrap();
    let claims = String::from_utf8(jwtd_base64url(payload)).unwrap();
    assert!(claims.contains(r#""user_id":"42""#), "{claims}");
    // Users jwtd cannot verify fail as a wrong password does, even with
    // the right one (carol's argon2 hash: without `django-hashers`).
    let wrong = login("alice", "wrong");
    assert_eq!(wrong.status, 401);
    if !cfg!(feature = "django-hashers") {
        let r = login("carol", PASSWORD);
        assert_eq!((r.status, &r.body), (401, &wrong.body));
    }
    for (user, password) in [
        ("carol", "anything"),
        ("dave", "anything"),
        ("erin", PASSWORD),
        ("gina", "anything"),
    ] {
        let r = login(user, password);
        assert_eq!((r.status, &r.body), (401, &wrong.body), "{user}");
    }
    // The admin API shows them as any other user.
    let r = server.get("/api/admin/users/43/", Some(&admin));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["username"], "carol");
    let r = server.get("/api/admin/users/46/", Some(&admin));
    assert_eq!(
        (
            r.json()["is_active"].as_bool(),
            r.json()["is_staff"].as_bool()
        ),
        (Some(true), Some(false)),
        "{}",
        r.body
    );
    drop(server);

    // Export gives back what was imported: the argon2 hash byte for byte.
    let export = run(&dir, &["user", "export-django"], "");
    assert_eq!(export.code, 0);
    assert!(
        export.stdout.contains(&format!(
            r#""pk": 43, "fields": {{"password": "{ARGON2}", "#
        )),
        "{}",
        export.stdout
    );
    let exported: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
    assert_eq!(exported[1]["pk"], 42);
    assert_eq!(
        exported[1]["fields"]["password"],
        "pbkdf2_sha256$1000$NaCl0123456789abcdefgh$vHx5RkptI4PgcgnvsAlXMrvCvnNl9qBczjMUGo7xPmA="
    );
    assert_eq!(
        exported[3]["fields"]["password"],
        "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H"
    );
    assert_eq!(
        exported[0]["fields"]["date_joined"],
        "2025-01-02T03:04:05.678Z"
    );

    // `user passwd` replaces a hash jwtd cannot verify, and the user logs in.
    let out = run(
        &dir,
        &["user", "passwd", "carol", "--password-stdin"],
        "a new password\n",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // New users continue after the highest imported id.
    add_user(&dir, "frank", &[]);
    assert!(run(&dir, &["user", "list"], "")
        .stdout
        .lines()
        .any(|l| l.starts_with("47  frank")));
    let server = Server::start(&dir, &[]);
    let r = server.post_json(
        "/api/token/",
        r#"{"username":"carol","password":"a new password"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

fn jwtd_base64url(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}

#[test]
fn import_django_is_all_or_nothing() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let dump = dir.path().join("users.json");
    // alice exists with id 1 here; the dump's alice comes with id 2.
    let mut conflicting: serde_json::Value = serde_json::from_str(&django_dump()).unwrap();
    conflicting[2]["pk"] = 2.into();
    std::fs::write(&dump, conflicting.to_string()).unwrap();
    let out = run(&dir, &["user", "import-django", dump.to_str().unwrap()], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("entry 3: user \"alice\" already exists with id 1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was imported"),
        "{}",
        out.stderr
    );
    let malformed = django_dump().replace("\"is_active\": false", "\"is_active\": \"no\"");
    std::fs::write(&dump, malformed).unwrap();
    let out = run(&dir, &["user", "import-django", dump.to_str().unwrap()], "");
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("entry 7 (counting from 1): \"is_active\" must be true or false"),
        "{}",
        out.stderr
    );
    assert_eq!(
        run(&dir, &["user", "list"], "").stdout.lines().count(),
        2,
        "only alice"
    );
    // From stdin.
    let out = run(&dir, &["user", "import-django", "-"], "[]");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn token_explain_agrees_with_the_server() {
    let (dir, server) = server_with_alice(&[]);
    let (refresh, access) = server.login("alice");
    let key = [("JWTD_SIGNING_KEY", KEY)];

    // The server holds the database: explain asks it, so the key is the
    // server's and the blacklist and revocations (check 11) are read.
    let out = run(&dir, &["token", "explain", &access], "");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for expected in [
        "Token: ",
        "\"token_type\": \"access\",",
        "\"user_id\": \"1\"",
        "expires in ",
        "  key        from the running server's key (JWTD_SIGNING_KEY)",
        "  the two are identical",
        "   4  pass     signature",
        "  11  pass ",
        "Verdict: VALID access token.",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} not in\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("not run"), "{}", out.stdout);

    // From standard input, as copied from an Authorization header, as JSON.
    let out = run_with(
        &dir,
        &["token", "explain", "--json"],
        &format!("Bearer {refresh}\n"),
        &key,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "valid");
    assert_eq!(json["token_type"], "refresh");
    assert_eq!(json["payload"]["user_id"], "1");
    assert_eq!(json["signature"]["match"], true);
    assert_eq!(
        json["signature"]["in_token"]["base64url"],
        refresh.rsplit('.').next().unwrap()
    );

    // With the server stopped, explain opens the database itself, and a
    // key given in the environment is the one it checks with. A wrong key:
    // the server said valid, explain says invalid, at check 4.
    server.stop();
    let out = run_with(
        &dir,
        &["token", "explain", &access],
        "",
        &[("JWTD_SIGNING_KEY", "another key of a decent length, 32+")],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("   4  FAIL     signature"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(": signature mismatch"));
    assert!(out.stdout.contains("  the two differ"));
    assert!(out.stdout.contains(r#""detail": "Token is invalid""#));

    // Tampered payload: refused by both.
    let mut parts: Vec<String> = access.split('.').map(String::from).collect();
    let payload = jwtd_base64url(&parts[1]);
    let forged = String::from_utf8(payload)
        .unwrap()
        .replace("\"1\"", "\"2\"");
    parts[1] = jwtd::jwt::base64url_encode(forged.as_bytes());
    let tampered = parts.join(".");
    let out = run_with(&dir, &["token", "explain", &tampered], "", &key);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("\"user_id\": \"2\""), "{}", out.stdout);
    assert!(
        out.stdout.contains("   4  FAIL     signature"),
        "{}",
        out.stdout
    );

    // No key anywhere and no database: the token is still decoded, and
    // the status says the signature was not checked.
    let out = run_with(
        &dir,
        &["token", "explain", &access, "--db", "nowhere.redb"],
        "",
        &[],
    );
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("no database nowhere.redb"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("THE SIGNATURE WAS NOT CHECKED"));
    assert!(out.stdout.contains("\"user_id\": \"1\""));

    // With a key the server generated and kept in the database.
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let no_key = run(&dir, &["token", "explain", &access], "");
    assert_eq!(no_key.code, 3);
    assert!(
        no_key.stdout.contains("holds no key yet"),
        "{}",
        no_key.stdout
    );
    let server = Server::start(&dir, &[("JWTD_SIGNING_KEY", "<none>")]);
    let (_, own_access) = server.login("alice");
    drop(server);
    let out = run(&dir, &["token", "explain", &own_access], "");
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("  key        from the database's keys ("),
        "{}",
        out.stdout
    );

    let usage = run(&dir, &["token", "explain", "a", "b"], "");
    assert_eq!(usage.code, 2);
    let help = run(&dir, &["token", "--help"], "");
    assert!(
        help.stdout.contains("Exit status: 0 valid, 1 refused"),
        "{}",
        help.stdout
    );
}

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

/// The `kid` of a token's header, if any.
fn kid_of(token: &str) -> Option<String> {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&json).unwrap();
    header["kid"].as_str().map(str::to_owned)
}

/// Key rotation on a running server, through its control socket: nobody is
/// logged out until the old key is retired.
#[test]
fn keys_rotate_on_a_running_server_without_logging_anybody_out() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let no_key = [("JWTD_SIGNING_KEY", "<none>")];
    let server = Server::start(&dir, &no_key);
    let (old_refresh, old_access) = server.login("alice");
    let first = kid_of(&old_access).expect("database keys have ids");

    let rotated = run(&dir, &["key", "rotate"], "");
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let (_, new_access) = server.login("alice");
    let second = kid_of(&new_access).unwrap();
    assert_ne!(first, second);
    assert!(rotated.stdout.contains(&second), "{}", rotated.stdout);
    // Both keys verify.
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 200);
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    let list = run(&dir, &["key", "list"], "");
    assert!(
        list.stdout.starts_with(&format!(
            "Signing with the database's current key {second}.\n"
        )),
        "{}",
        list.stdout
    );
    let states: Vec<(String, String)> = list
        .stdout
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_owned(), cells[3].to_owned())
        })
        .collect();
    assert_eq!(
        states,
        [
            (first.clone(), "active".into()),
            (second.clone(), "current".into())
        ],
        "{}",
        list.stdout
    );
    // A refresh with the old token is signed with the new key.
    let refreshed = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{old_refresh}"}}"#),
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let access = refreshed.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&access), Some(second.clone()));

    let current = run(&dir, &["key", "retire", &second], "");
    assert_eq!(current.code, 1);
    assert!(
        current.stderr.contains("is the current key"),
        "{}",
        current.stderr
    );
    // Tokens the first key signed can still be live: refused, unless forced.
    let live = run(&dir, &["key", "retire", &first], "");
    assert_eq!(live.code, 1);
    assert!(
        live.stderr
            .contains(&format!("tokens signed with key {first} can be live until"))
            && live.stderr.contains("--force"),
        "{}",
        live.stderr
    );
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 200);
    let retired = run(&dir, &["key", "retire", &first, "--force"], "");
    assert_eq!(retired.code, 0, "{}", retired.stderr);
    let refused = server.get("/api/protected/", Some(&old_access));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["messages"][0]["message"], "Token is invalid");
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    assert!(server.log_eventually_contains(&format!("key {first} retired")));

    // The keys outlive a restart, and a stopped server's keys are managed
    // on the database directly.
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    assert_eq!(run(&dir, &["key", "rotate"], "").code, 0);
    let server = Server::start(&dir, &no_key);
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 401);
    let (_, third) = server.login("alice");
    assert_ne!(kid_of(&third), Some(second));

    // With a configured key, tokens keep SimpleJWT's header and the
    // database's keys are not used.
    drop(server);
    let server = Server::start(&dir, &[]);
    let (_, plain) = server.login("alice");
    assert_eq!(kid_of(&plain), None);
    let list = run_with(&dir, &["key", "list"], "", &[("JWTD_SIGNING_KEY", KEY)]);
    assert!(
        list.stdout.starts_with(
            "Signing with the key from JWTD_SIGNING_KEY (no id); the keys below are not used.\n"
        ),
        "{}",
        list.stdout
    );
    let refused = run_with(&dir, &["key", "rotate"], "", &[("JWTD_SIGNING_KEY", KEY)]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("comes from JWTD_SIGNING_KEY"),
        "{}",
        refused.stderr
    );
}

#[test]
fn commands_that_only_read_or_change_refuse_a_database_that_is_not_there() {
    let dir = TempDir::new();
    let typo = dir.path().join("typo.redb");
    let db = typo.to_str().unwrap();
    for args in [
        &["user", "list"][..],
        &["user", "passwd", "alice", "--password-stdin"],
        &["user", "activate", "alice"],
        &["user", "deactivate", "alice"],
        &["user", "delete", "alice"],
        &["user", "revoke", "alice"],
        &["user", "export-django"],
        &["key", "list"],
        &["key", "rotate"],
        &["key", "retire", "0123456789abcdef"],
        &["flushexpiredtokens"],
    ] {
        let mut with_db = args.to_vec();
        with_db.extend(["--db", db]);
        let out = run(&dir, &with_db, "a good long password\n");
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("no database at {db}")),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!typo.exists(), "{args:?} created {db}");
    }
    // The commands that add users create it, as `serve` does.
    add_user(&dir, "alice", &["--db", db]);
    assert!(typo.exists());
    assert_eq!(run(&dir, &["user", "list", "--db", db], "").code, 0);
}

#[test]
fn usage_errors_name_the_missing_or_extra_argument_and_the_help_to_read() {
    let dir = TempDir::new();
    for (args, says) in [
        (&["user", "add"][..], "jwtd: `jwtd user add` needs NAME\nRun `jwtd user --help` for usage.\n"),
        (&["user", "list", "x"], "jwtd: `jwtd user list` takes no argument; extra: x\nRun `jwtd user --help` for usage.\n"),
        (&["user", "import-django"], "jwtd: `jwtd user import-django` needs FILE\nRun `jwtd user --help` for usage.\n"),
        (&["key", "retire"], "jwtd: `jwtd key retire` needs ID\nRun `jwtd key --help` for usage.\n"),
        (&["key", "rotate", "now"], "jwtd: `jwtd key rotate` takes no argument; extra: now\nRun `jwtd key --help` for usage.\n"),
        (&["serve", "--bogus"], "jwtd: unknown option --bogus\nRun `jwtd serve --help` for usage.\n"),
        (&["frob"], "jwtd: unknown command: frob\nRun `jwtd --help` for usage.\n"),
    ] {
        let out = run(&dir, args, "");
        assert_eq!((out.code, out.stderr.as_str()), (2, says), "{args:?}");
    }
}

/// `jwtd FAMILY COMMAND --help` is that command's help, and `serve --help`
/// lists every endpoint.
#[test]
fn each_command_has_its_own_help() {
    let dir = TempDir::new();
    for (args, first_line) in [
        (&["user", "add", "--help"][..], "Create a user."),
        (&["user", "delete", "x", "--help"], "Delete a user."),
        (
            &["key", "retire", "-h"],
            "Refuse tokens signed with key ID from now on.",
        ),
        (
            &["backup", "--help"],
            "Copy the database (users, tokens, signing keys) to a new file, consistent",
        ),
        (
            &["user", "--help"],
            "Manage users. Every command works while a server runs (through its",
        ),
    ] {
        let out = run(&dir, args, "");
        assert_eq!(out.code, 0, "{args:?}");
        assert_eq!(out.stdout.lines().next(), Some(first_line), "{args:?}");
    }
    let serve = run(&dir, &["serve", "--help"], "").stdout;
    for path in [
        "/api/token/blacklist/",
        "/api/admin/users/<int:pk>/revoke/",
        "/metrics",
        "/healthz",
    ] {
        assert!(serve.contains(path), "{path} not in\n{serve}");
    }
}

/// At a terminal, `token explain` without a token says what it wants
/// instead of waiting silently (`script` gives it a terminal).
#[test]
fn token_explain_at_a_terminal_asks_for_the_token() {
    let dir = TempDir::new();
    let program = env!("CARGO_BIN_EXE_jwtd");
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{program} token explain --db none.redb"),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs a command at a terminal");
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(b"not.a.token\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Paste the token"), "{text}");
    assert!(text.contains("Verdict:"), "{text}");
}
