//! `application/x-www-form-urlencoded`: DRF's `FormParser`, Django's
//! `QueryDict` (`urllib.parse.parse_qsl`), also used for query strings.

use std::borrow::Cow;

use super::charset::{latin1, Charset};
use super::values::{assign, BodyError, FieldValue};

pub(super) fn parse(
    body: &[u8],
    charset: Charset,
    fields: &[&str],
) -> Result<Vec<FieldValue>, BodyError> {
    // Django falls back to ISO-8859-1 for a body that is not in its charset.
    let text = charset
        .decode_strict(body)
        .unwrap_or_else(|| Cow::Owned(latin1(body)));
    let mut values = vec![FieldValue::Missing; fields.len()];
    // Empty pieces are skipped, and a piece without `=` has a blank value.
    for piece in text.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let value = FieldValue::Str(unquote_plus(value, charset));
        assign(&mut values, fields, &unquote_plus(name, charset), value);
    }
    Ok(values)
}

/// The name and value pairs of a query string, in order, as Django's
/// `QueryDict` reads them (`urllib.parse.parse_qsl` with
/// `keep_blank_values`): split on `&`, empty pieces skipped, `+` and `%XX`
/// decoded as UTF-8 with replacement.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (
                unquote_plus(name, Charset::Utf8),
                unquote_plus(value, Charset::Utf8),
            )
        })
        .collect()
}

/// `urllib.parse.unquote_plus(text, charset, errors="replace")`: each run of
/// ASCII characters is percent-decoded to bytes and decoded with the charset;
/// other characters are kept.
fn unquote_plus(text: &str, charset: Charset) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let end = rest
            .find(|c: char| c.is_ascii() != first.is_ascii())
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
        if first.is_ascii() {
            out.push_str(&charset.decode_lossy(&percent_decode(run.as_bytes())));
        } else {
            out.push_str(run);
        }
        rest = tail;
    }
    out
}

/// `%XX` becomes that byte and `+` a space; anything else, a stray `%` too, is kept.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        let hex = |at: usize| tail.get(at).and_then(|&h| char::from(h).to_digit(16));
        rest = tail;
        match (byte, hex(0), hex(1)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make at most 0xFF.
                out.extend(u8::try_from(high * 16 + low).ok());
                rest = tail.get(2..).unwrap_or_default();
            }
            (b'+', ..) => out.push(b' '),
            _ => out.push(byte),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use crate::api::body::fixtures::*;
    use crate::api::messages::{BLANK, NULL_CHARACTERS, REQUIRED};

    #[test]
    fn form_decoding() {
        let body = "username=al+ice%20x&password=a%2Bb";
        assert_eq!(form(body), ok(["al ice x", "a+b"]));
        let nul = invalid(USER, NULL_CHARACTERS);
        assert_eq!(form("username=%00&password=x"), nul);
        let body = "username=%zz%4&password=%C3%A9%E9";
        assert_eq!(form(body), ok(["%zz%4", "é\u{FFFD}"]));
        assert_eq!(form("user%6Eame=a&password"), invalid(PASS, BLANK));
        // `;` is not a separator.
        assert_eq!(form("username=a;password=b"), invalid(PASS, REQUIRED));
        // Not UTF-8: the body is read as ISO-8859-1, the escapes as UTF-8.
        let body = b"username=caf\xe9&password=%C3%A9";
        assert_eq!(form(body), ok(["café", "é"]));
        let latin1 = Some(b"application/x-www-form-urlencoded; charset=latin1".as_slice());
        assert_eq!(pair(latin1, b"username=%E9&password=\xe9"), ok(["é", "é"]));
        // The last of repeated keys wins.
        assert_eq!(form("username=a&password=p&username=b&&"), ok(["b", "p"]));
        let body = "username=a&password=p&username=";
        assert_eq!(form(body), invalid(USER, BLANK));
    }
}
