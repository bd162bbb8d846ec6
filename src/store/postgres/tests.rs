//! What only the PostgreSQL backend does: one winner among replicas,
//! Django's tables as Django leaves them, Django's cascades done in SQL,
//! purges in batches. Every test runs on a fresh database of the real
//! test cluster (`test_support`).

use std::sync::{Arc, Barrier};
use std::thread;

use super::test_support::{execute, fresh_database};
use super::{PostgresStore, UserTable};
use crate::store::fixtures::new_user;
use crate::store::{Change, ChangeOutcome, Store, StoreError, TokenRecord};

fn open(url: &crate::store::PostgresUrl, users: &UserTable) -> Store {
    Store::Postgres(Box::new(PostgresStore::open(url, users, 4).unwrap()))
}

fn token(jti: &str, user_id: u64) -> TokenRecord {
    TokenRecord {
        jti: jti.into(),
        user_id,
        exp: 4_000_000_000,
        text: String::new(),
    }
}

fn rotation(old: &str, new: &str, now: u64) -> Change {
    Change::Rotate {
        old: token(old, 1),
        new: token(new, 1),
        blacklist_old: true,
        revoke_family_on_reuse: false,
        grace: 0,
        now,
    }
}

/// Rows of `sql` on the database, as text.
fn rows(url: &crate::store::PostgresUrl, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut client = super::config(url).connect(postgres::NoTls).unwrap();
    client
        .simple_query(sql)
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn concurrent_rotations_of_one_token_on_two_replicas_have_one_winner() {
    let url = fresh_database("one_winner");
    let replicas = [
        Arc::new(open(&url, &UserTable::default())),
        Arc::new(open(&url, &UserTable::default())),
    ];
    replicas[0].add_user(new_user("alice")).unwrap();
    for round in 0..20 {
        let old = format!("r{round}");
        replicas[0]
            .apply(&[Change::Issue {
                token: token(&old, 1),
            }])
            .unwrap();
        let start = Arc::new(Barrier::new(8));
        let racers: Vec<_> = (0..8)
            .map(|i| {
                let store = replicas[i % 2].clone();
                let (start, old) = (start.clone(), old.clone());
                thread::spawn(move || {
                    start.wait();
                    store
                        .apply(&[rotation(&old, &format!("{old}-{i}"), 100)])
                        .unwrap()
                        .remove(0)
                })
            })
            .collect();
        let outcomes: Vec<ChangeOutcome> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let winners = outcomes
            .iter()
            .filter(|o| **o == ChangeOutcome::Done)
            .count();
        assert_eq!(winners, 1, "round {round}: {outcomes:?}");
        assert!(outcomes
            .iter()
            .all(|o| *o == ChangeOutcome::Done
                || matches!(o, ChangeOutcome::AlreadyBlacklisted { .. })));
        // Exactly one successor was recorded.
        let successors = rows(
            &url,
            &format!(
                "SELECT count(*) FROM token_blacklist_outstandingtoken WHERE jti LIKE '{old}-%'"
            ),
        );
        assert_eq!(successors[0][0].as_deref(), Some("1"), "round {round}");
    }
}

/// A rotation of a token whose outstanding row another transaction (a
/// login's bookkeeping, on any replica) inserts while the rotation runs:
/// the rotation's statement cannot see that row in its snapshot, and must
/// still spend the token, not report it spent by someone else.
#[test]
fn a_rotation_racing_the_insert_of_its_tokens_row_still_spends_it() {
    let url = fresh_database("racing_issue");
    let store = Arc::new(open(&url, &UserTable::default()));
    store.add_user(new_user("alice")).unwrap();
    let mut issuer = super::config(&url).connect(postgres::NoTls).unwrap();
    let mut issue = issuer.transaction().unwrap();
    issue
        .batch_execute(
            "INSERT INTO token_blacklist_outstandingtoken (jti, token, created_at, expires_at, user_id) \
             VALUES ('t', '', now(), now() + interval '1 day', 1)",
        )
        .unwrap();
    let rotating = {
        let store = store.clone();
        thread::spawn(move || {
            store.apply(&[
                Change::Rotate {
                    old: token("t", 1),
                    new: token("t1", 1),
                    blacklist_old: true,
                    revoke_family_on_reuse: true,
                    grace: 0,
                    now: 10,
                },
                rotation("other", "o1", 10),
            ])
        })
    };
    // The rotation's insert of `t`'s row now waits for this transaction.
    thread::sleep(std::time::Duration::from_millis(300));
    issue.commit().unwrap();
    let outcomes = rotating.join().unwrap().unwrap();
    assert_eq!(outcomes, [ChangeOutcome::Done, ChangeOutcome::Done]);
    assert!(store.is_blacklisted("t").unwrap());
    assert_eq!(store.family_of("t1").unwrap().as_deref(), Some("t"));
    assert!(!store.is_blacklisted("t1").unwrap(), "no reuse was seen");
}

#[test]
fn the_tables_are_djangos_and_hold_no_bearer_token() {
    let url = fresh_database("django_shaped");
    let store = open(&url, &UserTable::default());
    let user = store.add_user(new_user("alice")).unwrap();
    store
        .apply(&[Change::Issue {
            token: token("a", user.id),
        }])
        .unwrap();
    store.apply(&[rotation("a", "b", 1_000)]).unwrap();
    let got = rows(
        &url,
        "SELECT o.jti, o.token, o.user_id::text, extract(epoch FROM o.expires_at)::bigint::text, \
                o.created_at IS NOT NULL, b.token_id IS NOT NULL, \
                extract(epoch FROM b.blacklisted_at)::bigint::text \
         FROM token_blacklist_outstandingtoken o \
         LEFT JOIN token_blacklist_blacklistedtoken b ON b.token_id = o.id ORDER BY o.jti",
    );
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        got,
        [
            vec![
                some("a"),
                some(""),
                some("1"),
                some("4000000000"),
                some("t"),
                some("t"),
                some("1000")
            ],
            vec![
                some("b"),
                some(""),
                some("1"),
                some("4000000000"),
                some("t"),
                some("f"),
                None
            ],
        ]
    );
    let user_row = rows(
        &url,
        "SELECT username, first_name, last_name, email, is_staff::text, is_active::text \
         FROM auth_user",
    );
    assert_eq!(
        user_row,
        [vec![
            some("alice"),
            some(""),
            some(""),
            some(""),
            some("false"),
            some("true")
        ]]
    );
}

