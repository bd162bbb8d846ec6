//! The dump format's tests: Django's own entries, read and written.

use super::*;

const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";

/// "correct horse battery staple" under Django's `Argon2PasswordHasher`
/// (argon2-cffi, Django's time, memory and parallelism).
const ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$and0ZGFyZ29uMnNhbHQhIQ$jdKSRck/gePq3bPKYPMGAn7/w0I1UowKKfqmARZQFhU";

/// 2025-01-02T03:04:05.678Z.
const JOINED: i64 = 1_735_787_045_678_000;

/// The time parse is given, for defaults.
const NOW: i64 = 1_700_000_000_000_000;

/// The reference's example entry (section 5.4), compact form.
fn alice() -> String {
    format!(
        r#"{{"model": "auth.user", "pk": 1, "fields": {{"password": "{P1}", "last_login": null, "is_superuser": false, "username": "alice", "first_name": "Alice", "last_name": "", "email": "alice@example.com", "is_staff": false, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}}}"#
    )
}

/// `alice()` as user `pk` named `name` with password `hash`.
fn entry(pk: u64, name: &str, hash: &str) -> String {
    alice()
        .replace("\"pk\": 1", &format!("\"pk\": {pk}"))
        .replace("alice", name)
        .replace(P1, hash)
}

fn users(text: &str) -> Vec<User> {
    parse(text, NOW)
        .unwrap()
        .users
        .into_iter()
        .map(|u| u.user)
        .collect()
}

/// A whole project's `manage.py dumpdata --indent 2`, trimmed: the
/// models of `django.contrib.auth`, `contenttypes` and SimpleJWT's
/// `token_blacklist`, in the order Django writes them.
fn project_dump() -> String {
    format!(
        r#"[
{{
  "model": "auth.permission",
  "pk": 1,
  "fields": {{
    "name": "Can add permission",
    "content_type": 1,
    "codename": "add_permission"
  }}
}},
{{
  "model": "auth.group",
  "pk": 1,
  "fields": {{
    "name": "editors",
    "permissions": [
      1
    ]
  }}
}},
{{
  "model": "auth.user",
  "pk": 1,
  "fields": {{
    "password": "{P1}",
    "last_login": "2025-03-04T05:06:07.891Z",
    "is_superuser": true,
    "username": "alice",
    "first_name": "",
    "last_name": "",
    "email": "alice@example.com",
    "is_staff": true,
    "is_active": true,
    "date_joined": "2025-01-02T03:04:05.678Z",
    "groups": [
      1
    ],
    "user_permissions": []
  }}
}},
{{
  "model": "auth.user",
  "pk": 7,
  "fields": {{
    "password": "{ARGON2}",
    "last_login": null,
    "is_superuser": false,
    "username": "carol",
    "first_name": "Carol",
    "last_name": "",
    "email": "",
    "is_staff": false,
    "is_active": true,
    "date_joined": "2025-01-02T03:04:05.678Z",
    "groups": [],
    "user_permissions": []
  }}
}},
{{
  "model": "contenttypes.contenttype",
  "pk": 1,
  "fields": {{
    "app_label": "auth",
    "model": "permission"
  }}
}},
{{
  "model": "contenttypes.contenttype",
  "pk": 2,
  "fields": {{
    "app_label": "auth",
    "model": "group"
  }}
}},
{{
  "model": "token_blacklist.outstandingtoken",
  "pk": 1,
  "fields": {{
    "user": 1,
    "jti": "2c3bbd4f5d2a4e36a1bb4e0f6a4c5b7e",
    "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x",
    "created_at": "2025-03-04T05:06:07.891Z",
    "expires_at": "2025-03-05T05:06:07Z"
  }}
}},
{{
  "model": "token_blacklist.blacklistedtoken",
  "pk": 1,
  "fields": {{
    "token": 1,
    "blacklisted_at": "2025-03-04T06:00:00Z"
  }}
}}
]"#
    )
}

