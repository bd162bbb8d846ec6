//! The one thing the server asks of the application behind it.

use super::request::Request;
use super::response::Response;

/// Answers requests: the application the server serves.
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`. A panic here is caught: the client gets
    /// [`Handler::refusal`] 500 and the worker carries on.
    fn handle(&self, request: &Request<'_>) -> Response;

    /// The response for a request the server answers itself: one it cannot
    /// frame (4xx, 5xx), a connection over the limit (503), a handler that
    /// panicked (500). `message` is a short English sentence saying why; the
    /// application gives it the shape of its other errors. `cause` says
    /// which, for the application to count.
    fn refusal(&self, status: u16, message: &'static str, cause: Refused) -> Response;
}

/// Why the server answered itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The request cannot be framed; its status says how.
    Framing,
    /// Every connection slot is taken.
    SlotsTaken,
    /// The client's address (IPv6: its /64) holds its allowance of
    /// connections.
    AddressCap,
    /// The handler panicked.
    Panic,
}
