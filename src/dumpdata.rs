//! Django's `manage.py dumpdata auth.user` format, read and written, so
//! that existing users can be brought over with their ids and password
//! hashes (tokens already issued by the Django service keep naming the
//! right user), and taken back.
//!
//! ```json
//! [{"model": "auth.user", "pk": 1, "fields": {"password": "pbkdf2_sha256$...",
//!   "last_login": null, "is_superuser": false, "username": "alice", ...,
//!   "is_staff": false, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z"}}]
//! ```
//!
//! Reading is strict: every entry must be an `auth.user` with an integer
//! `pk` and the fields jwtd keeps; the first bad entry is named.

use std::fmt;

use serde_json::{Map, Value};

use crate::password::{self, HashKind};
use crate::store::User;
use crate::time;

/// A user read from a dump, and what became of its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The account, id and hash as in the dump, or an unusable password.
    pub user: User,
    /// Why the password was replaced by an unusable one, if it was.
    pub unusable: Option<String>,
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

/// Parses a dump. Passwords jwtd can verify (`pbkdf2_sha256`) are kept
/// verbatim; any other hash is replaced with a fresh unusable password and
/// the reason recorded.
pub fn parse(text: &str) -> Result<Vec<Imported>, DumpError> {
    let json: Value = serde_json::from_str(text).map_err(|e| DumpError {
        entry: None,
        problem: format!("not valid JSON: {e}"),
    })?;
    let Value::Array(entries) = json else {
        return Err(DumpError {
            entry: None,
            problem: "expected a JSON array, as `manage.py dumpdata auth.user` writes".into(),
        });
    };
    let mut users = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let problem = |p: String| DumpError {
            entry: Some(i),
            problem: p,
        };
        users.push(parse_entry(entry).map_err(problem)?);
    }
    Ok(users)
}

fn parse_entry(entry: &Value) -> Result<Imported, String> {
    let model = entry.get("model").and_then(Value::as_str);
    if model != Some("auth.user") {
        return Err(format!(
            "model is {}, not \"auth.user\"",
            entry.get("model").unwrap_or(&Value::Null)
        ));
    }
    let id = entry
        .get("pk")
        .and_then(Value::as_u64)
        .filter(|pk| *pk > 0)
        .ok_or("\"pk\" must be a positive integer")?;
    let fields = entry
        .get("fields")
        .and_then(Value::as_object)
        .ok_or("no \"fields\" object")?;
    let username = string(fields, "username")?;
    if !valid_username(username) {
        return Err(format!(
            "username {username:?} is not a valid Django username"
        ));
    }
    let stored = string(fields, "password")?;
    let (password, unusable) = match password::identify(stored) {
        HashKind::Pbkdf2Sha256 => (stored.to_owned(), None),
        kind => {
            let why = match kind {
                HashKind::Unusable => "unusable in Django too".to_owned(),
                HashKind::Other(name) if name.is_empty() => "not a Django hash".to_owned(),
                HashKind::Other(name) => format!("{name} hash, which jwtd cannot verify"),
                HashKind::Pbkdf2Sha256 => unreachable!("handled above"),
            };
            let replacement = password::unusable_password().map_err(|e| e.to_string())?;
            (replacement, Some(why))
        }
    };
    let last_login = match fields.get("last_login") {
        None | Some(Value::Null) => None,
        Some(_) => Some(datetime(fields, "last_login")?),
    };
    Ok(Imported {
        user: User {
            id,
            username: username.to_owned(),
            password,
            is_active: boolean(fields, "is_active")?,
            is_staff: boolean(fields, "is_staff")?,
            is_superuser: boolean(fields, "is_superuser")?,
            date_joined: datetime(fields, "date_joined")?,
            last_login,
            tokens_valid_after: 0,
        },
        unusable,
    })
}

fn string<'v>(fields: &'v Map<String, Value>, name: &str) -> Result<&'v str, String> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("\"{name}\" must be a string"))
}

fn boolean(fields: &Map<String, Value>, name: &str) -> Result<bool, String> {
    fields
        .get(name)
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("\"{name}\" must be true or false"))
}

