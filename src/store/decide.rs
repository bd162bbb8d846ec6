//! How each [`Change`] is decided, once for every backend. A backend's
//! batch offers the reads and writes of one transaction ([`Batch`]); the
//! decisions are made here from them: whether a rotation spends its token
//! or finds it spent, whether a spent token back again is reuse or within
//! the grace period, whether a change would take the last active superuser.
//! So both backends decide alike, and `conformance/` checks that they do.
//!
//! The one decision that must have exactly one winner, "is this token
//! blacklisted now, by this change?", is [`Batch::blacklist`]'s: the redb
//! backend makes it inside its single write transaction, PostgreSQL with
//! the blacklist's unique constraint, across replicas.

use super::{
    Blacklisted, Change, ChangeOutcome, NewUser, Rehash, StoreError, TokenRecord, User, UserKey,
    UserUpdate,
};

/// The reads and writes of one batch, in its transaction.
pub(super) trait Batch {
    /// The family `jti` belongs to; a token with no record is its own.
    fn family_of(&mut self, jti: &str) -> Result<String, StoreError>;

    /// Whether `jti` is blacklisted.
    fn is_blacklisted(&mut self, jti: &str) -> Result<bool, StoreError>;

    /// Blacklists `token` for `why` now, first recording it as a member of
    /// `family` if it has no record (a token minted elsewhere). `false`,
    /// with nothing written, if it already was: of concurrent calls for
    /// one token, exactly one gets `true`.
    fn blacklist(
        &mut self,
        token: &TokenRecord,
        family: &str,
        now: u64,
        why: Blacklisted,
    ) -> Result<bool, StoreError>;

    /// Why `jti` is blacklisted and when (Unix seconds), if it is.
    fn blacklisting(&mut self, jti: &str) -> Result<Option<(Blacklisted, u64)>, StoreError>;

    /// Blacklists, as revoked, every member of `family` not yet
    /// blacklisted; how many. `member` is one of them (the token presented
    /// again), for a backend that finds a family from its members.
    fn revoke_family(&mut self, member: &str, family: &str, now: u64) -> Result<u64, StoreError>;

    /// Records `token` as issued, a member of `family`.
    fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError>;

    /// A rotation's writes: `old` blacklisted as rotated (first recorded,
    /// if it has no record, as its family's root) and `new` recorded in
    /// `old`'s family, unless `old` already was blacklisted, when nothing
    /// is written. Returns `old`'s family, and whether this call spent it.
    /// [`Batch::family_of`], [`Batch::blacklist`] and [`Batch::issue`] in
    /// turn, unless a backend can do it in fewer steps.
    fn spend(
        &mut self,
        old: &TokenRecord,
        new: &TokenRecord,
        now: u64,
    ) -> Result<(String, bool), StoreError> {
        let family = self.family_of(&old.jti)?;
        if !self.blacklist(old, &family, now, Blacklisted::Rotated)? {
            return Ok((family, false));
        }
        self.issue(new, &family)?;
        Ok((family, true))
    }

