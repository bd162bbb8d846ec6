//! Persistent state in one redb file: users, issued refresh tokens and the
//! blacklist. This is the only module that knows redb.
//!
//! Tables:
//!
//! | table | key | value |
//! |---|---|---|
//! | `users` | id (u64 big-endian) | [`User`], encoded by `User::to_bytes` |
//! | `usernames` | username | id (u64 big-endian): the unique index |
//! | `issued` | jti | user id, exp (u64 little-endian each), family: a refresh token jwtd issued |
//! | `families` | family length (u16 big-endian), family, jti | nothing: one row per member |
//! | `blacklist` | jti | blacklisted at, exp (u64 little-endian each), why (one byte, [`Blacklisted`]) |
//! | `signing_keys` | key id | created at, retired at (microseconds, 0: not retired; u64 little-endian each), secret |
//! | `meta` | name | schema version, next user id, the signing key generated before keys had ids |
//!
//! Every table maps bytes to bytes, encoded by the small functions below.
//! redb's B-tree code is generic over key and value types, so one type for
//! every table keeps one copy of it in the binary instead of six.
//!
//! A family is named after the jti of the refresh token a login issued; every
//! token rotated from it inherits the name, so a replayed token can revoke
//! its whole family at once.
//!
//! Every write commits with `Durability::Immediate`: when a method returns
//! `Ok`, the change is on disk. [`Store::apply`] runs a whole batch of
//! writes in one transaction (one fsync); each write is still checked on its
//! own, against the writes before it in the batch.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};

/// Every table: bytes to bytes.
type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;
type Table<'tx> = redb::Table<'tx, &'static [u8], &'static [u8]>;

const USERS: Bytes = TableDefinition::new("users");
const USERNAMES: Bytes = TableDefinition::new("usernames");
const ISSUED: Bytes = TableDefinition::new("issued");
const FAMILIES: Bytes = TableDefinition::new("families");
const BLACKLIST: Bytes = TableDefinition::new("blacklist");
const META: Bytes = TableDefinition::new("meta");
const SIGNING_KEYS: Bytes = TableDefinition::new("signing_keys");

const SCHEMA_KEY: &[u8] = b"schema_version";
const SCHEMA_VERSION: &[u8] = b"2";
const NEXT_USER_ID_KEY: &[u8] = b"next_user_id";
const SIGNING_KEY_KEY: &[u8] = b"signing_key";

/// A user's key: big-endian, so rows sort by id.
fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

fn id_from(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// Two little-endian u64s followed by a tail: the `issued` and `blacklist` rows.
fn pair_row(a: u64, b: u64, tail: &[u8]) -> Vec<u8> {
    let mut row = Vec::with_capacity(16 + tail.len());
    row.extend_from_slice(&a.to_le_bytes());
    row.extend_from_slice(&b.to_le_bytes());
    row.extend_from_slice(tail);
    row
}

fn pair_from(row: &[u8]) -> Option<(u64, u64, &[u8])> {
    let a = u64::from_le_bytes(row.get(..8)?.try_into().ok()?);
    let b = u64::from_le_bytes(row.get(8..16)?.try_into().ok()?);
    Some((a, b, row.get(16..)?))
}

/// A `families` key: the family's length, the family, then the member.
fn member_key(family: &str, jti: &str) -> Vec<u8> {
    let mut key = family_prefix(family);
    key.extend_from_slice(jti.as_bytes());
    key
}

/// The common start of every `families` key of `family`.
fn family_prefix(family: &str) -> Vec<u8> {
    let len = u16::try_from(family.len()).unwrap_or(u16::MAX);
    let mut key = Vec::with_capacity(2 + family.len() + 32);
    key.extend_from_slice(&len.to_be_bytes());
    key.extend_from_slice(family.as_bytes());
    key
}

/// A user account, with Django's `auth_user` fields that jwtd uses.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The primary key; tokens name the user by it (`user_id`).
    pub id: u64,
    /// Unique, case-sensitive.
    pub username: String,
    /// The stored hash, in Django's format (`pbkdf2_sha256$...`), or an
    /// unusable `!...` value.
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
            .finish()
    }
}

/// Encoding version 2: `[2, flags, date_joined i64 LE, last_login i64 LE
/// (i64::MIN for none), username len u16 LE, username, password len u16 LE,
/// password, tokens_valid_after u64 LE]`; flags bit 0 active, bit 1 staff,
/// bit 2 superuser. Version 1 is the same without `tokens_valid_after`, and
/// is still read.
impl User {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(30 + self.username.len() + self.password.len());
        out.push(2);
        out.push(
            u8::from(self.is_active)
                | u8::from(self.is_staff) << 1
                | u8::from(self.is_superuser) << 2,
        );
        out.extend_from_slice(&self.date_joined.to_le_bytes());
        out.extend_from_slice(&self.last_login.unwrap_or(i64::MIN).to_le_bytes());
        for text in [&self.username, &self.password] {
            // Both are bounded far below 64 KiB where they are accepted.
            let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
        }
        out.extend_from_slice(&self.tokens_valid_after.to_le_bytes());
        out
    }

    fn from_bytes(id: u64, bytes: &[u8]) -> Option<User> {
        let mut r = Reader(bytes);
        let version = r.take(1)?[0];
        if version != 1 && version != 2 {
            return None;
        }
        let flags = r.take(1)?[0];
        let date_joined = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let last_login = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let username = r.text()?;
        let password = r.text()?;
        let tokens_valid_after = match version {
            1 => 0,
            _ => u64::from_le_bytes(r.take(8)?.try_into().ok()?),
        };
        Some(User {
            id,
            username,
            password,
            is_active: flags & 1 != 0,
            is_staff: flags & 2 != 0,
            is_superuser: flags & 4 != 0,
            date_joined,
            last_login: (last_login != i64::MIN).then_some(last_login),
            tokens_valid_after,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn text(&mut self) -> Option<String> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().ok()?);
        String::from_utf8(self.take(usize::from(len))?.to_vec()).ok()
    }
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

impl Blacklisted {
    fn byte(self) -> u8 {
        match self {
            Blacklisted::Rotated => 1,
            Blacklisted::LoggedOut => 2,
            Blacklisted::Revoked => 3,
            Blacklisted::Unknown => 0,
        }
    }

    fn from_row(row: &[u8]) -> Blacklisted {
        match pair_from(row).and_then(|(_, _, tail)| tail.first().copied()) {
            Some(1) => Blacklisted::Rotated,
            Some(2) => Blacklisted::LoggedOut,
            Some(3) => Blacklisted::Revoked,
            _ => Blacklisted::Unknown,
        }
    }
}

/// A new account for [`Store::add_user`].
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
}

