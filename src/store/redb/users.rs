//! Users in the redb file: the `users` rows by id, the `usernames` unique
//! index, and the next free id in `meta`. Ids only grow, so a deleted
//! user's tokens can never name a new user; a username always names at
//! most one row.

use ::redb::{ReadableTable, ReadableTableMetadata};

use super::batch::Batch;
use super::schema::{
    decode_user, encode_user, id_from, id_key, next_user_id_from, META, NEXT_USER_ID_KEY,
    USERNAMES, USERS,
};
use super::{OrStoreError, RedbStore};
use crate::store::{ChangeOutcome, NewUser, Rehash, StoreError, User, UserKey, UserUpdate};

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
        self.read(|tx| {
            let Some(id) = tx
                .open_table(USERNAMES)
                .or_store()?
                .get(username.as_bytes())
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
        self.write(|tx| Batch::open(tx)?.update_user(user, change))
    }
}

/// User writes within a batch.
impl Batch<'_> {
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

    /// Whether `update` (a deletion, when `None`) takes from `user` the
    /// last active superuser's standing: the user is an active superuser,
    /// would no longer be one, and no other user is one.
    pub(super) fn removes_last_superuser(
        &self,
        user: &UserKey,
        update: Option<&UserUpdate>,
    ) -> Result<bool, StoreError> {
        let Some(id) = self.id_of(user)? else {
            return Ok(false);
        };
        let Some(before) = self.read_user(id)? else {
            return Ok(false);
        };
        let counts = |u: &User| u.is_active && u.is_superuser;
        if !counts(&before) {
            return Ok(false);
        }
        if let Some(update) = update {
            let mut after = before;
            update.apply_to(&mut after);
            if counts(&after) {
                return Ok(false);
            }
        }
        for row in self.users.iter().or_store()? {
            let (key, bytes) = row.or_store()?;
            let other = id_from(key.value()).and_then(|other| decode_user(other, bytes.value()));
            if other.is_some_and(|other| other.id != id && counts(&other)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Deletes the user `user` and its username, returning it; `None` if
    /// there is no such user.
    pub(super) fn delete_user(&mut self, user: &UserKey) -> Result<Option<User>, StoreError> {
        let Some(id) = self.id_of(user)? else {
            return Ok(None);
        };
        let Some(user) = self
            .users
            .remove(id_key(id).as_slice())
            .or_store()?
            .and_then(|bytes| decode_user(id, bytes.value()))
        else {
            return Ok(None);
        };
        self.tx
            .open_table(USERNAMES)
            .or_store()?
            .remove(user.username.as_bytes())
            .or_store()?;
        Ok(Some(user))
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

    /// Writes `user`'s row over the one with its id.
    pub(super) fn write_user(&mut self, user: &User) -> Result<(), StoreError> {
        self.users
            .insert(id_key(user.id).as_slice(), encode_user(user).as_slice())
            .or_store()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::new_user;
    use crate::store::{
        Change, ChangeOutcome, Rehash, Store, StoreError, User, UserKey, UserUpdate,
    };

    #[test]
    fn users_get_increasing_ids_that_are_never_reused() {
        let store = Store::open_in_memory().unwrap();
        let a = store.add_user(new_user("alice")).unwrap();
        let b = store.add_user(new_user("bob")).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(
            store.add_user(new_user("alice")).unwrap_err(),
            StoreError::UsernameTaken
        );
        store.delete_user("bob").unwrap();
        assert_eq!(store.user(2).unwrap(), None);
        assert_eq!(store.add_user(new_user("carol")).unwrap().id, 3);
        let mut imported = new_user("dave");
        imported.id = Some(42);
        assert_eq!(store.add_user(imported).unwrap().id, 42);
        assert_eq!(store.add_user(new_user("erin")).unwrap().id, 43);
        let mut clash = new_user("frank");
        clash.id = Some(1);
        assert_eq!(store.add_user(clash).unwrap_err(), StoreError::IdTaken);
        assert_eq!(store.user_by_name("alice").unwrap().unwrap().id, 1);
        assert_eq!(store.user_by_name("Alice").unwrap(), None, "case-sensitive");
        let names: Vec<String> = store
            .users()
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["alice", "carol", "dave", "erin"]);
    }

    #[test]
    fn an_explicit_id_below_the_next_free_one_refuses_older_tokens() {
        let store = Store::open_in_memory().unwrap();
        let alice = store.add_user(new_user("alice")).unwrap();
        store.delete_user("alice").unwrap();
        let mut again = new_user("mallory");
        again.id = Some(alice.id);
        let mut ahead = new_user("fresh");
        ahead.id = Some(10);
        let users = store.add_users(vec![again, ahead], 1_000).unwrap();
        assert_eq!(
            users
                .iter()
                .map(|u| (u.id, u.tokens_valid_after))
                .collect::<Vec<_>>(),
            [(alice.id, 1_001), (10, 0)],
            "the reused id refuses tokens issued up to now; a new one keeps none"
        );
    }

    #[test]
    fn add_users_is_all_or_nothing() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(new_user("alice")).unwrap();
        let err = store
            .add_users(vec![new_user("x"), new_user("y"), new_user("alice")], 0)
            .unwrap_err();
        assert_eq!(err, (2, StoreError::UsernameTaken));
        assert_eq!(store.users().unwrap().len(), 1);
        assert_eq!(
            store
                .add_users(vec![new_user("x"), new_user("y")], 0)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn conflicts_within_one_creation_are_found_before_anything_is_written() {
        let store = Store::open_in_memory().unwrap();
        let err = store
            .add_users(vec![new_user("x"), new_user("y"), new_user("x")], 0)
            .unwrap_err();
        assert_eq!(err, (2, StoreError::UsernameTaken));
        // The first takes id 1; the second asks for 1 explicitly.
        let mut explicit = new_user("z");
        explicit.id = Some(1);
        let err = store
            .add_users(vec![new_user("x"), explicit], 0)
            .unwrap_err();
        assert_eq!(err, (1, StoreError::IdTaken));
        assert_eq!(store.users().unwrap().len(), 0);
        // Nothing was written, the next id included.
        assert_eq!(store.add_user(new_user("x")).unwrap().id, 1);
    }

    #[test]
    fn update_and_delete_user() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(new_user("alice")).unwrap();
        let u = store.update_user("alice", |u| u.is_active = false).unwrap();
        assert!(!u.is_active);
        assert!(!store.user(1).unwrap().unwrap().is_active);
        assert_eq!(
            store.update_user("nobody", |_| {}).unwrap_err(),
            StoreError::NoSuchUser
        );
        store.delete_user("alice").unwrap();
        assert_eq!(
            store.delete_user("alice").unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(store.user_by_name("alice").unwrap(), None);
    }

    #[test]
    fn users_page_by_page_and_changes_by_id() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.users_page(0, 10).unwrap(), (0, vec![]));
        for name in ["a", "b", "c", "d", "e"] {
            store.add_user(new_user(name)).unwrap();
        }
        let names = |(count, page): (u64, Vec<User>)| {
            let names: Vec<String> = page.into_iter().map(|u| u.username).collect();
            (count, names.join(","))
        };
        assert_eq!(names(store.users_page(0, 2).unwrap()), (5, "a,b".into()));
        assert_eq!(names(store.users_page(4, 2).unwrap()), (5, "e".into()));
        assert_eq!(names(store.users_page(9, 2).unwrap()), (5, String::new()));
        // By id: the username cannot change, and a deleted id stays deleted
        // even when its name is taken again.
        let b = store
            .update_user_by_id(2, |u| {
                u.is_staff = true;
                u.username = "renamed".into();
            })
            .unwrap();
        assert_eq!((b.username.as_str(), b.is_staff), ("b", true));
        assert_eq!(store.delete_user_by_id(2).unwrap().username, "b");
        assert_eq!(
            store.delete_user_by_id(2).unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(store.user_by_name("b").unwrap(), None);
        assert_eq!(store.add_user(new_user("b")).unwrap().id, 6);
        assert_eq!(
            store.update_user_by_id(2, |_| {}).unwrap_err(),
            StoreError::NoSuchUser
        );
        assert_eq!(names(store.users_page(1, 2).unwrap()), (5, "c,d".into()));
    }

    #[test]
    fn the_last_active_superuser_is_kept_when_asked_and_only_then() {
        let store = Store::open_in_memory().unwrap();
        let superuser = |name: &str| {
            let mut new = new_user(name);
            new.user.is_superuser = true;
            new.user.is_staff = true;
            new
        };
        store
            .apply(&[Change::CreateUsers {
                users: vec![superuser("root"), superuser("ops"), new_user("bob")],
                now: 0,
            }])
            .unwrap();
        let demote = UserUpdate {
            is_superuser: Some(false),
            ..UserUpdate::default()
        };
        let deactivate = UserUpdate {
            is_active: Some(false),
            ..UserUpdate::default()
        };
        let update = |name: &str, update: &UserUpdate| Change::UpdateUser {
            user: UserKey::Username(name.into()),
            update: update.clone(),
            keep_a_superuser: true,
            revoke_at: Some(10),
        };
        let delete = |name: &str, keep_a_superuser| Change::DeleteUser {
            user: UserKey::Username(name.into()),
            keep_a_superuser,
        };
        // Two superusers: one may go; then the other is the last, whether it
        // would be demoted, deactivated or deleted, even in the same batch.
        let outcomes = store
            .apply(&[
                update("ops", &deactivate),
                update("root", &demote),
                update("root", &deactivate),
                delete("root", true),
                update("bob", &deactivate),
            ])
            .unwrap();
        assert!(matches!(outcomes[0], ChangeOutcome::UserUpdated { .. }));
        assert!(outcomes[1..4]
            .iter()
            .all(|o| *o == ChangeOutcome::LastSuperuser));
        assert!(matches!(outcomes[4], ChangeOutcome::UserUpdated { .. }));
        assert!(store.user_by_name("root").unwrap().unwrap().is_superuser);
        // A change that keeps them an active superuser is no removal.
        let staff = UserUpdate {
            is_staff: Some(true),
            ..UserUpdate::default()
        };
        assert!(matches!(
            store.apply(&[update("root", &staff)]).unwrap()[0],
            ChangeOutcome::UserUpdated { .. }
        ));
        // Without the guard, the last one goes.
        assert!(matches!(
            store.apply(&[delete("root", false)]).unwrap()[0],
            ChangeOutcome::UserDeleted { .. }
        ));
    }

    #[test]
    fn user_changes_in_one_batch_see_each_other() {
        let store = Store::open_in_memory().unwrap();
        let deactivate = UserUpdate {
            is_active: Some(false),
            password: Some("pbkdf2_sha256$2$x$y".into()),
            ..UserUpdate::default()
        };
        let outcomes = store
            .apply(&[
                Change::CreateUsers {
                    users: vec![new_user("alice"), new_user("bob")],
                    now: 0,
                },
                Change::UpdateUser {
                    user: UserKey::Username("alice".into()),
                    update: deactivate.clone(),
                    keep_a_superuser: false,
                    revoke_at: None,
                },
                Change::DeleteUser {
                    user: UserKey::Id(2),
                    keep_a_superuser: false,
                },
                Change::UpdateUser {
                    user: UserKey::Username("bob".into()),
                    update: deactivate,
                    keep_a_superuser: false,
                    revoke_at: None,
                },
                Change::CreateUsers {
                    users: vec![new_user("alice")],
                    now: 0,
                },
            ])
            .unwrap();
        let ChangeOutcome::UsersCreated { users } = &outcomes[0] else {
            panic!("{outcomes:?}");
        };
        assert_eq!(users.iter().map(|u| u.id).collect::<Vec<_>>(), [1, 2]);
        let ChangeOutcome::UserUpdated { user, .. } = &outcomes[1] else {
            panic!("{outcomes:?}");
        };
        assert!(!user.is_active);
        assert_eq!(user.password, "pbkdf2_sha256$2$x$y");
        assert!(
            matches!(&outcomes[2], ChangeOutcome::UserDeleted { user } if user.username == "bob")
        );
        assert_eq!(outcomes[3], ChangeOutcome::NoSuchUser);
        assert_eq!(outcomes[4], ChangeOutcome::UsernameTaken { index: 0 });
        assert_eq!(store.user(1).unwrap().unwrap(), *user);
        assert_eq!(store.user(2).unwrap(), None);
    }

    #[test]
    fn record_login_updates_the_user() {
        let store = Store::open_in_memory().unwrap();
        store.add_user(new_user("alice")).unwrap();
        let verified = store.user(1).unwrap().unwrap().password;
        let rehash = |verified: &str, upgraded: &str| {
            Some(Rehash {
                verified: verified.into(),
                upgraded: upgraded.into(),
            })
        };
        store
            .apply(&[Change::RecordLogin {
                user_id: 1,
                last_login: Some(99),
                rehash: rehash(&verified, "pbkdf2_sha256$2$x$y"),
            }])
            .unwrap();
        let u = store.user(1).unwrap().unwrap();
        assert_eq!(u.last_login, Some(99));
        assert_eq!(u.password, "pbkdf2_sha256$2$x$y");
        // A hash set since the login verified the old one stays.
        store
            .apply(&[Change::RecordLogin {
                user_id: 1,
                last_login: Some(100),
                rehash: rehash(&verified, "pbkdf2_sha256$3$x$z"),
            }])
            .unwrap();
        let u = store.user(1).unwrap().unwrap();
        assert_eq!(
            (u.last_login, u.password.as_str()),
            (Some(100), "pbkdf2_sha256$2$x$y")
        );
        // A user deleted meanwhile is simply skipped.
        let skipped = store.apply(&[Change::RecordLogin {
            user_id: 9,
            last_login: Some(1),
            rehash: None,
        }]);
        assert_eq!(skipped.unwrap(), [ChangeOutcome::Done]);
    }
}
