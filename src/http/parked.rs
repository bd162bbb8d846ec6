//! Parked responses: a handler with slow work (a password hash) hands it to
//! another thread and returns a [`Parked`] response (see
//! `response::ParkedResponse`); the connection then waits, holding no
//! thread, until the other thread calls [`Completion::complete`], which
//! wakes the connection's event loop to send the response.
//!
//! Either side may come first: the response may be ready before the
//! connection starts waiting for it, or after. The types are generic over
//! what is delivered, so that this module and the response's do not depend
//! on each other.

use std::fmt;
use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Wakes an event loop for connections whose response has arrived: tokens
/// are queued, and a byte on a pipe registered in the loop's epoll says so.
#[derive(Debug)]
pub struct Wakeup {
    tokens: Mutex<Vec<u64>>,
    signal: UnixStream,
    /// The end registered in epoll.
    pub listen: UnixStream,
}

impl Wakeup {
    /// A new, quiet wakeup.
    pub fn new() -> std::io::Result<Wakeup> {
        let (signal, listen) = UnixStream::pair()?;
        signal.set_nonblocking(true)?;
        listen.set_nonblocking(true)?;
        Ok(Wakeup {
            tokens: Mutex::new(Vec::new()),
            signal,
            listen,
        })
    }

    /// Queues `token` and wakes the loop.
    pub(super) fn notify(&self, token: u64) {
        lock(&self.tokens).push(token);
        // A full pipe already says "something is ready".
        let _ = (&self.signal).write(&[1]);
    }

    /// Quiets the pipe, then moves every token queued so far into `into`
    /// (empty), which gives its storage to the queue in exchange. A token
    /// queued after the pipe was read raises it again.
    pub fn drain_into(&self, into: &mut Vec<u64>) {
        let mut sink = [0u8; 256];
        while matches!((&self.listen).read(&mut sink), Ok(n) if n > 0) {}
        std::mem::swap(&mut *lock(&self.tokens), into);
    }

    #[cfg(test)]
    fn drain(&self) -> Vec<u64> {
        let mut tokens = Vec::new();
        self.drain_into(&mut tokens);
        tokens
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct State<T> {
    response: Option<T>,
    /// The connection stopped waiting ([`Parked::expire`]): a response
    /// delivered later goes nowhere.
    expired: bool,
    /// Set once the connection waits: whom to wake.
    waiter: Option<(Arc<Wakeup>, u64)>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// For [`Parked::wait`], when there is no connection.
    ready: Condvar,
}

/// The promise of a response, returned by a handler inside its envelope.
pub struct Parked<T> {
    shared: Arc<Shared<T>>,
    /// How long the connection waits, and what it answers after that.
    within: Option<(Duration, fn() -> T)>,
}

/// The other side: sends the response when it is ready. Dropped without
/// completing (a panic in the work), it sends the `abandoned` response
/// given to [`park`].
pub struct Completion<T> {
    shared: Option<Arc<Shared<T>>>,
    abandoned: fn() -> T,
}

/// A promise and the means to keep it; `abandoned` makes the answer sent
/// if the promise is dropped unkept.
pub fn park<T>(abandoned: fn() -> T) -> (Parked<T>, Completion<T>) {
    park_within(abandoned, None)
}

/// [`park`], with a bound on the wait: after `limit` the connection stops
/// waiting and answers `late` (work stuck behind a database that does not
/// answer); the response delivered after that is dropped.
pub fn park_within<T>(
    abandoned: fn() -> T,
    within: Option<(Duration, fn() -> T)>,
) -> (Parked<T>, Completion<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            response: None,
            expired: false,
            waiter: None,
        }),
        ready: Condvar::new(),
    });
    let completion = Completion {
        shared: Some(shared.clone()),
        abandoned,
    };
    (Parked { shared, within }, completion)
}

impl<T> Parked<T> {
    /// The connection waits from now on: if the response is already there,
    /// it is returned; otherwise `token` is woken through `wakeup` later.
    pub fn attach(&self, wakeup: &Arc<Wakeup>, token: u64) -> Option<T> {
        let mut state = lock(&self.shared.state);
        let ready = state.response.take();
        if ready.is_none() {
            state.waiter = Some((wakeup.clone(), token));
        }
        ready
    }

