//! What "correct" means for each fuzz target, in one place.
//!
//! The cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, nightly or
//! `RUSTC_BOOTSTRAP=1`) and the deterministic corpus replay
//! (`tests/corpus.rs`, plain `cargo test` on stable) both call these
//! functions, so an input the fuzzer flags fails `cargo test` as soon as it
//! is checked in under `tests/corpus/<target>/`. Each function takes the raw
//! input and panics when a property does not hold; returning means the input
//! passed. Nothing here reads a clock or a random source, so a failure
//! reproduces from its input alone; the one exception is the handler
//! target's application, whose store (blacklist, rotations) carries over
//! from input to input as a server's would.
//!
//! The module is compiled twice, as `jwtd_fuzz::properties` and as a module
//! of `tests/corpus.rs` (which names this `mod.rs` by `#[path]`: the files
//! declared below are found beside it both ways), and uses only jwtd's
//! public API and std. A file per target (`jwt_decode`, `request_head`,
//! `json_body`, `handler`); here the known bugs and what several targets
//! share.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use jwtd::config::Settings;
use jwtd::http::Limits;
use jwtd::service::limits;

mod handler;
mod json_body;
mod jwt_decode;
mod request_head;

pub use handler::handler;
pub use json_body::json_body;
pub use jwt_decode::jwt_decode;
pub use request_head::request_head;

/// The reference vectors' signing key (simplejwt-5.5.1.md section 7).
pub const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// 2025-01-01T00:00:00Z, the reference vectors' frozen clock: the seed
/// tokens V1-V6 are valid at this instant.
pub const NOW: u64 = 1_735_689_600;

fn localhost() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

/// The server's default limits, and tiny ones so that every limit is within
/// reach of short inputs.
fn limit_sets() -> &'static [Limits; 2] {
    static LIMITS: OnceLock<[Limits; 2]> = OnceLock::new();
    LIMITS.get_or_init(|| {
        let tiny = Settings {
            max_request_line_bytes: 24,
            max_header_bytes: 64,
            max_headers: 3,
            max_body_bytes: 8,
            ..Settings::default()
        };
        [limits(&Settings::default()), limits(&tiny)]
    })
}

// ---------------------------------------------------------------------------
// Known bugs
// ---------------------------------------------------------------------------

/// Bugs these properties found that are reported and not fixed yet. Each is
/// tolerated exactly where it shows, so that a fuzz run goes on looking for
/// new bugs instead of stopping at the same one within seconds. In strict
/// mode (`JWTD_FUZZ_STRICT=1` in the environment, or inside [`strict`]) they
/// fail like any other property; `tests/corpus.rs` replays one input per bug
/// that way and expects the failure, so an entry cannot outlive its bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownBug {
    /// `api::body`: CPython's 4300-digit limit on integer literals is only
    /// applied where a requested field's value is such a literal; DRF's
    /// parser (Python's `json`) raises on one anywhere in the document, a
    /// 400 "JSON parse error". So jwtd's answer depends on which fields a view
    /// asks for, and `{"username":"alice","password":"…","x":<4301 digits>}`
    /// logs in where the reference answers 400.
    IntDigitLimitPerField,
}

impl KnownBug {
    const ALL: [KnownBug; 1] = [KnownBug::IntDigitLimitPerField];
}

thread_local! {
    static STRICT: Cell<bool> = Cell::new(
        std::env::var_os("JWTD_FUZZ_STRICT").is_some_and(|v| v == "1"),
    );
    /// How often each known bug was tolerated on this thread, in
    /// [`KnownBug::ALL`]'s order (per thread: each test has its own).
    static TOLERATED: [Cell<u64>; 1] = const { [Cell::new(0)] };
}

/// Runs `f` with every known bug failing like any other property.
pub fn strict<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            STRICT.set(self.0);
        }
    }
    let _restore = Restore(STRICT.replace(true));
    f()
}

/// Whether to let `bug` pass this time (and count it).
fn tolerate(bug: KnownBug) -> bool {
    if STRICT.get() {
        return false;
    }
    let index = KnownBug::ALL.iter().position(|b| *b == bug).unwrap_or(0);
    TOLERATED.with(|counts| counts[index].set(counts[index].get() + 1));
    true
}

/// How often each known bug has been tolerated on this thread.
pub fn tolerated() -> Vec<(KnownBug, u64)> {
    TOLERATED.with(|counts| {
        KnownBug::ALL
            .iter()
            .zip(counts)
            .map(|(bug, count)| (*bug, count.get()))
            .collect()
    })
}
