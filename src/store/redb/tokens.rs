//! Token state in the redb file: one `tokens` row per refresh token, live
//! or blacklisted with its reason, naming its family's root, and each
//! user's `tokens_valid_after` (in the user's row).
//!
//! What a rotation, a logout or a reuse decides is `store::decide`'s; here
//! are the reads and writes it decides with. A token minted elsewhere with
//! the same key (no row) becomes the root of its own family. Neither a
//! user's tokens nor a family's members are indexed, so a rotation writes
//! two rows of one table: revoking a user or a family reads `tokens`
//! whole, a family once (its root's row then says so, and none can join).

use ::redb::{ReadableTable, ReadableTableMetadata};

use super::batch::Tables;
use super::schema::{decode_user, id_key, jti_from_key, jti_key, Row, TOKENS, USERS};
use super::{OrStoreError, RedbStore};
use crate::store::{Blacklisted, ChangeOutcome, StoreError, TokenRecord, User};

impl RedbStore {
    /// In one read transaction: why `jti` is blacklisted, if it is, and the
    /// user `user_id`, if there is one (each looked up only when given).
    pub(crate) fn token_state(
        &self,
        jti: Option<&str>,
        user_id: Option<u64>,
    ) -> Result<(Option<Blacklisted>, Option<User>), StoreError> {
        self.read(|tx| {
            let why = match jti {
                Some(jti) => tx
                    .open_table(TOKENS)
                    .or_store()?
                    .get(jti_key(jti).as_slice())
                    .or_store()?
                    .and_then(|row| Row::decode(row.value())?.spent.map(|(why, _)| why)),
                None => None,
            };
            let user = match user_id {
                Some(id) => tx
                    .open_table(USERS)
                    .or_store()?
                    .get(id_key(id).as_slice())
                    .or_store()?
                    .and_then(|bytes| decode_user(id, bytes.value())),
                None => None,
            };
            Ok((why, user))
        })
    }

    /// Refresh tokens recorded, and how many of them are blacklisted: the
    /// first kept by redb, the second counted by reading `tokens` whole
    /// (one small row each, in one read transaction).
    pub(crate) fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        self.read(|tx| {
            let tokens = tx.open_table(TOKENS).or_store()?;
            let mut spent = 0;
            for row in tokens.iter().or_store()? {
                let (_, row) = row.or_store()?;
                spent += u64::from(row.value().first().is_some_and(|&s| s != 0));
            }
            Ok((tokens.len().or_store()?, spent))
        })
    }

    /// The family of a recorded refresh token.
    pub(crate) fn family_of(&self, jti: &str) -> Result<Option<String>, StoreError> {
        self.read(|tx| {
            let tokens = tx.open_table(TOKENS).or_store()?;
            let row = tokens.get(jti_key(jti).as_slice()).or_store()?;
            Ok(row
                .and_then(|row| Row::decode(row.value()))
                .map(|row| match row.family {
                    Some(root) => jti_from_key(&root),
                    None => jti.to_owned(),
                }))
        })
    }
}

