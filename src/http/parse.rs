//! Request framing (RFC 9112): where a request starts and ends, and which
//! requests are refused before any handler sees them. `httparse` reads the
//! request line and header fields; everything it leaves to the caller is
//! decided here, strictly:
//!
//! - line endings are CRLF; a bare CR or LF, or a NUL, is a 400;
//! - the request line is at most `max_request_line` (414), the head at most
//!   `max_head` and `max_headers` fields (431);
//! - HTTP/1.1 needs exactly one `Host`; versions other than 1.0 and 1.1 get 505;
//! - a body is framed by one `Content-Length` of plain digits only
//!   (duplicates, signs, spaces or lists are a 400), or by
//!   `Transfer-Encoding: chunked` alone, decoded here within the same bounds;
//!   both at once is a 400 (a smuggling attempt), any other transfer coding
//!   a 501, and a body over `max_body` a 413;
//! - `Expect: 100-continue` is honoured; any other expectation is a 417.
//!
//! Every refusal closes the connection, since what follows cannot be framed.

use std::borrow::Cow;
use std::net::IpAddr;

use super::chunked::{dechunk, Dechunked};
use super::limits::Limits;
use super::request::{Header, Request, Version};

/// The most header fields any configuration may allow.
pub const HEADERS_CAP: usize = 256;

/// A request that cannot be served: answered with `status` and closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// The status code.
    pub status: u16,
    /// Why, in a short English sentence (see [`super::Handler::refusal`]).
    pub message: &'static str,
}

pub(super) const fn reject(status: u16, message: &'static str) -> Rejection {
    Rejection { status, message }
}

/// The result of looking at a connection's buffered bytes.
#[derive(Debug)]
pub enum Parsed<'b> {
    /// Not a whole request yet. `send_continue`: the head is complete, the
    /// client sent `Expect: 100-continue` and is waiting to send the body.
    Partial {
        /// Send `100 Continue` now.
        send_continue: bool,
    },
    /// A whole request, `consumed` bytes long.
    Complete {
        /// The request.
        request: Request<'b>,
        /// Bytes of the buffer it took.
        consumed: usize,
        /// The client allows the connection to stay open.
        keep_alive: bool,
    },
    /// A request to refuse.
    Rejected(Rejection),
}

