//! Users: creation, ids, changes, deletion, the last superuser.

use crate::store::fixtures::new_user;
use crate::store::{Change, ChangeOutcome, Rehash, Store, StoreError, User, UserKey, UserUpdate};

pub(super) fn users_get_increasing_ids_that_are_never_reused(store: Store) {
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

pub(super) fn an_explicit_id_below_the_next_free_one_refuses_older_tokens(store: Store) {
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

pub(super) fn add_users_is_all_or_nothing(store: Store) {
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

pub(super) fn conflicts_within_one_creation_are_found_before_anything_is_written(store: Store) {
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

pub(super) fn update_and_delete_user(store: Store) {
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

pub(super) fn users_page_by_page_and_changes_by_id(store: Store) {
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

pub(super) fn the_last_active_superuser_is_kept_when_asked_and_only_then(store: Store) {
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

pub(super) fn user_changes_in_one_batch_see_each_other(store: Store) {
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
    assert!(matches!(&outcomes[2], ChangeOutcome::UserDeleted { user } if user.username == "bob"));
    assert_eq!(outcomes[3], ChangeOutcome::NoSuchUser);
    assert_eq!(outcomes[4], ChangeOutcome::UsernameTaken { index: 0 });
    assert_eq!(store.user(1).unwrap().unwrap(), *user);
    assert_eq!(store.user(2).unwrap(), None);
}

pub(super) fn record_login_updates_the_user(store: Store) {
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
