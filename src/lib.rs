//! jwtd: a JWT authentication server wire-compatible with
//! djangorestframework-simplejwt 5.5.1, in one small binary.
//!
//! # The layers
//!
//! Each layer uses only the layers below it; no module reaches up, and no
//! two modules use each other.
//!
//! ```text
//!  main ─► cli ──────────────► service (composition root: settings ─► limits,
//!           │                    store, writer, keys, auth, app, server, control)
//!           │  user, key,             │
//!           │  token commands         ▼
//!           │            ┌──────── http ────────┐     the transport: knows no
//!           │            │ server, conn, parse, │     application and no setting
//!           │            │ chunked, parked;     │
//!           │            │ client (GET, JWKS)   │
//!           │            └──────────▲───────────┘
//!           │                       │ Handler
//!           │            ┌──────── api ─────────┐     SimpleJWT/DRF on the wire:
//!           │            │ routes (one table),  │     routes, bodies, errors,
//!           │            │ body/, endpoints/    │     DRF's exact messages
//!           │            └──────────┬───────────┘
//!           ▼                       ▼
//!        control ─► app ─► auth (the boundary: policy, accounts, rules, keys)
//!                            ├─► token ─► jwt ─► primitives
//!                            ├─► password ─► primitives      (on the login pool)
//!                            ├─► keys, throttle
//!                            └─► writer (group commit) ─► store ─► store::redb, store::postgres
//!  under all of them: clock, config, files, time, log, sys, pyjson, python_str, md5,
//!  metrics, refusal, difflib, sql_name, re_match, urlsplit
//! ```
//!
//! A request's path: `http::server` (epoll, a fixed pool of workers) ─►
//! `http::conn` ─► `http::parse` (framing) ─► `api` (the [`http::Handler`]
//! for [`app::App`]) ─► `api::router` ─► `api::endpoints::*` ─► `auth` ─►
//! `token` ─► `jwt`; writes go through `writer` to `store`.
//!
//! # The modules
//!
//! | module | owns |
//! |---|---|
//! | `cli` | the command line: one file per command family, help beside its parser |
//! | `service` | assembling the server from settings, reloading them on SIGHUP, and stopping it in order |
//! | `http` | HTTP/1.1 transport: connections, framing, limits (per address too), parked responses; `http::client`, one bounded GET (a JWKS URL's body), TLS behind feature `https` |
//! | `api` | the SimpleJWT/DRF application: `ALLOWED_HOSTS`, CORS, the route table, bodies, endpoints, error bodies |
//! | `app` | the state every request shares: settings, auth, clock, login pool, metrics |
//! | `auth` | the policy and the boundary around the state: login, refresh, verify, blacklist, bearer; accounts and their rules; key rotation |
//! | `token` | SimpleJWT's token classes: claims, their order, their checks |
//! | `jwt` | JWS by hand: base64url, HMAC signing, the keyring (kid), the numbered decode checks, the one-pass JSON reader of headers and payloads |
//! | `password` | Django's password hashers, one file each: `pbkdf2_sha256` and `pbkdf2_sha1`; `argon2`, `bcrypt_sha256`, `bcrypt`, `scrypt` (feature `django-hashers`); `PASSWORD_HASHERS`, upgrade on login, cost bounds, timing |
//! | `pki` | public-key signatures (RSA, ECDSA, Ed25519; feature `asymmetric`): keys in PEM, DER and JWK, new key pairs |
//! | `primitives` | HMAC, SHA-2, PBKDF2, base64 and OS randomness: their crates' one home |
//! | `keys` | where the signing keys come from; rotate and retire on the store |
//! | `jwk_url` | `JWK_URL`: the key set fetched on a thread of its own, bounded, refreshed on an unknown `kid` (feature `asymmetric`) |
//! | `files` | secret files: created owner-only, refused when others can read them |
//! | `store` | the state behind one interface: users, token state, keys; each change decided once (`decide`); the redb backend, and PostgreSQL (feature `postgres`) shared by replicas and Django |
//! | `writer` | group commit of every change: one writer, a batch one transaction |
//! | `work_pool` | threads for work that must not hold an HTTP worker: password hashes, and round trips to a shared database |
//! | `throttle` | failed-login counting per address and per user |
//! | `control` | every command on the database, typed once, run here or by a running server through the control socket |
//! | `explain` | `jwtd token explain`: the analysis apart from its rendering |
//! | `dumpdata` | Django's `manage.py dumpdata` format: its `auth.user` records, both ways, and the import's report |
//! | `config` | settings: defaults, the JSON file, `JWTD_*` variables, where each came from; the one table of settings; the settings in force and what a reload changes |
//! | `metrics` | the counters `/metrics` shows |
//! | `packed` | the documents the binary carries packed (the OpenAPI document, the learner's page), and their unpacker |
//! | `refusal` | every way a request is refused, and its `/metrics` label |
//! | `clock` | where every "now" comes from: the system, or a fixed time in tests |
//! | `time`, `log`, `pyjson`, `python_str`, `md5`, `sys` | dates, the log, Python's JSON and `str.strip`/`str.isdigit`, MD5 (SimpleJWT's revoke claim), system calls |
//! | `difflib` | Python's `SequenceMatcher` ratios, for Django's similarity validator |
//! | `sql_name` | the table and column names a database shared with Django may be given |
//! | `scratch_dir` | the unit tests' temporary directories (test builds only) |
//! | `re_match`, `urlsplit` | a linear-time subset of Python's `re.match`, and `urlsplit`'s scheme and netloc: how CORS compares origins (feature `cors`) |
//!
//! # Each external crate's one home
//!
//! | crate | home |
//! |---|---|
//! | `hmac`, `sha2`, `pbkdf2` and `sha1` (through `kdf/`; `sha1` with feature `django-hashers`), `base64`, `getrandom` | `primitives` |
//! | `ring`, `p521`, `crypto-bigint` (feature `asymmetric`) | `pki` |
//! | `argon2`, `scrypt`, `blowfish` (feature `django-hashers`) | `password` |
//! | `redb` | `store::redb` |
//! | `postgres` (feature `postgres`) | `store::postgres` |
//! | `httparse` | `http::parse` (requests), `http::client` (responses) |
//! | `rustls` (ring provider), `rustls-native-certs` (feature `https`) | `http::client` (its `tls.rs`) |
//! | `libc` | `sys`, the only `unsafe` code |
//! | `serde`, `serde_json` | the JSON vocabulary, read wherever JSON is (bodies, claims, the config file, dumpdata): no home of their own, as a language's strings have none |
//!
//! The HTTP `Date` header reads the system clock in the transport (it is the
//! origin's real time by RFC 9110); every other "now" is the application's
//! [`clock::Clock`].

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
mod control;
pub mod difflib;
mod dumpdata;
mod explain;
mod files;
pub mod http;
#[cfg(feature = "asymmetric")]
pub mod jwk_url;
pub mod jwt;
mod keys;
mod log;
mod md5;
mod metrics;
mod packed;
pub mod password;
#[cfg(feature = "asymmetric")]
pub mod pki;
mod primitives;
mod pyjson;
mod python_str;
#[cfg(feature = "cors")]
pub mod re_match;
mod refusal;
#[cfg(test)]
mod scratch_dir;
pub mod service;
mod sql_name;
pub mod store;
mod sys;
pub mod throttle;
pub mod time;
pub mod token;
#[cfg(feature = "cors")]
mod urlsplit;
pub mod work_pool;
pub mod writer;
