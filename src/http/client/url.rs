//! The URLs the client fetches: `http://` and `https://` only, parsed
//! strictly enough that what goes on the wire is exactly what was meant.
//!
//! ```text
//! scheme "://" host [ ":" port ] [ path ] [ "?" query ] [ "#" fragment ]
//!   host = reg-name (letters, digits, "-", ".", "_") | IPv4 | "[" IPv6 "]"
//! ```
//!
//! Refused: any other scheme, userinfo (`user:pass@host`: a credential in a
//! setting is a leak waiting to happen, and `@` is the classic way to make a
//! URL point somewhere other than it seems), an empty host, a port that is
//! empty, zero or over 65535, IPv6 zone identifiers, and any byte in the
//! path or query outside visible ASCII. The last is what keeps a URL from
//! writing its own request: a space, CR or LF in it would otherwise end the
//! request line and start a header. Non-ASCII must be percent-encoded by
//! whoever writes the URL; nothing is decoded or re-encoded here. The
//! fragment is dropped (it is never sent), and an empty path is `/`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::ClientError;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP, default port 80.
    Http,
    /// HTTP over TLS, default port 443 (needs the `https` feature).
    Https,
}

impl Scheme {
    /// The port a URL of this scheme means when it names none.
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    scheme: Scheme,
    /// Lower case; an IPv6 address without its brackets.
    host: String,
    port: u16,
    /// Starts with `/`; visible ASCII only; no fragment.
    path_and_query: String,
}

impl Url {
    /// Parses `text` (surrounding whitespace is not trimmed: it is refused).
    /// The error says what is wrong, never what the URL was.
    pub fn parse(text: &str) -> Result<Url, ClientError> {
        let bad = |why: &'static str| Err(ClientError::BadUrl(why));
        let (scheme, rest) = match text.split_once("://") {
            Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
            Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
            _ => return bad("only http:// and https:// URLs are supported"),
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(end);
        if authority.contains('@') {
            return bad("userinfo (user@host) is not allowed in the URL");
        }
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            None => scheme.default_port(),
            Some(digits) => match parse_port(digits) {
                Some(port) => port,
                None => return bad("the port must be a number from 1 to 65535"),
            },
        };
        if !path_and_query.bytes().all(|b| b.is_ascii_graphic()) {
            return bad("the path may hold only visible ASCII (percent-encode the rest)");
        }
        let path_and_query = if path_and_query.starts_with('/') {
            path_and_query.to_owned()
        } else {
            format!("/{path_and_query}")
        };
        Ok(Url {
            scheme,
            host,
            port,
            path_and_query,
        })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host: a lower-case name, an IPv4 address, or an IPv6 address
    /// without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, the scheme's default where the URL names none.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the request line asks for: the path, and the query if any.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The `Host` header's value: the port only where it is not the
    /// scheme's default, an IPv6 address in brackets.
    pub(super) fn host_header(&self) -> String {
        let host = self.bracketed_host();
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    fn bracketed_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

/// The URL as it is fetched (normalised: lower-case scheme and host, no
/// fragment, no default port). It includes the query, which may carry a
/// secret: errors never print it, and a caller logging it should think.
impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}{}",
            self.scheme.as_str(),
            self.host_header(),
            self.path_and_query
        )
    }
}

/// Splits `host[:port]` or `[v6][:port]`; the host is checked and lower-cased.
fn split_host_port(authority: &str) -> Result<(String, Option<&str>), ClientError> {
    let bad = |why: &'static str| Err(ClientError::BadUrl(why));
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return bad("an IPv6 address must be closed with ]");
        };
        // No zone identifiers (`%25eth0`): they name an interface of this
        // machine, which a configured URL has no business doing.
        let Ok(address) = literal.parse::<Ipv6Addr>() else {
            return bad("the brackets must hold an IPv6 address");
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return bad("only a :port may follow an IPv6 address"),
            },
        };
        (address.to_string(), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return bad("the URL has no host");
        }
        let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        if !host.bytes().all(name_byte) {
            return bad("the host may hold only letters, digits, '-', '.' and '_'");
        }
        let host = match host.parse::<Ipv4Addr>() {
            Ok(address) => address.to_string(),
            Err(_) => host.to_ascii_lowercase(),
        };
        (host, port)
    };
    Ok((host, port))
}

