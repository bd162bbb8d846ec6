//! jwtd's own small HTTP/1.1 server: one event loop per worker thread (one
//! per core by default) over `std::net` and epoll, with `httparse` for
//! request heads. It is a transport only: it knows requests, responses and
//! bounds, nothing of the application behind the [`Handler`] it serves, nor
//! of the settings (the caller hands it its [`Limits`]).
//!
//! ```text
//!  acceptor thread ── accept, cap connections, deal them out, drain on stop
//!        │ hands each connection, once, to the loop with the fewest
//!        ▼
//!  loop 1..N, each its own epoll: read what is there ─► parse ─► handler ─► write
//!        (a loop blocks only in epoll_wait; a slow client only costs a slot,
//!         slow work is parked on other threads and its answer comes back)
//! ```
//!
//! Every input is bounded: request line, head, header count, body, time from
//! a request's first byte to its last, idle time between requests, time for
//! the client to take a response, requests per connection, and open
//! connections, in all and from one address. Handlers see a [`Request`] and return a [`Response`]; they are
//! tested without a socket.
//!
//! [`client`] goes the other way: one bounded GET (what fetching a JWKS
//! document needs), on the same strict framing, with TLS behind the
//! `https` feature.

mod chunked;
pub mod client;
mod conn;
mod event_loop;
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
