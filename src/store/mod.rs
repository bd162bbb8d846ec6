//! Persistent state: users, the token state (refresh tokens issued and
//! their families, the blacklist with its reason, each user's
//! `tokens_valid_after`) and the signing keys.
//!
//! The rest of the program talks to [`Store`], an enum over the backends:
//! each method dispatches to the backend the store holds, so that a backend
//! is added in one place. Reads that must see one state (a token's
//! blacklist row and its user) are one read transaction. Writes of token
//! state and of users are [`Change`]s, applied in batches by
//! [`Store::apply`]: one transaction and one durable commit per batch, each
//! change decided against the ones before it, so a rotation, a logout or a
//! reuse is one atomic decision.
//!
//! | file | owns |
//! |---|---|
//! | `records.rs` | the records, backend-neutral: [`User`], [`UserField`], [`NewUser`], [`TokenRecord`], [`Blacklisted`], [`StoredKey`], [`Backup`] |
//! | `change.rs` | the batch given to apply: [`Change`], [`ChangeOutcome`], [`UserKey`], [`UserUpdate`] |
//! | `decide.rs` | how each change is decided, once for every backend, from its batch's reads and writes |
//! | `error.rs` | [`StoreError`], which keeps the backend's error as its source |
//! | `address.rs` | [`Address`]: where the database is, a file or a `postgres://` URL |
//! | `redb/` | [`RedbStore`]: everything in one embedded redb file |
//! | `postgres/` | `PostgresStore` (the `postgres` feature): Django's own tables, shared by replicas |
//! | `user_table.rs` | [`UserTable`]: the user table and login field of a database shared with Django |
//! | `fixtures.rs` | (tests) records for the store's own tests |
//! | `conformance/` | (tests) the store's behaviour, run on every backend: tokens, users, keys |

mod address;
mod change;
#[cfg(test)]
mod conformance;
mod decide;
mod error;
#[cfg(test)]
mod fixtures;
#[cfg(feature = "postgres")]
mod postgres;
mod records;
mod redb;
mod user_table;

use std::path::Path;

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
pub use self::redb::RedbStore;
pub use address::{Address, PostgresHost, PostgresUrl};
pub use change::{Change, ChangeOutcome, Rehash, UserKey, UserUpdate};
pub use error::StoreError;
pub use records::{Backup, Blacklisted, NewUser, StoredKey, TokenRecord, User, UserField};
pub use user_table::UserTable;

/// The database, whichever backend holds it; shared by every thread.
#[derive(Debug)]
pub enum Store {
    /// One redb file (in tests, memory).
    Redb(RedbStore),
    /// A PostgreSQL database, shared with other replicas and with Django.
    #[cfg(feature = "postgres")]
    Postgres(Box<PostgresStore>),
}

/// How to open a database, beyond its address.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// redb's page cache, in bytes.
    pub cache_bytes: usize,
    /// The login field (redb: `username` or `email`); PostgreSQL: the user
    /// table too.
    pub users: UserTable,
    /// PostgreSQL: the most connections this process opens.
    pub connections: usize,
}

/// Runs `$call` on the backend `$store` holds, bound to `$backend`.
macro_rules! on_backend {
    ($store:expr, $backend:ident => $call:expr) => {
        match $store {
            Store::Redb($backend) => $call,
            #[cfg(feature = "postgres")]
            Store::Postgres($backend) => $call,
        }
    };
}

/// Opening, and recovery after a failed commit.
impl Store {
    /// Opens or creates the redb database at `path` with a page cache of
    /// `cache_bytes` (redb's own default is 1 GiB).
    pub fn open(path: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        RedbStore::open(path, cache_bytes).map(Store::Redb)
    }

