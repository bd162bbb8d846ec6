//! jwtd: a JWT authentication server wire-compatible with
//! djangorestframework-simplejwt 5.5.1, in one small binary.
//!
//! A request's path through the modules:
//!
//! ```text
//! http::server ─ epoll, fixed worker pool ─► http::conn ─► http::parse (framing)
//!      ─► api (Handler for App) ─► api::routes (the route table) ─► api::router
//!      ─► api::endpoints::<endpoint> ─► api::body (DRF parsers)
//!      ─► auth (policy) ─► token (SimpleJWT claims) ─► jwt (RFC 7519/7515 by hand)
//!                      ─► password (Django PBKDF2, on the hasher pool)
//!                      ─► store (redb), writes through writer (group commit)
//! ```
//!
//! Dependencies point one way: `api` → `app` → `auth`, `config`, `metrics`,
//! ...; `api` → `http`; and `http` → `sys`, `log`, `time` only: the
//! transport knows nothing of the application or its settings (`serve`,
//! the composition root, hands it its limits).
//!
//! Each external crate has one home: `httparse` in `http::parse`, `redb` in
//! `store::redb`, `hmac`/`sha2` in `jwt::signing` and `password`, `pbkdf2` in
//! `password`, `base64` in `jwt::base64url` and `password`, `libc` in `sys`
//! (the only `unsafe` code), `getrandom` where ids and salts are made.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod dumpdata;
pub mod explain;
pub mod files;
pub mod hasher;
pub mod http;
pub mod jwt;
pub mod keys;
pub mod log;
pub mod md5;
pub mod metrics;
pub mod password;
pub mod primitives;
pub mod pyjson;
pub mod serve;
pub mod store;
pub mod sys;
pub mod throttle;
pub mod time;
pub mod token;
pub mod writer;
