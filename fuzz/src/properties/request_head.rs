//! The `request_head` target's property: `http::parse` frames requests as
//! documented, under either limit set, however the bytes are split.

use jwtd::http::parse::{parse, Parsed};
use jwtd::http::{Limits, Request, Version};

use super::{limit_sets, localhost};

/// The statuses `parse` refuses with (its module documentation).
const REFUSALS: [u16; 8] = [400, 411, 413, 414, 417, 431, 501, 505];

/// Request framing, under both limit sets. The buffer is parsed as a
/// connection would: request after request (pipelining) until it is
/// incomplete or refused, which must end since every complete request
/// consumes at least one byte. Every complete request must satisfy
/// [`check_complete`], and none of its proper prefixes may be anything but
/// incomplete: how the bytes are split into reads must not change the answer.
pub fn request_head(data: &[u8]) {
    for limits in limit_sets() {
        let mut rest = data;
        loop {
            match parse(rest, limits, localhost()) {
                Parsed::Complete {
                    request,
                    consumed,
                    keep_alive,
                } => {
                    check_complete(rest, limits, &request, consumed, keep_alive);
                    check_prefixes(rest, limits, consumed, consumed - request.body.len());
                    rest = &rest[consumed..];
                }
                Parsed::Partial { send_continue } => {
                    // 100 Continue only once the head is in and none of the body.
                    assert!(
                        !send_continue || rest.ends_with(b"\r\n\r\n"),
                        "send_continue with body bytes already buffered"
                    );
                    break;
                }
                Parsed::Rejected(rejection) => {
                    assert!(
                        REFUSALS.contains(&rejection.status) && !rejection.message.is_empty(),
                        "unexpected refusal {rejection:?}"
                    );
                    break;
                }
            }
        }
    }
}

/// Whether `part` lies inside `buf` (so it was borrowed from it, not made up).
fn within(buf: &[u8], part: &[u8]) -> bool {
    let (start, end) = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
    let (p, q) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
    part.is_empty() || (start <= p && q <= end)
}

/// The framing guarantees of a complete request, as `http::parse` documents
/// them.
fn check_complete(
    buf: &[u8],
    limits: &Limits,
    request: &Request<'_>,
    consumed: usize,
    keep_alive: bool,
) {
    let body: &[u8] = &request.body;
    assert!(
        consumed > 0 && consumed <= buf.len(),
        "consumed {consumed} of {}",
        buf.len()
    );
    // A Content-Length body is the last `body.len()` bytes of what was
    // consumed; a chunked one is decoded into its own buffer.
    assert!(
        matches!(request.body, std::borrow::Cow::Owned(_))
            || (within(buf, body)
                && body.as_ptr() as usize + body.len() == buf.as_ptr() as usize + consumed),
        "the body is not the end of the consumed bytes"
    );
    assert!(body.len() <= limits.max_body, "body over max_body");
    // Everything borrowed comes from the buffer (but the two paths `parse`
    // spells itself: `*` and the `/` of an absolute-form target without one).
    assert!(within(buf, request.method.as_bytes()));
    assert!(
        within(buf, request.path.as_bytes()) || request.path == "*" || request.path == "/",
        "path not from the buffer"
    );
    assert!(request.query.is_none_or(|q| within(buf, q.as_bytes())));
    for h in &request.headers {
        assert!(within(buf, h.name.as_bytes()) && within(buf, h.value));
        assert!(!h.name.is_empty(), "empty header name");
        assert!(
            !h.value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0),
            "CR, LF or NUL in a header value"
        );
    }
    assert!(!request.method.is_empty());
    assert!(
        request.path.starts_with('/') || (request.path == "*" && request.method == "OPTIONS"),
        "bad path {:?} for {}",
        request.path,
        request.method
    );
    assert!(!request.path.contains('?'), "query left in the path");
    assert!(request.headers.len() <= limits.max_headers);
    // The head: leading empty lines, then at most max_head bytes whose first
    // line is at most max_request_line.
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let head_end = match request.body {
        std::borrow::Cow::Borrowed(_) => consumed - body.len(),
        // Chunked: the head ends at the first empty line.
        std::borrow::Cow::Owned(_) => {
            start
                + buf[start..]
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(buf.len() - start, |i| i + 4)
        }
    };
    let head = &buf[start..head_end];
    assert!(head.len() <= limits.max_head, "head over max_head");
    assert!(
        head.ends_with(b"\r\n\r\n"),
        "head does not end with an empty line"
    );
    let line = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(head.len());
    assert!(
        line <= limits.max_request_line,
        "request line over max_request_line"
    );
    assert!(
        !head.contains(&0) && head.windows(2).all(|w| (w[0] == b'\r') == (w[1] == b'\n')),
        "NUL, bare CR or bare LF in an accepted head"
    );
    // Framing by one Content-Length of plain digits, or by chunked alone.
    let named = |name: &str| {
        request
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .collect::<Vec<_>>()
    };
    let codings = named("transfer-encoding");
    if !codings.is_empty() {
        assert!(
            codings.len() == 1
                && codings[0]
                    .value
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"chunked")
                && named("content-length").is_empty()
                && request.version == Version::Http11,
            "a Transfer-Encoding other than chunked alone was accepted"
        );
        assert!(body.len() <= limits.max_body, "chunked body over max_body");
        return;
    }
    match named("content-length").as_slice() {
        [] => assert!(body.is_empty(), "a body without Content-Length"),
        [length] => assert_eq!(
            std::str::from_utf8(length.value)
                .ok()
                .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<usize>().ok()),
            Some(body.len()),
            "Content-Length is not the body's length in plain digits"
        ),
        _ => panic!("several Content-Length fields accepted"),
    }
    if request.version == Version::Http11 {
        assert_eq!(named("host").len(), 1, "HTTP/1.1 without exactly one Host");
    }
    // Persistence: `close` always wins; HTTP/1.0 needs `keep-alive`.
    let tokens = named("connection")
        .iter()
        .flat_map(|h| h.value.split(|&b| b == b','))
        .map(|t| t.trim_ascii().to_ascii_lowercase())
        .collect::<Vec<_>>();
    let close = tokens.iter().any(|t| t == b"close");
    let keep = tokens.iter().any(|t| t == b"keep-alive");
    let want = match request.version {
        Version::Http11 => !close,
        Version::Http10 => keep && !close,
    };
    assert_eq!(
        keep_alive, want,
        "keep_alive wrong for Connection {tokens:?}"
    );
}

/// Cut a complete request short at a few places (around the end of the
/// request line, just before the head's end, just before the body's end,
/// and one place that depends on the input): each cut must be incomplete,
/// never refused, since a client may split its bytes anywhere.
fn check_prefixes(buf: &[u8], limits: &Limits, consumed: usize, body_start: usize) {
    // The request line, after any leading empty lines, without its CRLF.
    let mut start = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
    }
    let request_line = buf[start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(buf.len() - start);
    let line_end = start + request_line;
    let cuts = [
        line_end,
        line_end + 1,
        line_end + 2,
        body_start - 1,
        consumed - 1,
        consumed * 7 / 13,
    ];
    for cut in cuts {
        if cut >= consumed {
            continue;
        }
        let result = parse(&buf[..cut], limits, localhost());
        assert!(
            matches!(result, Parsed::Partial { .. }),
            "the first {cut} bytes of a complete {consumed}-byte request gave {result:?} \
             (max_request_line {}, max_head {})",
            limits.max_request_line,
            limits.max_head
        );
    }
}
