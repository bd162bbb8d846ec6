//! `user import-django`: Django's users keep their ids and hashes and log
//! in, and a dump is imported all or nothing.

use super::{django_dump, jwtd_base64url, ARGON2};
use crate::support::*;

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
