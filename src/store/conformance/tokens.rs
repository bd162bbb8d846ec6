//! Token state: rotation, reuse, logout, revocation, purge.

use crate::store::fixtures::{new_user, rotate, token};
use crate::store::{Blacklisted, Change, ChangeOutcome, Store, TokenRecord};

pub(super) fn revoking_a_user_blacklists_only_their_live_tokens(store: Store) {
    store.add_user(new_user("alice")).unwrap();
    store.add_user(new_user("bob")).unwrap();
    let token = |jti: &str, user_id, exp| TokenRecord {
        jti: jti.into(),
        user_id,
        exp,
        text: String::new(),
    };
    store
        .apply(&[
            Change::Issue {
                token: token("a1", 1, 500),
            },
            Change::Issue {
                token: token("a2", 1, 500),
            },
            Change::Issue {
                token: token("a-expired", 1, 50),
            },
            Change::Issue {
                token: token("b1", 2, 500),
            },
            Change::Blacklist {
                token: token("a2", 1, 500),
                now: 90,
            },
        ])
        .unwrap();
    let revoke = |user_id, valid_after| Change::RevokeUser {
        user_id,
        valid_after,
        now: 100,
    };
    assert_eq!(
        store.apply(&[revoke(1, 101)]).unwrap(),
        [ChangeOutcome::Revoked { tokens: 1 }]
    );
    assert!(store.is_blacklisted("a1").unwrap());
    assert!(!store.is_blacklisted("a-expired").unwrap());
    assert!(!store.is_blacklisted("b1").unwrap());
    assert_eq!(store.user(1).unwrap().unwrap().tokens_valid_after, 101);
    assert_eq!(store.user(2).unwrap().unwrap().tokens_valid_after, 0);
    // The time only moves forward; a second revocation finds nothing new.
    assert_eq!(
        store.apply(&[revoke(1, 60)]).unwrap(),
        [ChangeOutcome::Revoked { tokens: 0 }]
    );
    assert_eq!(store.user(1).unwrap().unwrap().tokens_valid_after, 101);
    assert_eq!(
        store.apply(&[revoke(9, 101)]).unwrap(),
        [ChangeOutcome::NoSuchUser]
    );
}

pub(super) fn one_rotation_wins_within_a_batch(store: Store) {
    store
        .apply(&[Change::Issue {
            token: token("a", 100),
        }])
        .unwrap();
    let outcomes = store
        .apply(&[rotate("a", "b1"), rotate("a", "b2")])
        .unwrap();
    assert_eq!(outcomes[0], ChangeOutcome::Done);
    assert!(
        matches!(outcomes[1], ChangeOutcome::AlreadyBlacklisted { ref family, revoked: 0 } if family == "a")
    );
    assert!(store.is_blacklisted("a").unwrap());
    assert_eq!(store.family_of("b1").unwrap().as_deref(), Some("a"));
    assert_eq!(
        store.family_of("b2").unwrap(),
        None,
        "the loser wrote nothing"
    );
    // Across batches too.
    let again = store.apply(&[rotate("a", "b3")]).unwrap();
    assert!(matches!(again[0], ChangeOutcome::AlreadyBlacklisted { .. }));
}

