//! One connection's state machine. Its event loop calls [`Conn::advance`]
//! when epoll reports a change on the socket; it reads until the socket is
//! drained, answers every complete request in the buffer, writes until the
//! output is out or the socket is full, and says what it waits for next.
//! The socket's registration is edge-triggered, so `advance` never stops
//! with input it could read or output it could write: the next edge comes
//! only with new input or new room. Deadlines are enforced by the loop's
//! sweep, which closes a connection whose deadline has passed.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::handler::{Handler, Refused};
use super::limits::Limits;
use super::parked::Wakeup;
use super::parse::{self, Parsed, Rejection};
use super::request::Version;
use super::response::{ParkedResponse, Response};
use crate::{log, time};

/// After a response that closes the connection, unread input is drained for
/// this long before the socket is closed, so the kernel does not reset the
/// connection and destroy the response in flight (RFC 9112 section 9.6).
const LINGER: Duration = Duration::from_secs(2);
/// At most this much input is discarded while lingering.
const LINGER_BYTES: usize = 256 * 1024;
/// Buffers above this capacity are released when the connection goes idle.
const KEEP_CAPACITY: usize = 4096;
/// Input is read this much at a time at least.
const READ_CHUNK: usize = 2048;

/// How a read of the socket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filled {
    /// Nothing more to read until the next edge.
    Drained,
    /// The client closed its side.
    Eof,
    /// The buffer is at its cap; the socket may hold more.
    Full,
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Between requests, nothing buffered.
    Idle,
    /// Part of a request has arrived.
    Reading,
    /// A response waits for the client to take it; then close or go on.
    Writing {
        /// Close once written.
        close: bool,
    },
    /// Response sent and write side shut; discarding input until EOF.
    Lingering,
    /// A response held back until the deadline (a tarpit for throttled
    /// clients); the sweeper resumes it. Then close or go on.
    Delayed {
        /// Close once written.
        close: bool,
    },
    /// The response is being made by another thread.
    Waiting,
}

/// A parked response, and what of its request it needs.
struct Waiting {
    parked: ParkedResponse,
    version: Version,
    keep_alive: bool,
    head_only: bool,
    method: String,
    path: String,
    started: Instant,
}

/// How long a connection waits for a response from another thread before
/// the sweeper gives up on it (work stuck behind a hung disk).
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// What to wait for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Readability.
    Read,
    /// Writability.
    Write,
    /// Nothing: close the connection.
    Close,
    /// Nothing until the sweeper resumes a delayed response.
    Park,
    /// Nothing until the response arrives from another thread: the server
    /// must [`Conn::attach`] the connection to it.
    Wait,
}

/// Per-call context from the server.
pub struct Context<'a> {
    /// The application.
    pub handler: &'a dyn Handler,
    /// The bounds.
    pub limits: &'a Limits,
    /// The server is stopping: finish the request at hand, then close.
    pub draining: &'a AtomicBool,
}

impl Context<'_> {
    fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }
}

/// A client connection.
pub struct Conn {
    stream: TcpStream,
    peer: IpAddr,
    input: Vec<u8>,
    output: Vec<u8>,
    written: usize,
    phase: Phase,
    deadline: Instant,
    served: u32,
    continue_sent: bool,
    lingered: usize,
    waiting: Option<Box<Waiting>>,
}

impl Conn {
    /// A new connection; its first request must start before `request_timeout`.
    pub fn new(stream: TcpStream, peer: IpAddr, limits: &Limits) -> Conn {
        Conn {
            stream,
            peer,
            input: Vec::new(),
            output: Vec::new(),
            written: 0,
            phase: Phase::Idle,
            deadline: Instant::now() + limits.request_timeout,
            served: 0,
            continue_sent: false,
            lingered: 0,
            waiting: None,
        }
    }

    /// The socket descriptor.
    pub fn fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    /// When the sweeper closes this connection.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Idle with nothing buffered: safe to close on stop.
    pub fn is_idle(&self) -> bool {
        self.phase == Phase::Idle && self.input.is_empty()
    }

    /// Holding a delayed response: its deadline is when to send it.
    pub fn is_parked(&self) -> bool {
        matches!(self.phase, Phase::Delayed { .. })
    }

