//! [`RedbStore::apply`]: a batch of changes in one write transaction and one
//! commit (one fsync). The tables every change may write stay open for the
//! whole batch; each change is decided on the state the ones before it left,
//! by the code in `tokens.rs` and `users.rs`.

use ::redb::WriteTransaction;

use super::schema::{Table, BLACKLIST, FAMILIES, ISSUED, USERS};
use super::{OrStoreError, RedbStore};
use crate::store::{Change, ChangeOutcome, StoreError};

/// The tables of one write transaction, open for the length of a batch.
pub(super) struct Batch<'tx> {
    /// For the tables only user administration writes (`usernames`,
    /// `meta`), opened when needed.
    pub(super) tx: &'tx WriteTransaction,
    pub(super) users: Table<'tx>,
    pub(super) issued: Table<'tx>,
    pub(super) families: Table<'tx>,
    pub(super) blacklist: Table<'tx>,
}

impl<'tx> Batch<'tx> {
    pub(super) fn open(tx: &'tx WriteTransaction) -> Result<Batch<'tx>, StoreError> {
        Ok(Batch {
            tx,
            users: tx.open_table(USERS).or_store()?,
            issued: tx.open_table(ISSUED).or_store()?,
            families: tx.open_table(FAMILIES).or_store()?,
            blacklist: tx.open_table(BLACKLIST).or_store()?,
        })
    }

    /// Makes one change, or says in its outcome why it made none.
    fn apply(&mut self, change: &Change) -> Result<ChangeOutcome, StoreError> {
        match change {
            Change::Issue { token } => {
                self.issue(token, &token.jti)?;
                Ok(ChangeOutcome::Done)
            }
            Change::Rotate {
                old,
                new,
                blacklist_old,
                revoke_family_on_reuse,
                grace,
                now,
            } => self.rotate(
                old,
                new,
                *blacklist_old,
                *revoke_family_on_reuse,
                *grace,
                *now,
            ),
            Change::Reuse { jti, grace, now } => self.reuse(jti, *grace, *now),
            Change::Blacklist { token, now } => self.log_out(token, *now),
            Change::RecordLogin {
                user_id,
                last_login,
                rehash,
            } => {
                self.record_login(*user_id, *last_login, rehash.as_ref())?;
                Ok(ChangeOutcome::Done)
            }
            Change::RevokeUser {
                user_id,
                valid_after,
                now,
            } => self.revoke_user(*user_id, *valid_after, *now),
            Change::Purge { now } => self.purge(*now),
            Change::CreateUsers { users, now } => self.create_users(users, *now),
            Change::UpdateUser {
                user,
                update,
                keep_a_superuser,
                revoke_at,
            } => {
                if *keep_a_superuser && self.removes_last_superuser(user, Some(update))? {
                    return Ok(ChangeOutcome::LastSuperuser);
                }
                let Some(user) = self.update_user(user, |u| update.apply_to(u))? else {
                    return Ok(ChangeOutcome::NoSuchUser);
                };
                let revoked = match revoke_at {
                    Some(now) => match self.revoke_user(user.id, now.saturating_add(1), *now)? {
                        ChangeOutcome::Revoked { tokens } => Some(tokens),
                        _ => None,
                    },
                    None => None,
                };
                // The record as the revocation left it.
                let user = self.read_user(user.id)?.unwrap_or(user);
                Ok(ChangeOutcome::UserUpdated { user, revoked })
            }
            Change::DeleteUser {
                user,
                keep_a_superuser,
            } => {
                if *keep_a_superuser && self.removes_last_superuser(user, None)? {
                    return Ok(ChangeOutcome::LastSuperuser);
                }
                Ok(match self.delete_user(user)? {
                    Some(user) => ChangeOutcome::UserDeleted { user },
                    None => ChangeOutcome::NoSuchUser,
                })
            }
        }
    }
}

impl RedbStore {
    /// Applies `changes` in one transaction and one commit, each checked
    /// against the state left by the ones before it. On `Err` nothing was
    /// written.
    pub(crate) fn apply(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        self.write(|tx| {
            let mut batch = Batch::open(tx)?;
            changes.iter().map(|change| batch.apply(change)).collect()
        })
    }
}
