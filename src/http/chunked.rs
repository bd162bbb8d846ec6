//! The chunked transfer coding (RFC 9112 section 7.1), decoded strictly.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-ext    = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
//! last-chunk   = 1*("0") [ chunk-ext ] CRLF
//! trailer      = field-name ":" OWS field-value OWS CRLF   (one per line)
//! ```
//!
//! Extensions and trailer fields are checked against that grammar and then
//! ignored. The check is what stops smuggling: a parser that ends lines at a
//! bare LF, or skips extensions up to the next LF, would read a line break
//! hidden in an extension or a trailer as the end of the body, and the rest
//! as another request. Here any byte outside the grammar, a bare CR or LF or
//! a NUL above all, is a 400 as soon as it arrives, and the connection closes.

use super::parse::{find, reject, Rejection};
use super::Limits;

/// Longest chunk-size line (size and extensions).
pub(super) const MAX_CHUNK_LINE: usize = 256;

/// What the buffered bytes of a chunked body amount to so far.
pub(super) enum Dechunked {
    /// More bytes are needed.
    Partial,
    /// The body is malformed or too large.
    Rejected(Rejection),
    /// The decoded body, and the offset just past it in the buffer.
    Complete { body: Vec<u8>, end: usize },
}

/// Decodes a chunked body starting at `start`. The data may not exceed
/// `max_body`, nor the framing the same again; the trailer section is at
/// most `max_head` bytes in all, whether it has arrived whole or not (so a
/// prefix is never refused where the whole would be taken).
pub(super) fn dechunk(buf: &[u8], start: usize, limits: &Limits) -> Dechunked {
    let malformed = || Dechunked::Rejected(reject(400, "Malformed chunked body."));
    let too_large = || Dechunked::Rejected(reject(413, "Request body too large."));
    let mut body = Vec::new();
    let mut at = start;
    loop {
        if at - start > 2 * limits.max_body + MAX_CHUNK_LINE {
            return too_large();
        }
        let rest = &buf[at..];
        let Some(line) = find(rest, b"\r\n") else {
            return if rest.len() > MAX_CHUNK_LINE || has_control(rest) {
                malformed()
            } else {
                Dechunked::Partial
            };
        };
        if line > MAX_CHUNK_LINE {
            return malformed();
        }
        let Some(size) = chunk_size(&rest[..line]) else {
            return malformed();
        };
        at += line + 2;
        if size == 0 {
            return match trailers(buf, at, limits) {
                Ok(Some(end)) => Dechunked::Complete { body, end },
                Ok(None) => Dechunked::Partial,
                Err(rejection) => Dechunked::Rejected(rejection),
            };
        }
        if body.len().saturating_add(size) > limits.max_body {
            return too_large();
        }
        let Some(data) = buf.get(at..at + size) else {
            return Dechunked::Partial;
        };
        match buf.get(at + size..at + size + 2) {
            None => return Dechunked::Partial,
            Some(b"\r\n") => {}
            Some(_) => return malformed(),
        }
        body.extend_from_slice(data);
        at += size + 2;
    }
}

/// The trailer section from `start` to its empty line: each line a valid
/// header field, `max_head` bytes in all. `Ok(Some(end))` once the empty
/// line has arrived, `Ok(None)` before.
fn trailers(buf: &[u8], start: usize, limits: &Limits) -> Result<Option<usize>, Rejection> {
    let malformed = || Err(reject(400, "Malformed chunked body."));
    let mut at = start;
    loop {
        let rest = &buf[at..];
        let Some(field) = find(rest, b"\r\n") else {
            return if buf.len() - start > limits.max_head || has_control(rest) {
                malformed()
            } else {
                Ok(None)
            };
        };
        if at + field + 2 - start > limits.max_head {
            return malformed();
        }
        if field == 0 {
            return Ok(Some(at + 2));
        }
        if !is_field_line(&rest[..field]) {
            return malformed();
        }
        at += field + 2;
    }
}

/// `chunk-size [ chunk-ext ]`: the size, if the line is well formed. At
/// most 8 hex digits, so a size always fits (and the limits refuse it).
/// The client's decoder (`client/chunked.rs`) reads with it too.
pub(super) fn chunk_size(line: &[u8]) -> Option<usize> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 8 || !is_chunk_ext(&line[digits..]) {
        return None;
    }
    let hex = std::str::from_utf8(&line[..digits]).ok()?;
    usize::from_str_radix(hex, 16).ok()
}

