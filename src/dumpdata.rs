//! Django's `manage.py dumpdata` format, read and written, so that existing
//! users can be brought over with their ids and password hashes (tokens
//! already issued by the Django service keep naming the right user), and
//! taken back.
//!
//! ```json
//! [{"model": "auth.user", "pk": 1, "fields": {"password": "pbkdf2_sha256$...",
//!   "last_login": null, "is_superuser": false, "username": "alice", ...,
//!   "is_staff": false, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z"}}]
//! ```
//!
//! Reading takes the `auth.user` entries of a dump of any models (a whole
//! project's `dumpdata` too) and counts the others per model. It is strict
//! about the user entries: each needs an integer `pk`, a `username` and a
//! `password`, and a field present with the wrong type is refused, naming
//! the first bad entry. Fields left out take Django's defaults, as
//! `manage.py loaddata` gives them. Password hashes are kept verbatim,
//! whatever their hasher: the ones jwtd cannot verify (argon2, bcrypt,
//! ...) are listed, and go back to Django unchanged by [`write`].
//!
//! [`parse`] and [`report`] are pure: what stands between them (matching
//! the dump against the users already there, and the write) is the
//! caller's, so the same import can run from the command line or inside a
//! running server.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::password::{self, HashKind};
use crate::store::User;
use crate::time;

/// Django's `AbstractBaseUser.password`: `CharField(max_length=128)`.
const PASSWORD_MAX_CHARS: usize = 128;

/// What a dump holds for jwtd.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// The `auth.user` entries, in the dump's order.
    pub users: Vec<DumpUser>,
    /// How many entries of each other model were left out, by model name.
    pub skipped: BTreeMap<String, usize>,
    /// The users whose password jwtd cannot match, in the dump's order.
    pub cannot_log_in: Vec<CannotLogIn>,
}

/// A user read from a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpUser {
    /// Zero-based position in the dump's array (among every model's entries).
    pub entry: usize,
    /// The account, with its id and stored hash as in the dump.
    pub user: User,
}

/// A user of the dump whom jwtd cannot log in as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotLogIn {
    /// The user's id.
    pub id: u64,
    /// The user's name.
    pub username: String,
    /// Why: [`Why::Unusable`] as in Django, or a hasher jwtd lacks.
    pub why: Why,
}

/// Why a user read from a dump cannot log in to jwtd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Django's unusable password (`!` prefix): no login in Django either.
    Unusable,
    /// A hash jwtd cannot verify yet, named by its algorithm as Django
    /// names it ("argon2", "bcrypt_sha256", "unsalted_md5", ...).
    Unverifiable(String),
}

/// An entry that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    /// Zero-based position in the array, if the problem is an entry.
    pub entry: Option<usize>,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entry {
            Some(i) => write!(f, "entry {} (counting from 1): {}", i + 1, self.problem),
            None => f.write_str(&self.problem),
        }
    }
}

impl std::error::Error for DumpError {}

/// Reads a dump: its `auth.user` entries, the count of every other
/// model's, and the users who cannot log in. `now` (Unix microseconds) is
/// the `date_joined` of users without one, as Django's default
/// (`timezone.now`) would give them. The first bad user entry refuses the
/// whole dump.
pub fn parse(text: &str, now: i64) -> Result<Dump, DumpError> {
    let json: Value = serde_json::from_str(text).map_err(|e| DumpError {
        entry: None,
        problem: format!("not valid JSON: {e}"),
    })?;
    let Value::Array(entries) = json else {
        return Err(DumpError {
            entry: None,
            problem: "expected a JSON array, as `manage.py dumpdata` writes".into(),
        });
    };
    let mut dump = Dump::default();
    for (i, entry) in entries.iter().enumerate() {
        let problem = |p: String| DumpError {
            entry: Some(i),
            problem: p,
        };
        let model = entry
            .get("model")
            .and_then(Value::as_str)
            .ok_or_else(|| problem("no \"model\" name: not a `dumpdata` entry".into()))?;
        if model != "auth.user" {
            *dump.skipped.entry(model.to_owned()).or_insert(0) += 1;
            continue;
        }
        let user = parse_user(entry, now).map_err(problem)?;
        let why = match password::identify(&user.password) {
            HashKind::Pbkdf2Sha256 => None,
            HashKind::Unusable => Some(Why::Unusable),
            HashKind::Other(name) => Some(Why::Unverifiable(algorithm(&user.password, name))),
        };
        if let Some(why) = why {
            dump.cannot_log_in.push(CannotLogIn {
                id: user.id,
                username: user.username.clone(),
                why,
            });
        }
        dump.users.push(DumpUser { entry: i, user });
    }
    Ok(dump)
}

/// The algorithm Django's `identify_hasher` would name for a value jwtd
/// cannot verify, whose text before the first `$` is `name`.
fn algorithm(encoded: &str, name: String) -> String {
    if name == "pbkdf2_sha256" {
        "malformed pbkdf2_sha256".to_owned()
    } else if !encoded.contains('$') {
        if encoded.len() == 32 && encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
            "unsalted_md5".to_owned()
        } else {
            "not a Django hash".to_owned()
        }
    } else {
        name
    }
}

