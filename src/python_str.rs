//! Python's `str.strip()`, as Django and DRF trim fields and header
//! parameters: Unicode White_Space plus U+001C..U+001F, which
//! `char::is_whitespace` alone does not cover.

/// Python's `str.strip()`: Unicode White_Space plus U+001C..U+001F.
pub fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