pub(super) fn a_batch_of_rotations_is_decided_as_one_after_another(store: Store) {
    store
        .apply(&[
            Change::Issue {
                token: token("a", 100),
            },
            Change::Issue {
                token: token("b", 100),
            },
        ])
        .unwrap();
    store.apply(&[rotate("spent", "s1")]).unwrap();
    let outcomes = store
        .apply(&[
            rotate("a", "a1"),
            rotate("foreign", "f1"),
            rotate("b", "b1"),
            rotate("a", "a2"),
            rotate("spent", "s2"),
        ])
        .unwrap();
    let lost = |family: &str| ChangeOutcome::AlreadyBlacklisted {
        family: family.into(),
        revoked: 0,
    };
    assert_eq!(
        outcomes,
        [
            ChangeOutcome::Done,
            ChangeOutcome::Done,
            ChangeOutcome::Done,
            lost("a"),
            lost("spent"),
        ]
    );
    for (jti, family) in [
        ("a1", Some("a")),
        ("f1", Some("foreign")),
        ("b1", Some("b")),
        ("a2", None),
        ("s2", None),
    ] {
        assert_eq!(store.family_of(jti).unwrap().as_deref(), family, "{jti}");
    }
    for jti in ["a", "foreign", "b", "spent"] {
        assert!(store.is_blacklisted(jti).unwrap(), "{jti}");
    }
    for jti in ["a1", "f1", "b1", "s1"] {
        assert!(!store.is_blacklisted(jti).unwrap(), "{jti}");
    }
    // A batch that spends what it mints.
    let chain = store
        .apply(&[rotate("b1", "c"), rotate("c", "d"), rotate("b1", "e")])
        .unwrap();
    assert_eq!(chain[..2], [ChangeOutcome::Done, ChangeOutcome::Done]);
    assert_eq!(chain[2], lost("b"));
    assert_eq!(store.family_of("d").unwrap().as_deref(), Some("b"));
    assert!(store.is_blacklisted("c").unwrap());
}

pub(super) fn a_foreign_token_starts_its_own_family(store: Store) {
    store.apply(&[rotate("django", "ours")]).unwrap();
    assert_eq!(store.family_of("ours").unwrap().as_deref(), Some("django"));
    assert_eq!(
        store.family_of("django").unwrap().as_deref(),
        Some("django")
    );
}

/// The family "root": root issued, rotated to r1, r1 rotated to r2.
fn root_rotated_twice(store: &Store) {
    store
        .apply(&[Change::Issue {
            token: token("root", 100),
        }])
        .unwrap();
    store.apply(&[rotate("root", "r1")]).unwrap();
    store.apply(&[rotate("r1", "r2")]).unwrap();
}

pub(super) fn reuse_revokes_the_family_when_asked(store: Store) {
    root_rotated_twice(&store);
    store
        .apply(&[Change::Issue {
            token: token("other", 100),
        }])
        .unwrap();
    let replay = Change::Rotate {
        old: token("root", 100),
        new: token("evil", 200),
        blacklist_old: true,
        revoke_family_on_reuse: true,
        grace: 0,
        now: 20,
    };
    let outcome = store.apply(&[replay]).unwrap();
    assert_eq!(
        outcome[0],
        ChangeOutcome::AlreadyBlacklisted {
            family: "root".into(),
            revoked: 1
        }
    );
    assert!(
        store.is_blacklisted("r2").unwrap(),
        "the live descendant is revoked"
    );
    assert!(
        !store.is_blacklisted("other").unwrap(),
        "other logins are untouched"
    );
    assert!(!store.is_blacklisted("evil").unwrap());
}

pub(super) fn a_logged_out_token_rotated_is_refused_not_reuse(store: Store) {
    root_rotated_twice(&store);
    // r3 a live member of the family: r2 rotated without blacklisting.
    let fork = Change::Rotate {
        old: token("r2", 100),
        new: token("r3", 200),
        blacklist_old: false,
        revoke_family_on_reuse: false,
        grace: 0,
        now: 11,
    };
    assert_eq!(store.apply(&[fork]).unwrap(), [ChangeOutcome::Done]);
    let logout = Change::Blacklist {
        token: token("r2", 100),
        now: 12,
    };
    assert_eq!(store.apply(&[logout]).unwrap(), [ChangeOutcome::Done]);
    let replay = |old: &str, grace| Change::Rotate {
        old: token(old, 100),
        new: token("evil", 200),
        blacklist_old: true,
        revoke_family_on_reuse: true,
        grace,
        now: 13,
    };
    // Within the grace period and outside it alike: a logout is no rotation.
    for grace in [0, 60] {
        assert_eq!(
            store.apply(&[replay("r2", grace)]).unwrap(),
            [ChangeOutcome::LoggedOutOrRevoked {
                family: "root".into()
            }]
        );
    }
    let reuse = Change::Reuse {
        jti: "r2".into(),
        grace: 0,
        now: 13,
    };
    assert!(matches!(
        store.apply(&[reuse]).unwrap()[0],
        ChangeOutcome::LoggedOutOrRevoked { .. }
    ));
    assert!(!store.is_blacklisted("r3").unwrap(), "nothing was revoked");
    assert!(!store.is_blacklisted("evil").unwrap());
    // A rotated one, within the grace period, is not taken for theft either;
    // outside it, it is.
    assert_eq!(
        store.apply(&[replay("r1", 60)]).unwrap(),
        [ChangeOutcome::SpentWithinGrace {
            family: "root".into(),
            after: 3
        }]
    );
    assert!(matches!(
        store.apply(&[replay("r1", 0)]).unwrap()[0],
        ChangeOutcome::AlreadyBlacklisted { ref family, .. } if family == "root"
    ));
}

