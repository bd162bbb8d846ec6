//! Request bodies, read the way Django REST framework 3.18 reads them.
//!
//! jwtd must answer like the reference server (DRF 3.18.3 and SimpleJWT 5.5.1
//! on Django 5.2). The token views read a few string fields from
//! `request.data`, so this module does what DRF does before a serializer sees
//! them: it picks a parser from the Content-Type (or answers 415), runs it,
//! and validates each field as a DRF `CharField`. The three parsers are:
//!
//! - `application/json` (`JSONParser`): serde_json, read through a visitor
//!   that keeps only the requested fields;
//! - `application/x-www-form-urlencoded` (`FormParser`): Django's `QueryDict`;
//! - `multipart/form-data` (`MultiPartParser`): Django's multipart parser, on
//!   a body held in memory.
//!
//! [`parse_fields`] is the entry point; a [`BodyError`] says which 4xx to send.
//! [`parse_values`] hands the values over unvalidated, for serializers with
//! fields other than strings, and [`query_pairs`] reads a query string as
//! Django's `QueryDict` does.
//!
//! # Deliberate differences from Django
//!
//! - **Multipart bodies are split in one piece.** Django reads them in 64 KiB
//!   chunks, and when it skips a part (no Content-Disposition or name, or a
//!   file name it cleans to nothing) it resumes where its last read stopped.
//!   Answers can differ above 64 KiB (the HTTP layer's default cap is 16 KiB),
//!   or for an unterminated skipped part over 1 KiB: Django then parses its
//!   last `boundary + 8` bytes as one more part.
//! - **Files are ignored**, and their names are not cleaned: a part with a
//!   non-empty `filename` provides no field. DRF appends uploaded files to
//!   `request.data` after the text fields, so a file sent under a requested
//!   field's name gets "Not a valid string." ("This field may not be blank."
//!   for a blank file name), even next to a text part of that name.
//! - **No `Content-Transfer-Encoding: base64`** (RFC 7578 §4.7 forbids it):
//!   values are kept as sent, and bad base64 in a file is not an error.
//! - **No RFC 2231 parameters** (`name*=utf-8''…`, `name*0=…`, forbidden by
//!   RFC 7578 §4.2): they count as neither `name` nor `filename` nor
//!   `boundary`. Django decodes them, or answers 500 for a charset Python
//!   does not know.
//! - **Four charsets**: `utf-8`, `utf-8-sig`, `ascii`/`us-ascii`,
//!   `latin-1`/`iso-8859-1`, in any case and punctuation as Python matches
//!   them. Other names decode as UTF-8; Django would use the codecs Python
//!   knows (`utf-16`, `cp1252`, `l1`, …), and DRF refuses `rot13`, `base64`, ….
//! - **No Django upload limits** (1,000 fields, 100 files, 2.5 MiB; Django
//!   answers its HTML 400 page): the HTTP layer's body cap bounds the work, and
//!   every parser here is linear.
//! - **JSON**: nesting deeper than [`MAX_JSON_DEPTH`] is refused (CPython
//!   parses about 1,000 levels, then answers 500); integers over 4,300 digits
//!   are accepted (CPython refuses them); an incomplete UTF-8 sequence at the
//!   very end is an error (Python's stream reader drops it); the text after
//!   `JSON parse error - ` is serde_json's, as only the prefix is promised.
//! - **One message per field**: a value with both a NUL and a lone surrogate
//!   gets only the NUL message; DRF lists both.
//! - **Non-ASCII bytes in the Content-Type** are echoed as lossy UTF-8, not as
//!   Django's ISO-8859-1 reading.

#![deny(clippy::indexing_slicing, clippy::expect_used, clippy::panic)]

mod charset;
mod form;
mod header;
mod json;
mod multipart;
mod values;

pub use form::query_pairs;
pub use json::MAX_JSON_DEPTH;
pub use values::{BodyError, FieldValue};

use std::borrow::Cow;

use super::messages::{self, BLANK, NOT_A_STRING, NULL, NULL_CHARACTERS, REQUIRED};
use crate::python_str::python_strip;
use charset::Charset;
use header::{param, parse_header};