    /// [`Batch::spend`] of each of `spends` in turn (the first of two
    /// spending one token wins), unless a backend can do them together.
    fn spend_all(&mut self, spends: &[Spend<'_>]) -> Result<Vec<(String, bool)>, StoreError> {
        spends
            .iter()
            .map(|s| self.spend(s.old, s.new, s.now))
            .collect()
    }

    /// Raises the user's `tokens_valid_after` to at least `valid_after` and
    /// blacklists, as revoked, each of their refresh tokens still live at
    /// `now`; how many. `None` if there is no such user.
    fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<Option<u64>, StoreError>;

    /// Deletes the rows of tokens whose `exp` has passed.
    fn purge(&mut self, now: u64) -> Result<ChangeOutcome, StoreError>;

    /// [`Change::CreateUsers`]: every account or none.
    fn create_users(&mut self, new: &[NewUser], now: u64) -> Result<ChangeOutcome, StoreError>;

    /// The user `user`, as this batch has left it (locked against other
    /// writers until the batch commits, where that means something).
    fn read_user(&mut self, user: &UserKey) -> Result<Option<User>, StoreError>;

    /// Writes every field of `user` but its id and username.
    fn write_user(&mut self, user: &User) -> Result<(), StoreError>;

    /// Whether an active superuser other than `besides` exists.
    fn another_active_superuser(&mut self, besides: u64) -> Result<bool, StoreError>;

    /// Deletes `user`: [`ChangeOutcome::UserDeleted`], or
    /// [`ChangeOutcome::UserReferenced`] if a table the store does not
    /// manage still names it (nothing deleted then).
    fn delete_user(&mut self, user: User) -> Result<ChangeOutcome, StoreError>;

    /// A login's `last_login` and upgraded hash (the hash only while the
    /// stored one is still the one it verified); a user deleted meanwhile
    /// is skipped.
    fn record_login(
        &mut self,
        user_id: u64,
        last_login: Option<i64>,
        rehash: Option<&Rehash>,
    ) -> Result<(), StoreError>;
}

/// A rotation that blacklists the token it spends: [`Batch::spend`]'s
/// arguments.
pub(super) struct Spend<'c> {
    pub(super) old: &'c TokenRecord,
    pub(super) new: &'c TokenRecord,
    pub(super) now: u64,
}

