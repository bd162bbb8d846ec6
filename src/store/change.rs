//! The writes a store takes in batches: each [`Change`] given to
//! [`Store::apply`](super::Store::apply) answers one [`ChangeOutcome`].
//!
//! A batch is one transaction and one durable commit, and each change in it
//! is decided against the state the changes before it left: of two
//! rotations of one token in a batch exactly one wins. A change that cannot
//! be made (a username taken, a user gone) says so in its outcome and
//! writes nothing, without failing the rest of the batch; only a storage
//! failure does that.

use super::records::{NewUser, TokenRecord, User};

/// One change in a batch given to [`Store::apply`](super::Store::apply).
#[derive(Debug, Clone)]
pub enum Change {
    /// A login issued `token`, the first of a new family.
    Issue {
        /// The new refresh token.
        token: TokenRecord,
    },
    /// Rotation: `old` is spent and `new` replaces it, unless `old` is
    /// already blacklisted.
    Rotate {
        /// The refresh token presented.
        old: TokenRecord,
        /// The refresh token minted in its place.
        new: TokenRecord,
        /// Blacklist `old` (BLACKLIST_AFTER_ROTATION).
        blacklist_old: bool,
        /// On reuse of a blacklisted `old`, blacklist its whole family.
        revoke_family_on_reuse: bool,
        /// Seconds after a rotation within which `old` coming back is not
        /// reuse (REUSE_GRACE_PERIOD): [`ChangeOutcome::SpentWithinGrace`].
        grace: u64,
        /// Unix seconds.
        now: u64,
    },
    /// A blacklisted refresh token was presented again: blacklist every
    /// token of its family (reuse detection).
    Reuse {
        /// The replayed token's jti.
        jti: String,
        /// Seconds after its rotation within which it is not reuse.
        grace: u64,
        /// Unix seconds.
        now: u64,
    },
    /// Logout: blacklist `token`, unless it already is.
    Blacklist {
        /// The refresh token to revoke.
        token: TokenRecord,
        /// Unix seconds.
        now: u64,
    },
    /// After a successful login: `last_login` and a re-hashed password. A
    /// user deleted meanwhile is skipped.
    RecordLogin {
        /// The user who logged in.
        user_id: u64,
        /// New `last_login`, microseconds (UPDATE_LAST_LOGIN).
        last_login: Option<i64>,
        /// The password's hash upgraded to the configured iterations.
        rehash: Option<Rehash>,
    },
    /// Revoke everything of a user: blacklist every refresh token issued to
    /// them, and refuse every token of theirs issued before `valid_after`.
    RevokeUser {
        /// The user.
        user_id: u64,
        /// Unix seconds; the user's `tokens_valid_after` becomes at least this.
        valid_after: u64,
        /// Unix seconds.
        now: u64,
    },
    /// Delete rows of tokens whose `exp` has passed (`exp <= now`).
    Purge {
        /// Unix seconds.
        now: u64,
    },
    /// Create accounts, all of them or none: each username must be free,
    /// and so must each explicit id, among the existing users and the ones
    /// before it in `users`. Ids the store picks only grow; an explicit id
    /// below the next one the store would pick may have been a deleted
    /// user's, so that account's `tokens_valid_after` becomes at least
    /// `now + 1`: no token issued before it, the deleted user's included,
    /// can name it.
    CreateUsers {
        /// The accounts, created in this order.
        users: Vec<NewUser>,
        /// Unix seconds.
        now: u64,
    },
    /// Change the fields `update` sets on one user; its id and username
    /// stay.
    UpdateUser {
        /// Which user.
        user: UserKey,
        /// What changes.
        update: UserUpdate,
        /// Refuse ([`ChangeOutcome::LastSuperuser`]) if the change leaves
        /// no active superuser where there was one.
        keep_a_superuser: bool,
        /// With the change, revoke every token of the user as of these
        /// Unix seconds, as [`Change::RevokeUser`] does: only if the change
        /// is made.
        revoke_at: Option<u64>,
    },
    /// Delete one user. Its tokens stay signed but name nobody, so every
    /// use of them fails; its id is never given again.
    DeleteUser {
        /// Which user.
        user: UserKey,
        /// Refuse ([`ChangeOutcome::LastSuperuser`]) if the user is the
        /// last active superuser.
        keep_a_superuser: bool,
    },
}

