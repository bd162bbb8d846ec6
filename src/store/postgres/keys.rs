//! Signing keys in `jwtd_signing_key`, one row per key id, and the single
//! key generated before keys had ids, in `jwtd_meta`. Every replica reads
//! the same rows, so a key rotated on one is the key of all.

use super::{big, unsigned, PostgresStore};
use crate::store::{StoreError, StoredKey};

impl PostgresStore {
    /// The signing key generated on first start, if there is one.
    pub(crate) fn signing_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.pool.read(|db| {
            let row = db.query_opt(
                "SELECT value FROM jwtd_meta WHERE name = 'signing_key'",
                &[],
            )?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    /// The signing key generated on first start, creating it with
    /// `generate` if there is none yet; of replicas racing, the first
    /// insert stands and every one returns it.
    pub(crate) fn signing_key_or_insert(
        &self,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        if let Some(key) = self.signing_key()? {
            return Ok(key);
        }
        let key = generate();
        self.pool.write(|db| {
            db.execute(
                "INSERT INTO jwtd_meta (name, value) VALUES ('signing_key', $1) \
                 ON CONFLICT (name) DO NOTHING",
                &[&key],
            )?;
            let row = db.query_opt(
                "SELECT value FROM jwtd_meta WHERE name = 'signing_key'",
                &[],
            )?;
            row.map(|r| r.get(0))
                .ok_or_else(|| StoreError::io("the signing key vanished"))
        })
    }

    /// Every signing key, retired ones included, oldest first.
    pub(crate) fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        self.pool.read(|db| {
            let rows = db.query(
                "SELECT kid, created, retired, secret FROM jwtd_signing_key \
                 ORDER BY created, kid",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| StoredKey {
                    kid: r.get(0),
                    created: unsigned(r.get(1)),
                    retired: r.get::<_, Option<i64>>(2).map(unsigned),
                    secret: r.get(3),
                })
                .collect())
        })
    }

    /// Keeps a new signing key; its id must be free.
    pub(crate) fn add_signing_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let added = self.pool.write(|db| {
            db.execute(
                "INSERT INTO jwtd_signing_key (kid, created, retired, secret) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO NOTHING",
                &[
                    &key.kid,
                    &big(key.created),
                    &key.retired.map(big),
                    &key.secret,
                ],
            )
        })?;
        if added == 0 {
            return Err(StoreError::KeyIdTaken);
        }
        Ok(())
    }

    /// Marks the key `kid` retired at `now`; retiring it again keeps the
    /// first time.
    pub(crate) fn retire_signing_key(&self, kid: &str, now: u64) -> Result<(), StoreError> {
        let found = self.pool.write(|db| {
            db.execute(
                "UPDATE jwtd_signing_key SET retired = coalesce(retired, $2) WHERE kid = $1",
                &[&kid, &big(now.max(1))],
            )
        })?;
        if found == 0 {
            return Err(StoreError::NoSuchKey);
        }
        Ok(())
    }
}