impl<'c> Spend<'c> {
    /// The spend `change` is, if it is one.
    pub(super) fn of(change: &'c Change) -> Option<Spend<'c>> {
        match change {
            Change::Rotate {
                old,
                new,
                blacklist_old: true,
                now,
                ..
            } => Some(Spend {
                old,
                new,
                now: *now,
            }),
            _ => None,
        }
    }
}

/// Makes every change of a batch, each as if after the ones before it.
/// A batch of nothing but spending rotations (what a refresh load makes)
/// is spent in one [`Batch::spend_all`], and only the rotations that found
/// their token spent are decided further, one by one.
pub(super) fn apply_all(
    batch: &mut impl Batch,
    changes: &[Change],
) -> Result<Vec<ChangeOutcome>, StoreError> {
    let Some(spends) = changes.iter().map(Spend::of).collect::<Option<Vec<_>>>() else {
        return changes.iter().map(|change| apply(batch, change)).collect();
    };
    let spent = batch.spend_all(&spends)?;
    if spent.len() != changes.len() {
        return Err(super::unexpected("not one answer per rotation"));
    }
    changes
        .iter()
        .zip(spent)
        .map(|(change, (family, spent_now))| match change {
            Change::Rotate {
                old,
                revoke_family_on_reuse,
                grace,
                now,
                ..
            } if !spent_now => spent_again(
                batch,
                &old.jti,
                family,
                *revoke_family_on_reuse,
                *grace,
                *now,
            ),
            _ => Ok(ChangeOutcome::Done),
        })
        .collect()
}

/// Makes one change on `batch`, or says in its outcome why it made none.
pub(super) fn apply(batch: &mut impl Batch, change: &Change) -> Result<ChangeOutcome, StoreError> {
    match change {
        Change::Issue { token } => {
            batch.issue(token, &token.jti)?;
            Ok(ChangeOutcome::Done)
        }
        Change::Rotate {
            old,
            new,
            blacklist_old,
            revoke_family_on_reuse,
            grace,
            now,
        } => {
            let (family, spent_now) = if *blacklist_old {
                batch.spend(old, new, *now)?
            } else {
                let family = batch.family_of(&old.jti)?;
                let unspent = !batch.is_blacklisted(&old.jti)?;
                if unspent {
                    batch.issue(new, &family)?;
                }
                (family, unspent)
            };
            if !spent_now {
                return spent_again(
                    batch,
                    &old.jti,
                    family,
                    *revoke_family_on_reuse,
                    *grace,
                    *now,
                );
            }
            Ok(ChangeOutcome::Done)
        }
        Change::Reuse { jti, grace, now } => {
            let family = batch.family_of(jti)?;
            spent_again(batch, jti, family, true, *grace, *now)
        }
        Change::Blacklist { token, now } => {
            let family = batch.family_of(&token.jti)?;
            if batch.blacklist(token, &family, *now, Blacklisted::LoggedOut)? {
                Ok(ChangeOutcome::Done)
            } else {
                Ok(ChangeOutcome::AlreadyBlacklisted { family, revoked: 0 })
            }
        }
        Change::RecordLogin {
            user_id,
            last_login,
            rehash,
        } => {
            batch.record_login(*user_id, *last_login, rehash.as_ref())?;
            Ok(ChangeOutcome::Done)
        }
        Change::RevokeUser {
            user_id,
            valid_after,
            now,
        } => Ok(match batch.revoke_user(*user_id, *valid_after, *now)? {
            Some(tokens) => ChangeOutcome::Revoked { tokens },
            None => ChangeOutcome::NoSuchUser,
        }),
        Change::Purge { now } => batch.purge(*now),
        Change::CreateUsers { users, now } => batch.create_users(users, *now),
        Change::UpdateUser {
            user,
            update,
            keep_a_superuser,
            revoke_at,
        } => {
            if *keep_a_superuser && removes_last_superuser(batch, user, Some(update))? {
                return Ok(ChangeOutcome::LastSuperuser);
            }
            let Some(mut found) = batch.read_user(user)? else {
                return Ok(ChangeOutcome::NoSuchUser);
            };
            update.apply_to(&mut found);
            batch.write_user(&found)?;
            let revoked = match revoke_at {
                Some(now) => {
                    let valid_after = now.saturating_add(1);
                    let revoked = batch.revoke_user(found.id, valid_after, *now)?;
                    found.tokens_valid_after = found.tokens_valid_after.max(valid_after);
                    revoked
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
            if *keep_a_superuser && removes_last_superuser(batch, user, None)? {
                return Ok(ChangeOutcome::LastSuperuser);
            }
            match batch.read_user(user)? {
                Some(found) => batch.delete_user(found),
                None => Ok(ChangeOutcome::NoSuchUser),
            }
        }
    }
}

/// A blacklisted token presented again. One logged out or revoked is
/// simply refused; one a rotation spent is, within the grace period after
/// it, refused but not taken for theft, and otherwise reuse, its family
/// revoked if asked.
fn spent_again(
    batch: &mut impl Batch,
    jti: &str,
    family: String,
    revoke_family: bool,
    grace: u64,
    now: u64,
) -> Result<ChangeOutcome, StoreError> {
    match batch.blacklisting(jti)? {
        Some((Blacklisted::LoggedOut | Blacklisted::Revoked, _)) => {
            return Ok(ChangeOutcome::LoggedOutOrRevoked { family });
        }
        Some((Blacklisted::Rotated | Blacklisted::Unknown, at))
            if now.saturating_sub(at) < grace =>
        {
            let after = now.saturating_sub(at);
            return Ok(ChangeOutcome::SpentWithinGrace { family, after });
        }
        _ => {}
    }
    let revoked = if revoke_family {
        batch.revoke_family(jti, &family, now)?
    } else {
        0
    };
    Ok(ChangeOutcome::AlreadyBlacklisted { family, revoked })
}

/// Whether `update` (a deletion, when `None`) takes from `user` the last
/// active superuser's standing: the user is an active superuser, would no
/// longer be one, and no other user is one.
fn removes_last_superuser(
    batch: &mut impl Batch,
    user: &UserKey,
    update: Option<&UserUpdate>,
) -> Result<bool, StoreError> {
    let counts = |u: &User| u.is_active && u.is_superuser;
    let Some(before) = batch.read_user(user)? else {
        return Ok(false);
    };
    if !counts(&before) {
        return Ok(false);
    }
    if let Some(update) = update {
        let mut after = before.clone();
        update.apply_to(&mut after);
        if counts(&after) {
            return Ok(false);
        }
    }
    Ok(!batch.another_active_superuser(before.id)?)
}
