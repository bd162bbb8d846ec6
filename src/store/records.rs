//! The records the store keeps, as the rest of the program sees them: a
//! user, a refresh token, why a token is blacklisted, a signing key. They
//! say nothing of how a backend lays them out; each backend encodes them
//! its own way (the redb one in `redb/schema.rs`).

use std::fmt;

/// A user account, with Django's `auth_user` fields that jwtd uses.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The primary key; tokens name the user by it (`user_id`).
    pub id: u64,
    /// Unique, case-sensitive.
    pub username: String,
    /// The stored hash, in Django's format (`pbkdf2_sha256$...`), or an
    /// unusable `!...` value; imported from Django, any other hasher's
    /// value as it was (`argon2$...`), which nothing matches here.
    pub password: String,
    /// Inactive users can neither log in nor use tokens.
    pub is_active: bool,
    /// Kept for Django compatibility; jwtd grants nothing by it.
    pub is_staff: bool,
    /// Kept for Django compatibility; jwtd grants nothing by it.
    pub is_superuser: bool,
    /// Microseconds since the Unix epoch.
    pub date_joined: i64,
    /// Microseconds since the Unix epoch, if the user ever logged in with
    /// `UPDATE_LAST_LOGIN` on.
    pub last_login: Option<i64>,
    /// Unix seconds: tokens of this user issued (`iat`) before it are
    /// refused. 0 until the user's tokens are first revoked.
    pub tokens_valid_after: u64,
    /// Django's `email` (at most 254 characters, may be empty). Unique
    /// among non-empty ones when it is the login field (`USERNAME_FIELD`).
    pub email: String,
    /// Django's `first_name` (at most 150 characters, may be empty).
    pub first_name: String,
    /// Django's `last_name` (at most 150 characters, may be empty).
    pub last_name: String,
}

impl User {
    /// An active account with no staff or superuser flag, an empty profile,
    /// joined at the epoch, never logged in and never revoked: the user a
    /// token alone stands for (`TokenUser`), and the record callers start
    /// from, naming only the fields that differ.
    pub fn active(id: u64, username: impl Into<String>, password: impl Into<String>) -> User {
        User {
            id,
            username: username.into(),
            password: password.into(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: 0,
            last_login: None,
            tokens_valid_after: 0,
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
        }
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("date_joined", &self.date_joined)
            .field("last_login", &self.last_login)
            .field("tokens_valid_after", &self.tokens_valid_after)
            .field("email", &self.email)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .finish()
    }
}

/// A user field that names at most one user: what Django's
/// `USERNAME_FIELD` (users log in by it) and SimpleJWT's `USER_ID_FIELD`
/// (tokens name their user by it) may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    /// The primary key.
    Id,
    /// The unique username (on PostgreSQL, the user table's login column).
    Username,
    /// The email: unique where it is the login field.
    Email,
}

impl UserField {
    /// The field called `name` (Django's field names), if it is one of these.
    pub fn named(name: &str) -> Option<UserField> {
        match name {
            "id" => Some(UserField::Id),
            "username" => Some(UserField::Username),
            "email" => Some(UserField::Email),
            _ => None,
        }
    }

    /// `str(getattr(user, field))`: the field's value as SimpleJWT writes
    /// it in `USER_ID_CLAIM`.
    pub fn value_of(self, user: &User) -> String {
        match self {
            UserField::Id => user.id.to_string(),
            UserField::Username => user.username.clone(),
            UserField::Email => user.email.clone(),
        }
    }
}

/// A new account for [`Store::add_user`](super::Store::add_user) and
/// [`Change::CreateUsers`](super::Change::CreateUsers).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Preserved when importing from Django; `None` takes the next free id.
    pub id: Option<u64>,
    /// The full record except the id.
    pub user: User,
}

/// A refresh token as the store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's `jti`.
    pub jti: String,
    /// The user it names, 0 when it names none.
    pub user_id: u64,
    /// Its `exp`; rows are purged after it.
    pub exp: u64,
    /// The token itself, for `token_blacklist_outstandingtoken.token` on
    /// PostgreSQL when `OUTSTANDING_TOKEN_TEXT` asks for it; else empty
    /// (and never kept by redb): a bearer token at rest is a credential.
    pub text: String,
}

/// Why a token is on the blacklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blacklisted {
    /// Spent by a rotation: presenting it again is reuse (a sign of theft).
    Rotated,
    /// Logged out (`/api/token/blacklist/`), or a password changed under
    /// `CHECK_REVOKE_TOKEN`.
    LoggedOut,
    /// Revoked with its family after a reuse, or with every token of its
    /// user.
    Revoked,
    /// Written before the reason was kept: taken as a rotation.
    Unknown,
}

/// A signing key kept in the database. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Its id, written in the `kid` header of the tokens it signs.
    pub kid: String,
    /// Unix microseconds.
    pub created: u64,
    /// Unix microseconds; `None` while it still verifies.
    pub retired: Option<u64>,
    /// The HMAC secret.
    pub secret: Vec<u8>,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("created", &self.created)
            .field("retired", &self.retired)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// What a backup copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backup {
    /// Users.
    pub users: u64,
    /// Refresh tokens issued and not yet purged.
    pub tokens: u64,
    /// Signing keys, retired ones included.
    pub keys: u64,
}