/// 1 to 5 digits, 1..=65535.
fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|&port| port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Scheme, String, u16, String) {
        let url = Url::parse(text).unwrap();
        (
            url.scheme(),
            url.host().to_owned(),
            url.port(),
            url.path_and_query().to_owned(),
        )
    }

    #[test]
    fn good_urls_and_their_parts() {
        use Scheme::{Http, Https};
        for (text, scheme, host, port, path) in [
            ("http://example.com", Http, "example.com", 80, "/"),
            ("https://example.com", Https, "example.com", 443, "/"),
            (
                "HTTPS://Example.COM/JWKS",
                Https,
                "example.com",
                443,
                "/JWKS",
            ),
            (
                "http://example.com:8080/a/b?c=d&e",
                Http,
                "example.com",
                8080,
                "/a/b?c=d&e",
            ),
            ("http://example.com?x=1", Http, "example.com", 80, "/?x=1"),
            ("http://example.com/p#frag", Http, "example.com", 80, "/p"),
            ("http://example.com#frag", Http, "example.com", 80, "/"),
            ("http://127.0.0.1:9/", Http, "127.0.0.1", 9, "/"),
            ("http://[::1]/", Http, "::1", 80, "/"),
            (
                "https://[2001:DB8::1]:8443/k",
                Https,
                "2001:db8::1",
                8443,
                "/k",
            ),
            (
                "http://my_host.internal:65535/",
                Http,
                "my_host.internal",
                65535,
                "/",
            ),
            (
                "http://h/%7Euser/.well-known/jwks.json",
                Http,
                "h",
                80,
                "/%7Euser/.well-known/jwks.json",
            ),
        ] {
            assert_eq!(
                parts(text),
                (scheme, host.to_owned(), port, path.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for text in [
            "",
            "example.com/jwks",
            "ftp://example.com/",
            "file:///etc/passwd",
            "http:/example.com/",
            "http://",
            "http:///path",
            "http://:80/",
            "http://user@example.com/",
            "http://user:secret@example.com/",
            "http://example.com@evil.test/",
            "http://example.com:/",
            "http://example.com:0/",
            "http://example.com:65536/",
            "http://example.com:+80/",
            "http://example.com:80:80/",
            "http://exa mple.com/",
            "http://ex%61mple.com/",
            "http://[::1/",
            "http://[not-v6]/",
            "http://[fe80::1%25eth0]/",
            "http://[::1]x/",
            "http://::1/",
            "http://example.com/a b",
            "http://example.com/a\r\nX-Injected: 1",
            "http://example.com/caf\u{e9}",
            " http://example.com/",
        ] {
            match Url::parse(text) {
                Err(error @ ClientError::BadUrl(_)) => {
                    let shown = error.to_string();
                    assert!(
                        !text.contains("secret") || !shown.contains("secret"),
                        "{shown}"
                    );
                }
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn host_header_and_display_omit_default_ports_and_bracket_ipv6() {
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(url("http://a.test/x").host_header(), "a.test");
        assert_eq!(url("http://a.test:80/x").host_header(), "a.test");
        assert_eq!(url("https://a.test:80/x").host_header(), "a.test:80");
        assert_eq!(url("http://[::1]:8080/").host_header(), "[::1]:8080");
        assert_eq!(url("https://[::1]/").host_header(), "[::1]");
        assert_eq!(
            url("HTTP://A.test:80/k?q#f").to_string(),
            "http://a.test/k?q"
        );
    }
}
