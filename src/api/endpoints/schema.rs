//! `GET /api/schema/`: the OpenAPI 3.1 document describing every endpoint,
//! as drf-spectacular users expect to find one.

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;
use crate::packed;

/// The document, written by hand to match what jwtd answers
/// (`openapi.json` beside this file), without its indentation and packed
/// (`build.rs`).
static OPENAPI: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json.lz"));

/// The document as served.
pub fn document() -> String {
    packed::unpack_text(OPENAPI)
}

/// Serves the document (JSON) to GET and HEAD.
pub fn handle(_call: &Call<'_>) -> Response {
    respond::ok(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_document_is_the_written_one_without_its_indentation() {
        let written: serde_json::Value =
            serde_json::from_str(include_str!("openapi.json")).expect("valid JSON");
        let served = super::document();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&served).expect("valid JSON"),
            written
        );
        assert!(!served.contains("\n  "), "indentation left in");
        assert!(super::OPENAPI.len() * 3 < served.len(), "packed");
    }
}
