//! Request bodies parsed the way Django REST framework 3.18 parses them.
//!
//! jwtd must be wire-compatible with DRF 3.18.3 + djangorestframework-simplejwt
//! 5.5.1 (running on Django 5.2): a client that works against the reference
//! server must get the same status and error body from us. So this module
//! re-implements, for the handful of string fields SimpleJWT reads, what DRF
//! does before a serializer sees the data:
//!
//! 1. content negotiation (`DefaultContentNegotiation.select_parser`), which
//!    picks one of DRF's three default parsers or answers 415;
//! 2. the parser itself:
//!    - `application/json`: `JSONParser` (Python `json.load`, NaN/Infinity
//!      rejected), here done with `serde_json` plus hand-written visitors;
//!    - `application/x-www-form-urlencoded`: `FormParser` (Django `QueryDict`,
//!      i.e. `urllib.parse.parse_qsl`);
//!    - `multipart/form-data`: `MultiPartParser` (Django's streaming
//!      `MultiPartParser`, ported faithfully, 64 KiB chunking included);
//! 3. DRF `CharField` validation (required, not null, not blank,
//!    `trim_whitespace=True`, no NUL) for each requested field.
//!
//! [`parse_fields`] is the only entry point; [`BodyError`] says which of the
//! reference server's 4xx answers to send.
//!
//! Where serde_json or this port cannot follow CPython/Django exactly, the
//! difference is listed at the item concerned (search for "Differs").

#![deny(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::io;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Parse `body` per its Content-Type and validate the named fields as DRF CharFields
/// (required, allow_blank=False, allow_null=False, trim_whitespace=True).
/// On success returns the trimmed values in the order of `fields`.
pub fn parse_fields<const N: usize>(
    content_type: Option<&[u8]>,
    body: &[u8],
    fields: [&'static str; N],
) -> Result<[String; N], BodyError> {
    let raw = parse_raw(content_type, body, &fields)?;
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut errors = Vec::new();
    // DRF's Serializer.to_internal_value: every field is validated, errors are
    // collected in declared order.
    for ((name, raw), slot) in fields.iter().zip(raw).zip(values.iter_mut()) {
        match validate_char_field(raw) {
            Ok(value) => *slot = Some(value),
            Err(message) => errors.push((*name, message)),
        }
    }
    if !errors.is_empty() {
        return Err(BodyError::Fields(errors));
    }
    Ok(values.map(Option::unwrap_or_default))
}

/// Why a body was refused, as the reference server would answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// 415; the Content-Type header value as sent (lossy UTF-8), `""` when the header is absent.
    UnsupportedMediaType(String),
    /// 400 `{"detail": <this string>}`: the whole detail, e.g. `"JSON parse error - expected value at line 1 column 14"` or `"Multipart form parse error - Invalid boundary in multipart: None"`.
    Malformed(String),
    /// 400 `{"non_field_errors":["No data provided"]}` (JSON `null`).
    NoData,
    /// 400 `{"non_field_errors":["Invalid data. Expected a dictionary, but got <name>."]}`; name is Python's type name: `list`, `str`, `int`, `float`, `bool`.
    NotADictionary(&'static str),
    /// 400 `{"<field>":["<message>"], ...}`: only the failing fields, in declared order.
    Fields(Vec<(&'static str, &'static str)>),
}

impl BodyError {
    /// HTTP status: 415 for [`BodyError::UnsupportedMediaType`], 400 otherwise.
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
            BodyError::Fields(errors) => {
                f.write_str("invalid fields:")?;
                for (name, message) in errors {
                    write!(f, " {name}: {message}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BodyError {}

// DRF's English message strings (msgids).
const MSG_REQUIRED: &str = "This field is required.";
const MSG_NULL: &str = "This field may not be null.";
const MSG_INVALID: &str = "Not a valid string.";
const MSG_BLANK: &str = "This field may not be blank.";
const MSG_NULL_CHARS: &str = "Null characters are not allowed.";

const JSON_PREFIX: &str = "JSON parse error - ";
const MULTIPART_PREFIX: &str = "Multipart form parse error - ";

// Django settings defaults that shape the answers.
/// `DATA_UPLOAD_MAX_MEMORY_SIZE` (2.5 MiB).
const DATA_UPLOAD_MAX_MEMORY_SIZE: usize = 2_621_440;
/// `DATA_UPLOAD_MAX_NUMBER_FIELDS`.
const DATA_UPLOAD_MAX_NUMBER_FIELDS: usize = 1000;
/// `DATA_UPLOAD_MAX_NUMBER_FILES`.
const DATA_UPLOAD_MAX_NUMBER_FILES: usize = 100;
/// DRF `DefaultContentNegotiation.max_media_type_length`: longer → 415.
const MAX_MEDIA_TYPE_LENGTH: usize = 256;

// Django raises these SuspiciousOperations; the reference server answers them
// with its HTML "Bad Request (400)" page. Differs: [`BodyError`] has no variant
// for that page, so they surface as `Malformed(<Django's message>)` (same status).
const TOO_MANY_FIELDS: &str =
    "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.";
const TOO_MANY_FILES: &str = "The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.";
const TOO_BIG: &str = "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.";

// ---------------------------------------------------------------------------
// Negotiation
// ---------------------------------------------------------------------------

/// What a parser found for one requested field, before CharField validation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RawValue {
    Missing,
    Null,
    /// JSON bool, array or object.
    NotString,
    /// A string, or a JSON number already turned into Python's `str()` of it.
    Str(String),
    /// A JSON string holding a lone surrogate (`"\ud800"`), which Python
    /// keeps and DRF's ProhibitSurrogateCharactersValidator refuses.
    Surrogate {
        first: u32,
        has_nul: bool,
    },
    /// A completed multipart file upload; `name` is Django's sanitised file name.
    File {
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParserKind {
    Json,
    Form,
    Multipart,
}

fn parse_raw(
    content_type: Option<&[u8]>,
    body: &[u8],
    fields: &[&str],
) -> Result<Vec<RawValue>, BodyError> {
    // DRF Request._parse: Content-Length 0 means "no stream" and data `{}`,
    // before the Content-Type is even looked at. (Differs only where Django
    // already fails on the header itself, see below: a 500 there.)
    if body.is_empty() {
        return Ok(vec![RawValue::Missing; fields.len()]);
    }
    // An absent header is `''` in DRF (`META.get('CONTENT_TYPE', '')`).
    let header = content_type.unwrap_or_default();
    // Differs for non-ASCII bytes only: Django echoes the ISO-8859-1 reading
    // of the header; the caller asked for lossy UTF-8.
    let unsupported =
        || BodyError::UnsupportedMediaType(String::from_utf8_lossy(header).into_owned());
    // WSGI hands Django header values decoded as ISO-8859-1.
    let header_text = latin1(header);
    // Django parses the header when it builds the request (for `encoding`).
    // Differs: where that raises (unknown RFC 2231 charset, mixed `x*`/`x*0`
    // continuations) Django answers 500; we answer 415.
    let (media_type, params) = parse_header_parameters(&header_text).map_err(|_| unsupported())?;
    if header.len() > MAX_MEDIA_TYPE_LENGTH {
        return Err(unsupported());
    }
    let kind = select_parser(&media_type).ok_or_else(unsupported)?;
    // Only JSON and form bodies go through `HttpRequest.body`, which checks the size.
    if kind != ParserKind::Multipart && body.len() > DATA_UPLOAD_MAX_MEMORY_SIZE {
        return Err(BodyError::Malformed(TOO_BIG.to_owned()));
    }
    let charset = request_charset(param(&params, "charset"))?;
    match kind {
        ParserKind::Json => parse_json(body, charset, fields),
        ParserKind::Form => parse_form(body, charset, fields),
        ParserKind::Multipart => {
            parse_multipart(&header_text, header, &params, body, charset, fields)
        }
    }
}

/// DRF `_MediaType.match` against the three default parsers, in DRF's order.
/// `*` on either side matches anything, so `*/*` and `application/*` pick JSON.
fn select_parser(full_type: &str) -> Option<ParserKind> {
    let (main, sub) = full_type.split_once('/').unwrap_or((full_type, ""));
    [
        (ParserKind::Json, "application", "json"),
        (ParserKind::Form, "application", "x-www-form-urlencoded"),
        (ParserKind::Multipart, "multipart", "form-data"),
    ]
    .into_iter()
    .find(|(_, want_main, want_sub)| {
        (sub == "*" || sub == *want_sub) && (main == "*" || main == *want_main)
    })
    .map(|(kind, _, _)| kind)
}

/// The charset a parser decodes with: Django keeps `charset=` only if
/// `codecs.lookup()` knows it, and DRF's `get_encoding` then refuses
/// non-text codecs (`base64`, `rot13`, `undefined`, …).
fn request_charset(name: Option<&str>) -> Result<Charset, BodyError> {
    let Some(name) = name else {
        return Ok(Charset::Utf8);
    };
    match resolve_codec(name) {
        Codec::Text(charset) => Ok(charset),
        Codec::NotText | Codec::Undefined => Err(BodyError::Malformed(format!(
            "Unsupported charset \"{name}\" in request Content-Type header."
        ))),
        // Differs: Python also knows utf-16, cp1252, shift_jis, …; those are
        // decoded as UTF-8 here (as for a charset Python does not know).
        Codec::Unknown => Ok(Charset::Utf8),
    }
}

// ---------------------------------------------------------------------------
// Charsets (Python codecs)
// ---------------------------------------------------------------------------

/// The Python codecs this module can decode with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    /// `utf-8-sig`: UTF-8 with one leading BOM dropped.
    Utf8Sig,
    Ascii,
    Latin1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Text(Charset),
    /// A bytes-to-bytes codec (`base64_codec`, `rot_13`, …).
    NotText,
    /// Python's `undefined` codec: found by `lookup`, fails on use.
    Undefined,
    /// Not one of ours (Python may or may not know it).
    Unknown,
}

/// Python's `codecs.lookup` restricted to the codecs above: the name is
/// normalised like `_Py_normalize_encoding` (ASCII letters and digits and `.`
/// kept and lower-cased, every other run of characters becomes one `_`), then
/// looked up in `encodings.aliases`, then taken as a module name.
fn resolve_codec(name: &str) -> Codec {
    let mut norm = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !norm.is_empty() {
                norm.push('_');
            }
            punct = false;
            norm.push(c.to_ascii_lowercase());
        } else {
            punct = true;
        }
    }
    let module = codec_alias(&norm)
        .or_else(|| codec_alias(&norm.replace('.', "_")))
        .unwrap_or(norm.as_str());
    match module {
        "utf_8" => Codec::Text(Charset::Utf8),
        "utf_8_sig" => Codec::Text(Charset::Utf8Sig),
        "ascii" => Codec::Text(Charset::Ascii),
        "latin_1" => Codec::Text(Charset::Latin1),
        "base64_codec" | "bz2_codec" | "hex_codec" | "quopri_codec" | "rot_13" | "uu_codec"
        | "zlib_codec" => Codec::NotText,
        "undefined" => Codec::Undefined,
        _ => Codec::Unknown,
    }
}

/// The entries of CPython 3.11 `encodings.aliases` that lead to the codecs above.
fn codec_alias(norm: &str) -> Option<&'static str> {
    Some(match norm {
        "cp65001" | "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" => "utf_8",
        "646" | "ansi_x3.4_1968" | "ansi_x3.4_1986" | "ansi_x3_4_1968" | "cp367" | "csascii"
        | "ibm367" | "iso646_us" | "iso_646.irv_1991" | "iso_ir_6" | "us" | "us_ascii" => "ascii",
        "8859" | "cp819" | "csisolatin1" | "ibm819" | "iso8859" | "iso8859_1" | "iso_8859_1"
        | "iso_8859_1_1987" | "iso_ir_100" | "l1" | "latin" | "latin1" => "latin_1",
        "base64" | "base_64" => "base64_codec",
        "bz2" => "bz2_codec",
        "hex" => "hex_codec",
        "quopri" | "quoted_printable" | "quotedprintable" => "quopri_codec",
        "rot13" => "rot_13",
        "uu" => "uu_codec",
        "zip" | "zlib" => "zlib_codec",
        _ => return None,
    })
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `bytes.decode(charset, errors="replace")`.
fn decode_lossy(bytes: &[u8], charset: Charset) -> String {
    match charset {
        Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Charset::Utf8Sig => {
            String::from_utf8_lossy(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)).into_owned()
        }
        Charset::Ascii => bytes
            .iter()
            .map(|&b| {
                if b.is_ascii() {
                    char::from(b)
                } else {
                    char::REPLACEMENT_CHARACTER
                }
            })
            .collect(),
        Charset::Latin1 => latin1(bytes),
    }
}

/// `bytes.decode(charset)` (strict); `None` where Python raises.
fn decode_strict(bytes: &[u8], charset: Charset) -> Option<String> {
    match charset {
        Charset::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
        Charset::Utf8Sig => std::str::from_utf8(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes))
            .ok()
            .map(str::to_owned),
        Charset::Ascii => bytes.is_ascii().then(|| latin1(bytes)),
        Charset::Latin1 => Some(latin1(bytes)),
    }
}

// ---------------------------------------------------------------------------
// Header parameters (Django 5.2 `parse_header_parameters`)
// ---------------------------------------------------------------------------

/// Where Django's header parsing raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderError {
    /// ValueError (an unknown RFC 2231 charset): Django skips such a
    /// multipart header line.
    Value,
    /// TypeError (`x*` mixed with `x*0`): Django lets it escape, a 500.
    Type,
}

