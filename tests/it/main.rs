//! End-to-end tests: the real `jwtd` binary on 127.0.0.1 with a temporary
//! database, driven over real sockets and through its command line.
#![allow(clippy::unwrap_used)]

mod admin;
#[cfg(feature = "asymmetric")]
mod asymmetric;
mod attacks;
mod cli;
mod contrib;
#[cfg(feature = "cors")]
mod cors;
mod crash;
mod flow;
mod hashers;
mod metrics;
mod protocol;
mod reference;
#[cfg(feature = "cors")]
mod refresh_cookie;
#[cfg(feature = "postgres")]
mod replicas;
mod review;
mod settings;
mod sliding;
mod support;
mod users;