/// Looks for one request at the start of `buf`.
pub fn parse<'b>(buf: &'b [u8], limits: &Limits, peer: IpAddr) -> Parsed<'b> {
    // RFC 9112 section 2.2: empty lines before a request line are ignored.
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let buf_from = &buf[start..];
    let Some(head_len) = find(buf_from, b"\r\n\r\n").map(|i| i + 4) else {
        // The request line without its CRLF, as check_head measures it, so
        // a line of exactly the limit passes whether or not the rest of the
        // head has arrived.
        let line = match find(buf_from, b"\n") {
            Some(end) => end - usize::from(end > 0 && buf_from[end - 1] == b'\r'),
            None => buf_from.len() - usize::from(buf_from.ends_with(b"\r")),
        };
        if line > limits.max_request_line {
            return Parsed::Rejected(reject(414, "Request line too long."));
        }
        if buf_from.len() > limits.max_head {
            return Parsed::Rejected(reject(431, "Request header fields too large."));
        }
        // What has arrived is refused at once if no ending could make it a
        // request: a forbidden byte, or a request line (once its CRLF is
        // here) or header field that httparse already refuses.
        if has_forbidden_byte(buf_from) {
            return Parsed::Rejected(reject(400, "Malformed request."));
        }
        if find(buf_from, b"\r\n").is_some() {
            let mut storage = [httparse::EMPTY_HEADER; HEADERS_CAP];
            let mut partial =
                httparse::Request::new(&mut storage[..limits.max_headers.min(HEADERS_CAP)]);
            if let Err(error) = partial.parse(buf_from) {
                return Parsed::Rejected(refusal(error, buf_from));
            }
        }
        return Parsed::Partial {
            send_continue: false,
        };
    };
    let head = &buf_from[..head_len];
    match check_head(head, limits) {
        Ok(()) => {}
        Err(rejection) => return Parsed::Rejected(rejection),
    }
    let mut storage = [httparse::EMPTY_HEADER; HEADERS_CAP];
    let mut parsed = httparse::Request::new(&mut storage[..limits.max_headers.min(HEADERS_CAP)]);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(n)) if n == head_len => {}
        Ok(_) => return Parsed::Rejected(reject(400, "Malformed request.")),
        Err(error) => return Parsed::Rejected(refusal(error, head)),
    }
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Parsed::Rejected(reject(400, "Malformed request."));
    };
    let version = if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    let headers: Vec<Header<'b>> = parsed
        .headers
        .iter()
        .map(|h| Header {
            name: h.name,
            value: h.value,
        })
        .collect();
    let framing = match frame(&headers, version, limits) {
        Ok(framing) => framing,
        Err(rejection) => return Parsed::Rejected(rejection),
    };
    let Some((path, query)) = split_target(method, target) else {
        return Parsed::Rejected(reject(400, "Malformed request target."));
    };
    let body_start = start + head_len;
    let waiting = framing.expect_continue && version == Version::Http11 && buf.len() == body_start;
    let (body, consumed) = match framing.body {
        Body::Length(length) => {
            let needed = body_start + length;
            if buf.len() < needed {
                return Parsed::Partial {
                    send_continue: waiting,
                };
            }
            (Cow::Borrowed(&buf[body_start..needed]), needed)
        }
        Body::Chunked => match dechunk(buf, body_start, limits) {
            Dechunked::Partial => {
                return Parsed::Partial {
                    send_continue: waiting,
                }
            }
            Dechunked::Rejected(rejection) => return Parsed::Rejected(rejection),
            Dechunked::Complete { body, end } => (Cow::Owned(body), end),
        },
    };
    Parsed::Complete {
        request: Request {
            method,
            path,
            query,
            version,
            headers,
            body,
            peer,
        },
        consumed,
        keep_alive: framing.keep_alive,
    }
}

/// Byte-level checks of the whole head, before any parsing.
fn check_head(head: &[u8], limits: &Limits) -> Result<(), Rejection> {
    let line = find(head, b"\r\n").unwrap_or(head.len());
    if line > limits.max_request_line {
        return Err(reject(414, "Request line too long."));
    }
    if head.len() > limits.max_head {
        return Err(reject(431, "Request header fields too large."));
    }
    if has_forbidden_byte(head) {
        return Err(reject(400, "Malformed request."));
    }
    Ok(())
}

/// A NUL, a bare LF, or a CR not followed by LF. A CR at the very end is
/// not (yet) bare: a head still arriving may end there. The client checks
/// response heads with it too.
pub(super) fn has_forbidden_byte(head: &[u8]) -> bool {
    let forbidden_at = |i: usize| match head[i] {
        0 => true,
        b'\n' => i == 0 || head[i - 1] != b'\r',
        b'\r' => head.get(i + 1).is_some_and(|next| *next != b'\n'),
        _ => false,
    };
    // Eight bytes at a time: only a word holding a byte below 0x0e (NUL,
    // CR and LF are) is looked at byte by byte. `w - 0x0e..` sets a byte's
    // high bit where the byte is below 0x0e or borrows; `& !w` keeps bytes
    // whose own high bit is clear, so a word with none below 0x0e gives 0.
    const LOW: u64 = 0x0e0e_0e0e_0e0e_0e0e;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = head.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        if w.wrapping_sub(LOW) & !w & HIGH != 0 && (at..at + 8).any(forbidden_at) {
            return true;
        }
        at += 8;
    }
    (at..head.len()).any(forbidden_at)
}

/// The refusal for what httparse rejects in `head`, whole or not yet.
fn refusal(error: httparse::Error, head: &[u8]) -> Rejection {
    match error {
        httparse::Error::TooManyHeaders => reject(431, "Too many header fields."),
        httparse::Error::Version if version_looks_like_http(head) => {
            reject(505, "HTTP version not supported.")
        }
        _ => reject(400, "Malformed request."),
    }
}