/// One change in a batch given to [`Store::apply`].
#[derive(Debug, Clone)]
pub enum Write {
    /// A login issued `token`, the first of a new family.
    Issue {
        /// The new refresh token.
        token: TokenRecord,
    },
    /// Rotation: `old` is spent and `new` replaces it, unless `old` is
    /// already blacklisted.
    Rotate {
        /// The refresh token presented.
        old: TokenRecord,
        /// The refresh token minted in its place.
        new: TokenRecord,
        /// Blacklist `old` (BLACKLIST_AFTER_ROTATION).
        blacklist_old: bool,
        /// On reuse of a blacklisted `old`, blacklist its whole family.
        revoke_family_on_reuse: bool,
        /// Unix seconds.
        now: u64,
    },
    /// A blacklisted refresh token was presented again: blacklist every
    /// token of its family (reuse detection).
    Reuse {
        /// The replayed token's jti.
        jti: String,
        /// Unix seconds.
        now: u64,
    },
    /// Logout: blacklist `token`, unless it already is.
    Blacklist {
        /// The refresh token to revoke.
        token: TokenRecord,
        /// Unix seconds.
        now: u64,
    },
    /// After a successful login: `last_login` and a re-hashed password.
    RecordLogin {
        /// The user who logged in.
        user_id: u64,
        /// New `last_login`, microseconds (UPDATE_LAST_LOGIN).
        last_login: Option<i64>,
        /// A new hash at the configured iterations.
        password: Option<String>,
    },
    /// Revoke everything of a user: blacklist every refresh token issued to
    /// them, and refuse every token of theirs issued before `valid_after`.
    RevokeUser {
        /// The user.
        user_id: u64,
        /// Unix seconds; the user's `tokens_valid_after` becomes at least this.
        valid_after: u64,
        /// Unix seconds.
        now: u64,
    },
    /// Delete rows of tokens whose `exp` has passed (`exp <= now`).
    Purge {
        /// Unix seconds.
        now: u64,
    },
}

/// What one [`Write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Applied.
    Done,
    /// The token was already blacklisted; nothing was written for it, except
    /// the family revocation counted here (rotation with reuse detection).
    AlreadyBlacklisted {
        /// The family the token belonged to.
        family: String,
        /// Tokens of the family newly blacklisted because of the reuse.
        revoked: u64,
    },
    /// A user's tokens revoked.
    Revoked {
        /// Refresh tokens newly blacklisted.
        tokens: u64,
    },
    /// [`Write::RevokeUser`] for a user who does not exist.
    NoSuchUser,
    /// Rows removed by a purge.
    Purged {
        /// Issued-token rows removed.
        issued: u64,
        /// Blacklist rows removed.
        blacklisted: u64,
    },
}

/// Why the store could not do something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Another process holds the database file (a running `jwtd serve`).
    InUse,
    /// The file is not a jwtd database, or was written by an incompatible
    /// version.
    Incompatible(String),
    /// I/O or transaction failure; the text is for the log, never a client.
    Io(String),
    /// [`Store::add_user`]: the username exists.
    UsernameTaken,
    /// [`Store::add_user`] with an explicit id that exists.
    IdTaken,
    /// [`Store::add_signing_key`] with an id that exists.
    KeyIdTaken,
    /// No signing key with that id.
    NoSuchKey,
    /// No user by that name.
    NoSuchUser,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InUse => {
                f.write_str("the database is in use by another process (is `jwtd serve` running?)")
            }
            StoreError::Incompatible(why) => write!(f, "not a usable jwtd database: {why}"),
            StoreError::Io(why) => write!(f, "storage error: {why}"),
            StoreError::UsernameTaken => f.write_str("a user with that username already exists"),
            StoreError::IdTaken => f.write_str("a user with that id already exists"),
            StoreError::KeyIdTaken => f.write_str("a signing key with that id already exists"),
            StoreError::NoSuchKey => f.write_str("no signing key with that id"),
            StoreError::NoSuchUser => f.write_str("no such user"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Converts every redb error at the boundary, so redb's large error types
/// never travel further.
trait OrStoreError<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T, E: Into<redb::Error>> OrStoreError<T> for Result<T, E> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(|e| match e.into() {
            redb::Error::DatabaseAlreadyOpen => StoreError::InUse,
            redb::Error::UpgradeRequired(v) => {
                StoreError::Incompatible(format!("redb file format {v} needs an upgrade"))
            }
            other => StoreError::Io(other.to_string()),
        })
    }
}

/// Opens the database on a custom backend; [`Store::reopen`] calls it again.
pub type Opener = dyn Fn() -> Result<Database, StoreError> + Send + Sync;
/// Tells whether a custom backend takes writes again.
pub type Probe = dyn Fn() -> bool + Send + Sync;

/// Where the database lives.
#[derive(Clone)]
enum Location {
    File { path: PathBuf, cache_bytes: usize },
    Memory,
    Backend(Arc<Opener>, Arc<Probe>),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { path, cache_bytes } => {
                write!(f, "{} (cache {cache_bytes} bytes)", path.display())
            }
            Location::Memory => f.write_str("memory"),
            Location::Backend(..) => f.write_str("custom backend"),
        }
    }
}

/// The database handle, shared by every thread.
pub struct Store {
    /// `None` only while [`Store::reopen`] swaps the file.
    db: RwLock<Option<Arc<Database>>>,
    location: Location,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .finish()
    }
}

impl Store {
    /// Opens or creates the database at `path` with a page cache of
    /// `cache_bytes` (redb's own default is 1 GiB).
    pub fn open(path: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        let location = Location::File {
            path: path.to_owned(),
            cache_bytes,
        };
        Store::from_db(open_database(&location)?, location)
    }

