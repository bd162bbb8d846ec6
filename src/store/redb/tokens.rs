//! Token state in the redb file: the refresh tokens jwtd issued (`issued`),
//! their families (`families`), the blacklist with its reason
//! (`blacklist`), and each user's `tokens_valid_after` (in the user's row).
//!
//! What a rotation, a logout or a reuse decides is `store::decide`'s; here
//! are the reads and writes it decides with. A token minted elsewhere with
//! the same key (no `issued` row) becomes the root of its own family.

use ::redb::{ReadableTable, ReadableTableMetadata};

use super::batch::Tables;
use super::schema::{
    blacklist_row, blacklisted_from_row, decode_user, family_prefix, id_key, member_key, pair_from,
    pair_row, BLACKLIST, ISSUED, USERS,
};
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
                    .open_table(BLACKLIST)
                    .or_store()?
                    .get(jti.as_bytes())
                    .or_store()?
                    .map(|row| blacklisted_from_row(row.value())),
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

    /// Row counts of the issued-token table and the blacklist.
    pub(crate) fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        self.read(|tx| {
            let issued = tx.open_table(ISSUED).or_store()?.len().or_store()?;
            let blacklisted = tx.open_table(BLACKLIST).or_store()?.len().or_store()?;
            Ok((issued, blacklisted))
        })
    }

    /// The family of an issued refresh token.
    pub(crate) fn family_of(&self, jti: &str) -> Result<Option<String>, StoreError> {
        self.read(|tx| {
            let issued = tx.open_table(ISSUED).or_store()?;
            let found = issued.get(jti.as_bytes()).or_store()?;
            Ok(found.and_then(|row| {
                pair_from(row.value())
                    .map(|(_, _, family)| String::from_utf8_lossy(family).into_owned())
            }))
        })
    }
}

/// Token reads and writes within a batch.
impl Tables<'_> {
    /// The `issued` table has no index by user: a revocation reads it whole,
    /// which keeps every rotation one index update cheaper. Tokens not in it
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
        Ok(Some(tokens))
    }

    /// The family `jti` belongs to; a token jwtd never issued is its own.
    pub(super) fn family_of(&self, jti: &str) -> Result<String, StoreError> {
        let row = self.issued.get(jti.as_bytes()).or_store()?;
        let family = row.and_then(|r| {
            pair_from(r.value()).map(|(_, _, family)| String::from_utf8_lossy(family).into_owned())
        });
        Ok(family.unwrap_or_else(|| jti.to_owned()))
    }

    pub(super) fn blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.blacklist.get(jti.as_bytes()).or_store()?.is_some())
    }

    /// Why `jti` is blacklisted and when, if it is.
    pub(super) fn blacklisting(&self, jti: &str) -> Result<Option<(Blacklisted, u64)>, StoreError> {
        let Some(row) = self.blacklist.get(jti.as_bytes()).or_store()? else {
            return Ok(None);
        };
        let row = row.value();
        let at = pair_from(row).map_or(0, |(at, _, _)| at);
        Ok(Some((blacklisted_from_row(row), at)))
    }

    /// Blacklists `token` unless it already is, recording it in `family`
    /// if it was never issued here; whether it did.
    pub(super) fn blacklist_once(
        &mut self,
        token: &TokenRecord,
        family: &str,
        now: u64,
        why: Blacklisted,
    ) -> Result<bool, StoreError> {
        if self.blacklisted(&token.jti)? {
            return Ok(false);
        }
        self.blacklist(&token.jti, now, token.exp, why)?;
        // A token minted elsewhere becomes a member of its family here.
        if self.issued.get(token.jti.as_bytes()).or_store()?.is_none() {
            self.issue(token, family)?;
        }
        Ok(true)
    }

    fn blacklist(
        &mut self,
        jti: &str,
        now: u64,
        exp: u64,
        why: Blacklisted,
    ) -> Result<(), StoreError> {
        self.blacklist
            .insert(jti.as_bytes(), blacklist_row(now, exp, why).as_slice())
            .or_store()?;
        Ok(())
    }

    /// Records `token` as issued, a member of `family`.
    pub(super) fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
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
    pub(super) fn revoke_family(&mut self, family: &str, now: u64) -> Result<u64, StoreError> {
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

    /// Deletes the rows of tokens whose `exp` has passed (`exp <= now`).
    pub(super) fn purge(&mut self, now: u64) -> Result<ChangeOutcome, StoreError> {
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
        Ok(ChangeOutcome::Purged {
            issued,
            blacklisted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{blacklisted_from_row, pair_row};
    use crate::store::Blacklisted;

    #[test]
    fn rows_written_before_the_reason_was_kept_read_as_rotations() {
        assert_eq!(
            blacklisted_from_row(&pair_row(1, 2, &[])),
            Blacklisted::Unknown
        );
    }
}
