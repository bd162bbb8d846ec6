//! Shared by the body parsers' tests: requests for the token views'
//! fields in each format, and the answers they expect.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::{parse_fields, BodyError};

pub const JSON: Option<&[u8]> = Some(b"application/json");
pub const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded");
pub const MULTIPART: Option<&[u8]> = Some(b"multipart/form-data; boundary=BB");
pub const CD_USER: &str = r#"Content-Disposition: form-data; name="username""#;
pub const CD_PASS: &str = r#"Content-Disposition: form-data; name="password""#;
pub const BOTH: &[&str] = &["username", "password"];
pub const USER: &[&str] = &["username"];
pub const PASS: &[&str] = &["password"];

pub type Answer<const N: usize> = Result<[String; N], BodyError>;

pub fn pair(content_type: Option<&[u8]>, body: impl AsRef<[u8]>) -> Answer<2> {
    parse_fields(content_type, body.as_ref(), ["username", "password"])
}

pub fn json(body: impl AsRef<[u8]>) -> Answer<2> {
    pair(JSON, body)
}

pub fn form(body: impl AsRef<[u8]>) -> Answer<2> {
    pair(FORM, body)
}

pub fn mp(body: impl AsRef<[u8]>) -> Answer<2> {
    pair(MULTIPART, body)
}

pub fn refresh(body: &str) -> Answer<1> {
    parse_fields(JSON, body.as_bytes(), ["refresh"])
}

pub fn ok<const N: usize>(values: [&str; N]) -> Answer<N> {
    Ok(values.map(str::to_owned))
}

/// `BodyError::Fields` with `message` for each field in `names`.
pub fn invalid<const N: usize>(names: &[&'static str], message: &'static str) -> Answer<N> {
    let errors = names.iter().map(|&name| (name, message.into()));
    Err(BodyError::Fields(errors.collect()))
}

pub fn malformed<const N: usize>(detail: &str) -> Answer<N> {
    Err(BodyError::Malformed(detail.into()))
}

pub fn assert_json_error(answer: Answer<2>) {
    match answer {
        Err(BodyError::Malformed(detail)) if detail.starts_with("JSON parse error - ") => {}
        other => panic!("expected a JSON parse error, got {other:?}"),
    }
}

/// One part per (headers, value), CRLF line ends, closing boundary.
pub fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (headers, value) in parts {
        out.extend([b"--BB\r\n", headers.as_bytes(), b"\r\n\r\n", value, b"\r\n"].concat());
    }
    out.extend(b"--BB--\r\n");
    out
}

/// `input=expected` pairs separated by whitespace, for golden tables.
pub fn golden(table: &str) -> impl Iterator<Item = (&str, &str)> {
    table
        .split_whitespace()
        .map(|case| case.rsplit_once('=').unwrap())
}
