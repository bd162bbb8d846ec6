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
//! connections, in all and from one address. Handlers see a [`Request`] and return a [`Response`]; they are
//! tested without a socket.

mod chunked;
mod conn;
mod handler;
mod limits;
pub mod parked;
pub mod parse;
mod per_address;
pub mod request;
pub mod response;
pub mod server;

pub use handler::{Handler, Refused};
#[cfg(test)]
pub(crate) use limits::test_limits;
pub use limits::Limits;
pub use parked::{park, park_within, Completion, Parked};
pub use request::{Header, OwnedRequest, Request, Version};
pub use response::{ParkedResponse, Response};
pub use server::{Server, StopHandle};