/// Django 5.2 `django.utils.http.parse_header_parameters`: the main value,
/// lower-cased, and the parameters in the order Python's dict would hold them
/// (look them up with [`param`], last one wins). Underneath it is
/// `email.message.Message.get_params()`, quirks included: quoted and `<…>`
/// values are unquoted, `;` inside double quotes does not split, and RFC 2231
/// `name*=charset'lang'%xx` / `name*0=…` continuations are decoded.
fn parse_header_parameters(line: &str) -> Result<(String, Vec<(String, String)>), HeaderError> {
    if line.is_empty() {
        return Ok((String::new(), Vec::new()));
    }
    if !line.contains(';') {
        return Ok((python_strip(line).to_lowercase(), Vec::new()));
    }
    // email.message._parseparam, then Message._get_params_preserve.
    let mut pairs = email_parseparam(line)
        .into_iter()
        .map(|p| match p.split_once('=') {
            Some((name, value)) => (
                python_strip(name).to_owned(),
                python_strip(value).to_owned(),
            ),
            None => (python_strip(&p).to_owned(), String::new()),
        });
    let key = pairs
        .next()
        .map(|(name, _)| name.to_lowercase())
        .unwrap_or_default();

    // email.utils.decode_params: plain parameters first, in order, then the
    // RFC 2231 ones grouped by name in order of first appearance.
    let mut plain: Vec<(String, String)> = Vec::new();
    let mut groups: Vec<(String, Vec<Continuation>)> = Vec::new();
    for (name, value) in pairs {
        let value = email_unquote(&value).into_owned();
        match rfc2231_name(&name) {
            Some((base, num)) => {
                let part = Continuation {
                    num,
                    value,
                    encoded: name.ends_with('*'),
                };
                match groups.iter_mut().find(|(n, _)| *n == base) {
                    Some((_, parts)) => parts.push(part),
                    None => groups.push((base.to_owned(), vec![part])),
                }
            }
            None => plain.push((name, value)),
        }
    }
    // Python sorts each group's (num, value, encoded) tuples first: None and
    // int cannot be compared, and that TypeError comes before any charset
    // check (ValueError) below.
    for (_, parts) in &groups {
        let numbered = parts.iter().filter(|p| p.num.is_some()).count();
        if numbered != 0 && numbered != parts.len() {
            return Err(HeaderError::Type);
        }
    }
    let mut params = plain;
    for (name, mut parts) in groups {
        parts.sort_by(|a, b| {
            let num = |p: &Continuation| p.num.as_ref().map(|n| (n.len(), n.clone()));
            num(a)
                .cmp(&num(b))
                .then_with(|| a.value.cmp(&b.value))
                .then(a.encoded.cmp(&b.encoded))
        });
        let mut joined = String::new();
        let mut extended = false;
        for part in &parts {
            if part.encoded {
                joined.push_str(&url_unquote(&part.value, Charset::Latin1));
                extended = true;
            } else {
                joined.push_str(&part.value);
            }
        }
        if !extended {
            params.push((name, joined));
            continue;
        }
        // decode_rfc2231 splits the *quoted* string; collapse_rfc2231_value
        // then decodes the third part with the named charset.
        let quoted = email_quote(&joined);
        let mut split = quoted.splitn(3, '\'');
        let (charset, text) = match (split.next(), split.next(), split.next()) {
            (Some(charset), Some(_language), Some(text)) => (Some(charset), text),
            _ => (None, quoted.as_str()),
        };
        let text = email_unescape(text);
        params.push((name, collapse_rfc2231(charset, &text)?));
    }
    Ok((key, params))
}

/// The last value of parameter `name` (Python dict semantics).
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

struct Continuation {
    /// Decimal digits without leading zeros (Python `int()`), `None` for `name*`.
    num: Option<String>,
    value: String,
    encoded: bool,
}

/// `email.message._parseparam`: split on `;` except inside double quotes,
/// lower-case and strip names. Linear: the quote counts are kept running.
fn email_parseparam(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let bytes = rest.as_bytes();
        // `end` is the first `;` at which the count of `"` minus the count of
        // `\"` in rest[..end] is even.
        let mut end = bytes.len();
        let mut quotes = 0usize;
        let mut escaped = 0usize;
        let mut prev = 0u8;
        for (i, &b) in bytes.iter().enumerate() {
            // At i == 0 both counts are 0: a leading `;` always splits.
            if b == b';' && (quotes - escaped).is_multiple_of(2) {
                end = i;
                break;
            }
            if b == b'"' {
                quotes += 1;
                if prev == b'\\' {
                    escaped += 1;
                }
            }
            prev = b;
        }
        let field = rest.get(..end).unwrap_or(rest);
        let field = match field.split_once('=') {
            Some((name, value)) => {
                format!(
                    "{}={}",
                    python_strip(name).to_lowercase(),
                    python_strip(value)
                )
            }
            None => field.to_owned(),
        };
        out.push(python_strip(&field).to_owned());
        match rest.get(end..).and_then(|r| r.strip_prefix(';')) {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// `email.utils.decode_params`' RFC 2231 name pattern `^(\w+)\*(([0-9]+)\*?)?$`
/// (ASCII): the base name and the continuation number, if any.
fn rfc2231_name(name: &str) -> Option<(&str, Option<String>)> {
    let (base, rest) = name.split_once('*')?;
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    if rest.is_empty() {
        return Some((base, None));
    }
    let digits = rest.strip_suffix('*').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    Some((
        base,
        Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned()),
    ))
}

/// `email.utils.unquote`.
fn email_unquote(s: &str) -> Cow<'_, str> {
    if s.chars().nth(1).is_some() {
        if let Some(inner) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            return Cow::Owned(email_unescape(inner));
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            return Cow::Borrowed(inner);
        }
    }
    Cow::Borrowed(s)
}

fn email_unescape(s: &str) -> String {
    s.replace("\\\\", "\\").replace("\\\"", "\"")
}

/// `email.utils.quote`.
fn email_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Django's check of an RFC 2231 charset plus `email.utils.collapse_rfc2231_value`.
fn collapse_rfc2231(charset: Option<&str>, text: &str) -> Result<String, HeaderError> {
    let codec = match charset {
        // decode_rfc2231 could not split: us-ascii is the fallback.
        None => Codec::Text(Charset::Ascii),
        // No lookup for an empty charset; str(…, '') then raises LookupError.
        Some("") => return Ok(email_unquote(text).into_owned()),
        Some(name) => resolve_codec(name),
    };
    // bytes(text, 'raw-unicode-escape')
    let mut raw = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => raw.push(b),
            Err(_) if u32::from(c) <= 0xFFFF => {
                raw.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes());
            }
            Err(_) => raw.extend_from_slice(format!("\\U{:08x}", u32::from(c)).as_bytes()),
        }
    }
    match codec {
        Codec::Text(charset) => Ok(decode_lossy(&raw, charset)),
        // str(bytes, 'base64') raises LookupError, which collapse catches.
        Codec::NotText => Ok(email_unquote(text).into_owned()),
        // Differs: Python knows more charsets; an unknown name makes Django
        // raise ValueError ("Invalid encoding … for RFC 2231 param.").
        Codec::Undefined | Codec::Unknown => Err(HeaderError::Value),
    }
}

// ---------------------------------------------------------------------------
// Percent-decoding (urllib.parse.unquote)
// ---------------------------------------------------------------------------

/// `urllib.parse.unquote(s, encoding=charset, errors="replace")`: each maximal
/// run of ASCII characters is percent-decoded to bytes and decoded with the
/// charset; other characters are kept as they are.
fn url_unquote(s: &str, charset: Charset) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(split);
        if !ascii.is_empty() {
            out.push_str(&decode_lossy(&percent_decode(ascii.as_bytes()), charset));
        }
        let split = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (other, tail) = tail.split_at(split);
        out.push_str(other);
        rest = tail;
    }
    out
}

/// `urllib.parse.unquote_to_bytes`: `%XX` with two hex digits becomes a byte,
/// anything else (a lone or invalid `%`) is kept.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%' {
            let hi = input.get(i + 1).and_then(|&h| char::from(h).to_digit(16));
            let lo = input.get(i + 2).and_then(|&l| char::from(l).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                // Two hex digits: the value fits in a byte.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------
// JSON (DRF JSONParser)
// ---------------------------------------------------------------------------

/// serde_json's nesting limit (`remaining_depth` 128): 127 levels parse, the
/// 128th is refused. Nothing here recurses on the input, so this could be
/// raised; it stays at serde_json's figure. Differs: CPython manages about
/// 980 levels under DRF and answers 500 (RecursionError) beyond.
const MAX_JSON_DEPTH: usize = 127;

/// CPython 3.11's `sys.int_info.default_max_str_digits`: `int()` of a longer
/// literal raises ValueError, which DRF turns into a JSON parse error.
const MAX_INT_DIGITS: usize = 4300;

fn json_error(message: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("{JSON_PREFIX}{message}"))
}

fn parse_json(body: &[u8], charset: Charset, fields: &[&str]) -> Result<Vec<RawValue>, BodyError> {
    let text = decode_json_text(body, charset).map_err(json_error)?;
    if text.starts_with('\u{FEFF}') {
        return Err(json_error(
            "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
        ));
    }
    prescan_json(text.as_bytes())?;

    let tracker = Tracker {
        text: text.as_bytes(),
        pos: Cell::new(0),
    };
    let mut de = serde_json::Deserializer::from_reader(TrackedReader { tracker: &tracker });
    let top = TopSeed {
        tracker: &tracker,
        fields,
    }
    .deserialize(&mut de)
    .map_err(json_error)?;
    // Python's "Extra data": anything but whitespace after the value.
    de.end().map_err(json_error)?;
    match top {
        TopLevel::Object(values) => Ok(values),
        TopLevel::Null => Err(BodyError::NoData),
        TopLevel::Other(name) => Err(BodyError::NotADictionary(name)),
    }
}