    /// Opens the database at `address`: a redb file (created if missing),
    /// or a PostgreSQL database (its tables created if missing).
    pub fn open_at(address: &Address, options: &OpenOptions) -> Result<Store, StoreError> {
        match address {
            Address::File(_) if !matches!(options.users.login.as_str(), "username" | "email") => {
                Err(StoreError::Incompatible(
                    "USERNAME_FIELD: a redb database logs users in by username or email".to_owned(),
                ))
            }
            Address::File(path) => Store::open(path, options.cache_bytes),
            #[cfg(feature = "postgres")]
            Address::Postgres(url) => PostgresStore::open(url, &options.users, options.connections)
                .map(|store| Store::Postgres(Box::new(store))),
            #[cfg(not(feature = "postgres"))]
            Address::Postgres(_) => Err(StoreError::Incompatible(
                "this jwtd was built without PostgreSQL support \
                 (build it with `cargo build --release --features postgres`)"
                    .to_owned(),
            )),
        }
    }

    /// Whether other processes share this database (PostgreSQL), so that
    /// what this process remembers of it may be stale.
    pub fn is_shared(&self) -> bool {
        match self {
            Store::Redb(_) => false,
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => true,
        }
    }

    /// A database that lives in memory, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        RedbStore::open_in_memory().map(Store::Redb)
    }

    /// A database file at `path` whose writes and syncs fail with ENOSPC
    /// while `full` is set, for tests of a disk that fills up.
    #[cfg(test)]
    pub(crate) fn open_on_failing_disk(
        path: &Path,
        full: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<Store, StoreError> {
        RedbStore::open_on_failing_disk(path, full).map(Store::Redb)
    }

    /// A database file at `path` that counts its syncs in `syncs`.
    #[cfg(test)]
    pub(crate) fn open_counting_syncs(
        path: &Path,
        syncs: std::sync::Arc<std::sync::atomic::AtomicU32>,
    ) -> Result<Store, StoreError> {
        RedbStore::open_on_counting_disk(path, std::sync::Arc::default(), syncs).map(Store::Redb)
    }

    /// A database in memory whose every reopen fails, for tests of a disk
    /// that vanished.
    #[cfg(test)]
    pub(crate) fn open_in_memory_that_cannot_reopen() -> Result<Store, StoreError> {
        RedbStore::open_in_memory_that_cannot_reopen().map(Store::Redb)
    }

    /// Whether the storage takes writes again. Checked before a reopen
    /// after a failed commit, so that a disk still full or read-only does
    /// not cost the readers their handle.
    pub fn storage_writable(&self) -> bool {
        on_backend!(self, store => store.storage_writable())
    }

    /// Reopens the database after a failed commit: redb refuses every write
    /// after one until the database is reopened, which also repairs it.
    pub fn reopen(&self) -> Result<(), StoreError> {
        on_backend!(self, store => store.reopen())
    }
}

