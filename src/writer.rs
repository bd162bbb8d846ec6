//! The single writer: group commit for token state.
//!
//! A durable commit costs one fsync, and the store runs one write
//! transaction at a time. So instead of each request committing on its own,
//! requests hand their writes to this thread, which takes everything that
//! queued up while the previous commit was on its way to disk, applies it in one
//! transaction, commits once, and then answers each request. Every request is
//! still answered only after its change is on disk, and each change is
//! checked on its own inside the batch (see [`Store::apply`]), so exactly one
//! of N concurrent refreshes of a token wins.
//!
//! PostgreSQL gets one writer per replica too, though it could commit
//! several transactions side by side: what a commit costs there is round
//! trips and the server's work per statement, and a batch of rotations is
//! one statement however long it is, so the larger batches of one writer
//! beat the smaller ones of several (measured in `docs/performance.md`).
//!
//! A batch in which nobody waits for an answer (a login's bookkeeping, see
//! [`Writer::send`]) is committed without a sync of its own
//! ([`Store::apply_unsynced`]): the next batch someone waits for syncs it,
//! or, if none comes, an empty durable commit within [`SYNC_WITHIN`], and
//! so does a writer that stops. Logins then cost the disk nothing of their
//! own: on an appliance's flash that is a write (and a wear) saved per
//! login, and on any machine the CPU of a sync. On redb the bookkeeping
//! also waits up to [`BOOKKEEPING_EVERY`] to be committed with the next
//! logins'; on PostgreSQL, whose tables Django and other processes read,
//! it is committed at once, as any other change.
//!
//! ```text
//!   login  login  login  refresh           (nobody waits: unsynced)
//!     │      │      │       │ waits
//!     ▼      ▼      ▼       ▼
//!   commit commit commit  commit+sync ─► everything before it is on disk
//! ```
//!
//! The writer also purges expired token rows every `purge_interval`, in the
//! same queue as every other write, at the time the application's clock
//! reads.
//!
//! After a failed commit the store refuses writes until the database is
//! reopened ([`Store::reopen`]); the writer reopens it before the next
//! batch, and until that succeeds the requests that need a write get
//! [`StoreError`]s (503), while reads go on.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::log;
use crate::store::{Change, ChangeOutcome, Store, StoreError};

/// Most changes taken into one transaction.
const MAX_BATCH: usize = 512;
/// Most jobs waiting; beyond, a submitter waits for room.
const MAX_JOBS: usize = 4096;
/// Bookkeeping (see [`Writer::send`]) is committed this long after the first
/// of it arrives, with all that came meanwhile: one wake of the writer and
/// one commit for every login in that time, not one each. Only on a
/// database of jwtd's own: on a shared one, at once.
const BOOKKEEPING_EVERY: Duration = Duration::from_millis(50);
/// Most bookkeeping changes held back; beyond, a sender waits as for a
/// commit.
const MAX_BOOKKEEPING: usize = 4096;
/// An unsynced commit is on disk at most this long after it was made.
pub const SYNC_WITHIN: Duration = Duration::from_secs(1);

type Outcomes = Result<Vec<ChangeOutcome>, StoreError>;

/// Changes someone waits for, and where their answer goes. Dropped
/// unanswered (the writer stopped, or panicked), it answers an error.
struct Job {
    changes: Vec<Change>,
    reply: Option<Arc<Reply>>,
}

impl Job {
    fn answer(mut self, outcomes: Outcomes) {
        if let Some(reply) = self.reply.take() {
            reply.answer(outcomes);
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(reply) = self.reply.take() {
            reply.answer(Err(stopped()));
        }
    }
}

fn stopped() -> StoreError {
    StoreError::io("the writer has stopped")
}

/// One answer, handed from the writer to the one submitter waiting for it.
#[derive(Default)]
struct Reply {
    outcomes: Mutex<Option<Outcomes>>,
    ready: Condvar,
}

impl Reply {
    fn answer(&self, outcomes: Outcomes) {
        *lock(&self.outcomes) = Some(outcomes);
        self.ready.notify_one();
    }

