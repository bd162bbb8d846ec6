//! `multipart/form-data`: DRF's `MultiPartParser`, Django's multipart
//! parser on a body held in memory (see the module doc of `api::body` for
//! where it differs).

use std::fmt;

use super::charset::Charset;
use super::header::{param, parse_header};
use super::values::{assign, BodyError, FieldValue};

/// Django's `MAX_TOTAL_HEADER_SIZE`: a part's headers end in its first 1 KiB.
const MAX_PART_HEADER: usize = 1024;

fn multipart_error(detail: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("Multipart form parse error - {detail}"))
}

pub(super) fn parse(
    header: &[u8],
    params: &[(String, String)],
    body: &[u8],
    charset: Charset,
    fields: &[&str],
) -> Result<Vec<FieldValue>, BodyError> {
    // Django checks the raw header again, case-sensitively, although DRF
    // matched it without case.
    let shown = String::from_utf8_lossy(header);
    let separator = match param(params, "boundary") {
        _ if !header.starts_with(b"multipart/") => Err(format!("Invalid Content-Type: {shown}")),
        _ if !header.is_ascii() => Err(format!(
            "Invalid non-ASCII Content-Type in multipart: {shown}"
        )),
        Some(boundary) if is_valid_boundary(boundary) => Ok(format!("--{boundary}")),
        boundary => Err(format!(
            "Invalid boundary in multipart: {}",
            boundary.unwrap_or("None")
        )),
    }
    .map_err(multipart_error)?;

    let mut values = vec![FieldValue::Missing; fields.len()];
    for part in parts(body, separator.as_bytes()) {
        // The headers end at the first blank line, within the first 1 KiB.
        // A shorter part without one is raw data.
        let head = part.get(..MAX_PART_HEADER).unwrap_or(part);
        let (disposition, content) = match find(head, b"\r\n\r\n") {
            Some(end) => (
                content_disposition(part.get(..end).unwrap_or_default()),
                part.get(end + 4..).unwrap_or_default(),
            ),
            None if part.len() >= MAX_PART_HEADER => {
                return Err(multipart_error("Request max total header size exceeded."));
            }
            None => (Vec::new(), part),
        };
        // A file (a non-empty `filename`) is not a field; see the module doc.
        let is_file = param(&disposition, "filename").is_some_and(|name| !name.is_empty());
        let Some(name) = param(&disposition, "name").filter(|_| !is_file) else {
            continue;
        };
        // Django strips the name as bytes and decodes it with the charset.
        let name = name.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        let name = charset.decode_lossy(name.as_bytes());
        let value = FieldValue::Str(charset.decode_lossy(content));
        assign(&mut values, fields, &name, value);
    }
    Ok(values)
}

/// Django's `boundary_re`, `[ -~]{0,200}[!-~]`, matched in full.
fn is_valid_boundary(boundary: &str) -> bool {
    boundary.len() <= 201
        && boundary.bytes().all(|b| (b' '..=b'~').contains(&b))
        && boundary.bytes().last().is_some_and(|b| b != b' ')
}

/// The parts of a multipart body as Django finds them: the pieces around each
/// `--boundary` (found anywhere, not only at a line start), the preamble and
/// what follows the closing boundary included, but no empty piece at the very
/// end. A part before a separator loses one `\n`, then one `\r`, at its end.
fn parts<'a>(body: &'a [u8], separator: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut pieces = split(body, separator).peekable();
    std::iter::from_fn(move || {
        let piece = pieces.next()?;
        if pieces.peek().is_none() {
            return Some(piece).filter(|piece| !piece.is_empty());
        }
        let piece = piece.strip_suffix(b"\n").unwrap_or(piece);
        Some(piece.strip_suffix(b"\r").unwrap_or(piece))
    })
}

/// The parameters of a part's last `Content-Disposition` header. Django reads
/// each `\r\n`-separated UTF-8 line as `name: value; params`, so
/// `Content-Disposition :` is another header.
fn content_disposition(headers: &[u8]) -> Vec<(String, String)> {
    split(headers, b"\r\n")
        .filter_map(|line| std::str::from_utf8(line).ok())
        .map(parse_header)
        .filter(|(main, _)| {
            main.split_once(':')
                .is_some_and(|(name, _)| name == "content-disposition")
        })
        .last()
        .map_or_else(Vec::new, |(_, params)| params)
}

/// `haystack` cut at each occurrence of `separator`, like `str::split`.
fn split<'a>(haystack: &'a [u8], separator: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(haystack);
    std::iter::from_fn(move || {
        let current = rest?;
        let cut = find(current, separator)
            .and_then(|at| Some((current.get(..at)?, current.get(at + separator.len()..)?)));
        rest = cut.map(|(_, tail)| tail);
        Some(cut.map_or(current, |(piece, _)| piece))
    })
}

