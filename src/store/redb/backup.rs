//! A consistent copy of the live database: every table read in one read
//! transaction (a snapshot, which writers do not disturb) and written to a
//! new redb file in one durable transaction. The copy is built beside its
//! destination under a temporary name, created owner-only, and renamed into
//! place only once it is complete, so a failure leaves no half a backup.
//!
//! ```text
//!   begin_read ──► snapshot ──► users, usernames, tokens,
//!                                signing_keys, meta
//!                                     │ row by row
//!                                     ▼
//!   PATH.partial (0600, new) ── commit (fsync) ── rename ──► PATH
//! ```

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ::redb::backends::FileBackend;
use ::redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::schema::{EMAILS, META, SIGNING_KEYS, TOKENS, USERNAMES, USERS};
use super::{begin_durable_write, OrStoreError, RedbStore};
use crate::files::OWNER_ONLY;
use crate::store::{Backup, StoreError};

impl RedbStore {
    /// Copies the whole database, as of one instant, to the new file
    /// `path` (an existing file is never overwritten).
    pub(crate) fn backup(&self, path: &Path) -> Result<Backup, StoreError> {
        if path.exists() {
            return Err(StoreError::io(format!("{} already exists", path.display())));
        }
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let copied = self.copy_to(&partial);
        if copied.is_err() {
            let _ = fs::remove_file(&partial);
            return copied;
        }
        // `rename` would replace a file made meanwhile; a hard link fails
        // instead, and then the partial copy goes.
        let linked = fs::hard_link(&partial, path);
        let _ = fs::remove_file(&partial);
        linked.map_err(|e| StoreError::io(format!("{}: {e}", path.display())))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        copied
    }

    fn copy_to(&self, partial: &Path) -> Result<Backup, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(OWNER_ONLY)
            .open(partial)
            .map_err(|e| StoreError::io(format!("{}: {e}", partial.display())))?;
        file.set_permissions(fs::Permissions::from_mode(OWNER_ONLY))
            .map_err(StoreError::io)?;
        let copy = Database::builder()
            .create_with_backend(FileBackend::new(file).or_store()?)
            .or_store()?;
        let db = self.db()?;
        let snapshot = db.begin_read().or_store()?;
        let tx = begin_durable_write(&copy)?;
        let mut counts = [0u64; 3];
        for (table, count) in [
            (USERS, Some(0)),
            (USERNAMES, None),
            (EMAILS, None),
            (TOKENS, Some(1)),
            (SIGNING_KEYS, Some(2)),
            (META, None),
        ] {
            let from = snapshot.open_table(table).or_store()?;
            let mut to = tx.open_table(table).or_store()?;
            for row in from.iter().or_store()? {
                let (key, value) = row.or_store()?;
                to.insert(key.value(), value.value()).or_store()?;
            }
            if let Some(i) = count {
                counts[i] = from.len().or_store()?;
            }
        }
        tx.commit().or_store()?;
        let [users, tokens, keys] = counts;
        Ok(Backup {
            users,
            tokens,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use crate::store::fixtures::{new_user, token};
    use crate::store::{Change, Store, StoredKey};

    #[test]
    fn a_backup_is_the_whole_database_owner_only_and_never_overwrites() {
        let dir = crate::scratch_dir::ScratchDir::new("backup");
        let live = Store::open(&dir.join("live.redb"), 1 << 20).unwrap();
        live.apply(&[
            Change::CreateUsers {
                users: vec![new_user("alice"), new_user("bob")],
                now: 0,
            },
            Change::Issue {
                token: token("jti-1", 2_000_000_000),
            },
        ])
        .unwrap();
        live.add_signing_key(&StoredKey {
            kid: "k1".into(),
            created: 1,
            retired: None,
            secret: b"secret".to_vec(),
        })
        .unwrap();

        let path = dir.join("copy.redb");
        let backup = live.backup(&path).unwrap();
        assert_eq!((backup.users, backup.tokens, backup.keys), (2, 1, 1));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!dir.join("copy.redb.partial").exists());

        let copy = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(copy.users().unwrap(), live.users().unwrap());
        assert_eq!(copy.signing_keys().unwrap(), live.signing_keys().unwrap());
        assert_eq!(
            copy.family_of("jti-1").unwrap(),
            live.family_of("jti-1").unwrap()
        );
        drop(copy);

        let again = live.backup(&path).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
    }
}
