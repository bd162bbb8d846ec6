//! Signing keys in the redb file: one `signing_keys` row per key id, and
//! the single key generated on first start before keys had ids (in `meta`),
//! which is read once to become the first key with an id.

use ::redb::ReadableTable;

use super::schema::{pair_from, pair_row, META, SIGNING_KEYS, SIGNING_KEY_KEY};
use super::{begin_durable_write, OrStoreError, RedbStore};
use crate::store::{StoreError, StoredKey};

impl RedbStore {
    /// The signing key generated on first start, if there is one.
    pub(crate) fn signing_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|tx| {
            let meta = tx.open_table(META).or_store()?;
            let key = meta.get(SIGNING_KEY_KEY).or_store()?;
            Ok(key.map(|k| k.value().to_vec()))
        })
    }

    /// The signing key generated on first start, creating it with `generate`
    /// if there is none yet.
    pub(crate) fn signing_key_or_insert(
        &self,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        if let Some(key) = self.signing_key()? {
            return Ok(key);
        }
        let key = generate();
        let db = self.db()?;
        let tx = begin_durable_write(&db)?;
        {
            let mut meta = tx.open_table(META).or_store()?;
            let existing = meta
                .get(SIGNING_KEY_KEY)
                .or_store()?
                .map(|k| k.value().to_vec());
            // Another writer got there first: its key stands.
            if let Some(existing) = existing {
                return Ok(existing);
            }
            meta.insert(SIGNING_KEY_KEY, key.as_slice()).or_store()?;
        }
        tx.commit().or_store()?;
        Ok(key)
    }

    /// Every signing key kept in the database, retired ones included,
    /// oldest first.
    pub(crate) fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        self.read(|tx| {
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
        })
    }

    /// Keeps a new signing key; its id must be free.
    pub(crate) fn add_signing_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut table = tx.open_table(SIGNING_KEYS).or_store()?;
            if table.get(key.kid.as_bytes()).or_store()?.is_some() {
                return Err(StoreError::KeyIdTaken);
            }
            let row = pair_row(key.created, key.retired.unwrap_or(0), &key.secret);
            table
                .insert(key.kid.as_bytes(), row.as_slice())
                .or_store()?;
            Ok(())
        })
    }

    /// Marks the key `kid` retired at `now` (kept, so that `jwtd key list`
    /// still shows it); retiring it again keeps the first time.
    pub(crate) fn retire_signing_key(&self, kid: &str, now: u64) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut table = tx.open_table(SIGNING_KEYS).or_store()?;
            let row = table
                .get(kid.as_bytes())
                .or_store()?
                .map(|r| r.value().to_vec())
                .ok_or(StoreError::NoSuchKey)?;
            let (created, retired, secret) =
                pair_from(&row).ok_or_else(|| StoreError::io("malformed key row"))?;
            if retired == 0 {
                let row = pair_row(created, now.max(1), secret);
                table.insert(kid.as_bytes(), row.as_slice()).or_store()?;
            }
            Ok(())
        })
    }
}
