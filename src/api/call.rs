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
        let (request, proxies) = (self.request, self.app.settings().num_proxies);
        if proxies == 0 {
            return request.peer;
        }
        let forwarded = request
            .header("x-forwarded-for")
            .and_then(|v| std::str::from_utf8(v).ok());
        let Some(forwarded) = forwarded else {
            return request.peer;
        };
        // The hop `proxies` from the right, or the leftmost when there are
        // fewer; without allocating, as a refresh asks this every time.
        forwarded
            .rsplit(',')
            .take(proxies)
            .last()
            .and_then(|hop| hop.trim().parse().ok())
            .unwrap_or(request.peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::routes::ROUTES;
    use crate::config::Settings;
    use crate::http::OwnedRequest;
    use crate::token::JtiSource;

    #[test]
    fn the_client_is_the_hop_num_proxies_from_the_right() {
        let client = |proxies: usize, forwarded: Option<&str>| {
            let settings = Settings {
                num_proxies: proxies,
                password_iterations: 1000,
                ..Settings::default()
            };
            let app = App::in_memory(
                settings,
                b"call-test-key-0123456789abcdef0123",
                0,
                JtiSource::counter(),
            )
            .unwrap();
            let mut request =
                OwnedRequest::new("POST", "/api/token/").peer("192.0.2.9".parse().unwrap());
            if let Some(forwarded) = forwarded {
                request = request.header("X-Forwarded-For", forwarded);
            }
            let request = request.request();
            let call = Call {
                app: &app,
                request: &request,
                route: &ROUTES[0],
                pk: None,
                started: Instant::now(),
                now: 0,
            };
            call.client().to_string()
        };
        assert_eq!(client(0, Some("203.0.113.1")), "192.0.2.9");
        assert_eq!(client(1, None), "192.0.2.9");
        assert_eq!(client(1, Some("10.0.0.1, 203.0.113.1")), "203.0.113.1");
        assert_eq!(
            client(2, Some("10.0.0.1, 203.0.113.1, 198.51.100.1")),
            "203.0.113.1"
        );
        assert_eq!(
            client(3, Some("203.0.113.1")),
            "203.0.113.1",
            "fewer hops: the leftmost"
        );
        assert_eq!(client(1, Some("not an address")), "192.0.2.9");
    }
}
