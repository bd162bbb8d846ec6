//! `GET /api/schema/`: the OpenAPI 3.1 document describing every endpoint,
//! as drf-spectacular users expect to find one.

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;

/// The document, written by hand to match what jwtd answers.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Serves the document (JSON) to GET and HEAD.
pub fn handle(_call: &Call<'_>) -> Response {
    respond::ok(OPENAPI.to_owned())
}
