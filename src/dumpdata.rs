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
//! `email`, `first_name` and `last_name` go both ways (Django's defaults
//! `""` when left out, refused over their columns' lengths); when emails
//! are the login field an import refuses a repeated one
//! ([`duplicate_email`]).
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
/// Django's `AbstractUser.email`: `EmailField()`, 254 characters.
const EMAIL_MAX_CHARS: usize = 254;
/// Django's `AbstractUser.first_name` and `last_name`: 150 characters.
const NAME_MAX_CHARS: usize = 150;

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
            HashKind::Verifiable(_) => None,
            HashKind::Unusable => Some(Why::Unusable),
            HashKind::TooCostly(why) => Some(Why::Unverifiable(why.to_owned())),
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
    if password::Algorithm::ALL
        .into_iter()
        .any(|a| a.is_built_in() && a.name() == name)
    {
        format!("malformed {name}")
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
        email: optional_text(fields, "email", EMAIL_MAX_CHARS)?,
        first_name: optional_text(fields, "first_name", NAME_MAX_CHARS)?,
        last_name: optional_text(fields, "last_name", NAME_MAX_CHARS)?,
    })
}

/// A text field with Django's default `""`, at most `max` characters (its
/// column's `varchar` length).
fn optional_text(fields: &Map<String, Value>, name: &str, max: usize) -> Result<String, String> {
    let text = match fields.get(name) {
        None => "",
        Some(_) => required_string(fields, name)?,
    };
    if text.chars().count() > max {
        return Err(format!(
            "\"{name}\" is longer than Django's {max} characters"
        ));
    }
    Ok(text.to_owned())
}

/// The first user of `dump` whose non-empty email an earlier one has, or
/// one of `existing` (other than itself, by id) has: refused when emails
/// are the login field (`USERNAME_FIELD` `email`).
pub fn duplicate_email<'d>(dump: &'d Dump, existing: &[User]) -> Option<&'d DumpUser> {
    dump.users
        .iter()
        .enumerate()
        .find(|(i, entry)| {
            let email = &entry.user.email;
            !email.is_empty()
                && (dump.users[..*i].iter().any(|e| e.user.email == *email)
                    || existing
                        .iter()
                        .any(|u| u.email == *email && u.id != entry.user.id))
        })
        .map(|(_, entry)| entry)
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
                 \"is_superuser\": {}, \"username\": {}, \"first_name\": {}, \"last_name\": {}, \"email\": {}, \
                 \"is_staff\": {}, \"is_active\": {}, \"date_joined\": {}, \"groups\": [], \"user_permissions\": []}}}}",
                u.id,
                json(&u.password),
                u.is_superuser,
                json(&u.username),
                json(&u.first_name),
                json(&u.last_name),
                json(&u.email),
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
mod tests;
