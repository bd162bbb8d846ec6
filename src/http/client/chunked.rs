//! A chunked response body (RFC 9112 section 7.1), decoded as it streams
//! in. The grammar is the server's (`http/chunked.rs`: its `chunk_size` and
//! `is_field_line` are used here as they are); what differs is the reading.
//! The server re-reads a buffer that holds the whole request; the client
//! reads from the socket line by line and chunk by chunk, so it holds the
//! decoded body and one line, never the framing around them.
//!
//! Bounds: the decoded body at most `max_body` (refused as soon as a chunk
//! size would pass it); each size line at most `MAX_CHUNK_LINE` bytes; the
//! framing (size lines and CRLFs) at most `max_body` + `MAX_CHUNK_LINE` in
//! all, so a server cannot make the body cheap and the framing endless; the
//! trailer section at most the head's 16 KiB. Trailer fields are checked,
//! then dropped.

use std::io::{BufRead, Read};

use super::super::chunked::{chunk_size, is_field_line, MAX_CHUNK_LINE};
use super::response::MAX_HEAD;
use super::{io_error, ClientError};

/// Reads a chunked body to its end (trailers included) from `reader`.
pub(super) fn read<R: BufRead>(reader: &mut R, max_body: usize) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    let mut framing = 0usize;
    loop {
        let line = read_line(reader, MAX_CHUNK_LINE)?;
        framing += line.len() + 2;
        let Some(size) = chunk_size(&line) else {
            return Err(ClientError::Malformed("a bad chunk size line"));
        };
        if size == 0 {
            trailers(reader)?;
            return Ok(body);
        }
        if body.len().saturating_add(size) > max_body {
            return Err(ClientError::TooLarge { max_body });
        }
        framing += 2;
        if framing > max_body.saturating_add(MAX_CHUNK_LINE) {
            return Err(ClientError::TooLarge { max_body });
        }
        let start = body.len();
        reader
            .take(size as u64)
            .read_to_end(&mut body)
            .map_err(io_error)?;
        if body.len() - start < size {
            return Err(cut_short());
        }
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).map_err(|error| {
            if error.kind() == std::io::ErrorKind::UnexpectedEof {
                cut_short()
            } else {
                io_error(error)
            }
        })?;
        if &crlf != b"\r\n" {
            return Err(ClientError::Malformed("a chunk not followed by CRLF"));
        }
    }
}

/// The trailer section: header fields up to an empty line, all of it
/// within [`MAX_HEAD`] bytes.
fn trailers<R: BufRead>(reader: &mut R) -> Result<(), ClientError> {
    let mut total = 0;
    loop {
        let line = read_line(reader, MAX_HEAD)?;
        total += line.len() + 2;
        if total > MAX_HEAD {
            return Err(ClientError::Malformed(
                "the chunked trailers are over 16 KiB",
            ));
        }
        if line.is_empty() {
            return Ok(());
        }
        if !is_field_line(&line) {
            return Err(ClientError::Malformed("a bad chunked trailer field"));
        }
    }
}

/// One line, without its CRLF: at most `max` bytes, none of them a control
/// byte other than HTAB (so a bare CR or LF, or a NUL, is refused where it
/// stands, before the line is over).
fn read_line<R: BufRead>(reader: &mut R, max: usize) -> Result<Vec<u8>, ClientError> {
    let malformed = || ClientError::Malformed("a bad line in the chunked body");
    let mut line = Vec::new();
    // Whether the last byte seen was the line's CR.
    let mut cr = false;
    loop {
        let buf = reader.fill_buf().map_err(io_error)?;
        if buf.is_empty() {
            return Err(cut_short());
        }
        let mut used = 0;
        let mut done = false;
        for &b in buf {
            used += 1;
            if cr {
                if b != b'\n' {
                    return Err(malformed());
                }
                done = true;
                break;
            }
            match b {
                b'\r' => cr = true,
                b'\t' => line.push(b),
                b if b < 0x20 || b == 0x7f => return Err(malformed()),
                b => line.push(b),
            }
            if line.len() > max {
                return Err(malformed());
            }
        }
        reader.consume(used);
        if done {
            return Ok(line);
        }
    }
}

