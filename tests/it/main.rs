//! End-to-end tests: the real `jwtd` binary on 127.0.0.1 with a temporary
//! database, driven over real sockets and through its command line.
#![allow(clippy::unwrap_used)]

mod admin;
#[cfg(feature = "asymmetric")]
mod asymmetric;
mod attacks;
mod cli;
mod contrib;
mod crash;
mod flow;
mod metrics;
mod protocol;
mod reference;
#[cfg(feature = "postgres")]
mod replicas;
mod review;
mod settings;
mod support;
mod users;