/// Where `needle` first occurs in `haystack`: naive, yet linear in the body as
/// needles are at most 203 bytes. An empty one is never found, so [`split`]
/// always advances.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len().max(1))
        .position(|window| window == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::api::body::fixtures::*;
    use crate::api::messages::{BLANK, REQUIRED};

    #[test]
    fn multipart_fields_and_files() {
        let body = multipart(&[(CD_USER, b" alice "), (CD_PASS, b"pw")]);
        assert_eq!(mp(body), ok(["alice", "pw"]));
        let latin1 = Some(b"multipart/form-data; boundary=\"BB\"; charset=latin-1".as_slice());
        let body = multipart(&[(CD_USER, b"caf\xe9"), (CD_PASS, b"\xff")]);
        assert_eq!(pair(latin1, &body), ok(["café", "ÿ"]));
        assert_eq!(mp(&body), ok(["caf\u{FFFD}", "\u{FFFD}"]));
        // The last part of a name wins; names are stripped; header names
        // ignore case but not spacing; base64 is not decoded.
        let base64 = format!("{CD_PASS}\r\nContent-Transfer-Encoding: base64");
        let body = multipart(&[
            (CD_USER, b"a"),
            ("content-disposition: form-data; NAME=\" username\t\"", b"b"),
            (r#"Content-Disposition : form-data; name="username""#, b"c"),
            (&base64, b"YWJj"),
        ]);
        assert_eq!(mp(body), ok(["b", "YWJj"]));
        // Without a leading boundary the preamble is a part, and so is
        // what follows the closing boundary.
        let body = format!("{CD_USER}\r\n\r\nalice\r\n--BB--\r\n{CD_PASS}\r\n\r\npw");
        assert_eq!(mp(body), ok(["alice", "pw"]));
        // Files are ignored, the documented simplification (DRF: "Not a valid
        // string." twice); an empty filename makes a plain field.
        let file = format!("{CD_USER}; filename=\"a.txt\"");
        assert_eq!(mp(multipart(&[(&file, b"data")])), invalid(BOTH, REQUIRED));
        let body = multipart(&[(CD_USER, b"alice"), (&file, b"data"), (CD_PASS, b"pw")]);
        assert_eq!(mp(body), ok(["alice", "pw"]));
        let empty = format!("{CD_USER}; filename=\"\"");
        let body = multipart(&[(&empty, b"alice"), (CD_PASS, b"pw")]);
        assert_eq!(mp(body), ok(["alice", "pw"]));
    }

    #[test]
    fn multipart_bad_boundaries_and_content_types() {
        let error = |ct: &str| match pair(Some(ct.as_bytes()), "x") {
            Err(BodyError::Malformed(detail)) => {
                detail.replace("Multipart form parse error - ", "")
            }
            other => panic!("{other:?}"),
        };
        let long = "b".repeat(202);
        let boundary = format!("Invalid boundary in multipart: {long}");
        assert_eq!(
            error(&format!("multipart/form-data; boundary={long}")),
            boundary
        );
        let boundary = "Invalid boundary in multipart: a ";
        assert_eq!(error("multipart/form-data; boundary=\"a \""), boundary);
        // Django's own check is case-sensitive, DRF's selection is not.
        let ct = "Multipart/form-data; boundary=BB";
        assert_eq!(error(ct), format!("Invalid Content-Type: {ct}"));
        let ct = "multipart/form-data; boundary=BB; x=é";
        assert_eq!(
            error(ct),
            format!("Invalid non-ASCII Content-Type in multipart: {ct}")
        );
        assert!(is_valid_boundary(&"b".repeat(201)) && is_valid_boundary("a b"));
        assert!(!is_valid_boundary("a\tb") && !is_valid_boundary(""));
    }

    #[test]
    fn multipart_truncated_and_odd_framing() {
        let body = multipart(&[(CD_USER, b"alice"), (CD_PASS, b"pw")]);
        // Cut inside the password value: it ends where the body ends.
        let cut = body.len() - b"w\r\n--BB--\r\n".len();
        assert_eq!(mp(&body[..cut]), ok(["alice", "p"]));
        // Cut inside the password headers: that part is raw, so missing.
        let cut = body.windows(8).position(|w| w == b"password").unwrap();
        assert_eq!(mp(&body[..cut]), invalid(PASS, REQUIRED));
        // A part loses one `\n`, then one `\r`, before a boundary, so an
        // empty value leaves the headers without their blank line.
        let body = |value| format!("{CD_USER}\r\n\r\na\r\n--BB\r\n{CD_PASS}\r\n\r\n{value}--BB");
        assert_eq!(mp(body("")), invalid(PASS, REQUIRED));
        assert_eq!(mp(body("\n")), invalid(PASS, BLANK));
        // LF-only line ends do not end the headers.
        let lf = format!("--BB\n{CD_PASS}\n\npw\n--BB--\n");
        assert_eq!(mp(lf), invalid(BOTH, REQUIRED));
        // Headers must end within the first 1 KiB of a part.
        let long = format!("{CD_USER}\r\nX-Pad: {}", "p".repeat(1024));
        let detail = "Multipart form parse error - Request max total header size exceeded.";
        assert_eq!(mp(multipart(&[(&long, b"a")])), malformed(detail));
    }
}