fn cut_short() -> ClientError {
    ClientError::Malformed("the chunked body was cut short")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(wire: &[u8], max_body: usize) -> Result<Vec<u8>, ClientError> {
        // One byte per read: every line and chunk straddles reads.
        let mut reader = std::io::BufReader::with_capacity(1, wire);
        let body = read(&mut reader, max_body)?;
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"after", "reads no byte past the body");
        Ok(body)
    }

    #[test]
    fn well_formed_bodies_decode() {
        for (wire, body) in [
            (&b"0\r\n\r\nafter"[..], &b""[..]),
            (b"3\r\nabc\r\n0\r\n\r\nafter", b"abc"),
            (
                b"3;x=1\r\nabc\r\n2 ; y=\"q\"\r\nde\r\n000\r\n\r\nafter",
                b"abcde",
            ),
            (
                b"A\r\n0123456789\r\n0\r\nX-T: 1\r\nY:\r\n\r\nafter",
                b"0123456789",
            ),
        ] {
            assert_eq!(decode(wire, 10).unwrap(), body, "{wire:?}");
        }
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for wire in [
            &b"x\r\n\r\nafter"[..],
            b"\r\n",
            b"3\nabc\r\n0\r\n\r\nafter",
            b"3\rabc\r\n0\r\n\r\nafter",
            b"3\r\nabcX\r\n0\r\n\r\nafter",
            b"3\r\nabc\n0\r\n\r\nafter",
            b"3;a\0\r\nabc\r\n0\r\n\r\nafter",
            b"3;\r\nabc\r\n0\r\n\r\nafter",
            b"-3\r\nabc\r\n0\r\n\r\nafter",
            b"0\r\nbad trailer\r\n\r\nafter",
            b"0\r\nX: a\nb\r\n\r\nafter",
            b"3\r\nab",
            b"3\r\nabc",
            b"3\r\nabc\r\n",
            b"0\r\n",
            b"0\r\nX: 1\r\n",
        ] {
            assert!(
                matches!(decode(wire, 10), Err(ClientError::Malformed(_))),
                "{wire:?}"
            );
        }
        let long_line = format!("1;{}\r\na\r\n0\r\n\r\nafter", "x".repeat(MAX_CHUNK_LINE));
        assert!(matches!(
            decode(long_line.as_bytes(), 10),
            Err(ClientError::Malformed(_))
        ));
        let long_trailers = format!("0\r\nX: {}\r\n\r\nafter", "x".repeat(MAX_HEAD));
        assert!(matches!(
            decode(long_trailers.as_bytes(), 10),
            Err(ClientError::Malformed(_))
        ));
    }

    #[test]
    fn the_body_and_its_framing_are_bounded() {
        assert!(matches!(
            decode(b"B\r\n0123456789a\r\n0\r\n\r\nafter", 10),
            Err(ClientError::TooLarge { max_body: 10 })
        ));
        assert!(matches!(
            decode(b"6\r\n012345\r\n5\r\n6789a\r\n0\r\n\r\nafter", 10),
            Err(ClientError::TooLarge { max_body: 10 })
        ));
        assert!(matches!(
            decode(b"FFFFFFFF\r\n", 10),
            Err(ClientError::TooLarge { max_body: 10 })
        ));
        // Ten one-byte chunks, each with a long extension: within the
        // body's bound, over the framing's.
        let ext = "x".repeat(200);
        let wire = format!("{}0\r\n\r\nafter", format!("1;{ext}\r\na\r\n").repeat(10));
        assert!(matches!(
            decode(wire.as_bytes(), 10),
            Err(ClientError::TooLarge { max_body: 10 })
        ));
    }
}