/// Whether the request line ends in `HTTP/<something>`, so that a bad
/// version is "not supported" (505) rather than garbage (400).
fn version_looks_like_http(head: &[u8]) -> bool {
    let line = &head[..find(head, b"\r\n").unwrap_or(head.len())];
    let last = line.rsplit(|b| *b == b' ').next().unwrap_or_default();
    last.starts_with(b"HTTP/") && last.len() > 5
}

/// How the body is delimited.
enum Body {
    /// `Content-Length` bytes (0 without the header).
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

struct Framing {
    body: Body,
    keep_alive: bool,
    expect_continue: bool,
}

fn frame(headers: &[Header<'_>], version: Version, limits: &Limits) -> Result<Framing, Rejection> {
    let named = |name: &'static str| {
        headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
    };
    if version == Version::Http11 && named("host").count() != 1 {
        return Err(reject(400, "Exactly one Host header is required."));
    }
    let mut lengths = named("content-length");
    let length = lengths.next();
    if lengths.next().is_some() {
        return Err(reject(400, "Conflicting Content-Length."));
    }
    let mut codings = named("transfer-encoding");
    let chunked = match (codings.next(), codings.next()) {
        (None, _) => false,
        (Some(_), _) if length.is_some() => {
            return Err(reject(400, "Transfer-Encoding with Content-Length."))
        }
        // RFC 9112 section 6.1: faulty framing in an HTTP/1.0 request.
        (Some(_), _) if version == Version::Http10 => {
            return Err(reject(400, "Transfer-Encoding in an HTTP/1.0 request."))
        }
        (Some(coding), None) if coding.value.trim_ascii().eq_ignore_ascii_case(b"chunked") => true,
        _ => {
            return Err(reject(
                501,
                "Only the chunked transfer coding is supported.",
            ))
        }
    };
    let content_length = match length {
        _ if chunked => 0,
        None => 0,
        Some(h) => {
            let digits = h.value;
            if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(reject(400, "Invalid Content-Length."));
            }
            let n = digits
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            match usize::try_from(n) {
                Ok(n) if n <= limits.max_body => n,
                _ => return Err(reject(413, "Request body too large.")),
            }
        }
    };
    let mut close = false;
    let mut keep_alive_token = false;
    for h in named("connection") {
        for token in h.value.split(|b| *b == b',') {
            let token = token.trim_ascii();
            close |= token.eq_ignore_ascii_case(b"close");
            keep_alive_token |= token.eq_ignore_ascii_case(b"keep-alive");
        }
    }
    let keep_alive = match version {
        Version::Http11 => !close,
        Version::Http10 => keep_alive_token && !close,
    };
    let mut expect_continue = false;
    for h in named("expect") {
        // RFC 9110 section 10.1.1: HTTP/1.0 clients' expectations are ignored.
        if version == Version::Http10 {
            continue;
        }
        if h.value.trim_ascii().eq_ignore_ascii_case(b"100-continue") {
            expect_continue = true;
        } else {
            return Err(reject(417, "Expectation failed."));
        }
    }
    Ok(Framing {
        body: if chunked {
            Body::Chunked
        } else {
            Body::Length(content_length)
        },
        keep_alive,
        expect_continue,
    })
}

/// Splits the request target into path and query. Origin form (`/p?q`) and
/// absolute form (`http://host/p?q`, RFC 9112 section 3.2.2) are accepted;
/// `*` only for OPTIONS.
fn split_target<'b>(method: &str, target: &'b str) -> Option<(&'b str, Option<&'b str>)> {
    let origin = if target.starts_with('/') {
        target
    } else if target == "*" {
        return (method == "OPTIONS").then_some(("*", None));
    } else {
        let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
        let rest = if lower.starts_with("http://") {
            &target[7..]
        } else if lower.starts_with("https://") {
            &target[8..]
        } else {
            return None;
        };
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => match rest.find('?') {
                Some(_) => return None,
                None => "/",
            },
        }
    };
    Some(match origin.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (origin, None),
    })
}

/// Where `needle` (not empty) first starts in `haystack`. Every request's
/// head is searched, so the whole needle is compared only where its first
/// byte occurs, not at every byte (each comparison a call to `memcmp`).
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + i;
        // Past the end here, past the end at any later start too.
        if haystack.get(at + 1..at + needle.len())? == rest {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests;