/// What one [`Change`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Applied.
    Done,
    /// The token was already blacklisted; nothing was written for it, except
    /// the family revocation counted here (rotation with reuse detection).
    AlreadyBlacklisted {
        /// The family the token belonged to.
        family: String,
        /// Tokens of the family newly blacklisted because of the reuse.
        revoked: u64,
    },
    /// The token was spent by a rotation less than the grace period ago:
    /// refused, but not taken as theft, so its family is left as it is.
    SpentWithinGrace {
        /// The family the token belongs to.
        family: String,
        /// Seconds since the rotation that spent it.
        after: u64,
    },
    /// [`Change::Rotate`] or [`Change::Reuse`] of a token that a logout or
    /// a revocation blacklisted, not a rotation: refused, and not reuse.
    LoggedOutOrRevoked {
        /// The family the token belongs to.
        family: String,
    },
    /// A user's tokens revoked.
    Revoked {
        /// Refresh tokens newly blacklisted.
        tokens: u64,
    },
    /// [`Change::RevokeUser`], [`Change::UpdateUser`] or
    /// [`Change::DeleteUser`] for a user who does not exist; nothing was
    /// written.
    NoSuchUser,
    /// Rows removed by a purge.
    Purged {
        /// Issued-token rows removed.
        issued: u64,
        /// Blacklist rows removed.
        blacklisted: u64,
    },
    /// [`Change::CreateUsers`]: every account created, with its id.
    UsersCreated {
        /// The accounts, in the order given.
        users: Vec<User>,
    },
    /// [`Change::CreateUsers`]: the username of `users[index]` is taken;
    /// no account was created.
    UsernameTaken {
        /// The first account that conflicts.
        index: usize,
    },
    /// [`Change::CreateUsers`]: the explicit id of `users[index]` is taken;
    /// no account was created.
    IdTaken {
        /// The first account that conflicts.
        index: usize,
    },
    /// [`Change::UpdateUser`]: the user as it now is.
    UserUpdated {
        /// The changed record.
        user: User,
        /// With `revoke_at`: the refresh tokens newly blacklisted.
        revoked: Option<u64>,
    },
    /// [`Change::DeleteUser`]: the user as it was.
    UserDeleted {
        /// The deleted record.
        user: User,
    },
    /// [`Change::UpdateUser`] or [`Change::DeleteUser`] asked to keep a
    /// superuser, and the user is the last active one; nothing was written.
    LastSuperuser,
    /// [`Change::DeleteUser`]: a table jwtd does not manage (Django's
    /// admin log, an application's own) still references the user, so it
    /// was not deleted; Django would have cascaded to it in Python.
    UserReferenced {
        /// The referencing table.
        by: String,
    },
}

/// A login's upgrade of the hash it verified. It is written only while the
/// stored hash is still `verified`: a password set meanwhile (by the admin
/// API or `jwtd user passwd`) is never overwritten by a login that checked
/// the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rehash {
    /// The stored hash the login verified the password against.
    pub verified: String,
    /// The same password hashed at the configured iterations.
    pub upgraded: String,
}

/// Names one user: by id, which a deleted user never passes on, or by
/// username (case-sensitive), which may be taken again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    /// The primary key.
    Id(u64),
    /// The unique username.
    Username(String),
}

/// The fields [`Change::UpdateUser`] sets; `None` leaves one as it is.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// A new hash, in Django's format.
    pub password: Option<String>,
    /// A new `is_active`.
    pub is_active: Option<bool>,
    /// A new `is_staff`.
    pub is_staff: Option<bool>,
    /// A new `is_superuser`.
    pub is_superuser: Option<bool>,
    /// A new `email`.
    pub email: Option<String>,
    /// A new `first_name`.
    pub first_name: Option<String>,
    /// A new `last_name`.
    pub last_name: Option<String>,
}

impl UserUpdate {
    /// Sets the fields this update carries on `user`.
    pub fn apply_to(&self, user: &mut User) {
        if let Some(hash) = &self.password {
            user.password.clone_from(hash);
        }
        if let Some(value) = self.is_active {
            user.is_active = value;
        }
        if let Some(value) = self.is_staff {
            user.is_staff = value;
        }
        if let Some(value) = self.is_superuser {
            user.is_superuser = value;
        }
        for (value, field) in [
            (&self.email, &mut user.email),
            (&self.first_name, &mut user.first_name),
            (&self.last_name, &mut user.last_name),
        ] {
            if let Some(value) = value {
                field.clone_from(value);
            }
        }
    }
}

impl std::fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserUpdate")
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("email", &self.email)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .finish()
    }
}
