//! jwtd's own small HTTP/1.1 server: a fixed pool of worker threads over
//! `std::net` and epoll, with `httparse` for request heads.
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

pub mod body;
mod chunked;
mod conn;
pub mod handlers;
pub mod later;
pub mod parse;
pub mod request;
pub mod response;
pub mod router;
pub mod server;

pub use later::{later, Completion, Later};
pub use request::{Header, Request, TestRequest, Version};
pub use response::Response;
pub use server::{Server, StopHandle};

use std::time::Duration;

use crate::config::Settings;

/// Handles one request. Implemented by the application's router.
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`. A panic here is caught: the client gets a
    /// 500 and the worker carries on.
    fn handle(&self, request: &Request<'_>) -> Response;
}

/// The bounds the server enforces, from [`Settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (414 beyond).
    pub max_request_line: usize,
    /// Longest head: request line plus header fields (431 beyond).
    pub max_head: usize,
    /// Most header fields (431 beyond).
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

impl Limits {
    /// The limits `settings` configure.
    pub fn from_settings(settings: &Settings) -> Limits {
        Limits {
            max_request_line: settings.max_request_line_bytes,
            max_head: settings.max_header_bytes,
            max_headers: settings.max_headers.min(parse::HEADERS_CAP),
            max_body: settings.max_body_bytes,
            request_timeout: settings.request_timeout,
            keepalive_timeout: settings.keepalive_timeout,
            write_timeout: settings.write_timeout,
            max_requests: settings.max_requests_per_connection,
            max_connections: settings.max_connections,
            shutdown_timeout: settings.shutdown_timeout,
            access_log: settings.access_log,
        }
    }
}