    /// Sends a delayed response whose time has come.
    pub fn resume(&mut self, limits: &Limits) -> Next {
        match self.phase {
            Phase::Delayed { close } => {
                self.phase = Phase::Reading;
                self.write_out(close, limits)
            }
            _ => Next::Close,
        }
    }

    /// Handles readiness and says what to wait for next.
    pub fn advance(&mut self, cx: &Context<'_>) -> Next {
        match self.phase {
            Phase::Lingering => return self.linger(),
            Phase::Writing { close } => match self.flush() {
                Ok(true) if close => return self.start_lingering(),
                Ok(true) => self.phase = Phase::Reading,
                Ok(false) => return Next::Write,
                Err(_) => return Next::Close,
            },
            // Input that comes meanwhile is read when the connection
            // resumes (its loop reads the socket then).
            Phase::Delayed { .. } => return Next::Park,
            Phase::Waiting => return Next::Wait,
            Phase::Idle | Phase::Reading => {}
        }
        loop {
            let filled = match self.fill(cx.limits) {
                Ok(filled) => filled,
                Err(_) => return Next::Close,
            };
            let next = self.process(cx);
            match (filled, next) {
                (Filled::Eof, Next::Read) => return Next::Close,
                // The buffer was full: the socket has more.
                (Filled::Full, Next::Read) => continue,
                _ => return next,
            }
        }
    }

    /// Reads what the socket has, up to the buffer cap.
    fn fill(&mut self, limits: &Limits) -> io::Result<Filled> {
        let cap = input_cap(limits);
        if self.input.capacity() == 0 {
            self.input.reserve(READ_CHUNK);
        }
        while self.input.len() < cap {
            // Read straight into the buffer's spare room, grown a chunk at
            // a time.
            let len = self.input.len();
            let room = (cap - len).min(READ_CHUNK.max(self.input.capacity() - len));
            grow_zeroed(&mut self.input, room);
            let read = self.stream.read(&mut self.input[len..]);
            let n = *read.as_ref().unwrap_or(&0);
            self.input.truncate(len + n);
            match read {
                Ok(0) => return Ok(Filled::Eof),
                // A short read drained the socket: skip the read that would
                // only say so (EAGAIN). Anything arriving later raises a
                // new edge.
                Ok(n) if n < room => return Ok(Filled::Drained),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Filled::Drained),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Filled::Full)
    }

    /// Answers every complete request in the buffer.
    fn process(&mut self, cx: &Context<'_>) -> Next {
        loop {
            if self.input.is_empty() {
                self.become_idle(cx.limits);
                return if cx.draining() {
                    Next::Close
                } else {
                    Next::Read
                };
            }
            if self.phase == Phase::Idle {
                self.phase = Phase::Reading;
                self.deadline = Instant::now() + cx.limits.request_timeout;
            }
            let started = Instant::now();
            match parse::parse(&self.input, cx.limits, self.peer) {
                Parsed::Partial { send_continue } => {
                    if self.input.len() >= input_cap(cx.limits) {
                        return self.refuse(
                            Rejection {
                                status: 400,
                                message: "Malformed request.",
                            },
                            cx,
                            started,
                        );
                    }
                    if send_continue && !self.continue_sent {
                        // Fits any socket buffer of a fresh request.
                        let _ = self.stream.write(b"HTTP/1.1 100 Continue\r\n\r\n");
                        self.continue_sent = true;
                    }
                    return Next::Read;
                }
                Parsed::Rejected(rejection) => return self.refuse(rejection, cx, started),
                Parsed::Complete {
                    request,
                    consumed,
                    keep_alive,
                } => {
                    let response =
                        panic::catch_unwind(AssertUnwindSafe(|| cx.handler.handle(&request)))
                            .unwrap_or_else(|_| {
                                log::error(&format!(
                                    "handler panicked on {} {}",
                                    request.method,
                                    printable(request.path)
                                ));
                                cx.handler
                                    .refusal(500, "A server error occurred.", Refused::Panic)
                            });
                    self.served += 1;
                    if let Some(parked) = response.parked {
                        // The response comes from another thread: keep what
                        // it needs of the request, and wait without a worker.
                        self.waiting = Some(Box::new(Waiting {
                            parked,
                            version: request.version,
                            keep_alive,
                            head_only: request.is_head(),
                            method: request.method.to_owned(),
                            path: request.path.to_owned(),
                            started,
                        }));
                        self.input.drain(..consumed);
                        self.continue_sent = false;
                        self.phase = Phase::Waiting;
                        let limit = self
                            .waiting
                            .as_ref()
                            .and_then(|w| w.parked.limit())
                            .unwrap_or(WAIT_LIMIT);
                        self.deadline = Instant::now() + limit;
                        return Next::Wait;
                    }
                    let keep = queue_response(
                        &mut self.output,
                        &response,
                        (request.version, keep_alive, request.is_head()),
                        self.served,
                        cx,
                    );
                    if cx.limits.access_log && !response.quiet {
                        access_log(
                            self.peer,
                            request.method,
                            request.path,
                            response.status,
                            started,
                        );
                    }
                    self.input.drain(..consumed);
                    self.continue_sent = false;
                    match self.after_response(response.delay, keep, cx) {
                        Next::Read => continue,
                        other => return other,
                    }
                }
            };
        }
    }

