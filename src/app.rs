//! The application: settings, the authentication policy and the clock,
//! shared by every worker. It is the HTTP server's [`Handler`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::auth::Auth;
use crate::config::Settings;
use crate::http::{router, Handler, Request, Response};
use crate::time;

/// Where `now` comes from.
#[derive(Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time that tests set and advance.
    Fixed(AtomicU64),
}

impl Clock {
    /// Unix seconds.
    pub fn now(&self) -> u64 {
        match self {
            Clock::System => time::now_seconds(),
            Clock::Fixed(t) => t.load(Ordering::Relaxed),
        }
    }

    /// Moves a fixed clock; no effect on the system clock.
    pub fn set(&self, seconds: u64) {
        if let Clock::Fixed(t) = self {
            t.store(seconds, Ordering::Relaxed);
        }
    }
}

/// Everything a request needs.
#[derive(Debug)]
pub struct App {
    /// The settings in force.
    pub settings: Arc<Settings>,
    /// The policy.
    pub auth: Auth,
    /// The clock.
    pub clock: Clock,
    /// The request header carrying credentials, lower case.
    pub auth_header: String,
    /// `WWW-Authenticate` on every 401: `Bearer realm="api"`.
    pub www_authenticate: String,
}

impl App {
    /// Assembles the application.
    pub fn new(settings: Arc<Settings>, auth: Auth, clock: Clock) -> App {
        let scheme = settings
            .auth_header_types
            .first()
            .map_or("Bearer", String::as_str);
        App {
            auth_header: settings.auth_header(),
            www_authenticate: format!("{scheme} realm=\"api\""),
            settings,
            auth,
            clock,
        }
    }

    /// Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}

impl Handler for App {
    fn handle(&self, request: &Request<'_>) -> Response {
        router::route(self, request)
    }
}
