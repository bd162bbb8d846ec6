//! The server: one acceptor thread and a fixed pool of workers sharing one
//! epoll instance.
//!
//! Connections live in a fixed table of slots, one mutex each. A
//! registration is one-shot and carries the slot index and a generation
//! number, so exactly one worker handles a connection at a time, and an
//! event that arrives for a connection already closed (the slot since
//! reused) is recognised by its generation and ignored.
//!
//! The acceptor also sweeps the table a few times a second and closes every
//! connection past its deadline: a slow or silent client costs a slot and a
//! descriptor until then, never a thread. And it turns away, with a 503, a
//! connection that finds every slot taken, or its address (IPv6: its /64)
//! holding its allowance already ([`PerAddress`]): one client cannot hold
//! every slot. Each refusal is logged with its reason, at most one line
//! every few seconds.
//!
//! Stopping: the acceptor closes the listener, idle connections are closed,
//! in-flight requests finish (their responses say `Connection: close`), and
//! when none is left, or the shutdown timeout has passed, the workers are
//! told to exit.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::conn::{Conn, Context, Next};
use super::handler::{Handler, Refused};
use super::limits::Limits;
use super::parked::Wakeup;
use super::per_address::{Origin, PerAddress};
use crate::sys::{Epoll, Event, Interest};
use crate::{log, time};

/// Token of the broadcast registration that tells workers to exit.
const EXIT: u64 = u64::MAX;
/// Token of the one-shot registration that says responses were completed.
const COMPLETED: u64 = u64::MAX - 1;
/// Tokens of the acceptor's own epoll.
const LISTENER: u64 = 1;
const WAKE: u64 = 2;
/// How often deadlines are checked.
const SWEEP_EVERY: Duration = Duration::from_millis(100);
/// At most one log line about refused connections this often.
const REPORT_REFUSALS_EVERY: Duration = Duration::from_secs(10);

struct Slot {
    generation: u32,
    conn: Option<Conn>,
    /// Where the connection came from; counted in `Shared::per_address`
    /// exactly while `conn` is `Some`.
    origin: Option<Origin>,
}

struct Shared {
    epoll: Epoll,
    slots: Vec<Mutex<Slot>>,
    free: Mutex<Vec<u32>>,
    active: AtomicUsize,
    /// Open connections per client address.
    per_address: PerAddress,
    draining: AtomicBool,
    handler: Arc<dyn Handler>,
    limits: Limits,
    /// Wakes workers for responses finished by other threads.
    wakeup: Arc<Wakeup>,
    /// Registered for every worker; made readable once, when they must exit.
    /// Lives as long as the workers, so the registration does too.
    exit_signal: UnixStream,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Panics are caught inside the locked regions, so a poisoned lock only
    // means a panic in code that left the data consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn token(index: u32, generation: u32) -> u64 {
    u64::from(generation) << 32 | u64::from(index)
}

