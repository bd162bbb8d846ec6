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
    threads: Vec<thread::JoinHandle<()>>,
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
            }),
            ready: Condvar::new(),
            capacity: queue,
        });
        let mut handles = Vec::with_capacity(threads);
        for i in 0..threads.max(1) {
            let shared = shared.clone();
            handles.push(
                thread::Builder::new()
                    .name(format!("{name}-{i}"))
                    .stack_size(256 * 1024)
                    .spawn(move || work(&shared, priority))?,
            );
        }
        Ok(WorkPool {
            shared,
            threads: handles,
        })
    }

    /// Queues `task` and returns at once, or returns [`Busy`] if `queue`
    /// tasks are already waiting.
    pub fn spawn(&self, task: impl FnOnce() + Send + 'static) -> Result<(), Busy> {
        {
            let mut queue = self.shared.lock();
            if queue.closed || queue.tasks.len() >= self.shared.capacity {
                return Err(Busy);
            }
            queue.tasks.push_back(Box::new(task));
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
        {
            let mut queue = self.shared.lock();
            if queue.closed || queue.tasks.len() >= self.shared.capacity {
                return Err(Busy);
            }
            queue.tasks.push_back(Box::new(move || {
                let _ = reply.send(task());
            }));
        }
        self.shared.ready.notify_one();
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
                queue = shared
                    .ready
                    .wait(queue)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
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
        for handle in self.threads.drain(..) {
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
    fn a_panicking_task_leaves_the_pool_working() {
        let pool = WorkPool::start(1, 2).unwrap();
        assert_eq!(pool.run(|| -> u8 { panic!("boom") }), Err(Busy));
        assert_eq!(pool.run(|| 3), Ok(3));
    }
}