/// Token reads and writes within a batch.
impl Tables<'_> {
    /// The row of `key`, if there is one.
    pub(super) fn row(&self, key: &[u8]) -> Result<Option<Row>, StoreError> {
        Ok(self
            .tokens
            .get(key)
            .or_store()?
            .and_then(|r| Row::decode(r.value())))
    }

    /// Writes `row` at `key`.
    pub(super) fn put(&mut self, key: &[u8], row: &Row) -> Result<(), StoreError> {
        self.tokens
            .insert(key, row.encode().as_slice())
            .or_store()?;
        Ok(())
    }

    /// `tokens` has no index by user: a revocation reads it whole, which
    /// keeps every rotation one index update cheaper. Tokens not in it
    /// (minted elsewhere with the same key) are refused by the user's
    /// `tokens_valid_after` instead.
    pub(super) fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<Option<u64>, StoreError> {
        let Some(mut user) = self.read_user(user_id)? else {
            return Ok(None);
        };
        user.tokens_valid_after = user.tokens_valid_after.max(valid_after);
        self.write_user(&user)?;
        let revoked = self.revoke_where(now, |_, row| row.user == user_id && row.exp > now)?;
        Ok(Some(revoked))
    }

    /// Blacklists, as revoked at `now`, every live token whose key and row
    /// `pick`s; how many.
    fn revoke_where(
        &mut self,
        now: u64,
        pick: impl Fn(&[u8], &Row) -> bool,
    ) -> Result<u64, StoreError> {
        let mut theirs = Vec::new();
        for row in self.tokens.iter().or_store()? {
            let (key, row) = row.or_store()?;
            if let Some(row) = Row::decode(row.value()) {
                if row.spent.is_none() && pick(key.value(), &row) {
                    theirs.push((key.value().to_vec(), row));
                }
            }
        }
        for (key, row) in &theirs {
            let spent = Some((Blacklisted::Revoked, now));
            self.put(
                key,
                &Row {
                    spent,
                    ..row.clone()
                },
            )?;
        }
        Ok(theirs.len() as u64)
    }

    /// The family `jti` belongs to; a token jwtd never recorded is its own.
    pub(super) fn family_of(&self, jti: &str) -> Result<String, StoreError> {
        Ok(match self.row(&jti_key(jti))?.and_then(|row| row.family) {
            Some(root) => jti_from_key(&root),
            None => jti.to_owned(),
        })
    }

    /// Why `jti` is blacklisted and when, if it is.
    pub(super) fn blacklisting(&self, jti: &str) -> Result<Option<(Blacklisted, u64)>, StoreError> {
        Ok(self.row(&jti_key(jti))?.and_then(|row| row.spent))
    }

    /// Blacklists `token` unless it already is, recording it in `family`
    /// if it was never recorded here; whether it did.
    pub(super) fn blacklist_once(
        &mut self,
        token: &TokenRecord,
        family: &str,
        now: u64,
        why: Blacklisted,
    ) -> Result<bool, StoreError> {
        let key = jti_key(&token.jti);
        let family = match self.row(&key)? {
            Some(row) if row.spent.is_some() => return Ok(false),
            Some(row) => row.family,
            None => (family != token.jti).then(|| jti_key(family)),
        };
        let spent = Some((why, now));
        let row = Row {
            spent,
            user: 0,
            exp: token.exp,
            family,
            revoked: false,
        };
        self.put(&key, &row)?;
        Ok(true)
    }

    /// Records `token` as issued, a member of `family`, unless it is
    /// blacklisted.
    pub(super) fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
        let key = jti_key(&token.jti);
        if self.row(&key)?.is_some_and(|row| row.spent.is_some()) {
            return Ok(());
        }
        let family = (family != token.jti).then(|| jti_key(family));
        self.record(&key, token, family)
    }

    /// Writes the live row of `token`, a member of the family of root key
    /// `family` (`None`: its own).
    fn record(
        &mut self,
        key: &[u8],
        token: &TokenRecord,
        family: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let row = Row {
            spent: None,
            user: token.user_id,
            exp: token.exp,
            family,
            revoked: false,
        };
        self.put(key, &row)
    }

    /// A rotation's writes in one read of `old`'s row: its row rewritten
    /// as rotated and `new`'s inserted in its family, unless `old` is
    /// already blacklisted. `old`'s family, and whether this call spent it.
    pub(super) fn spend(
        &mut self,
        old: &TokenRecord,
        new: &TokenRecord,
        now: u64,
    ) -> Result<(String, bool), StoreError> {
        let key = jti_key(&old.jti);
        let found = self.row(&key)?;
        let family = found.as_ref().and_then(|row| row.family.clone());
        let root = family.clone().unwrap_or_else(|| key.clone());
        if found.is_some_and(|row| row.spent.is_some()) {
            return Ok((jti_from_key(&root), false));
        }
        let spent = Some((Blacklisted::Rotated, now));
        let row = Row {
            spent,
            user: 0,
            exp: old.exp,
            family,
            revoked: false,
        };
        self.put(&key, &row)?;
        self.record(&jti_key(&new.jti), new, Some(root.clone()))?;
        Ok((jti_from_key(&root), true))
    }

    /// Blacklists every member not yet blacklisted of the family of
    /// `member`, the first time only: the root's row then says so (a row
    /// made for it if it has expired, as long as `member`'s).
    pub(super) fn revoke_family(&mut self, member: &str, now: u64) -> Result<u64, StoreError> {
        let key = jti_key(member);
        let Some(row) = self.row(&key)? else {
            return Ok(0);
        };
        let root_key = row.family.unwrap_or(key);
        let root = self.row(&root_key)?;
        if root.as_ref().is_some_and(|root| root.revoked) {
            return Ok(0);
        }
        let exp = row.exp;
        let revoked = self.revoke_where(now, |key, row| {
            row.family.as_deref().unwrap_or(key) == root_key.as_slice()
        })?;
        // The root, blacklisted by now, or expired: recorded, revoked, as
        // long as the member presented.
        let root = self.row(&root_key)?.unwrap_or(Row {
            spent: Some((Blacklisted::Revoked, now)),
            user: 0,
            exp,
            family: None,
            revoked: false,
        });
        self.put(
            &root_key,
            &Row {
                revoked: true,
                ..root
            },
        )?;
        Ok(revoked)
    }

    /// Deletes the rows of tokens whose `exp` has passed (`exp <= now`).
    pub(super) fn purge(&mut self, now: u64) -> Result<ChangeOutcome, StoreError> {
        let (mut issued, mut blacklisted) = (0, 0);
        self.tokens
            .retain(|_, row| {
                let row = Row::decode(row);
                let keep = row.as_ref().is_some_and(|r| r.exp > now);
                if !keep {
                    issued += 1;
                    blacklisted += u64::from(row.is_some_and(|r| r.spent.is_some()));
                }
                keep
            })
            .or_store()?;
        Ok(ChangeOutcome::Purged {
            issued,
            blacklisted,
        })
    }
}
