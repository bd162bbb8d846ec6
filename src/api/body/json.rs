//! `application/json`: DRF's `JSONParser`, Python's `json.load`. serde_json
//! reads the text through a visitor that keeps only the requested fields,
//! after a first pass that refuses what Python refuses and serde_json
//! would take.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer as _};

use super::charset::Charset;
use super::values::{assign, BodyError, FieldValue};

/// How deep JSON may nest. Nothing recurses on the input (serde_json skips
/// values with a heap stack), so the bound is a choice: token requests are flat.
pub const MAX_JSON_DEPTH: usize = 127;

const JSON_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

fn json_error(detail: impl fmt::Display) -> BodyError {
    BodyError::Malformed(format!("JSON parse error - {detail}"))
}

pub(super) fn parse(
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
                    assign(&mut values, self.fields, &name, value);
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::api::body::fixtures::*;
    use crate::api::messages::{BLANK, NULL_CHARACTERS};

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
}
