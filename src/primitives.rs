//! The primitives jwtd is built on, and the one place their crates are
//! named: HMAC-SHA2 (`hmac`, `sha2`), PBKDF2 (`pbkdf2`, through jwtd's own
//! `jwtd-kdf`, which only compiles it at opt-level 3), base64 in both
//! alphabets (`base64`) and the operating system's random source
//! (`getrandom`).
//!
//! Everything above this module speaks bytes and jwtd's own types, so a
//! crate can be replaced here alone, and a reader finds in one file which
//! implementation does the arithmetic: JWS signatures ([`HmacKey`]),
//! Django password hashes ([`pbkdf2_sha256`]), the learner page's
//! Content-Security-Policy hashes ([`sha256`]), token segments and hashes
//! ([`base64url_encode`], [`base64_encode`]), and salts, jtis and keys
//! ([`random_bytes`]).

use std::fmt;
use std::hint::black_box;

#[cfg(feature = "django-hashers")]
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The hash under an HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacHash {
    /// SHA-256: a 32-byte tag.
    Sha256,
    /// SHA-384: a 48-byte tag.
    Sha384,
    /// SHA-512: a 64-byte tag.
    Sha512,
}

/// HMAC keyed once (RFC 2104): signing and verifying clone the keyed
/// state, which skips the key schedule on every message. Its `Debug`
/// never shows the key.
#[derive(Clone)]
pub enum HmacKey {
    /// HMAC-SHA-256.
    Sha256(Hmac<Sha256>),
    /// HMAC-SHA-384.
    Sha384(Hmac<Sha384>),
    /// HMAC-SHA-512.
    Sha512(Hmac<Sha512>),
}

impl HmacKey {
    /// Keys `secret` (of any length: RFC 2104 section 2) for `hash`.
    pub fn new(hash: HmacHash, secret: &[u8]) -> HmacKey {
        match hash {
            HmacHash::Sha256 => HmacKey::Sha256(keyed(secret)),
            HmacHash::Sha384 => HmacKey::Sha384(keyed(secret)),
            HmacHash::Sha512 => HmacKey::Sha512(keyed(secret)),
        }
    }

    /// Writes the tag of `message` to the start of `out` and returns its
    /// length (32, 48 or 64).
    pub fn tag(&self, message: &[u8], out: &mut [u8; 64]) -> usize {
        let mut put = |tag: &[u8]| {
            out[..tag.len()].copy_from_slice(tag);
            tag.len()
        };
        match self {
            HmacKey::Sha256(mac) => put(&mac.clone().chain_update(message).finalize().into_bytes()),
            HmacKey::Sha384(mac) => put(&mac.clone().chain_update(message).finalize().into_bytes()),
            HmacKey::Sha512(mac) => put(&mac.clone().chain_update(message).finalize().into_bytes()),
        }
    }

    /// Whether `tag` is the HMAC of `message`: the tag is computed as
    /// [`HmacKey::tag`] computes it (one copy of the HMAC code for signing
    /// and verifying) and compared with [`constant_time_eq`].
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        let mut expected = [0u8; 64];
        let len = self.tag(message, &mut expected);
        constant_time_eq(&expected[..len], tag)
    }
}

/// Whether `a` and `b` are equal, in a time that depends only on their
/// lengths (which are public: a tag's or a hash's length is its
/// algorithm's). Every byte is compared, eight at a time, and `black_box`
/// keeps the compiler from turning the loop back into an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    let mut diff = 0u64;
    for (x, y) in a.chunks(8).zip(b.chunks(8)) {
        diff = black_box(diff | (word(x) ^ word(y)));
    }
    black_box(diff) == 0
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

fn keyed<M: KeyInit>(secret: &[u8]) -> M {
    match M::new_from_slice(secret) {
        Ok(mac) => mac,
        // Hmac's new_from_slice only fails for fixed-size keys; Hmac has none.
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) with a 32-byte output, the
/// derivation in Django's `pbkdf2_sha256` hashes. `iterations` must be at
/// least 1.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    jwtd_kdf::pbkdf2_sha256(password, salt, iterations)
}