    /// Sends the queued response, now or after `delay`; `Read` means the
    /// connection goes on with whatever is buffered.
    fn after_response(&mut self, delay: Option<Duration>, keep: bool, cx: &Context<'_>) -> Next {
        if let Some(delay) = delay {
            self.phase = Phase::Delayed { close: !keep };
            self.deadline = Instant::now() + delay;
            return Next::Park;
        }
        self.write_out(!keep, cx.limits)
    }

    /// The connection starts waiting for its response: registers whom to
    /// wake, or sends the response at once if it is already there.
    pub fn attach(&mut self, wakeup: &Arc<Wakeup>, token: u64, cx: &Context<'_>) -> Next {
        let ready = match &self.waiting {
            Some(waiting) => waiting.parked.attach(wakeup, token),
            None => return Next::Close,
        };
        match ready {
            Some(response) => self.finish_waiting(response, cx),
            None => Next::Wait,
        }
    }

    /// Waiting for a response from another thread.
    pub fn is_waiting(&self) -> bool {
        self.phase == Phase::Waiting
    }

    /// A waiting connection's limit has passed: it answers what its promise
    /// says to answer late, or closes if the promise says nothing.
    pub fn expire_waiting(&mut self, cx: &Context<'_>) -> Next {
        match self.waiting.as_ref().and_then(|w| w.parked.expire()) {
            Some(response) => self.finish_waiting(response, cx),
            None => Next::Close,
        }
    }

    /// The response a waiting connection was woken for.
    pub fn woken(&mut self, cx: &Context<'_>) -> Next {
        match self.waiting.as_ref().and_then(|w| w.parked.take()) {
            Some(response) => self.finish_waiting(response, cx),
            None if self.waiting.is_some() => Next::Wait,
            None => Next::Close,
        }
    }

    fn finish_waiting(&mut self, response: Response, cx: &Context<'_>) -> Next {
        let Some(waiting) = self.waiting.take() else {
            return Next::Close;
        };
        self.phase = Phase::Reading;
        let keep = queue_response(
            &mut self.output,
            &response,
            (waiting.version, waiting.keep_alive, waiting.head_only),
            self.served,
            cx,
        );
        if cx.limits.access_log && !response.quiet {
            access_log(
                self.peer,
                &waiting.method,
                &waiting.path,
                response.status,
                waiting.started,
            );
        }
        match self.after_response(response.delay, keep, cx) {
            // Requests pipelined behind it are answered now.
            Next::Read => self.process(cx),
            other => other,
        }
    }

    /// Answers a request that cannot be framed, and closes.
    fn refuse(&mut self, rejection: Rejection, cx: &Context<'_>, started: Instant) -> Next {
        let response = cx
            .handler
            .refusal(rejection.status, rejection.message, Refused::Framing);
        with_date(|date| response.write_to(&mut self.output, false, Some("close"), date));
        if cx.limits.access_log {
            access_log(self.peer, "-", "-", rejection.status, started);
        }
        self.input.clear();
        self.write_out(true, cx.limits)
    }

    /// Sends the queued output; `Read` means it is all out and the
    /// connection goes on.
    fn write_out(&mut self, close: bool, limits: &Limits) -> Next {
        match self.flush() {
            Ok(true) if close => self.start_lingering(),
            Ok(true) => Next::Read,
            Ok(false) => {
                self.phase = Phase::Writing { close };
                self.deadline = Instant::now() + limits.write_timeout;
                Next::Write
            }
            Err(_) => Next::Close,
        }
    }

