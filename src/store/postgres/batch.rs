//! [`PostgresStore::apply`]: a batch of changes in one transaction and one
//! commit, each decided on the state the ones before it left, and against
//! every other replica by the database's unique constraints. When `apply`
//! returns `Ok`, the batch is committed: a 200 for a rotation means the
//! rotation is in the database.
//!
//! A purge is not part of the batch's transaction: it runs after it, in
//! bounded transactions of its own (`tokens.rs`).

use postgres::Transaction;

use super::pool::Db;
use super::tokens::Tokens;
use super::users;
use super::PostgresStore;
use crate::store::{Change, ChangeOutcome, StoreError};

impl PostgresStore {
    /// Applies `changes` in one transaction and one commit, one outcome per
    /// change. On `Err` nothing of the transaction was written.
    pub(crate) fn apply(&self, changes: &[Change]) -> Result<Vec<ChangeOutcome>, StoreError> {
        let mut outcomes = self.pool.write(|db| {
            changes
                .iter()
                .map(|change| match change {
                    Change::Purge { .. } => Ok(ChangeOutcome::Done),
                    change => self.apply_one(db, change),
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
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

    fn apply_one(
        &self,
        db: &mut Db<'_, Transaction<'_>>,
        change: &Change,
    ) -> Result<ChangeOutcome, StoreError> {
        let users = &self.sql.users;
        let mut tokens = Tokens {
            db,
            users_table: &users.table,
        };
        match change {
            Change::Issue { token } => {
                tokens.issue(token, &token.jti)?;
                Ok(ChangeOutcome::Done)
            }
            Change::Rotate {
                old,
                new,
                blacklist_old,
                revoke_family_on_reuse,
                grace,
                now,
            } => tokens.rotate(
                old,
                new,
                *blacklist_old,
                *revoke_family_on_reuse,
                *grace,
                *now,
            ),
            Change::Reuse { jti, grace, now } => tokens.reuse(jti, *grace, *now),
            Change::Blacklist { token, now } => tokens.log_out(token, *now),
            Change::RecordLogin {
                user_id,
                last_login,
                rehash,
            } => {
                users::record_login(db, users, *user_id, *last_login, rehash.as_ref())?;
                Ok(ChangeOutcome::Done)
            }
            Change::RevokeUser {
                user_id,
                valid_after,
                now,
            } => {
                let key = crate::store::UserKey::Id(*user_id);
                if users::read_for_update(db, users, &key)?.is_none() {
                    return Ok(ChangeOutcome::NoSuchUser);
                }
                let mut tokens = Tokens {
                    db,
                    users_table: &users.table,
                };
                let revoked = tokens.revoke_user(*user_id, *valid_after, *now)?;
                Ok(ChangeOutcome::Revoked { tokens: revoked })
            }
            Change::Purge { .. } => Ok(ChangeOutcome::Done),
            Change::CreateUsers { users: new, now } => users::create_users(db, users, new, *now),
            Change::UpdateUser {
                user,
                update,
                keep_a_superuser,
                revoke_at,
            } => {
                if *keep_a_superuser
                    && users::removes_last_superuser(db, users, user, Some(update))?
                {
                    return Ok(ChangeOutcome::LastSuperuser);
                }
                let Some(mut found) = users::read_for_update(db, users, user)? else {
                    return Ok(ChangeOutcome::NoSuchUser);
                };
                update.apply_to(&mut found);
                users::write_user(db, users, &found)?;
                let revoked = match revoke_at {
                    Some(now) => {
                        let valid_after = now.saturating_add(1);
                        found.tokens_valid_after = found.tokens_valid_after.max(valid_after);
                        let mut tokens = Tokens {
                            db,
                            users_table: &users.table,
                        };
                        Some(tokens.revoke_user(found.id, valid_after, *now)?)
                    }
                    None => None,
                };
                Ok(ChangeOutcome::UserUpdated {
                    user: found,
                    revoked,
                })
            }
            Change::DeleteUser {
                user,
                keep_a_superuser,
            } => {
                if *keep_a_superuser && users::removes_last_superuser(db, users, user, None)? {
                    return Ok(ChangeOutcome::LastSuperuser);
                }
                users::delete_user(db, users, user)
            }
        }
    }
}