#[test]
fn reads_the_reference_entry_with_and_without_indent() {
    let compact = format!("[{}]", alice());
    let indented =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&compact).unwrap()).unwrap();
    for text in [compact, indented] {
        let dump = parse(&text, NOW).unwrap();
        assert_eq!(dump.skipped, BTreeMap::new());
        assert_eq!(dump.cannot_log_in, []);
        assert_eq!(
            dump.users,
            [DumpUser {
                entry: 0,
                user: User {
                    date_joined: JOINED,
                    email: "alice@example.com".into(),
                    first_name: "Alice".into(),
                    ..User::active(1, "alice", P1)
                }
            }]
        );
    }
}

#[test]
fn a_whole_project_dump_gives_its_users_and_counts_the_rest() {
    let dump = parse(&project_dump(), NOW).unwrap();
    let read: Vec<(usize, u64, &str)> = dump
        .users
        .iter()
        .map(|u| (u.entry, u.user.id, u.user.username.as_str()))
        .collect();
    assert_eq!(read, [(2, 1, "alice"), (3, 7, "carol")]);
    assert!(dump.users[0].user.is_superuser && dump.users[0].user.is_staff);
    assert_eq!(dump.users[1].user.password, ARGON2);
    let skipped: Vec<(&str, usize)> = dump.skipped.iter().map(|(m, n)| (m.as_str(), *n)).collect();
    assert_eq!(
        skipped,
        [
            ("auth.group", 1),
            ("auth.permission", 1),
            ("contenttypes.contenttype", 2),
            ("token_blacklist.blacklistedtoken", 1),
            ("token_blacklist.outstandingtoken", 1),
        ]
    );
    // carol's argon2 hash verifies with the feature `django-hashers`.
    let argon2 = cfg!(feature = "django-hashers");
    let carol = CannotLogIn {
        id: 7,
        username: "carol".into(),
        why: Why::Unverifiable("argon2".into()),
    };
    assert_eq!(
        dump.cannot_log_in,
        if argon2 { vec![] } else { vec![carol] }
    );
    let added: Vec<User> = dump.users.iter().map(|u| u.user.clone()).collect();
    let unverifiable = if argon2 {
        ""
    } else {
        "1 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
         `jwtd user passwd NAME`: carol (argon2)\n"
    };
    assert_eq!(
        report(&dump, &added),
        format!(
            "Imported 2 user(s); 0 already present and left unchanged.\n\
             Skipped 6 record(s) of other models: auth.group (1), auth.permission (1), \
             contenttypes.contenttype (2), token_blacklist.blacklistedtoken (1), \
             token_blacklist.outstandingtoken (1).\n{unverifiable}"
        )
    );
    // Run again, nothing is added and nobody is listed.
    assert_eq!(
        report(&dump, &[]).lines().next(),
        Some("Imported 0 user(s); 2 already present and left unchanged.")
    );
    assert_eq!(report(&dump, &[]).lines().count(), 2);
}

#[test]
fn missing_fields_take_djangos_defaults() {
    let text =
        r#"[{"model": "auth.user", "pk": 3, "fields": {"username": "bob", "password": "!x"}}]"#;
    assert_eq!(
        users(text),
        [User {
            date_joined: NOW,
            ..User::active(3, "bob", "!x")
        }]
    );
    // What is given is kept, each field on its own.
    let flags = r#"[{"model": "auth.user", "pk": 3, "fields": {"username": "bob", "password": "!x", "is_active": false, "is_superuser": true, "date_joined": "2025-01-02T03:04:05.678Z"}}]"#;
    let bob = &users(flags)[0];
    assert_eq!(
        (
            bob.is_active,
            bob.is_staff,
            bob.is_superuser,
            bob.date_joined
        ),
        (false, false, true, JOINED)
    );
}

