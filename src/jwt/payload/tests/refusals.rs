//! What is refused, and what is not: what `Claims` refuses, duplicate
//! names, numbers, arrays and objects, nesting, whitespace and unknown
//! members, names asked for twice.

use super::*;

#[test]
fn refuses_what_claims_refuse() {
    for bad in [
        &b""[..],
        b" ",
        b"[]",
        b"\"x\"",
        b"1",
        b"null",
        b"{",
        b"{\"a\"}",
        b"{\"a\":}",
        b"{\"a\":1,}",
        b"{'a':1}",
        b"{a:1}",
        br#"{"a":1} x"#,
        br#"{"a":1}{}"#,
        br#"{"a":1e400}"#,
        br#"{"a":[1,{"b":-1e400}]}"#,
        br#"{"a":NaN}"#,
        br#"{"a":Infinity}"#,
        br#"{"a":01}"#,
        br#"{"a":1.}"#,
        br#"{"a":.5}"#,
        br#"{"a":+1}"#,
        br#"{"a":"\x"}"#,
        br#"{"a":["\ud800"]}"#,
        br#"{"a":{"b":"\udc00x"}}"#,
        b"{\"a\":\"tab\there\"}",
        b"{\"a\":[\"\xff\"]}",
        b"{\"\xc3\":1}",
        b"{\"a\":tru}",
        b"{\"a\":nul}",
    ] {
        assert!(
            agree(bad, [Some("a")]).is_none(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn duplicate_names_are_refused_at_the_top_only() {
    for duplicated in [
        &br#"{"a":1,"a":2}"#[..],
        br#"{"a":1,"a":1}"#,
        br#"{"exp":1,"exp":2}"#,
        br#"{"user_id":"1","user_id":"2"}"#,
        br#"{"a":1,"\u0061":2}"#,
        br#"{"\u0061":1,"a":2}"#,
        b"{\"\\u00e9\":1,\"\xc3\xa9\":2}",
        br#"{"x":{},"y":[],"x":null}"#,
    ] {
        assert!(
            agree(duplicated, [Some("a")]).is_none(),
            "{}",
            String::from_utf8_lossy(duplicated)
        );
    }
    // Names that differ only in case, or in escapes that decode to
    // different text, are different names.
    assert!(agree(br#"{"a":1,"A":2,"a ":3,"\u0062":4}"#, [Some("b")]).is_some());
    // Below the top level, as in a `Value`, the last one wins.
    let nested = agree(br#"{"a":{"b":1,"b":2},"c":[{"d":1,"d":2}]}"#, [Some("a")]);
    assert_eq!(nested.unwrap().picked[0], Some(ClaimValue::Object));
}

#[test]
fn duplicates_are_found_beyond_the_names_kept_on_the_stack() {
    for count in [INLINE_NAMES - 1, INLINE_NAMES, INLINE_NAMES + 1, 40] {
        let members: Vec<String> = (0..count).map(|i| format!("\"m{i}\":{i}")).collect();
        let json = format!("{{{}}}", members.join(","));
        let last = format!("m{}", count - 1);
        let picked = agree(json.as_bytes(), [Some("m0"), Some(last.as_str())]).unwrap();
        assert_eq!(picked.picked[1], Some(number(count as u64 - 1)));
        for again in [0, INLINE_NAMES - 1, INLINE_NAMES, count - 1] {
            if again < count {
                let twice = format!("{{{},\"m{again}\":0}}", members.join(","));
                assert!(agree(twice.as_bytes(), [None]).is_none(), "{twice}");
            }
        }
    }
    // Escaped names are compared decoded, wherever they are kept.
    let escaped: Vec<String> = (0..20).map(|i| format!("\"\\u006d{i}\":{i}")).collect();
    let json = format!("{{{},\"m19\":0}}", escaped.join(","));
    assert!(agree(json.as_bytes(), [None]).is_none());
}

#[test]
fn numbers_are_kept_as_a_value_holds_them() {
    let exp = |text: &str| {
        let json = format!(r#"{{"exp":{text}}}"#);
        agree(json.as_bytes(), [Some("exp")]).map(|p| p.registered.exp().cloned())
    };
    assert_eq!(exp("0"), Some(Some(number(0u64))));
    assert_eq!(
        exp("-0"),
        Some(Some(ClaimValue::Number(Number::from_f64(-0.0).unwrap())))
    );
    assert_eq!(exp("-1"), Some(Some(number(-1i64))));
    assert_eq!(
        exp("1.0"),
        Some(Some(ClaimValue::Number(Number::from_f64(1.0).unwrap())))
    );
    assert_eq!(
        exp("1e3"),
        Some(Some(ClaimValue::Number(Number::from_f64(1000.0).unwrap())))
    );
    assert_eq!(
        exp("18446744073709551615"),
        Some(Some(number(u64::MAX))),
        "u64::MAX stays an integer"
    );
    assert_eq!(
        exp("18446744073709551616"),
        Some(Some(ClaimValue::Number(
            Number::from_f64(18446744073709551616.0).unwrap()
        ))),
        "beyond u64 becomes a float"
    );
    assert_eq!(
        exp("-9223372036854775809"),
        Some(Some(ClaimValue::Number(
            Number::from_f64(-9223372036854775809.0).unwrap()
        )))
    );
    assert_eq!(
        exp("1735689900.123456789"),
        Some(Some(ClaimValue::Number(
            Number::from_f64("1735689900.123456789".parse().unwrap()).unwrap()
        )))
    );
    assert_eq!(
        exp("1e308"),
        Some(Some(ClaimValue::Number(Number::from_f64(1e308).unwrap())))
    );
    assert_eq!(exp("1e309"), None, "out of range, as in a Value");
    assert_eq!(
        exp("1e-400"),
        Some(Some(ClaimValue::Number(Number::from_f64(0.0).unwrap())))
    );
    let big = format!("1{}", "0".repeat(400));
    assert_eq!(exp(&big), None);
}

#[test]
fn arrays_and_objects_are_judged_not_kept() {
    let aud = |text: &str| {
        let json = format!(r#"{{"aud":{text}}}"#);
        agree(json.as_bytes(), [None]).and_then(|p| p.registered.aud().cloned())
    };
    let array = |all_strings, any_accepted| ClaimValue::Array {
        all_strings,
        any_accepted,
    };
    assert_eq!(aud("[]"), Some(array(true, false)));
    assert_eq!(aud(r#"["x"]"#), Some(array(true, false)));
    assert_eq!(aud(r#"["x","aud-b"]"#), Some(array(true, true)));
    assert_eq!(aud(r#"["aud-\u0061"]"#), Some(array(true, true)), "escaped");
    assert_eq!(aud(r#"["aud-a",1]"#), Some(array(false, true)));
    assert_eq!(
        aud(r#"[["aud-a"]]"#),
        Some(array(false, false)),
        "not nested"
    );
    assert_eq!(
        aud(r#"[{"aud-a":1},null,true,1.5]"#),
        Some(array(false, false))
    );
    assert_eq!(aud(r#"{"aud-a":"aud-a"}"#), Some(ClaimValue::Object));
    assert_eq!(aud(r#""aud-a""#), Some(string("aud-a")));
}

#[test]
fn nesting_is_bounded_as_for_a_value() {
    for depth in [1, 100, 126, 127, 128, 200, 5000] {
        let json = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
        let kept = agree(json.as_bytes(), [Some("a")]);
        let skipped = agree(json.as_bytes(), [None]);
        assert_eq!(kept.is_some(), skipped.is_some(), "{depth}");
        // serde_json's limit is 128 levels, the payload object one of them.
        assert_eq!(kept.is_some(), depth < 127, "{depth}");
        let objects = format!(
            "{{\"a\":{}1{}}}",
            "{\"b\":".repeat(depth),
            "}".repeat(depth)
        );
        assert_eq!(
            agree(objects.as_bytes(), [None]).is_some(),
            depth < 127,
            "{depth}"
        );
    }
}

#[test]
fn whitespace_and_unknown_members_are_passed_over() {
    let json = b" \t\r\n{ \"x\" : [ 1 , { \"y\" : \"z\\n\" } ] ,\n \"user_id\" : 7 } \n";
    let picked = agree(json, [Some("user_id"), Some("absent")]).unwrap();
    assert_eq!(picked.picked, [Some(number(7u64)), None]);
}

#[test]
fn a_name_asked_for_twice_or_registered_is_kept_everywhere() {
    let picked = agree(
        br#"{"jti":"j","sub":"s"}"#,
        [Some("jti"), Some("jti"), Some("sub")],
    )
    .unwrap();
    assert_eq!(
        picked.picked,
        [Some(string("j")), Some(string("j")), Some(string("s"))]
    );
    assert_eq!(picked.registered.jti(), Some(&string("j")));
    assert_eq!(picked.registered.sub(), Some(&string("s")));
}