    /// The response, once woken.
    pub fn take(&self) -> Option<T> {
        lock(&self.shared.state).response.take()
    }

    /// How long the connection may wait, if the promise says.
    pub fn limit(&self) -> Option<Duration> {
        self.within.map(|(limit, _)| limit)
    }

    /// The connection waited its limit: the response if it has come after
    /// all, else the late answer; from now on a delivery goes nowhere.
    /// `None` for a promise without a limit.
    pub fn expire(&self) -> Option<T> {
        let (_, late) = self.within?;
        let mut state = lock(&self.shared.state);
        state.expired = true;
        state.waiter = None;
        Some(state.response.take().unwrap_or_else(late))
    }

    /// Blocks until the response is ready: for callers without a socket
    /// (tests, tools).
    pub fn wait(self) -> T {
        let mut state = lock(&self.shared.state);
        loop {
            if let Some(response) = state.response.take() {
                return response;
            }
            state = self
                .shared
                .ready
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

impl<T> Completion<T> {
    /// Delivers the response and wakes whoever waits for it.
    pub fn complete(mut self, response: T) {
        if let Some(shared) = self.shared.take() {
            deliver(&shared, response);
        }
    }
}

fn deliver<T>(shared: &Shared<T>, response: T) {
    let mut state = lock(&shared.state);
    if state.expired {
        return;
    }
    state.response = Some(response);
    if let Some((wakeup, token)) = state.waiter.take() {
        drop(state);
        wakeup.notify(token);
    } else {
        shared.ready.notify_all();
    }
}

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            deliver(&shared, (self.abandoned)());
        }
    }
}

impl<T> fmt::Debug for Parked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Parked")
    }
}

impl<T> fmt::Debug for Completion<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Completion")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Response;

    fn abandoned() -> Response {
        Response::new(500)
    }

    #[test]
    fn ready_before_the_connection_waits() {
        let wakeup = Arc::new(Wakeup::new().unwrap());
        let (parked, completion) = park(abandoned);
        completion.complete(Response::new(204));
        assert_eq!(parked.attach(&wakeup, 7).map(|r| r.status), Some(204));
        assert!(wakeup.drain().is_empty(), "nobody needed waking");
    }

    #[test]
    fn ready_after_the_connection_waits() {
        let wakeup = Arc::new(Wakeup::new().unwrap());
        let (parked, completion) = park(abandoned);
        assert!(parked.attach(&wakeup, 7).is_none());
        std::thread::spawn(move || completion.complete(Response::new(200)))
            .join()
            .unwrap();
        assert_eq!(wakeup.drain(), [7]);
        assert_eq!(parked.take().map(|r| r.status), Some(200));
    }

    #[test]
    fn a_dropped_completion_answers_500() {
        let (parked, completion) = park(abandoned);
        drop(completion);
        assert_eq!(parked.wait().status, 500);
    }

    #[test]
    fn wait_blocks_until_completed() {
        let (parked, completion) = park(abandoned);
        let worker = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            completion.complete(Response::new(201));
        });
        assert_eq!(parked.wait().status, 201);
        worker.join().unwrap();
    }

    #[test]
    fn a_promise_with_a_limit_answers_late_and_drops_what_comes_after() {
        let wakeup = Arc::new(Wakeup::new().unwrap());
        let late = || Response::new(503);
        let (parked, completion) = park_within(abandoned, Some((Duration::from_secs(5), late)));
        assert_eq!(parked.limit(), Some(Duration::from_secs(5)));
        assert!(parked.attach(&wakeup, 7).is_none());
        assert_eq!(parked.expire().map(|r| r.status), Some(503));
        completion.complete(Response::new(200));
        assert!(wakeup.drain().is_empty(), "nobody is woken for it");
        assert!(parked.take().is_none(), "the late response is dropped");
        // Come just in time: the response itself.
        let (parked, completion) = park_within(abandoned, Some((Duration::from_secs(5), late)));
        completion.complete(Response::new(200));
        assert_eq!(parked.expire().map(|r| r.status), Some(200));
        // Without a limit there is nothing to answer late.
        let (parked, _completion) = park(abandoned);
        assert!(parked.expire().is_none());
    }
}