    /// A database that lives in memory, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::from_db(open_database(&Location::Memory)?, Location::Memory)
    }

    /// A fresh in-memory redb database, for openers in tests.
    pub fn open_in_memory_database() -> Result<Database, StoreError> {
        open_database(&Location::Memory)
    }

    /// A database `open` opens (again on every reopen) on a backend of its
    /// own: for tests that inject storage failures.
    pub fn open_with(open: Arc<Opener>, probe: Arc<Probe>) -> Result<Store, StoreError> {
        let location = Location::Backend(open, probe);
        Store::from_db(open_database(&location)?, location)
    }

    fn from_db(db: Database, location: Location) -> Result<Store, StoreError> {
        prepare(&db)?;
        Ok(Store {
            db: RwLock::new(Some(Arc::new(db))),
            location,
        })
    }

    fn db(&self) -> Result<Arc<Database>, StoreError> {
        let guard = self
            .db
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .clone()
            .ok_or_else(|| StoreError::Io("database is being reopened".into()))
    }

    /// Whether the storage takes writes again: a small file is written,
    /// synced and removed beside the database. Checked before a reopen after
    /// a failed commit, so that a disk still full or read-only does not cost
    /// the readers their handle.
    pub fn storage_writable(&self) -> bool {
        match &self.location {
            Location::Memory => true,
            Location::Backend(_, probe) => probe(),
            Location::File { path, .. } => {
                let mut probe = path.clone().into_os_string();
                probe.push(".probe");
                let probe = PathBuf::from(probe);
                let written = (|| {
                    use std::io::Write as _;
                    let mut file = std::fs::File::create(&probe)?;
                    file.write_all(&[0u8; 4096])?;
                    file.sync_all()
                })();
                let _ = std::fs::remove_file(&probe);
                written.is_ok()
            }
        }
    }

    /// Closes and reopens the file. redb refuses every write after a failed
    /// commit until the database is reopened, which also repairs it.
    pub fn reopen(&self) -> Result<(), StoreError> {
        if let Location::Memory = self.location {
            return Ok(());
        }
        let mut guard = self
            .db
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(mut old) = guard.take() {
            // Readers hold clones only for the length of one transaction.
            let mut waited = Duration::ZERO;
            loop {
                match Arc::try_unwrap(old) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(still_shared) if waited < Duration::from_secs(5) => {
                        old = still_shared;
                        std::thread::sleep(Duration::from_millis(1));
                        waited += Duration::from_millis(1);
                    }
                    Err(still_shared) => {
                        *guard = Some(still_shared);
                        return Err(StoreError::Io("database still in use; not reopened".into()));
                    }
                }
            }
        }
        let db = open_database(&self.location)?;
        prepare(&db)?;
        *guard = Some(Arc::new(db));
        Ok(())
    }

    // --- reads ---------------------------------------------------------

    /// The user with this id.
    pub fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let users = tx.open_table(USERS).or_store()?;
        let found = users.get(id_key(id).as_slice()).or_store()?;
        Ok(found.and_then(|bytes| User::from_bytes(id, bytes.value())))
    }

    /// The user with exactly this username (case-sensitive, as Django on
    /// SQLite and PostgreSQL).
    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let Some(id) = tx
            .open_table(USERNAMES)
            .or_store()?
            .get(username.as_bytes())
            .or_store()?
            .and_then(|g| id_from(g.value()))
        else {
            return Ok(None);
        };
        let users = tx.open_table(USERS).or_store()?;
        let found = users.get(id_key(id).as_slice()).or_store()?;
        Ok(found.and_then(|bytes| User::from_bytes(id, bytes.value())))
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        Ok(self.users_page(0, usize::MAX)?.1)
    }

    /// Whether `jti` is blacklisted.
    pub fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.blacklisting(jti)?.is_some())
    }

    /// Why `jti` is blacklisted, if it is.
    pub fn blacklisting(&self, jti: &str) -> Result<Option<Blacklisted>, StoreError> {
        Ok(self.token_state(Some(jti), None)?.0)
    }

    /// In one read transaction: why `jti` is blacklisted, if it is, and the
    /// user `user_id`, if there is one (each looked up only when given).
    pub fn token_state(
        &self,
        jti: Option<&str>,
        user_id: Option<u64>,
    ) -> Result<(Option<Blacklisted>, Option<User>), StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let why = match jti {
            Some(jti) => tx
                .open_table(BLACKLIST)
                .or_store()?
                .get(jti.as_bytes())
                .or_store()?
                .map(|row| Blacklisted::from_row(row.value())),
            None => None,
        };
        let user = match user_id {
            Some(id) => tx
                .open_table(USERS)
                .or_store()?
                .get(id_key(id).as_slice())
                .or_store()?
                .and_then(|bytes| User::from_bytes(id, bytes.value())),
            None => None,
        };
        Ok((why, user))
    }

    /// Row counts of the issued-token table and the blacklist.
    pub fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let issued = tx.open_table(ISSUED).or_store()?.len().or_store()?;
        let blacklisted = tx.open_table(BLACKLIST).or_store()?.len().or_store()?;
        Ok((issued, blacklisted))
    }

    /// The family of an issued refresh token.
    pub fn family_of(&self, jti: &str) -> Result<Option<String>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let issued = tx.open_table(ISSUED).or_store()?;
        let found = issued.get(jti.as_bytes()).or_store()?;
        Ok(found.and_then(|row| {
            pair_from(row.value())
                .map(|(_, _, family)| String::from_utf8_lossy(family).into_owned())
        }))
    }

    /// The signing key generated on first start, if there is one.
    pub fn signing_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let meta = tx.open_table(META).or_store()?;
        let key = meta.get(SIGNING_KEY_KEY).or_store()?;
        Ok(key.map(|k| k.value().to_vec()))
    }

    /// The signing key generated on first start, creating it with `generate`
    /// if there is none yet.
    pub fn signing_key_or_insert(
        &self,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        if let Some(key) = tx
            .open_table(META)
            .or_store()?
            .get(SIGNING_KEY_KEY)
            .or_store()?
        {
            return Ok(key.value().to_vec());
        }
        drop(tx);
        let key = generate();
        let tx = begin_durable_write(&db)?;
        {
            let mut meta = tx.open_table(META).or_store()?;
            let existing = meta
                .get(SIGNING_KEY_KEY)
                .or_store()?
                .map(|k| k.value().to_vec());
            if let Some(existing) = existing {
                return Ok(existing);
            }
            meta.insert(SIGNING_KEY_KEY, key.as_slice()).or_store()?;
        }
        tx.commit().or_store()?;
        Ok(key)
    }

    // --- signing keys ----------------------------------------------------

    /// Every signing key kept in the database, retired ones included,
    /// oldest first.
    pub fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let table = tx.open_table(SIGNING_KEYS).or_store()?;
        let mut keys = Vec::new();
        for row in table.iter().or_store()? {
            let (kid, row) = row.or_store()?;
            if let Some((created, retired, secret)) = pair_from(row.value()) {
                keys.push(StoredKey {
                    kid: String::from_utf8_lossy(kid.value()).into_owned(),
                    created,
                    retired: (retired != 0).then_some(retired),
                    secret: secret.to_vec(),
                });
            }
        }
        keys.sort_by(|a, b| (a.created, &a.kid).cmp(&(b.created, &b.kid)));
        Ok(keys)
    }

    /// Keeps a new signing key; its id must be free.
    pub fn add_signing_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        {
            let mut table = tx.open_table(SIGNING_KEYS).or_store()?;
            if table.get(key.kid.as_bytes()).or_store()?.is_some() {
                return Err(StoreError::KeyIdTaken);
            }
            let row = pair_row(key.created, key.retired.unwrap_or(0), &key.secret);
            table
                .insert(key.kid.as_bytes(), row.as_slice())
                .or_store()?;
        }
        tx.commit().or_store()
    }

    /// Marks the key `kid` retired at `now` (kept, so that `jwtd key list`
    /// still shows it); retiring it again keeps the first time.
    pub fn retire_signing_key(&self, kid: &str, now: u64) -> Result<(), StoreError> {
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        {
            let mut table = tx.open_table(SIGNING_KEYS).or_store()?;
            let row = table
                .get(kid.as_bytes())
                .or_store()?
                .map(|r| r.value().to_vec())
                .ok_or(StoreError::NoSuchKey)?;
            let (created, retired, secret) =
                pair_from(&row).ok_or_else(|| StoreError::Io("malformed key row".into()))?;
            if retired == 0 {
                let row = pair_row(created, now.max(1), secret);
                table.insert(kid.as_bytes(), row.as_slice()).or_store()?;
            }
        }
        tx.commit().or_store()
    }

    // --- account administration (command line) -------------------------

    /// Adds a user; the username must be free, and so must `id` if given.
    pub fn add_user(&self, new: NewUser) -> Result<User, StoreError> {
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        let user = insert_user(&tx, new)?;
        tx.commit().or_store()?;
        Ok(user)
    }

    /// Adds several users in one transaction: all of them or none. Returns
    /// the index of the first that conflicts.
    pub fn add_users(&self, new: Vec<NewUser>) -> Result<Vec<User>, (usize, StoreError)> {
        let db = self.db().map_err(|e| (0, e))?;
        let tx = begin_durable_write(&db).map_err(|e| (0, e))?;
        let mut added = Vec::with_capacity(new.len());
        for (i, user) in new.into_iter().enumerate() {
            added.push(insert_user(&tx, user).map_err(|e| (i, e))?);
        }
        tx.commit().or_store().map_err(|e| (added.len(), e))?;
        Ok(added)
    }

    /// Changes the user `username` with `change`; the id and username stay.
    pub fn update_user(
        &self,
        username: &str,
        change: impl FnOnce(&mut User),
    ) -> Result<User, StoreError> {
        self.write_user(|tx| update_in(tx, id_of(tx, username)?, change))
    }

    /// Deletes the user `username`. Its tokens stay signed but name nobody,
    /// so every use of them fails; ids are never reused.
    pub fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        self.write_user(|tx| delete_in(tx, id_of(tx, username)?))
            .map(drop)
    }

    /// Runs `change` in one durable write transaction.
    fn write_user<T>(
        &self,
        change: impl FnOnce(&redb::WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        let done = change(&tx)?;
        tx.commit().or_store()?;
        Ok(done)
    }

    // --- token state, in batches ----------------------------------------

    /// Applies `writes` in one transaction and one commit. Each write is
    /// checked against the state left by the ones before it, so of two
    /// rotations of the same token in a batch exactly one succeeds. On `Err`
    /// nothing was written.
    pub fn apply(&self, writes: &[Write]) -> Result<Vec<Outcome>, StoreError> {
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        let mut outcomes = Vec::with_capacity(writes.len());
        {
            let mut tables = Tables {
                users: tx.open_table(USERS).or_store()?,
                issued: tx.open_table(ISSUED).or_store()?,
                families: tx.open_table(FAMILIES).or_store()?,
                blacklist: tx.open_table(BLACKLIST).or_store()?,
            };
            for write in writes {
                outcomes.push(tables.apply(write)?);
            }
        }
        tx.commit().or_store()?;
        Ok(outcomes)
    }
}

