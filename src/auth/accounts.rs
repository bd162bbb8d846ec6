//! Account management: the one way users are created, changed, deleted and
//! logged out everywhere, for the admin API, `jwtd user` and the control
//! socket alike; and the operator's upkeep of the database beside it
//! (expired tokens flushed, a backup, a token's state looked up for
//! `jwtd token explain`), the same in a server and on the command line.
//!
//! Every write goes through the writer's group commit, and each operation
//! is one batch, so what belongs together commits together: a password
//! change with the revocation it implies, a deactivation with its
//! revocation. The field rules are [`super::rules`], then a new password
//! must pass `AUTH_PASSWORD_VALIDATORS` (`super::password_validation`),
//! here for every way in; a new password is hashed
//! here (about 190 ms at the default iterations), so the server calls the
//! operations that take one on its login pool.

use std::fmt;
use std::sync::Arc;

use super::password_validation::{validate_password, PasswordRefusal};
use super::revocation;
use super::rules::{self, PasswordProblem, UsernameProblem};
use super::UNEXPECTED_OUTCOME;
use crate::clock::Clock;
use crate::config::{LiveSettings, Settings};
use crate::password;
use crate::store::{
    Backup, Change, ChangeOutcome, NewUser, Store, StoreError, User, UserField, UserKey, UserUpdate,
};
use crate::writer::Writer;

/// Why an account operation did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    /// The username breaks the rules.
    Username(Vec<UsernameProblem>),
    /// The password breaks the rules.
    Password(Vec<PasswordProblem>),
    /// The password validators refused it, each in Django's words.
    PasswordRefused(Vec<PasswordRefusal>),
    /// Another user has that username.
    UsernameTaken,
    /// Another user has that id (an import).
    IdTaken,
    /// No such user (or it was deleted meanwhile).
    NoSuchUser,
    /// The user is the last active superuser, and the operation would
    /// leave none ([`LastSuperuser::Keep`]).
    LastSuperuser,
    /// Another table (PostgreSQL: Django's admin log, an application's
    /// own) still references the user, named here; nothing was deleted.
    Referenced(String),
    /// The store or the hasher failed; the text is for the log.
    Unavailable(String),
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::Username(problems) => write!(f, "invalid username: {problems:?}"),
            AccountError::Password(problems) => write!(f, "invalid password: {problems:?}"),
            AccountError::PasswordRefused(refusals) => {
                f.write_str("password refused:")?;
                refusals.iter().try_for_each(|r| write!(f, " {r}"))
            }
            AccountError::UsernameTaken => f.write_str("a user with that username already exists"),
            AccountError::IdTaken => f.write_str("a user with that id already exists"),
            AccountError::NoSuchUser => f.write_str("no such user"),
            AccountError::LastSuperuser => f.write_str("the user is the last active superuser"),
            AccountError::Referenced(table) => write!(
                f,
                "rows of the table {table} still reference the user (Django would delete them \
                 with it); delete those first"
            ),
            AccountError::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

impl std::error::Error for AccountError {}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> AccountError {
        match e {
            StoreError::NoSuchUser => AccountError::NoSuchUser,
            StoreError::UsernameTaken => AccountError::UsernameTaken,
            StoreError::IdTaken => AccountError::IdTaken,
            StoreError::Referenced(table) => AccountError::Referenced(table.to_string()),
            other => AccountError::Unavailable(other.to_string()),
        }
    }
}

