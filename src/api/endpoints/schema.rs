//! `GET /api/schema/`: the OpenAPI 3.1 document describing every endpoint,
//! as drf-spectacular users expect to find one.

use super::{method_not_allowed, ok};
use crate::http::{Request, Response};

/// The document, written by hand to match what jwtd answers.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Serves the document (JSON) to GET and HEAD.
pub fn handle(request: &Request<'_>) -> Response {
    match request.method {
        "GET" | "HEAD" => ok(OPENAPI.to_owned()).with_header("Allow", "GET, HEAD"),
        method => method_not_allowed(method).with_header("Allow", "GET, HEAD"),
    }
}