/// The admin API (`/api/admin/users/`): users a page at a time, and
/// changes by id, which stays the same when a username is freed and taken
/// again.
impl Store {
    /// The number of users, and up to `limit` of them by id starting at the
    /// `offset`-th, read in one transaction. Rows before the page are
    /// skipped without being decoded.
    pub fn users_page(&self, offset: usize, limit: usize) -> Result<(u64, Vec<User>), StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        let users = tx.open_table(USERS).or_store()?;
        let count = users.len().or_store()?;
        let mut page = Vec::with_capacity(limit.min(1024));
        for row in users.iter().or_store()?.skip(offset).take(limit) {
            let (id, bytes) = row.or_store()?;
            if let Some(user) =
                id_from(id.value()).and_then(|id| User::from_bytes(id, bytes.value()))
            {
                page.push(user);
            }
        }
        Ok((count, page))
    }

    /// Changes the user with this id with `change`; the id and username stay.
    pub fn update_user_by_id(
        &self,
        id: u64,
        change: impl FnOnce(&mut User),
    ) -> Result<User, StoreError> {
        self.write_user(|tx| update_in(tx, id, change))
    }

    /// Deletes the user with this id and returns it; as
    /// [`Store::delete_user`], its tokens then name nobody.
    pub fn delete_user_by_id(&self, id: u64) -> Result<User, StoreError> {
        self.write_user(|tx| delete_in(tx, id))
    }
}

/// The id of the user `username`.
fn id_of(tx: &redb::WriteTransaction, username: &str) -> Result<u64, StoreError> {
    tx.open_table(USERNAMES)
        .or_store()?
        .get(username.as_bytes())
        .or_store()?
        .and_then(|g| id_from(g.value()))
        .ok_or(StoreError::NoSuchUser)
}

/// Changes the user `id` with `change`, keeping its id and username.
fn update_in(
    tx: &redb::WriteTransaction,
    id: u64,
    change: impl FnOnce(&mut User),
) -> Result<User, StoreError> {
    let mut users = tx.open_table(USERS).or_store()?;
    let mut user = users
        .get(id_key(id).as_slice())
        .or_store()?
        .and_then(|bytes| User::from_bytes(id, bytes.value()))
        .ok_or(StoreError::NoSuchUser)?;
    let username = user.username.clone();
    change(&mut user);
    user.id = id;
    user.username = username;
    users
        .insert(id_key(id).as_slice(), user.to_bytes().as_slice())
        .or_store()?;
    Ok(user)
}

/// Deletes the user `id` and its username, returning it.
fn delete_in(tx: &redb::WriteTransaction, id: u64) -> Result<User, StoreError> {
    let user = tx
        .open_table(USERS)
        .or_store()?
        .remove(id_key(id).as_slice())
        .or_store()?
        .and_then(|bytes| User::from_bytes(id, bytes.value()))
        .ok_or(StoreError::NoSuchUser)?;
    tx.open_table(USERNAMES)
        .or_store()?
        .remove(user.username.as_bytes())
        .or_store()?;
    Ok(user)
}

fn open_database(location: &Location) -> Result<Database, StoreError> {
    match location {
        Location::File { path, cache_bytes } => Database::builder()
            .set_cache_size(*cache_bytes)
            .create(path)
            .or_store(),
        Location::Memory => Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .or_store(),
        Location::Backend(open, _) => open(),
    }
}

fn begin_durable_write(db: &Database) -> Result<redb::WriteTransaction, StoreError> {
    let mut tx = db.begin_write().or_store()?;
    tx.set_durability(Durability::Immediate)
        .map_err(|e| StoreError::Io(e.to_string()))?;
    Ok(tx)
}

