//! The SimpleJWT/DRF application on the HTTP transport: jwtd answers as
//! SimpleJWT 5.5.1 on DRF 3.18 does, byte for byte.
//!
//! ```text
//! Handler for App ─► hosts (ALLOWED_HOSTS) ─► routes (the table) ─► router ─► authentication (views that need a user)
//!      ─► endpoints::<view> ─► body (DRF's parsers) ─► auth (the policy)
//!      ─► respond / errors / json / metadata (DRF's bodies) ─► counted in metrics
//! ```
//!
//! It makes [`App`] the server's [`Handler`]: every answer is counted in
//! `/metrics` under its route's label ([`request_metrics`]), a parked one
//! when it completes ([`parking`]).

mod authentication;
pub mod body;
mod call;
mod endpoints;
mod errors;
mod hosts;
mod json;
mod messages;
mod metadata;
mod parking;
mod request_metrics;
mod respond;
mod router;
pub(crate) mod routes;

use std::time::Instant;

use crate::app::App;
use crate::http::{Handler, Refused, Request, Response};
use crate::refusal::Refusal;

impl Handler for App {
    fn handle(&self, request: &Request<'_>) -> Response {
        let started = Instant::now();
        // Before anything else, as Django's CommonMiddleware asks for the
        // host first: a request for a host not allowed reaches no route.
        if let Err(refused) = hosts::check(self, request) {
            request_metrics::count(self, None, refused.status, started.elapsed());
            return refused;
        }
        let found = routes::find(request.path);
        let response = router::route(self, request, found, started);
        // A parked response is counted when it completes.
        if response.parked.is_none() {
            let route = found.map(|found| found.route);
            request_metrics::count(self, route, response.status, started.elapsed());
        }
        response
    }

    fn refusal(&self, status: u16, message: &'static str, cause: Refused) -> Response {
        self.metrics.refused(match cause {
            Refused::SlotsTaken => Refusal::TooManyConnections,
            Refused::AddressCap => Refusal::AddressConnections,
            Refused::Panic => Refusal::ServerError,
            Refused::Framing => match status {
                413 => Refusal::BodyTooLarge,
                414 => Refusal::RequestLineTooLong,
                417 => Refusal::ExpectationFailed,
                431 => Refusal::HeadersTooLarge,
                501 => Refusal::UnsupportedTransferCoding,
                505 => Refusal::VersionNotSupported,
                _ => Refusal::MalformedRequest,
            },
        });
        respond::detail(status, message)
    }
}
