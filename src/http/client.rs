//! A small HTTP/1.1 GET client, bounded in size and time: what fetching a
//! JWKS document needs, and no more. Like the server beside it, it knows
//! nothing of JWTs or settings; the caller hands it a [`Url`] and its
//! [`ClientLimits`].
//!
//! ```text
//!  get(url, limits)          one deadline = now + limits.timeout, for all of it
//!   ├─ resolve the host      ToSocketAddrs: blocks on DNS, no timeout of its own
//!   ├─ connect               each address in turn, connect_timeout(time left)
//!   ├─ [TLS handshake]       feature `https`: rustls, the system's roots
//!   ├─ write the request     GET, Host, Accept, User-Agent, Connection: close
//!   └─ read the response     head (16 KiB, 64 fields) ─► body by its framing
//! ```
//!
//! Time: every read and write on the socket first sets its timeout to what
//! is left of the one deadline ([`Deadlined`]), so a server that answers one
//! byte a second is cut off at the deadline, not a second per byte after
//! it. The one step the deadline cannot cut short is name resolution: the
//! system resolver takes no timeout. The caller runs fetches on a thread of
//! their own for that reason; the deadline is checked as soon as it returns.
//!
//! Size: the head is at most 16 KiB, and the body at most `max_body` bytes
//! however it is framed: a `Content-Length` over it is refused before a
//! byte of the body is read; a chunked body (decoded strictly, in
//! `chunked.rs`) or one read until the server closes is refused at the first
//! byte past it. Nothing more than that is ever held.
//!
//! Framing is read as strictly as the server reads requests (`parse.rs`):
//! CRLF line ends only, one `Content-Length` of digits, or
//! `Transfer-Encoding: chunked` alone; both at once, two lengths, or any
//! other transfer coding is a malformed response, never a guess.
//!
//! Redirects are not followed: a 3xx comes back as its status, like any
//! status, and the caller decides (a JWKS fetch takes only a 200).

mod chunked;
mod response;
#[cfg(test)]
mod tests;
#[cfg(feature = "https")]
mod tls;
mod url;

use std::fmt;
use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

pub use url::{Scheme, Url};

/// The bounds of one fetch. The caller sets them; there are no defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLimits {
    /// The whole exchange: resolving, connecting, the TLS handshake,
    /// sending the request and reading all of the response.
    pub timeout: Duration,
    /// The largest body taken, decoded (chunked framing does not count).
    pub max_body: usize,
}

/// A response, read whole within the limits. Any status comes back here;
/// only a response that could not be read is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The status code (100 to 999; interim 1xx responses are skipped).
    pub status: u16,
    /// The body, at most `max_body` bytes.
    pub body: Vec<u8>,
    /// The first `Content-Type` field's value, if it is UTF-8.
    pub content_type: Option<String>,
    /// `Cache-Control: max-age=N` in seconds, if the response has exactly
    /// one such value (other directives are the caller's to read; this
    /// client keeps no cache).
    pub max_age: Option<u64>,
}

