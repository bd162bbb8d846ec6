//! The body parsers through their entry points: the reference's rows about
//! bodies, content negotiation, Python's strip, and robustness on random
//! and adversarial input. Each format's details are tested beside it.

use super::fixtures::*;
use super::header::parse_header;
use super::*;
use crate::api::messages::{BLANK, NOT_A_STRING, NULL, NULL_CHARACTERS, REQUIRED};

// simplejwt-5.5.1.md §1.1, a test per row about bodies.
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

// Negotiation.
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

// Robustness.

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
