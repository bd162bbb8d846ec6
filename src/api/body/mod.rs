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

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer as _};

use super::messages::{self, BLANK, NOT_A_STRING, NULL, NULL_CHARACTERS, REQUIRED};

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

/// DRF's `DefaultContentNegotiation.max_media_type_length`: longer is a 415.
const MAX_MEDIA_TYPE_LENGTH: usize = 256;

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

/// Python's `str.strip()`: Unicode White_Space plus U+001C..U+001F.
pub fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

// --- Content negotiation and charsets ---

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
            return parse_json(body, charset, fields);
        }
        if is("application", "x-www-form-urlencoded") {
            return parse_form(body, charset, fields);
        }
        if is("multipart", "form-data") {
            return parse_multipart(header, &params, body, charset, fields);
        }
    }
    Err(BodyError::UnsupportedMediaType(
        String::from_utf8_lossy(header).into_owned(),
    ))
}

/// Django's `parse_header_parameters` (Python's `email.message` rules): the
/// main value, lower-cased, and the parameters in order, names lower-cased
/// and values unquoted. Read one with [`param`]. ASCII lower-casing answers
/// as Python's `lower()` would: the results are only compared with ASCII
/// names, none with a `k` (U+212A KELVIN SIGN is the one non-ASCII letter
/// that Python lowers to ASCII).
fn parse_header(line: &str) -> (String, Vec<(String, String)>) {
    if !line.contains(';') {
        return (python_strip(line).to_ascii_lowercase(), Vec::new());
    }
    // A `;` inside double quotes does not split. A `"` after `\` is not a quote.
    let (mut quoted, mut escaped) = (false, false);
    let mut pairs = line
        .split(move |c: char| {
            let split = c == ';' && !quoted;
            quoted ^= c == '"' && !escaped;
            escaped = c == '\\';
            split
        })
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => (
                python_strip(name).to_ascii_lowercase(),
                unquote(python_strip(value)),
            ),
            None => (python_strip(segment).to_owned(), String::new()),
        });
    let main = pairs.next().map(|(name, _)| name.to_ascii_lowercase());
    let params = pairs.filter(|(name, _)| !name.is_empty()).collect();
    (main.unwrap_or_default(), params)
}

/// Python's `email.utils.unquote`: strips `"…"` (undoing `\\` and `\"`) or `<…>`.
fn unquote(value: &str) -> String {
    if value.len() > 1 {
        if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            return inner.replace("\\\\", "\\").replace("\\\"", "\"");
        }
        if let Some(inner) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
            return inner.to_owned();
        }
    }
    value.to_owned()
}

