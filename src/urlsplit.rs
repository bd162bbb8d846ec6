//! Python's `urllib.parse.urlsplit`, the part django-cors-headers uses of
//! it: an origin's scheme (lower-cased) and netloc (as written), and
//! whether anything follows them. Used where `CORS_ALLOWED_ORIGINS` is
//! read (each entry must be a scheme and a netloc alone) and where a
//! request's `Origin` is compared with it, so both are split alike.

/// A URL split as `urlsplit` splits it: the scheme lower-cased, the
/// netloc as written (empty when the URL has no `//`), and the rest (path,
/// query and fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The scheme, lower case; empty when there is none.
    pub scheme: String,
    /// Between `//` and the next `/`, `?` or `#`.
    pub netloc: &'a str,
    /// Everything after the netloc.
    pub rest: &'a str,
}

/// Splits `url`; `None` where `urlsplit` raises `ValueError` (a netloc
/// with an unbalanced `[` or `]`, "Invalid IPv6 URL").
pub fn urlsplit(url: &str) -> Option<Split<'_>> {
    let is_scheme_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    let (scheme, after) = match url.find(':') {
        Some(i)
            if i > 0
                && url.starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i].chars().all(is_scheme_char) =>
        {
            (url[..i].to_ascii_lowercase(), &url[i + 1..])
        }
        _ => (String::new(), url),
    };
    let (netloc, rest) = match after.strip_prefix("//") {
        Some(tail) => {
            let end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
            tail.split_at(end)
        }
        None => ("", after),
    };
    if netloc.contains('[') != netloc.contains(']') {
        return None;
    }
    Some(Split {
        scheme,
        netloc,
        rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> Option<(String, &str, &str)> {
        urlsplit(url).map(|s| (s.scheme, s.netloc, s.rest))
    }

    #[test]
    fn splits_as_urlsplit_does() {
        let some = |s: &str, n: &'static str, r: &'static str| Some((s.to_owned(), n, r));
        assert_eq!(
            parts("https://app.example"),
            some("https", "app.example", "")
        );
        assert_eq!(
            parts("HTTPS://App.example:8443"),
            some("https", "App.example:8443", "")
        );
        assert_eq!(
            parts("https://a.example/x?y"),
            some("https", "a.example", "/x?y")
        );
        assert_eq!(
            parts("https://a.example?y"),
            some("https", "a.example", "?y")
        );
        assert_eq!(parts("null"), some("", "", "null"));
        assert_eq!(parts("file://"), some("file", "", ""));
        assert_eq!(parts("//a.example"), some("", "a.example", ""));
        assert_eq!(parts("1a://x"), some("", "", "1a://x"));
        assert_eq!(parts("http://[::1]:80"), some("http", "[::1]:80", ""));
        assert_eq!(parts("http://[::1"), None);
        assert_eq!(parts("http://::1]"), None);
    }
}