#[test]
fn every_hash_is_kept_verbatim_and_the_unverifiable_ones_are_named() {
    // Django's other hashers verify with the feature `django-hashers`.
    let hashers = cfg!(feature = "django-hashers");
    let other = |name: &str| (!hashers).then(|| Why::Unverifiable(name.into()));
    let hashes = [
        ("argon", ARGON2, other("argon2")),
        (
            "bcrypt",
            "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
            other("bcrypt_sha256"),
        ),
        (
            "sha1",
            "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$pPaxJdc/I8uPjvkfuFn3JbjEDOw=",
            other("pbkdf2_sha1"),
        ),
        (
            "costly",
            "bcrypt_sha256$$2b$14$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
            Some(Why::Unverifiable(
                if hashers {
                    "bcrypt rounds above 13"
                } else {
                    "bcrypt_sha256"
                }
                .into(),
            )),
        ),
        (
            "nopass",
            "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H",
            Some(Why::Unusable),
        ),
        (
            "scrypt",
            "scrypt$16384$salt$8$1$hash",
            Some(Why::Unverifiable(
                if hashers {
                    "malformed scrypt"
                } else {
                    "scrypt"
                }
                .into(),
            )),
        ),
        (
            "md5",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            Some(Why::Unverifiable("unsalted_md5".into())),
        ),
        (
            "broken",
            "pbkdf2_sha256$1000$salt$",
            Some(Why::Unverifiable("malformed pbkdf2_sha256".into())),
        ),
        (
            "plain",
            "hunter2",
            Some(Why::Unverifiable("not a Django hash".into())),
        ),
        ("good", P1, None),
    ];
    let text = format!(
        "[{}]",
        hashes
            .iter()
            .zip(1..)
            .map(|((name, hash, _), pk)| entry(pk, name, hash))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let dump = parse(&text, NOW).unwrap();
    for ((name, hash, why), read) in hashes.iter().zip(&dump.users) {
        assert_eq!(read.user.password, *hash, "{name}");
        let listed = dump.cannot_log_in.iter().find(|c| c.username == *name);
        assert_eq!(listed.map(|c| &c.why), why.as_ref(), "{name}");
    }
    let added: Vec<User> = dump.users.iter().map(|u| u.user.clone()).collect();
    let said = report(&dump, &added);
    let listed = if hashers {
        "5 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
         `jwtd user passwd NAME`: costly (bcrypt rounds above 13), scrypt (malformed \
         scrypt), md5 (unsalted_md5), broken (malformed pbkdf2_sha256), plain (not a \
         Django hash)\n"
    } else {
        "8 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
         `jwtd user passwd NAME`: argon (argon2), bcrypt (bcrypt_sha256), sha1 \
         (pbkdf2_sha1), costly (bcrypt_sha256), scrypt (scrypt), md5 (unsalted_md5), \
         broken (malformed pbkdf2_sha256), plain (not a Django hash)\n"
    };
    assert!(said.contains(listed), "{said}");
    assert!(
        said.contains(
            "1 user(s) have an unusable password, as in Django, and cannot log in until \
                 `jwtd user passwd NAME`: nopass\n"
        ),
        "{said}"
    );
}

#[test]
fn an_argon2_hash_goes_back_to_django_byte_for_byte() {
    let text = format!("[{}]", entry(7, "carol", ARGON2));
    let written = write(&users(&text));
    assert!(
        written.contains(&format!(r#""password": "{ARGON2}""#)),
        "{written}"
    );
    assert_eq!(users(&written), users(&text));
    // Byte for byte: the entry is the one `dumpdata` writes, names and
    // email included.
    assert_eq!(written, text);
}

#[test]
fn the_first_bad_user_entry_is_named() {
    let good = alice();
    for (bad, problem) in [
        (good.replace("\"pk\": 1", "\"pk\": \"1\""), "\"pk\" must be"),
        (good.replace("\"pk\": 1", "\"pk\": 0"), "\"pk\" must be"),
        (good.replace("\"pk\": 1, ", ""), "--natural-primary"),
        (
            good.replace("\"is_active\": true", "\"is_active\": 1"),
            "\"is_active\" must be true or false",
        ),
        (
            good.replace("\"is_staff\": false", "\"is_staff\": null"),
            "\"is_staff\" must be true or false",
        ),
        (
            good.replace("2025-01-02T03:04:05.678Z", "yesterday"),
            "\"date_joined\" is not an ISO 8601 datetime",
        ),
        (
            good.replace("\"2025-01-02T03:04:05.678Z\"", "null"),
            "\"date_joined\" must be a datetime string",
        ),
        (good.replace("\"alice\"", "\"al ice\""), "username"),
        (
            good.replace("\"last_login\": null", "\"last_login\": 5"),
            "\"last_login\" must be a datetime string",
        ),
        (
            good.replace(&format!("\"password\": \"{P1}\", "), ""),
            "no \"password\", which Django requires",
        ),
        (
            good.replace("\"username\": \"alice\", ", ""),
            "no \"username\", which Django requires",
        ),
        (
            good.replace(&format!("\"{P1}\""), "null"),
            "\"password\" must be a string",
        ),
        (
            good.replace(P1, &"x".repeat(129)),
            "\"password\" is longer than Django's 128",
        ),
        (good.replace("\"model\": \"auth.user\", ", ""), "\"model\""),
        (
            good.replace("\"alice@example.com\"", "null"),
            "\"email\" must be a string",
        ),
        (
            good.replace("alice@example.com", &format!("{}@x.org", "a".repeat(250))),
            "\"email\" is longer than Django's 254",
        ),
        (
            good.replace("\"Alice\"", &format!("\"{}\"", "é".repeat(151))),
            "\"first_name\" is longer than Django's 150",
        ),
    ] {
        let err = parse(&format!("[{good}, {bad}]"), NOW).unwrap_err();
        assert_eq!(err.entry, Some(1), "{bad}");
        assert!(err.problem.contains(problem), "{err}");
        assert!(err.to_string().starts_with("entry 2"), "{err}");
    }
    // The bad user is named by its place among every model's entries.
    let dump = project_dump().replace("\"is_active\": true", "\"is_active\": \"yes\"");
    assert!(parse(&dump, NOW)
        .unwrap_err()
        .to_string()
        .starts_with("entry 3 (counting from 1): \"is_active\""));
    assert_eq!(parse("{}", NOW).unwrap_err().entry, None);
    assert_eq!(parse("[", NOW).unwrap_err().entry, None);
}

#[test]
fn emails_and_names_are_carried_and_a_repeated_email_is_found() {
    let read = users(&format!("[{}]", alice()));
    assert_eq!(
        (
            read[0].email.as_str(),
            read[0].first_name.as_str(),
            read[0].last_name.as_str()
        ),
        ("alice@example.com", "Alice", "")
    );
    let text = write(&read);
    assert!(
        text.contains(r#""first_name": "Alice", "last_name": "", "email": "alice@example.com""#),
        "{text}"
    );
    let two = format!(
        "[{}, {}]",
        alice(),
        entry(2, "bob", P1).replace("bob@example.com", "alice@example.com")
    );
    let dump = parse(&two, NOW).unwrap();
    assert_eq!(
        duplicate_email(&dump, &[]).map(|e| e.entry),
        Some(1),
        "within the dump"
    );
    let one = parse(&format!("[{}]", alice()), NOW).unwrap();
    assert!(duplicate_email(&one, &read).is_none(), "alice herself");
    let mut other = read[0].clone();
    other.id = 9;
    assert_eq!(duplicate_email(&one, &[other]).map(|e| e.entry), Some(0));
    let blank = parse(&two.replace("alice@example.com", ""), NOW).unwrap();
    assert!(
        duplicate_email(&blank, &[]).is_none(),
        "empty emails repeat"
    );
}

#[test]
fn writes_what_it_reads() {
    let mut read = users(&format!("[{}]", alice()));
    read[0].last_login = Some(1_735_787_045_000_000);
    let text = write(&read);
    assert!(
        text.contains(r#""date_joined": "2025-01-02T03:04:05.678Z""#),
        "{text}"
    );
    assert!(
        text.contains(r#""last_login": "2025-01-02T03:04:05Z""#),
        "{text}"
    );
    assert_eq!(users(&text), read);
}