/// The value of the last parameter called `name`, as a Python dict keeps it.
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The charsets a `charset=` parameter can select (see the module doc).
#[derive(Debug, Clone, Copy)]
enum Charset {
    Utf8,
    /// UTF-8 after dropping one leading byte order mark.
    Utf8Sig,
    Ascii,
    Latin1,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl Charset {
    /// Python's `codecs.lookup`, for our four: case is ignored, and so is each
    /// run of characters other than letters, digits and `.`.
    fn named(name: &str) -> Charset {
        let words: Vec<String> = name
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
            .filter(|word| !word.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        match words.join("_").as_str() {
            "utf_8_sig" => Charset::Utf8Sig,
            "ascii" | "us_ascii" => Charset::Ascii,
            "latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" => Charset::Latin1,
            _ => Charset::Utf8,
        }
    }

    /// `bytes.decode(charset)`. `None` where Python raises.
    fn decode_strict(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            Charset::Utf8Sig => Charset::Utf8.decode_strict(strip_bom(bytes)),
            Charset::Ascii if bytes.is_ascii() => Charset::Utf8.decode_strict(bytes),
            Charset::Ascii => None,
            Charset::Latin1 => Some(Cow::Owned(latin1(bytes))),
        }
    }

    /// `bytes.decode(charset, errors="replace")`.
    fn decode_lossy(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Utf8Sig => String::from_utf8_lossy(strip_bom(bytes)).into_owned(),
            Charset::Ascii => bytes
                .iter()
                .map(|&b| match b.is_ascii() {
                    true => char::from(b),
                    false => char::REPLACEMENT_CHARACTER,
                })
                .collect(),
            Charset::Latin1 => latin1(bytes),
        }
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The last value for each requested field called `name`.
fn store(values: &mut [FieldValue], fields: &[&str], name: &str, value: FieldValue) {
    for (slot, field) in values.iter_mut().zip(fields) {
        if *field == name {
            *slot = value.clone();
        }
    }
}

// --- JSON (DRF JSONParser: Python's json.load) ---

/// How deep JSON may nest. Nothing recurses on the input (serde_json skips
/// values with a heap stack), so the bound is a choice: token requests are flat.
const MAX_JSON_DEPTH: usize = 127;

const JSON_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

fn json_error(detail: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("JSON parse error - {detail}"))
}

fn parse_json(
    body: &[u8],
    charset: Charset,
    fields: &[&str],
) -> Result<Vec<FieldValue>, BodyError> {
    let text = charset
        .decode_strict(body)
        .ok_or_else(|| json_error(format_args!("the body is not valid {charset:?} text")))?;
    // Python's exact words for the one mistake a client can fix (the contract quotes them).
    if text.starts_with('\u{FEFF}') {
        let bom = "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)";
        return Err(json_error(bom));
    }
    let members = scan_json(&text)?;
    let value = text.trim_start_matches(JSON_WHITESPACE);
    let first = value.bytes().next();

    let mut de = serde_json::Deserializer::from_str(&text);
    let parsed = if first == Some(b'{') {
        let visitor = ObjectVisitor {
            fields,
            members: members.into_iter(),
        };
        de.deserialize_map(visitor).map(Ok)
    } else {
        IgnoredAny::deserialize(&mut de).map(|_| {
            Err(match first {
                Some(b'n') => BodyError::NoData,
                Some(b'[') => BodyError::NotADictionary("list"),
                Some(b'"') => BodyError::NotADictionary("str"),
                Some(b't' | b'f') => BodyError::NotADictionary("bool"),
                // serde_json accepted it, so it is a number.
                _ if number_literal(value).contains(['.', 'e', 'E']) => {
                    BodyError::NotADictionary("float")
                }
                _ => BodyError::NotADictionary("int"),
            })
        })
    };
    let parsed = parsed.map_err(json_error)?;
    // Python's "Extra data": only whitespace may follow the value.
    de.end().map_err(json_error)?;
    parsed
}

/// A first pass over the JSON text. It refuses raw control characters in
/// strings (Python does; serde_json's byte-string mode, used below, does not)
/// and nesting deeper than [`MAX_JSON_DEPTH`]. It returns where each value of
/// the top-level object starts, so that numbers can be read as written: exact
/// for valid JSON, and serde_json fails on the rest anyway.
fn scan_json(text: &str) -> Result<Vec<&str>, BodyError> {
    let mut members = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut after_colon) = (0, false, false, false);
    for (at, byte) in text.bytes().enumerate() {
        if in_string {
            if byte < 0x20 {
                return Err(json_error(format_args!("control character at char {at}")));
            }
            in_string = escaped || byte != b'"';
            escaped = !escaped && byte == b'\\';
            continue;
        }
        if after_colon && !JSON_WHITESPACE.contains(&char::from(byte)) {
            // Only ASCII came since the `:`, so `at` is a char boundary.
            members.extend(text.get(at..));
            after_colon = false;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' if depth == MAX_JSON_DEPTH => {
                return Err(json_error(format_args!(
                    "nesting deeper than {MAX_JSON_DEPTH} levels at char {at}"
                )));
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b':' => after_colon = depth == 1,
            _ => {}
        }
    }
    Ok(members)
}

