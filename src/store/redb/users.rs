//! Users in the redb file: the `users` rows by id, the `usernames` unique
//! index, the `emails` index (of non-empty emails, not unique: Django's
//! `auth_user.email` is not), and the next free id in `meta`. Ids only grow, so a deleted
//! user's tokens can never name a new user; a username always names at
//! most one row.

use ::redb::{ReadableTable, ReadableTableMetadata};

use super::batch::Tables;
use super::schema::{
    decode_user, email_ids, encode_user, id_from, id_key, next_user_id_from, Bytes, Table, EMAILS,
    META, NEXT_USER_ID_KEY, USERNAMES, USERS,
};
use super::{OrStoreError, RedbStore};
use crate::store::{ChangeOutcome, NewUser, Rehash, StoreError, User, UserField, UserKey};

impl RedbStore {
    /// The user with this id.
    pub(crate) fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        self.read(|tx| {
            let users = tx.open_table(USERS).or_store()?;
            let found = users.get(id_key(id).as_slice()).or_store()?;
            Ok(found.and_then(|bytes| decode_user(id, bytes.value())))
        })
    }

    /// The user with exactly this username (case-sensitive, as Django on
    /// SQLite and PostgreSQL).
    pub(crate) fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.user_in_index(USERNAMES, username)
    }

    /// The user `index` (`usernames` or `emails`) maps `key` to, in one read
    /// transaction; none when it maps it to several ids (an email shared).
    fn user_in_index(&self, index: Bytes, key: &str) -> Result<Option<User>, StoreError> {
        self.read(|tx| {
            let Some(id) = tx
                .open_table(index)
                .or_store()?
                .get(key.as_bytes())
                .or_store()?
                .and_then(|g| id_from(g.value()))
            else {
                return Ok(None);
            };
            let users = tx.open_table(USERS).or_store()?;
            let found = users.get(id_key(id).as_slice()).or_store()?;
            Ok(found.and_then(|bytes| decode_user(id, bytes.value())))
        })
    }

    /// The one user whose `field` is exactly `value`; `None` when none is,
    /// or (an email, which need not be unique) when several are.
    pub(crate) fn user_by(
        &self,
        field: UserField,
        value: &str,
    ) -> Result<Option<User>, StoreError> {
        match field {
            UserField::Id => self.user(value.parse().unwrap_or(0)),
            UserField::Username => self.user_by_name(value),
            UserField::Email => self.user_in_index(EMAILS, value),
        }
    }

    /// The number of users, and up to `limit` of them by id starting at the
    /// `offset`-th, read in one transaction. Rows before the page are
    /// skipped without being decoded.
    pub(crate) fn users_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(u64, Vec<User>), StoreError> {
        self.read(|tx| {
            let users = tx.open_table(USERS).or_store()?;
            let count = users.len().or_store()?;
            let mut page = Vec::with_capacity(limit.min(1024));
            for row in users.iter().or_store()?.skip(offset).take(limit) {
                let (id, bytes) = row.or_store()?;
                if let Some(user) =
                    id_from(id.value()).and_then(|id| decode_user(id, bytes.value()))
                {
                    page.push(user);
                }
            }
            Ok((count, page))
        })
    }

    /// Changes the user `user` with `change` in one transaction of its own;
    /// the id and username stay. `None` if there is no such user.
    pub(crate) fn update_user(
        &self,
        user: &UserKey,
        change: impl FnOnce(&mut User),
    ) -> Result<Option<User>, StoreError> {
        self.write(|tx| Tables::open(tx)?.update_user(user, change))
    }
}

