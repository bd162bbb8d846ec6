//! A parsed request, borrowed from the connection's buffer: handlers read it
//! and never touch a socket, so they are tested with an [`OwnedRequest`];
//! one is also copied from the buffer when a request's work moves to a
//! thread of its own.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};

/// HTTP/1.0 or HTTP/1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: one request per connection unless `keep-alive` is asked for.
    Http10,
    /// HTTP/1.1: persistent unless `close` is asked for.
    Http11,
}

/// One header field. Names compare case-insensitively; values are bytes,
/// since HTTP allows obs-text in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// As received.
    pub name: &'a str,
    /// As received, without surrounding whitespace.
    pub value: &'a [u8],
}

/// A complete request: head and body.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The method token, e.g. `POST`.
    pub method: &'a str,
    /// The path of the request target, without the query.
    pub path: &'a str,
    /// The query string after `?`, if any.
    pub query: Option<&'a str>,
    /// The protocol version.
    pub version: Version,
    /// Header fields in order.
    pub headers: Vec<Header<'a>>,
    /// The body: borrowed from the connection's buffer, or decoded from
    /// chunks; empty when there is none.
    pub body: Cow<'a, [u8]>,
    /// The client's address.
    pub peer: IpAddr,
}

impl<'a> Request<'a> {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// Whether the client asked for the head only.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// A copy that owns its bytes, for work that outlives the buffer.
    pub fn to_owned_request(&self) -> OwnedRequest {
        OwnedRequest {
            method: self.method.to_owned(),
            path: self.path.to_owned(),
            query: self.query.map(str::to_owned),
            version: self.version,
            headers: self
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
            body: self.body.to_vec(),
            peer: self.peer,
        }
    }
}

/// An owned request: built by tests and tools, or copied from a borrowed
/// one ([`Request::to_owned_request`]); borrow a [`Request`] from it with
/// [`OwnedRequest::request`].
#[derive(Debug, Clone)]
pub struct OwnedRequest {
    method: String,
    path: String,
    query: Option<String>,
    version: Version,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    peer: IpAddr,
}

impl OwnedRequest {
    /// `method` on `target` (a path, optionally with `?query`).
    pub fn new(method: &str, target: &str) -> OwnedRequest {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.to_owned(), None),
        };
        OwnedRequest {
            method: method.to_owned(),
            path,
            query,
            version: Version::Http11,
            headers: Vec::new(),
            body: Vec::new(),
            peer: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    /// A POST with a JSON body.
    pub fn post_json(target: &str, json: &str) -> OwnedRequest {
        OwnedRequest::new("POST", target)
            .header("Content-Type", "application/json")
            .body(json)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> OwnedRequest {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl AsRef<[u8]>) -> OwnedRequest {
        self.body = body.as_ref().to_vec();
        self
    }

    /// Sets the client address.
    pub fn peer(mut self, peer: IpAddr) -> OwnedRequest {
        self.peer = peer;
        self
    }

    /// The request, borrowed.
    pub fn request(&self) -> Request<'_> {
        Request {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            version: self.version,
            headers: self
                .headers
                .iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            body: Cow::Borrowed(&self.body),
            peer: self.peer,
        }
    }
}
