//! Reading a response (RFC 9112): its head with `httparse`, then its body by
//! the framing the head declares. The rules, in the order they are applied:
//!
//! - the head ends at the first empty line, within [`MAX_HEAD`] bytes and
//!   [`MAX_HEADERS`] fields; a NUL, a bare CR or a bare LF in it is refused;
//! - interim responses (1xx but 101) are skipped, [`MAX_INTERIM`] at most;
//!   a 101 is refused (nothing asked to switch protocols);
//! - 204 and 304 have no body, whatever the head says;
//! - `Transfer-Encoding` must be exactly `chunked`, in one field, and
//!   without `Content-Length` (both at once is how responses are smuggled);
//! - `Content-Length` must be one field of plain digits; over `max_body`,
//!   it is refused before the body is read, and a body cut short is refused;
//! - with neither, the body runs to the end of the connection.

use std::io::{BufRead, Read};

use super::super::parse::{find, has_forbidden_byte};
use super::{chunked, io_error, ClientError, Fetched};

/// The longest response head (status line and fields, final CRLFs included).
pub(super) const MAX_HEAD: usize = 16 * 1024;
/// The most header fields in one head.
pub(super) const MAX_HEADERS: usize = 64;
/// The most interim (1xx) responses skipped before the final one.
const MAX_INTERIM: usize = 8;

/// Reads one whole response from `reader`.
pub(super) fn read<R: BufRead>(reader: &mut R, max_body: usize) -> Result<Fetched, ClientError> {
    for _ in 0..=MAX_INTERIM {
        let raw = read_head(reader)?;
        let head = Head::parse(&raw)?;
        match head.status {
            101 => return Err(ClientError::Malformed("101 Switching Protocols, unasked")),
            100..=199 => continue,
            _ => {}
        }
        let body = match head.framing()? {
            Framing::None => Vec::new(),
            Framing::Length(length) if length > max_body => {
                return Err(ClientError::TooLarge { max_body })
            }
            Framing::Length(length) => read_exactly(reader, length)?,
            Framing::Chunked => chunked::read(reader, max_body)?,
            Framing::ToClose => read_to_close(reader, max_body)?,
        };
        return Ok(Fetched {
            status: head.status,
            body,
            content_type: head.content_type(),
            max_age: head.max_age(),
        });
    }
    Err(ClientError::Malformed("too many interim (1xx) responses"))
}

/// The bytes of one head, up to and including its empty line. Reads no
/// byte past it, and at most [`MAX_HEAD`] + 1 bytes in all.
fn read_head<R: BufRead>(reader: &mut R) -> Result<Vec<u8>, ClientError> {
    let mut head = Vec::new();
    loop {
        let buf = reader.fill_buf().map_err(io_error)?;
        if buf.is_empty() {
            return Err(ClientError::Malformed(if head.is_empty() {
                "the server closed the connection without a response"
            } else {
                "the response head was cut short"
            }));
        }
        // The empty line may straddle what was read before and this read.
        let searched_from = head.len().saturating_sub(3);
        let take = buf.len().min(MAX_HEAD + 1 - head.len());
        let before = head.len();
        head.extend_from_slice(&buf[..take]);
        if let Some(at) = find(&head[searched_from..], b"\r\n\r\n") {
            let end = searched_from + at + 4;
            reader.consume(end - before);
            head.truncate(end);
            break;
        }
        reader.consume(take);
        if head.len() > MAX_HEAD {
            break;
        }
    }
    if head.len() > MAX_HEAD {
        return Err(ClientError::Malformed("the response head is over 16 KiB"));
    }
    if has_forbidden_byte(&head) {
        return Err(ClientError::Malformed(
            "a NUL, bare CR or bare LF in the response head",
        ));
    }
    Ok(head)
}

/// A parsed head: the status and the fields, as bytes.
struct Head<'h> {
    status: u16,
    fields: Vec<(&'h str, &'h [u8])>,
}

/// How the body is delimited.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
    ToClose,
}

