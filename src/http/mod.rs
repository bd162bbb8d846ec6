//! jwtd's own small HTTP/1.1 server: a fixed pool of worker threads over
//! `std::net` and epoll, with `httparse` for request heads. It is a
//! transport only: it knows requests, responses and bounds, nothing of the
//! application behind the [`Handler`] it serves, nor of the settings (the
//! caller hands it its [`Limits`]).
//!
//! ```text
//!  acceptor thread ── accept, cap connections, sweep deadlines, drain on stop
//!        │ registers each connection, one-shot, in
//!        ▼
//!  epoll ──► worker 1..N: read what is there ─► parse ─► handler ─► write
//!                 (never blocks on a socket; a slow client only waits in epoll)
//! ```
//!
//! Every input is bounded: request line, head, header count, body, time from
//! a request's first byte to its last, idle time between requests, time for
//! the client to take a response, requests per connection, and open
//! connections. Handlers see a [`Request`] and return a [`Response`]; they are
//! tested without a socket.

mod conn;
pub mod parked;
pub mod parse;
pub mod request;
pub mod response;
pub mod server;

pub use parked::{park, Completion, ParkedResponse};
pub use request::{Header, Request, TestRequest, Version};
pub use response::Response;
pub use server::{Server, StopHandle};

use std::time::Duration;

/// Answers requests: the application the server serves.
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`. A panic here is caught: the client gets
    /// [`Handler::refusal`] 500 and the worker carries on.
    fn handle(&self, request: &Request<'_>) -> Response;

    /// The response for a request the server answers itself: one it cannot
    /// frame (4xx, 5xx), a connection over the limit (503), a handler that
    /// panicked (500). `message` is a short English sentence saying why; the
    /// application gives it the shape of its other errors.
    fn refusal(&self, status: u16, message: &'static str) -> Response;
}

/// The bounds the server enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (414 beyond).
    pub max_request_line: usize,
    /// Longest head: request line plus header fields (431 beyond).
    pub max_head: usize,
    /// Most header fields (431 beyond); at most [`parse::HEADERS_CAP`].
    pub max_headers: usize,
    /// Largest body (413 beyond).
    pub max_body: usize,
    /// From a request's first byte to its last.
    pub request_timeout: Duration,
    /// Idle time allowed between requests on one connection.
    pub keepalive_timeout: Duration,
    /// Time the client has to take a response.
    pub write_timeout: Duration,
    /// Requests served on one connection before it is closed.
    pub max_requests: u32,
    /// Open connections; beyond it new ones get a 503.
    pub max_connections: usize,
    /// Time in-flight requests get to finish on stop.
    pub shutdown_timeout: Duration,
    /// One log line per request.
    pub access_log: bool,
}

/// Limits for the transport's own tests: jwtd's defaults.
#[cfg(test)]
pub(crate) fn test_limits() -> Limits {
    Limits {
        max_request_line: 8 * 1024,
        max_head: 16 * 1024,
        max_headers: 100,
        max_body: 16 * 1024,
        request_timeout: Duration::from_secs(10),
        keepalive_timeout: Duration::from_secs(15),
        write_timeout: Duration::from_secs(10),
        max_requests: 1000,
        max_connections: 1024,
        shutdown_timeout: Duration::from_secs(10),
        access_log: true,
    }
}
