//! One event loop: a thread, its own epoll instance, and the connections it
//! owns. Nothing else touches those connections, so there is no lock per
//! connection and no hand-over between threads: from its first byte to its
//! close, a connection is served by one loop.
//!
//! ```text
//!   acceptor ──(arrival)──► mailbox ──┐
//!   store / login threads ─(token)──► │ one pipe, level-triggered
//!                                      ▼
//!   epoll (edge-triggered sockets) ──► loop: advance each ready connection
//!                                      │   read ─► parse ─► handler ─► write
//!                                      └─► sweep deadlines when one is due
//! ```
//!
//! A socket is registered once, edge-triggered, for reading and writing,
//! and never re-armed: an event says "something changed", and
//! [`Conn::advance`] reads until the socket is drained and writes until its
//! output is out or the socket is full. An event that comes while the
//! connection waits for another thread (or holds a delayed response) is
//! remembered by the connection, which reads again when it resumes.
//!
//! A loop blocks only in `epoll_wait`. Work that can take long (a password
//! hash, a durable commit, a database query) is parked by the handler: the
//! connection waits, holding no thread, until the other thread puts its
//! token in this loop's mailbox.

use std::io;
use std::net::{IpAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::conn::{Conn, Context, Next};
use super::handler::Handler;
use super::limits::Limits;
use super::parked::Wakeup;
use super::per_address::{Origin, PerAddress};
use crate::log;
use crate::sys::{Epoll, Event};

/// Mailbox tokens that are not connections. A connection's token is its
/// generation (high 32 bits) and index (low 32 bits); indices stay below
/// `u32::MAX - 2`, so these never collide with one.
const ARRIVALS: u64 = u64::MAX - 2;
/// Stop taking work: close idle connections, finish the others.
pub(super) const DRAIN: u64 = u64::MAX - 1;
/// Close every connection and end the loop.
pub(super) const EXIT: u64 = u64::MAX;
/// The epoll token of the mailbox's pipe.
const MAILBOX: u64 = u64::MAX;
/// Deadlines are checked at most this often.
const SWEEP_EVERY: Duration = Duration::from_millis(100);
/// Events taken from epoll per wait.
const EVENTS: usize = 64;

/// What the acceptor and the event loops share.
pub(super) struct Shared {
    pub(super) handler: Arc<dyn Handler>,
    pub(super) limits: Limits,
    /// The server is stopping.
    pub(super) draining: AtomicBool,
    /// Open connections, in every loop.
    pub(super) active: AtomicUsize,
    /// Open connections per client address.
    pub(super) per_address: PerAddress,
}

impl Shared {
    fn context(&self) -> Context<'_> {
        Context {
            handler: &*self.handler,
            limits: &self.limits,
            draining: &self.draining,
        }
    }
}

/// A connection the acceptor admitted, on its way to a loop.
pub(super) struct Arrival {
    pub(super) stream: TcpStream,
    pub(super) peer: IpAddr,
    pub(super) origin: Origin,
}

/// How other threads reach a loop: new connections, finished responses,
/// and the stop signals.
pub(super) struct Mailbox {
    wakeup: Arc<Wakeup>,
    arrivals: Mutex<Vec<Arrival>>,
    /// Connections the loop owns, and those on their way to it: the
    /// acceptor gives a new connection to the loop with the fewest.
    load: AtomicUsize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Mailbox {
    pub(super) fn new() -> io::Result<Mailbox> {
        Ok(Mailbox {
            wakeup: Arc::new(Wakeup::new()?),
            arrivals: Mutex::new(Vec::new()),
            load: AtomicUsize::new(0),
        })
    }

    /// Connections the loop owns or is about to.
    pub(super) fn load(&self) -> usize {
        self.load.load(Ordering::Acquire)
    }

    /// Hands a new connection to the loop.
    pub(super) fn deliver(&self, arrival: Arrival) {
        self.load.fetch_add(1, Ordering::AcqRel);
        lock(&self.arrivals).push(arrival);
        self.wakeup.notify(ARRIVALS);
    }

    /// Sends the loop [`DRAIN`] or [`EXIT`].
    pub(super) fn signal(&self, token: u64) {
        self.wakeup.notify(token);
    }
}

/// One connection's place in a loop's table.
struct Entry {
    /// Bumped at every close, so a late token for a closed connection is
    /// recognised and ignored when the place has been reused.
    generation: u32,
    conn: Option<Conn>,
    origin: Option<Origin>,
}

fn token(index: u32, generation: u32) -> u64 {
    u64::from(generation) << 32 | u64::from(index)
}

/// An event loop and the connections it owns.
pub(super) struct EventLoop {
    shared: Arc<Shared>,
    mailbox: Arc<Mailbox>,
    epoll: Epoll,
    entries: Vec<Entry>,
    free: Vec<u32>,
    /// No deadline of an open connection is earlier than this.
    next_due: Option<Instant>,
    last_sweep: Instant,
    /// Reused buffers for the mailbox's contents.
    tokens: Vec<u64>,
    arrivals: Vec<Arrival>,
}

/// Whether the loop goes on after its mailbox is read.
#[derive(PartialEq, Eq)]
enum Go {
    On,
    Exit,
}

impl EventLoop {
    pub(super) fn new(shared: Arc<Shared>, mailbox: Arc<Mailbox>) -> io::Result<EventLoop> {
        let epoll = Epoll::new()?;
        epoll.watch(mailbox.wakeup.listen.as_raw_fd(), MAILBOX)?;
        Ok(EventLoop {
            shared,
            mailbox,
            epoll,
            entries: Vec::new(),
            free: Vec::new(),
            next_due: None,
            last_sweep: Instant::now(),
            tokens: Vec::new(),
            arrivals: Vec::new(),
        })
    }