#[test]
fn a_custom_user_model_with_an_email_login_and_bigint_ids() {
    let url = fresh_database("custom_user");
    execute(
        &url,
        "CREATE TABLE accounts_user (
             id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
             password varchar(128) NOT NULL,
             last_login timestamptz NULL,
             email varchar(254) NOT NULL UNIQUE,
             full_name varchar(100) NOT NULL DEFAULT '',
             is_active boolean NOT NULL);
         SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), 5000000000);",
    );
    let users = UserTable {
        table: "accounts_user".into(),
        login: "email".into(),
    };
    let store = open(&url, &users);
    let alice = store.add_user(new_user("alice@example.com")).unwrap();
    assert_eq!(alice.id, 5_000_000_001, "a bigint id");
    let found = store.user_by_name("alice@example.com").unwrap().unwrap();
    assert_eq!(found.id, alice.id);
    assert!(
        found.is_active && !found.is_staff,
        "no is_staff column: false"
    );
    store
        .apply(&[Change::Issue {
            token: token("t", alice.id),
        }])
        .unwrap();
    let owner = rows(
        &url,
        "SELECT user_id::text FROM token_blacklist_outstandingtoken",
    );
    assert_eq!(owner, [vec![Some("5000000001".to_owned())]]);
    // A table or login field that is not a plain name never reaches SQL.
    let bad = UserTable {
        table: "accounts_user; DROP TABLE x".into(),
        login: "email".into(),
    };
    assert!(matches!(
        PostgresStore::open(&url, &bad, 1),
        Err(StoreError::Incompatible(_))
    ));
    let missing = UserTable {
        table: "nope_user".into(),
        login: "email".into(),
    };
    let e = PostgresStore::open(&url, &missing, 1).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[test]