/// Creates the tables (a read of a table never created fails) and checks the
/// schema version.
fn prepare(db: &Database) -> Result<(), StoreError> {
    let tx = begin_durable_write(db)?;
    {
        tx.open_table(USERS).or_store()?;
        tx.open_table(USERNAMES).or_store()?;
        tx.open_table(ISSUED).or_store()?;
        tx.open_table(FAMILIES).or_store()?;
        tx.open_table(BLACKLIST).or_store()?;
        tx.open_table(SIGNING_KEYS).or_store()?;
        let mut meta = tx.open_table(META).or_store()?;
        let version = meta.get(SCHEMA_KEY).or_store()?.map(|v| v.value().to_vec());
        match version {
            None => {
                meta.insert(SCHEMA_KEY, SCHEMA_VERSION).or_store()?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => {
                return Err(StoreError::Incompatible(format!(
                    "schema version {}",
                    String::from_utf8_lossy(&v)
                )))
            }
        }
    }
    tx.commit().or_store()
}

fn insert_user(tx: &redb::WriteTransaction, new: NewUser) -> Result<User, StoreError> {
    let mut usernames = tx.open_table(USERNAMES).or_store()?;
    let mut users = tx.open_table(USERS).or_store()?;
    let mut meta = tx.open_table(META).or_store()?;
    if usernames
        .get(new.user.username.as_bytes())
        .or_store()?
        .is_some()
    {
        return Err(StoreError::UsernameTaken);
    }
    let next = match meta.get(NEXT_USER_ID_KEY).or_store()? {
        Some(bytes) => {
            u64::from_le_bytes(bytes.value().try_into().unwrap_or([1, 0, 0, 0, 0, 0, 0, 0]))
        }
        None => 1,
    };
    let id = match new.id {
        Some(id) => {
            if users.get(id_key(id).as_slice()).or_store()?.is_some() {
                return Err(StoreError::IdTaken);
            }
            id
        }
        None => next,
    };
    // Ids only grow, so a deleted user's tokens can never name a new user.
    let next = next.max(id.saturating_add(1));
    meta.insert(NEXT_USER_ID_KEY, next.to_le_bytes().as_slice())
        .or_store()?;
    let mut user = new.user;
    user.id = id;
    usernames
        .insert(user.username.as_bytes(), id_key(id).as_slice())
        .or_store()?;
    users
        .insert(id_key(id).as_slice(), user.to_bytes().as_slice())
        .or_store()?;
    Ok(user)
}

/// The tables a batch writes, open for the length of the batch.
struct Tables<'tx> {
    users: Table<'tx>,
    issued: Table<'tx>,
    families: Table<'tx>,
    blacklist: Table<'tx>,
}