    /// Serves until told to exit.
    pub(super) fn run(mut self) {
        let mut events = [Event::EMPTY; EVENTS];
        loop {
            // Look first without waiting; only a loop about to sleep writes
            // out its buffered access-log lines.
            let ready = match self.epoll.wait(&mut events, 0) {
                Ok(0) => {
                    log::flush();
                    self.epoll.wait(&mut events, self.timeout_ms())
                }
                other => other,
            };
            let n = match ready {
                Ok(n) => n,
                Err(e) => {
                    log::error(&format!("epoll wait failed: {e}"));
                    std::thread::sleep(Duration::from_millis(50));
                    0
                }
            };
            for event in &events[..n] {
                match event.token() {
                    MAILBOX => {
                        if self.read_mailbox() == Go::Exit {
                            log::flush();
                            return;
                        }
                    }
                    token => self.ready(token),
                }
            }
            let now = Instant::now();
            if self.next_due.is_some_and(|due| due <= now)
                && now.duration_since(self.last_sweep) >= SWEEP_EVERY
            {
                self.sweep(now);
            }
        }
    }

    /// Milliseconds until the next sweep is due; -1 (forever) without
    /// connections.
    fn timeout_ms(&self) -> i32 {
        let Some(due) = self.next_due else {
            return -1;
        };
        let due = due.max(self.last_sweep + SWEEP_EVERY);
        let wait = due.saturating_duration_since(Instant::now());
        // Rounded up, so the loop never wakes just before its deadline.
        i32::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
    }

    fn read_mailbox(&mut self) -> Go {
        let mut tokens = std::mem::take(&mut self.tokens);
        self.mailbox.wakeup.drain_into(&mut tokens);
        let mut go = Go::On;
        for &token in &tokens {
            match token {
                ARRIVALS => self.adopt(),
                DRAIN => self.sweep(Instant::now()),
                EXIT => go = Go::Exit,
                token => self.woken(token),
            }
        }
        tokens.clear();
        self.tokens = tokens;
        if go == Go::Exit {
            self.close_all();
        }
        go
    }

    /// Takes the connections the acceptor delivered.
    fn adopt(&mut self) {
        std::mem::swap(&mut *lock(&self.mailbox.arrivals), &mut self.arrivals);
        let mut arrivals = std::mem::take(&mut self.arrivals);
        for arrival in arrivals.drain(..) {
            let index = match self.free.pop() {
                Some(index) => index,
                None => {
                    self.entries.push(Entry {
                        generation: 0,
                        conn: None,
                        origin: None,
                    });
                    (self.entries.len() - 1) as u32
                }
            };
            let conn = Conn::new(arrival.stream, arrival.peer, &self.shared.limits);
            let deadline = conn.deadline();
            let fd = conn.fd();
            let entry = &mut self.entries[index as usize];
            entry.conn = Some(conn);
            entry.origin = Some(arrival.origin);
            let token = token(index, entry.generation);
            // A socket already readable is reported at once.
            if self.epoll.add_edge(fd, token).is_err() {
                self.close(index);
                continue;
            }
            self.expect(deadline);
        }
        self.arrivals = arrivals;
    }