/// DRF reads JSON through `codecs.getreader(charset)`. That StreamReader
/// decodes with `final=False`, so an incomplete UTF-8 sequence at the very
/// end (including `ED A0..BF`) is silently dropped; anything else invalid is
/// an error (reported with Python's wording).
fn decode_json_text(body: &[u8], charset: Charset) -> Result<Cow<'_, str>, String> {
    match charset {
        Charset::Latin1 => Ok(Cow::Owned(latin1(body))),
        Charset::Ascii => match body.iter().position(|b| !b.is_ascii()) {
            Some(pos) => Err(format!(
                "'ascii' codec can't decode byte 0x{:02x} in position {pos}: ordinal not in range(128)",
                body.get(pos).copied().unwrap_or_default()
            )),
            None => Ok(Cow::Owned(latin1(body))),
        },
        Charset::Utf8 => decode_utf8_stream(body),
        Charset::Utf8Sig => decode_utf8_stream(body.strip_prefix(UTF8_BOM).unwrap_or(body)),
    }
}

fn decode_utf8_stream(body: &[u8]) -> Result<Cow<'_, str>, String> {
    let error = match std::str::from_utf8(body) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(error) => error,
    };
    let valid = error.valid_up_to();
    let (head, tail) = body.split_at(valid);
    let incomplete = match error.error_len() {
        None => true,
        // CPython keeps a truncated surrogate `ED A0..BF` for the next read.
        Some(_) => matches!(tail, [0xED, 0xA0..=0xBF]),
    };
    if incomplete {
        return std::str::from_utf8(head)
            .map(Cow::Borrowed)
            .map_err(|e| e.to_string());
    }
    let len = error.error_len().unwrap_or(1);
    let first = tail.first().copied().unwrap_or_default();
    let reason = if matches!(first, 0x80..=0xC1 | 0xF5..=0xFF) {
        "invalid start byte"
    } else {
        "invalid continuation byte"
    };
    Err(if len == 1 {
        format!("'utf-8' codec can't decode byte 0x{first:02x} in position {valid}: {reason}")
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {valid}-{}: {reason}",
            valid + len - 1
        )
    })
}

/// Checks made on the text before serde_json sees it: nesting deeper than
/// [`MAX_JSON_DEPTH`] (serde_json's `IgnoredAny` has no limit of its own),
/// and raw control characters inside strings (Python's strict mode refuses
/// them; serde_json's byte-string mode, used for keys and requested values,
/// would not). String boundaries are tracked exactly for valid JSON; on
/// invalid JSON an error is due anyway.
fn prescan_json(text: &[u8]) -> Result<(), BodyError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let (mut line, mut column) = (1usize, 0usize);
    for &b in text {
        if b == b'\n' {
            line += 1;
            column = 0;
        } else {
            column += 1;
        }
        if in_string {
            if b < 0x20 {
                return Err(json_error(format!(
                    "Invalid control character at: line {line} column {column}"
                )));
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(json_error(format!(
                        "recursion limit exceeded at line {line} column {column}"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The decoded JSON text and how far serde_json has read into it.
///
/// serde_json cannot hand out number literals (no `arbitrary_precision`) and
/// its number parser refuses what Python accepts (`1e400` is `inf` in
/// Python). So values are classified by looking at the text itself: the
/// reader below gives serde_json one byte per `read` call, so `pos` is
/// exactly the number of bytes it has consumed. Invariant used by the seeds:
/// when serde_json calls `DeserializeSeed::deserialize` for an object value
/// it has just consumed the `:` and buffered nothing, and at the top level it
/// has consumed nothing; so the value starts at the first non-whitespace
/// byte at or after `pos`. Number literals are then read from the text and
/// skipped in serde_json with `IgnoredAny` (which checks their syntax but
/// never converts them).
struct Tracker<'t> {
    text: &'t [u8],
    pos: Cell<usize>,
}

impl Tracker<'_> {
    /// The value starting at `pos`, past JSON whitespace: its first byte and offset.
    fn peek_value(&self) -> (Option<u8>, usize) {
        let mut at = self.pos.get();
        while let Some(&b) = self.text.get(at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return (Some(b), at);
            }
            at += 1;
        }
        (None, at)
    }

    /// The number literal starting at `start`. If this over-reads (`1-2`),
    /// serde_json reports a syntax error right after the value anyway.
    fn number_at(&self, start: usize) -> &str {
        let rest = self.text.get(start..).unwrap_or_default();
        let len = rest
            .iter()
            .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(rest.len());
        rest.get(..len)
            .and_then(|n| std::str::from_utf8(n).ok())
            .unwrap_or_default()
    }
}

struct TrackedReader<'a, 't> {
    tracker: &'a Tracker<'t>,
}

impl io::Read for TrackedReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pos = self.tracker.pos.get();
        match (buf.first_mut(), self.tracker.text.get(pos)) {
            (Some(slot), Some(&b)) => {
                *slot = b;
                self.tracker.pos.set(pos + 1);
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

enum TopLevel {
    Object(Vec<RawValue>),
    Null,
    /// Python's type name of a non-object top-level value.
    Other(&'static str),
}

struct TopSeed<'a, 't> {
    tracker: &'a Tracker<'t>,
    fields: &'a [&'a str],
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = TopLevel;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<TopLevel, D::Error> {
        let (first, start) = self.tracker.peek_value();
        let name = match first {
            Some(b'{') => {
                let visitor = ObjectVisitor {
                    tracker: self.tracker,
                    fields: self.fields,
                };
                return deserializer.deserialize_map(visitor).map(TopLevel::Object);
            }
            Some(b'n') => {
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                return Ok(TopLevel::Null);
            }
            Some(b'[') => "list",
            Some(b'"') => "str",
            Some(b't' | b'f') => "bool",
            Some(b'-' | b'0'..=b'9') => {
                let literal = self.tracker.number_at(start).to_owned();
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                python_number_str(&literal).map_err(de::Error::custom)?;
                return Ok(TopLevel::Other(if is_float_literal(&literal) {
                    "float"
                } else {
                    "int"
                }));
            }
            // Not a JSON value: serde_json produces the error.
            _ => {
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                return Err(de::Error::custom("expected value"));
            }
        };
        deserializer.deserialize_ignored_any(IgnoredAny)?;
        Ok(TopLevel::Other(name))
    }
}

/// Reads the top-level object in document order, keeping only the requested
/// fields (last duplicate wins); everything else is skipped with `IgnoredAny`.
struct ObjectVisitor<'a, 't> {
    tracker: &'a Tracker<'t>,
    fields: &'a [&'a str],
}

impl<'de> Visitor<'de> for ObjectVisitor<'_, '_> {
    type Value = Vec<RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<RawValue>, A::Error> {
        let mut values = vec![RawValue::Missing; self.fields.len()];
        while let Some(key) = map.next_key_seed(KeySeed {
            fields: self.fields,
        })? {
            match key {
                Some(index) => {
                    let value = map.next_value_seed(ValueSeed {
                        tracker: self.tracker,
                    })?;
                    let name = self.fields.get(index).copied().unwrap_or_default();
                    for (slot, field) in values.iter_mut().zip(self.fields) {
                        if *field == name {
                            *slot = value.clone();
                        }
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// An object key: the index of the requested field it names, if any.
struct KeySeed<'a> {
    fields: &'a [&'a str],
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        // Bytes, not str: serde_json then accepts lone surrogates, as Python does.
        deserializer.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(self.fields.iter().position(|field| field.as_bytes() == key))
    }
}

/// The value of a requested field.
struct ValueSeed<'a, 't> {
    tracker: &'a Tracker<'t>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = RawValue;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<RawValue, D::Error> {
        let (first, start) = self.tracker.peek_value();
        match first {
            Some(b'"') => deserializer.deserialize_bytes(StringVisitor),
            Some(b'-' | b'0'..=b'9') => {
                let literal = self.tracker.number_at(start).to_owned();
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                python_number_str(&literal)
                    .map(RawValue::Str)
                    .map_err(de::Error::custom)
            }
            Some(b'n') => {
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                Ok(RawValue::Null)
            }
            // true/false/arrays/objects; anything else fails in serde_json.
            _ => {
                deserializer.deserialize_ignored_any(IgnoredAny)?;
                Ok(RawValue::NotString)
            }
        }
    }
}

/// A JSON string read as bytes: serde_json then hands over lone surrogates
/// as WTF-8 (`ED A0..BF xx`) instead of failing; every other byte sequence
/// it produces is valid UTF-8.
struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<RawValue, E> {
        if let Ok(text) = std::str::from_utf8(value) {
            return Ok(RawValue::Str(text.to_owned()));
        }
        let first = value
            .windows(3)
            .find_map(|w| match *w {
                [0xED, b1 @ 0xA0..=0xBF, b2] => {
                    Some(0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F))
                }
                _ => None,
            })
            .unwrap_or(0xD800);
        Ok(RawValue::Surrogate {
            first,
            has_nul: value.contains(&0),
        })
    }

    fn visit_byte_buf<E: de::Error>(self, value: Vec<u8>) -> Result<RawValue, E> {
        self.visit_bytes(&value)
    }
}

fn is_float_literal(literal: &str) -> bool {
    literal.contains(['.', 'e', 'E'])
}

/// Python's `str()` of the number `json` makes from a (syntactically valid)
/// literal. Integers keep their digits exactly, however long (`-0` is `0`),
/// up to CPython's 4300-digit conversion limit, past which Python raises.
/// Floats are `float(literal)`, correctly rounded like Rust's parser
/// (`1e400` is `inf`), printed as `repr()`.
fn python_number_str(literal: &str) -> Result<String, String> {
    if is_float_literal(literal) {
        return Ok(python_float_repr(
            literal.parse::<f64>().unwrap_or(f64::NAN),
        ));
    }
    let digits = literal.strip_prefix('-').unwrap_or(literal);
    if digits.len() > MAX_INT_DIGITS {
        return Err(format!(
            "Exceeds the limit ({MAX_INT_DIGITS} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            digits.len()
        ));
    }
    if digits.bytes().all(|b| b == b'0') {
        return Ok("0".to_owned());
    }
    Ok(literal.to_owned())
}

/// Python's `repr(float)`: the shortest digits that round-trip (Rust's `{:e}`
/// gives the same digits), in scientific form (`1e+16`, `1.5e-05`) when the
/// decimal exponent is below -4 or at least 16, else positional with at
/// least one fractional digit (`1000.0`, `0.0001`).
fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if !(-4..16).contains(&exponent) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{dot}{rest}e{esign}{:02}",
            exponent.unsigned_abs()
        );
    }
    if exponent < 0 {
        let zeros = "0".repeat(usize::try_from(exponent.unsigned_abs() - 1).unwrap_or(0));
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = usize::try_from(exponent).unwrap_or(0) + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int_part, frac) = digits.split_at(int_len);
        format!("{sign}{int_part}.{frac}")
    }
}

// ---------------------------------------------------------------------------
// Form (DRF FormParser → Django QueryDict → urllib.parse.parse_qsl)
// ---------------------------------------------------------------------------

fn parse_form(body: &[u8], charset: Charset, fields: &[&str]) -> Result<Vec<RawValue>, BodyError> {
    // QueryDict: decode strictly with the charset, and if that fails decode
    // the whole body as ISO-8859-1 instead ("misbehaving user agents").
    let query = decode_strict(body, charset).unwrap_or_else(|| latin1(body));
    // parse_qsl(max_num_fields=DATA_UPLOAD_MAX_NUMBER_FIELDS) counts separators.
    if !query.is_empty() && query.matches('&').count() + 1 > DATA_UPLOAD_MAX_NUMBER_FIELDS {
        return Err(BodyError::Malformed(TOO_MANY_FIELDS.to_owned()));
    }
    let mut values = vec![RawValue::Missing; fields.len()];
    // keep_blank_values=True; empty pieces are skipped; the last value wins.
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = url_unquote(&name.replace('+', " "), charset);
        if !fields.contains(&name.as_str()) {
            continue;
        }
        let value = url_unquote(&value.replace('+', " "), charset);
        for (slot, field) in values.iter_mut().zip(fields) {
            if *field == name {
                *slot = RawValue::Str(value.clone());
            }
        }
    }
    Ok(values)
}

