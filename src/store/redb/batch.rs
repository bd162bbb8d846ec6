//! [`RedbStore::apply`]: a batch of changes in one write transaction and one
//! commit (one fsync). The tables every change may write stay open for the
//! whole batch ([`Tables`]); each change is decided by `store::decide` on
//! the state the ones before it left, with the reads and writes of
//! `tokens.rs` and `users.rs`.

use ::redb::WriteTransaction;

use super::schema::{Table, TOKENS, USERS};
use super::{OrStoreError, Persist, RedbStore};
use crate::store::decide::{self, Batch};
use crate::store::{
    Blacklisted, Change, ChangeOutcome, NewUser, Rehash, StoreError, TokenRecord, User, UserKey,
};

/// The tables of one write transaction, open for the length of a batch.
pub(super) struct Tables<'tx> {
    /// For the tables only user administration writes (`usernames`,
    /// `meta`), opened when needed.
    pub(super) tx: &'tx WriteTransaction,
    pub(super) users: Table<'tx>,
    pub(super) tokens: Table<'tx>,
}

impl<'tx> Tables<'tx> {
    pub(super) fn open(tx: &'tx WriteTransaction) -> Result<Tables<'tx>, StoreError> {
        Ok(Tables {
            tx,
            users: tx.open_table(USERS).or_store()?,
            tokens: tx.open_table(TOKENS).or_store()?,
        })
    }
}

impl Batch for Tables<'_> {
    fn family_of(&mut self, jti: &str) -> Result<String, StoreError> {
        Tables::family_of(self, jti)
    }

    fn is_blacklisted(&mut self, jti: &str) -> Result<bool, StoreError> {
        Ok(Tables::blacklisting(self, jti)?.is_some())
    }

    fn blacklist(
        &mut self,
        token: &TokenRecord,
        family: &str,
        now: u64,
        why: Blacklisted,
    ) -> Result<bool, StoreError> {
        self.blacklist_once(token, family, now, why)
    }

    fn blacklisting(&mut self, jti: &str) -> Result<Option<(Blacklisted, u64)>, StoreError> {
        Tables::blacklisting(self, jti)
    }

    fn revoke_family(&mut self, member: &str, _: &str, now: u64) -> Result<u64, StoreError> {
        Tables::revoke_family(self, member, now)
    }

    fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
        Tables::issue(self, token, family)
    }

    fn spend(
        &mut self,
        old: &TokenRecord,
        new: &TokenRecord,
        now: u64,
    ) -> Result<(String, bool), StoreError> {
        Tables::spend(self, old, new, now)
    }

    fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<Option<u64>, StoreError> {
        Tables::revoke_user(self, user_id, valid_after, now)
    }

    fn purge(&mut self, now: u64) -> Result<ChangeOutcome, StoreError> {
        Tables::purge(self, now)
    }

    fn create_users(&mut self, new: &[NewUser], now: u64) -> Result<ChangeOutcome, StoreError> {
        Tables::create_users(self, new, now)
    }

    fn read_user(&mut self, user: &UserKey) -> Result<Option<User>, StoreError> {
        self.read_user_by_key(user)
    }

    fn write_user(&mut self, user: &User) -> Result<(), StoreError> {
        Tables::write_user(self, user)
    }

    fn another_active_superuser(&mut self, besides: u64) -> Result<bool, StoreError> {
        Tables::another_active_superuser(self, besides)
    }

    fn delete_user(&mut self, user: User) -> Result<ChangeOutcome, StoreError> {
        Tables::delete_user(self, user)
    }

    fn record_login(
        &mut self,
        user_id: u64,
        last_login: Option<i64>,
        rehash: Option<&Rehash>,
    ) -> Result<(), StoreError> {
        Tables::record_login(self, user_id, last_login, rehash)
    }
}

impl RedbStore {
    /// Applies `changes` in one transaction and one commit, each checked
    /// against the state left by the ones before it. On `Err` nothing was
    /// written.
    pub(crate) fn apply(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        self.apply_with(changes, Persist::Now)
    }

    /// [`RedbStore::apply`], its commit on disk before it returns or not.
    pub(crate) fn apply_with(
        &self,
        changes: &[Change],
        persist: Persist,
    ) -> Result<Vec<ChangeOutcome>, StoreError> {
        self.write_with(persist, |tx| {
            let mut tables = Tables::open(tx)?;
            decide::apply_all(&mut tables, changes)
        })
    }

    /// An empty durable commit: every commit before it is on disk after it.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        self.write_with(Persist::Now, |_| Ok(()))
    }
}
