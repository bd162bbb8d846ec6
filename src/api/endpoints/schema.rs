//! `GET /api/schema/`: the OpenAPI 3.1 document describing every endpoint,
//! as drf-spectacular users expect to find one.

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;

/// The document, written by hand to match what jwtd answers
/// (`openapi.json` beside this file), without its indentation (`build.rs`).
pub const OPENAPI: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// Serves the document (JSON) to GET and HEAD.
pub fn handle(_call: &Call<'_>) -> Response {
    respond::ok(OPENAPI.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_document_is_the_written_one_without_its_indentation() {
        let written: serde_json::Value =
            serde_json::from_str(include_str!("openapi.json")).expect("valid JSON");
        let served: serde_json::Value = serde_json::from_str(super::OPENAPI).expect("valid JSON");
        assert_eq!(served, written);
        assert!(!super::OPENAPI.contains("\n  "), "indentation left in");
    }
}
