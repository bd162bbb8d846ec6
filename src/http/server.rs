//! The server: one acceptor thread, and one event loop per worker thread
//! (one per core by default), each owning the connections it serves.
//!
//! ```text
//!             listener
//!                │ accept, cap, choose the loop with the fewest connections
//!                ▼
//!            acceptor ──── 503 when every slot is taken or the address
//!          ╱    │    ╲     holds its allowance already
//!         ▼     ▼     ▼
//!      loop 1 loop 2 … loop N   (see `event_loop`: each its own epoll,
//!                                its connections, its deadlines)
//! ```
//!
//! A connection is handed over once, when it is accepted, to the loop with
//! the fewest connections; after that only that loop touches it. Accepting
//! in one thread keeps the loops balanced (a burst of connections is dealt
//! out, not taken by whichever loop woke first) and keeps the turning away
//! of connections, and its log, in one place. Every refusal is logged with
//! its reason, at most one line every few seconds.
//!
//! Stopping: the acceptor closes the listener and tells every loop to
//! drain: idle connections are closed, in-flight requests finish (their
//! responses say `Connection: close`), and when none is left, or the
//! shutdown timeout has passed, the loops are told to exit.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::event_loop::{Arrival, EventLoop, Mailbox, Shared, DRAIN, EXIT};
use super::handler::{Handler, Refused};
use super::limits::Limits;
use super::per_address::{Origin, PerAddress};
use crate::sys::{Epoll, Event};
use crate::{log, time};

/// Tokens of the acceptor's epoll.
const LISTENER: u64 = 1;
const WAKE: u64 = 2;
/// How often a stopping server checks whether its connections are done.
const DRAIN_CHECK_EVERY: Duration = Duration::from_millis(100);
/// At most one log line about refused connections this often.
const REPORT_REFUSALS_EVERY: Duration = Duration::from_secs(10);
/// Loop tables stay below this, so a connection's token never equals a
/// mailbox signal's.
const MAX_CONNECTIONS: usize = u32::MAX as usize - 3;

/// The acceptor's side: the loops' mailboxes, and the shared bounds.
struct Acceptor {
    shared: Arc<Shared>,
    loops: Vec<Arc<Mailbox>>,
    max_connections: usize,
}

impl Acceptor {
    /// Takes a new connection, or turns it away when every slot is taken or
    /// its address holds its allowance already.
    fn admit(&self, stream: TcpStream, peer: SocketAddr, refusals: &mut Refusals) {
        if stream.set_nonblocking(true).is_err() || stream.set_nodelay(true).is_err() {
            return;
        }
        let shared = &*self.shared;
        if shared.active.fetch_add(1, Ordering::AcqRel) >= self.max_connections {
            shared.active.fetch_sub(1, Ordering::AcqRel);
            self.turn_away(&stream, Refused::SlotsTaken);
            refusals.report(format!(
                "connection from {} refused (503): all {} connection slots are taken",
                peer.ip(),
                self.max_connections
            ));
            return;
        }
        let origin = Origin::of(peer.ip());
        if !shared.per_address.take(origin) {
            shared.active.fetch_sub(1, Ordering::AcqRel);
            let from = match origin {
                Origin::V4(_) => "that address".to_owned(),
                Origin::V6(_) => origin.to_string(),
            };
            self.turn_away(&stream, Refused::AddressCap);
            refusals.report(format!(
                "connection from {} refused (503): {} connections already open from {from}, \
                 the most one address may hold",
                peer.ip(),
                shared.per_address.cap()
            ));
            return;
        }
        let Some(mailbox) = self.loops.iter().min_by_key(|mailbox| mailbox.load()) else {
            return;
        };
        mailbox.deliver(Arrival {
            stream,
            peer: peer.ip(),
            origin,
        });
    }