/// Reads the top-level object in order, keeping the requested fields (the
/// last duplicate wins) and skipping the rest.
struct ObjectVisitor<'a> {
    fields: &'a [&'a str],
    /// Where each member's value starts, from [`scan_json`].
    members: std::vec::IntoIter<&'a str>,
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = Vec<FieldValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Vec<FieldValue>, A::Error> {
        let mut values = vec![FieldValue::Missing; self.fields.len()];
        while let Some(key) = map.next_key_seed(StringSeed)? {
            let value_text = self.members.next().unwrap_or_default();
            match key {
                FieldValue::Str(name) if self.fields.contains(&name.as_str()) => {
                    let value = map.next_value_seed(ValueSeed(value_text))?;
                    store(&mut values, self.fields, &name, value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// The value of a requested field. Holds the JSON text from where it starts.
struct ValueSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = FieldValue;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<FieldValue, D::Error> {
        let raw = match self.0.bytes().next() {
            Some(b'"') => return StringSeed.deserialize(deserializer),
            // serde_json checks the syntax, and `str()` is made from the text.
            Some(b'-' | b'0'..=b'9') => {
                FieldValue::Number(python_number_str(number_literal(self.0)))
            }
            Some(b'n') => FieldValue::Null,
            Some(b't') => FieldValue::Bool(true),
            Some(b'f') => FieldValue::Bool(false),
            // Arrays and objects. serde_json refuses anything else.
            _ => FieldValue::NotString,
        };
        IgnoredAny::deserialize(deserializer).map(|_| raw)
    }
}

/// A JSON string, read as bytes so that serde_json hands a lone surrogate
/// over as WTF-8 (`ED A0..BF xx`) instead of failing: Python accepts it.
struct StringSeed;

impl<'de> DeserializeSeed<'de> for StringSeed {
    type Value = FieldValue;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<FieldValue, D::Error> {
        deserializer.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for StringSeed {
    type Value = FieldValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<FieldValue, E> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return Ok(FieldValue::Str(text.to_owned()));
        }
        // The input was valid UTF-8, so only escaped lone surrogates are not.
        let first = bytes.windows(3).find_map(|w| match *w {
            [0xED, high @ 0xA0..=0xBF, low] => {
                Some(0xD000 | (u32::from(high & 0x3F) << 6) | u32::from(low & 0x3F))
            }
            _ => None,
        });
        Ok(FieldValue::Surrogate {
            first: first.unwrap_or(0xD800),
            has_nul: bytes.contains(&0),
        })
    }
}

/// The number literal at the start of `text`.
fn number_literal(text: &str) -> &str {
    let is_number_char = |c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E');
    text.split(|c: char| !is_number_char(c))
        .next()
        .unwrap_or_default()
}

/// Python's `str()` of the number in a valid literal: an int keeps its digits
/// (`-0` is `0`); a float is rounded (`1e400` is `inf`) and shown by `repr()`.
fn python_number_str(literal: &str) -> String {
    if literal.contains(['.', 'e', 'E']) {
        crate::pyjson::float_repr(literal.parse().unwrap_or(f64::NAN))
    } else if literal.trim_start_matches('-').bytes().all(|b| b == b'0') {
        "0".to_owned()
    } else {
        literal.to_owned()
    }
}

// --- Form (DRF FormParser: Django QueryDict, urllib.parse.parse_qsl) ---

fn parse_form(
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
        store(&mut values, fields, &unquote_plus(name, charset), value);
    }
    Ok(values)
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

// --- Multipart (DRF MultiPartParser: Django's MultiPartParser) ---

/// Django's `MAX_TOTAL_HEADER_SIZE`: a part's headers end in its first 1 KiB.
const MAX_PART_HEADER: usize = 1024;

fn multipart_error(detail: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("Multipart form parse error - {detail}"))
}

fn parse_multipart(
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
        store(&mut values, fields, &name, value);
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

    const JSON: Option<&[u8]> = Some(b"application/json");
    const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded");
    const MULTIPART: Option<&[u8]> = Some(b"multipart/form-data; boundary=BB");
    const CD_USER: &str = r#"Content-Disposition: form-data; name="username""#;
    const CD_PASS: &str = r#"Content-Disposition: form-data; name="password""#;
    const BOTH: &[&str] = &["username", "password"];
    const USER: &[&str] = &["username"];
    const PASS: &[&str] = &["password"];

    type Answer<const N: usize> = Result<[String; N], BodyError>;

    fn pair(content_type: Option<&[u8]>, body: impl AsRef<[u8]>) -> Answer<2> {
        parse_fields(content_type, body.as_ref(), ["username", "password"])
    }

    fn json(body: impl AsRef<[u8]>) -> Answer<2> {
        pair(JSON, body)
    }

    fn form(body: impl AsRef<[u8]>) -> Answer<2> {
        pair(FORM, body)
    }

    fn mp(body: impl AsRef<[u8]>) -> Answer<2> {
        pair(MULTIPART, body)
    }

    fn refresh(body: &str) -> Answer<1> {
        parse_fields(JSON, body.as_bytes(), ["refresh"])
    }

    fn ok<const N: usize>(values: [&str; N]) -> Answer<N> {
        Ok(values.map(str::to_owned))
    }

    /// `BodyError::Fields` with `message` for each field in `names`.
    fn invalid<const N: usize>(names: &[&'static str], message: &'static str) -> Answer<N> {
        let errors = names.iter().map(|&name| (name, message.into()));
        Err(BodyError::Fields(errors.collect()))
    }

    fn malformed<const N: usize>(detail: &str) -> Answer<N> {
        Err(BodyError::Malformed(detail.into()))
    }

    fn assert_json_error(answer: Answer<2>) {
        match answer {
            Err(BodyError::Malformed(detail)) if detail.starts_with("JSON parse error - ") => {}
            other => panic!("expected a JSON parse error, got {other:?}"),
        }
    }

    /// One part per (headers, value), CRLF line ends, closing boundary.
    fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (headers, value) in parts {
            out.extend([b"--BB\r\n", headers.as_bytes(), b"\r\n\r\n", value, b"\r\n"].concat());
        }
        out.extend(b"--BB--\r\n");
        out
    }

    /// `input=expected` pairs separated by whitespace, for golden tables.
    fn golden(table: &str) -> impl Iterator<Item = (&str, &str)> {
        table
            .split_whitespace()
            .map(|case| case.rsplit_once('=').unwrap())
    }

    // --- simplejwt-5.5.1.md §1.1, a test per row about bodies ---

    #[test]
    fn table_unsupported_media_types_echo_the_header() {
        for ct in ["text/plain; charset=utf-8", "application/vnd.api+json", "*"] {
            let echo = BodyError::UnsupportedMediaType(ct.into());
            assert_eq!(pair(Some(ct.as_bytes()), "{}"), Err(echo));
        }
        let missing = pair(None, "{}").unwrap_err();
        assert_eq!(missing, BodyError::UnsupportedMediaType(String::new()));
        assert_eq!(missing.status(), 415);
    }

    #[test]
    fn table_empty_body_is_an_empty_dict_whatever_the_content_type() {
        let odd: [Option<&[u8]>; 3] = [Some(b"text/plain"), Some(b"multipart/form-data"), None];
        for ct in [JSON, FORM, MULTIPART].into_iter().chain(odd) {
            assert_eq!(pair(ct, ""), invalid(BOTH, REQUIRED));
        }
    }

    #[test]
    fn table_malformed_json() {
        let good = br#"{"username":"a","password":"b"}"#.as_slice();
        for body in [
            br#"{"username": }"#.to_vec(),
            br#"{"a":"b"} extra"#.to_vec(),
            br#"{"a": NaN}"#.to_vec(),
            br#"{"a": -Infinity}"#.to_vec(),
            [b"\xef\xbb\xbf", good].concat(),
            [good, b"\xe2\x82"].concat(),
            b"{\"username\":\"a\xc3\x28\"}".to_vec(),
            // FieldValue control characters in strings, keys included.
            b"{\"username\":\"a\tb\"}".to_vec(),
            b"{\"user\nname\":\"a\"}".to_vec(),
        ] {
            assert_json_error(json(body));
        }
        assert_eq!(json("{").unwrap_err().status(), 400);
        let bom = "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)";
        assert_eq!(json(b"\xef\xbb\xbf{}"), malformed(bom));
    }

    #[test]
    fn table_json_null_and_non_dicts() {
        assert_eq!(json(" null \n"), Err(BodyError::NoData));
        let table = r#"[]=list [1,{"a":2}]=list "username"=str 5=int -0=int 5.5=float 1e3=float
                       123456789012345678901234567890=int true=bool false=bool"#;
        for (body, name) in golden(table) {
            assert_eq!(json(body), Err(BodyError::NotADictionary(name)), "{body}");
        }
    }

    #[test]
    fn table_multipart_without_boundary_and_bodies_without_fields() {
        let none = "Multipart form parse error - Invalid boundary in multipart: None";
        let ct = |params: &str| format!("multipart/form-data{params}").into_bytes();
        assert_eq!(pair(Some(&ct("")), "--x\r\n"), malformed(none));
        assert_eq!(pair(Some(&ct("; charset=utf-8")), "x"), malformed(none));
        // An empty boundary is printed as empty, not as None.
        let empty = none.trim_end_matches("None");
        assert_eq!(pair(Some(&ct("; boundary=")), "x"), malformed(empty));
        // Bodies with no recognisable fields parse as {}.
        for answer in [mp("no boundary here"), form("&&&"), form("x=1")] {
            assert_eq!(answer, invalid(BOTH, REQUIRED));
        }
    }

    #[test]
    fn table_missing_blank_null_and_non_string_fields() {
        assert_eq!(json("{}"), invalid(BOTH, REQUIRED));
        assert_eq!(json(r#"{"username":"a"}"#), invalid(PASS, REQUIRED));
        assert_eq!(refresh(r#"{"token":"t"}"#), invalid(&["refresh"], REQUIRED));
        // Blank, null, and not a string.
        let blank = r#"{"username":"","password":" \t\n "}"#;
        assert_eq!(json(blank), invalid(BOTH, BLANK));
        let null = r#"{"username":null,"password":"x"}"#;
        assert_eq!(json(null), invalid(USER, NULL));
        for value in ["[]", r#"["a"]"#, "{}", r#"{"a":"b"}"#, "true", "false"] {
            let body = format!(r#"{{"username":{value},"password":"x"}}"#);
            assert_eq!(json(body), invalid(USER, NOT_A_STRING));
        }
    }

    #[test]
    fn table_numbers_are_accepted_and_null_characters_refused() {
        let body = r#"{"username":123,"password":1.5}"#;
        assert_eq!(json(body), ok(["123", "1.5"]));
        let body = r#"{"refresh":"ab\u0000c"}"#;
        assert_eq!(refresh(body), invalid(&["refresh"], NULL_CHARACTERS));
    }

    #[test]
    fn table_unknown_keys_duplicates_and_whitespace() {
        let body = r#"{"x":[{"y":null}],"username":"1","password":"p","username":"2","z":1e999}"#;
        assert_eq!(json(body), ok(["2", "p"]));
        // A duplicate can also turn a good value into a bad one.
        let body = r#"{"username":"a","password":"p","username":null}"#;
        assert_eq!(json(body), invalid(USER, NULL));
        // Whitespace is trimmed, passwords included.
        let body = r#"{"username":" alice ","password":" s3cret-pass "}"#;
        assert_eq!(json(body), ok(["alice", "s3cret-pass"]));
        assert_eq!(refresh(r#"{"refresh":"\n  tok.en  \r\n"}"#), ok(["tok.en"]));
    }

    // --- negotiation, headers and charsets ---

    #[test]
    fn content_type_is_matched_without_case_and_with_parameters() {
        let body = r#"{"username":"a","password":"b"}"#;
        let accepted = "Application/JSON|APPLICATION/JSON; CHARSET=UTF-8|*/*|application/*|\
                        application/json ; charset=\"utf-8\"|application/json=1; x";
        for ct in accepted.split('|') {
            assert_eq!(pair(Some(ct.as_bytes()), body), ok(["a", "b"]), "{ct}");
        }
        let upper = Some(b"APPLICATION/X-WWW-FORM-URLENCODED".as_slice());
        assert_eq!(pair(upper, "username=a&password=b"), ok(["a", "b"]));
        // Refused: without `;` all of it is the media type; over 256
        // characters; non-ASCII bytes are echoed as lossy UTF-8.
        let long = format!("application/json; x={}", "y".repeat(240));
        for (ct, echo) in [
            ("application/json=1".as_bytes(), "application/json=1"),
            (long.as_bytes(), long.as_str()),
            (b"text/\xe9", "text/\u{FFFD}"),
        ] {
            let refused = BodyError::UnsupportedMediaType(echo.into());
            assert_eq!(pair(Some(ct), body), Err(refused));
        }
    }

    #[test]
    fn header_parameters_follow_email_message_rules() {
        let line = r#" Multipart/Form-Data ; Boundary="a;b"; x=<y>; q="r\"s"; bare; =v"#;
        let (main, params) = parse_header(line);
        assert_eq!(main, "multipart/form-data");
        let expected = [("boundary", "a;b"), ("x", "y"), ("q", "r\"s"), ("bare", "")];
        assert_eq!(params, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        // The last duplicate wins; RFC 2231 names are left alone.
        let (_, params) = parse_header("a/b; name=x; NAME=y; name*=utf-8''z");
        assert_eq!(param(&params, "name"), Some("y"));
        assert_eq!(param(&params, "name*"), Some("utf-8''z"));
        assert_eq!(parse_header(""), (String::new(), Vec::new()));
    }

    #[test]
    fn charsets_are_named_like_python_and_honoured() {
        let names = "=Utf8 UTF-8=Utf8 UTF_8--Sig=Utf8Sig US-ASCII=Ascii latin-1=Latin1 \
                     ISO-8859-1=Latin1 iso8859_1=Latin1 cp1252=Utf8";
        for (name, charset) in golden(names) {
            assert_eq!(format!("{:?}", Charset::named(name)), charset, "{name}");
        }
        let latin1 = b"{\"username\":\"caf\xe9\",\"password\":\"x\"}";
        let ct = |charset: &str| format!("application/json; charset={charset}").into_bytes();
        assert_eq!(pair(Some(&ct("latin-1")), latin1), ok(["café", "x"]));
        assert_json_error(pair(Some(&ct("us-ascii")), latin1));
        assert_json_error(json(latin1));
        // utf-8-sig accepts the BOM that utf-8 refuses; other names are UTF-8.
        let bom = "\u{FEFF}{\"username\":\"a\",\"password\":\"é\"}";
        assert_eq!(pair(Some(&ct("utf-8-sig")), bom), ok(["a", "é"]));
        assert_eq!(pair(Some(&ct("no-such")), &bom[3..]), ok(["a", "é"]));
    }

    // --- JSON details ---

    #[test]
    fn json_nesting_is_limited_without_recursion() {
        let brackets = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert_json_error(json(brackets(10_000)));
        assert_json_error(json(format!(r#"{{"username":{}}}"#, brackets(10_000))));
        let nested = |n| {
            json(format!(
                r#"{{"x":{},"username":"a","password":"b"}}"#,
                brackets(n)
            ))
        };
        assert_eq!(nested(MAX_JSON_DEPTH - 1), ok(["a", "b"]));
        assert_json_error(nested(MAX_JSON_DEPTH));
        // Brackets inside strings do not count.
        let in_string = format!(r#"{{"username":"{}","password":"b"}}"#, "[".repeat(500));
        assert!(json(in_string).is_ok());
    }

    #[test]
    fn json_numbers_become_python_str() {
        let table = "123=123 -45=-45 -0=0 1.5=1.5 1e3=1000.0 1E3=1000.0 1e16=1e+16 \
                     1.5e-5=1.5e-05 -0.0=-0.0 0.0001=0.0001 1e400=inf -1e400=-inf 1e-400=0.0 \
                     123456789012345678901234567890=123456789012345678901234567890";
        for (literal, expected) in golden(table) {
            let body = format!(r#"{{"refresh" : {literal} }}"#);
            assert_eq!(refresh(&body), ok([expected]), "{literal}");
        }
    }

    #[test]
    fn json_strings_escapes_surrogates_and_trimming() {
        let body = r#"{"user\u006eame":"caf\u00e9","password":"\ud83d\ude00"}"#;
        assert_eq!(json(body), ok(["café", "\u{1F600}"]));
        // Python keeps lone surrogates; DRF's validator then refuses them.
        let body = r#"{"username":"a\udc00\ud800","password":"b"}"#;
        let message = "Surrogate characters are not allowed: U+DC00.";
        assert_eq!(json(body), invalid(USER, message));
        let body = r#"{"refresh":"\ud800\u0000"}"#;
        assert_eq!(refresh(body), invalid(&["refresh"], NULL_CHARACTERS));
        // In keys and in values that are not requested they are fine.
        let body = r#"{"\ud800":"\udfff","username":"a","password":"b"}"#;
        assert_eq!(json(body), ok(["a", "b"]));
        // Trimming is Python's; NUL is refused once trimmed.
        let body = r#"{"username":"\u001c\u00a0 alice\u3000","password":" \u0000 "}"#;
        assert_eq!(json(body), invalid(PASS, NULL_CHARACTERS));
        let body = r#"{"username":"\u001f\u2028","password":"\u200b"}"#;
        assert_eq!(json(body), invalid(USER, BLANK));
    }

    // --- form ---

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

    // --- multipart ---

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

    // --- Python helpers ---

    #[test]
    fn python_float_repr_matches_cpython() {
        let table = "0=0.0 -0.0=-0.0 1.5=1.5 1000=1000.0 0.1=0.1 0.0001=0.0001 0.00001=1e-05 \
                     1.5e-5=1.5e-05 1e15=1000000000000000.0 1e16=1e+16 1.2345e16=1.2345e+16 \
                     123456789.125=123456789.125 1e22=1e+22 1e100=1e+100 5e-324=5e-324 \
                     1.7976931348623157e308=1.7976931348623157e+308 -2.5e-7=-2.5e-07 \
                     inf=inf -inf=-inf nan=nan";
        for (literal, expected) in golden(table) {
            let x: f64 = literal.parse().unwrap();
            assert_eq!(crate::pyjson::float_repr(x), expected, "{literal}");
        }
    }

    #[test]
    fn python_strip_matches_cpython() {
        let ascii = " \t\n\r\x0b\x0c x \u{1c}\u{1d}\u{1e}\u{1f}";
        assert_eq!(python_strip(ascii), "x");
        let unicode = "\u{85}\u{a0}\u{1680}\u{2000}x\u{200a}\u{2028}\u{2029}\u{202f}\u{3000}";
        assert_eq!(python_strip(unicode), "x");
        // Not whitespace to Python: NUL, U+200B, U+FEFF.
        assert_eq!(python_strip("\0x\0"), "\0x\0");
        assert_eq!(python_strip("\u{200b}x\u{feff}"), "\u{200b}x\u{feff}");
        assert_eq!(python_strip("  "), "");
    }

    // --- robustness ---

    /// Deterministic xorshift64*: no crates, the same inputs on every run.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
    }

    #[test]
    fn no_panic_on_pseudo_random_bodies() {
        // Mostly the formats' own bytes, so that parsers get past their first check.
        const ALPHABET: &[u8] = b"{}[]\":,\\u0123456789.eE+-ntrfalse \r\n\t=&%+;--BB\r\n\r\n\
            Content-Disposition: form-data; name=\"username\"; filename=\"\"\xff\xc3\xed\xa0\x00";
        let content_types: Vec<&str> = "application/json|application/x-www-form-urlencoded|\
            multipart/form-data; boundary=BB|multipart/form-data; boundary=B|\
            application/json; charset=latin-1|application/x-www-form-urlencoded; charset=ascii|\
            multipart/form-data; boundary=BB; charset=utf-8-sig|"
            .split('|')
            .collect();
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..4000 {
            let len = rng.below(if round % 50 == 0 { 3000 } else { 120 });
            let body: Vec<u8> = (0..len)
                .map(|_| match rng.below(8) {
                    0 => rng.next().to_le_bytes()[0],
                    _ => ALPHABET[rng.below(ALPHABET.len())],
                })
                .collect();
            let ct = Some(content_types[round % content_types.len()].as_bytes());
            if let Ok(values) = pair(ct, &body) {
                assert!(values.iter().all(|v| !v.is_empty() && python_strip(v) == v));
            }
            let _ = parse_fields(ct, &body, ["refresh"]);
            let _ = parse_header(&String::from_utf8_lossy(&body));
        }
    }

    #[test]
    fn large_adversarial_bodies_are_linear() {
        // 1 MiB inputs built to hit worst cases; each must finish quickly.
        let start = std::time::Instant::now();
        let dashes = [b"--BB\r\n".as_slice(), &[b'-'; 1 << 20]].concat();
        let _ = mp(&dashes);
        let long_boundary = format!("multipart/form-data; boundary={}", "-".repeat(200));
        let _ = pair(Some(long_boundary.as_bytes()), &dashes);
        let _ = mp(format!("--BB\r\n{CD_USER}\r\n\r\n\r\n").repeat(20_000));
        let _ = mp("--BB\r\n".to_owned() + &"\r\n".repeat(1 << 19));
        let _ = parse_header(&format!(
            "application/json; x=\"{}\"",
            ";\"".repeat(100_000)
        ));
        let _ = form("&".repeat(1 << 20));
        let _ = form(format!("username={}", "%".repeat(1 << 20)));
        let _ = json(format!("[{}\"\"]", "\"[{\",".repeat(150_000)));
        let _ = json(format!(
            "{{{}\"username\":\"a\"}}",
            "\"k\":1,".repeat(150_000)
        ));
        let elapsed = start.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
    }
}