fn datetime(fields: &Map<String, Value>, name: &str) -> Result<i64, String> {
    let text = string(fields, name)?;
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

    /// The reference's example entry (section 5.4), compact form.
    fn alice() -> String {
        format!(
            r#"{{"model": "auth.user", "pk": 1, "fields": {{"password": "{P1}", "last_login": null, "is_superuser": false, "username": "alice", "first_name": "Alice", "last_name": "", "email": "alice@example.com", "is_staff": false, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}}}"#
        )
    }

    #[test]
    fn reads_the_reference_entry_with_and_without_indent() {
        let compact = format!("[{}]", alice());
        let indented =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&compact).unwrap())
                .unwrap();
        for text in [compact, indented] {
            let users = parse(&text).unwrap();
            assert_eq!(users.len(), 1);
            let u = &users[0];
            assert_eq!(u.unusable, None);
            assert_eq!(
                u.user,
                User {
                    id: 1,
                    username: "alice".into(),
                    password: P1.into(),
                    is_active: true,
                    is_staff: false,
                    is_superuser: false,
                    date_joined: 1_735_787_045_678_000,
                    last_login: None,
                    tokens_valid_after: 0,
                }
            );
        }
    }

    #[test]
    fn unverifiable_hashes_become_unusable_with_a_reason() {
        let entry = |pk: u64, name: &str, hash: &str| {
            alice()
                .replace("\"pk\": 1", &format!("\"pk\": {pk}"))
                .replace("alice", name)
                .replace(P1, hash)
        };
        let text = format!(
            "[{}, {}, {}, {}, {}]",
            entry(
                2,
                "argon",
                "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"
            ),
            entry(
                3,
                "bcrypt",
                "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
            ),
            entry(
                4,
                "sha1",
                "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$pPaxJdc/I8uPjvkfuFn3JbjEDOw="
            ),
            entry(5, "nopass", "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H"),
            entry(6, "scrypt", "scrypt$16384$salt$8$1$hash"),
        );
        let users = parse(&text).unwrap();
        let reasons: Vec<&str> = users
            .iter()
            .map(|u| u.unusable.as_deref().unwrap())
            .collect();
        assert_eq!(
            reasons,
            [
                "argon2 hash, which jwtd cannot verify",
                "bcrypt_sha256 hash, which jwtd cannot verify",
                "pbkdf2_sha1 hash, which jwtd cannot verify",
                "unusable in Django too",
                "scrypt hash, which jwtd cannot verify",
            ]
        );
        for u in &users {
            assert!(u.user.password.starts_with('!') && u.user.password.len() == 41);
        }
    }

    #[test]
    fn the_first_bad_entry_is_named() {
        let good = alice();
        for (bad, problem) in [
            (good.replace("auth.user", "auth.group"), "model"),
            (good.replace("\"pk\": 1", "\"pk\": \"1\""), "pk"),
            (good.replace("\"pk\": 1", "\"pk\": 0"), "pk"),
            (
                good.replace("\"is_active\": true", "\"is_active\": 1"),
                "is_active",
            ),
            (
                good.replace("2025-01-02T03:04:05.678Z", "yesterday"),
                "date_joined",
            ),
            (good.replace("\"alice\"", "\"al ice\""), "username"),
            (
                good.replace("\"last_login\": null", "\"last_login\": 5"),
                "last_login",
            ),
        ] {
            let err = parse(&format!("[{good}, {bad}]")).unwrap_err();
            assert_eq!(err.entry, Some(1), "{bad}");
            assert!(err.problem.contains(problem), "{err}");
            assert!(err.to_string().starts_with("entry 2"), "{err}");
        }
        assert_eq!(parse("{}").unwrap_err().entry, None);
        assert_eq!(parse("[").unwrap_err().entry, None);
    }

    #[test]
    fn writes_what_it_reads() {
        let mut users: Vec<User> = parse(&format!("[{}]", alice()))
            .unwrap()
            .into_iter()
            .map(|i| i.user)
            .collect();
        users[0].last_login = Some(1_735_787_045_000_000);
        let text = write(&users);
        assert!(
            text.contains(r#""date_joined": "2025-01-02T03:04:05.678Z""#),
            "{text}"
        );
        assert!(
            text.contains(r#""last_login": "2025-01-02T03:04:05Z""#),
            "{text}"
        );
        let again: Vec<User> = parse(&text).unwrap().into_iter().map(|i| i.user).collect();
        assert_eq!(again, users);
    }
}