    /// The connection with `token` is ready for I/O.
    fn ready(&mut self, token: u64) {
        let shared = self.shared.clone();
        let Some(conn) = self.conn(token) else {
            return;
        };
        let cx = shared.context();
        // A bug in connection handling closes that connection, not the loop.
        let next =
            panic::catch_unwind(AssertUnwindSafe(|| conn.advance(&cx))).unwrap_or_else(|_| {
                log::error("connection handling panicked; connection closed");
                Next::Close
            });
        self.follow(token, next, true);
    }

    /// Another thread finished the response the connection with `token`
    /// waits for.
    fn woken(&mut self, token: u64) {
        let shared = self.shared.clone();
        let Some(conn) = self.conn(token) else {
            return;
        };
        let cx = shared.context();
        let next = panic::catch_unwind(AssertUnwindSafe(|| conn.woken(&cx))).unwrap_or(Next::Close);
        self.follow(token, next, false);
    }

    /// The open connection with `token`, unless it has closed since.
    fn conn(&mut self, token: u64) -> Option<&mut Conn> {
        let entry = self.entries.get_mut(token as u32 as usize)?;
        if entry.generation != (token >> 32) as u32 {
            return None;
        }
        entry.conn.as_mut()
    }

    /// Acts on what the connection said it waits for. `fresh`: `next` comes
    /// from reading the socket, so its next edge says when there is more;
    /// otherwise (a connection resumed after waiting, when an edge may have
    /// come and gone) the socket is read once more first.
    fn follow(&mut self, token: u64, mut next: Next, mut fresh: bool) {
        let shared = self.shared.clone();
        let wakeup = self.mailbox.wakeup.clone();
        let cx = shared.context();
        loop {
            let Some(conn) = self.conn(token) else {
                return;
            };
            next = match next {
                Next::Read | Next::Write if !fresh => {
                    fresh = true;
                    panic::catch_unwind(AssertUnwindSafe(|| conn.advance(&cx)))
                        .unwrap_or(Next::Close)
                }
                // The socket's next edge comes to this loop; nothing to arm.
                Next::Read | Next::Write | Next::Park => {
                    let deadline = conn.deadline();
                    self.expect(deadline);
                    return;
                }
                // The response comes from another thread: say whom to wake.
                // Already there, it is sent now, and the loop goes on.
                Next::Wait => {
                    match panic::catch_unwind(AssertUnwindSafe(|| conn.attach(&wakeup, token, &cx)))
                    {
                        Ok(Next::Wait) => {
                            let deadline = conn.deadline();
                            self.expect(deadline);
                            return;
                        }
                        Ok(next) => next,
                        Err(_) => Next::Close,
                    }
                }
                Next::Close => {
                    self.close(token as u32);
                    return;
                }
            };
        }
    }

    /// Some connection's deadline is `deadline`: sweep no later.
    fn expect(&mut self, deadline: Instant) {
        if self.next_due.is_none_or(|due| deadline < due) {
            self.next_due = Some(deadline);
        }
    }

    /// Sends delayed responses whose time has come, answers or closes
    /// connections that waited too long for one, closes connections past
    /// their deadline and, when stopping, idle ones.
    fn sweep(&mut self, now: Instant) {
        self.last_sweep = now;
        self.next_due = None;
        let shared = self.shared.clone();
        let cx = shared.context();
        let draining = shared.draining.load(Ordering::Acquire);
        for index in 0..self.entries.len() {
            let entry = &mut self.entries[index];
            let token = token(index as u32, entry.generation);
            let Some(conn) = entry.conn.as_mut() else {
                continue;
            };
            let due = conn.deadline() <= now;
            let next = if due && conn.is_parked() {
                conn.resume(&shared.limits)
            } else if due && conn.is_waiting() {
                panic::catch_unwind(AssertUnwindSafe(|| conn.expire_waiting(&cx)))
                    .unwrap_or(Next::Close)
            } else if due || (draining && conn.is_idle()) {
                Next::Close
            } else {
                let deadline = conn.deadline();
                self.expect(deadline);
                continue;
            };
            self.follow(token, next, false);
        }
    }

