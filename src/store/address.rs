//! [`Address`]: where the database is, as `--db` and `JWTD_DB` name it. A
//! path names a redb file; a `postgres://` or `postgresql://` URL names a
//! PostgreSQL database (the `postgres` cargo feature serves it).
//!
//! The URL's form is libpq's, less what jwtd does not do:
//!
//! ```text
//! postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?connect_timeout=S&application_name=N&sslmode=disable]
//! ```
//!
//! Each part may be percent-encoded; a HOST that decodes to an absolute path
//! (`%2Frun%2Fpostgresql`) is the directory of a Unix socket. The password
//! is never shown: [`Address`]'s `Display` and `Debug` print `***` in its
//! place, so an address can go in any log line.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the database is.
#[derive(Clone, PartialEq, Eq)]
pub enum Address {
    /// A redb file.
    File(PathBuf),
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
}

/// A parsed `postgres://` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The role to log in as.
    pub user: String,
    /// Its password, if the server asks for one.
    pub password: Option<String>,
    /// A host name or address, or the directory of a Unix socket.
    pub host: PostgresHost,
    /// 5432 unless given.
    pub port: u16,
    /// The database.
    pub dbname: String,
    /// How long a connection attempt may take (`connect_timeout`, seconds).
    pub connect_timeout: Duration,
    /// `application_name`, shown in `pg_stat_activity`.
    pub application_name: String,
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostgresHost {
    /// A host name or an IP address.
    Tcp(String),
    /// The directory holding the server's Unix socket.
    Socket(PathBuf),
}

/// How long a connection attempt may take unless the URL says.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Address {
    /// Reads `--db`: a `postgres://` or `postgresql://` URL, or else a path.
    pub fn parse(text: &str) -> Result<Address, String> {
        match PostgresUrl::strip_scheme(text) {
            Some(rest) => PostgresUrl::parse(rest).map(Address::Postgres),
            None => Ok(Address::File(PathBuf::from(text))),
        }
    }

    /// The redb file, if this names one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Address::File(path) => Some(path),
            Address::Postgres(_) => None,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::File(path) => write!(f, "{}", path.display()),
            Address::Postgres(url) => write!(f, "{url}"),
        }
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl PostgresUrl {
    fn strip_scheme(text: &str) -> Option<&str> {
        text.strip_prefix("postgres://")
            .or_else(|| text.strip_prefix("postgresql://"))
    }

    /// Parses what follows the scheme.
    fn parse(rest: &str) -> Result<PostgresUrl, String> {
        let fail = |why: &str| {
            Err(format!(
                "{why} (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME)"
            ))
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let Some((authority, dbname)) = rest.split_once('/') else {
            return fail("the URL names no database");
        };
        let Some((userinfo, hostport)) = authority.rsplit_once('@') else {
            return fail("the URL names no user");
        };
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(decode(password, "password")?)),
            None => (userinfo, None),
        };
        let user = decode(user, "user")?;
        let dbname = decode(dbname, "database name")?;
        if user.is_empty() {
            return fail("the URL names no user");
        }
        if dbname.is_empty() {
            return fail("the URL names no database");
        }
        let (host, port) = split_host_port(hostport)?;
        let host = decode(host, "host")?;
        let host = if host.starts_with('/') {
            PostgresHost::Socket(PathBuf::from(host))
        } else if host.is_empty() {
            return fail("the URL names no host");
        } else {
            PostgresHost::Tcp(host)
        };
        let mut url = PostgresUrl {
            user,
            password,
            host,
            port,
            dbname,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            application_name: "jwtd".to_owned(),
        };
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value, name)?;
            match name {
                "connect_timeout" => {
                    let seconds = value
                        .parse::<u64>()
                        .ok()
                        .filter(|s| (1..=3600).contains(s))
                        .ok_or("connect_timeout must be a whole number of seconds, 1 to 3600")?;
                    url.connect_timeout = Duration::from_secs(seconds);
                }
                "application_name" => url.application_name = value,
                // jwtd speaks PostgreSQL's protocol without TLS: "prefer"
                // falls back to that as libpq's does.
                "sslmode" if value == "disable" || value == "prefer" || value == "allow" => {}
                "sslmode" => {
                    return Err(format!(
                        "sslmode={value}: this jwtd connects to PostgreSQL without TLS; \
                         reach the server over loopback, a Unix socket or a TLS tunnel"
                    ))
                }
                "" => {}
                other => return Err(format!("unknown parameter {other:?} in the PostgreSQL URL")),
            }
        }
        Ok(url)
    }
}