/// Parses `body` as its Content-Type says and validates each of `fields` as a
/// DRF `CharField()`; returns the trimmed values in the order of `fields`.
pub fn parse_fields<const N: usize>(
    content_type: Option<&[u8]>,
    body: &[u8],
    fields: [&'static str; N],
) -> Result<[String; N], BodyError> {
    let raw = parse(content_type, body, &fields)?;
    // DRF validates every field and reports the failures in declared order.
    let mut values = fields.map(|_| String::new());
    let mut errors = Vec::new();
    for ((name, raw), value) in fields.into_iter().zip(raw).zip(&mut values) {
        match validate_char_field(raw) {
            Ok(valid) => *value = valid,
            Err(message) => errors.push((name, message)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(BodyError::Fields(errors))
    }
}

/// DRF's `DefaultContentNegotiation.max_media_type_length`: longer is a 415.
const MAX_MEDIA_TYPE_LENGTH: usize = 256;

/// Parses `body` as its Content-Type says and returns what each of `fields`
/// holds, unvalidated (the last of repeated keys wins): for serializers
/// whose fields are not all strings (the admin API's booleans).
pub fn parse_values<const N: usize>(
    content_type: Option<&[u8]>,
    body: &[u8],
    fields: [&'static str; N],
) -> Result<[FieldValue; N], BodyError> {
    let mut raw = parse(content_type, body, &fields)?.into_iter();
    Ok(std::array::from_fn(|_| {
        raw.next().unwrap_or(FieldValue::Missing)
    }))
}

/// DRF's `CharField.run_validation`: the blank test on the stripped text,
/// then required, null and type, then the validators (NUL, then surrogates).
fn validate_char_field(raw: FieldValue) -> Result<String, Cow<'static, str>> {
    let message = match raw {
        FieldValue::Missing => REQUIRED,
        FieldValue::Null => NULL,
        FieldValue::Bool(_) | FieldValue::NotString => NOT_A_STRING,
        // A surrogate is not whitespace, so such a string is never blank.
        FieldValue::Surrogate { has_nul: true, .. } => NULL_CHARACTERS,
        FieldValue::Surrogate { first, .. } => {
            return Err(messages::surrogate(first).into());
        }
        FieldValue::Str(value) | FieldValue::Number(value) => match python_strip(&value) {
            "" => BLANK,
            trimmed if trimmed.contains('\0') => NULL_CHARACTERS,
            trimmed => return Ok(trimmed.to_owned()),
        },
    };
    Err(Cow::Borrowed(message))
}

/// DRF's `Request._parse`: one [`FieldValue`] per field of `fields`.
fn parse(
    content_type: Option<&[u8]>,
    body: &[u8],
    fields: &[&str],
) -> Result<Vec<FieldValue>, BodyError> {
    // With Content-Length 0 DRF does not look at the Content-Type: data is {}.
    if body.is_empty() {
        return Ok(vec![FieldValue::Missing; fields.len()]);
    }
    // An absent header is "" to DRF, which matches no parser.
    let header = content_type.unwrap_or_default();
    // WSGI hands header values to Django as ISO-8859-1 text.
    let text: String = header.iter().map(|&b| char::from(b)).collect();
    let (media_type, params) = parse_header(&text);
    let charset = Charset::named(param(&params, "charset").unwrap_or_default());
    // DRF `_MediaType.match` against each parser in turn: a `*` sent by the
    // client matches anything, so `*/*` and `application/*` pick JSON.
    let (main, sub) = media_type.split_once('/').unwrap_or((&media_type, ""));
    let is = |want_main: &str, want_sub: &str| {
        (main == want_main || main == "*") && (sub == want_sub || sub == "*")
    };
    if header.len() <= MAX_MEDIA_TYPE_LENGTH {
        if is("application", "json") {
            return json::parse(body, charset, fields);
        }
        if is("application", "x-www-form-urlencoded") {
            return form::parse(body, charset, fields);
        }
        if is("multipart", "form-data") {
            return multipart::parse(header, &params, body, charset, fields);
        }
    }
    Err(BodyError::UnsupportedMediaType(
        String::from_utf8_lossy(header).into_owned(),
    ))
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests;
