//! Token decoding: `jwt::decode` agrees with the documented checks on any
//! input (as a token, as a signed payload, as a signed header and payload),
//! and whatever it accepts re-encodes. See `properties::jwt_decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jwtd_fuzz::properties::jwt_decode(data));
