use super::*;
use crate::store::TokenRecord;

/// 2025-01-01T00:00:00Z.
const NOW: u64 = 1_735_689_600;

fn clock() -> Arc<Clock> {
    Arc::new(Clock::fixed(NOW))
}

fn record(jti: &str) -> TokenRecord {
    TokenRecord {
        jti: jti.into(),
        user_id: 1,
        exp: 1000,
        text: String::new(),
    }
}

#[test]
fn concurrent_rotations_of_one_token_have_one_winner() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (writer, thread) =
        Writer::start(store.clone(), clock(), Duration::from_secs(3600), 0).unwrap();
    for round in 0..20 {
        let old = format!("old-{round}");
        writer
            .submit(vec![Change::Issue {
                token: record(&old),
            }])
            .unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (writer, barrier, old) = (writer.clone(), barrier.clone(), old.clone());
                thread::spawn(move || {
                    barrier.wait();
                    let rotate = Change::Rotate {
                        old: record(&old),
                        new: record(&format!("{old}-new-{i}")),
                        blacklist_old: true,
                        revoke_family_on_reuse: false,
                        grace: 0,
                        now: 1,
                    };
                    writer.submit(vec![rotate]).unwrap()
                })
            })
            .collect();
        let wins = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|outcomes| outcomes[0] == ChangeOutcome::Done)
            .count();
        assert_eq!(wins, 1, "round {round}");
    }
    drop(writer);
    thread.join().unwrap();
}

#[test]
fn a_batch_nobody_waits_for_is_synced_later_and_before_the_writer_stops() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let dir = crate::scratch_dir::ScratchDir::new("writer-sync");
    let path = dir.join("db.redb");
    let syncs = Arc::new(AtomicU32::new(0));
    let store = Arc::new(Store::open_counting_syncs(&path, syncs.clone()).unwrap());
    let within = Duration::from_millis(300);
    let (writer, thread) = Writer::start_timed(store.clone(), timing(within)).unwrap();
    let synced = || syncs.load(Ordering::SeqCst);

    // Awaited: synced before the answer.
    let before = synced();
    writer
        .submit(vec![Change::Issue {
            token: record("awaited"),
        }])
        .unwrap();
    assert!(synced() > before, "an awaited batch is synced");

    // Not awaited: visible at once, on disk within `within`.
    let before = synced();
    writer
        .send(vec![Change::Issue {
            token: record("sent"),
        }])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while store.token_counts().unwrap().0 < 2 {
        assert!(Instant::now() < deadline, "the sent change never arrived");
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(synced(), before, "no sync of its own");
    thread::sleep(within + Duration::from_millis(300));
    assert!(synced() > before, "synced within the interval");

    // Sent and then stopped: synced on the way out.
    let before = synced();
    writer
        .send(vec![Change::Issue {
            token: record("last"),
        }])
        .unwrap();
    drop(writer);
    thread.join().unwrap();
    assert!(synced() > before, "synced before the writer stopped");
    assert_eq!(store.token_counts().unwrap().0, 3);
    drop(store);
}

fn timing(sync_within: Duration) -> Timing {
    Timing {
        clock: clock(),
        purge_every: Duration::from_secs(3600),
        purge_grace: 0,
        bookkeeping_every: BOOKKEEPING_EVERY,
        sync_within,
    }
}

#[test]
fn bookkeeping_waits_for_its_interval_or_goes_first_into_an_awaited_commit() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let timing = Timing {
        bookkeeping_every: Duration::from_secs(3600),
        ..timing(SYNC_WITHIN)
    };
    let (writer, thread) = Writer::start_timed(store.clone(), timing).unwrap();
    for i in 0..10 {
        writer
            .send(vec![Change::Issue {
                token: record(&format!("login-{i}")),
            }])
            .unwrap();
    }
    thread::sleep(Duration::from_millis(100));
    assert_eq!(store.token_counts().unwrap().0, 0, "held back");
    // A commit someone waits for takes the bookkeeping first, in order:
    // the rotation finds the token a login issued.
    let outcomes = writer
        .submit(vec![Change::Rotate {
            old: record("login-3"),
            new: record("rotated"),
            blacklist_old: true,
            revoke_family_on_reuse: true,
            grace: 0,
            now: 1,
        }])
        .unwrap();
    assert_eq!(outcomes, [ChangeOutcome::Done]);
    assert_eq!(store.token_counts().unwrap(), (11, 1));
    drop(writer);
    thread.join().unwrap();
}

#[test]
fn a_job_dropped_unanswered_answers_that_the_writer_stopped() {
    let reply = Arc::new(Reply::default());
    let job = Job {
        changes: Vec::new(),
        reply: Some(reply.clone()),
    };
    let waiter = {
        let reply = reply.clone();
        thread::spawn(move || reply.wait())
    };
    drop(job);
    assert!(waiter.join().unwrap().is_err());
    // Answered, it is not answered again when dropped.
    let reply = Arc::new(Reply::default());
    Job {
        changes: Vec::new(),
        reply: Some(reply.clone()),
    }
    .answer(Ok(Vec::new()));
    assert_eq!(reply.wait().unwrap(), []);
}

#[test]
fn expired_rows_are_purged_on_schedule() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    // LEEWAY 60: a token expired 10 s ago is still accepted, so its
    // rows stay.
    let clock = clock();
    let (writer, _thread) =
        Writer::start(store.clone(), clock.clone(), Duration::from_millis(50), 60).unwrap();
    let token = |jti: &str, exp| TokenRecord {
        jti: jti.into(),
        user_id: 1,
        exp,
        text: String::new(),
    };
    let recent = NOW - 10;
    writer
        .submit(vec![
            Change::Blacklist {
                token: token("old", 1),
                now: 0,
            },
            Change::Blacklist {
                token: token("recent", recent),
                now: 0,
            },
        ])
        .unwrap();
    assert_eq!(store.token_counts().unwrap(), (2, 2));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(store.token_counts().unwrap(), (1, 1));
    assert!(store.is_blacklisted("recent").unwrap());
    // The purges follow the application's clock.
    clock.set(NOW + 50);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(store.token_counts().unwrap(), (0, 0));
}

#[test]
fn each_job_gets_its_own_outcomes() {
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (writer, _thread) = Writer::start(store, clock(), Duration::from_secs(3600), 0).unwrap();
    let outcomes = writer
        .submit(vec![
            Change::Blacklist {
                token: record("a"),
                now: 1,
            },
            Change::Blacklist {
                token: record("a"),
                now: 1,
            },
        ])
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0], ChangeOutcome::Done);
    assert!(matches!(
        outcomes[1],
        ChangeOutcome::AlreadyBlacklisted { .. }
    ));
}
