use super::*;
use std::time::Duration;

const NOW: u64 = 1_700_000_000;

fn accounts(settings: Settings) -> (Accounts, Arc<Store>) {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let clock = Arc::new(Clock::fixed(NOW));
    let (writer, _) =
        Writer::start(store.clone(), clock.clone(), Duration::from_secs(3600), 0).unwrap();
    let settings = Arc::new(Settings {
        password_iterations: 1,
        ..settings
    });
    (Accounts::new(settings, store.clone(), writer, clock), store)
}

fn alice() -> NewAccount {
    NewAccount {
        username: "alice".into(),
        password: "correct horse".into(),
        is_active: true,
        is_staff: false,
        is_superuser: false,
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
    }
}

#[test]
fn create_checks_the_rules_and_hashes() {
    let (accounts, _) = accounts(Settings::default());
    let user = accounts.create(alice()).unwrap();
    assert_eq!((user.id, user.date_joined), (1, NOW as i64 * 1_000_000));
    assert!(password::check_password("correct horse", &user.password, 1).matched);
    assert_eq!(accounts.create(alice()), Err(AccountError::UsernameTaken));
    let bad_name = NewAccount {
        username: "a b".into(),
        ..alice()
    };
    assert_eq!(
        accounts.create(bad_name),
        Err(AccountError::Username(vec![UsernameProblem::Invalid]))
    );
    let bad_password = NewAccount {
        username: "bob".into(),
        password: " x".into(),
        ..alice()
    };
    assert_eq!(
        accounts.create(bad_password),
        Err(AccountError::Password(vec![
            PasswordProblem::OuterWhitespace
        ]))
    );
}

#[test]
fn create_and_change_refuse_what_the_validators_refuse() {
    let (accounts, _) = accounts(Settings::default());
    let weak = NewAccount {
        password: "alice123".into(),
        ..alice()
    };
    assert_eq!(
        accounts.create(weak),
        Err(AccountError::PasswordRefused(vec![
            PasswordRefusal::TooSimilar("username"),
            PasswordRefusal::TooCommon
        ]))
    );
    let user = accounts.create(alice()).unwrap();
    let numeric = AccountChanges {
        password: Some("12345678".into()),
        ..AccountChanges::default()
    };
    assert_eq!(
        accounts.change(UserKey::Id(user.id), numeric.clone(), LastSuperuser::Keep),
        Err(AccountError::PasswordRefused(vec![
            PasswordRefusal::TooCommon,
            PasswordRefusal::EntirelyNumeric
        ]))
    );
    assert_eq!(
        accounts.change(UserKey::Id(99), numeric, LastSuperuser::Keep),
        Err(AccountError::NoSuchUser)
    );
    // Turned off, only the rules remain.
    let (accounts, _) = accounts_without_validators();
    let short = NewAccount {
        password: "short".into(),
        ..alice()
    };
    assert!(accounts.create(short).is_ok());
}

fn accounts_without_validators() -> (Accounts, Arc<Store>) {
    accounts(Settings {
        auth_password_validators: Vec::new(),
        ..Settings::default()
    })
}

#[test]
fn deactivation_and_password_changes_revoke_in_the_same_commit() {
    let (accounts, store) = accounts(Settings::default());
    let user = accounts.create(alice()).unwrap();
    let flags = accounts
        .change(
            UserKey::Id(user.id),
            AccountChanges {
                is_staff: Some(true),
                ..AccountChanges::default()
            },
            LastSuperuser::Keep,
        )
        .unwrap();
    assert_eq!((flags.user.is_staff, flags.revoked), (true, None));
    let off = accounts
        .change(
            UserKey::Username("alice".into()),
            AccountChanges {
                is_active: Some(false),
                ..AccountChanges::default()
            },
            LastSuperuser::Keep,
        )
        .unwrap();
    assert_eq!((off.user.is_active, off.revoked), (false, Some(0)));
    assert_eq!(
        store.user(user.id).unwrap().unwrap().tokens_valid_after,
        NOW + 1
    );
    let new_password = accounts
        .change(
            UserKey::Id(user.id),
            AccountChanges {
                password: Some("battery staple".into()),
                ..AccountChanges::default()
            },
            LastSuperuser::Keep,
        )
        .unwrap();
    assert_eq!(new_password.revoked, Some(0));
    assert!(password::check_password("battery staple", &new_password.user.password, 1).matched);
    assert_eq!(
        accounts.change(
            UserKey::Id(99),
            AccountChanges::default(),
            LastSuperuser::Keep
        ),
        Err(AccountError::NoSuchUser)
    );
}

#[test]
fn a_password_change_keeps_the_tokens_when_told_to() {
    let (accounts, _) = accounts(Settings {
        revoke_on_password_change: false,
        ..Settings::default()
    });
    let user = accounts.create(alice()).unwrap();
    let changed = accounts
        .change(
            UserKey::Id(user.id),
            AccountChanges {
                password: Some("battery staple".into()),
                ..AccountChanges::default()
            },
            LastSuperuser::Keep,
        )
        .unwrap();
    assert_eq!(changed.revoked, None);
}

#[test]
fn passwords_never_show_in_debug() {
    let changes = AccountChanges {
        password: Some("correct horse".into()),
        ..AccountChanges::default()
    };
    for shown in [format!("{:?}", alice()), format!("{changes:?}")] {
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[test]
fn delete_never_gives_the_id_again() {
    let (accounts, _) = accounts(Settings::default());
    let user = accounts.create(alice()).unwrap();
    assert_eq!(
        accounts
            .delete(UserKey::Username("alice".into()), LastSuperuser::Keep)
            .unwrap()
            .id,
        user.id
    );
    assert_eq!(
        accounts.delete(UserKey::Id(user.id), LastSuperuser::Keep),
        Err(AccountError::NoSuchUser)
    );
    assert_eq!(accounts.create(alice()).unwrap().id, user.id + 1);
}

#[test]
fn revoke_names_the_user_and_counts_the_tokens() {
    let (accounts, _) = accounts(Settings::default());
    let user = accounts.create(alice()).unwrap();
    let (revoked, tokens) = accounts.revoke(UserKey::Username("alice".into())).unwrap();
    assert_eq!((revoked.id, tokens), (user.id, 0));
    assert_eq!(
        accounts.revoke(UserKey::Username("nobody".into())),
        Err(AccountError::NoSuchUser)
    );
}