/// Users.
impl Store {
    /// The user with this id.
    pub fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        on_backend!(self, store => store.user(id))
    }

    /// The user with exactly this username (case-sensitive, as Django on
    /// SQLite and PostgreSQL).
    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        on_backend!(self, store => store.user_by_name(username))
    }

    /// The one user whose `field` is exactly `value` (Django's default
    /// `ModelBackend`: an exact match); `None` when none is, or when
    /// several are (emails need not be unique). On PostgreSQL `Username`
    /// is the user table's login column.
    pub fn user_by(&self, field: UserField, value: &str) -> Result<Option<User>, StoreError> {
        on_backend!(self, store => store.user_by(field, value))
    }

    /// The number of users, and up to `limit` of them by id starting at the
    /// `offset`-th, read in one transaction.
    pub fn users_page(&self, offset: usize, limit: usize) -> Result<(u64, Vec<User>), StoreError> {
        on_backend!(self, store => store.users_page(offset, limit))
    }

    /// Every user, by id.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        Ok(self.users_page(0, usize::MAX)?.1)
    }

    /// Adds a user ([`Change::CreateUsers`] of one, at time 0: for ids the
    /// store picks); the username must be free, and so must `id` if given.
    pub fn add_user(&self, new: NewUser) -> Result<User, StoreError> {
        let mut added = self.add_users(vec![new], 0).map_err(|(_, e)| e)?;
        added.pop().ok_or_else(|| unexpected("no user created"))
    }

    /// Adds several users in one transaction ([`Change::CreateUsers`]): all
    /// of them or none. The error carries the index of the first that
    /// conflicts (the number of users when the storage failed).
    pub fn add_users(&self, new: Vec<NewUser>, now: u64) -> Result<Vec<User>, (usize, StoreError)> {
        let count = new.len();
        match self.apply_one(Change::CreateUsers { users: new, now }) {
            Ok(ChangeOutcome::UsersCreated { users }) => Ok(users),
            Ok(ChangeOutcome::UsernameTaken { index }) => Err((index, StoreError::UsernameTaken)),
            Ok(ChangeOutcome::IdTaken { index }) => Err((index, StoreError::IdTaken)),
            Ok(_) => Err((count, unexpected("not a creation's outcome"))),
            Err(e) => Err((count, e)),
        }
    }

    /// Changes the user `username` with `change` in a transaction of its
    /// own; the id and username stay.
    pub fn update_user(
        &self,
        username: &str,
        change: impl FnOnce(&mut User),
    ) -> Result<User, StoreError> {
        let user = UserKey::Username(username.to_owned());
        on_backend!(self, store => store.update_user(&user, change))?.ok_or(StoreError::NoSuchUser)
    }

    /// Changes the user with this id with `change` in a transaction of its
    /// own; the id and username stay.
    pub fn update_user_by_id(
        &self,
        id: u64,
        change: impl FnOnce(&mut User),
    ) -> Result<User, StoreError> {
        on_backend!(self, store => store.update_user(&UserKey::Id(id), change))?
            .ok_or(StoreError::NoSuchUser)
    }

    /// Deletes the user `username` ([`Change::DeleteUser`]). Its tokens
    /// stay signed but name nobody, so every use of them fails; ids are
    /// never reused.
    pub fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        self.delete(UserKey::Username(username.to_owned()))
            .map(drop)
    }

    /// Deletes the user with this id and returns it; as
    /// [`Store::delete_user`], its tokens then name nobody.
    pub fn delete_user_by_id(&self, id: u64) -> Result<User, StoreError> {
        self.delete(UserKey::Id(id))
    }

    fn delete(&self, user: UserKey) -> Result<User, StoreError> {
        match self.apply_one(Change::DeleteUser {
            user,
            keep_a_superuser: false,
        })? {
            ChangeOutcome::UserDeleted { user } => Ok(user),
            ChangeOutcome::NoSuchUser => Err(StoreError::NoSuchUser),
            ChangeOutcome::UserReferenced { by } => Err(StoreError::Referenced(by.into())),
            _ => Err(unexpected("not a deletion's outcome")),
        }
    }
}

/// Token state.
impl Store {
    /// Writes a consistent copy of the whole database, as of one instant,
    /// to the new file `path`, owner-only; an existing file is refused.
    pub fn backup(&self, path: &Path) -> Result<Backup, StoreError> {
        match self {
            Store::Redb(store) => store.backup(path),
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => Err(StoreError::Incompatible(
                "jwtd backup copies a redb file; back up PostgreSQL with pg_dump".to_owned(),
            )),
        }
    }

    /// Applies `changes` in one transaction and one commit, one outcome per
    /// change. Each change is checked against the state left by the ones
    /// before it, so of two rotations of the same token in a batch exactly
    /// one succeeds. On `Err` nothing was written.
    pub fn apply(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        on_backend!(self, store => store.apply(changes))
    }

    /// [`Store::apply`], except that the commit need not be on disk when
    /// this returns: it is, at the latest, with the next [`Store::apply`] or
    /// [`Store::sync`]. A crash before then loses it (and nothing after
    /// it). For changes whose loss does no harm (a login's bookkeeping): on
    /// an appliance's flash, a commit that waits for the next durable one
    /// costs no write to the device of its own. PostgreSQL commits them as
    /// any other.
    pub fn apply_unsynced(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        match self {
            Store::Redb(store) => store.apply_with(changes, self::redb::Persist::Later),
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.apply(changes),
        }
    }

