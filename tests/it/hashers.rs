//! Django's other password hashers (feature `django-hashers`) end to end:
//! Django-made argon2, bcrypt_sha256, bcrypt, scrypt and pbkdf2_sha1 users
//! imported with `jwtd user import-django` log in, are re-hashed with the
//! first of `PASSWORD_HASHERS`, and export gives the new hash back; hashes
//! above the cost bounds are refused with the reason logged; the HMAC-only
//! build refuses `PASSWORD_HASHERS` naming a hasher it lacks.

use crate::support::*;

/// Django 5.2.19's hashes of [`PASSWORD`] (argon2-cffi 25.1.0, pyca/bcrypt
/// 5.0.0), at small costs so the test is quick.
#[cfg(feature = "django-hashers")]
const DJANGO_HASHES: [(&str, &str); 5] = [
    ("argon", "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$1Coflzpap86bHzibILbMW+d/2LAgQJY48R5D3nm6PBE"),
    ("bcsha", "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuuaBT8mpw5tGdD3eO40znWcQP/dT9hEVK"),
    ("bc", "bcrypt$$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG"),
    ("scr", "scrypt$16$abcdefghijklmnopqrstuv$2$3$l0is9VFzXkYmhK/2LGc9xTmgj7e/+ncqNvRKtKY2wf44ObzlpSfGfsAsBgMqrt9nAfK7c4J05wSyDtxnrI2T+w=="),
    ("sha1", "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$pPaxJdc/I8uPjvkfuFn3JbjEDOw="),
];

/// An argon2 value asking for 1 GiB: above the bound, refused unhashed.
#[cfg(feature = "django-hashers")]
const COSTLY: &str = "argon2$argon2id$v=19$m=1048576,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$1Coflzpap86bHzibILbMW+d/2LAgQJY48R5D3nm6PBE";

#[cfg(feature = "django-hashers")]
fn import(dir: &TempDir, users: &[(&str, &str)]) {
    let entries: Vec<String> = users
        .iter()
        .zip(10..)
        .map(|((name, hash), pk)| {
            format!(
                r#"{{"model": "auth.user", "pk": {pk}, "fields": {{"username": "{name}", "password": "{hash}"}}}}"#
            )
        })
        .collect();
    let dump = dir.path().join("users.json");
    std::fs::write(&dump, format!("[{}]", entries.join(", "))).unwrap();
    let out = run(dir, &["user", "import-django", dump.to_str().unwrap()], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[cfg(feature = "django-hashers")]
fn exported(dir: &TempDir) -> serde_json::Value {
    let export = run(dir, &["user", "export-django"], "");
    assert_eq!(export.code, 0, "{}", export.stderr);
    serde_json::from_str(&export.stdout).unwrap()
}

#[cfg(feature = "django-hashers")]
fn password_of<'a>(users: &'a serde_json::Value, name: &str) -> &'a str {
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["fields"]["username"] == name)
        .and_then(|u| u["fields"]["password"].as_str())
        .unwrap()
}

#[cfg(feature = "django-hashers")]
#[test]
fn django_hashes_log_in_and_are_upgraded_to_the_first_hasher() {
    let dir = TempDir::new();
    let mut users = DJANGO_HASHES.to_vec();
    users.push(("costly", COSTLY));
    import(&dir, &users);
    // Export before any login: every hash as imported.
    let before = exported(&dir);
    for (name, hash) in &users {
        assert_eq!(password_of(&before, name), *hash, "{name}");
    }
    let server = Server::start(&dir, &[]);
    let login = |user: &str, password: &str| {
        server.post_json(
            "/api/token/",
            &serde_json::json!({"username": user, "password": password}).to_string(),
        )
    };
    let wrong = login("argon", "wrong");
    assert_eq!(wrong.status, 401);
    for (name, _) in DJANGO_HASHES {
        let r = login(name, PASSWORD);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        assert_eq!(login(name, "wrong").body, wrong.body, "{name}");
    }
    // Above the bounds: the same failure as a wrong password, the reason
    // in the log.
    let r = login("costly", PASSWORD);
    assert_eq!((r.status, &r.body), (401, &wrong.body));
    assert!(
        server.log_eventually_contains("argon2 memory_cost above 102400 KiB"),
        "{}",
        server.log()
    );
    drop(server);
    // Re-hashed with pbkdf2_sha256 (the default list's first) at
    // PASSWORD_ITERATIONS; the refused one unchanged.
    let after = exported(&dir);
    for (name, _) in DJANGO_HASHES {
        let hash = password_of(&after, name);
        assert!(hash.starts_with("pbkdf2_sha256$1000$"), "{name}: {hash}");
    }
    assert_eq!(password_of(&after, "costly"), COSTLY);
    // The new hashes log in, and are not re-hashed again.
    let server = Server::start(&dir, &[]);
    for (name, _) in DJANGO_HASHES {
        let r = login_on(&server, name);
        assert_eq!(r, 200, "{name}");
    }
    drop(server);
    let again = exported(&dir);
    for (name, _) in DJANGO_HASHES {
        assert_eq!(
            password_of(&again, name),
            password_of(&after, name),
            "{name}"
        );
    }
}

#[cfg(feature = "django-hashers")]
fn login_on(server: &Server, user: &str) -> u16 {
    server
        .post_json(
            "/api/token/",
            &serde_json::json!({"username": user, "password": PASSWORD}).to_string(),
        )
        .status
}

#[cfg(feature = "django-hashers")]
#[test]
fn password_hashers_names_what_verifies_and_what_new_hashes_are() {
    let dir = TempDir::new();
    import(&dir, &DJANGO_HASHES);
    // Only listed algorithms verify; the first re-hashes the others.
    let server = Server::start(
        &dir,
        &[(
            "JWTD_PASSWORD_HASHERS",
            "scrypt,django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        )],
    );
    assert_eq!(login_on(&server, "argon"), 401);
    assert_eq!(login_on(&server, "sha1"), 401);
    assert_eq!(login_on(&server, "bcsha"), 200);
    assert_eq!(login_on(&server, "scr"), 200);
    drop(server);
    let users = exported(&dir);
    assert!(password_of(&users, "bcsha").starts_with("scrypt$16384$"));
    assert!(password_of(&users, "scr").starts_with("scrypt$16384$"));
    assert_eq!(password_of(&users, "argon"), DJANGO_HASHES[0].1);
    // A new user's hash is the first hasher's.
    add_user_with(
        &dir,
        "newbie",
        &[],
        &[("JWTD_PASSWORD_HASHERS", "bcrypt_sha256")],
    );
    assert!(password_of(&exported(&dir), "newbie").starts_with("bcrypt_sha256$$2b$12$"));
    // An unknown name is refused at start-up.
    let out = run_with(
        &dir,
        &["user", "list"],
        "",
        &[("JWTD_PASSWORD_HASHERS", "md5")],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("unknown hasher 'md5'"),
        "{}",
        out.stderr
    );
}

#[cfg(not(feature = "django-hashers"))]
#[test]
fn a_build_without_django_hashers_refuses_them() {
    let dir = TempDir::new();
    let out = run_with(
        &dir,
        &["user", "list"],
        "",
        &[("JWTD_PASSWORD_HASHERS", "argon2,pbkdf2_sha256")],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr
            .contains("argon2 needs a jwtd built with the `django-hashers` feature"),
        "{}",
        out.stderr
    );
    // pbkdf2_sha256 alone is this build's default, and may be named.
    add_user_with(
        &dir,
        "alice",
        &[],
        &[("JWTD_PASSWORD_HASHERS", "pbkdf2_sha256")],
    );
}
