//! Request bodies: `api::body::parse_fields` never panics, for every
//! content type and field set, and its answers are well formed and do not
//! depend on which fields were asked for. See `properties::json_body`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jwtd_fuzz::properties::json_body(data));
