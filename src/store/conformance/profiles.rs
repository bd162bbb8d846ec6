//! Users' emails and names: kept, changed, and found by the field a login
//! or a token names them by (`UserField`).

use crate::store::fixtures::new_user;
use crate::store::{Change, ChangeOutcome, Store, UserField, UserKey, UserUpdate};

/// `name`, with this email and names.
fn person(name: &str, email: &str, first: &str, last: &str) -> crate::store::NewUser {
    let mut new = new_user(name);
    new.user.email = email.into();
    new.user.first_name = first.into();
    new.user.last_name = last.into();
    new
}

pub(super) fn emails_and_names_are_kept_and_found_exactly(store: Store) {
    let alice = store
        .add_user(person("alice", "alice@example.com", "Alice", "Zoë Ng"))
        .unwrap();
    store
        .add_user(person("bob", "bob@example.com", "", ""))
        .unwrap();
    store.add_user(person("carol", "", "", "")).unwrap();
    let read = store.user(alice.id).unwrap().unwrap();
    assert_eq!(read, alice);
    assert_eq!(
        (
            read.email.as_str(),
            read.first_name.as_str(),
            read.last_name.as_str()
        ),
        ("alice@example.com", "Alice", "Zoë Ng")
    );
    let id_by = |field, value: &str| store.user_by(field, value).unwrap().map(|u| u.id);
    assert_eq!(id_by(UserField::Email, "alice@example.com"), Some(1));
    assert_eq!(id_by(UserField::Email, "Alice@example.com"), None, "exact");
    assert_eq!(id_by(UserField::Email, "alice@example.co"), None);
    assert_eq!(
        id_by(UserField::Email, ""),
        None,
        "an empty email names nobody"
    );
    assert_eq!(id_by(UserField::Username, "bob"), Some(2));
    assert_eq!(id_by(UserField::Id, "3"), Some(3));
    assert_eq!(id_by(UserField::Id, "x"), None);
    // A NUL names nobody (PostgreSQL's text cannot hold one), and is no
    // store failure.
    assert_eq!(id_by(UserField::Email, "alice@example.com\0"), None);
    assert_eq!(id_by(UserField::Username, "bo\0b"), None);
    assert_eq!(store.user_by_name("bo\0b").unwrap().map(|u| u.id), None);
    // A change of email moves it; the names change alone.
    let update = UserUpdate {
        email: Some("a@example.org".into()),
        last_name: Some("Ng".into()),
        ..UserUpdate::default()
    };
    let outcome = store
        .apply(&[Change::UpdateUser {
            user: UserKey::Id(1),
            update,
            keep_a_superuser: false,
            revoke_at: None,
        }])
        .unwrap();
    let [ChangeOutcome::UserUpdated { user, .. }] = outcome.as_slice() else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Alice", "Ng")
    );
    assert_eq!(id_by(UserField::Email, "alice@example.com"), None);
    assert_eq!(id_by(UserField::Email, "a@example.org"), Some(1));
    // A login's bookkeeping keeps them.
    store
        .apply(&[Change::RecordLogin {
            user_id: 1,
            last_login: Some(5),
            rehash: None,
        }])
        .unwrap();
    assert_eq!(store.user(1).unwrap().unwrap().email, "a@example.org");
    // Two users with one email (Django's auth_user allows it): neither is
    // found by it.
    store
        .update_user("carol", |u| u.email = "bob@example.com".into())
        .unwrap();
    assert_eq!(id_by(UserField::Email, "bob@example.com"), None);
    store.delete_user("carol").unwrap();
    assert_eq!(id_by(UserField::Email, "bob@example.com"), Some(2));
    store.delete_user("bob").unwrap();
    assert_eq!(id_by(UserField::Email, "bob@example.com"), None);
}
