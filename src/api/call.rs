//! A request on its way through a view: what the router found out about it
//! before the view runs.

use std::net::IpAddr;
use std::time::Instant;

use super::body;
use super::errors::body_error;
use super::routes::Route;
use crate::app::App;
use crate::http::{Request, Response};

/// A request being answered.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    /// The application.
    pub app: &'a App,
    /// The request.
    pub request: &'a Request<'a>,
    /// The route its path matched.
    pub route: &'static Route,
    /// The route's `<int:pk>`, if it has one that fits a `u64`.
    pub pk: Option<u64>,
    /// When it arrived, for its latency in `/metrics`.
    pub started: Instant,
    /// The application's clock when it arrived: one reading serves
    /// authentication and the view.
    pub now: u64,
}

impl Call<'_> {
    /// The serializer's `CharField`s `names` from the body, as DRF's
    /// parsers read it; the 400 DRF gives when they are not all there.
    pub fn fields<const N: usize>(
        &self,
        names: [&'static str; N],
    ) -> Result<[String; N], Response> {
        let content_type = self.request.header("content-type");
        body::parse_fields(content_type, &self.request.body, names)
            .map_err(|error| body_error(self.app, error))
    }

    /// The client's address as DRF's throttles see it: the peer, or with
    /// `NUM_PROXIES` the address that many hops from the right of
    /// `X-Forwarded-For` (the peer when the header is absent or unusable).
    pub fn client(&self) -> IpAddr {
        let (request, proxies) = (self.request, self.app.settings.num_proxies);
        if proxies == 0 {
            return request.peer;
        }
        let forwarded = request
            .header("x-forwarded-for")
            .and_then(|v| std::str::from_utf8(v).ok());
        let Some(forwarded) = forwarded else {
            return request.peer;
        };
        let hops: Vec<&str> = forwarded.split(',').map(str::trim).collect();
        let index = hops.len().saturating_sub(proxies.min(hops.len()));
        hops.get(index)
            .and_then(|h| h.parse().ok())
            .unwrap_or(request.peer)
    }
}