/// Why a fetch failed. Its message says what happened and never repeats
/// the URL, whose query may hold a secret.
#[derive(Debug)]
pub enum ClientError {
    /// The URL cannot be fetched: why.
    BadUrl(&'static str),
    /// An `https` URL, in a binary built without the `https` feature.
    HttpsNotBuilt,
    /// The host name did not resolve.
    Resolve(io::Error),
    /// No address of the host took the connection (the last address's error).
    Connect(io::Error),
    /// The deadline passed.
    TimedOut,
    /// The body is over `max_body`.
    TooLarge {
        /// The limit it is over.
        max_body: usize,
    },
    /// The response is not HTTP/1.x as RFC 9112 frames it: why.
    Malformed(&'static str),
    /// The TLS handshake or record layer failed (rustls's reason).
    Tls(String),
    /// The connection failed once established (reset, for one).
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::BadUrl(why) => write!(f, "bad URL: {why}"),
            ClientError::HttpsNotBuilt => f.write_str(
                "https:// URLs are not supported by this build of jwtd (rebuild with --features https)",
            ),
            ClientError::Resolve(error) => write!(f, "could not resolve the host: {error}"),
            ClientError::Connect(error) => write!(f, "could not connect: {error}"),
            ClientError::TimedOut => f.write_str("timed out"),
            ClientError::TooLarge { max_body } => {
                write!(f, "the response body is over the limit of {max_body} bytes")
            }
            ClientError::Malformed(why) => write!(f, "malformed response: {why}"),
            ClientError::Tls(why) => write!(f, "TLS failed: {why}"),
            ClientError::Io(error) => write!(f, "the connection failed: {error}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// Fetches `url` with a GET, within `limits`. Blocks the calling thread
/// for up to `limits.timeout` (more only while the host name resolves).
pub fn get(url: &Url, limits: &ClientLimits) -> Result<Fetched, ClientError> {
    let now = Instant::now();
    // A timeout too long for the clock to add is no bound anyway: a year.
    let deadline = now
        .checked_add(limits.timeout)
        .unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
    match url.scheme() {
        Scheme::Http => exchange(connect(url, deadline)?, url, limits),
        Scheme::Https => get_https(url, limits, deadline),
    }
}

#[cfg(feature = "https")]
fn get_https(url: &Url, limits: &ClientLimits, deadline: Instant) -> Result<Fetched, ClientError> {
    tls::get(url, limits, deadline, None)
}

#[cfg(not(feature = "https"))]
fn get_https(_: &Url, _: &ClientLimits, _: Instant) -> Result<Fetched, ClientError> {
    Err(ClientError::HttpsNotBuilt)
}

/// Sends the request on an open stream (plain or TLS) and reads the
/// response.
fn exchange<S: Read + Write>(
    mut stream: S,
    url: &Url,
    limits: &ClientLimits,
) -> Result<Fetched, ClientError> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: jwtd/{}\r\nConnection: close\r\n\r\n",
        url.path_and_query(),
        url.host_header(),
        env!("CARGO_PKG_VERSION"),
    );
    stream.write_all(request.as_bytes()).map_err(io_error)?;
    stream.flush().map_err(io_error)?;
    let mut reader = BufReader::with_capacity(8 * 1024, stream);
    response::read(&mut reader, limits.max_body)
}

/// Resolves the host and connects to its addresses in turn, each with
/// what is left of the deadline.
fn connect(url: &Url, deadline: Instant) -> Result<Deadlined, ClientError> {
    // getaddrinfo: blocks for as long as the resolver takes, deadline or
    // not (see the module's docs). An IP address literal does not block.
    let addresses: Vec<SocketAddr> = (url.host(), url.port())
        .to_socket_addrs()
        .map_err(ClientError::Resolve)?
        .collect();
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for address in addresses {
        let Some(left) = time_left(deadline) else {
            return Err(ClientError::TimedOut);
        };
        match TcpStream::connect_timeout(&address, left) {
            Ok(stream) => {
                // The request goes in one write; don't hold it back.
                stream.set_nodelay(true).map_err(ClientError::Io)?;
                return Ok(Deadlined { stream, deadline });
            }
            Err(error) => last_error = error,
        }
    }
    if time_left(deadline).is_none() || last_error.kind() == io::ErrorKind::TimedOut {
        return Err(ClientError::TimedOut);
    }
    Err(ClientError::Connect(last_error))
}

/// What is left before `deadline`, or `None` once it has passed.
fn time_left(deadline: Instant) -> Option<Duration> {
    Some(deadline.saturating_duration_since(Instant::now())).filter(|left| !left.is_zero())
}

/// A connected socket whose every read and write is bounded by what is
/// left of one deadline. Invariant: no call on `stream` blocks past
/// `deadline` (a timeout is set before each; once it has passed, the call
/// fails with `TimedOut` without touching the socket).
struct Deadlined {
    stream: TcpStream,
    deadline: Instant,
}

impl Deadlined {
    fn left(&self) -> io::Result<Duration> {
        time_left(self.deadline).ok_or_else(|| io::Error::from(io::ErrorKind::TimedOut))
    }
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf).map_err(timeout_is_timed_out)
    }
}

impl Write for Deadlined {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(buf).map_err(timeout_is_timed_out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// A socket timeout shows as `WouldBlock` on Unix (EAGAIN); call it what it is.
fn timeout_is_timed_out(error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::WouldBlock {
        io::Error::from(io::ErrorKind::TimedOut)
    } else {
        error
    }
}

/// The error for a failed read or write on an open connection.
fn io_error(error: io::Error) -> ClientError {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => return ClientError::TimedOut,
        _ => {}
    }
    #[cfg(feature = "https")]
    if let Some(tls) = tls::error_inside(&error) {
        return tls;
    }
    if error.kind() == io::ErrorKind::UnexpectedEof {
        // rustls: the server closed without close_notify, so the end of
        // the data cannot be told from a cut.
        return ClientError::Malformed("the connection ended without a TLS close_notify");
    }
    ClientError::Io(error)
}