    /// Puts every commit made by [`Store::apply_unsynced`] on disk.
    pub fn sync(&self) -> Result<(), StoreError> {
        match self {
            Store::Redb(store) => store.sync(),
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => Ok(()),
        }
    }

    /// [`Store::apply`] of one change.
    fn apply_one(&self, change: Change) -> Result<ChangeOutcome, StoreError> {
        self.apply(std::slice::from_ref(&change))?
            .pop()
            .ok_or_else(|| unexpected("no outcome"))
    }

    /// In one read transaction: why `jti` is blacklisted, if it is, and the
    /// user `user_id`, if there is one (each looked up only when given).
    pub fn token_state(
        &self,
        jti: Option<&str>,
        user_id: Option<u64>,
    ) -> Result<(Option<Blacklisted>, Option<User>), StoreError> {
        on_backend!(self, store => store.token_state(jti, user_id))
    }

    /// Why `jti` is blacklisted, if it is.
    pub fn blacklisting(&self, jti: &str) -> Result<Option<Blacklisted>, StoreError> {
        Ok(self.token_state(Some(jti), None)?.0)
    }

    /// Whether `jti` is blacklisted.
    pub fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.blacklisting(jti)?.is_some())
    }

    /// Row counts of the issued-token table and the blacklist.
    pub fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        on_backend!(self, store => store.token_counts())
    }

    /// The family of an issued refresh token.
    pub fn family_of(&self, jti: &str) -> Result<Option<String>, StoreError> {
        on_backend!(self, store => store.family_of(jti))
    }
}

/// Signing keys.
impl Store {
    /// Every signing key kept in the database, retired ones included,
    /// oldest first.
    pub fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        on_backend!(self, store => store.signing_keys())
    }

    /// Keeps a new signing key; its id must be free.
    pub fn add_signing_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        on_backend!(self, store => store.add_signing_key(key))
    }

    /// Marks the key `kid` retired at `now` (kept, so that `jwtd key list`
    /// still shows it); retiring it again keeps the first time.
    pub fn retire_signing_key(&self, kid: &str, now: u64) -> Result<(), StoreError> {
        on_backend!(self, store => store.retire_signing_key(kid, now))
    }

    /// The signing key generated on first start before keys had ids, if
    /// there is one.
    pub fn signing_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        on_backend!(self, store => store.signing_key())
    }

    /// The signing key generated on first start, creating it with `generate`
    /// if there is none yet.
    pub fn signing_key_or_insert(
        &self,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        on_backend!(self, store => store.signing_key_or_insert(generate))
    }
}

thread_local! {
    /// Set inside [`from_memory_only`].
    static MEMORY_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set when a read inside [`from_memory_only`] needed the database.
    static MISSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `work` with the reads of a shared database limited to what this
/// replica remembers: a read that would need a round trip fails with
/// [`StoreError::NotInMemory`] instead of waiting for one. Returns what
/// `work` returned and whether such a read happened, in which case the
/// caller runs `work` again where waiting is allowed. (redb never needs a
/// round trip: its reads are always answered.)
pub fn from_memory_only<T>(work: impl FnOnce() -> T) -> (T, bool) {
    MEMORY_ONLY.with(|flag| flag.set(true));
    MISSED.with(|flag| flag.set(false));
    let done = work();
    MEMORY_ONLY.with(|flag| flag.set(false));
    (done, MISSED.with(std::cell::Cell::take))
}

/// Whether reads must come from memory here, noting the miss if so.
#[cfg(feature = "postgres")]
fn refuse_round_trip() -> bool {
    let refused = MEMORY_ONLY.with(std::cell::Cell::get);
    if refused {
        MISSED.with(|flag| flag.set(true));
    }
    refused
}

/// A backend answered a change with an outcome of another kind: a bug, kept
/// out of the callers' way as a storage failure.
fn unexpected(what: &'static str) -> StoreError {
    StoreError::io(format!("the store answered a change wrongly: {what}"))
}