    /// Answers 503 without reading the request, and closes. Best effort:
    /// the socket buffer of a fresh connection takes it.
    fn turn_away(&self, stream: &TcpStream, cause: Refused) {
        let mut busy = Vec::with_capacity(512);
        self.shared
            .handler
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

    /// Tells every loop `signal` ([`DRAIN`] or [`EXIT`]).
    fn tell_loops(&self, signal: u64) {
        for mailbox in &self.loops {
            mailbox.signal(signal);
        }
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
    /// Serves `listener` with `workers` event loops until stopped.
    pub fn start(
        listener: TcpListener,
        handler: Arc<dyn Handler>,
        limits: Limits,
        workers: usize,
    ) -> io::Result<Server> {
        let local_addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let max_connections = limits.max_connections.clamp(1, MAX_CONNECTIONS);
        let shared = Arc::new(Shared {
            per_address: PerAddress::new(limits.max_connections_per_address),
            handler,
            limits,
            draining: AtomicBool::new(false),
            active: AtomicUsize::new(0),
        });
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_rx.set_nonblocking(true)?;
        let workers = workers.max(1);
        let mut loops = Vec::with_capacity(workers);
        let mut threads = Vec::with_capacity(workers + 1);
        for i in 0..workers {
            let mailbox = Arc::new(Mailbox::new()?);
            let event_loop = EventLoop::new(shared.clone(), mailbox.clone())?;
            loops.push(mailbox);
            threads.push(
                thread::Builder::new()
                    .name(format!("jwtd-worker-{i}"))
                    .stack_size(512 * 1024)
                    .spawn(move || event_loop.run())?,
            );
        }
        let acceptor = Acceptor {
            shared,
            loops,
            max_connections,
        };
        threads.push(
            thread::Builder::new()
                .name("jwtd-acceptor".into())
                .spawn(move || accept(&acceptor, listener, &wake_rx))?,
        );
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

fn accept(acceptor: &Acceptor, listener: TcpListener, wake: &UnixStream) {
    let poller = match Epoll::new()
        .and_then(|p| p.watch(listener.as_raw_fd(), LISTENER).map(|()| p))
        .and_then(|p| p.watch(wake.as_raw_fd(), WAKE).map(|()| p))
    {
        Ok(p) => p,
        Err(e) => {
            log::error(&format!("acceptor cannot start: {e}"));
            acceptor.tell_loops(EXIT);
            return;
        }
    };
    let mut listener = Some(listener);
    let mut events = [Event::EMPTY; 4];
    let mut last_accept_error: Option<Instant> = None;
    let mut refusals = Refusals::default();
    let mut drain_deadline: Option<Instant> = None;
    loop {
        // Sleeps until a connection or the stop; while stopping, checks
        // every little while whether the loops are done.
        let timeout = match drain_deadline {
            Some(_) => DRAIN_CHECK_EVERY.as_millis() as i32,
            None => -1,
        };
        let n = poller.wait(&mut events, timeout).unwrap_or(0);
        for event in &events[..n] {
            match event.token() {
                LISTENER => {
                    if let Some(l) = &listener {
                        accept_ready(acceptor, l, &mut last_accept_error, &mut refusals);
                    }
                }
                WAKE => {
                    let mut buf = [0u8; 16];
                    let _ = (&*wake).read(&mut buf);
                    if let Some(l) = listener.take() {
                        let _ = poller.delete(l.as_raw_fd());
                        drop(l);
                        acceptor.shared.draining.store(true, Ordering::Release);
                        drain_deadline =
                            Some(Instant::now() + acceptor.shared.limits.shutdown_timeout);
                        log::info("stopping: no new connections; finishing requests in flight");
                        acceptor.tell_loops(DRAIN);
                    }
                }
                _ => {}
            }
        }
        if let Some(deadline) = drain_deadline {
            let done = acceptor.shared.active.load(Ordering::Acquire) == 0;
            let now = Instant::now();
            if done || now >= deadline {
                if !done {
                    log::warn("shutdown timeout: closing the remaining connections");
                }
                acceptor.tell_loops(EXIT);
                return;
            }
        }
    }
}

fn accept_ready(
    acceptor: &Acceptor,
    listener: &TcpListener,
    last_error: &mut Option<Instant>,
    refusals: &mut Refusals,
) {
    loop {
        match listener.accept() {
            Ok((stream, peer)) => acceptor.admit(stream, peer, refusals),
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
