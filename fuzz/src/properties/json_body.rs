//! The `json_body` target's property: `api::body::parse_fields` gives
//! well-formed answers that do not depend on which fields were asked for.

use jwtd::api::body::{parse_fields, BodyError};

use super::{tolerate, KnownBug};

/// The content types every body is tried with: DRF's three parsers, JSON
/// with a charset, multipart without a boundary, and no header at all.
const CONTENT_TYPES: [Option<&[u8]>; 7] = [
    Some(b"application/json"),
    Some(b"application/json; charset=utf-8"),
    Some(b"application/x-www-form-urlencoded"),
    Some(b"multipart/form-data; boundary=BB"),
    Some(b"multipart/form-data; boundary=\"B B\"; charset=latin-1"),
    Some(b"multipart/form-data"),
    None,
];

/// DRF's CharField messages, the only ones a field error may carry besides
/// [`SURROGATE_MESSAGE`].
const FIELD_MESSAGES: [&str; 5] = [
    "This field is required.",
    "This field may not be null.",
    "Not a valid string.",
    "This field may not be blank.",
    "Null characters are not allowed.",
];
/// DRF's ProhibitSurrogateCharactersValidator: this, then `U+D800.` or the like.
const SURROGATE_MESSAGE: &str = "Surrogate characters are not allowed";

/// Body parsing. An input starting `CT:` names its own Content-Type on that
/// first line and the body follows; any other input is a body tried with
/// each of [`CONTENT_TYPES`]. Each is parsed for the fields of the four
/// views and must give a well-formed answer ([`check_fields`]). The answer
/// for one field must not depend on which other fields were asked for, as
/// DRF parses the whole body before any serializer field looks at it.
pub fn json_body(data: &[u8]) {
    if let Some(rest) = data.strip_prefix(b"CT:") {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let body = rest.get(end + 1..).unwrap_or_default();
        body_for(Some(rest[..end].trim_ascii()), body);
    } else {
        for content_type in CONTENT_TYPES {
            body_for(content_type, data);
        }
    }
}

fn body_for(content_type: Option<&[u8]>, body: &[u8]) {
    let pair = parse_fields(content_type, body, ["username", "password"]);
    check_fields(&["username", "password"], &pair, body);
    let refresh = parse_fields(content_type, body, ["refresh"]);
    check_fields(&["refresh"], &refresh, body);
    let token = parse_fields(content_type, body, ["token"]);
    check_fields(&["token"], &token, body);
    // Each field alone gives what it gave in the pair.
    let username = parse_fields(content_type, body, ["username"]);
    let password = parse_fields(content_type, body, ["password"]);
    for (i, (name, alone)) in [("username", username), ("password", password)]
        .into_iter()
        .enumerate()
    {
        let expected = match &pair {
            Ok(values) => Ok([values[i].clone()]),
            Err(BodyError::Fields(errors)) => match errors.iter().find(|(n, _)| *n == name) {
                Some(error) => Err(BodyError::Fields(vec![error.clone()])),
                None => {
                    // Valid in the pair, so its value is what it is alone.
                    assert!(
                        alone.is_ok(),
                        "{name} alone: {alone:?}, in the pair: {pair:?}"
                    );
                    continue;
                }
            },
            Err(other) => Err(other.clone()),
        };
        let int_limit = |r: &Result<[String; 1], BodyError>| matches!(r, Err(BodyError::Malformed(m)) if m.contains("for integer string conversion"));
        if alone != expected
            && (int_limit(&alone) || int_limit(&expected))
            && tolerate(KnownBug::IntDigitLimitPerField)
        {
            continue;
        }
        assert_eq!(
            alone, expected,
            "{name} alone differs from {name} in the pair {pair:?}"
        );
    }
}

/// A well-formed answer: values are non-empty, NUL-free and trimmed as
/// Python's `str.strip()` trims; errors are 400 or 415, and field errors name
/// only the requested fields, in declared order, with DRF's messages. An
/// empty body is `{}`: every field is missing, whatever the Content-Type.
fn check_fields<const N: usize>(
    fields: &[&str; N],
    result: &Result<[String; N], BodyError>,
    body: &[u8],
) {
    if body.is_empty() {
        let all_missing: Vec<_> = fields
            .iter()
            .map(|f| (*f, FIELD_MESSAGES[0].into()))
            .collect();
        assert!(
            matches!(result, Err(BodyError::Fields(e)) if *e == all_missing),
            "empty body gave {result:?}"
        );
    }
    match result {
        Ok(values) => {
            for value in values {
                let python_space =
                    |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
                assert!(
                    !value.is_empty()
                        && !value.contains('\0')
                        && value.trim_matches(python_space) == value,
                    "field value {value:?} is blank, has a NUL or is not stripped"
                );
            }
        }
        Err(error) => {
            assert!(matches!(error.status(), 400 | 415));
            match error {
                BodyError::Fields(errors) => {
                    assert!(!errors.is_empty(), "an empty field error list");
                    let positions: Vec<usize> = errors
                        .iter()
                        .map(|(name, message)| {
                            assert!(
                                FIELD_MESSAGES.contains(&message.as_ref())
                                    || message.starts_with(SURROGATE_MESSAGE),
                                "unknown message {message:?}"
                            );
                            fields
                                .iter()
                                .position(|f| f == name)
                                .unwrap_or_else(|| panic!("error for unrequested field {name}"))
                        })
                        .collect();
                    assert!(
                        positions.windows(2).all(|w| w[0] < w[1]),
                        "field errors out of declared order: {errors:?}"
                    );
                }
                BodyError::Malformed(detail) => assert!(!detail.is_empty()),
                BodyError::UnsupportedMediaType(_)
                | BodyError::NoData
                | BodyError::NotADictionary(_) => {}
            }
        }
    }
}