    /// Closes the connection at `index` and gives its place back.
    fn close(&mut self, index: u32) {
        let Some(entry) = self.entries.get_mut(index as usize) else {
            return;
        };
        // Closing the socket removes its registration.
        if entry.conn.take().is_some() {
            entry.generation = entry.generation.wrapping_add(1);
            if let Some(origin) = entry.origin.take() {
                self.shared.per_address.release(origin);
            }
            self.free.push(index);
            self.shared.active.fetch_sub(1, Ordering::AcqRel);
            self.mailbox.load.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Closes every connection, and those still on their way.
    fn close_all(&mut self) {
        self.adopt();
        for index in 0..self.entries.len() {
            self.close(index as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::http::server::Server;
    use crate::http::{park, test_limits, Handler, Refused, Request, Response};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    /// `/park`: answered by another thread 50 ms later; `/delay`: held
    /// back 150 ms; `/who`: the name of the thread that served it; other
    /// paths: the path.
    struct Slow;

    impl Handler for Slow {
        fn handle(&self, request: &Request<'_>) -> Response {
            match request.path {
                "/park" => {
                    let (parked, completion) = park(|| Response::new(500));
                    thread::spawn(move || {
                        thread::sleep(Duration::from_millis(50));
                        completion.complete(Response::new(200).with_body(b"parked".to_vec()));
                    });
                    Response::parked(parked)
                }
                "/delay" => Response::new(200)
                    .with_body(b"delayed".to_vec())
                    .delayed(Duration::from_millis(150)),
                "/who" => {
                    let name = thread::current().name().unwrap_or("?").to_owned();
                    Response::new(200).with_body(name.into_bytes())
                }
                path => Response::new(200).with_body(path.as_bytes().to_vec()),
            }
        }

        fn refusal(&self, status: u16, _: &'static str, _: Refused) -> Response {
            Response::new(status)
        }
    }

    fn start(workers: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Server::start(listener, Arc::new(Slow), test_limits(), workers).unwrap()
    }

    fn get(path: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n")
    }

    /// Reads until `count` responses have come, and returns their bodies.
    fn bodies(stream: &mut TcpStream, count: usize) -> Vec<String> {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut text = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let found = parse_bodies(&text);
            if found.len() >= count {
                return found;
            }
            assert!(Instant::now() < deadline, "only {} answers", found.len());
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "closed after {} answers", found.len());
            text.extend_from_slice(&buf[..n]);
        }
    }

    fn parse_bodies(mut text: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        while let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&text[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let body_start = end + 4;
            if text.len() < body_start + length {
                break;
            }
            found.push(String::from_utf8_lossy(&text[body_start..body_start + length]).into());
            text = &text[body_start + length..];
        }
        found
    }

    #[test]
    fn input_that_comes_while_a_response_is_made_elsewhere_is_answered_after_it() {
        let server = start(1);
        for slow in ["/park", "/delay"] {
            let mut s = TcpStream::connect(server.local_addr()).unwrap();
            s.write_all(get(slow).as_bytes()).unwrap();
            // Arrives while the first waits: its edge comes and goes.
            thread::sleep(Duration::from_millis(20));
            s.write_all(get("/second").as_bytes()).unwrap();
            let expected = if slow == "/park" { "parked" } else { "delayed" };
            assert_eq!(bodies(&mut s, 2), [expected, "/second"]);
            // Pipelined in one write, too.
            s.write_all(format!("{}{}", get(slow), get("/third")).as_bytes())
                .unwrap();
            assert_eq!(bodies(&mut s, 2), [expected, "/third"]);
        }
        server.stop_handle().stop();
        server.join();
    }

    #[test]
    fn pipelined_requests_beyond_the_input_buffer_are_all_answered() {
        let server = start(1);
        let mut s = TcpStream::connect(server.local_addr()).unwrap();
        let request = get(&format!("/{}", "p".repeat(150)));
        let count = 2 * 49 * 1024 / request.len();
        let all = request.repeat(count);
        let mut writer = s.try_clone().unwrap();
        let sender = thread::spawn(move || writer.write_all(all.as_bytes()).unwrap());
        let answers = bodies(&mut s, count);
        sender.join().unwrap();
        assert_eq!(answers.len(), count);
        assert!(answers.iter().all(|a| a.len() == 151));
        server.stop_handle().stop();
        server.join();
    }

    #[test]
    fn connections_are_dealt_out_to_the_loop_with_the_fewest() {
        let server = start(2);
        let mut held = Vec::new();
        let mut served_by = Vec::new();
        for _ in 0..4 {
            let mut s = TcpStream::connect(server.local_addr()).unwrap();
            s.write_all(get("/who").as_bytes()).unwrap();
            served_by.extend(bodies(&mut s, 1));
            held.push(s);
        }
        served_by.sort();
        assert_eq!(
            served_by,
            [
                "jwtd-worker-0",
                "jwtd-worker-0",
                "jwtd-worker-1",
                "jwtd-worker-1"
            ]
        );
        server.stop_handle().stop();
        server.join();
    }
}