fn parse_user(entry: &Value, now: i64) -> Result<User, String> {
    let id = match entry.get("pk") {
        None => {
            return Err("no \"pk\": jwtd keeps Django's ids, so dump without \
                        --natural-primary"
                .into())
        }
        Some(pk) => pk
            .as_u64()
            .filter(|pk| *pk > 0)
            .ok_or("\"pk\" must be a positive integer")?,
    };
    let fields = entry
        .get("fields")
        .and_then(Value::as_object)
        .ok_or("no \"fields\" object")?;
    let username = required_string(fields, "username")?;
    if !valid_username(username) {
        return Err(format!(
            "username {username:?} is not a valid Django username"
        ));
    }
    let password = required_string(fields, "password")?;
    if password.chars().count() > PASSWORD_MAX_CHARS {
        return Err(format!(
            "\"password\" is longer than Django's {PASSWORD_MAX_CHARS} characters"
        ));
    }
    let last_login = match fields.get("last_login") {
        None | Some(Value::Null) => None,
        Some(_) => Some(datetime(fields, "last_login")?),
    };
    let date_joined = match fields.get("date_joined") {
        None => now,
        Some(_) => datetime(fields, "date_joined")?,
    };
    Ok(User {
        id,
        username: username.to_owned(),
        password: password.to_owned(),
        is_active: boolean(fields, "is_active", true)?,
        is_staff: boolean(fields, "is_staff", false)?,
        is_superuser: boolean(fields, "is_superuser", false)?,
        date_joined,
        last_login,
        tokens_valid_after: 0,
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
    })
}

/// A field Django requires (no default): present, and a string.
fn required_string<'v>(fields: &'v Map<String, Value>, name: &str) -> Result<&'v str, String> {
    match fields.get(name) {
        None => Err(format!("no \"{name}\", which Django requires")),
        Some(value) => value
            .as_str()
            .ok_or_else(|| format!("\"{name}\" must be a string")),
    }
}

/// A boolean field, `default` when it is left out.
fn boolean(fields: &Map<String, Value>, name: &str, default: bool) -> Result<bool, String> {
    match fields.get(name) {
        None => Ok(default),
        Some(value) => value
            .as_bool()
            .ok_or_else(|| format!("\"{name}\" must be true or false")),
    }
}

/// A datetime field that is present.
fn datetime(fields: &Map<String, Value>, name: &str) -> Result<i64, String> {
    let value = fields.get(name).unwrap_or(&Value::Null);
    let text = value
        .as_str()
        .ok_or_else(|| format!("\"{name}\" must be a datetime string, not {value}"))?;
    time::parse_iso8601(text)
        .ok_or_else(|| format!("\"{name}\" is not an ISO 8601 datetime: {text:?}"))
}

/// Django's username validator: `^[\w.@+-]+\Z`, at most 150 characters.
pub fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 150
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_.@+-".contains(c))
}

/// What an import did, in words: `added` are the users it created (the
/// others of `dump` were present already and left alone), then the other
/// models it skipped, then the new users who cannot log in yet and why.
/// One line each, every line ending in a newline.
pub fn report(dump: &Dump, added: &[User]) -> String {
    let present = dump.users.len().saturating_sub(added.len());
    let mut out = format!(
        "Imported {} user(s); {present} already present and left unchanged.\n",
        added.len()
    );
    if !dump.skipped.is_empty() {
        let total: usize = dump.skipped.values().sum();
        let models: Vec<String> = dump
            .skipped
            .iter()
            .map(|(model, count)| format!("{model} ({count})"))
            .collect();
        out.push_str(&format!(
            "Skipped {total} record(s) of other models: {}.\n",
            models.join(", ")
        ));
    }
    let new = |c: &&CannotLogIn| added.iter().any(|a| a.id == c.id);
    let unverifiable: Vec<String> = dump
        .cannot_log_in
        .iter()
        .filter(new)
        .filter_map(|c| match &c.why {
            Why::Unverifiable(algorithm) => Some(format!("{} ({algorithm})", c.username)),
            Why::Unusable => None,
        })
        .collect();
    if !unverifiable.is_empty() {
        out.push_str(&format!(
            "{} user(s) have password hashes jwtd cannot verify yet and cannot log in \
             until `jwtd user passwd NAME`: {}\n",
            unverifiable.len(),
            unverifiable.join(", ")
        ));
    }
    let unusable: Vec<&str> = dump
        .cannot_log_in
        .iter()
        .filter(new)
        .filter(|c| c.why == Why::Unusable)
        .map(|c| c.username.as_str())
        .collect();
    if !unusable.is_empty() {
        out.push_str(&format!(
            "{} user(s) have an unusable password, as in Django, and cannot log in \
             until `jwtd user passwd NAME`: {}\n",
            unusable.len(),
            unusable.join(", ")
        ));
    }
    out
}