/// A new account. Its `Debug` never shows the password.
#[derive(Clone)]
pub struct NewAccount {
    /// Checked against [`rules::username_problems`].
    pub username: String,
    /// Checked against [`rules::password_problems`], then hashed.
    pub password: String,
    /// Can log in.
    pub is_active: bool,
    /// Django's staff flag.
    pub is_staff: bool,
    /// Django's superuser flag; superusers use the admin API.
    pub is_superuser: bool,
    /// Django's `email`, `first_name`, `last_name`, checked by the caller
    /// (the admin API's serializer); may be empty.
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AccountChanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountChanges")
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("is_active", &self.is_active)
            .field("is_staff", &self.is_staff)
            .field("is_superuser", &self.is_superuser)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// What to change on an account; `None` leaves a field as it is.
#[derive(Clone, Default)]
pub struct AccountChanges {
    /// A new password, checked and hashed.
    pub password: Option<String>,
    /// Active or not; deactivating revokes every token of the user.
    pub is_active: Option<bool>,
    /// Django's staff flag.
    pub is_staff: Option<bool>,
    /// Django's superuser flag.
    pub is_superuser: Option<bool>,
    /// Django's `email`, `first_name`, `last_name`, checked by the caller.
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Whether a change or a deletion may leave no active superuser: with
/// none, nobody can use the admin API, and only the command line can make
/// one again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastSuperuser {
    /// Refuse ([`AccountError::LastSuperuser`]).
    Keep,
    /// Go on (`--force`).
    MayRemove,
}

impl LastSuperuser {
    fn kept(self) -> bool {
        self == LastSuperuser::Keep
    }
}

/// A changed account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The account as it now is.
    pub user: User,
    /// Refresh tokens blacklisted when the change revoked the user's
    /// tokens (a deactivation, or a new password under
    /// `REVOKE_ON_PASSWORD_CHANGE`); `None` when it did not.
    pub revoked: Option<u64>,
}

/// The account operations, over the store and through the writer.
#[derive(Clone)]
pub struct Accounts {
    settings: Arc<LiveSettings>,
    store: Arc<Store>,
    writer: Writer,
    clock: Arc<Clock>,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts").finish_non_exhaustive()
    }
}

impl Accounts {
    /// The operations on `store`, writing through `writer`, at `clock`'s time.
    pub fn new(
        settings: Arc<Settings>,
        store: Arc<Store>,
        writer: Writer,
        clock: Arc<Clock>,
    ) -> Accounts {
        Accounts::sharing(Arc::new(LiveSettings::new(settings)), store, writer, clock)
    }

    /// As [`Accounts::new`], reading the settings in force in `settings`
    /// at each operation (the policy's own, which a reload replaces).
    pub(super) fn sharing(
        settings: Arc<LiveSettings>,
        store: Arc<Store>,
        writer: Writer,
        clock: Arc<Clock>,
    ) -> Accounts {
        Accounts {
            settings,
            store,
            writer,
            clock,
        }
    }

