//! JSON written the way Python writes it, for byte-identical tokens.
//!
//! PyJWT serialises a payload with `json.dumps(payload, separators=(",", ":"))`:
//! compact, and with the default `ensure_ascii=True`, so every character
//! outside printable ASCII becomes a `\uXXXX` escape (astral characters a
//! surrogate pair). Floats are written as Python's `repr`. Matching both makes
//! jwtd's tokens the same bytes SimpleJWT would produce (vector V5).

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// Appends `value` as compact, ASCII-only JSON.
pub fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends a JSON number: integers in decimal, floats as Python's `repr`.
pub fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        // json.dumps spells the non-finite values its own way; serde_json
        // never holds one, but the writer stays total.
        match f {
            f if f.is_nan() => out.push_str("NaN"),
            f if f.is_infinite() => out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" }),
            f => out.push_str(&float_repr(f)),
        }
    }
}

/// Appends `s` as a JSON string with Python's `ensure_ascii` escaping, as
/// PyJWT writes token payloads.
pub fn write_str(out: &mut String, s: &str) {
    write_escaped(out, s, true);
}

/// Appends `s` as a JSON string with UTF-8 kept raw, as DRF writes response
/// bodies (`ensure_ascii=False`).
pub fn write_str_utf8(out: &mut String, s: &str) {
    write_escaped(out, s, false);
}

/// `json.dumps` string escaping: quotes, backslashes and control characters
/// always; everything outside printable ASCII too with `ensure_ascii`.
fn write_escaped(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    let mut units = [0u16; 2];
    // What needs no escape is copied a run at a time: `s[plain..]` is
    // what has not been written yet.
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let as_is = match c {
            '"' | '\\' => false,
            ' '..='~' => true,
            c => !ensure_ascii && c > '~',
        };
        if as_is {
            continue;
        }
        out.push_str(&s[plain..i]);
        plain = i + c.len_utf8();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            _ => {
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Python's `repr(float)` (and `str()`), used for JSON numbers and for the
/// strings DRF makes of numeric fields: the shortest digits that read back as the same
/// double, in positional notation when the decimal exponent is in -4..16 and
/// in scientific notation (`1e+16`, `1.5e-05`) otherwise; integral values in
/// positional notation keep a `.0`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // Position of the decimal point relative to the first digit.
    let point = exponent + 1;
    let mut out = String::from(sign);
    if (-3..=16).contains(&point) {
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if digits.len() <= point {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        // Each right-hand side is what CPython 3.11 prints for repr(x).
        let cases: [(f64, &str); 16] = [
            (1.5, "1.5"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e3, "1000.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789.125, "123456789.125"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (0.1, "0.1"),
            (1e300, "1e+300"),
            (2.5e-300, "2.5e-300"),
            (-1735689900.5, "-1735689900.5"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "repr({x:e})");
        }
    }

    #[test]
    fn strings_are_ascii_escaped_like_python() {
        let mut out = String::new();
        write_str(&mut out, "Zo\u{eb} \u{1f600}\"\\\n\t\u{1}\u{7f}/");
        assert_eq!(out, r#""Zo\u00eb \ud83d\ude00\"\\\n\t\u0001\u007f/""#);
    }

    #[test]
    fn drf_strings_keep_utf8_and_escape_controls() {
        let mut out = String::new();
        write_str_utf8(&mut out, "Zoë \"q\" \\ \n \u{1} \u{7f}");
        assert_eq!(out, "\"Zoë \\\"q\\\" \\\\ \\n \\u0001 \u{7f}\"");
    }

    #[test]
    fn values_are_compact() {
        let v: Value =
            serde_json::from_str(r#"[1, -2, 1.5, true, null, "x", {"a": [ ]}]"#).unwrap();
        let mut out = String::new();
        write_value(&mut out, &v);
        assert_eq!(out, r#"[1,-2,1.5,true,null,"x",{"a":[]}]"#);
    }

    #[test]
    fn large_integers_stay_integers() {
        let v: Value = serde_json::from_str("18446744073709551615").unwrap();
        let mut out = String::new();
        write_value(&mut out, &v);
        assert_eq!(out, "18446744073709551615");
    }
}