/// Writes users as `dumpdata auth.user` does without `--indent`: one line,
/// `", "` and `": "` separators, raw UTF-8, datetimes to the millisecond.
/// Fields jwtd does not keep are written empty.
pub fn write(users: &[User]) -> String {
    let entries: Vec<String> = users
        .iter()
        .map(|u| {
            let json = |s: &str| Value::from(s).to_string();
            let last_login = u.last_login.map_or_else(|| "null".to_owned(), |t| json(&django_datetime(t)));
            format!(
                "{{\"model\": \"auth.user\", \"pk\": {}, \"fields\": {{\"password\": {}, \"last_login\": {last_login}, \
                 \"is_superuser\": {}, \"username\": {}, \"first_name\": \"\", \"last_name\": \"\", \"email\": \"\", \
                 \"is_staff\": {}, \"is_active\": {}, \"date_joined\": {}, \"groups\": [], \"user_permissions\": []}}}}",
                u.id,
                json(&u.password),
                u.is_superuser,
                json(&u.username),
                u.is_staff,
                u.is_active,
                json(&django_datetime(u.date_joined)),
            )
        })
        .collect();
    format!("[{}]", entries.join(", "))
}

/// Django's serializer: milliseconds only when there are microseconds, `Z`.
fn django_datetime(micros: i64) -> String {
    let full = time::rfc3339(micros, true); // 2025-01-02T03:04:05.678901Z
    if micros.rem_euclid(1_000_000) == 0 {
        time::rfc3339(micros, false)
    } else {
        format!("{}Z", &full[..full.len() - 4])
    }
}

#[cfg(test)]
mod tests {
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
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&compact).unwrap())
                .unwrap();
        for text in [compact, indented] {
            let dump = parse(&text, NOW).unwrap();
            assert_eq!(dump.skipped, BTreeMap::new());
            assert_eq!(dump.cannot_log_in, []);
            assert_eq!(
                dump.users,
                [DumpUser {
                    entry: 0,
                    user: User {
                        id: 1,
                        username: "alice".into(),
                        password: P1.into(),
                        is_active: true,
                        is_staff: false,
                        is_superuser: false,
                        date_joined: JOINED,
                        last_login: None,
                        tokens_valid_after: 0,
                        email: String::new(),
                        first_name: String::new(),
                        last_name: String::new(),
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
        let skipped: Vec<(&str, usize)> =
            dump.skipped.iter().map(|(m, n)| (m.as_str(), *n)).collect();
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
        assert_eq!(
            dump.cannot_log_in,
            [CannotLogIn {
                id: 7,
                username: "carol".into(),
                why: Why::Unverifiable("argon2".into()),
            }]
        );
        let added: Vec<User> = dump.users.iter().map(|u| u.user.clone()).collect();
        assert_eq!(
            report(&dump, &added),
            "Imported 2 user(s); 0 already present and left unchanged.\n\
             Skipped 6 record(s) of other models: auth.group (1), auth.permission (1), \
             contenttypes.contenttype (2), token_blacklist.blacklistedtoken (1), \
             token_blacklist.outstandingtoken (1).\n\
             1 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
             `jwtd user passwd NAME`: carol (argon2)\n"
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
                id: 3,
                username: "bob".into(),
                password: "!x".into(),
                is_active: true,
                is_staff: false,
                is_superuser: false,
                date_joined: NOW,
                last_login: None,
                tokens_valid_after: 0,
                email: String::new(),
                first_name: String::new(),
                last_name: String::new(),
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
        let hashes = [
            ("argon", ARGON2, Some(Why::Unverifiable("argon2".into()))),
            (
                "bcrypt",
                "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
                Some(Why::Unverifiable("bcrypt_sha256".into())),
            ),
            (
                "sha1",
                "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$pPaxJdc/I8uPjvkfuFn3JbjEDOw=",
                Some(Why::Unverifiable("pbkdf2_sha1".into())),
            ),
            (
                "nopass",
                "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H",
                Some(Why::Unusable),
            ),
            (
                "scrypt",
                "scrypt$16384$salt$8$1$hash",
                Some(Why::Unverifiable("scrypt".into())),
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
        assert!(
            said.contains(
                "7 user(s) have password hashes jwtd cannot verify yet and cannot log in until \
                 `jwtd user passwd NAME`: argon (argon2), bcrypt (bcrypt_sha256), sha1 \
                 (pbkdf2_sha1), scrypt (scrypt), md5 (unsalted_md5), broken (malformed \
                 pbkdf2_sha256), plain (not a Django hash)\n"
            ),
            "{said}"
        );
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
        // Byte for byte: the entry is the one `dumpdata` writes, with the
        // fields jwtd does not keep left empty.
        let dumped = format!("[{}]", entry(7, "carol", ARGON2))
            .replace("\"first_name\": \"Alice\"", "\"first_name\": \"\"")
            .replace("\"email\": \"carol@example.com\"", "\"email\": \"\"");
        assert_eq!(written, dumped);
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
}