/// Splits `host[:port]`, `[v6]` and `[v6]:port`.
fn split_host_port(hostport: &str) -> Result<(&str, u16), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err("an IPv6 host in the URL lacks its closing ]".to_owned());
        };
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => 5432,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| format!("{port:?} is not a port number"))?,
    };
    Ok((host, port))
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn decode(text: &str, what: &str) -> Result<String, String> {
    let bad = || format!("the {what} in the PostgreSQL URL has a malformed %-escape");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the {what} in the PostgreSQL URL is not UTF-8"))
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("postgres://")?;
        f.write_str(&self.user)?;
        if self.password.is_some() {
            f.write_str(":***")?;
        }
        match &self.host {
            PostgresHost::Tcp(host) if host.contains(':') => write!(f, "@[{host}]")?,
            PostgresHost::Tcp(host) => write!(f, "@{host}")?,
            PostgresHost::Socket(dir) => write!(f, "@{}", dir.display())?,
        }
        write!(f, ":{}/{}", self.port, self.dbname)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> PostgresUrl {
        match Address::parse(text).unwrap() {
            Address::Postgres(url) => url,
            other => panic!("{text} read as {other}"),
        }
    }

    #[test]
    fn a_path_is_a_redb_file() {
        assert_eq!(
            Address::parse("jwtd.redb").unwrap(),
            Address::File(PathBuf::from("jwtd.redb"))
        );
        assert_eq!(
            Address::parse("/var/lib/postgres://x").unwrap().file(),
            Some(Path::new("/var/lib/postgres://x"))
        );
    }

    #[test]
    fn both_schemes_and_every_part() {
        let u = url("postgres://jwtd:s3cr%40t@db.example:6543/auth");
        assert_eq!(u.user, "jwtd");
        assert_eq!(u.password.as_deref(), Some("s3cr@t"));
        assert_eq!(u.host, PostgresHost::Tcp("db.example".into()));
        assert_eq!((u.port, u.dbname.as_str()), (6543, "auth"));
        assert_eq!(u.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        let u = url("postgresql://app@127.0.0.1/django");
        assert_eq!((u.port, u.password), (5432, None));
        let u = url("postgres://app@[::1]:5433/d?connect_timeout=7&application_name=edge");
        assert_eq!(u.host, PostgresHost::Tcp("::1".into()));
        assert_eq!(u.port, 5433);
        assert_eq!(u.connect_timeout, Duration::from_secs(7));
        assert_eq!(u.application_name, "edge");
        let u = url("postgres://app@%2Frun%2Fpostgresql/d");
        assert_eq!(u.host, PostgresHost::Socket("/run/postgresql".into()));
    }

    #[test]
    fn the_password_is_never_shown() {
        let a = Address::parse("postgres://jwtd:hunter2@h:1/d").unwrap();
        assert_eq!(a.to_string(), "postgres://jwtd:***@h:1/d");
        assert!(!format!("{a:?}").contains("hunter2"));
        let a = Address::parse("postgres://jwtd@[::1]/d").unwrap();
        assert_eq!(a.to_string(), "postgres://jwtd@[::1]:5432/d");
    }

    #[test]
    fn malformed_urls_are_refused_with_a_reason() {
        for (text, says) in [
            ("postgres://h/d", "no user"),
            ("postgres://u@h", "no database"),
            ("postgres://u@h/", "no database"),
            ("postgres://u@/d", "no host"),
            ("postgres://u@h:0/d", "not a port"),
            ("postgres://u@h:x/d", "not a port"),
            ("postgres://u@[::1/d", "closing ]"),
            ("postgres://u%zz@h/d", "malformed %-escape"),
            ("postgres://u@h/d?sslmode=require", "without TLS"),
            ("postgres://u@h/d?connect_timeout=0", "connect_timeout"),
            (
                "postgres://u@h/d?target_session_attrs=any",
                "unknown parameter",
            ),
        ] {
            let e = Address::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
            assert!(!e.contains("hunter"), "{e}");
        }
    }
}
