//! Django's `PBKDF2PasswordHasher` and `PBKDF2SHA1PasswordHasher`:
//! `pbkdf2_sha256$<iterations>$<salt>$<hash>`, `hash` the padded standard
//! base64 of PBKDF2-HMAC-SHA256(password, salt, iterations) with SHA-256's
//! 32-byte output; `pbkdf2_sha1$...` the same with SHA-1 and 20 bytes.

use std::hint::black_box;

use super::{parse_decimal, salt_too_short, Refusal, TIMING_SALT};
use crate::primitives;

/// The PRF's hash, which names the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Digest {
    /// `pbkdf2_sha256`.
    Sha256,
    /// `pbkdf2_sha1` (feature `django-hashers`).
    #[cfg(feature = "django-hashers")]
    Sha1,
}

impl Digest {
    /// Its output length in bytes.
    fn len(self) -> usize {
        match self {
            Digest::Sha256 => 32,
            #[cfg(feature = "django-hashers")]
            Digest::Sha1 => 20,
        }
    }

    fn algorithm(self) -> &'static str {
        match self {
            Digest::Sha256 => "pbkdf2_sha256",
            #[cfg(feature = "django-hashers")]
            Digest::Sha1 => "pbkdf2_sha1",
        }
    }
}

/// The fields of a stored value.
///
/// Invariants: `iterations >= 1`; `salt` is non-empty and has no `$`;
/// `hash` is the digest's length.
pub(super) struct Stored<'a> {
    digest: Digest,
    pub(super) iterations: u32,
    salt: &'a str,
    hash: Vec<u8>,
}

impl Stored<'_> {
    /// Whether `password` derives the stored hash.
    pub(super) fn verify(&self, password: &str) -> bool {
        let (derived, len) = derive(self.digest, password, self.salt, self.iterations);
        primitives::constant_time_eq(&derived[..len], &self.hash)
    }

    /// Django's `must_update`: another iteration count, or a short salt.
    pub(super) fn outdated(&self, iterations: u32) -> bool {
        self.iterations != iterations || salt_too_short(self.salt.chars().count())
    }

    /// Django's `harden_runtime`: after a failed check, the iterations
    /// still missing to `target`.
    pub(super) fn harden_runtime(&self, password: &str, target: u32) {
        if let Some(missing) = target.checked_sub(self.iterations).filter(|&n| n > 0) {
            black_box(derive(self.digest, password, self.salt, missing));
        }
    }
}

/// Split `<algorithm>$ITER$SALT$HASH` strictly. A hash that is not
/// canonical padded standard base64 of the digest's length can never
/// match (Django compares whole strings, so not there either): malformed.
pub(super) fn parse(digest: Digest, encoded: &str) -> Result<Stored<'_>, Refusal> {
    let mut parts = encoded.split('$');
    let (Some(algorithm), Some(iterations), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(Refusal::Malformed);
    };
    let hash = primitives::base64_decode(hash).filter(|hash| hash.len() == digest.len());
    match (hash, parse_decimal(iterations)) {
        (Some(hash), Some(iterations)) if algorithm == digest.algorithm() && !salt.is_empty() => {
            Ok(Stored {
                digest,
                iterations,
                salt,
                hash,
            })
        }
        _ => Err(Refusal::Malformed),
    }
}

/// Django's encoding. `salt` is non-empty without `$`, `iterations >= 1`.
pub(super) fn encode(digest: Digest, password: &str, salt: &str, iterations: u32) -> String {
    let (hash, len) = derive(digest, password, salt, iterations);
    format!(
        "{}${iterations}${salt}${}",
        digest.algorithm(),
        primitives::base64_encode(&hash[..len])
    )
}

/// One hash at `iterations`, for timing only.
pub(super) fn hash_for_timing(digest: Digest, password: &str, iterations: u32) {
    black_box(derive(digest, password, TIMING_SALT, iterations.max(1)));
}

/// PBKDF2 over the UTF-8 bytes of `password` and `salt`: the output in the
/// first `len` bytes, `len` the digest's size. `iterations >= 1`.
fn derive(digest: Digest, password: &str, salt: &str, iterations: u32) -> ([u8; 32], usize) {
    let (password, salt) = (password.as_bytes(), salt.as_bytes());
    match digest {
        Digest::Sha256 => (primitives::pbkdf2_sha256(password, salt, iterations), 32),
        #[cfg(feature = "django-hashers")]
        Digest::Sha1 => {
            let mut out = [0u8; 32];
            out[..20].copy_from_slice(&primitives::pbkdf2_sha1(password, salt, iterations));
            (out, 20)
        }
    }
}
