//! Storage that fails on demand, for tests of what the server does when the
//! disk fills up or goes away: a file backend whose writes fail while a
//! flag is set (and which counts its syncs), and a database whose every
//! reopen fails.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use ::redb::backends::{FileBackend, InMemoryBackend};
use ::redb::{BackendError, Database, StorageBackend};

use super::{OrStoreError, RedbStore};
use crate::store::StoreError;

/// A file backend whose writes and syncs fail with ENOSPC while `full`,
/// and which counts the syncs that succeed.
#[derive(Debug)]
struct FullDisk {
    inner: FileBackend,
    full: Arc<AtomicBool>,
    syncs: Arc<AtomicU32>,
}

impl FullDisk {
    fn check(&self) -> std::io::Result<()> {
        if self.full.load(Ordering::SeqCst) {
            Err(std::io::Error::from_raw_os_error(28)) // ENOSPC
        } else {
            Ok(())
        }
    }
}

type Bounds = std::ops::Bound<u64>;

impl StorageBackend for FullDisk {
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
        self.inner.sync_data()?;
        self.syncs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        self.check()?;
        self.inner.write(offset, data)
    }
    fn close(&self) -> std::io::Result<()> {
        self.inner.close()
    }
    fn try_lock_range(&self, start: Bounds, end: Bounds) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }
    fn try_lock_shared_range(&self, start: Bounds, end: Bounds) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: Bounds, end: Bounds) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: Bounds, end: Bounds) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: Bounds, end: Bounds) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }
    fn query_lock_range(&self, start: Bounds, end: Bounds) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

impl RedbStore {
    /// The database file at `path`, whose writes and syncs fail with ENOSPC
    /// while `full` is set; [`RedbStore::storage_writable`] says whether it
    /// is.
    pub(crate) fn open_on_failing_disk(
        path: &Path,
        full: Arc<AtomicBool>,
    ) -> Result<RedbStore, StoreError> {
        RedbStore::open_on_counting_disk(path, full, Arc::new(AtomicU32::new(0)))
    }

    /// [`RedbStore::open_on_failing_disk`], counting in `syncs` every sync
    /// of the file.
    pub(crate) fn open_on_counting_disk(
        path: &Path,
        full: Arc<AtomicBool>,
        syncs: Arc<AtomicU32>,
    ) -> Result<RedbStore, StoreError> {
        let path = path.to_owned();
        let probed = full.clone();
        RedbStore::open_with(
            Arc::new(move || {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
                    .map_err(StoreError::io)?;
                let inner = FileBackend::new(file).or_store()?;
                let backend = FullDisk {
                    inner,
                    full: full.clone(),
                    syncs: syncs.clone(),
                };
                Database::builder().create_with_backend(backend).or_store()
            }),
            Arc::new(move || !probed.load(Ordering::SeqCst)),
        )
    }

    /// A database in memory whose every reopen fails, as with a disk that
    /// vanished.
    pub(crate) fn open_in_memory_that_cannot_reopen() -> Result<RedbStore, StoreError> {
        let opened = AtomicU32::new(0);
        RedbStore::open_with(
            Arc::new(move || {
                if opened.fetch_add(1, Ordering::SeqCst) == 0 {
                    Database::builder()
                        .create_with_backend(InMemoryBackend::new())
                        .or_store()
                } else {
                    Err(StoreError::io("the disk is gone"))
                }
            }),
            Arc::new(|| true),
        )
    }
}