// ---------------------------------------------------------------------------
// Multipart (DRF MultiPartParser → Django MultiPartParser)
// ---------------------------------------------------------------------------
//
// Django reads the body in 64 KiB chunks through `LazyStream`s that can push
// bytes back ("unget"); which bytes a skipped part leaves unread depends on
// that chunking, and so do the pieces a base64 file is decoded in. The port
// keeps Django's algorithm and replaces its byte strings by ranges of `body`:
// every stream here is a contiguous range, because an unget only ever pushes
// back bytes that were just read. Linear time: each separator search is
// Knuth-Morris-Pratt over bytes not searched before (plus at most
// `separator + 6` bytes of look-back per chunk), and header searches look at
// no more than 1 KiB of each part.

/// `FILE_UPLOAD_HANDLERS`' chunk size (64 KiB): how Django reads the body.
const CHUNK_SIZE: usize = 64 * 1024;
/// Django's `MAX_TOTAL_HEADER_SIZE`: a part's headers must end in its first 1 KiB.
const MAX_TOTAL_HEADER_SIZE: usize = 1024;

fn multipart_error(message: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("{MULTIPART_PREFIX}{message}"))
}

fn parse_multipart(
    header_text: &str,
    header: &[u8],
    params: &[(String, String)],
    body: &[u8],
    charset: Charset,
    fields: &[&str],
) -> Result<Vec<RawValue>, BodyError> {
    // Django MultiPartParser.__init__, on the whole header value. The checks
    // are case-sensitive although DRF matched the media type without case.
    // The header is shown as lossy UTF-8, like the 415 echo.
    let shown = String::from_utf8_lossy(header);
    if !header_text.starts_with("multipart/") {
        return Err(multipart_error(format_args!(
            "Invalid Content-Type: {shown}"
        )));
    }
    if !header.is_ascii() {
        return Err(multipart_error(format_args!(
            "Invalid non-ASCII Content-Type in multipart: {shown}"
        )));
    }
    // Django parses the header again here; `params` is that same result.
    let boundary = match param(params, "boundary") {
        None => return Err(multipart_error("Invalid boundary in multipart: None")),
        Some(boundary) if !valid_boundary(boundary) => {
            return Err(multipart_error(format_args!(
                "Invalid boundary in multipart: {boundary}"
            )));
        }
        Some(boundary) => boundary,
    };
    let separator = Finder::new([b"--", boundary.as_bytes()].concat());
    let mut reader = MultipartReader {
        body,
        charset,
        fields,
        outer: Outer {
            body,
            pos: 0,
            end: 0,
        },
        separator,
        texts: vec![None; fields.len()],
        files: vec![None; fields.len()],
    };
    reader.run()?;
    Ok(reader
        .texts
        .into_iter()
        .zip(reader.files)
        .map(|(text, file)| match (file, text) {
            // DRF merges request.FILES into request.data with
            // MultiValueDict.update, which appends: a file wins over text.
            (Some(name), _) => RawValue::File { name },
            (None, Some(text)) => RawValue::Str(text),
            (None, None) => RawValue::Missing,
        })
        .collect())
}

/// Django's `boundary_re`, `[ -~]{0,200}[!-~]`, matched in full.
fn valid_boundary(boundary: &str) -> bool {
    let bytes = boundary.as_bytes();
    match bytes.split_last() {
        Some((last, rest)) => {
            rest.len() <= 200
                && rest.iter().all(|b| (b' '..=b'~').contains(b))
                && (b'!'..=b'~').contains(last)
        }
        None => false,
    }
}

/// The outer `LazyStream(ChunkIter(body, 64 KiB))`. Invariant:
/// `pos <= end <= body.len()`; `pos..end` is the pushed-back leftover and
/// `end` is where the next 64 KiB chunk starts.
struct Outer<'b> {
    body: &'b [u8],
    pos: usize,
    end: usize,
}

impl Outer<'_> {
    /// `LazyStream.__next__`: the leftover if any, else the next chunk.
    fn next_chunk(&mut self) -> Option<Range<usize>> {
        if self.pos < self.end {
            let chunk = self.pos..self.end;
            self.pos = self.end;
            return Some(chunk);
        }
        if self.end < self.body.len() {
            let start = self.end;
            self.end = start.saturating_add(CHUNK_SIZE).min(self.body.len());
            self.pos = self.end;
            return Some(start..self.end);
        }
        None
    }

    /// Push back the last `n` bytes read.
    fn unget(&mut self, n: usize) {
        self.pos = self.pos.saturating_sub(n);
    }
}

/// Django's `BoundaryIter` over the outer stream.
struct BoundaryIter {
    done: bool,
}

impl BoundaryIter {
    /// `None` when the stream is exhausted (Django's `InputStreamExhausted`).
    fn new(outer: &mut Outer<'_>) -> Option<BoundaryIter> {
        let chunk = outer.next_chunk()?;
        outer.unget(chunk.len());
        Some(BoundaryIter { done: false })
    }

    fn next(&mut self, outer: &mut Outer<'_>, separator: &Finder) -> Option<Range<usize>> {
        if self.done {
            return None;
        }
        // Keep back `separator + 6` bytes (CRLF + separator + `--` CRLF) so a
        // separator split across reads is still found.
        let rollback = separator.len() + 6;
        let start = outer.pos;
        let mut read = 0usize;
        let mut exhausted = true;
        while let Some(chunk) = outer.next_chunk() {
            read += chunk.len();
            if read > rollback {
                exhausted = false;
                break;
            }
        }
        if exhausted {
            self.done = true;
        }
        if read == 0 {
            return None;
        }
        let data = outer.body.get(start..outer.pos).unwrap_or_default();
        if let Some(index) = separator.find(data) {
            // The part ends before the separator and before one preceding
            // `\n` and then one `\r`.
            let mut end = index;
            if end > 0 && data.get(end - 1) == Some(&b'\n') {
                end -= 1;
            }
            if end > 0 && data.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
            outer.unget(data.len().saturating_sub(index + separator.len()));
            self.done = true;
            return Some(start..start + end);
        }
        if data.len() <= rollback {
            self.done = true;
            return Some(start..outer.pos);
        }
        outer.unget(rollback);
        Some(start..outer.pos)
    }
}

/// One part's `LazyStream(BoundaryIter)`; `leftover` continues where the
/// last range handed out ended.
struct PartStream {
    iter: BoundaryIter,
    leftover: Range<usize>,
}

impl PartStream {
    fn next_chunk(&mut self, outer: &mut Outer<'_>, separator: &Finder) -> Option<Range<usize>> {
        if !self.leftover.is_empty() {
            let chunk = self.leftover.clone();
            self.leftover = chunk.end..chunk.end;
            return Some(chunk);
        }
        self.iter.next(outer, separator)
    }

    /// Push back `range`, which ends where the leftover starts.
    fn unget(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        if self.leftover.is_empty() {
            self.leftover = range;
        } else {
            self.leftover.start = range.start;
        }
    }

    /// `LazyStream.read(size)`: up to `size` bytes.
    fn read(&mut self, outer: &mut Outer<'_>, separator: &Finder, size: usize) -> Range<usize> {
        let mut out: Option<Range<usize>> = None;
        let mut remaining = size;
        while remaining > 0 {
            let Some(chunk) = self.next_chunk(outer, separator) else {
                break;
            };
            let take = remaining.min(chunk.len());
            let split = chunk.start + take;
            self.unget(split..chunk.end);
            remaining -= take;
            out = Some(match out {
                Some(range) => range.start..split,
                None => chunk.start..split,
            });
        }
        out.unwrap_or(0..0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    /// No headers found, or no Content-Disposition.
    Raw,
    Field,
    /// Content-Disposition with a non-empty `filename`.
    File,
}

/// The headers of a part that Django looks at (last occurrence wins).
#[derive(Default)]
struct PartHeaders {
    disposition: Option<Vec<(String, String)>>,
    transfer_encoding: Option<String>,
}

struct MultipartReader<'b, 'f> {
    body: &'b [u8],
    charset: Charset,
    fields: &'f [&'f str],
    outer: Outer<'b>,
    separator: Finder,
    /// Last text value per requested field.
    texts: Vec<Option<String>>,
    /// Sanitised name of the last completed file per requested field.
    files: Vec<Option<String>>,
}

impl MultipartReader<'_, '_> {
    /// Django `MultiPartParser._parse` with the default upload handlers.
    fn run(&mut self) -> Result<(), BodyError> {
        let mut num_post_keys = 0usize;
        let mut num_files = 0usize;
        let mut num_bytes_read = 0usize;
        // A file is only added to request.FILES when the next part starts.
        let mut pending_file: Option<(String, String)> = None;
        while let Some(iter) = BoundaryIter::new(&mut self.outer) {
            let mut part = PartStream {
                iter,
                leftover: 0..0,
            };
            let (kind, headers) = self.parse_part_headers(&mut part)?;
            if let Some((field, name)) = pending_file.take() {
                self.store(&field, &name, true);
            }
            if kind != PartKind::File {
                num_post_keys += 1;
                // "+ 2 accounts for empty raw fields before and after the last boundary."
                if num_post_keys > DATA_UPLOAD_MAX_NUMBER_FIELDS + 2 {
                    return Err(BodyError::Malformed(TOO_MANY_FIELDS.to_owned()));
                }
            }
            let Some(disposition) = headers.disposition else {
                continue;
            };
            let Some(name) = param(&disposition, "name") else {
                continue;
            };
            let field_name = decode_lossy(ascii_strip(name.as_bytes()), self.charset);
            let base64 = headers.transfer_encoding.as_deref().map(python_strip) == Some("base64");
            match kind {
                PartKind::Field => {
                    let read_size = DATA_UPLOAD_MAX_MEMORY_SIZE.saturating_sub(num_bytes_read);
                    let range = part.read(&mut self.outer, &self.separator, read_size);
                    let raw = self.body.get(range).unwrap_or_default();
                    num_bytes_read += raw.len();
                    let decoded = if base64 { a2b_base64(raw).ok() } else { None };
                    let data = decoded.as_deref().unwrap_or(raw);
                    num_bytes_read += field_name.chars().count() + 2;
                    if num_bytes_read > DATA_UPLOAD_MAX_MEMORY_SIZE {
                        return Err(BodyError::Malformed(TOO_BIG.to_owned()));
                    }
                    let value = decode_lossy(data, self.charset);
                    self.store(&field_name, &value, false);
                }
                PartKind::File => {
                    num_files += 1;
                    if num_files > DATA_UPLOAD_MAX_NUMBER_FILES {
                        return Err(BodyError::Malformed(TOO_MANY_FILES.to_owned()));
                    }
                    let file_name = param(&disposition, "filename").unwrap_or_default();
                    let file_name = decode_lossy(file_name.as_bytes(), self.charset);
                    // An unusable file name skips the part without reading it.
                    let Some(file_name) = sanitize_file_name(&file_name) else {
                        continue;
                    };
                    self.consume_file(&mut part, base64)?;
                    pending_file = Some((field_name, file_name));
                }
                PartKind::Raw => {}
            }
        }
        Ok(())
    }

    fn store(&mut self, field_name: &str, value: &str, file: bool) {
        let slots = if file {
            &mut self.files
        } else {
            &mut self.texts
        };
        for (slot, field) in slots.iter_mut().zip(self.fields) {
            if *field == field_name {
                *slot = Some(value.to_owned());
            }
        }
    }

