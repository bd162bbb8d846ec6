//! Request framing: `http::parse::parse` never panics, keeps what it returns
//! inside the buffer, honours its limits, and answers the same however the
//! bytes are split; pipelined requests are parsed until the buffer runs out.
//! See `properties::request_head`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jwtd_fuzz::properties::request_head(data));
