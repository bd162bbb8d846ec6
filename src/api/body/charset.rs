//! The charsets a `charset=` parameter can select, named and decoded as
//! Python names and decodes them (see the module doc of `api::body` for the
//! four supported).

use std::borrow::Cow;

/// The charsets a `charset=` parameter can select (see the module doc).
#[derive(Debug, Clone, Copy)]
pub(super) enum Charset {
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
    pub(super) fn named(name: &str) -> Charset {
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
    pub(super) fn decode_strict(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            Charset::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            Charset::Utf8Sig => Charset::Utf8.decode_strict(strip_bom(bytes)),
            Charset::Ascii if bytes.is_ascii() => Charset::Utf8.decode_strict(bytes),
            Charset::Ascii => None,
            Charset::Latin1 => Some(Cow::Owned(latin1(bytes))),
        }
    }

    /// `bytes.decode(charset, errors="replace")`.
    pub(super) fn decode_lossy(self, bytes: &[u8]) -> String {
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

pub(super) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::api::body::fixtures::*;

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
}