/// User reads and writes within a batch.
impl Tables<'_> {
    /// The id of `user`, if there is such a user.
    fn id_of(&self, user: &UserKey) -> Result<Option<u64>, StoreError> {
        match user {
            UserKey::Id(id) => Ok(Some(*id)),
            UserKey::Username(name) => Ok(self
                .tx
                .open_table(USERNAMES)
                .or_store()?
                .get(name.as_bytes())
                .or_store()?
                .and_then(|g| id_from(g.value()))),
        }
    }

    /// Creates every account of `new`, or none (see
    /// [`Change::CreateUsers`](crate::store::Change::CreateUsers)): every
    /// conflict is found before the first row is written.
    pub(super) fn create_users(
        &mut self,
        new: &[NewUser],
        now: u64,
    ) -> Result<ChangeOutcome, StoreError> {
        let mut usernames = self.tx.open_table(USERNAMES).or_store()?;
        let mut emails = self.tx.open_table(EMAILS).or_store()?;
        let mut meta = self.tx.open_table(META).or_store()?;
        let mut next = match meta.get(NEXT_USER_ID_KEY).or_store()? {
            Some(bytes) => next_user_id_from(bytes.value()),
            None => 1,
        };
        let first_free = next;
        let mut ids = Vec::with_capacity(new.len());
        for (index, account) in new.iter().enumerate() {
            let name = &account.user.username;
            let earlier = &new[..index];
            if usernames.get(name.as_bytes()).or_store()?.is_some()
                || earlier.iter().any(|e| e.user.username == *name)
            {
                return Ok(ChangeOutcome::UsernameTaken { index });
            }
            let id = match account.id {
                Some(id) => {
                    if self.users.get(id_key(id).as_slice()).or_store()?.is_some()
                        || ids.contains(&id)
                    {
                        return Ok(ChangeOutcome::IdTaken { index });
                    }
                    id
                }
                None => next,
            };
            next = next.max(id.saturating_add(1));
            ids.push(id);
        }
        meta.insert(NEXT_USER_ID_KEY, next.to_le_bytes().as_slice())
            .or_store()?;
        let mut users = Vec::with_capacity(new.len());
        for (account, id) in new.iter().zip(ids) {
            let mut user = account.user.clone();
            user.id = id;
            if id < first_free {
                user.tokens_valid_after = user.tokens_valid_after.max(now.saturating_add(1));
            }
            usernames
                .insert(user.username.as_bytes(), id_key(id).as_slice())
                .or_store()?;
            index_email(&mut emails, &user, true)?;
            self.users
                .insert(id_key(id).as_slice(), encode_user(&user).as_slice())
                .or_store()?;
            users.push(user);
        }
        Ok(ChangeOutcome::UsersCreated { users })
    }

    /// Changes the user `user` with `change`, keeping its id and username.
    /// `None` if there is no such user.
    pub(super) fn update_user(
        &mut self,
        user: &UserKey,
        change: impl FnOnce(&mut User),
    ) -> Result<Option<User>, StoreError> {
        let Some(id) = self.id_of(user)? else {
            return Ok(None);
        };
        let Some(mut user) = self.read_user(id)? else {
            return Ok(None);
        };
        let username = user.username.clone();
        change(&mut user);
        user.id = id;
        user.username = username;
        self.write_user(&user)?;
        Ok(Some(user))
    }

    /// Whether an active superuser other than `besides` exists.
    pub(super) fn another_active_superuser(&self, besides: u64) -> Result<bool, StoreError> {
        for row in self.users.iter().or_store()? {
            let (key, bytes) = row.or_store()?;
            let other = id_from(key.value()).and_then(|other| decode_user(other, bytes.value()));
            if other
                .is_some_and(|other| other.id != besides && other.is_active && other.is_superuser)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deletes `user` and its username.
    pub(super) fn delete_user(&mut self, user: User) -> Result<ChangeOutcome, StoreError> {
        self.users.remove(id_key(user.id).as_slice()).or_store()?;
        self.tx
            .open_table(USERNAMES)
            .or_store()?
            .remove(user.username.as_bytes())
            .or_store()?;
        index_email(&mut self.tx.open_table(EMAILS).or_store()?, &user, false)?;
        Ok(ChangeOutcome::UserDeleted { user })
    }

    /// The user `user` names, as this batch has left it.
    pub(super) fn read_user_by_key(&self, user: &UserKey) -> Result<Option<User>, StoreError> {
        match self.id_of(user)? {
            Some(id) => self.read_user(id),
            None => Ok(None),
        }
    }

    /// After a login: a new `last_login` and a re-hashed password, each if
    /// given. A user deleted meanwhile is skipped.
    pub(super) fn record_login(
        &mut self,
        user_id: u64,
        last_login: Option<i64>,
        rehash: Option<&Rehash>,
    ) -> Result<(), StoreError> {
        if let Some(mut user) = self.read_user(user_id)? {
            if let Some(at) = last_login {
                user.last_login = Some(at);
            }
            if let Some(rehash) = rehash.filter(|r| r.verified == user.password) {
                rehash.upgraded.clone_into(&mut user.password);
            }
            self.write_user(&user)?;
        }
        Ok(())
    }

    /// The user with this id, as this batch has left it.
    pub(super) fn read_user(&self, id: u64) -> Result<Option<User>, StoreError> {
        Ok(self
            .users
            .get(id_key(id).as_slice())
            .or_store()?
            .and_then(|bytes| decode_user(id, bytes.value())))
    }

    /// Writes `user`'s row over the one with its id, and moves its
    /// `emails` entry if its email changed.
    pub(super) fn write_user(&mut self, user: &User) -> Result<(), StoreError> {
        let before = self
            .users
            .insert(id_key(user.id).as_slice(), encode_user(user).as_slice())
            .or_store()?
            .and_then(|old| decode_user(user.id, old.value()));
        if let Some(before) = before.filter(|b| b.email != user.email) {
            let mut emails = self.tx.open_table(EMAILS).or_store()?;
            index_email(&mut emails, &before, false)?;
            index_email(&mut emails, user, true)?;
        }
        Ok(())
    }
}

/// Adds (`present`) or removes `user`'s id in the `emails` index; an
/// empty email has no entry.
pub(super) fn index_email(
    emails: &mut Table<'_>,
    user: &User,
    present: bool,
) -> Result<(), StoreError> {
    if user.email.is_empty() {
        return Ok(());
    }
    let key = user.email.as_bytes();
    let ids = emails
        .get(key)
        .or_store()?
        .map(|ids| ids.value().to_vec())
        .unwrap_or_default();
    let ids = email_ids(&ids, user.id, present);
    if ids.is_empty() {
        emails.remove(key).or_store()?;
    } else {
        emails.insert(key, ids.as_slice()).or_store()?;
    }
    Ok(())
}