pub(super) fn blacklist_once(store: Store) {
    let w = Change::Blacklist {
        token: token("t", 100),
        now: 1,
    };
    let outcomes = store.apply(&[w.clone(), w.clone()]).unwrap();
    assert_eq!(outcomes[0], ChangeOutcome::Done);
    assert!(matches!(
        outcomes[1],
        ChangeOutcome::AlreadyBlacklisted { .. }
    ));
    assert!(store.is_blacklisted("t").unwrap());
}

pub(super) fn purge_removes_rows_at_and_after_exp(store: Store) {
    store
        .apply(&[
            Change::Issue {
                token: token("old", 50),
            },
            Change::Issue {
                token: token("new", 500),
            },
            Change::Blacklist {
                token: token("old", 50),
                now: 1,
            },
            Change::Blacklist {
                token: token("new", 500),
                now: 1,
            },
        ])
        .unwrap();
    let purged = store.apply(&[Change::Purge { now: 50 }]).unwrap();
    assert_eq!(
        purged[0],
        ChangeOutcome::Purged {
            issued: 1,
            blacklisted: 1
        }
    );
    assert_eq!(store.token_counts().unwrap(), (1, 1));
    assert!(!store.is_blacklisted("old").unwrap());
    assert!(store.is_blacklisted("new").unwrap());
    assert_eq!(store.family_of("old").unwrap(), None);
}

pub(super) fn the_blacklist_keeps_why(store: Store) {
    let token = |jti: &str| TokenRecord {
        jti: jti.into(),
        user_id: 1,
        exp: 500,
        text: String::new(),
    };
    store.add_user(new_user("alice")).unwrap();
    store
        .apply(&[
            Change::Issue { token: token("a") },
            Change::Rotate {
                old: token("a"),
                new: token("b"),
                blacklist_old: true,
                revoke_family_on_reuse: true,
                grace: 0,
                now: 10,
            },
            Change::Blacklist {
                token: token("b"),
                now: 11,
            },
            Change::Issue { token: token("c") },
            Change::RevokeUser {
                user_id: 1,
                valid_after: 13,
                now: 12,
            },
        ])
        .unwrap();
    let why = |jti| store.blacklisting(jti).unwrap();
    assert_eq!(why("a"), Some(Blacklisted::Rotated));
    assert_eq!(why("b"), Some(Blacklisted::LoggedOut));
    assert_eq!(why("c"), Some(Blacklisted::Revoked));
    assert_eq!(why("d"), None);
}

pub(super) fn token_state_reads_the_blacklist_and_the_user_together(store: Store) {
    store.add_user(new_user("alice")).unwrap();
    store.apply(&[rotate("a", "b")]).unwrap();
    let (why, user) = store.token_state(Some("a"), Some(1)).unwrap();
    assert_eq!(why, Some(Blacklisted::Rotated));
    assert_eq!(user.unwrap().username, "alice");
    assert_eq!(store.token_state(Some("b"), Some(2)).unwrap(), (None, None));
    assert_eq!(store.token_state(None, None).unwrap(), (None, None));
}
