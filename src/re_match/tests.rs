//! `re_match` against Python's `re.match`: each expectation was checked
//! with CPython 3.

use super::*;

fn matches(pattern: &str, text: &str) -> bool {
    Pattern::new(pattern).unwrap().is_match(text.as_bytes())
}

#[test]
fn matches_as_re_match_does() {
    // (pattern, text, re.match(pattern, text) is not None)
    for (pattern, text, expected) in [
        (
            r"^https://\w+\.example\.com$",
            "https://app.example.com",
            true,
        ),
        (
            r"^https://\w+\.example\.com$",
            "https://app.example.com.evil",
            false,
        ),
        (r"^https://\w+\.example\.com$", "https://example.com", false),
        (
            r"https://\w+\.example\.com",
            "https://app.example.com.evil",
            true,
        ),
        (r"https://a", "xhttps://a", false),
        (
            r"^http://127\.0\.0\.1(:\d+)?$",
            "http://127.0.0.1:8000",
            true,
        ),
        (r"^http://127\.0\.0\.1(:\d+)?$", "http://127.0.0.1", true),
        (r"^http://127\.0\.0\.1(:\d+)?$", "http://127.0.0.1:", false),
        (r"^http://127\.0\.0\.1(:\d+)?$", "http://127x0.0.1", false),
        (
            r"^https://(app|admin)\.example$",
            "https://admin.example",
            true,
        ),
        (
            r"^https://(?:app|admin)\.example$",
            "https://other.example",
            false,
        ),
        (
            r"^https://[a-z0-9-]+\.example$",
            "https://a-1.example",
            true,
        ),
        (r"^https://[a-z0-9-]+\.example$", "https://A.example", false),
        (r"^https://[^./]+\.example$", "https://a.b.example", false),
        (r"^https?://x$", "http://x", true),
        (r"^https?://x$", "https://x", true),
        (r"^.*$", "", true),
        (r"^.*$", "/api/token/", true),
        (r"^/api/.*$", "/healthz", false),
        (r"^/api/", "/api/token/", true),
        (r"a$", "a\n", true),
        (r"a$", "a\n\n", false),
        (r"a.b", "a\nb", false),
        (r"x|", "", true),
        (r"(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        (
            r"(a|aa)+$",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            false,
        ),
        (r"[]a]+$", "]a]", true),
        (r"[\d.]+$", "1.2", true),
        (r"[\-a]+$", "-a-", true),
        (r"a+?b", "aaab", true),
        (r"a\Wb", "a-b", true),
        (r"a\sb", "a b", true),
    ] {
        assert_eq!(matches(pattern, text), expected, "{pattern} on {text:?}");
    }
}

#[test]
fn a_pathological_pattern_stays_linear() {
    // The classic exponential case for a backtracking matcher.
    let pattern = Pattern::new(&format!("{}{}$", "a?".repeat(30), "a".repeat(30))).unwrap();
    assert!(pattern.is_match("a".repeat(30).as_bytes()));
    assert!(!pattern.is_match(format!("{}b", "a".repeat(29)).as_bytes()));
    let text = "a".repeat(10_000) + "!";
    let pattern = Pattern::new(&format!("{}$", "(a|a)*".repeat(20))).unwrap();
    assert!(!pattern.is_match(text.as_bytes()));
}

#[test]
fn unsupported_syntax_is_refused_with_the_reason() {
    for (pattern, why) in [
        (r"a{2}", "counted repetition"),
        (r"(?i)a", "only (?: ) groups"),
        (r"(?P<x>a)", "only (?: ) groups"),
        (r"(?=a)", "only (?: ) groups"),
        (r"\1", "an escape other than"),
        (r"\bx", "an escape other than"),
        (r"a**", "multiple or possessive"),
        (r"a++", "multiple or possessive"),
        (r"*a", "nothing to repeat"),
        (r"^*", "repeats an anchor"),
        (r"(a", "unclosed '('"),
        (r"a)", "unbalanced ')'"),
        (r"[a", "unclosed '['"),
        (r"[z-a]", "bad character range"),
        (r"é", "non-ASCII"),
        (r"a\", "lone backslash"),
    ] {
        let e = Pattern::new(pattern).unwrap_err();
        assert!(e.contains(why), "{pattern}: {e}");
    }
    assert!(Pattern::new(&"a".repeat(MAX_PATTERN + 1)).is_err());
    assert!(Pattern::new(&"(".repeat(40))
        .unwrap_err()
        .contains("too deep"));
    assert_eq!(Pattern::new("^a$").unwrap().source(), "^a$");
}
