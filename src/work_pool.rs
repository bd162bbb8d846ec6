//! Work pools: a few threads for work that must not hold an HTTP worker,
//! behind a bounded queue. The login pool hashes passwords, at a lower
//! scheduling priority; with a shared database (PostgreSQL), the database
//! pool runs the requests that need a round trip to it.
//!
//! One PBKDF2 check at Django's million iterations costs over 100 ms of CPU.
//! If the HTTP workers did it themselves, a burst of logins (or of wrong
//! guesses) would occupy every worker and stall token verification, which
//! costs microseconds. So logins run on a fixed number of threads, at a
//! lower scheduling priority, behind a bounded queue: when the queue is full
//! a login is refused at once (429) instead of waiting without end. A
//! queued login holds no HTTP worker: its connection waits in epoll for the
//! response ([`crate::http::parked`]).

use std::collections::VecDeque;
use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

use crate::sys;

type Task = Box<dyn FnOnce() + Send>;

struct Queue {
    tasks: VecDeque<Task>,
    closed: bool,
    /// Threads waiting for a task.
    idle: usize,
    /// Threads started so far: they start as work finds none idle, up to
    /// the pool's bound, so an idle server holds one.
    started: usize,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("waiting", &self.tasks.len())
            .finish()
    }
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    capacity: usize,
    /// At most this many threads.
    threads: usize,
    name: String,
    priority: Priority,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A task runs outside the lock, so a panic in one cannot poison it;
        // recover the guard anyway rather than propagate.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The hashing pool. Dropping it lets queued work finish and stops the threads.
#[derive(Debug)]
pub struct WorkPool {
    shared: Arc<Shared>,
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
}

/// The scheduling priority of a pool's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// As the HTTP workers'.
    Normal,
    /// Below them (nice 10): long CPU work yields to short requests.
    Lower,
}

/// The queue is full: try again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("password hashing queue is full")
    }
}

impl std::error::Error for Busy {}

impl WorkPool {
    /// The login pool: `threads` hashing threads, at a lower priority, and
    /// room for `queue` waiting tasks.
    pub fn start(threads: usize, queue: usize) -> std::io::Result<WorkPool> {
        WorkPool::named("jwtd-hash", threads, queue, Priority::Lower)
    }

    /// `threads` threads named `name-N` at `priority`, and room for
    /// `queue` waiting tasks.
    pub fn named(
        name: &str,
        threads: usize,
        queue: usize,
        priority: Priority,
    ) -> std::io::Result<WorkPool> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                tasks: VecDeque::new(),
                closed: false,
                idle: 0,
                started: 1,
            }),
            ready: Condvar::new(),
            capacity: queue,
            threads: threads.max(1),
            name: name.to_owned(),
            priority,
        });
        let first = start_thread(&shared, 0)?;
        Ok(WorkPool {
            shared,
            threads: Mutex::new(vec![first]),
        })
    }

    /// Queues `task` and returns at once, or returns [`Busy`] if `queue`
    /// tasks are already waiting.
    pub fn spawn(&self, task: impl FnOnce() + Send + 'static) -> Result<(), Busy> {
        self.push(Box::new(task))
    }

    /// Queues `task`, starting a thread for it when none is idle and the
    /// bound allows; [`Busy`] if `queue` tasks are already waiting.
    fn push(&self, task: Task) -> Result<(), Busy> {
        let grow = {
            let mut queue = self.shared.lock();
            if queue.closed || queue.tasks.len() >= self.shared.capacity {
                return Err(Busy);
            }
            queue.tasks.push_back(task);
            let grow = queue.idle == 0 && queue.started < self.shared.threads;
            if grow {
                queue.started += 1;
            }
            grow.then_some(queue.started - 1)
        };
        match grow.map(|index| start_thread(&self.shared, index)) {
            Some(Ok(handle)) => lock(&self.threads).push(handle),
            // The threads already started take the task in turn.
            Some(Err(_)) => self.shared.lock().started -= 1,
            None => {}
        }
        self.shared.ready.notify_one();
        Ok(())
    }

    /// Runs `task` on the pool and waits for its result, or returns [`Busy`]
    /// at once if `queue` tasks are already waiting. Tasks wait no more than
    /// one hash each per thread ahead of them.
    pub fn run<T: Send + 'static>(
        &self,
        task: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.push(Box::new(move || {
            let _ = reply.send(task());
        }))?;
        // A task that panicked drops its sender: report it as busy, the
        // caller's only other answer.
        answer.recv().map_err(|_| Busy)
    }
}