    /// Django `parse_boundary_stream`.
    fn parse_part_headers(
        &mut self,
        part: &mut PartStream,
    ) -> Result<(PartKind, PartHeaders), BodyError> {
        let chunk = part.read(&mut self.outer, &self.separator, MAX_TOTAL_HEADER_SIZE);
        let data = self.body.get(chunk.clone()).unwrap_or_default();
        let Some(header_end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            part.unget(chunk);
            // Django would next try 2 KiB, which is over the 1 KiB limit.
            if data.len() < MAX_TOTAL_HEADER_SIZE {
                return Ok((PartKind::Raw, PartHeaders::default()));
            }
            return Err(multipart_error("Request max total header size exceeded."));
        };
        part.unget(chunk.start + header_end + 4..chunk.end);
        let mut kind = PartKind::Raw;
        let mut headers = PartHeaders::default();
        for line in split_crlf(data.get(..header_end).unwrap_or_default()) {
            // Each line must be UTF-8, parse as a header value, and contain `:`.
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let (main, params) = match parse_header_parameters(line) {
                Ok(parsed) => parsed,
                Err(HeaderError::Value) => continue,
                // Differs: Django answers 500 (uncaught TypeError).
                Err(HeaderError::Type) => {
                    return Err(multipart_error("Invalid RFC 2231 parameter continuations."));
                }
            };
            let Some((name, value)) = main.split_once(':') else {
                continue;
            };
            match name {
                "content-disposition" => {
                    kind = if param(&params, "filename").is_some_and(|f| !f.is_empty()) {
                        PartKind::File
                    } else {
                        PartKind::Field
                    };
                    headers.disposition = Some(params);
                }
                "content-transfer-encoding" => headers.transfer_encoding = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok((kind, headers))
    }

    /// Read a file part to its end, as the upload handlers do. With
    /// `Content-Transfer-Encoding: base64` Django decodes it chunk by chunk,
    /// whitespace removed, in 4-byte-aligned pieces, and any leftover or
    /// undecodable piece is an error.
    fn consume_file(&mut self, part: &mut PartStream, base64: bool) -> Result<(), BodyError> {
        let mut remainder: Vec<u8> = Vec::new();
        while let Some(chunk) = part.next_chunk(&mut self.outer, &self.separator) {
            if !base64 {
                continue;
            }
            let data = self.body.get(chunk).unwrap_or_default();
            remainder.extend(data.iter().copied().filter(|b| !is_ascii_space(*b)));
            let aligned = remainder.len() / 4 * 4;
            if aligned == 0 {
                continue;
            }
            let rest = remainder.split_off(aligned);
            if a2b_base64(&remainder).is_err() {
                return Err(multipart_error("Could not decode base64 data."));
            }
            remainder = rest;
        }
        if !remainder.is_empty() {
            return Err(multipart_error("Could not decode base64 data."));
        }
        Ok(())
    }
}

fn split_crlf(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.windows(2).position(|w| w == b"\r\n") {
            Some(i) => {
                rest = current.get(i + 2..);
                current.get(..i)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Python's `bytes.isspace()` for one byte.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Python's `bytes.strip()`.
fn ascii_strip(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_ascii_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_ascii_space(b))
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// A byte-string search in linear time (Knuth-Morris-Pratt).
struct Finder {
    needle: Vec<u8>,
    /// `fail[i]`: length of the longest proper border of `needle[..=i]`.
    fail: Vec<usize>,
}

impl Finder {
    fn new(needle: Vec<u8>) -> Finder {
        let mut fail = vec![0; needle.len()];
        let mut k = 0usize;
        for i in 1..needle.len() {
            let c = needle.get(i).copied();
            while k > 0 && needle.get(k).copied() != c {
                k = fail.get(k - 1).copied().unwrap_or(0);
            }
            if needle.get(k).copied() == c {
                k += 1;
            }
            if let Some(slot) = fail.get_mut(i) {
                *slot = k;
            }
        }
        Finder { needle, fail }
    }

    fn len(&self) -> usize {
        self.needle.len()
    }

    /// Index of the first occurrence of the needle in `haystack`.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        if self.needle.is_empty() {
            return Some(0);
        }
        let mut k = 0usize;
        for (i, &c) in haystack.iter().enumerate() {
            while k > 0 && self.needle.get(k) != Some(&c) {
                k = self.fail.get(k - 1).copied().unwrap_or(0);
            }
            if self.needle.get(k) == Some(&c) {
                k += 1;
            }
            if k == self.needle.len() {
                return Some(i + 1 - k);
            }
        }
        None
    }
}

/// CPython 3.11 `binascii.a2b_base64(data, strict_mode=False)`: characters
/// outside the alphabet are skipped, `=` ends the data once a quantum is
/// complete, and a dangling 1-3 characters are an error.
fn a2b_base64(data: &[u8]) -> Result<Vec<u8>, ()> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let mut quad_pos = 0u8;
    let mut left = 0u8;
    let mut pads = 0usize;
    for &c in data {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if usize::from(quad_pos) + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = value;
            }
            1 => {
                quad_pos = 2;
                out.push((left << 2) | (value >> 4));
                left = value & 0x0F;
            }
            2 => {
                quad_pos = 3;
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((left << 6) | value);
                left = 0;
            }
        }
    }
    if quad_pos == 0 {
        Ok(out)
    } else {
        Err(())
    }
}

/// Django `MultiPartParser.sanitize_file_name`: HTML-unescape, keep what
/// follows the last `/` and `\`, drop non-printable characters; `None` for
/// "", "." and "..".
///
/// Differs, by approximation only: `html.unescape` knows only the entities
/// that yield `/`, `\`, `.` or non-printable characters (any other entity
/// leaves printable text either way, which is all the outcome depends on),
/// and `str.isprintable` treats unassigned code points as printable.
fn sanitize_file_name(name: &str) -> Option<String> {
    let name = html_unescape(name);
    let name = name.rsplit('/').next().unwrap_or_default();
    let name = name.rsplit('\\').next().unwrap_or_default();
    let name: String = name.chars().filter(|&c| python_isprintable(c)).collect();
    (!matches!(name.as_str(), "" | "." | "..")).then_some(name)
}

/// The HTML5 entities whose expansion contains `/`, `\`, `.` or a character
/// Python does not consider printable (taken from CPython 3.11 `html.entities.html5`).
const SPECIAL_ENTITIES: &[(&str, &str)] = &[
    ("ApplyFunction;", "\u{2061}"),
    ("InvisibleComma;", "\u{2063}"),
    ("InvisibleTimes;", "\u{2062}"),
    ("MediumSpace;", "\u{205f}"),
    ("NegativeMediumSpace;", "\u{200b}"),
    ("NegativeThickSpace;", "\u{200b}"),
    ("NegativeThinSpace;", "\u{200b}"),
    ("NegativeVeryThinSpace;", "\u{200b}"),
    ("NewLine;", "\n"),
    ("NoBreak;", "\u{2060}"),
    ("NonBreakingSpace;", "\u{a0}"),
    ("Tab;", "\t"),
    ("ThickSpace;", "\u{205f}\u{200a}"),
    ("ThinSpace;", "\u{2009}"),
    ("VeryThinSpace;", "\u{200a}"),
    ("ZeroWidthSpace;", "\u{200b}"),
    ("af;", "\u{2061}"),
    ("bsol;", "\\"),
    ("emsp13;", "\u{2004}"),
    ("emsp14;", "\u{2005}"),
    ("emsp;", "\u{2003}"),
    ("ensp;", "\u{2002}"),
    ("hairsp;", "\u{200a}"),
    ("ic;", "\u{2063}"),
    ("it;", "\u{2062}"),
    ("lrm;", "\u{200e}"),
    ("nbsp", "\u{a0}"),
    ("nbsp;", "\u{a0}"),
    ("numsp;", "\u{2007}"),
    ("period;", "."),
    ("puncsp;", "\u{2008}"),
    ("rlm;", "\u{200f}"),
    ("shy", "\u{ad}"),
    ("shy;", "\u{ad}"),
    ("sol;", "/"),
    ("thinsp;", "\u{2009}"),
    ("zwj;", "\u{200d}"),
    ("zwnj;", "\u{200c}"),
];

fn entity(name: &str) -> Option<&'static str> {
    SPECIAL_ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
}

/// `html.unescape`: `&#NN;`, `&#xHH;` and named references (`;` optional),
/// with Python's replacement rules for invalid numeric references.
fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        let (before, from_amp) = rest.split_at(amp);
        out.push_str(before);
        let after = from_amp.get(1..).unwrap_or_default();
        match charref(after) {
            Some((replacement, consumed)) => {
                out.push_str(&replacement);
                rest = after.get(consumed..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One reference after `&`: its replacement and how many bytes it used.
fn charref(s: &str) -> Option<(String, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 {
            return None;
        }
        let semi = usize::from(digits.get(len..).is_some_and(|r| r.starts_with(';')));
        let value = digits
            .get(..len)
            .unwrap_or_default()
            .chars()
            .filter_map(|c| c.to_digit(radix))
            .fold(0u32, |acc, d| acc.saturating_mul(radix).saturating_add(d));
        return Some((numeric_charref(value), skip + len + semi));
    }
    // [^\t\n\f <&#;]{1,32};?
    let mut end = 0;
    for (count, (i, c)) in s.char_indices().enumerate() {
        if count == 32 || matches!(c, '\t' | '\n' | '\x0c' | ' ' | '<' | '&' | '#' | ';') {
            break;
        }
        end = i + c.len_utf8();
    }
    if end == 0 {
        return None;
    }
    if s.get(end..).is_some_and(|r| r.starts_with(';')) {
        end += 1;
    }
    let name = s.get(..end).unwrap_or_default();
    if let Some(value) = entity(name) {
        return Some((value.to_owned(), end));
    }
    // The longest known prefix of at least two characters.
    let bounds: Vec<usize> = name.char_indices().map(|(i, _)| i).skip(2).collect();
    for &cut in bounds.iter().rev() {
        if let (Some(prefix), Some(tail)) = (name.get(..cut), name.get(cut..)) {
            if let Some(value) = entity(prefix) {
                return Some((format!("{value}{tail}"), end));
            }
        }
    }
    Some((format!("&{name}"), end))
}

/// `html._replace_charref` for a numeric reference.
fn numeric_charref(value: u32) -> String {
    const CP1252: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02c6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8d}',
        '\u{017d}', '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}',
        '\u{2013}', '\u{2014}', '\u{02dc}', '\u{2122}', '\u{0161}', '\u{203a}', '\u{0153}',
        '\u{9d}', '\u{017e}', '\u{0178}',
    ];
    match value {
        0 => char::REPLACEMENT_CHARACTER.to_string(),
        0x0D => "\r".to_owned(),
        0x80..=0x9F => CP1252
            .get(usize::try_from(value - 0x80).unwrap_or(0))
            .map(char::to_string)
            .unwrap_or_default(),
        0xD800..=0xDFFF | 0x11_0000.. => char::REPLACEMENT_CHARACTER.to_string(),
        0x01..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F | 0xFDD0..=0xFDEF => String::new(),
        v if v & 0xFFFE == 0xFFFE => String::new(),
        v => char::from_u32(v).map(String::from).unwrap_or_default(),
    }
}

/// Python's `str.isprintable` for one character, approximately: control
/// (Cc), format (Cf), separator (Zs except space, Zl, Zp) and private-use
/// characters are not printable; unassigned ones are taken as printable.
fn python_isprintable(c: char) -> bool {
    // Cf, Zs (minus U+0020), Zl and Zp in Unicode 14 (CPython 3.11).
    const NOT_PRINTABLE: &[(u32, u32)] = &[
        (0xA0, 0xA0),
        (0xAD, 0xAD),
        (0x600, 0x605),
        (0x61C, 0x61C),
        (0x6DD, 0x6DD),
        (0x70F, 0x70F),
        (0x890, 0x891),
        (0x8E2, 0x8E2),
        (0x1680, 0x1680),
        (0x180E, 0x180E),
        (0x2000, 0x200F),
        (0x2028, 0x202F),
        (0x205F, 0x2064),
        (0x2066, 0x206F),
        (0x3000, 0x3000),
        (0xE000, 0xF8FF),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x13438),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
        (0xF0000, 0x10FFFF),
    ];
    let cp = u32::from(c);
    !c.is_control()
        && !NOT_PRINTABLE
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

