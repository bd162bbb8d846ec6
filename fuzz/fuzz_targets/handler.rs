//! The whole request path without a socket: parse, route, handle against an
//! in-memory application. Never a panic, never a 5xx, never a malformed
//! response. See `properties::handler`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jwtd_fuzz::properties::handler(data));
