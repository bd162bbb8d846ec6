//! The embedded backend: everything in one redb file. This is the only
//! module that knows redb.
//!
//! Here: opening (a file, created owner-only, memory, or in tests a custom
//! storage backend), reopening after a failed commit, and the transactions
//! every other file of the backend runs in. Every write commits with
//! `Durability::Immediate`: when a method returns `Ok`, the change is on
//! disk.
//!
//! | file | owns |
//! |---|---|
//! | `schema.rs` | tables, schema version, byte codecs of keys and rows |
//! | `migrate.rs` | a version-2 file brought to this layout as it opens |
//! | `batch.rs` | [`RedbStore::apply`]: a batch of changes in one transaction |
//! | `users.rs` | user reads and user writes |
//! | `tokens.rs` | token rows, families, revocation, purge, the token counts |
//! | `keys.rs` | signing key rows and the legacy generated key |
//! | `backup.rs` | a consistent copy of the live database to a new file |
//! | `test_support.rs` | (tests) storage that fails on demand |

mod backup;
mod batch;
mod keys;
mod migrate;
mod schema;
#[cfg(test)]
mod test_support;
mod tokens;
mod users;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ::redb::backends::FileBackend;
use ::redb::{Database, Durability, ReadTransaction, ReadableDatabase, WriteTransaction};

use crate::files::open_private;
use crate::store::StoreError;

/// Converts every redb error at the boundary, so redb's large error types
/// never travel further; the original stays as the [`StoreError`]'s source.
trait OrStoreError<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T, E: Into<::redb::Error>> OrStoreError<T> for Result<T, E> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(|e| match e.into() {
            ::redb::Error::DatabaseAlreadyOpen => StoreError::InUse,
            ::redb::Error::UpgradeRequired(v) => {
                StoreError::Incompatible(format!("redb file format {v} needs an upgrade"))
            }
            other => StoreError::io(other),
        })
    }
}

/// Opens the database on a custom backend; [`RedbStore::reopen`] calls it
/// again.
#[cfg(test)]
type Opener = dyn Fn() -> Result<Database, StoreError> + Send + Sync;
/// Tells whether a custom backend takes writes again.
#[cfg(test)]
type Probe = dyn Fn() -> bool + Send + Sync;

/// Where the database lives.
#[derive(Clone)]
enum Location {
    File {
        path: PathBuf,
        cache_bytes: usize,
    },
    Memory,
    #[cfg(test)]
    Backend(Arc<Opener>, Arc<Probe>),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File { path, cache_bytes } => {
                write!(f, "{} (cache {cache_bytes} bytes)", path.display())
            }
            Location::Memory => f.write_str("memory"),
            #[cfg(test)]
            Location::Backend(..) => f.write_str("custom backend"),
        }
    }
}

/// The redb database handle, shared by every thread.
pub struct RedbStore {
    /// `None` only while [`RedbStore::reopen`] swaps the file.
    db: RwLock<Option<Arc<Database>>>,
    location: Location,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore")
            .field("location", &self.location)
            .finish()
    }
}

impl RedbStore {
    /// Opens or creates the database at `path` with a page cache of
    /// `cache_bytes` (redb's own default is 1 GiB).
    pub(crate) fn open(path: &Path, cache_bytes: usize) -> Result<RedbStore, StoreError> {
        let location = Location::File {
            path: path.to_owned(),
            cache_bytes,
        };
        RedbStore::from_db(open_database(&location)?, location)
    }

    /// A database that lives in memory, for tests.
    pub(crate) fn open_in_memory() -> Result<RedbStore, StoreError> {
        RedbStore::from_db(open_database(&Location::Memory)?, Location::Memory)
    }

    /// A database `open` opens (again on every reopen) on a backend of its
    /// own: for tests that inject storage failures.
    #[cfg(test)]
    fn open_with(open: Arc<Opener>, probe: Arc<Probe>) -> Result<RedbStore, StoreError> {
        let location = Location::Backend(open, probe);
        RedbStore::from_db(open_database(&location)?, location)
    }

