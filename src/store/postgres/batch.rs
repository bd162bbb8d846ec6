//! [`PostgresStore::apply`]: a batch of changes in one transaction and one
//! commit, each decided by `store::decide` on the state the ones before it
//! left, and against every other replica by the database's unique
//! constraints; [`PgBatch`] is that transaction's reads and writes. When `apply`
//! returns `Ok`, the batch is committed: a 200 for a rotation means the
//! rotation is in the database.
//!
//! A purge is not part of the batch's transaction: it runs after it, in
//! bounded transactions of its own (`tokens.rs`).

use postgres::GenericClient;

use super::pool::Db;
use super::schema::UserSql;
use super::users;
use super::PostgresStore;
use crate::store::decide::{self, Batch, Spend};
use crate::store::{
    Blacklisted, Change, ChangeOutcome, NewUser, Rehash, StoreError, TokenRecord, User, UserKey,
};

/// One batch's transaction, and the SQL built for this database's tables.
pub(super) struct PgBatch<'d, 'a, C: GenericClient> {
    pub(super) db: &'d mut Db<'a, C>,
    pub(super) users: &'d UserSql,
    /// [`super::tokens::spend_all_sql`], built once per store.
    pub(super) spend_all: &'d str,
}

impl<C: GenericClient> Batch for PgBatch<'_, '_, C> {
    fn family_of(&mut self, jti: &str) -> Result<String, StoreError> {
        PgBatch::family_of(self, jti)
    }

    fn is_blacklisted(&mut self, jti: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_opt(super::tokens::BLACKLISTING, &[&jti])?
            .is_some())
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
        PgBatch::blacklisting(self, jti)
    }

    fn revoke_family(&mut self, _: &str, family: &str, now: u64) -> Result<u64, StoreError> {
        PgBatch::revoke_family(self, family, now)
    }

    fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
        PgBatch::issue(self, token, family)
    }

    fn spend(
        &mut self,
        old: &TokenRecord,
        new: &TokenRecord,
        now: u64,
    ) -> Result<(String, bool), StoreError> {
        PgBatch::spend(self, old, new, now)
    }

    fn spend_all(&mut self, spends: &[Spend<'_>]) -> Result<Vec<(String, bool)>, StoreError> {
        PgBatch::spend_all(self, spends)
    }

    fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<Option<u64>, StoreError> {
        // The user's row locked: a deletion cannot slip in between.
        if users::read_for_update(self.db, self.users, &UserKey::Id(user_id))?.is_none() {
            return Ok(None);
        }
        PgBatch::revoke_user(self, user_id, valid_after, now).map(Some)
    }

    fn purge(&mut self, _now: u64) -> Result<ChangeOutcome, StoreError> {
        // Run after the batch commits, in transactions of its own.
        Ok(ChangeOutcome::Done)
    }

    fn create_users(&mut self, new: &[NewUser], now: u64) -> Result<ChangeOutcome, StoreError> {
        users::create_users(self.db, self.users, new, now)
    }

    fn read_user(&mut self, user: &UserKey) -> Result<Option<User>, StoreError> {
        users::read_for_update(self.db, self.users, user)
    }

    fn write_user(&mut self, user: &User) -> Result<(), StoreError> {
        users::write_user(self.db, self.users, user)
    }

    fn another_active_superuser(&mut self, besides: u64) -> Result<bool, StoreError> {
        users::another_active_superuser(self.db, self.users, besides)
    }

    fn delete_user(&mut self, user: User) -> Result<ChangeOutcome, StoreError> {
        users::delete_user(self.db, self.users, user)
    }

    fn record_login(
        &mut self,
        user_id: u64,
        last_login: Option<i64>,
        rehash: Option<&Rehash>,
    ) -> Result<(), StoreError> {
        users::record_login(self.db, self.users, user_id, last_login, rehash)
    }
}

impl PostgresStore {
    /// Applies `changes` in one transaction and one commit, one outcome per
    /// change. On `Err` nothing of the transaction was written.
    ///
    /// A batch of nothing but spending rotations is the exception that
    /// refresh loads make the rule: its rotations are one statement, so one
    /// transaction and commit without a `BEGIN` and `COMMIT` of their own;
    /// what follows for a rotation that lost (is it reuse?) is statements of
    /// their own, each its own transaction, none of which can undo a
    /// rotation. On `Err` the rotations may have been committed, like a
    /// reply lost on the way.
    pub(crate) fn apply(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        let spends_only = changes.iter().all(|change| Spend::of(change).is_some());
        let (users, spend_all) = (&self.sql.users, self.spend_all.as_str());
        let mut outcomes = if spends_only {
            self.pool.autocommit(|db| {
                decide::apply_all(
                    &mut PgBatch {
                        db,
                        users,
                        spend_all,
                    },
                    changes,
                )
            })?
        } else {
            self.pool.write(|db| {
                decide::apply_all(
                    &mut PgBatch {
                        db,
                        users,
                        spend_all,
                    },
                    changes,
                )
            })?
        };
        for change in changes {
            self.forget(change);
        }
        for (change, outcome) in changes.iter().zip(outcomes.iter_mut()) {
            if let Change::Purge { now } = change {
                *outcome = self.purge(*now)?;
            }
        }
        Ok(outcomes)
    }

    /// Forgets what `change`, now committed, may have made stale here.
    fn forget(&self, change: &Change) {
        match change {
            Change::Issue { .. } | Change::Purge { .. } => {}
            Change::Rotate { old, .. } => self.cache.forget_blacklisting(&old.jti),
            Change::Blacklist { token, .. } => self.cache.forget_blacklisting(&token.jti),
            Change::RecordLogin { user_id, .. } => self.cache.forget_user(*user_id),
            // A family or a user's tokens revoked, users created, changed
            // or deleted: rare, and more than one entry.
            Change::Reuse { .. }
            | Change::RevokeUser { .. }
            | Change::CreateUsers { .. }
            | Change::UpdateUser { .. }
            | Change::DeleteUser { .. } => self.cache.clear(),
        }
    }
}
