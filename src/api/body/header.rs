//! Header values with parameters, as Django reads them
//! (`parse_header_parameters`, Python's `email.message` rules): the
//! Content-Type of a request and the Content-Disposition of a multipart
//! part.

use crate::python_str::python_strip;

/// Django's `parse_header_parameters` (Python's `email.message` rules): the
/// main value, lower-cased, and the parameters in order, names lower-cased
/// and values unquoted. Read one with [`param`]. ASCII lower-casing answers
/// as Python's `lower()` would: the results are only compared with ASCII
/// names, none with a `k` (U+212A KELVIN SIGN is the one non-ASCII letter
/// that Python lowers to ASCII).
pub(super) fn parse_header(line: &str) -> (String, Vec<(String, String)>) {
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
pub(super) fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

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
}