/// `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`
fn is_chunk_ext(mut ext: &[u8]) -> bool {
    while !ext.is_empty() {
        let Some(rest) = skip_whitespace(ext).strip_prefix(b";") else {
            return false;
        };
        let rest = skip_whitespace(rest);
        let name = token_len(rest);
        if name == 0 {
            return false;
        }
        ext = &rest[name..];
        if let Some(value) = skip_whitespace(ext).strip_prefix(b"=") {
            let value = skip_whitespace(value);
            let len = match value.first() {
                Some(b'"') => quoted_string_len(value),
                _ => token_len(value),
            };
            if len == 0 {
                return false;
            }
            ext = &value[len..];
        }
    }
    true
}

/// `field-name ":" OWS field-value OWS` (RFC 9110 section 5): a token, a
/// colon right after it, then visible characters, spaces and tabs only.
pub(super) fn is_field_line(line: &[u8]) -> bool {
    let name = token_len(line);
    name > 0
        && line[name..]
            .strip_prefix(b":")
            .is_some_and(|value| value.iter().all(|&b| is_field_byte(b)))
}

/// VCHAR, obs-text, SP or HTAB.
fn is_field_byte(b: u8) -> bool {
    b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// Whether a line not yet ended holds a byte no valid line can: a control
/// character other than HTAB, except one CR at the very end (its LF may be
/// on the way).
fn has_control(partial: &[u8]) -> bool {
    let body = partial.strip_suffix(b"\r").unwrap_or(partial);
    body.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

/// The length of the `tchar`s at the start of `bytes` (RFC 9110 section 5.6.2).
fn token_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        .count()
}

/// The length of the quoted-string at the start of `bytes`, quotes
/// included, or 0 if there is none (RFC 9110 section 5.6.4).
fn quoted_string_len(bytes: &[u8]) -> usize {
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return i + 1,
            b'\\' => match bytes.get(i + 1) {
                Some(&escaped) if is_field_byte(escaped) => i += 2,
                _ => return 0,
            },
            b if is_field_byte(b) => i += 1,
            _ => return 0,
        }
    }
    0
}

/// BWS: optional spaces and tabs.
fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &bytes[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_lines_follow_the_grammar() {
        for (line, size) in [
            ("4", 4),
            ("00a", 10),
            ("6;ext=1", 6),
            ("6;a", 6),
            ("6 ; a = b ;c", 6),
            ("6;a=\"q \\\" t\"", 6),
            ("6;a=\"\"", 6),
            ("FFFFFFFF", 0xFFFF_FFFF),
        ] {
            assert_eq!(chunk_size(line.as_bytes()), Some(size), "{line:?}");
        }
        for line in [
            "",
            " 1",
            "-1",
            "4 ",
            "4;",
            "4;=x",
            "4;a=",
            "4;a=\"open",
            "4;a=b c",
            "2;a\nb",
            "2;a\rb",
            "2;a\0",
            "2;a=\"x\ny\"",
            "2;a=\"\\\n\"",
            "123456789",
            "4 4",
        ] {
            assert_eq!(chunk_size(line.as_bytes()), None, "{line:?}");
        }
    }

    #[test]
    fn trailer_lines_are_header_fields() {
        for line in ["X: y", "X:", "X-Y:  v\tw ", "x:\u{e9}"] {
            assert!(is_field_line(line.as_bytes()), "{line:?}");
        }
        for line in [
            ": y", "X y", "X : y", " X: y", "\tX: y", "X: a\nb", "X: a\rb", "X: \0", "X\n: y",
        ] {
            assert!(!is_field_line(line.as_bytes()), "{line:?}");
        }
    }

    #[test]
    fn a_partial_line_with_a_control_byte_is_refused_at_once() {
        assert!(!has_control(b"2;a=b"));
        assert!(!has_control(b"2;a=b\r"), "its LF may follow");
        assert!(has_control(b"2;a\nb"));
        assert!(has_control(b"2;a\rb"));
        assert!(has_control(b"2;a\0"));
        assert!(has_control(b"X: \x7f"));
    }
}