impl Tables<'_> {
    fn apply(&mut self, write: &Write) -> Result<Outcome, StoreError> {
        match write {
            Write::Issue { token } => {
                self.issue(token, &token.jti)?;
                Ok(Outcome::Done)
            }
            Write::Rotate {
                old,
                new,
                blacklist_old,
                revoke_family_on_reuse,
                now,
            } => {
                let family = self.family_of(old)?;
                if self.blacklisted(&old.jti)? {
                    let revoked = if *revoke_family_on_reuse {
                        self.revoke_family(&family, *now)?
                    } else {
                        0
                    };
                    return Ok(Outcome::AlreadyBlacklisted { family, revoked });
                }
                if *blacklist_old {
                    self.blacklist(&old.jti, *now, old.exp, Blacklisted::Rotated)?;
                    // A token minted elsewhere becomes the root of its own family.
                    if self.issued.get(old.jti.as_bytes()).or_store()?.is_none() {
                        self.issue(old, &family)?;
                    }
                }
                self.issue(new, &family)?;
                Ok(Outcome::Done)
            }
            Write::Reuse { jti, now } => {
                let token = TokenRecord {
                    jti: jti.clone(),
                    user_id: 0,
                    exp: 0,
                };
                let family = self.family_of(&token)?;
                let revoked = self.revoke_family(&family, *now)?;
                Ok(Outcome::AlreadyBlacklisted { family, revoked })
            }
            Write::Blacklist { token, now } => {
                if self.blacklisted(&token.jti)? {
                    let family = self.family_of(token)?;
                    return Ok(Outcome::AlreadyBlacklisted { family, revoked: 0 });
                }
                self.blacklist(&token.jti, *now, token.exp, Blacklisted::LoggedOut)?;
                if self.issued.get(token.jti.as_bytes()).or_store()?.is_none() {
                    self.issue(token, &token.jti)?;
                }
                Ok(Outcome::Done)
            }
            Write::RecordLogin {
                user_id,
                last_login,
                password,
            } => {
                let found = self
                    .users
                    .get(id_key(*user_id).as_slice())
                    .or_store()?
                    .map(|b| b.value().to_vec());
                if let Some(mut user) = found.and_then(|b| User::from_bytes(*user_id, &b)) {
                    if let Some(at) = last_login {
                        user.last_login = Some(*at);
                    }
                    if let Some(hash) = password {
                        user.password.clone_from(hash);
                    }
                    self.users
                        .insert(id_key(*user_id).as_slice(), user.to_bytes().as_slice())
                        .or_store()?;
                }
                Ok(Outcome::Done)
            }
            Write::RevokeUser {
                user_id,
                valid_after,
                now,
            } => self.revoke_user(*user_id, *valid_after, *now),
            Write::Purge { now } => self.purge(*now),
        }
    }

    /// The `issued` table has no index by user: a revocation reads it whole,
    /// which keeps every rotation one index update cheaper. Tokens not in it
    /// (minted elsewhere with the same key) are refused by the user's
    /// `tokens_valid_after` instead.
    fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<Outcome, StoreError> {
        let found = self
            .users
            .get(id_key(user_id).as_slice())
            .or_store()?
            .map(|b| b.value().to_vec());
        let Some(mut user) = found.and_then(|b| User::from_bytes(user_id, &b)) else {
            return Ok(Outcome::NoSuchUser);
        };
        user.tokens_valid_after = user.tokens_valid_after.max(valid_after);
        self.users
            .insert(id_key(user_id).as_slice(), user.to_bytes().as_slice())
            .or_store()?;
        let mut theirs = Vec::new();
        for row in self.issued.iter().or_store()? {
            let (jti, row) = row.or_store()?;
            if let Some((owner, exp, _)) = pair_from(row.value()) {
                if owner == user_id && exp > now {
                    theirs.push((String::from_utf8_lossy(jti.value()).into_owned(), exp));
                }
            }
        }
        let mut tokens = 0;
        for (jti, exp) in theirs {
            if !self.blacklisted(&jti)? {
                self.blacklist(&jti, now, exp, Blacklisted::Revoked)?;
                tokens += 1;
            }
        }
        Ok(Outcome::Revoked { tokens })
    }

    fn family_of(&self, token: &TokenRecord) -> Result<String, StoreError> {
        let row = self.issued.get(token.jti.as_bytes()).or_store()?;
        let family = row.and_then(|r| {
            pair_from(r.value()).map(|(_, _, family)| String::from_utf8_lossy(family).into_owned())
        });
        Ok(family.unwrap_or_else(|| token.jti.clone()))
    }

    fn blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.blacklist.get(jti.as_bytes()).or_store()?.is_some())
    }

    fn blacklist(
        &mut self,
        jti: &str,
        now: u64,
        exp: u64,
        why: Blacklisted,
    ) -> Result<(), StoreError> {
        self.blacklist
            .insert(jti.as_bytes(), pair_row(now, exp, &[why.byte()]).as_slice())
            .or_store()?;
        Ok(())
    }

    fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
        let row = pair_row(token.user_id, token.exp, family.as_bytes());
        self.issued
            .insert(token.jti.as_bytes(), row.as_slice())
            .or_store()?;
        self.families
            .insert(member_key(family, &token.jti).as_slice(), [].as_slice())
            .or_store()?;
        Ok(())
    }

    /// Blacklists every member of `family` not yet blacklisted.
    fn revoke_family(&mut self, family: &str, now: u64) -> Result<u64, StoreError> {
        let prefix = family_prefix(family);
        let mut members = Vec::new();
        for row in self.families.range(prefix.as_slice()..).or_store()? {
            let (key, _) = row.or_store()?;
            let Some(jti) = key.value().strip_prefix(prefix.as_slice()) else {
                break;
            };
            members.push(String::from_utf8_lossy(jti).into_owned());
        }
        let mut revoked = 0;
        for jti in members {
            if self.blacklisted(&jti)? {
                continue;
            }
            let exp = self
                .issued
                .get(jti.as_bytes())
                .or_store()?
                .and_then(|r| pair_from(r.value()).map(|(_, exp, _)| exp))
                .unwrap_or(u64::MAX);
            self.blacklist(&jti, now, exp, Blacklisted::Revoked)?;
            revoked += 1;
        }
        Ok(revoked)
    }

    fn purge(&mut self, now: u64) -> Result<Outcome, StoreError> {
        let mut expired: Vec<(String, String)> = Vec::new();
        let before = self.issued.len().or_store()?;
        self.issued
            .retain(|jti, row| {
                let Some((_, exp, family)) = pair_from(row) else {
                    return false;
                };
                let keep = exp > now;
                if !keep {
                    let family = String::from_utf8_lossy(family).into_owned();
                    expired.push((family, String::from_utf8_lossy(jti).into_owned()));
                }
                keep
            })
            .or_store()?;
        for (family, jti) in &expired {
            self.families
                .remove(member_key(family, jti).as_slice())
                .or_store()?;
        }
        let issued = before - self.issued.len().or_store()?;
        let before = self.blacklist.len().or_store()?;
        self.blacklist
            .retain(|_, row| pair_from(row).is_some_and(|(_, exp, _)| exp > now))
            .or_store()?;
        let blacklisted = before - self.blacklist.len().or_store()?;
        Ok(Outcome::Purged {
            issued,
            blacklisted,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    fn user(name: &str) -> NewUser {
        NewUser {
            id: None,
            user: User {
                id: 0,
                username: name.into(),
                password: "pbkdf2_sha256$1000$salt$hash".into(),
                is_active: true,
                is_staff: false,
                is_superuser: false,
                date_joined: 1_735_689_600_000_000,
                last_login: None,
                tokens_valid_after: 0,
            },
        }
    }

    fn token(jti: &str, exp: u64) -> TokenRecord {
        TokenRecord {
            jti: jti.into(),
            user_id: 1,
            exp,
        }
    }

    fn rotate(old: &str, new: &str) -> Write {
        Write::Rotate {
            old: token(old, 100),
            new: token(new, 200),
            blacklist_old: true,
            revoke_family_on_reuse: false,
            now: 10,
        }
    }

    #[test]
    fn user_record_round_trips() {
        let mut u = user("zoë").user;
        u.id = 7;
        u.is_staff = true;
        u.last_login = Some(-5);
        assert_eq!(User::from_bytes(7, &u.to_bytes()), Some(u.clone()));
        u.last_login = None;
        u.is_active = false;
        u.tokens_valid_after = 1_735_689_601;
        assert_eq!(User::from_bytes(7, &u.to_bytes()), Some(u.clone()));
        assert_eq!(User::from_bytes(7, &[2, 0]), None);
        assert_eq!(User::from_bytes(7, &[1, 0, 1]), None);
        assert_eq!(User::from_bytes(7, &[3, 0]), None);
        // Version 1, written before revocation existed, reads as never revoked.
        let mut v1 = u.to_bytes();
        v1.truncate(v1.len() - 8);
        v1[0] = 1;
        u.tokens_valid_after = 0;
        assert_eq!(User::from_bytes(7, &v1), Some(u));
    }

    #[test]
    fn revoking_a_user_blacklists_only_their_live_tokens() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(user("alice")).unwrap();
        store.add_user(user("bob")).unwrap();
        let token = |jti: &str, user_id, exp| TokenRecord {
            jti: jti.into(),
            user_id,
            exp,
        };
        store
            .apply(&[
                Write::Issue {
                    token: token("a1", 1, 500),
                },
                Write::Issue {
                    token: token("a2", 1, 500),
                },
                Write::Issue {
                    token: token("a-expired", 1, 50),
                },
                Write::Issue {
                    token: token("b1", 2, 500),
                },
                Write::Blacklist {
                    token: token("a2", 1, 500),
                    now: 90,
                },
            ])
            .unwrap();
        let revoke = |user_id, valid_after| Write::RevokeUser {
            user_id,
            valid_after,
            now: 100,
        };
        assert_eq!(
            store.apply(&[revoke(1, 101)]).unwrap(),
            [Outcome::Revoked { tokens: 1 }]
        );
        assert!(store.is_blacklisted("a1").unwrap());
        assert!(!store.is_blacklisted("a-expired").unwrap());
        assert!(!store.is_blacklisted("b1").unwrap());
        assert_eq!(store.user(1).unwrap().unwrap().tokens_valid_after, 101);
        assert_eq!(store.user(2).unwrap().unwrap().tokens_valid_after, 0);
        // The time only moves forward; a second revocation finds nothing new.
        assert_eq!(
            store.apply(&[revoke(1, 60)]).unwrap(),
            [Outcome::Revoked { tokens: 0 }]
        );
        assert_eq!(store.user(1).unwrap().unwrap().tokens_valid_after, 101);
        assert_eq!(
            store.apply(&[revoke(9, 101)]).unwrap(),
            [Outcome::NoSuchUser]
        );
    }

    #[test]
    fn users_get_increasing_ids_that_are_never_reused() {
        let store = Store::open_in_memory().unwrap();
        let a = store.add_user(user("alice")).unwrap();
        let b = store.add_user(user("bob")).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(
            store.add_user(user("alice")).unwrap_err(),
            StoreError::UsernameTaken
        );
        store.delete_user("bob").unwrap();
        assert_eq!(store.user(2).unwrap(), None);
        assert_eq!(store.add_user(user("carol")).unwrap().id, 3);
        let mut imported = user("dave");
        imported.id = Some(42);
        assert_eq!(store.add_user(imported).unwrap().id, 42);
        assert_eq!(store.add_user(user("erin")).unwrap().id, 43);
        let mut clash = user("frank");
        clash.id = Some(1);
        assert_eq!(store.add_user(clash).unwrap_err(), StoreError::IdTaken);
        assert_eq!(store.user_by_name("alice").unwrap().unwrap().id, 1);
        assert_eq!(store.user_by_name("Alice").unwrap(), None, "case-sensitive");
        let names: Vec<String> = store
            .users()
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["alice", "carol", "dave", "erin"]);
    }

    #[test]
    fn add_users_is_all_or_nothing() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(user("alice")).unwrap();
        let err = store
            .add_users(vec![user("x"), user("y"), user("alice")])
            .unwrap_err();
        assert_eq!(err, (2, StoreError::UsernameTaken));
        assert_eq!(store.users().unwrap().len(), 1);
        assert_eq!(
            store.add_users(vec![user("x"), user("y")]).unwrap().len(),
            2
        );
    }

    #[test]
    fn update_and_delete_user() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(user("alice")).unwrap();
        let u = store.update_user("alice", |u| u.is_active = false).unwrap();
        assert!(!u.is_active);
        assert!(!store.user(1).unwrap().unwrap().is_active);
        assert_eq!(
            store.update_user("nobody", |_| {}).unwrap_err(),
            StoreError::NoSuchUser
        );
        store.delete_user("alice").unwrap();
        assert_eq!(
            store.delete_user("alice").unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(store.user_by_name("alice").unwrap(), None);
    }

    #[test]
    fn users_page_by_page_and_changes_by_id() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.users_page(0, 10).unwrap(), (0, vec![]));
        for name in ["a", "b", "c", "d", "e"] {
            store.add_user(user(name)).unwrap();
        }
        let names = |(count, page): (u64, Vec<User>)| {
            let names: Vec<String> = page.into_iter().map(|u| u.username).collect();
            (count, names.join(","))
        };
        assert_eq!(names(store.users_page(0, 2).unwrap()), (5, "a,b".into()));
        assert_eq!(names(store.users_page(4, 2).unwrap()), (5, "e".into()));
        assert_eq!(names(store.users_page(9, 2).unwrap()), (5, String::new()));
        // By id: the username cannot change, and a deleted id stays deleted
        // even when its name is taken again.
        let b = store
            .update_user_by_id(2, |u| {
                u.is_staff = true;
                u.username = "renamed".into();
            })
            .unwrap();
        assert_eq!((b.username.as_str(), b.is_staff), ("b", true));
        assert_eq!(store.delete_user_by_id(2).unwrap().username, "b");
        assert_eq!(
            store.delete_user_by_id(2).unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(store.user_by_name("b").unwrap(), None);
        assert_eq!(store.add_user(user("b")).unwrap().id, 6);
        assert_eq!(
            store.update_user_by_id(2, |_| {}).unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(names(store.users_page(1, 2).unwrap()), (5, "c,d".into()));
    }

    #[test]
    fn one_rotation_wins_within_a_batch() {
        let store = Store::open_in_memory().unwrap();
        store
            .apply(&[Write::Issue {
                token: token("a", 100),
            }])
            .unwrap();
        let outcomes = store
            .apply(&[rotate("a", "b1"), rotate("a", "b2")])
            .unwrap();
        assert_eq!(outcomes[0], Outcome::Done);
        assert!(
            matches!(outcomes[1], Outcome::AlreadyBlacklisted { ref family, revoked: 0 } if family == "a")
        );
        assert!(store.is_blacklisted("a").unwrap());
        assert_eq!(store.family_of("b1").unwrap().as_deref(), Some("a"));
        assert_eq!(
            store.family_of("b2").unwrap(),
            None,
            "the loser wrote nothing"
        );
        // Across batches too.
        let again = store.apply(&[rotate("a", "b3")]).unwrap();
        assert!(matches!(again[0], Outcome::AlreadyBlacklisted { .. }));
    }

    #[test]
    fn a_foreign_token_starts_its_own_family() {
        let store = Store::open_in_memory().unwrap();
        store.apply(&[rotate("django", "ours")]).unwrap();
        assert_eq!(store.family_of("ours").unwrap().as_deref(), Some("django"));
        assert_eq!(
            store.family_of("django").unwrap().as_deref(),
            Some("django")
        );
    }

    #[test]
    fn reuse_revokes_the_family_when_asked() {
        let store = Store::open_in_memory().unwrap();
        store
            .apply(&[Write::Issue {
                token: token("root", 100),
            }])
            .unwrap();
        store.apply(&[rotate("root", "r1")]).unwrap();
        store.apply(&[rotate("r1", "r2")]).unwrap();
        store
            .apply(&[Write::Issue {
                token: token("other", 100),
            }])
            .unwrap();
        let replay = Write::Rotate {
            old: token("root", 100),
            new: token("evil", 200),
            blacklist_old: true,
            revoke_family_on_reuse: true,
            now: 20,
        };
        let outcome = store.apply(&[replay]).unwrap();
        assert_eq!(
            outcome[0],
            Outcome::AlreadyBlacklisted {
                family: "root".into(),
                revoked: 1
            }
        );
        assert!(
            store.is_blacklisted("r2").unwrap(),
            "the live descendant is revoked"
        );
        assert!(
            !store.is_blacklisted("other").unwrap(),
            "other logins are untouched"
        );
        assert!(!store.is_blacklisted("evil").unwrap());
    }

    #[test]
    fn blacklist_once() {
        let store = Store::open_in_memory().unwrap();
        let w = Write::Blacklist {
            token: token("t", 100),
            now: 1,
        };
        let outcomes = store.apply(&[w.clone(), w.clone()]).unwrap();
        assert_eq!(outcomes[0], Outcome::Done);
        assert!(matches!(outcomes[1], Outcome::AlreadyBlacklisted { .. }));
        assert!(store.is_blacklisted("t").unwrap());
    }

    #[test]
    fn purge_removes_rows_at_and_after_exp() {
        let store = Store::open_in_memory().unwrap();
        store
            .apply(&[
                Write::Issue {
                    token: token("old", 50),
                },
                Write::Issue {
                    token: token("new", 500),
                },
                Write::Blacklist {
                    token: token("old", 50),
                    now: 1,
                },
                Write::Blacklist {
                    token: token("new", 500),
                    now: 1,
                },
            ])
            .unwrap();
        let purged = store.apply(&[Write::Purge { now: 50 }]).unwrap();
        assert_eq!(
            purged[0],
            Outcome::Purged {
                issued: 1,
                blacklisted: 1
            }
        );
        assert_eq!(store.token_counts().unwrap(), (1, 1));
        assert!(!store.is_blacklisted("old").unwrap());
        assert!(store.is_blacklisted("new").unwrap());
        assert_eq!(store.family_of("old").unwrap(), None);
    }

    #[test]
    fn record_login_updates_the_user() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(user("alice")).unwrap();
        store
            .apply(&[Write::RecordLogin {
                user_id: 1,
                last_login: Some(99),
                password: Some("pbkdf2_sha256$2$x$y".into()),
            }])
            .unwrap();
        let u = store.user(1).unwrap().unwrap();
        assert_eq!(u.last_login, Some(99));
        assert_eq!(u.password, "pbkdf2_sha256$2$x$y");
        // A user deleted meanwhile is simply skipped.
        let skipped = store.apply(&[Write::RecordLogin {
            user_id: 9,
            last_login: Some(1),
            password: None,
        }]);
        assert_eq!(skipped.unwrap(), [Outcome::Done]);
    }

    #[test]
    fn the_blacklist_keeps_why() {
        let store = Store::open_in_memory().unwrap();
        let token = |jti: &str| TokenRecord {
            jti: jti.into(),
            user_id: 1,
            exp: 500,
        };
        store.add_user(user("alice")).unwrap();
        store
            .apply(&[
                Write::Issue { token: token("a") },
                Write::Rotate {
                    old: token("a"),
                    new: token("b"),
                    blacklist_old: true,
                    revoke_family_on_reuse: true,
                    now: 10,
                },
                Write::Blacklist {
                    token: token("b"),
                    now: 11,
                },
                Write::Issue { token: token("c") },
                Write::RevokeUser {
                    user_id: 1,
                    valid_after: 13,
                    now: 12,
                },
            ])
            .unwrap();
        let why = |jti| store.blacklisting(jti).unwrap();
        assert_eq!(why("a"), Some(Blacklisted::Rotated));
        assert_eq!(why("b"), Some(Blacklisted::LoggedOut));
        assert_eq!(why("c"), Some(Blacklisted::Revoked));
        assert_eq!(why("d"), None);
        // Rows written before the reason was kept read as rotations.
        assert_eq!(
            Blacklisted::from_row(&pair_row(1, 2, &[])),
            Blacklisted::Unknown
        );
    }

    #[test]
    fn signing_keys_are_kept_listed_and_retired() {
        let store = Store::open_in_memory().unwrap();
        let key = |kid: &str, created| StoredKey {
            kid: kid.into(),
            created,
            retired: None,
            secret: format!("secret of {kid}").into_bytes(),
        };
        store.add_signing_key(&key("b", 20)).unwrap();
        store.add_signing_key(&key("a", 10)).unwrap();
        assert_eq!(
            store.add_signing_key(&key("a", 30)),
            Err(StoreError::KeyIdTaken)
        );
        assert_eq!(store.signing_keys().unwrap(), [key("a", 10), key("b", 20)]);
        store.retire_signing_key("a", 50).unwrap();
        store.retire_signing_key("a", 60).unwrap();
        assert_eq!(
            store.retire_signing_key("zz", 60),
            Err(StoreError::NoSuchKey)
        );
        let keys = store.signing_keys().unwrap();
        assert_eq!(keys[0].retired, Some(50));
        assert_eq!(keys[0].secret, b"secret of a");
        assert_eq!(keys[1].retired, None);
        assert!(!format!("{:?}", keys[0]).contains("secret of"));
    }

    #[test]
    fn signing_key_is_generated_once() {
        let store = Store::open_in_memory().unwrap();
        let first = store.signing_key_or_insert(|| b"one".to_vec()).unwrap();
        let second = store.signing_key_or_insert(|| b"two".to_vec()).unwrap();
        assert_eq!(
            (first.as_slice(), second.as_slice()),
            (&b"one"[..], &b"one"[..])
        );
    }

    /// A file backend whose writes and syncs fail with ENOSPC while `full`.
    #[derive(Debug)]
    pub(crate) struct FullDisk {
        inner: redb::backends::FileBackend,
        full: Arc<std::sync::atomic::AtomicBool>,
    }

    impl FullDisk {
        /// Opens `path` through a `FullDisk` that fails while `full`.
        pub(crate) fn opener(
            path: PathBuf,
            full: Arc<std::sync::atomic::AtomicBool>,
        ) -> Arc<Opener> {
            Arc::new(move || {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
                    .map_err(|e| StoreError::Io(e.to_string()))?;
                let inner = redb::backends::FileBackend::new(file).or_store()?;
                let backend = FullDisk {
                    inner,
                    full: full.clone(),
                };
                Database::builder().create_with_backend(backend).or_store()
            })
        }

        /// Writable while not `full`.
        pub(crate) fn probe(full: Arc<std::sync::atomic::AtomicBool>) -> Arc<Probe> {
            Arc::new(move || !full.load(std::sync::atomic::Ordering::SeqCst))
        }

        fn check(&self) -> std::io::Result<()> {
            if self.full.load(std::sync::atomic::Ordering::SeqCst) {
                Err(std::io::Error::from_raw_os_error(28)) // ENOSPC
            } else {
                Ok(())
            }
        }
    }

    type Bounds = std::ops::Bound<u64>;

    impl redb::StorageBackend for FullDisk {
        fn len(&self) -> std::io::Result<u64> {
            self.inner.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
            self.inner.read(offset, out)
        }
        fn set_len(&self, len: u64) -> std::io::Result<()> {
            self.check()?;
            self.inner.set_len(len)
        }
        fn sync_data(&self) -> std::io::Result<()> {
            self.check()?;
            self.inner.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
            self.check()?;
            self.inner.write(offset, data)
        }
        fn close(&self) -> std::io::Result<()> {
            self.inner.close()
        }
        fn try_lock_range(&self, start: Bounds, end: Bounds) -> Result<bool, redb::BackendError> {
            self.inner.try_lock_range(start, end)
        }
        fn try_lock_shared_range(
            &self,
            start: Bounds,
            end: Bounds,
        ) -> Result<bool, redb::BackendError> {
            self.inner.try_lock_shared_range(start, end)
        }
        fn lock_range(&self, start: Bounds, end: Bounds) -> Result<(), redb::BackendError> {
            self.inner.lock_range(start, end)
        }
        fn lock_shared_range(&self, start: Bounds, end: Bounds) -> Result<(), redb::BackendError> {
            self.inner.lock_shared_range(start, end)
        }
        fn unlock_range(&self, start: Bounds, end: Bounds) -> Result<(), redb::BackendError> {
            self.inner.unlock_range(start, end)
        }
        fn query_lock_range(&self, start: Bounds, end: Bounds) -> Result<bool, redb::BackendError> {
            self.inner.query_lock_range(start, end)
        }
    }

    #[test]
    fn a_full_disk_fails_writes_keeps_reads_and_recovers_after_reopen() {
        let dir = std::env::temp_dir().join(format!("jwtd-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("full.redb");
        let _ = std::fs::remove_file(&path);
        let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let store = Store::open_with(
            FullDisk::opener(path.clone(), full.clone()),
            FullDisk::probe(full.clone()),
        )
        .unwrap();
        store.add_user(user("alice")).unwrap();
        store
            .apply(&[Write::Issue {
                token: token("a", 100),
            }])
            .unwrap();

        full.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(
            store.apply(&[Write::Issue {
                token: token("b", 100)
            }]),
            Err(StoreError::Io(_))
        ));
        // Reads go on.
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        assert_eq!(store.family_of("a").unwrap().as_deref(), Some("a"));
        assert_eq!(
            store.family_of("b").unwrap(),
            None,
            "the failed batch left nothing"
        );

        // The disk recovers; redb wants a reopen before it writes again.
        assert!(!store.storage_writable());
        full.store(false, std::sync::atomic::Ordering::SeqCst);
        assert!(store.storage_writable());
        store.reopen().unwrap();
        store
            .apply(&[Write::Issue {
                token: token("c", 100),
            }])
            .unwrap();
        assert_eq!(store.family_of("c").unwrap().as_deref(), Some("c"));
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_open_of_the_file_is_refused_and_reopen_works() {
        let dir = std::env::temp_dir().join(format!("jwtd-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lock.redb");
        let _ = std::fs::remove_file(&path);
        let store = Store::open(&path, 1 << 20).unwrap();
        store.add_user(user("alice")).unwrap();
        assert_eq!(Store::open(&path, 1 << 20).unwrap_err(), StoreError::InUse);
        store.reopen().unwrap();
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        drop(store);
        let store = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(store.users().unwrap().len(), 1);
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
