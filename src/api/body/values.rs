//! What a parser hands over: a [`FieldValue`] per requested field, or the
//! [`BodyError`] that refuses the body.

use std::borrow::Cow;
use std::fmt;

/// What a parser found for a requested field, before validation: what a
/// DRF serializer field is handed from `request.data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// The field is absent.
    Missing,
    /// JSON `null`.
    Null,
    /// JSON `true` or `false`.
    Bool(bool),
    /// A JSON array or object.
    NotString,
    /// A JSON number, as Python's `str()` of the number it parses to.
    Number(String),
    /// A string.
    Str(String),
    /// A JSON string with a lone surrogate (`"\ud800"`), which Python keeps
    /// and a `String` cannot hold: the first one, and whether there is a NUL.
    Surrogate {
        /// The first lone surrogate, e.g. `0xD800`.
        first: u32,
        /// Whether the string also holds a NUL.
        has_nul: bool,
    },
}

/// Why a body was refused, as the reference server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// 415, with the Content-Type header as sent (lossy UTF-8), or `""` when
    /// the header is absent.
    UnsupportedMediaType(String),
    /// 400 `{"detail": <this>}`, e.g. `JSON parse error - …` or
    /// `Multipart form parse error - Invalid boundary in multipart: None`.
    Malformed(String),
    /// 400 `{"non_field_errors":["No data provided"]}`: the JSON was `null`.
    NoData,
    /// 400 `{"non_field_errors":["Invalid data. Expected a dictionary, but got
    /// <this>."]}`. Holds Python's type name: `list`, `str`, `int`, `float` or
    /// `bool`.
    NotADictionary(&'static str),
    /// 400 `{"<field>":["<message>"], …}`: only the failing fields, in
    /// declared order.
    Fields(Vec<(&'static str, Cow<'static, str>)>),
}

impl BodyError {
    /// The HTTP status: 415 for [`BodyError::UnsupportedMediaType`], else 400.
    pub fn status(&self) -> u16 {
        match self {
            BodyError::UnsupportedMediaType(_) => 415,
            _ => 400,
        }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::UnsupportedMediaType(ct) => write!(f, "unsupported media type {ct:?}"),
            BodyError::Malformed(detail) => write!(f, "malformed body: {detail}"),
            BodyError::NoData => f.write_str("no data provided"),
            BodyError::NotADictionary(name) => write!(f, "expected a dictionary, got {name}"),
            BodyError::Fields(errors) => write!(f, "invalid fields: {errors:?}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// The last value for each requested field called `name`.
pub(super) fn assign(values: &mut [FieldValue], fields: &[&str], name: &str, value: FieldValue) {
    for (slot, field) in values.iter_mut().zip(fields) {
        if *field == name {
            *slot = value.clone();
        }
    }
}