// ---------------------------------------------------------------------------
// CharField validation
// ---------------------------------------------------------------------------

/// DRF `CharField(allow_blank=False, allow_null=False, trim_whitespace=True)`
/// `run_validation`: blank test first (on `str(data).strip()`), then
/// required/null, then the type test, then the validators on the trimmed value.
fn validate_char_field(raw: RawValue) -> Result<String, &'static str> {
    match raw {
        RawValue::Missing => Err(MSG_REQUIRED),
        RawValue::Null => Err(MSG_NULL),
        RawValue::NotString => Err(MSG_INVALID),
        // `str(upload)` is its file name.
        RawValue::File { name } if python_strip(&name).is_empty() => Err(MSG_BLANK),
        RawValue::File { .. } => Err(MSG_INVALID),
        // Never blank (a surrogate is not whitespace). DRF runs both
        // validators and reports both messages; only the first is kept here.
        RawValue::Surrogate { has_nul: true, .. } => Err(MSG_NULL_CHARS),
        RawValue::Surrogate { first, .. } => Err(surrogate_message(first)),
        RawValue::Str(value) => {
            let trimmed = python_strip(&value);
            if trimmed.is_empty() {
                Err(MSG_BLANK)
            } else if trimmed.contains('\0') {
                Err(MSG_NULL_CHARS)
            } else {
                Ok(trimmed.to_owned())
            }
        }
    }
}

const SURROGATE_PREFIX: &[u8] = b"Surrogate characters are not allowed: U+";
const SURROGATE_MESSAGE_LEN: usize = SURROGATE_PREFIX.len() + 5;

/// DRF's "Surrogate characters are not allowed: U+D800." for each of the
/// 2048 surrogates, built at compile time so that [`BodyError::Fields`] can
/// hold a `&'static str` (90 KiB of read-only data).
static SURROGATE_MESSAGES: [u8; 2048 * SURROGATE_MESSAGE_LEN] = surrogate_messages();

// Evaluated at compile time only: an out-of-range index is a build error.
#[allow(clippy::indexing_slicing)]
const fn surrogate_messages() -> [u8; 2048 * SURROGATE_MESSAGE_LEN] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = [0u8; 2048 * SURROGATE_MESSAGE_LEN];
    let mut i = 0;
    while i < 2048 {
        let base = i * SURROGATE_MESSAGE_LEN;
        let mut j = 0;
        while j < SURROGATE_PREFIX.len() {
            out[base + j] = SURROGATE_PREFIX[j];
            j += 1;
        }
        let code = 0xD800 + i;
        let mut k = 0;
        while k < 4 {
            out[base + j + k] = HEX[(code >> (12 - 4 * k)) & 0xF];
            k += 1;
        }
        out[base + j + 4] = b'.';
        i += 1;
    }
    out
}

fn surrogate_message(code_point: u32) -> &'static str {
    let index = usize::try_from(code_point.saturating_sub(0xD800)).unwrap_or(usize::MAX);
    index
        .checked_mul(SURROGATE_MESSAGE_LEN)
        .and_then(|start| SURROGATE_MESSAGES.get(start..start + SURROGATE_MESSAGE_LEN))
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or("Surrogate characters are not allowed.")
}