    fn wait(&self) -> Outcomes {
        let mut outcomes = lock(&self.outcomes);
        loop {
            if let Some(answer) = outcomes.take() {
                return answer;
            }
            outcomes = wait(&self.ready, outcomes);
        }
    }
}

/// What the writer has to do, in the order it was given.
#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// Bookkeeping sent and not yet committed.
    later: Vec<Change>,
    /// Live [`Writer`] handles: none left and nothing queued, the writer
    /// ends.
    handles: usize,
    /// The writer has ended: nothing more is taken.
    ended: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// The writer waits on it for work.
    work: Condvar,
    /// Submitters wait on it for room in a full queue.
    room: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar
        .wait(guard)
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A handle for submitting changes. Cloneable; the writer thread ends when
/// the last handle is dropped, once it has done everything queued.
pub struct Writer {
    shared: Arc<Shared>,
}

impl Clone for Writer {
    fn clone(&self) -> Writer {
        lock(&self.shared.queue).handles += 1;
        Writer {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let mut queue = lock(&self.shared.queue);
        queue.handles -= 1;
        if queue.handles == 0 {
            self.shared.work.notify_one();
        }
    }
}

impl Writer {
    /// Starts the writer thread for `store`, purging expired token rows
    /// every `purge_interval`, as of `clock`'s time less `purge_grace`
    /// seconds.
    pub fn start(
        store: Arc<Store>,
        clock: Arc<Clock>,
        purge_interval: Duration,
        purge_grace: u64,
    ) -> std::io::Result<(Writer, JoinHandle<()>)> {
        // A database shared with other processes (Django, `jwtd user
        // revoke` run on it) may be read there at any moment: a login's row
        // must be there as soon as the writer can put it there, or a
        // revocation made meanwhile would miss it.
        let bookkeeping_every = if store.is_shared() {
            Duration::ZERO
        } else {
            BOOKKEEPING_EVERY
        };
        let timing = Timing {
            clock,
            purge_every: purge_interval,
            purge_grace,
            bookkeeping_every,
            sync_within: SYNC_WITHIN,
        };
        Writer::start_timed(store, timing)
    }

    fn start_timed(store: Arc<Store>, timing: Timing) -> std::io::Result<(Writer, JoinHandle<()>)> {
        let shared = Arc::new(Shared::default());
        lock(&shared.queue).handles = 1;
        let thread = thread::Builder::new().name("jwtd-writer".into()).spawn({
            let shared = shared.clone();
            move || run(&store, &shared, &timing)
        })?;
        Ok((Writer { shared }, thread))
    }

    /// Applies `changes` atomically, in some batch; returns once they are
    /// on disk, with one outcome per change.
    pub fn submit(&self, changes: Vec<Change>) -> Result<Vec<ChangeOutcome>, StoreError> {
        let reply = Arc::new(Reply::default());
        let mut queue = lock(&self.shared.queue);
        while queue.jobs.len() >= MAX_JOBS && !queue.ended {
            queue = wait(&self.shared.room, queue);
        }
        if queue.ended {
            return Err(stopped());
        }
        queue.jobs.push(Job {
            changes,
            reply: Some(reply.clone()),
        });
        drop(queue);
        self.shared.work.notify_one();
        reply.wait()
    }

    /// Queues `changes` for the next batch without waiting for the disk:
    /// for changes whose loss in a crash does no harm (a login's bookkeeping).
    /// They are committed in order with every other change, and on disk
    /// within [`SYNC_WITHIN`].
    /// They wait (with all that comes meanwhile) [`BOOKKEEPING_EVERY`] for
    /// their commit, or less if a commit someone waits for comes first.
    pub fn send(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let mut queue = lock(&self.shared.queue);
        if queue.ended {
            return Err(stopped());
        }
        if queue.later.len() + changes.len() > MAX_BOOKKEEPING {
            // The writer is behind: this sender waits for it.
            drop(queue);
            return self.submit(changes).map(drop);
        }
        let first = queue.later.is_empty();
        queue.later.extend(changes);
        drop(queue);
        if first {
            // The writer sets its timer.
            self.shared.work.notify_one();
        }
        Ok(())
    }
}

/// When the writer purges expired token rows, and syncs unsynced commits.
struct Timing {
    clock: Arc<Clock>,
    purge_every: Duration,
    /// Seconds a row outlives its token's `exp`.
    purge_grace: u64,
    bookkeeping_every: Duration,
    sync_within: Duration,
}

/// What the writer takes from its queue at once.
enum Work {
    /// Jobs someone waits for, and the bookkeeping sent before them.
    Jobs(Vec<Job>, Vec<Change>),
    /// A timer is due.
    Timer,
    /// No handle is left and nothing is queued but, perhaps, bookkeeping.
    Stop(Vec<Change>),
}

/// Marks the queue ended when the writer returns or unwinds, and answers
/// what is left in it with an error.
struct EndGuard<'a>(&'a Shared);

impl Drop for EndGuard<'_> {
    fn drop(&mut self) {
        let jobs = {
            let mut queue = lock(&self.0.queue);
            queue.ended = true;
            std::mem::take(&mut queue.jobs)
        };
        drop(jobs);
        self.0.room.notify_all();
    }
}

