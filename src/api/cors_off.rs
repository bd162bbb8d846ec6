//! CORS in a build without the `cors` feature: never on, so no response
//! changes and no origin is allowed ([`Cors`] has no value). The same
//! functions as `cors.rs`, so that their callers need no `cfg`; the
//! `CORS_*` settings are refused at start-up (`config::names`).

use crate::config::Settings;
use crate::http::{Request, Response};

/// What CORS adds to a response: never anything in this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {}

impl Cors {
    /// Never called: there is no `Cors`.
    pub fn apply(&self, _: Response) -> Response {
        match *self {}
    }
}

/// `response` as it is.
pub fn apply(_: Option<&Cors>, response: Response) -> Response {
    response
}

/// `None`: CORS is off.
pub fn for_request(_: &Settings, _: &Request<'_>) -> Option<Cors> {
    None
}

/// Never a preflight of CORS's.
pub fn is_preflight(_: &Request<'_>) -> bool {
    false
}

/// Never sent (there is no [`Cors`] to send it with).
pub fn preflight() -> Response {
    Response::new(200)
}

/// No origin but the server's own is allowed.
pub fn allows_origin(_: &Settings, _: &str) -> bool {
    false
}
