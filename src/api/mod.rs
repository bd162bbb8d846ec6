//! The SimpleJWT/DRF application on the HTTP transport: jwtd answers as
//! SimpleJWT 5.5.1 on DRF 3.18 does, byte for byte.
//!
//! ```text
//! Handler for App ─► hosts (ALLOWED_HOSTS) ─► cors (preflight) ─► routes (the table) ─► router ─► authentication (views that need a user)
//!      ─► endpoints::<view> ─► body (DRF's parsers) ─► auth (the policy)
//!      ─► respond / errors / json / metadata (DRF's bodies) ─► counted in metrics
//! ```
//!
//! It makes [`App`] the server's [`Handler`]: every answer is counted in
//! `/metrics` under its route's label ([`request_metrics`]), a parked one
//! when it completes ([`parking`]). With CORS on, every answer but the
//! transport's own refusals gets its CORS headers ([`cors`]).

mod authentication;
pub mod body;
mod call;
#[cfg_attr(not(feature = "cors"), path = "cors_off.rs")]
mod cors;
mod endpoints;
mod errors;
mod hosts;
mod json;
mod messages;
mod metadata;
mod parking;
mod refresh_cookie;
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
        // What CORS adds to whatever is answered (nothing when it is off).
        let cors = cors::for_request(&self.settings(), request);
        // Before anything else, as Django's CommonMiddleware asks for the
        // host first: a request for a host not allowed reaches no route,
        // nor CORS's preflight (its refusal still carries CORS headers, as
        // django-cors-headers' middleware wraps Django's).
        if let Err(refused) = hosts::check(self, request) {
            request_metrics::count(self, None, refused.status, started.elapsed());
            return cors::apply(cors.as_ref(), refused);
        }
        let found = routes::find(request.path);
        let route = found.map(|found| found.route);
        // A CORS preflight is answered before any route, on any path, as
        // django-cors-headers' `process_request` short-circuits it.
        if let Some(cors) = cors.as_ref().filter(|_| cors::is_preflight(request)) {
            let response = cors.apply(cors::preflight());
            request_metrics::count(self, route, response.status, started.elapsed());
            return response;
        }
        let response = router::route(self, request, found, started);
        // A parked response is counted, and gets its CORS headers, when it
        // completes (`parking`).
        if response.parked.is_some() {
            return response;
        }
        request_metrics::count(self, route, response.status, started.elapsed());
        cors::apply(cors.as_ref(), response)
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