impl Shared {
    /// Closes the connection in `slot` and frees the slot.
    fn close(&self, index: u32, slot: &mut Slot) {
        if let Some(conn) = slot.conn.take() {
            let _ = self.epoll.delete(conn.fd());
            drop(conn);
            slot.generation = slot.generation.wrapping_add(1);
            if let Some(origin) = slot.origin.take() {
                self.per_address.release(origin);
            }
            lock(&self.free).push(index);
            self.active.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Handles one readiness event in a worker.
    fn dispatch(&self, token: u64) {
        let index = token as u32;
        let generation = (token >> 32) as u32;
        let Some(cell) = self.slots.get(index as usize) else {
            return;
        };
        let mut slot = lock(cell);
        if slot.generation != generation {
            return;
        }
        let Some(conn) = slot.conn.as_mut() else {
            return;
        };
        let cx = Context {
            handler: &*self.handler,
            limits: &self.limits,
            draining: &self.draining,
        };
        // A bug in connection handling closes that connection, not the worker.
        let next =
            panic::catch_unwind(AssertUnwindSafe(|| conn.advance(&cx))).unwrap_or_else(|_| {
                log::error("connection handling panicked; connection closed");
                Next::Close
            });
        let next = match next {
            // The response comes from another thread: say whom to wake.
            Next::Wait => conn.attach(&self.wakeup, token, &cx),
            other => other,
        };
        self.follow(index, &mut slot, token, next);
    }

    /// Re-arms the connection in `slot` for what `next` says, or closes it.
    fn follow(&self, index: u32, slot: &mut Slot, token: u64, next: Next) {
        let Some(conn) = slot.conn.as_ref() else {
            return;
        };
        let fd = conn.fd();
        let rearmed = match next {
            Next::Read => self.epoll.rearm(fd, token, Interest::Read),
            Next::Write => self.epoll.rearm(fd, token, Interest::Write),
            // Unarmed until the sweeper or a completion resumes it.
            Next::Park | Next::Wait => Ok(()),
            Next::Close => Err(io::ErrorKind::Other.into()),
        };
        if rearmed.is_err() {
            self.close(index, slot);
        }
    }

    /// Sends the responses that other threads finished for waiting connections.
    fn deliver_completed(&self) {
        for token in self.wakeup.drain() {
            let index = token as u32;
            let generation = (token >> 32) as u32;
            let Some(cell) = self.slots.get(index as usize) else {
                continue;
            };
            let mut slot = lock(cell);
            if slot.generation != generation {
                continue;
            }
            let Some(conn) = slot.conn.as_mut() else {
                continue;
            };
            let cx = Context {
                handler: &*self.handler,
                limits: &self.limits,
                draining: &self.draining,
            };
            let next =
                panic::catch_unwind(AssertUnwindSafe(|| conn.woken(&cx))).unwrap_or(Next::Close);
            self.follow(index, &mut slot, token, next);
        }
    }

    /// Closes connections past their deadline (and, when stopping, idle
    /// ones, or all of them once `force`).
    fn sweep(&self, now: Instant, force: bool) {
        let draining = self.draining.load(Ordering::Acquire);
        for (index, cell) in self.slots.iter().enumerate() {
            // A slot a worker holds is busy with a request; it is not expired.
            let Ok(mut slot) = cell.try_lock() else {
                continue;
            };
            let generation = slot.generation;
            let Some(conn) = slot.conn.as_mut() else {
                continue;
            };
            if conn.is_parked() && conn.deadline() <= now && !force {
                // A delayed response is due: send it, then wait as usual.
                let fd = conn.fd();
                let token = token(index as u32, generation);
                let rearmed = match conn.resume(&self.limits) {
                    Next::Read => self.epoll.rearm(fd, token, Interest::Read),
                    Next::Write => self.epoll.rearm(fd, token, Interest::Write),
                    Next::Park | Next::Wait | Next::Close => Err(io::ErrorKind::Other.into()),
                };
                if rearmed.is_err() {
                    self.close(index as u32, &mut slot);
                }
                continue;
            }
            if conn.is_waiting() && conn.deadline() <= now && !force {
                let cx = Context {
                    handler: &*self.handler,
                    limits: &self.limits,
                    draining: &self.draining,
                };
                let token = token(index as u32, generation);
                let next = panic::catch_unwind(AssertUnwindSafe(|| conn.expire_waiting(&cx)))
                    .unwrap_or(Next::Close);
                self.follow(index as u32, &mut slot, token, next);
                continue;
            }
            if force || conn.deadline() <= now || (draining && conn.is_idle()) {
                self.close(index as u32, &mut slot);
            }
        }
    }

    /// Takes a new connection, or turns it away when its address holds its
    /// allowance already or every slot is taken.
    fn admit(&self, stream: TcpStream, peer: SocketAddr, refusals: &mut Refusals) {
        if stream.set_nonblocking(true).is_err() || stream.set_nodelay(true).is_err() {
            return;
        }
        let Some(index) = lock(&self.free).pop() else {
            self.turn_away(&stream, Refused::SlotsTaken);
            refusals.report(format!(
                "connection from {} refused (503): all {} connection slots are taken",
                peer.ip(),
                self.slots.len()
            ));
            return;
        };
        let origin = Origin::of(peer.ip());
        if !self.per_address.take(origin) {
            lock(&self.free).push(index);
            let from = match origin {
                Origin::V4(_) => "that address".to_owned(),
                Origin::V6(_) => origin.to_string(),
            };
            self.turn_away(&stream, Refused::AddressCap);
            refusals.report(format!(
                "connection from {} refused (503): {} connections already open from {from}, \
                 the most one address may hold",
                peer.ip(),
                self.per_address.cap()
            ));
            return;
        }
        let mut slot = lock(&self.slots[index as usize]);
        let conn = Conn::new(stream, peer.ip(), &self.limits);
        let fd = conn.fd();
        slot.conn = Some(conn);
        slot.origin = Some(origin);
        self.active.fetch_add(1, Ordering::AcqRel);
        if self
            .epoll
            .add(fd, token(index, slot.generation), Interest::Read)
            .is_err()
        {
            self.close(index, &mut slot);
        }
    }

    /// Answers 503 without reading the request, and closes. Best effort:
    /// the socket buffer of a fresh connection takes it.
    fn turn_away(&self, stream: &TcpStream, cause: Refused) {
        let mut busy = Vec::with_capacity(512);
        self.handler
            .refusal(
                503,
                "Service temporarily unavailable, try again later.",
                cause,
            )
            .with_header("Retry-After", "1")
            .write_to(
                &mut busy,
                false,
                Some("close"),
                &time::http_date(time::now_seconds()),
            );
        let _ = (&*stream).write(&busy);
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The acceptor's log of refused connections: a flood of them is one line
/// every [`REPORT_REFUSALS_EVERY`], with the count of those not reported.
#[derive(Default)]
struct Refusals {
    last: Option<Instant>,
    unreported: u64,
}

impl Refusals {
    fn report(&mut self, line: String) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < REPORT_REFUSALS_EVERY)
        {
            self.unreported += 1;
            return;
        }
        match std::mem::take(&mut self.unreported) {
            0 => log::warn(&line),
            more => log::warn(&format!(
                "{line} ({more} more refused since the last report)"
            )),
        }
        self.last = Some(now);
    }
}

/// Stops a running [`Server`] from any thread.
#[derive(Clone)]
pub struct StopHandle {
    wake: Arc<UnixStream>,
}

impl StopHandle {
    /// Begins a graceful stop; returns at once.
    pub fn stop(&self) {
        let _ = (&*self.wake).write(b"s");
    }
}

/// A running server.
pub struct Server {
    local_addr: SocketAddr,
    stop: StopHandle,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `workers` threads until stopped.
    pub fn start(
        listener: TcpListener,
        handler: Arc<dyn Handler>,
        limits: Limits,
        workers: usize,
    ) -> io::Result<Server> {
        let local_addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let max = limits.max_connections.clamp(1, u32::MAX as usize);
        let (exit_tx, exit_signal) = UnixStream::pair()?;
        let shared = Arc::new(Shared {
            epoll: Epoll::new()?,
            slots: (0..max)
                .map(|_| {
                    Mutex::new(Slot {
                        generation: 0,
                        conn: None,
                        origin: None,
                    })
                })
                .collect(),
            free: Mutex::new((0..max as u32).rev().collect()),
            active: AtomicUsize::new(0),
            per_address: PerAddress::new(limits.max_connections_per_address),
            draining: AtomicBool::new(false),
            handler,
            limits,
            wakeup: Arc::new(Wakeup::new()?),
            exit_signal,
        });
        shared
            .epoll
            .add_broadcast(shared.exit_signal.as_raw_fd(), EXIT)?;
        shared
            .epoll
            .add(shared.wakeup.listen.as_raw_fd(), COMPLETED, Interest::Read)?;
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_rx.set_nonblocking(true)?;
        let mut threads = Vec::with_capacity(workers + 1);
        for i in 0..workers.max(1) {
            let shared = shared.clone();
            threads.push(
                thread::Builder::new()
                    .name(format!("jwtd-worker-{i}"))
                    .stack_size(512 * 1024)
                    .spawn(move || work(&shared))?,
            );
        }
        let acceptor = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("jwtd-acceptor".into())
                .spawn(move || accept(&shared, listener, &wake_rx, &exit_tx))?
        };
        threads.push(acceptor);
        Ok(Server {
            local_addr,
            stop: StopHandle {
                wake: Arc::new(wake_tx),
            },
            threads,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that stops it.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Waits until it has stopped.
    pub fn join(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

fn work(shared: &Shared) {
    let mut events = [Event::EMPTY; 1];
    loop {
        // Look first without waiting; only a worker about to sleep writes
        // out its buffered access-log lines.
        let ready = match shared.epoll.wait(&mut events, 0) {
            Ok(0) => {
                log::flush();
                shared.epoll.wait(&mut events, -1)
            }
            other => other,
        };
        match ready {
            Ok(0) => continue,
            Ok(_) => {}
            Err(e) => {
                log::error(&format!("epoll wait failed: {e}"));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        }
        let token = events[0].token();
        if token == EXIT {
            log::flush();
            return;
        }
        if token == COMPLETED {
            let _ = shared
                .epoll
                .rearm(shared.wakeup.listen.as_raw_fd(), COMPLETED, Interest::Read);
            shared.deliver_completed();
            continue;
        }
        shared.dispatch(token);
    }
}

fn accept(shared: &Shared, listener: TcpListener, wake: &UnixStream, exit_tx: &UnixStream) {
    let poller = match Epoll::new()
        .and_then(|p| p.add_broadcast(listener.as_raw_fd(), LISTENER).map(|()| p))
        .and_then(|p| p.add_broadcast(wake.as_raw_fd(), WAKE).map(|()| p))
    {
        Ok(p) => p,
        Err(e) => {
            log::error(&format!("acceptor cannot start: {e}"));
            let _ = (&*exit_tx).write(b"x");
            return;
        }
    };
    let mut listener = Some(listener);
    let mut events = [Event::EMPTY; 4];
    let mut last_sweep = Instant::now();
    let mut last_accept_error: Option<Instant> = None;
    let mut refusals = Refusals::default();
    let mut drain_deadline: Option<Instant> = None;
    loop {
        let n = poller
            .wait(&mut events, SWEEP_EVERY.as_millis() as i32)
            .unwrap_or(0);
        for event in &events[..n] {
            match event.token() {
                LISTENER => {
                    if let Some(l) = &listener {
                        accept_ready(shared, l, &mut last_accept_error, &mut refusals);
                    }
                }
                WAKE => {
                    let mut buf = [0u8; 16];
                    let _ = (&*wake).read(&mut buf);
                    if let Some(l) = listener.take() {
                        let _ = poller.delete(l.as_raw_fd());
                        drop(l);
                        shared.draining.store(true, Ordering::Release);
                        drain_deadline = Some(Instant::now() + shared.limits.shutdown_timeout);
                        log::info("stopping: no new connections; finishing requests in flight");
                    }
                }
                _ => {}
            }
        }
        let now = Instant::now();
        if now.duration_since(last_sweep) >= SWEEP_EVERY || drain_deadline.is_some() {
            shared.sweep(now, false);
            last_sweep = now;
        }
        if let Some(deadline) = drain_deadline {
            let done = shared.active.load(Ordering::Acquire) == 0;
            if done || now >= deadline {
                if !done {
                    log::warn("shutdown timeout: closing the remaining connections");
                    shared.sweep(now, true);
                }
                // Stays readable: every worker sees it and exits.
                let _ = (&*exit_tx).write(b"x");
                return;
            }
        }
    }
}

fn accept_ready(
    shared: &Shared,
    listener: &TcpListener,
    last_error: &mut Option<Instant>,
    refusals: &mut Refusals,
) {
    loop {
        match listener.accept() {
            Ok((stream, peer)) => shared.admit(stream, peer, refusals),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                ) => {}
            Err(e) => {
                // EMFILE and the like: the pending connection stays queued;
                // retry shortly instead of spinning or giving up.
                let quiet = last_error.is_some_and(|t| t.elapsed() < Duration::from_secs(10));
                if !quiet {
                    log::error(&format!("accept failed: {e}; retrying"));
                    *last_error = Some(Instant::now());
                }
                thread::sleep(Duration::from_millis(50));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{test_limits, Request, Response};
    use std::io::Read;

    /// Panics on `/panic`, answers 200 otherwise.
    struct Fragile;

    /// `{"detail": <message>}`, as jwtd's application shapes a refusal.
    fn detail(status: u16, message: &str) -> Response {
        Response::new(status)
            .with_header("Content-Type", "application/json")
            .with_body(format!(r#"{{"detail":"{message}"}}"#).into_bytes())
    }

    impl Handler for Fragile {
        fn handle(&self, request: &Request<'_>) -> Response {
            if request.path == "/panic" {
                panic!("a bug in a handler");
            }
            detail(200, "fine")
        }

        fn refusal(&self, status: u16, message: &'static str, _: Refused) -> Response {
            detail(status, message)
        }
    }

    fn exchange(stream: &mut TcpStream, request: &str) -> String {
        stream.write_all(request.as_bytes()).unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    fn start(limits: Limits, workers: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Server::start(listener, Arc::new(Fragile), limits, workers).unwrap()
    }

    #[test]
    fn a_panicking_handler_gets_a_500_and_the_worker_survives() {
        let server = start(test_limits(), 1);
        let mut s = TcpStream::connect(server.local_addr()).unwrap();
        let answer = exchange(&mut s, "GET /panic HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(
            answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
            "{answer}"
        );
        assert!(
            answer.ends_with(r#"{"detail":"A server error occurred."}"#),
            "{answer}"
        );
        // Same connection, same (only) worker: still serving.
        let answer = exchange(&mut s, "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        server.stop_handle().stop();
        server.join();
    }

    #[test]
    fn a_connection_serves_at_most_max_requests() {
        let limits = Limits {
            max_requests: 2,
            ..test_limits()
        };
        let server = start(limits, 2);
        let mut s = TcpStream::connect(server.local_addr()).unwrap();
        let first = exchange(&mut s, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(!first.contains("Connection: close"), "{first}");
        let second = exchange(&mut s, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(second.contains("Connection: close\r\n"), "{second}");
        let mut rest = Vec::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(
            s.read_to_end(&mut rest).unwrap(),
            0,
            "closed after the second"
        );
        server.stop_handle().stop();
        server.join();
    }

    #[test]
    fn one_address_holds_at_most_its_allowance_of_connections() {
        let limits = Limits {
            max_connections: 8,
            max_connections_per_address: 2,
            ..test_limits()
        };
        let server = start(limits, 2);
        let mut held: Vec<TcpStream> = (0..2)
            .map(|_| TcpStream::connect(server.local_addr()).unwrap())
            .collect();
        let mut third = TcpStream::connect(server.local_addr()).unwrap();
        third
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut answer = String::new();
        third.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{answer}"
        );
        assert!(answer.contains("Retry-After: 1\r\n"), "{answer}");
        // The two held are served, and a closed one gives its place back.
        let ok = exchange(&mut held[0], "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        drop(held.pop());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            // Turned away, the connection may be closed before the write.
            let mut again = TcpStream::connect(server.local_addr()).unwrap();
            let _ = again.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = again.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200 OK\r\n") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the place never came back: {answer}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        server.stop_handle().stop();
        server.join();
    }

    #[test]
    fn stop_closes_idle_connections_and_ends_every_thread() {
        let server = start(test_limits(), 3);
        let mut idle = TcpStream::connect(server.local_addr()).unwrap();
        exchange(&mut idle, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        let started = Instant::now();
        server.stop_handle().stop();
        server.join();
        assert!(started.elapsed() < Duration::from_secs(5));
        let mut rest = Vec::new();
        idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(
            idle.read_to_end(&mut rest).unwrap(),
            0,
            "the idle connection was closed"
        );
    }
}