impl<'h> Head<'h> {
    fn parse(raw: &'h [u8]) -> Result<Head<'h>, ClientError> {
        let mut storage = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut storage);
        match response.parse(raw) {
            Ok(httparse::Status::Complete(n)) if n == raw.len() => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ClientError::Malformed("more than 64 header fields"))
            }
            _ => return Err(ClientError::Malformed("the response head is not HTTP/1.x")),
        }
        let status = match response.code {
            Some(code) if code >= 100 => code,
            _ => return Err(ClientError::Malformed("the status code is not 100 to 999")),
        };
        let fields = response.headers.iter().map(|h| (h.name, h.value)).collect();
        Ok(Head { status, fields })
    }

    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'h [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    fn framing(&self) -> Result<Framing, ClientError> {
        if matches!(self.status, 204 | 304) {
            return Ok(Framing::None);
        }
        let mut lengths = self.named("content-length");
        let length = lengths.next();
        if lengths.next().is_some() {
            return Err(ClientError::Malformed("more than one Content-Length"));
        }
        let mut codings = self.named("transfer-encoding");
        match (codings.next(), codings.next()) {
            (None, _) => {}
            (Some(_), _) if length.is_some() => {
                return Err(ClientError::Malformed(
                    "both Transfer-Encoding and Content-Length",
                ))
            }
            (Some(coding), None) if coding.trim_ascii().eq_ignore_ascii_case(b"chunked") => {
                return Ok(Framing::Chunked)
            }
            _ => {
                return Err(ClientError::Malformed(
                    "a transfer coding other than chunked",
                ))
            }
        }
        let Some(digits) = length else {
            return Ok(Framing::ToClose);
        };
        if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(ClientError::Malformed("an invalid Content-Length"));
        }
        let n = digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        // Too large for memory is too large for any max_body.
        Ok(Framing::Length(usize::try_from(n).unwrap_or(usize::MAX)))
    }

    fn content_type(&self) -> Option<String> {
        let value = self.named("content-type").next()?;
        String::from_utf8(value.to_vec()).ok()
    }

    /// The one `max-age` value across every `Cache-Control` field; `None`
    /// if there is none, or more than one, or it is not digits (RFC 9111
    /// section 5.2: a delta-seconds, quotes tolerated).
    fn max_age(&self) -> Option<u64> {
        let mut found = None;
        for value in self.named("cache-control") {
            let value = std::str::from_utf8(value).ok()?;
            for directive in value.split(',') {
                let Some((name, seconds)) = directive.split_once('=') else {
                    continue;
                };
                if !name.trim().eq_ignore_ascii_case("max-age") {
                    continue;
                }
                if found.is_some() {
                    return None;
                }
                let seconds = seconds.trim();
                let seconds = seconds
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .unwrap_or(seconds);
                if seconds.is_empty() || !seconds.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                // RFC 9111 section 1.2.2: too large a number means "very long".
                found = Some(seconds.parse::<u64>().unwrap_or(u64::MAX));
            }
        }
        found
    }
}

/// Exactly `length` bytes (already checked against `max_body`).
fn read_exactly<R: Read>(reader: &mut R, length: usize) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::with_capacity(length);
    reader
        .take(length as u64)
        .read_to_end(&mut body)
        .map_err(io_error)?;
    if body.len() < length {
        return Err(ClientError::Malformed(
            "the body is shorter than its Content-Length",
        ));
    }
    Ok(body)
}

/// Everything until the server closes, refused at the first byte past
/// `max_body`.
fn read_to_close<R: Read>(reader: &mut R, max_body: usize) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    reader
        .take((max_body as u64).saturating_add(1))
        .read_to_end(&mut body)
        .map_err(io_error)?;
    if body.len() > max_body {
        return Err(ClientError::TooLarge { max_body });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Head<'_> {
        Head::parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn max_age_is_the_one_delta_seconds() {
        for (fields, max_age) in [
            ("Cache-Control: max-age=300\r\n", Some(300)),
            (
                "Cache-Control: public, MAX-AGE = 60 , must-revalidate\r\n",
                Some(60),
            ),
            ("Cache-Control: max-age=\"10\"\r\n", Some(10)),
            (
                "Cache-Control: no-store\r\nCache-Control: max-age=5\r\n",
                Some(5),
            ),
            (
                "Cache-Control: max-age=99999999999999999999999\r\n",
                Some(u64::MAX),
            ),
            ("Cache-Control: max-age=5, max-age=6\r\n", None),
            ("Cache-Control: max-age=-1\r\n", None),
            ("Cache-Control: max-age=\r\n", None),
            ("Cache-Control: s-maxage=5\r\n", None),
            ("", None),
        ] {
            let raw = format!("HTTP/1.1 200 OK\r\n{fields}\r\n");
            assert_eq!(head(&raw).max_age(), max_age, "{fields:?}");
        }
    }

    #[test]
    fn framing_follows_rfc_9112_section_6_3() {
        for (fields, status, framing) in [
            ("Content-Length: 5\r\n", 200, Framing::Length(5)),
            ("Content-Length: 0\r\n", 200, Framing::Length(0)),
            ("Transfer-Encoding: chunked\r\n", 200, Framing::Chunked),
            ("Transfer-Encoding:  CHUNKED \r\n", 200, Framing::Chunked),
            ("", 200, Framing::ToClose),
            ("Content-Length: 5\r\n", 204, Framing::None),
            ("Transfer-Encoding: chunked\r\n", 304, Framing::None),
            (
                "Content-Length: 9999999999999999999\r\n",
                200,
                Framing::Length(
                    usize::try_from(9_999_999_999_999_999_999_u64).unwrap_or(usize::MAX),
                ),
            ),
        ] {
            let raw = format!("HTTP/1.1 {status} X\r\n{fields}\r\n");
            assert_eq!(head(&raw).framing().unwrap(), framing, "{fields:?}");
        }
        for fields in [
            "Content-Length: 5\r\nContent-Length: 5\r\n",
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length: 5, 5\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: 0x5\r\n",
            "Content-Length: \r\n",
            "Content-Length: 100000000000000000000\r\n",
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding: identity\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        ] {
            let raw = format!("HTTP/1.1 200 OK\r\n{fields}\r\n");
            assert!(
                matches!(head(&raw).framing(), Err(ClientError::Malformed(_))),
                "{fields:?}"
            );
        }
    }
}