    /// The user with this id.
    pub fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.store.user(id)
    }

    /// The user with this username.
    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.store.user_by_name(username)
    }

    /// Whether emails are the login field (`USERNAME_FIELD` `email`), and
    /// so unique.
    pub fn emails_are_unique(&self) -> bool {
        self.settings.get().username_field == "email"
    }

    /// The one user whose `field` is exactly `value` ([`Store::user_by`]).
    pub fn user_by(&self, field: UserField, value: &str) -> Result<Option<User>, StoreError> {
        self.store.user_by(field, value)
    }

    /// Every user, by id.
    pub fn all(&self) -> Result<Vec<User>, StoreError> {
        self.store.users()
    }

    /// The number of users, and `limit` of them from `offset`, by id.
    pub fn page(&self, offset: usize, limit: usize) -> Result<(u64, Vec<User>), StoreError> {
        self.store.users_page(offset, limit)
    }

    /// Now, as accounts are stamped with it (`date_joined`): Unix
    /// microseconds.
    pub fn now_micros(&self) -> i64 {
        self.clock.now_micros()
    }

    /// What `AUTH_PASSWORD_VALIDATORS` says of a new `password` for the
    /// user named `username` (`None`: no user yet to compare it with); none
    /// for a password they accept. [`Accounts::create`] and
    /// [`Accounts::change`] refuse with it; the admin API asks it first to
    /// report it beside its other field errors.
    pub fn password_refusals(
        &self,
        password: &str,
        username: Option<&str>,
    ) -> Vec<PasswordRefusal> {
        validate_password(
            &self.settings.get().auth_password_validators,
            password,
            username,
        )
    }

    /// Creates an account after checking its fields and its password
    /// against the validators; hashes its password at
    /// `PASSWORD_ITERATIONS`.
    pub fn create(&self, account: NewAccount) -> Result<User, AccountError> {
        check_username(&account.username)?;
        check_password(&account.password)?;
        self.validate(&account.password, &account.username)?;
        let hash = self.hash(&account.password)?;
        let user = User {
            id: 0,
            username: account.username,
            password: hash,
            is_active: account.is_active,
            is_staff: account.is_staff,
            is_superuser: account.is_superuser,
            date_joined: self.clock.now_micros(),
            last_login: None,
            tokens_valid_after: 0,
            email: account.email,
            first_name: account.first_name,
            last_name: account.last_name,
        };
        let mut created = self
            .import(vec![NewUser { id: None, user }])
            .map_err(|(_, e)| e)?;
        created
            .pop()
            .ok_or_else(|| AccountError::Unavailable("no user created".into()))
    }

    /// Creates accounts as they are (Django's, with their ids and hashes),
    /// all of them or none; on refusal, the index of the first one that
    /// could not be created.
    pub fn import(&self, users: Vec<NewUser>) -> Result<Vec<User>, (usize, AccountError)> {
        let count = users.len();
        let outcome = self
            .writer
            .submit(vec![Change::CreateUsers {
                users,
                now: self.clock.now(),
            }])
            .map_err(|e| (count, e.into()))?;
        match outcome.into_iter().next() {
            Some(ChangeOutcome::UsersCreated { users }) => Ok(users),
            Some(ChangeOutcome::UsernameTaken { index }) => {
                Err((index, AccountError::UsernameTaken))
            }
            Some(ChangeOutcome::IdTaken { index }) => Err((index, AccountError::IdTaken)),
            other => Err((count, unexpected(&other))),
        }
    }

    /// Changes an account. A new password is checked, validated (against
    /// the user's username) and hashed; a deactivation, or a new password
    /// under `REVOKE_ON_PASSWORD_CHANGE`, revokes every token of the user in
    /// the same change, so a refused change revokes nothing.
    pub fn change(
        &self,
        user: UserKey,
        changes: AccountChanges,
        last_superuser: LastSuperuser,
    ) -> Result<Changed, AccountError> {
        let (id, password) = match &changes.password {
            Some(password) => {
                check_password(password)?;
                let found = match &user {
                    UserKey::Id(id) => self.store.user(*id)?,
                    UserKey::Username(name) => self.store.user_by_name(name)?,
                }
                .ok_or(AccountError::NoSuchUser)?;
                self.validate(password, &found.username)?;
                (found.id, Some(self.hash(password)?))
            }
            None => (self.id_of(&user)?, None),
        };
        let revoke = changes.is_active == Some(false)
            || (password.is_some() && self.settings.get().revoke_on_password_change);
        let update = UserUpdate {
            password,
            is_active: changes.is_active,
            is_staff: changes.is_staff,
            is_superuser: changes.is_superuser,
            email: changes.email,
            first_name: changes.first_name,
            last_name: changes.last_name,
        };
        let batch = vec![Change::UpdateUser {
            user: UserKey::Id(id),
            update,
            keep_a_superuser: last_superuser.kept(),
            revoke_at: revoke.then(|| self.clock.now()),
        }];
        let (user, revoked) = match self.writer.submit(batch)?.into_iter().next() {
            Some(ChangeOutcome::UserUpdated { user, revoked }) => (user, revoked),
            Some(ChangeOutcome::NoSuchUser) => return Err(AccountError::NoSuchUser),
            Some(ChangeOutcome::LastSuperuser) => return Err(AccountError::LastSuperuser),
            other => return Err(unexpected(&other)),
        };
        Ok(Changed { user, revoked })
    }

    /// Deletes an account. Its id is never given again, so its tokens name
    /// nobody and every use of them fails.
    pub fn delete(
        &self,
        user: UserKey,
        last_superuser: LastSuperuser,
    ) -> Result<User, AccountError> {
        let id = self.id_of(&user)?;
        let batch = vec![Change::DeleteUser {
            user: UserKey::Id(id),
            keep_a_superuser: last_superuser.kept(),
        }];
        match self.writer.submit(batch)?.into_iter().next() {
            Some(ChangeOutcome::UserDeleted { user }) => Ok(user),
            Some(ChangeOutcome::NoSuchUser) => Err(AccountError::NoSuchUser),
            Some(ChangeOutcome::LastSuperuser) => Err(AccountError::LastSuperuser),
            Some(ChangeOutcome::UserReferenced { by }) => Err(AccountError::Referenced(by)),
            other => Err(unexpected(&other)),
        }
    }

    /// Logs a user out everywhere: every refresh token issued to them is
    /// blacklisted, and every token of theirs issued up to this second is
    /// refused. Returns the user and the number of refresh tokens
    /// blacklisted.
    pub fn revoke(&self, user: UserKey) -> Result<(User, u64), AccountError> {
        let found = match &user {
            UserKey::Id(id) => self.store.user(*id)?,
            UserKey::Username(name) => self.store.user_by_name(name)?,
        }
        .ok_or(AccountError::NoSuchUser)?;
        match self.revoke_at(found.id, self.clock.now())? {
            Some(tokens) => Ok((found, tokens)),
            None => Err(AccountError::NoSuchUser),
        }
    }

    /// The revocation of the user `user_id` as of `now`: the number of
    /// refresh tokens blacklisted, `None` if there is no such user.
    pub(super) fn revoke_at(&self, user_id: u64, now: u64) -> Result<Option<u64>, AccountError> {
        match self.writer.submit(vec![revocation(user_id, now)])?.first() {
            Some(ChangeOutcome::Revoked { tokens }) => Ok(Some(*tokens)),
            Some(ChangeOutcome::NoSuchUser) => Ok(None),
            other => Err(unexpected(&other.cloned())),
        }
    }

    /// SimpleJWT's `flushexpiredtokens`: deletes the rows of refresh tokens
    /// expired more than `LEEWAY` ago (as the server keeps them) and their
    /// blacklist entries. Returns the rows removed: issued, blacklisted.
    pub fn flush_expired_tokens(&self) -> Result<(u64, u64), StoreError> {
        let now = self.clock.now().saturating_sub(self.settings.get().leeway);
        match self.writer.submit(vec![Change::Purge { now }])?.first() {
            Some(ChangeOutcome::Purged {
                issued,
                blacklisted,
            }) => Ok((*issued, *blacklisted)),
            _ => Err(StoreError::io(UNEXPECTED_OUTCOME)),
        }
    }

    /// Whether the refresh token `jti` is blacklisted.
    pub fn is_blacklisted(&self, jti: &str) -> Result<bool, StoreError> {
        self.store.is_blacklisted(jti)
    }

    /// Writes a consistent copy of the whole database to the new file
    /// `path`, owner-only ([`Store::backup`]).
    pub fn backup(&self, path: &std::path::Path) -> Result<Backup, StoreError> {
        self.store.backup(path)
    }

    fn id_of(&self, user: &UserKey) -> Result<u64, AccountError> {
        match user {
            UserKey::Id(id) => Ok(*id),
            UserKey::Username(name) => self
                .store
                .user_by_name(name)?
                .map(|user| user.id)
                .ok_or(AccountError::NoSuchUser),
        }
    }

    fn validate(&self, password: &str, username: &str) -> Result<(), AccountError> {
        let refusals = self.password_refusals(password, Some(username));
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(AccountError::PasswordRefused(refusals))
        }
    }

    fn hash(&self, password: &str) -> Result<String, AccountError> {
        let settings = self.settings.get();
        let policy = password::Policy {
            hashers: &settings.password_hashers,
            iterations: settings.password_iterations,
        };
        password::make(password, &policy)
            .map_err(|e| AccountError::Unavailable(format!("hashing a password: {e}")))
    }
}

fn check_username(username: &str) -> Result<(), AccountError> {
    let problems = rules::username_problems(username);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AccountError::Username(problems))
    }
}

fn check_password(password: &str) -> Result<(), AccountError> {
    let problems = rules::password_problems(password);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AccountError::Password(problems))
    }
}

/// An outcome of another change: a bug, told to the log without the
/// records it carries.
fn unexpected(_: &Option<ChangeOutcome>) -> AccountError {
    AccountError::Unavailable("the store answered an account change with another outcome".into())
}

#[cfg(test)]
mod tests;