    fn from_db(db: Database, location: Location) -> Result<RedbStore, StoreError> {
        schema::prepare(&db)?;
        Ok(RedbStore {
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
            .ok_or_else(|| StoreError::io("database is being reopened"))
    }

    /// Runs `read` in one read transaction: it sees one consistent state.
    fn read<T>(
        &self,
        read: impl FnOnce(&ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().or_store()?;
        read(&tx)
    }

    /// Runs `write` in one durable write transaction and commits it; on
    /// `Err` nothing is written.
    fn write<T>(
        &self,
        write: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_with(Persist::Now, write)
    }

    /// [`RedbStore::write`], its commit synced to disk or not.
    fn write_with<T>(
        &self,
        persist: Persist,
        write: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.db()?;
        let mut tx = db.begin_write().or_store()?;
        let durability = match persist {
            Persist::Now => Durability::Immediate,
            Persist::Later => Durability::None,
        };
        tx.set_durability(durability).map_err(StoreError::io)?;
        let done = write(&tx)?;
        tx.commit().or_store()?;
        Ok(done)
    }

    /// Whether the storage takes writes again: a small file is written,
    /// synced and removed beside the database. Checked before a reopen after
    /// a failed commit, so that a disk still full or read-only does not cost
    /// the readers their handle.
    pub(crate) fn storage_writable(&self) -> bool {
        match &self.location {
            Location::Memory => true,
            #[cfg(test)]
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
    pub(crate) fn reopen(&self) -> Result<(), StoreError> {
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
                        return Err(StoreError::io("database still in use; not reopened"));
                    }
                }
            }
        }
        let db = open_database(&self.location)?;
        schema::prepare(&db)?;
        *guard = Some(Arc::new(db));
        Ok(())
    }
}

fn open_database(location: &Location) -> Result<Database, StoreError> {
    match location {
        // The file holds the signing keys and the password hashes: created
        // owner-only whatever the umask, before redb writes a byte to it.
        Location::File { path, cache_bytes } => Database::builder()
            .set_cache_size(*cache_bytes)
            .create_with_backend(
                FileBackend::new(open_private(path).map_err(StoreError::io)?).or_store()?,
            )
            .or_store(),
        Location::Memory => Database::builder()
            .create_with_backend(::redb::backends::InMemoryBackend::new())
            .or_store(),
        #[cfg(test)]
        Location::Backend(open, _) => open(),
    }
}

/// Whether a commit is on disk when it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persist {
    /// Synced (redb's `Durability::Immediate`).
    Now,
    /// With the next commit that is synced (`Durability::None`): readers
    /// see it at once, a crash before then loses it.
    Later,
}

fn begin_durable_write(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut tx = db.begin_write().or_store()?;
    tx.set_durability(Durability::Immediate)
        .map_err(StoreError::io)?;
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use crate::store::fixtures::{new_user, token};
    use crate::store::{Change, Store, StoreError};

    #[test]
    fn a_full_disk_fails_writes_keeps_reads_and_recovers_after_reopen() {
        let dir = crate::scratch_dir::ScratchDir::new("full");
        let path = dir.join("full.redb");
        let full = Arc::new(AtomicBool::new(false));
        let store = Store::open_on_failing_disk(&path, full.clone()).unwrap();
        store.add_user(new_user("alice")).unwrap();
        store
            .apply(&[Change::Issue {
                token: token("a", 100),
            }])
            .unwrap();

        full.store(true, Ordering::SeqCst);
        assert!(matches!(
            store.apply(&[Change::Issue {
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
        full.store(false, Ordering::SeqCst);
        assert!(store.storage_writable());
        store.reopen().unwrap();
        store
            .apply(&[Change::Issue {
                token: token("c", 100),
            }])
            .unwrap();
        assert_eq!(store.family_of("c").unwrap().as_deref(), Some("c"));
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        drop(store);
    }

    #[test]
    fn a_second_open_of_the_file_is_refused_and_reopen_works() {
        let dir = crate::scratch_dir::ScratchDir::new("store");
        let path = dir.join("lock.redb");
        let store = Store::open(&path, 1 << 20).unwrap();
        store.add_user(new_user("alice")).unwrap();
        assert_eq!(Store::open(&path, 1 << 20).unwrap_err(), StoreError::InUse);
        store.reopen().unwrap();
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        drop(store);
        let store = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(store.users().unwrap().len(), 1);
        drop(store);
    }

    #[test]
    fn a_lost_disk_fails_the_reopen() {
        let store = Store::open_in_memory_that_cannot_reopen().unwrap();
        store.add_user(new_user("alice")).unwrap();
        let e = store.reopen().unwrap_err();
        assert!(matches!(e, StoreError::Io(_)));
        assert!(std::error::Error::source(&e).is_some(), "keeps its cause");
    }
}
