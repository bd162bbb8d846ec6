//! `jwtd token explain`: a token taken apart byte by byte, then run through
//! the server's own decoder.
//!
//! The pass/fail lines come from [`jwt::decode_observed`] and
//! [`token::verify_claims`], the functions the server calls, observed as
//! they run; nothing here re-implements a check, so the explanation cannot
//! disagree with the server. Everything else (segments, decoded JSON,
//! dates, the recomputed HMAC) is display, computed leniently so that even
//! a broken token shows as much of itself as it can.
//!
//! `analysis` runs the checks and gathers the facts into an
//! [`Explanation`]; `text` and `json` render it, and `format` holds what
//! both renderings write alike (dates, durations, hex).
//!
//! [`jwt::decode_observed`]: crate::jwt::decode_observed
//! [`token::verify_claims`]: crate::token::verify_claims

mod analysis;
mod format;
mod json;
mod text;

pub use analysis::{explain, Explanation, KeyChoice, StoreFacts};

#[cfg(test)]
mod tests;