/// Whether the calling thread is a pool's.
pub fn in_pool() -> bool {
    IN_POOL.with(std::cell::Cell::get)
}

thread_local! {
    /// Set on the pool's own threads.
    static IN_POOL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts the pool's thread number `index`.
fn start_thread(shared: &Arc<Shared>, index: usize) -> std::io::Result<thread::JoinHandle<()>> {
    let shared = shared.clone();
    thread::Builder::new()
        .name(format!("{}-{index}", shared.name))
        .stack_size(256 * 1024)
        .spawn(move || work(&shared, shared.priority))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn work(shared: &Shared, priority: Priority) {
    IN_POOL.with(|flag| flag.set(true));
    if priority == Priority::Lower {
        sys::lower_thread_priority();
    }
    loop {
        let task = {
            let mut queue = shared.lock();
            loop {
                if let Some(task) = queue.tasks.pop_front() {
                    break task;
                }
                if queue.closed {
                    return;
                }
                queue.idle += 1;
                queue = shared
                    .ready
                    .wait(queue)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                queue.idle -= 1;
            }
        };
        // A panicking task must not take the thread with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
    }
}

impl Drop for WorkPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_all();
        // The last owner may be a task on one of these threads (a login that
        // outlived the server): a thread cannot wait for itself, so then the
        // threads finish on their own.
        if IN_POOL.with(std::cell::Cell::get) {
            return;
        }
        for handle in lock(&self.threads).drain(..) {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;
    use std::time::Duration;

    #[test]
    fn runs_tasks_and_returns_results() {
        let pool = WorkPool::start(2, 4).unwrap();
        assert_eq!(pool.run(|| 6 * 7), Ok(42));
    }

    #[test]
    fn refuses_beyond_the_queue_at_once() {
        let pool = Arc::new(WorkPool::start(1, 1).unwrap());
        let gate = Arc::new(Barrier::new(2));
        // Occupy the only thread...
        let (started, running) = mpsc::channel();
        let busy = {
            let (pool, gate) = (pool.clone(), gate.clone());
            thread::spawn(move || {
                pool.run(move || {
                    started.send(()).unwrap();
                    gate.wait();
                })
                .is_ok()
            })
        };
        running.recv().unwrap();
        // ...then fill the one queue slot.
        let queued = {
            let pool = pool.clone();
            thread::spawn(move || pool.run(|| 1))
        };
        while pool.shared.lock().tasks.is_empty() {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(pool.run(|| 2), Err(Busy));
        gate.wait();
        assert!(busy.join().unwrap());
        assert_eq!(queued.join().unwrap(), Ok(1));
    }

    #[test]
    fn threads_start_as_work_finds_none_idle_up_to_the_bound() {
        let pool = WorkPool::named("jwtd-test", 4, 16, Priority::Normal).unwrap();
        assert_eq!(
            pool.shared.lock().started,
            1,
            "an idle pool holds one thread"
        );
        // Four tasks that can only finish together need four threads.
        let gate = Arc::new(Barrier::new(4));
        let (done, finished) = mpsc::channel();
        for _ in 0..4 {
            let (gate, done) = (gate.clone(), done.clone());
            pool.spawn(move || {
                gate.wait();
                done.send(()).unwrap();
            })
            .unwrap();
            // Each task taken before the next comes: none is idle then.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !pool.shared.lock().tasks.is_empty() {
                assert!(std::time::Instant::now() < deadline, "no thread took it");
                thread::sleep(Duration::from_millis(1));
            }
        }
        for _ in 0..4 {
            finished.recv_timeout(Duration::from_secs(10)).unwrap();
        }
        assert_eq!(pool.shared.lock().started, 4);
        // Never beyond the bound.
        for _ in 0..8 {
            pool.spawn(|| thread::sleep(Duration::from_millis(5)))
                .unwrap();
        }
        assert_eq!(pool.shared.lock().started, 4);
    }

    #[test]
    fn a_panicking_task_leaves_the_pool_working() {
        let pool = WorkPool::start(1, 2).unwrap();
        assert_eq!(pool.run(|| -> u8 { panic!("boom") }), Err(Busy));
        assert_eq!(pool.run(|| 3), Ok(3));
    }
}
