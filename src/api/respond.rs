//! The responses every view shares, as DRF sends them: JSON from its
//! renderer, and `{"detail": ...}`, its shape for most errors.

use super::json::Json;
use super::messages;
use crate::app::App;
use crate::http::Response;
use crate::refusal::Refusal;

/// A JSON response as DRF sends it: `application/json` (no charset) and
/// `Vary: Accept`.
pub fn json(status: u16, body: String) -> Response {
    Response::new(status)
        .with_header("Content-Type", "application/json")
        .with_header("Vary", "Accept")
        .with_body(body.into_bytes())
}

/// A 200 JSON response.
pub fn ok(body: String) -> Response {
    json(200, body)
}

/// `{"detail": <text>}`, DRF's shape for most errors.
pub fn detail(status: u16, text: &str) -> Response {
    json(status, Json::object().str("detail", text).end())
}

/// A 401: DRF adds `WWW-Authenticate` from the first header type.
pub fn unauthorized(app: &App, body: String) -> Response {
    json(401, body).with_header("WWW-Authenticate", app.www_authenticate.clone())
}

/// DRF's 405, counted in `/metrics`.
pub fn method_not_allowed(app: &App, method: &str) -> Response {
    app.metrics.refused(Refusal::MethodNotAllowed);
    detail(405, &messages::method_not_allowed(method))
}

/// DRF's 429 (`Throttled`), with `Retry-After`.
pub fn throttled(wait: u64) -> Response {
    detail(429, &messages::throttled(wait)).with_header("Retry-After", wait.to_string())
}

/// DRF's 503, for a store that cannot write or read.
pub fn unavailable() -> Response {
    detail(503, messages::UNAVAILABLE).with_header("Retry-After", "5")
}

/// 501: this server only verifies tokens (a verifying key and no
/// signing key, or `JWK_URL` alone).
pub fn not_signing() -> Response {
    json(
        501,
        Json::object()
            .str("detail", messages::NOT_SIGNING)
            .str("code", "not_signing")
            .end(),
    )
}

/// DRF's 500, for work that failed without an answer (a panic).
pub fn server_error() -> Response {
    detail(500, messages::SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_head_and_body() {
        let r = detail(404, "Not found.");
        let mut out = Vec::new();
        r.write_to(&mut out, false, None, "Wed, 01 Jan 2025 00:00:00 GMT");
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 404 Not Found\r\nDate: Wed, 01 Jan 2025 00:00:00 GMT\r\n")
        );
        assert!(text
            .contains("Content-Type: application/json\r\nVary: Accept\r\nContent-Length: 23\r\n"));
        assert!(text.contains("X-Content-Type-Options: nosniff\r\n"));
        assert!(text.ends_with("\r\n\r\n{\"detail\":\"Not found.\"}"));
    }

    #[test]
    fn head_keeps_the_length_but_not_the_body() {
        let r = detail(405, "Method \"HEAD\" not allowed.");
        let mut out = Vec::new();
        r.write_to(&mut out, true, Some("close"), "d");
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Content-Length: 41\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