/// Python's `str.strip()`: Unicode White_Space plus U+001C..U+001F.
fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    const JSON: Option<&[u8]> = Some(b"application/json");
    const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded");
    const MULTIPART: Option<&[u8]> = Some(b"multipart/form-data; boundary=BB");

    fn pair(ct: Option<&[u8]>, body: &[u8]) -> Result<[String; 2], BodyError> {
        parse_fields(ct, body, ["username", "password"])
    }

    fn refresh(ct: Option<&[u8]>, body: &[u8]) -> Result<[String; 1], BodyError> {
        parse_fields(ct, body, ["refresh"])
    }

    fn ok(values: [&str; 2]) -> Result<[String; 2], BodyError> {
        Ok(values.map(str::to_owned))
    }

    fn fields(errors: &[(&'static str, &'static str)]) -> BodyError {
        BodyError::Fields(errors.to_vec())
    }

    fn json_malformed(result: Result<[String; 2], BodyError>) {
        match result {
            Err(BodyError::Malformed(detail)) => {
                assert!(detail.starts_with("JSON parse error - "), "{detail}")
            }
            other => panic!("expected a JSON parse error, got {other:?}"),
        }
    }

    /// One multipart part per (headers, value), CRLF line ends, closed.
    fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (headers, value) in parts {
            out.extend_from_slice(b"--BB\r\n");
            out.extend_from_slice(headers.as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--BB--\r\n");
        out
    }

    const CD_USER: &str = "Content-Disposition: form-data; name=\"username\"";
    const CD_PASS: &str = "Content-Disposition: form-data; name=\"password\"";

    // --- §1.1, row by row (405/HEAD belong to the router, not to bodies) ---

    #[test]
    fn table_unsupported_media_types_echo_the_header() {
        assert_eq!(
            pair(Some(b"text/plain; charset=utf-8"), b"x"),
            Err(BodyError::UnsupportedMediaType(
                "text/plain; charset=utf-8".into()
            ))
        );
        assert_eq!(
            pair(Some(b"application/vnd.api+json"), b"{}"),
            Err(BodyError::UnsupportedMediaType(
                "application/vnd.api+json".into()
            ))
        );
        let err = pair(None, b"{}").unwrap_err();
        assert_eq!(err, BodyError::UnsupportedMediaType(String::new()));
        assert_eq!(err.status(), 415);
    }

    #[test]
    fn table_empty_body_is_an_empty_dict_whatever_the_content_type() {
        let required = fields(&[("username", MSG_REQUIRED), ("password", MSG_REQUIRED)]);
        for ct in [JSON, FORM, MULTIPART, Some(b"text/plain".as_slice()), None] {
            assert_eq!(pair(ct, b""), Err(required.clone()), "{ct:?}");
        }
        // Even a multipart type without a boundary: no parser runs.
        assert_eq!(
            refresh(Some(b"multipart/form-data"), b""),
            Err(fields(&[("refresh", MSG_REQUIRED)]))
        );
    }

    #[test]
    fn table_malformed_json() {
        json_malformed(pair(JSON, b"{\"username\": }"));
        json_malformed(pair(JSON, b"{\"username\":\"a\",\"password\":\"b\"} extra"));
        json_malformed(pair(JSON, b"{\"username\": NaN}"));
        json_malformed(pair(JSON, b"{\"username\":\"a\xff\"}"));
        json_malformed(pair(JSON, b"\xef\xbb\xbf{}"));
        assert_eq!(pair(JSON, b"{").unwrap_err().status(), 400);
    }

    #[test]
    fn table_json_null_is_no_data() {
        assert_eq!(pair(JSON, b"null"), Err(BodyError::NoData));
        assert_eq!(pair(JSON, b" null \n"), Err(BodyError::NoData));
    }

    #[test]
    fn table_multipart_without_boundary() {
        let none = BodyError::Malformed(
            "Multipart form parse error - Invalid boundary in multipart: None".into(),
        );
        assert_eq!(
            pair(Some(b"multipart/form-data"), b"--x\r\n"),
            Err(none.clone())
        );
        assert_eq!(
            pair(Some(b"multipart/form-data; charset=utf-8"), b"x"),
            Err(none)
        );
        // An empty boundary is printed as empty, not as None.
        assert_eq!(
            pair(Some(b"multipart/form-data; boundary="), b"x"),
            Err(BodyError::Malformed(
                "Multipart form parse error - Invalid boundary in multipart: ".into()
            ))
        );
    }

    #[test]
    fn table_bodies_without_recognisable_fields_parse_as_empty() {
        let required = fields(&[("username", MSG_REQUIRED), ("password", MSG_REQUIRED)]);
        assert_eq!(
            pair(MULTIPART, b"garbage with no boundary"),
            Err(required.clone())
        );
        assert_eq!(pair(FORM, b"&&&"), Err(required.clone()));
        assert_eq!(pair(FORM, b"x=1"), Err(required));
    }

    #[test]
    fn table_non_dict_json() {
        let cases: [(&[u8], &str); 9] = [
            (b"[]", "list"),
            (b"[1, {\"a\": 2}]", "list"),
            (b"\"username\"", "str"),
            (b"5", "int"),
            (b"-0", "int"),
            (b"5.5", "float"),
            (b"1e3", "float"),
            (b"true", "bool"),
            (b"false", "bool"),
        ];
        for (body, name) in cases {
            assert_eq!(
                pair(JSON, body),
                Err(BodyError::NotADictionary(name)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn table_missing_fields_in_declared_order() {
        assert_eq!(
            pair(JSON, b"{}"),
            Err(fields(&[
                ("username", MSG_REQUIRED),
                ("password", MSG_REQUIRED)
            ]))
        );
        assert_eq!(
            pair(JSON, b"{\"username\":\"a\"}"),
            Err(fields(&[("password", MSG_REQUIRED)]))
        );
        assert_eq!(
            refresh(JSON, b"{\"token\":\"t\"}"),
            Err(fields(&[("refresh", MSG_REQUIRED)]))
        );
    }

    #[test]
    fn table_blank_null_and_non_strings() {
        assert_eq!(
            pair(JSON, b"{\"username\":\"\",\"password\":\" \\t\\n \"}"),
            Err(fields(&[("username", MSG_BLANK), ("password", MSG_BLANK)]))
        );
        assert_eq!(
            pair(JSON, b"{\"username\":null,\"password\":\"x\"}"),
            Err(fields(&[("username", MSG_NULL)]))
        );
        for value in ["[]", "[\"a\"]", "{}", "{\"a\":\"b\"}", "true", "false"] {
            let body = format!("{{\"username\":{value},\"password\":\"x\"}}");
            assert_eq!(
                pair(JSON, body.as_bytes()),
                Err(fields(&[("username", MSG_INVALID)]))
            );
        }
    }

    #[test]
    fn table_numbers_are_accepted_as_strings() {
        assert_eq!(
            pair(JSON, b"{\"username\":123,\"password\":1.5}"),
            ok(["123", "1.5"])
        );
    }

    #[test]
    fn table_null_characters() {
        assert_eq!(
            refresh(JSON, b"{\"refresh\":\"ab\\u0000c\"}"),
            Err(fields(&[("refresh", MSG_NULL_CHARS)]))
        );
    }

    #[test]
    fn table_unknown_keys_ignored_and_duplicates_last_wins() {
        let body = b"{\"x\":[1,{\"y\":null}],\"username\":\"first\",\"password\":\"p\",\"username\":\"last\",\"z\":1e999}";
        assert_eq!(pair(JSON, body), ok(["last", "p"]));
        // A duplicate can also turn a good value into a bad one.
        assert_eq!(
            pair(
                JSON,
                b"{\"username\":\"a\",\"password\":\"p\",\"username\":null}"
            ),
            Err(fields(&[("username", MSG_NULL)]))
        );
    }

    #[test]
    fn table_whitespace_is_trimmed_including_passwords() {
        assert_eq!(
            pair(
                JSON,
                b"{\"username\":\" alice \",\"password\":\" s3cret-pass \"}"
            ),
            ok(["alice", "s3cret-pass"])
        );
        assert_eq!(
            refresh(JSON, b"{\"refresh\":\"\\n  tok.en  \\r\\n\"}"),
            Ok(["tok.en".into()])
        );
    }

    // --- negotiation and charsets ---

    #[test]
    fn content_type_is_matched_without_case_and_with_parameters() {
        let body = b"{\"username\":\"a\",\"password\":\"b\"}";
        for ct in [
            "Application/JSON",
            "APPLICATION/JSON; CHARSET=UTF-8",
            "application/json ; charset=\"utf-8\"",
            "application/json;charset=utf8",
            "*/*",
            "application/*",
        ] {
            assert_eq!(pair(Some(ct.as_bytes()), body), ok(["a", "b"]), "{ct}");
        }
        assert_eq!(
            pair(
                Some(b"APPLICATION/X-WWW-FORM-URLENCODED"),
                b"username=a&password=b"
            ),
            ok(["a", "b"])
        );
        // DRF refuses media types longer than 256 characters.
        let long = format!("application/json; x={}", "y".repeat(240));
        assert_eq!(
            pair(Some(long.as_bytes()), body),
            Err(BodyError::UnsupportedMediaType(long))
        );
    }

    #[test]
    fn charset_parameter_is_honoured() {
        let body = b"{\"username\":\"caf\xe9\",\"password\":\"x\"}";
        assert_eq!(
            pair(Some(b"application/json; charset=latin-1"), body),
            ok(["café", "x"])
        );
        assert_eq!(
            pair(Some(b"application/json; charset=ISO-8859-1"), body),
            ok(["café", "x"])
        );
        json_malformed(pair(Some(b"application/json; charset=us-ascii"), body));
        json_malformed(pair(JSON, body));
        // utf-8-sig accepts the BOM that utf-8 refuses.
        let bom = b"\xef\xbb\xbf{\"username\":\"a\",\"password\":\"b\"}";
        assert_eq!(
            pair(Some(b"application/json; charset=utf-8-sig"), bom),
            ok(["a", "b"])
        );
        // An unknown charset is ignored; a non-text codec is refused.
        let plain = b"{\"username\":\"a\",\"password\":\"b\"}";
        assert_eq!(
            pair(Some(b"application/json; charset=no-such"), plain),
            ok(["a", "b"])
        );
        assert_eq!(
            pair(Some(b"application/json; charset=rot13"), plain),
            Err(BodyError::Malformed(
                "Unsupported charset \"rot13\" in request Content-Type header.".into()
            ))
        );
    }

    #[test]
    fn codec_names_normalise_like_python() {
        assert_eq!(resolve_codec("UTF-8"), Codec::Text(Charset::Utf8));
        assert_eq!(resolve_codec("utf_8"), Codec::Text(Charset::Utf8));
        assert_eq!(resolve_codec("u8"), Codec::Text(Charset::Utf8));
        assert_eq!(resolve_codec("Latin1"), Codec::Text(Charset::Latin1));
        assert_eq!(resolve_codec("us-ascii"), Codec::Text(Charset::Ascii));
        assert_eq!(resolve_codec("base64"), Codec::NotText);
        assert_eq!(resolve_codec("utf.8"), Codec::Unknown);
        assert_eq!(resolve_codec("cp1252"), Codec::Unknown);
    }

    #[test]
    fn header_parameters_follow_email_message_rules() {
        let (key, params) = parse_header_parameters(
            " Multipart/Form-Data ; Boundary=\"a;b\"; x=<y>; charset=\"q\\\"r\"",
        )
        .unwrap();
        assert_eq!(key, "multipart/form-data");
        assert_eq!(param(&params, "boundary"), Some("a;b"));
        assert_eq!(param(&params, "x"), Some("y"));
        assert_eq!(param(&params, "charset"), Some("q\"r"));
        let (_, params) =
            parse_header_parameters("a/b; name*=utf-8''%75ser; n*0=us; n*1=er").unwrap();
        assert_eq!(param(&params, "name"), Some("user"));
        assert_eq!(param(&params, "n"), Some("user"));
        assert_eq!(
            parse_header_parameters("a/b; x*=1; x*0=2"),
            Err(HeaderError::Type)
        );
        assert_eq!(
            parse_header_parameters("a/b; x*=bogus''1"),
            Err(HeaderError::Value)
        );
    }

    // --- JSON details ---

    #[test]
    fn json_nesting_is_limited_without_recursion() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        json_malformed(pair(JSON, deep.as_bytes()));
        let deep = format!(
            "{{\"username\":{}{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        json_malformed(pair(JSON, deep.as_bytes()));
        // serde_json's limit: 127 levels parse, 128 do not.
        let ok_depth = format!(
            "{{\"x\":{}{},\"username\":\"a\",\"password\":\"b\"}}",
            "[".repeat(126),
            "]".repeat(126)
        );
        assert_eq!(pair(JSON, ok_depth.as_bytes()), ok(["a", "b"]));
        let too_deep = format!("{{\"x\":{}{}}}", "[".repeat(127), "]".repeat(127));
        json_malformed(pair(JSON, too_deep.as_bytes()));
        // Brackets inside strings do not count.
        let in_string = format!(
            "{{\"username\":\"{}\",\"password\":\"b\"}}",
            "[".repeat(500)
        );
        assert!(pair(JSON, in_string.as_bytes()).is_ok());
    }

    #[test]
    fn json_bom_nan_and_bad_utf8_are_parse_errors() {
        json_malformed(pair(
            JSON,
            b"\xef\xbb\xbf{\"username\":\"a\",\"password\":\"b\"}",
        ));
        json_malformed(pair(JSON, b"{\"username\":NaN,\"password\":\"b\"}"));
        json_malformed(pair(JSON, b"{\"username\":-Infinity,\"password\":\"b\"}"));
        json_malformed(pair(
            JSON,
            b"{\"username\":\"a\xc3\x28\",\"password\":\"b\"}",
        ));
        json_malformed(pair(JSON, b"{\"username\":\"a\tb\",\"password\":\"b\"}"));
        assert_eq!(
            decode_json_text(b"{\"a\":\"\xff\"}", Charset::Utf8).unwrap_err(),
            "'utf-8' codec can't decode byte 0xff in position 6: invalid start byte"
        );
        // Python's stream reader drops an incomplete sequence at the very end.
        assert_eq!(
            pair(JSON, b"{\"username\":\"a\",\"password\":\"b\"}\xe2\x82"),
            ok(["a", "b"])
        );
    }

    #[test]
    fn json_numbers_become_python_str() {
        let cases = [
            ("123", "123"),
            ("-45", "-45"),
            ("-0", "0"),
            ("1.5", "1.5"),
            ("1e3", "1000.0"),
            ("1E3", "1000.0"),
            ("1e16", "1e+16"),
            ("1.5e-5", "1.5e-05"),
            ("-0.0", "-0.0"),
            ("0.0001", "0.0001"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1e400", "inf"),
            ("-1e400", "-inf"),
            ("1e-400", "0.0"),
        ];
        for (literal, expected) in cases {
            let body = format!("{{\"refresh\":{literal}}}");
            assert_eq!(
                refresh(JSON, body.as_bytes()),
                Ok([expected.to_owned()]),
                "{literal}"
            );
        }
        // CPython refuses to convert integers longer than 4300 digits.
        let long = format!("{{\"refresh\":{}}}", "9".repeat(4301));
        assert!(matches!(
            refresh(JSON, long.as_bytes()),
            Err(BodyError::Malformed(_))
        ));
        let limit = format!("{{\"refresh\":{}}}", "9".repeat(4300));
        assert_eq!(refresh(JSON, limit.as_bytes()), Ok(["9".repeat(4300)]));
    }

    #[test]
    fn json_strings_with_escapes_and_surrogates() {
        assert_eq!(
            pair(
                JSON,
                b"{\"user\\u006eame\":\"caf\\u00e9\",\"password\":\"\\ud83d\\ude00\"}"
            ),
            ok(["café", "\u{1F600}"])
        );
        // Python keeps lone surrogates; DRF's validator then refuses them.
        assert_eq!(
            pair(JSON, b"{\"username\":\"a\\udc00\",\"password\":\"b\"}"),
            Err(fields(&[(
                "username",
                "Surrogate characters are not allowed: U+DC00."
            )]))
        );
        assert_eq!(
            refresh(JSON, b"{\"refresh\":\"\\u0000\\ud800\"}"),
            Err(fields(&[("refresh", MSG_NULL_CHARS)]))
        );
        // …and in keys or ignored values they are fine.
        assert_eq!(
            pair(
                JSON,
                b"{\"\\ud800\":\"\\udfff\",\"username\":\"a\",\"password\":\"b\"}"
            ),
            ok(["a", "b"])
        );
        assert_eq!(
            surrogate_message(0xD800),
            "Surrogate characters are not allowed: U+D800."
        );
        assert_eq!(
            surrogate_message(0xDFFF),
            "Surrogate characters are not allowed: U+DFFF."
        );
    }

    #[test]
    fn trimming_and_null_characters() {
        assert_eq!(
            pair(
                JSON,
                b"{\"username\":\"\\u001c\\u00a0 alice\\u3000\",\"password\":\" \\u0000 \"}"
            ),
            Err(fields(&[("password", MSG_NULL_CHARS)]))
        );
        assert_eq!(
            pair(
                JSON,
                b"{\"username\":\"\\u001f\\u2028\",\"password\":\"\\u200b\"}"
            ),
            Err(fields(&[("username", MSG_BLANK)]))
        );
    }

    // --- form ---

    #[test]
    fn form_decoding() {
        assert_eq!(
            pair(FORM, b"username=al+ice%20x&password=a%2Bb"),
            ok(["al ice x", "a+b"])
        );
        assert_eq!(
            pair(FORM, b"username=%00&password=%zz%4"),
            Err(fields(&[("username", MSG_NULL_CHARS)]))
        );
        assert_eq!(
            pair(FORM, b"username=%zz%4&password=%C3%A9%E9"),
            ok(["%zz%4", "é\u{FFFD}"])
        );
        assert_eq!(
            pair(FORM, b"user%6Eame=a&password"),
            Err(fields(&[("password", MSG_BLANK)]))
        );
        // Not UTF-8: the whole body is read as ISO-8859-1 instead.
        assert_eq!(
            pair(FORM, b"username=caf\xe9&password=%C3%A9"),
            ok(["café", "é"])
        );
        // `;` is not a separator.
        assert_eq!(
            pair(FORM, b"username=a;password=b"),
            Err(fields(&[("password", MSG_REQUIRED)]))
        );
    }

    #[test]
    fn form_repeated_keys_last_wins() {
        assert_eq!(
            pair(FORM, b"username=a&password=p&username=b&&"),
            ok(["b", "p"])
        );
        assert_eq!(
            pair(FORM, b"username=a&password=p&username="),
            Err(fields(&[("username", MSG_BLANK)]))
        );
    }

    #[test]
    fn form_field_count_limit() {
        let body = "x=1&".repeat(1000) + "username=a&password=b";
        assert_eq!(
            pair(FORM, body.as_bytes()),
            Err(BodyError::Malformed(TOO_MANY_FIELDS.into()))
        );
        let body = "x=1&".repeat(998) + "username=a&password=b";
        assert_eq!(pair(FORM, body.as_bytes()), ok(["a", "b"]));
    }

    // --- multipart ---

    #[test]
    fn multipart_fields() {
        let body = multipart(&[(CD_USER, b" alice "), (CD_PASS, b"pw")]);
        assert_eq!(pair(MULTIPART, &body), ok(["alice", "pw"]));
        let quoted = Some(b"multipart/form-data; boundary=\"BB\"; charset=latin-1".as_slice());
        let body = multipart(&[(CD_USER, b"caf\xe9"), (CD_PASS, b"\xff")]);
        assert_eq!(pair(quoted, &body), ok(["café", "ÿ"]));
        assert_eq!(pair(MULTIPART, &body), ok(["caf\u{FFFD}", "\u{FFFD}"]));
        // Repeated fields: the last one wins; RFC 2231 names are decoded.
        let body = multipart(&[
            (CD_USER, b"a"),
            (
                "Content-Disposition: form-data; name*=utf-8''user%6Eame",
                b"b",
            ),
            (CD_PASS, b"p"),
        ]);
        assert_eq!(pair(MULTIPART, &body), ok(["b", "p"]));
        // base64 transfer encoding is decoded, or kept when invalid.
        let body = multipart(&[
            (
                &format!("{CD_USER}\r\nContent-Transfer-Encoding: base64"),
                b"YWxp Y2U=",
            ),
            (
                &format!("{CD_PASS}\r\nContent-Transfer-Encoding: base64"),
                b"abc",
            ),
        ]);
        assert_eq!(pair(MULTIPART, &body), ok(["alice", "abc"]));
    }

    #[test]
    fn multipart_file_parts() {
        // A completed file upload is merged into request.data and wins.
        let file = "Content-Disposition: form-data; name=\"username\"; filename=\"a.txt\"";
        let body = multipart(&[(CD_USER, b"alice"), (file, b"data"), (CD_PASS, b"pw")]);
        assert_eq!(
            pair(MULTIPART, &body),
            Err(fields(&[("username", MSG_INVALID)]))
        );
        // A file whose name is only spaces is "blank" (str(upload) is its name).
        let spaces = "Content-Disposition: form-data; name=\"username\"; filename=\"  \"";
        let body = multipart(&[(spaces, b"data"), (CD_PASS, b"pw")]);
        assert_eq!(
            pair(MULTIPART, &body),
            Err(fields(&[("username", MSG_BLANK)]))
        );
        // An empty filename makes a plain field; an unusable one skips the part.
        let empty = "Content-Disposition: form-data; name=\"username\"; filename=\"\"";
        let body = multipart(&[(empty, b"alice"), (CD_PASS, b"pw")]);
        assert_eq!(pair(MULTIPART, &body), ok(["alice", "pw"]));
        let slash = "Content-Disposition: form-data; name=\"username\"; filename=\"dir&sol;\"";
        let body = multipart(&[(slash, b"alice"), (CD_PASS, b"pw")]);
        assert_eq!(
            pair(MULTIPART, &body),
            Err(fields(&[("username", MSG_REQUIRED)]))
        );
        // A file that is the last part is never completed, so never merged.
        let mut body = multipart(&[(CD_PASS, b"pw"), (file, b"data")]);
        body.truncate(body.len() - b"\r\n--BB--\r\n".len());
        assert_eq!(
            pair(MULTIPART, &body),
            Err(fields(&[("username", MSG_REQUIRED)]))
        );
        // Invalid base64 in a file is an error.
        let b64 = format!("{file}\r\nContent-Transfer-Encoding: base64");
        let body = multipart(&[(b64.as_str(), b"YWxpY2"), (CD_PASS, b"pw")]);
        assert_eq!(
            pair(MULTIPART, &body),
            Err(BodyError::Malformed(
                "Multipart form parse error - Could not decode base64 data.".into()
            ))
        );
    }

    #[test]
    fn multipart_bad_boundaries_and_content_types() {
        let long = format!("multipart/form-data; boundary={}", "b".repeat(202));
        assert_eq!(
            pair(Some(long.as_bytes()), b"x"),
            Err(BodyError::Malformed(format!(
                "Multipart form parse error - Invalid boundary in multipart: {}",
                "b".repeat(202)
            )))
        );
        assert_eq!(
            pair(
                Some(b"multipart/form-data; boundary=\"ends with space \""),
                b"x"
            ),
            Err(BodyError::Malformed(
                "Multipart form parse error - Invalid boundary in multipart: ends with space "
                    .into()
            ))
        );
        // Django's own check is case-sensitive, DRF's selection is not.
        assert_eq!(
            pair(Some(b"Multipart/form-data; boundary=BB"), b"x"),
            Err(BodyError::Malformed(
                "Multipart form parse error - Invalid Content-Type: Multipart/form-data; boundary=BB".into()
            ))
        );
        assert!(valid_boundary(&"b".repeat(201)));
        assert!(valid_boundary("a b"));
        assert!(!valid_boundary("a\tb"));
    }

    #[test]
    fn multipart_truncated_and_odd_framing() {
        let body = multipart(&[(CD_USER, b"alice"), (CD_PASS, b"pw")]);
        // Cut inside the password value: it ends where the body ends.
        let cut = body.len() - b"w\r\n--BB--\r\n".len();
        assert_eq!(pair(MULTIPART, &body[..cut]), ok(["alice", "p"]));
        // Cut inside the password headers: that part is raw, so missing.
        let cut = body.windows(8).position(|w| w == b"password").unwrap();
        assert_eq!(
            pair(MULTIPART, &body[..cut]),
            Err(fields(&[("password", MSG_REQUIRED)]))
        );
        // LF-only line ends do not end the headers.
        let lf = b"--BB\nContent-Disposition: form-data; name=\"refresh\"\n\ntok\n--BB--\n";
        assert_eq!(
            refresh(MULTIPART, lf),
            Err(fields(&[("refresh", MSG_REQUIRED)]))
        );
        // Headers must end within the first 1 KiB of a part.
        let long = format!("{CD_USER}\r\nX-Pad: {}", "p".repeat(1024));
        let body = multipart(&[(long.as_str(), b"alice")]);
        assert_eq!(
            pair(MULTIPART, &body),
            Err(BodyError::Malformed(
                "Multipart form parse error - Request max total header size exceeded.".into()
            ))
        );
    }

    #[test]
    fn multipart_skipped_part_follows_django_chunking() {
        // A part without Content-Disposition is skipped without being read
        // to its end: Django resumes where its 64 KiB read stopped, so text
        // after that point is parsed as a new part (answers checked against
        // Django 5.2.19).
        let smuggled =
            b"\r\nContent-Disposition: form-data; name=\"refresh\"\r\n\r\nsmuggled\r\n--BB--\r\n";
        let skipped = |len: usize| {
            let mut body = b"--BB\r\nX-None: 1\r\n\r\n".to_vec();
            body.resize(len, b'Z');
            body.extend_from_slice(smuggled);
            refresh(MULTIPART, &body)
        };
        assert_eq!(skipped(65_536), Ok(["smuggled".into()]));
        assert_eq!(skipped(65_516), Err(fields(&[("refresh", MSG_REQUIRED)])));
        // Further in, the new "part" has no header end in its first 1 KiB.
        assert_eq!(
            skipped(70_000),
            Err(BodyError::Malformed(
                "Multipart form parse error - Request max total header size exceeded.".into()
            ))
        );
    }

    #[test]
    fn multipart_part_limits() {
        let many: Vec<(&str, &[u8])> =
            vec![("Content-Disposition: form-data; name=\"x\"", b"v"); 1001];
        assert_eq!(
            pair(MULTIPART, &multipart(&many)),
            Err(BodyError::Malformed(TOO_MANY_FIELDS.into()))
        );
        let files: Vec<(&str, &[u8])> = vec![
            (
                "Content-Disposition: form-data; name=\"x\"; filename=\"f\"",
                b"v"
            );
            101
        ];
        assert_eq!(
            pair(MULTIPART, &multipart(&files)),
            Err(BodyError::Malformed(TOO_MANY_FILES.into()))
        );
    }

    // --- helpers ---

    #[test]
    fn python_float_repr_matches_cpython() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (1000.0, "1000.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (123456789.125, "123456789.125"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-2.5e-7, "-2.5e-07"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, expected) in cases {
            assert_eq!(python_float_repr(x), expected, "{x:e}");
        }
    }

    #[test]
    fn python_strip_matches_cpython() {
        assert_eq!(
            python_strip(" \t\n\r\x0b\x0c x \u{1c}\u{1d}\u{1e}\u{1f}"),
            "x"
        );
        assert_eq!(
            python_strip(
                "\u{85}\u{a0}\u{1680}\u{2000}x\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}"
            ),
            "x"
        );
        // Not whitespace to Python: NUL, U+200B, U+FEFF.
        assert_eq!(python_strip("\0x\0"), "\0x\0");
        assert_eq!(python_strip("\u{200b}x\u{feff}"), "\u{200b}x\u{feff}");
        assert_eq!(python_strip("  "), "");
    }

    #[test]
    fn base64_and_html_helpers() {
        assert_eq!(a2b_base64(b"YWxpY2U=").unwrap(), b"alice");
        assert_eq!(a2b_base64(b"YW xp!Y2U=").unwrap(), b"alice");
        assert!(a2b_base64(b"YW xp!Y2U").is_err());
        assert_eq!(a2b_base64(b"YQ==YQ==").unwrap(), b"a");
        assert!(a2b_base64(b"YWxpY2").is_err());
        assert!(a2b_base64(b"Y").is_err());
        assert_eq!(
            html_unescape("a&sol;b&#46;&#x2E;&nbspx&#0;&#128;&#1;"),
            "a/b..\u{a0}x\u{FFFD}\u{20ac}"
        );
        // Entities that can only yield printable text are left alone
        // (Python would turn "&amp;" into "&"; both are printable).
        assert_eq!(html_unescape("&amp;&"), "&amp;&");
        assert_eq!(sanitize_file_name("dir/..\\a.txt"), Some("a.txt".into()));
        assert_eq!(sanitize_file_name("&period;&#46;"), None);
        assert_eq!(sanitize_file_name("\u{7}"), None);
    }

    #[test]
    fn finder_is_correct() {
        let finder = Finder::new(b"--aab".to_vec());
        assert_eq!(finder.find(b"---aa--aab"), Some(5));
        assert_eq!(finder.find(b"--aa-aab"), None);
        assert_eq!(Finder::new(b"abab".to_vec()).find(b"aababab"), Some(1));
    }

    /// Deterministic xorshift64*: no crates, same inputs on every run.
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
        // Bytes drawn mostly from each format's own alphabet, so the parsers
        // get past their first check.
        const ALPHABET: &[u8] = b"{}[]\":,\\u0123456789.eE+-ntrfalse \r\n\t=&%+;--BB\r\n\r\nContent-Disposition: form-data; name=\"username\"; filename=\"\"\xff\xc3\xed\xa0\x00";
        let content_types: [Option<&[u8]>; 8] = [
            JSON,
            FORM,
            MULTIPART,
            Some(b"multipart/form-data; boundary=B"),
            Some(b"application/json; charset=latin-1"),
            Some(b"application/x-www-form-urlencoded; charset=ascii"),
            Some(b"multipart/form-data; boundary=BB; charset=utf-8-sig"),
            None,
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..4000 {
            let len = rng.below(if round % 50 == 0 { 3000 } else { 120 });
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(8) == 0 {
                        (rng.next() & 0xFF) as u8
                    } else {
                        ALPHABET[rng.below(ALPHABET.len())]
                    }
                })
                .collect();
            let ct = content_types[round % content_types.len()];
            let result = pair(ct, &body);
            if let Ok(values) = result {
                for value in values {
                    assert!(!value.is_empty() && python_strip(&value) == value);
                }
            }
            let _ = refresh(ct, &body);
            // Header parsing on random text too.
            let text = String::from_utf8_lossy(&body);
            let _ = parse_header_parameters(&text);
        }
    }

    #[test]
    fn large_adversarial_bodies_are_linear() {
        // 1 MiB inputs built to hit worst cases; each must finish quickly.
        let start = std::time::Instant::now();
        let mut dashes = b"--BB\r\n".to_vec();
        dashes.extend(std::iter::repeat_n(b'-', 1 << 20));
        let _ = pair(MULTIPART, &dashes);
        let long_boundary = format!("multipart/form-data; boundary={}", "a".repeat(200));
        let haystack = "a".repeat(1 << 20);
        let _ = pair(Some(long_boundary.as_bytes()), haystack.as_bytes());
        let tiny_parts =
            "--BB\r\nContent-Disposition: form-data; filename=f\r\n\r\n\r\n".repeat(20_000);
        let _ = pair(MULTIPART, tiny_parts.as_bytes());
        let quotes = format!("application/json; x=\"{}\"", ";\"".repeat(100_000));
        let _ = parse_header_parameters(&quotes);
        let form = "&".repeat(1 << 20);
        let _ = pair(FORM, form.as_bytes());
        let strings = format!("[{}\"\"]", "\"[{\",".repeat(150_000));
        let _ = pair(JSON, strings.as_bytes());
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            start.elapsed()
        );
    }
}