fn run(store: &Store, shared: &Shared, timing: &Timing) {
    let _end = EndGuard(shared);
    let mut needs_reopen = false;
    let mut next_purge = Instant::now() + timing.purge_every;
    // When the bookkeeping sent so far is committed (unsynced).
    let mut bookkeeping_at: Option<Instant> = None;
    // When the oldest commit not yet on disk must be synced.
    let mut sync_by: Option<Instant> = None;
    loop {
        let work = {
            let mut queue = lock(&shared.queue);
            loop {
                if !queue.jobs.is_empty() {
                    let mut count = 0;
                    let take = queue
                        .jobs
                        .iter()
                        .take_while(|job| {
                            count += job.changes.len();
                            count <= MAX_BATCH
                        })
                        .count()
                        .max(1);
                    let jobs = queue.jobs.drain(..take).collect();
                    break Work::Jobs(jobs, std::mem::take(&mut queue.later));
                }
                if queue.handles == 0 {
                    break Work::Stop(std::mem::take(&mut queue.later));
                }
                let now = Instant::now();
                if !queue.later.is_empty() {
                    bookkeeping_at.get_or_insert(now + timing.bookkeeping_every);
                }
                let next_timer = [bookkeeping_at, sync_by]
                    .into_iter()
                    .flatten()
                    .fold(next_purge, Instant::min);
                if now >= next_timer {
                    break Work::Timer;
                }
                queue = shared
                    .work
                    .wait_timeout(queue, next_timer - now)
                    .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
            }
        };
        let (batch, before) = match work {
            Work::Jobs(batch, before) => {
                shared.room.notify_all();
                (batch, before)
            }
            Work::Stop(later) => {
                let _ = commit_bookkeeping(store, later, true);
                if sync_by.is_some() {
                    sync(store);
                }
                return;
            }
            Work::Timer => {
                let now = Instant::now();
                if now >= next_purge {
                    next_purge = now + timing.purge_every;
                    // A purge commits durably: it syncs what came before.
                    let later = std::mem::take(&mut lock(&shared.queue).later);
                    if commit_bookkeeping(store, later, true).is_err() {
                        needs_reopen = true;
                    }
                    purge(store, timing.clock.now().saturating_sub(timing.purge_grace));
                    (bookkeeping_at, sync_by) = (None, None);
                } else if bookkeeping_at.is_some_and(|at| now >= at) {
                    let later = std::mem::take(&mut lock(&shared.queue).later);
                    match commit_bookkeeping(store, later, false) {
                        Ok(true) => {
                            sync_by.get_or_insert(now + timing.sync_within);
                        }
                        Ok(false) => {}
                        Err(_) => needs_reopen = true,
                    }
                    bookkeeping_at = None;
                } else if sync_by.is_some_and(|by| now >= by) {
                    sync(store);
                    sync_by = None;
                }
                continue;
            }
        };
        if needs_reopen {
            // Reopen only once the storage takes writes: until then readers
            // keep the old handle and writers get an error at once.
            if !store.storage_writable() {
                let e = StoreError::io("storage is not writable (disk full or read-only?)");
                for job in batch {
                    job.answer(Err(e.clone()));
                }
                continue;
            }
            match store.reopen() {
                Ok(()) => {
                    log::info("database reopened after a failed commit; writes resume");
                    needs_reopen = false;
                }
                Err(e) => log::error(&format!("database reopen failed: {e}")),
            }
        }
        // The bookkeeping sent before these jobs goes first, in the same
        // durable commit; its outcomes are nobody's.
        let theirs = before.len();
        let mut changes = before;
        changes.extend(batch.iter().flat_map(|job| job.changes.iter().cloned()));
        match store.apply(&changes) {
            Ok(outcomes) => {
                (bookkeeping_at, sync_by) = (None, None);
                let mut outcomes = outcomes.into_iter().skip(theirs);
                for job in batch {
                    let mine: Vec<ChangeOutcome> =
                        outcomes.by_ref().take(job.changes.len()).collect();
                    job.answer(Ok(mine));
                }
            }
            Err(e) => {
                log::error(&format!("write of {} changes failed: {e}", changes.len()));
                needs_reopen = true;
                for job in batch {
                    job.answer(Err(e.clone()));
                }
            }
        }
    }
}

/// Commits the bookkeeping sent so far, synced or not; `Ok(false)` when
/// there was none. A failure is logged and loses it (a login's bookkeeping
/// may be lost, see [`Writer::send`]).
fn commit_bookkeeping(
    store: &Store,
    changes: Vec<Change>,
    synced: bool,
) -> Result<bool, StoreError> {
    if changes.is_empty() {
        return Ok(false);
    }
    let applied = if synced {
        store.apply(&changes)
    } else {
        store.apply_unsynced(&changes)
    };
    match applied {
        Ok(_) => Ok(true),
        Err(e) => {
            log::error(&format!(
                "write of {} login records failed: {e}",
                changes.len()
            ));
            Err(e)
        }
    }
}

/// Puts the unsynced commits on disk; a failure is logged, and the next
/// durable commit tries again.
fn sync(store: &Store) {
    if let Err(e) = store.sync() {
        log::error(&format!("syncing the database failed: {e}"));
    }
}

/// Deletes the rows of tokens expired at `until` or before, logging what
/// went. `until` lies the decoder's `LEEWAY` before now: a row must outlive
/// every moment its token is still accepted, or a spent token could be
/// rotated again.
fn purge(store: &Store, until: u64) {
    match store.apply(&[Change::Purge { now: until }]) {
        Ok(outcomes) => {
            if let Some(ChangeOutcome::Purged {
                issued,
                blacklisted,
            }) = outcomes.first()
            {
                if issued + blacklisted > 0 {
                    log::info(&format!(
                        "purged {issued} expired token(s) and {blacklisted} blacklist entr(ies)"
                    ));
                }
            }
        }
        Err(e) => log::error(&format!("purge failed: {e}")),
    }
}

#[cfg(test)]
mod tests;