/// The SHA-256 digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Appends the unpadded base64url encoding of `bytes` (RFC 4648 section 5)
/// to `out`.
pub fn base64url_encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// The unpadded base64url encoding of `bytes`.
pub fn base64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url: no `=`, no `+` or `/`, no
/// whitespace, and zero unused bits in the last character. (Tokens are
/// decoded by `jwt::base64url`; this is what its tests hold it to, and
/// what reads a JWK's numbers.)
#[cfg_attr(not(feature = "asymmetric"), cfg(test))]
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// The padded standard-alphabet base64 encoding of `bytes` (RFC 4648
/// section 4), as Django writes hashes and CSP writes digests.
pub fn base64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes canonical padded standard-alphabet base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Standard base64 without padding, as the PHC string format writes
/// argon2's salt and hash.
#[cfg(feature = "django-hashers")]
pub fn base64_unpadded_encode(bytes: &[u8]) -> String {
    STANDARD_NO_PAD.encode(bytes)
}

/// Canonical unpadded standard base64 (no padding, no stray trailing
/// bits); `None` for anything else.
#[cfg(feature = "django-hashers")]
pub fn base64_unpadded_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD.decode(text).ok()
}

/// bcrypt's base64 (alphabet `./A-Za-z0-9`, unpadded), which bcrypt's salt
/// and checksum are written in.
#[cfg(feature = "django-hashers")]
pub fn bcrypt_base64_encode(bytes: &[u8]) -> String {
    BCRYPT_BASE64.encode(bytes)
}

/// Canonical bcrypt base64; `None` for anything else.
#[cfg(feature = "django-hashers")]
pub fn bcrypt_base64_decode(text: &str) -> Option<Vec<u8>> {
    BCRYPT_BASE64.decode(text).ok()
}

#[cfg(feature = "django-hashers")]
const BCRYPT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::BCRYPT,
    base64::engine::general_purpose::NO_PAD,
);

/// PBKDF2-HMAC-SHA1 with a 20-byte output, the derivation in Django's
/// `pbkdf2_sha1` hashes. `iterations` must be at least 1.
#[cfg(feature = "django-hashers")]
pub fn pbkdf2_sha1(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 20] {
    jwtd_kdf::pbkdf2_sha1(password, salt, iterations)
}

/// The operating system's random source failed (it never does on Linux
/// once booted; the error is kept for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomError(getrandom::Error);

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "random source: {}", self.0)
    }
}

impl std::error::Error for RandomError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Fills `out` from the operating system's random source.
pub fn random_bytes(out: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(out).map_err(RandomError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_lengths_and_every_byte() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        for len in [1, 7, 8, 9, 31, 32, 33, 48, 64] {
            let a: Vec<u8> = (0..len as u8).collect();
            assert!(constant_time_eq(&a, &a.clone()), "{len}");
            for at in 0..len {
                for bit in [0x01, 0x80] {
                    let mut b = a.clone();
                    b[at] ^= bit;
                    assert!(!constant_time_eq(&a, &b), "{len} bytes, byte {at}");
                }
            }
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc4231_case_2_for_each_hash() {
        // RFC 4231 section 4.3: key "Jefe", "what do ya want for nothing?".
        let message = b"what do ya want for nothing?";
        let mut out = [0u8; 64];
        for (hash, expected) in [
            (HmacHash::Sha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (HmacHash::Sha384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
            (HmacHash::Sha512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        ] {
            let key = HmacKey::new(hash, b"Jefe");
            let len = key.tag(message, &mut out);
            assert_eq!(hex(&out[..len]), expected, "{hash:?}");
            assert!(key.verify(message, &out[..len]));
            out[0] ^= 1;
            assert!(!key.verify(message, &out[..len]));
        }
    }

    #[test]
    fn fips_180_sha256_abc() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn base64_alphabets_and_padding() {
        let bytes = [0xfb, 0xff, 0xbf];
        assert_eq!(base64url_encode(&bytes), "-_-_");
        assert_eq!(base64_encode(&bytes), "+/+/");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64url_encode(b"f"), "Zg");
        assert_eq!(base64url_decode("Zg"), Some(b"f".to_vec()));
        assert_eq!(base64url_decode("Zg=="), None, "padding refused");
        assert_eq!(base64url_decode("Zh"), None, "non-zero unused bits refused");
        assert_eq!(base64_decode("Zg=="), Some(b"f".to_vec()));
        assert_eq!(base64_decode("Zg"), None);
    }

    #[test]
    fn random_bytes_fill_the_buffer() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        random_bytes(&mut a).unwrap_or_else(|e| panic!("{e}"));
        random_bytes(&mut b).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a, b);
    }
}
