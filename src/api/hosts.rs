//! Django's `ALLOWED_HOSTS`: the `Host` names jwtd answers for. A request
//! naming any other host gets `400 {"detail":"Invalid Host header."}`
//! before routing, as Django's `CommonMiddleware` refuses it (with an HTML
//! page there: jwtd answers in JSON, as it does its 404), and the log
//! says which host, in Django's words.
//!
//! This is what stops DNS rebinding: a web page whose own name is made to
//! resolve to 127.0.0.1 can send requests to a loopback jwtd, but they
//! carry that name in `Host`, which is not allowed. And since only allowed
//! hosts get through, the admin API's page links, built from `Host`, only
//! ever name an allowed host.
//!
//! The semantics are Django's (`split_domain_port`, `validate_host`,
//! `is_same_domain`): the host is lower-cased, a port and one trailing dot
//! are dropped, and it must be a name of `[a-z0-9.-]` or an IPv6 literal in
//! brackets; a pattern is an exact name, `.example.com` for the domain and
//! every name under it, or `*` for any. A request without `Host` (only
//! HTTP/1.0 allows that) names no host and is let through, as Django would
//! use the server's own name; a page link still needs one. Two `Host`
//! fields are refused.

use super::messages;
use super::respond;
use crate::app::App;
use crate::http::{Request, Response};
use crate::log;
use crate::refusal::Refusal;

/// Django's `split_domain_port`: the domain, lower case without one
/// trailing dot, and the port (digits, or empty); `None` when `host` is not
/// a host (Django returns an empty domain).
pub fn split_domain_port(host: &str) -> Option<(String, &str)> {
    let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let lower = host.to_ascii_lowercase();
    let domain_len = match lower.strip_prefix('[') {
        // `\[[a-f0-9]*:[a-f0-9.:]+\]`: the first `]` closes it.
        Some(rest) => {
            let inside = &rest[..rest.find(']')?];
            let (head, tail) = inside.split_once(':')?;
            let valid = head.bytes().all(is_hex)
                && !tail.is_empty()
                && tail.bytes().all(|b| is_hex(b) || b == b'.' || b == b':');
            valid.then_some(inside.len() + 2)?
        }
        // `[a-z0-9.-]+`, up to the port's colon.
        None => {
            let name = lower.split(':').next().unwrap_or_default();
            let valid = !name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            valid.then_some(name.len())?
        }
    };
    // `(?::([0-9]+))?`, then the end.
    let port = match host.get(domain_len..)? {
        "" => "",
        rest => rest
            .strip_prefix(':')
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))?,
    };
    let mut domain = lower[..domain_len].to_owned();
    if domain.ends_with('.') {
        domain.pop();
    }
    (!domain.is_empty()).then_some((domain, port))
}

/// Django's `is_same_domain`: `pattern` (lower case) is `host`, or is
/// `.domain` and `host` is that domain or a name under it.
fn is_same_domain(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix('.') {
        Some(domain) => host == domain || host.ends_with(pattern),
        None => host == pattern,
    }
}

/// Django's `validate_host`: some pattern is `*` or names `domain`.
pub fn validate_host(domain: &str, patterns: &[&str]) -> bool {
    patterns
        .iter()
        .any(|pattern| *pattern == "*" || is_same_domain(domain, pattern))
}

/// The request's `Host` as sent (Django's `get_host()`), when it is a host;
/// the router has made sure it is an allowed one. For absolute links.
pub fn requested<'a>(request: &Request<'a>) -> Option<&'a str> {
    let host = std::str::from_utf8(request.header("host")?).ok()?;
    split_domain_port(host).map(|_| host)
}

/// Lets through a request whose `Host` is allowed (or absent); otherwise
/// logs the host and returns the 400 to answer.
pub fn check(app: &App, request: &Request<'_>) -> Result<(), Response> {
    let mut fields = request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("host"));
    let Some(first) = fields.next() else {
        return Ok(());
    };
    let host = String::from_utf8_lossy(first.value);
    let domain = match fields.next() {
        Some(_) => None,
        None => split_domain_port(&host).map(|(domain, _)| domain),
    };
    let advice = match &domain {
        Some(domain) if validate_host(domain, &app.settings().host_patterns()) => return Ok(()),
        Some(domain) => format!("You may need to add {} to ALLOWED_HOSTS.", shown(domain)),
        None => "The domain name provided is not valid according to RFC 1034/1035.".to_owned(),
    };
    log::warn(&format!(
        "Invalid HTTP_HOST header: {}. {advice}",
        shown(&host)
    ));
    app.metrics.refused(Refusal::InvalidHost);
    Err(respond::detail(400, messages::INVALID_HOST))
}

/// `text` quoted for the log: escaped, and cut after 100 characters (the
/// client chose it).
pub(super) fn shown(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(100).collect();
    match chars.next() {
        Some(_) => format!("{head:?}..."),
        None => format!("{head:?}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hosts_split_as_djangos_split_domain_port_does() {
        for (host, domain, port) in [
            ("example.com", "example.com", ""),
            ("Example.COM:8000", "example.com", "8000"),
            ("example.com.", "example.com", ""),
            ("example.com.:80", "example.com", "80"),
            ("127.0.0.1:8000", "127.0.0.1", "8000"),
            ("[::1]", "[::1]", ""),
            ("[::1]:8000", "[::1]", "8000"),
            ("[2001:DB8::1]", "[2001:db8::1]", ""),
            ("[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]", ""),
            ("-.-", "-.-", ""),
        ] {
            assert_eq!(
                split_domain_port(host),
                Some((domain.to_owned(), port)),
                "{host}"
            );
        }
        for host in [
            "",
            ".",
            "a b",
            "x:y",
            "x:",
            "x:8000:1",
            "[::1",
            "[zz::1]",
            "[1]",
            "[::1]x",
            "[::1]:",
            "a_b.test",
            "é.test",
            "\u{212a}.test",
            "a.test/x",
            "a.test\n",
        ] {
            assert_eq!(split_domain_port(host), None, "{host:?}");
        }
    }

    #[test]
    fn patterns_match_as_djangos_validate_host_does() {
        let loopback = [".localhost", "127.0.0.1", "[::1]"];
        for host in ["localhost", "app.localhost", "127.0.0.1", "[::1]"] {
            assert!(validate_host(host, &loopback), "{host}");
        }
        for host in [
            "evil.test",
            "localhost.evil.test",
            "xlocalhost",
            "127.0.0.2",
            "[::2]",
        ] {
            assert!(!validate_host(host, &loopback), "{host}");
        }
        let mixed = ["auth.example.com", ".example.org"];
        assert!(validate_host("auth.example.com", &mixed));
        assert!(!validate_host("www.auth.example.com", &mixed), "exact only");
        assert!(validate_host("example.org", &mixed));
        assert!(validate_host("a.b.example.org", &mixed));
        assert!(!validate_host("badexample.org", &mixed));
        assert!(validate_host("anything.test", &["*"]));
        assert!(!validate_host("anything.test", &[]));
    }

    #[test]
    fn what_the_log_shows_of_a_host_is_quoted_and_short() {
        assert_eq!(shown("evil.test"), r#""evil.test""#);
        assert_eq!(shown("a\"b\u{1b}"), r#""a\"b\u{1b}""#);
        let long = "x".repeat(300);
        assert_eq!(shown(&long), format!("{:?}...", "x".repeat(100)));
    }
}
