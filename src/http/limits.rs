//! The bounds the server enforces on every connection and request. The
//! caller sets them (jwtd's composition root from its settings); the
//! transport has no defaults of its own.

use std::time::Duration;

/// The bounds the server enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (414 beyond).
    pub max_request_line: usize,
    /// Longest head: request line plus header fields (431 beyond).
    pub max_head: usize,
    /// Most header fields (431 beyond); parsing caps it at `HEADERS_CAP`.
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
    /// Open connections from one client address (IPv6: one /64); beyond it
    /// new ones from there get the same 503. At least 1.
    pub max_connections_per_address: usize,
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
        max_connections_per_address: 256,
        shutdown_timeout: Duration::from_secs(10),
        access_log: true,
    }
}
