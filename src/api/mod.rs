//! The SimpleJWT/DRF application on the HTTP transport: which view answers
//! which request, DRF's request parsers, and the bodies and headers
//! SimpleJWT 5.5.1 on DRF 3.18 sends. It makes [`App`] the server's
//! [`Handler`], counting every answer for `/metrics`.

pub mod body;
pub mod endpoints;
pub mod respond;
pub mod router;

use crate::app::App;
use crate::http::{Handler, Request, Response};

impl Handler for App {
    fn handle(&self, request: &Request<'_>) -> Response {
        let started = std::time::Instant::now();
        let response = router::route(self, request);
        // A parked login is counted when it completes.
        if response.parked.is_none() {
            self.metrics.request(
                router::route_of(request.path),
                response.status,
                started.elapsed(),
            );
        }
        response
    }

    fn refusal(&self, status: u16, message: &'static str) -> Response {
        respond::detail(status, message)
    }
}