    /// Writes as much output as the socket takes; `true` when all is out.
    fn flush(&mut self) -> io::Result<bool> {
        while self.written < self.output.len() {
            match self.stream.write(&self.output[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.output.clear();
        self.written = 0;
        Ok(true)
    }

    fn start_lingering(&mut self) -> Next {
        let _ = self.stream.shutdown(Shutdown::Write);
        self.phase = Phase::Lingering;
        self.deadline = Instant::now() + LINGER;
        self.input = Vec::new();
        self.output = Vec::new();
        self.linger()
    }

    /// Discards input until the client closes, or enough was discarded.
    fn linger(&mut self) -> Next {
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Next::Close,
                Ok(n) => {
                    self.lingered += n;
                    if self.lingered > LINGER_BYTES {
                        return Next::Close;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Close,
            }
        }
    }

    fn become_idle(&mut self, limits: &Limits) {
        if self.phase != Phase::Idle {
            self.phase = Phase::Idle;
            self.deadline = Instant::now() + limits.keepalive_timeout;
        }
        if self.input.capacity() > KEEP_CAPACITY {
            self.input = Vec::new();
        }
        if self.output.capacity() > KEEP_CAPACITY {
            self.output = Vec::new();
        }
    }
}

/// Serialises `response` into `output` for a request of `version` that
/// allowed keep-alive (or not) and asked for the head only (or not);
/// returns whether the connection stays open after it.
fn queue_response(
    output: &mut Vec<u8>,
    response: &Response,
    (version, keep_alive, head_only): (Version, bool, bool),
    served: u32,
    cx: &Context<'_>,
) -> bool {
    // Read after the handler: a stop may have begun meanwhile.
    let keep = keep_alive && !response.close && !cx.draining() && served < cx.limits.max_requests;
    let connection = match (version, keep) {
        (_, false) => Some("close"),
        (Version::Http10, true) => Some("keep-alive"),
        (Version::Http11, true) => None,
    };
    with_date(|date| response.write_to(output, head_only, connection, date));
    keep
}

/// The most input buffered for one request: a head and a body, with room
/// for the framing of a chunked body.
/// Appends `n` zero bytes to `buffer` a block (one `memcpy`) at a time: at
/// opt-level "z", `Vec::resize` writes them one by one, on every read.
fn grow_zeroed(buffer: &mut Vec<u8>, n: usize) {
    let block = [0u8; 256];
    let mut left = n;
    while left > 0 {
        let step = left.min(block.len());
        buffer.extend_from_slice(&block[..step]);
        left -= step;
    }
}

fn input_cap(limits: &Limits) -> usize {
    limits.max_head + 2 * limits.max_body + 1024
}

/// The path as it may appear in a log line: visible ASCII only.
fn printable(path: &str) -> String {
    let mut out = String::with_capacity(path.len().min(200));
    push_printable(&mut out, path);
    out
}

/// Appends the first 200 characters of `path`, each not visible ASCII as `?`.
fn push_printable(out: &mut String, path: &str) {
    out.extend(
        path.chars()
            .take(200)
            .map(|c| if c.is_ascii_graphic() { c } else { '?' }),
    );
}

fn access_log(peer: IpAddr, method: &str, path: &str, status: u16, started: Instant) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    log::buffered(|line| {
        let _ = write!(line, "{peer} {method} ");
        push_printable(line, path);
        let _ = write!(line, " {status} {ms:.2}ms");
    });
}

thread_local! {
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Calls `f` with the current HTTP date, formatted once per second per thread.
fn with_date<T>(f: impl FnOnce(&str) -> T) -> T {
    DATE.with(|cell| {
        let mut cached = cell.borrow_mut();
        let now = time::now_seconds();
        if cached.0 != now {
            *cached = (now, time::http_date(now));
        }
        f(&cached.1)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn grow_zeroed_appends_exactly_n_zeros() {
        for n in [0, 1, 255, 256, 257, 2051] {
            let mut buffer = b"GET".to_vec();
            super::grow_zeroed(&mut buffer, n);
            assert_eq!(buffer.len(), 3 + n);
            assert!(buffer[..3] == *b"GET" && buffer[3..].iter().all(|&b| b == 0));
        }
    }
}