fn deleting_a_user_cascades_as_django_does_and_names_what_blocks_it() {
    let url = fresh_database("delete_cascade");
    let store = open(&url, &UserTable::default());
    let alice = store.add_user(new_user("alice")).unwrap();
    let bob = store.add_user(new_user("bob")).unwrap();
    execute(
        &url,
        &format!(
            "CREATE TABLE auth_group (id integer PRIMARY KEY);
             INSERT INTO auth_group VALUES (1);
             CREATE TABLE auth_user_groups (
                 id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                 user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED,
                 group_id integer NOT NULL REFERENCES auth_group (id) DEFERRABLE INITIALLY DEFERRED);
             INSERT INTO auth_user_groups (user_id, group_id) VALUES ({a}, 1), ({b}, 1);
             CREATE TABLE django_admin_log (
                 id integer PRIMARY KEY,
                 user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED);
             INSERT INTO django_admin_log VALUES (1, {b});",
            a = alice.id,
            b = bob.id
        ),
    );
    // Reopened: the group table is found at start.
    let store = open(&url, &UserTable::default());
    store
        .apply(&[
            Change::Issue {
                token: token("a1", alice.id),
            },
            Change::Issue {
                token: token("b1", bob.id),
            },
        ])
        .unwrap();
    store.delete_user("alice").unwrap();
    assert_eq!(store.user(alice.id).unwrap(), None);
    assert_eq!(
        rows(
            &url,
            "SELECT jti, user_id FROM token_blacklist_outstandingtoken ORDER BY jti"
        ),
        [
            vec![Some("a1".to_owned()), None],
            vec![Some("b1".to_owned()), Some(bob.id.to_string())]
        ],
        "the token stays, naming nobody"
    );
    assert_eq!(
        rows(&url, "SELECT user_id::text FROM auth_user_groups"),
        [vec![Some(bob.id.to_string())]]
    );
    // The admin log is not Django's cascade to make: it blocks, named.
    let e = store.delete_user("bob").unwrap_err();
    assert_eq!(e, StoreError::Referenced("django_admin_log".into()));
    assert!(e.to_string().contains("django_admin_log"), "{e}");
    assert!(store.user(bob.id).unwrap().is_some(), "nothing was deleted");
    assert_eq!(
        rows(
            &url,
            "SELECT user_id::text FROM token_blacklist_outstandingtoken WHERE jti = 'b1'"
        ),
        [vec![Some(bob.id.to_string())]]
    );
    // The batch it was in goes on: a change after it is committed.
    let outcomes = store
        .apply(&[
            Change::DeleteUser {
                user: crate::store::UserKey::Id(bob.id),
                keep_a_superuser: false,
            },
            Change::Issue {
                token: token("b2", bob.id),
            },
        ])
        .unwrap();
    assert_eq!(
        outcomes,
        [
            ChangeOutcome::UserReferenced {
                by: "django_admin_log".into()
            },
            ChangeOutcome::Done
        ]
    );
    assert_eq!(store.family_of("b2").unwrap().as_deref(), Some("b2"));
}

#[test]
fn a_purge_takes_blacklisted_rows_with_their_outstanding_rows_in_batches() {
    let url = fresh_database("purge_batches");
    let store = open(&url, &UserTable::default());
    store.add_user(new_user("alice")).unwrap();
    // 12,000 expired tokens, half blacklisted, and one live one.
    execute(
        &url,
        "INSERT INTO token_blacklist_outstandingtoken (jti, token, created_at, expires_at, user_id)
           SELECT 'old' || i, '', now(), to_timestamp(100), 1 FROM generate_series(1, 12000) i;
         INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at)
           SELECT id, now() FROM token_blacklist_outstandingtoken WHERE id % 2 = 0;",
    );
    store
        .apply(&[Change::Issue {
            token: token("live", 1),
        }])
        .unwrap();
    let outcome = store.apply(&[Change::Purge { now: 200 }]).unwrap();
    assert_eq!(
        outcome,
        [ChangeOutcome::Purged {
            issued: 12_000,
            blacklisted: 6_000
        }]
    );
    assert_eq!(store.token_counts().unwrap(), (1, 0));
    // Another replica purging holds the lock: this one leaves it the work.
    let mut holder = super::config(&url).connect(postgres::NoTls).unwrap();
    let mut tx = holder.transaction().unwrap();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&super::tokens::PURGE_LOCK],
    )
    .unwrap();
    let outcome = store.apply(&[Change::Purge { now: u64::MAX / 4 }]).unwrap();
    assert_eq!(
        outcome,
        [ChangeOutcome::Purged {
            issued: 0,
            blacklisted: 0
        }]
    );
    tx.rollback().unwrap();
    assert_eq!(store.token_counts().unwrap(), (1, 0));
}

#[test]
fn an_unreachable_server_fails_within_the_connect_timeout() {
    let mut url = fresh_database("unreachable");
    // A port nothing listens on: refused at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    url.port = listener.local_addr().unwrap().port();
    drop(listener);
    let started = std::time::Instant::now();
    let e = PostgresStore::open(&url, &UserTable::default(), 1).unwrap_err();
    assert!(
        e.to_string().contains("cannot connect to PostgreSQL"),
        "{e}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}
