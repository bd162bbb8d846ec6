//! A response and its serialisation. Header values are fixed strings or
//! values the handler built and checked, and [`Response::with_header`]
//! drops any control byte besides: CR/LF injection has no path in. (jwtd's
//! one header carrying request bytes is the slash redirect's `Location`,
//! which the application writes as URI characters only.)

use std::borrow::Cow;
use std::io::Write as _;

use super::parked::Parked;

/// A response finished later by another thread (see [`super::parked`]).
pub type ParkedResponse = Parked<Response>;

/// No caching, since nearly every body is about credentials (RFC 6749
/// section 5.1 asks this of token responses): on every response that does
/// not set its own `Cache-Control` (the public key set does).
const NO_STORE: &str = "Cache-Control: no-store\r\n";

/// Headers on every response: jwtd's small set of security headers.
const FIXED_HEADERS: &str = "X-Content-Type-Options: nosniff\r\n\
    X-Frame-Options: DENY\r\n\
    Referrer-Policy: same-origin\r\n";

/// A response to write.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    headers: Vec<(&'static str, Cow<'static, str>)>,
    /// The body (not sent for HEAD, but counted in Content-Length).
    pub body: Vec<u8>,
    /// Close the connection after this response.
    pub close: bool,
    /// Leave this request out of the access log (health probes).
    pub quiet: bool,
    /// Hold the response back this long, without occupying a worker: a
    /// tarpit for clients that are throttled.
    pub delay: Option<std::time::Duration>,
    /// The real response comes later, from another thread; this one is only
    /// its envelope (see [`super::parked`]).
    pub parked: Option<ParkedResponse>,
}

impl Response {
    /// An empty response.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            close: false,
            quiet: false,
            delay: None,
            parked: None,
        }
    }

    /// A response that `parked` will deliver.
    pub fn parked(parked: ParkedResponse) -> Response {
        let mut envelope = Response::new(0);
        envelope.parked = Some(parked);
        envelope
    }

    /// The final response: waits for a parked one (callers without a
    /// socket: tests, tools).
    pub fn resolve(self) -> Response {
        match self.parked {
            Some(parked) => parked.wait(),
            None => self,
        }
    }

    /// Adds a header. The value must not contain control characters;
    /// any that slip through are dropped, never written.
    pub fn with_header(
        mut self,
        name: &'static str,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        let mut value = value.into();
        let has_control = value.bytes().any(|b| b.is_ascii_control());
        debug_assert!(!has_control, "control byte in {name}");
        if has_control {
            value.to_mut().retain(|c| !c.is_ascii_control());
        }
        self.headers.push((name, value));
        self
    }

    /// Adds `name` to `Vary`, as Django's `patch_vary_headers` does: to the
    /// `Vary` field there is, once (names compared without case), and not
    /// when it is `*`; or as a new field.
    pub fn with_vary(mut self, name: &'static str) -> Response {
        let vary = self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("Vary"));
        match vary {
            Some((_, value)) => {
                let present = value
                    .split(',')
                    .map(str::trim)
                    .any(|v| v == "*" || v.eq_ignore_ascii_case(name));
                if !present {
                    let value = value.to_mut();
                    value.push_str(", ");
                    value.push_str(name);
                }
            }
            None => self.headers.push(("Vary", name.into())),
        }
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    /// Leaves the request out of the access log.
    pub fn quietly(mut self) -> Response {
        self.quiet = true;
        self
    }

    /// Holds the response back for `delay`.
    pub fn delayed(mut self, delay: std::time::Duration) -> Response {
        self.delay = Some(delay);
        self
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The body as text (tests and logs).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }

    /// Writes the status line, headers and (unless `head_only`) the body.
    /// `connection` is the `Connection` header value to send, if any.
    pub fn write_to(
        &self,
        out: &mut Vec<u8>,
        head_only: bool,
        connection: Option<&str>,
        date: &str,
    ) {
        out.reserve(256 + self.body.len());
        // Writes to a Vec cannot fail.
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nDate: {date}\r\n",
            self.status,
            reason(self.status)
        );
        for (name, value) in &self.headers {
            for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
                out.extend_from_slice(part);
            }
        }
        let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        if let Some(connection) = connection {
            for part in [b"Connection: ", connection.as_bytes(), b"\r\n"] {
                out.extend_from_slice(part);
            }
        }
        if self.header("Cache-Control").is_none() {
            out.extend_from_slice(NO_STORE.as_bytes());
        }
        out.extend_from_slice(FIXED_HEADERS.as_bytes());
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
    }
}

/// The reason phrase for a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        501 => "Not Implemented",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_is_patched_as_django_does() {
        let vary = |r: Response| r.header("Vary").map(str::to_owned);
        assert_eq!(
            vary(Response::new(200).with_vary("Origin")).as_deref(),
            Some("Origin")
        );
        let accept = || Response::new(200).with_header("Vary", "Accept");
        assert_eq!(
            vary(accept().with_vary("Origin")).as_deref(),
            Some("Accept, Origin")
        );
        let twice = accept().with_vary("Origin").with_vary("origin");
        assert_eq!(vary(twice).as_deref(), Some("Accept, Origin"));
        let any = Response::new(200)
            .with_header("Vary", "*")
            .with_vary("Origin");
        assert_eq!(vary(any).as_deref(), Some("*"));
    }

    #[test]
    fn control_bytes_never_reach_a_header() {
        let r = std::panic::catch_unwind(|| {
            Response::new(200).with_header("Location", "/a\r\nSet-Cookie: x")
        });
        if let Ok(r) = r {
            // Release builds drop the bytes instead of asserting.
            assert_eq!(r.header("Location"), Some("/aSet-Cookie: x"));
        }
    }
}
