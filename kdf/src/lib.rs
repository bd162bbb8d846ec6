//! PBKDF2-HMAC-SHA256, compiled apart from jwtd.
//!
//! jwtd is compiled for size (`opt-level = "s"`), and a generic function is
//! compiled in the crate that names its type arguments. So
//! `pbkdf2_hmac::<Sha256>` named in jwtd would run its loop at jwtd's
//! opt-level, a quarter slower than at 3. Named here instead, it is
//! compiled at this crate's opt-level, which jwtd's `Cargo.toml` sets to 3:
//! a login then costs the hash its iterations make, not more.
#![forbid(unsafe_code)]

/// PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) with a 32-byte output.
/// `iterations` must be at least 1.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out);
    out
}

/// PBKDF2-HMAC-SHA1 (RFC 8018 section 5.2) with a 20-byte output, Django's
/// `pbkdf2_sha1`. `iterations` must be at least 1.
#[cfg(feature = "sha1")]
pub fn pbkdf2_sha1(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 20] {
    let mut out = [0u8; 20];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out);
    out
}
