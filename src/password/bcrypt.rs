//! Django's `BCryptSHA256PasswordHasher` and `BCryptPasswordHasher`: the
//! algorithm, an empty field, then the modular-crypt string pyca/bcrypt
//! writes: `bcrypt_sha256$$2b$12$<22 salt chars><31 hash chars>`, in
//! bcrypt's base64. `bcrypt_sha256` hashes the lowercase hex SHA-256 of the
//! password (64 bytes, so nothing is truncated); `bcrypt` hashes the
//! password itself, and one over 72 bytes never matches and cannot be
//! hashed (pyca/bcrypt 5 refuses it, so Django does too).
//!
//! bcrypt itself (OpenBSD's `$2b$`, also read as `$2a$` and `$2y$`, which
//! agree on these keys) on blowfish's EksBlowfish: the key is the password
//! and a NUL, cut at 72 bytes; `2^rounds` rounds of the expensive key
//! schedule; "OrpheanBeholderScryDoubt" encrypted 64 times; 23 bytes kept.

use std::hint::black_box;

use blowfish::Blowfish;

use super::{PasswordError, Refusal};
use crate::primitives;

/// Django 5.2's `rounds`.
const ROUNDS: u32 = 12;
/// The fewest rounds bcrypt accepts.
const MIN_ROUNDS: u32 = 4;
/// The most rounds a stored hash may ask for: Django's default and one
/// more (twice its time).
pub(super) const MAX_ROUNDS: u32 = ROUNDS + 1;
/// bcrypt's longest key; `bcrypt` refuses longer passwords.
const MAX_KEY: usize = 72;
/// The salt's length in bytes (22 base64 characters).
const SALT_LEN: usize = 16;
/// The hash's length in base64 characters (23 bytes).
const HASH_CHARS: usize = 31;
/// Salt for timing only.
const TIMING_SALT: [u8; SALT_LEN] = *b"jwtd timing salt";

/// A stored value's fields.
pub(super) struct Stored<'a> {
    /// `bcrypt_sha256`, not `bcrypt`.
    sha256: bool,
    rounds: u32,
    salt: [u8; SALT_LEN],
    /// The 31 characters after the salt.
    hash: &'a str,
}

impl Stored<'_> {
    /// Whether `password` hashes to the stored hash (Django re-encodes and
    /// compares the strings; the canonical salt makes that the same).
    pub(super) fn verify(&self, password: &str) -> bool {
        key(self.sha256, password).is_some_and(|key| {
            let hash = primitives::bcrypt_base64_encode(&bcrypt(self.rounds, &self.salt, &key));
            primitives::constant_time_eq(hash.as_bytes(), self.hash.as_bytes())
        })
    }

    /// Django's `must_update`: other rounds than 12.
    pub(super) fn outdated(&self) -> bool {
        self.rounds != ROUNDS
    }

    /// Django's `harden_runtime`: `2^(12 - rounds) - 1` more hashes at the
    /// stored rounds, so a failure costs a hash at 12.
    pub(super) fn harden_runtime(&self, password: &str) {
        let Some(key) = key(self.sha256, password) else {
            return hash_for_timing(self.sha256, password);
        };
        let extra = ROUNDS.saturating_sub(self.rounds);
        for _ in 1..(1u32 << extra) {
            black_box(bcrypt(self.rounds, &self.salt, &key));
        }
    }
}

/// Split `<algorithm>$$2b$RR$<salt><hash>` strictly (also `2a` and `2y`).
pub(super) fn parse(sha256: bool, encoded: &str) -> Result<Stored<'_>, Refusal> {
    let algorithm = if sha256 {
        "bcrypt_sha256$$"
    } else {
        "bcrypt$$"
    };
    let rest = encoded.strip_prefix(algorithm).ok_or(Refusal::Malformed)?;
    let malformed = Refusal::Malformed;
    let (prefix, rest) = rest.split_once('$').ok_or(malformed)?;
    let (rounds, data) = rest.split_once('$').ok_or(malformed)?;
    if !matches!(prefix, "2a" | "2b" | "2y")
        || rounds.len() != 2
        || !rounds.bytes().all(|b| b.is_ascii_digit())
        || data.len() != 22 + HASH_CHARS
        || !data.is_char_boundary(22)
    {
        return Err(malformed);
    }
    let rounds: u32 = rounds.parse().map_err(|_| malformed)?;
    if rounds < MIN_ROUNDS {
        return Err(malformed);
    }
    if rounds > MAX_ROUNDS {
        return Err(Refusal::TooCostly("bcrypt rounds above 13"));
    }
    let (salt, hash) = data.split_at(22);
    Ok(Stored {
        sha256,
        rounds,
        salt: primitives::bcrypt_base64_decode(salt)
            .and_then(|salt| salt.try_into().ok())
            .ok_or(malformed)?,
        hash,
    })
}

/// A new hash at Django's rounds with a fresh salt (pyca/bcrypt's
/// `gensalt(12)`, prefix `2b`).
pub(super) fn make(sha256: bool, password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; SALT_LEN];
    primitives::random_bytes(&mut salt).map_err(PasswordError::Random)?;
    encode(sha256, password, &salt, ROUNDS).ok_or(PasswordError::TooLongForBcrypt)
}

/// Django's encoding; `None` for `bcrypt` and a password over 72 bytes.
fn encode(sha256: bool, password: &str, salt: &[u8; SALT_LEN], rounds: u32) -> Option<String> {
    let hash = bcrypt(rounds, salt, &key(sha256, password)?);
    Some(format!(
        "{}$$2b${rounds:02}${}{}",
        if sha256 { "bcrypt_sha256" } else { "bcrypt" },
        primitives::bcrypt_base64_encode(salt),
        primitives::bcrypt_base64_encode(&hash)
    ))
}

/// One hash at Django's rounds, for timing only.
pub(super) fn hash_for_timing(sha256: bool, password: &str) {
    let key = key(sha256, password).unwrap_or_default();
    black_box(bcrypt(ROUNDS, &TIMING_SALT, &key));
}

/// The bytes bcrypt is given: the hex SHA-256 of the password for
/// `bcrypt_sha256`, the password itself for `bcrypt` (`None` over 72 bytes).
fn key(sha256: bool, password: &str) -> Option<Vec<u8>> {
    if sha256 {
        let digest = primitives::sha256(password.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        return Some(hex.into_bytes());
    }
    (password.len() <= MAX_KEY).then(|| password.as_bytes().to_vec())
}

/// bcrypt's 23-byte hash of `password` (at most 72 bytes) at `rounds`
/// (4 to 31).
fn bcrypt(rounds: u32, salt: &[u8; SALT_LEN], password: &[u8]) -> [u8; 23] {
    // The key is the password and its NUL terminator, cut at 72 bytes.
    let mut key = Vec::with_capacity(MAX_KEY + 1);
    key.extend_from_slice(password);
    key.push(0);
    key.truncate(MAX_KEY);
    let mut state = Blowfish::bc_init_state();
    state.salted_expand_key(salt, &key);
    for _ in 0..1u64 << rounds {
        state.bc_expand_key(&key);
        state.bc_expand_key(salt);
    }
    // "OrpheanBeholderScryDoubt", big-endian words.
    let mut text: [u32; 6] = [
        0x4f72_7068,
        0x6561_6e42,
        0x6568_6f6c,
        0x6465_7253,
        0x6372_7944,
        0x6f75_6274,
    ];
    for pair in text.chunks_exact_mut(2) {
        let mut block = [pair[0], pair[1]];
        for _ in 0..64 {
            block = state.bc_encrypt(block);
        }
        pair.copy_from_slice(&block);
    }
    let mut out = [0u8; 24];
    for (bytes, word) in out.chunks_exact_mut(4).zip(text) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    let mut hash = [0u8; 23];
    hash.copy_from_slice(&out[..23]);
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";

    /// Made by Django 5.2.19 with pyca/bcrypt 5.0.0, salt
    /// `$2b$04$abcdefghijklmnopqrstuu` (and `$2b$12$...` for the first).
    const DJANGO_SHA256_12: &str =
        "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuuNrZ4CeoNrvGcIepBB1WStSdG4Wu4DG";
    const DJANGO_SHA256_4: &str =
        "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuuaBT8mpw5tGdD3eO40znWcQP/dT9hEVK";
    const DJANGO_BCRYPT_4: &str =
        "bcrypt$$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG";
    const DJANGO_BCRYPT_72: &str =
        "bcrypt$$2b$04$abcdefghijklmnopqrstuubzadhGtS2zEF.gu0yd0opP6cVzb.e0i";
    const DJANGO_BCRYPT_EMPTY: &str =
        "bcrypt$$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq";

    fn salt() -> [u8; SALT_LEN] {
        primitives::bcrypt_base64_decode("abcdefghijklmnopqrstuu")
            .unwrap()
            .try_into()
            .unwrap()
    }

    fn check(sha256: bool, encoded: &str, password: &str) -> bool {
        parse(sha256, encoded).ok().unwrap().verify(password)
    }

    #[test]
    fn django_vectors_encode_and_verify() {
        let s = salt();
        assert_eq!(encode(true, PASSWORD, &s, 12).unwrap(), DJANGO_SHA256_12);
        assert_eq!(encode(true, PASSWORD, &s, 4).unwrap(), DJANGO_SHA256_4);
        assert_eq!(encode(false, PASSWORD, &s, 4).unwrap(), DJANGO_BCRYPT_4);
        assert_eq!(encode(false, "", &s, 4).unwrap(), DJANGO_BCRYPT_EMPTY);
        assert_eq!(
            encode(false, &"x".repeat(72), &s, 4).unwrap(),
            DJANGO_BCRYPT_72
        );
        assert!(check(true, DJANGO_SHA256_12, PASSWORD));
        assert!(check(true, DJANGO_SHA256_4, PASSWORD));
        assert!(!check(true, DJANGO_SHA256_4, "wrong"));
        assert!(check(false, DJANGO_BCRYPT_4, PASSWORD));
        assert!(!check(false, DJANGO_BCRYPT_4, "wrong"));
        assert!(check(false, DJANGO_BCRYPT_72, &"x".repeat(72)));
        assert!(check(false, DJANGO_BCRYPT_EMPTY, ""));
        assert!(!parse(true, DJANGO_SHA256_12).ok().unwrap().outdated());
        assert!(parse(true, DJANGO_SHA256_4).ok().unwrap().outdated());
    }

    #[test]
    fn the_2a_and_2y_prefixes_verify_as_django_writes_them() {
        // pyca/bcrypt keeps the prefix it was given.
        for prefix in ["2a", "2y"] {
            let encoded = DJANGO_BCRYPT_4.replace("$2b$", &format!("${prefix}$"));
            assert!(check(false, &encoded, PASSWORD), "{encoded}");
        }
    }

    #[test]
    fn bcrypt_refuses_passwords_over_72_bytes() {
        // pyca/bcrypt 5 raises for them; 72 bytes and a 73rd never match.
        let long = "x".repeat(73);
        assert!(!check(false, DJANGO_BCRYPT_72, &long));
        assert_eq!(encode(false, &long, &salt(), 4), None);
        assert_eq!(make(false, &long), Err(PasswordError::TooLongForBcrypt));
        // bcrypt_sha256 hashes any length.
        let stored = encode(true, &long, &salt(), 4).unwrap();
        assert!(check(true, &stored, &long));
        assert!(!check(true, &stored, &"x".repeat(72)));
    }

    #[test]
    fn one_algorithm_does_not_read_the_others_values() {
        assert!(parse(false, DJANGO_SHA256_4).is_err());
        assert!(parse(true, DJANGO_BCRYPT_4).is_err());
    }

    #[test]
    fn rounds_above_13_are_refused_unhashed() {
        let at = |rounds: &str| DJANGO_SHA256_4.replace("$04$", &format!("${rounds}$"));
        assert_eq!(
            parse(true, &at("14")).err(),
            Some(Refusal::TooCostly("bcrypt rounds above 13"))
        );
        assert_eq!(
            parse(true, &at("31")).err(),
            Some(Refusal::TooCostly("bcrypt rounds above 13"))
        );
        assert!(parse(true, &at("13")).is_ok());
    }

    #[test]
    fn malformed_values_are_refused() {
        let h = "abcdefghijklmnopqrstuuaBT8mpw5tGdD3eO40znWcQP/dT9hEVK";
        for bad in [
            format!("bcrypt_sha256$2b$04${h}"),
            format!("bcrypt_sha256$$2c$04${h}"),
            format!("bcrypt_sha256$$2b$4${h}"),
            format!("bcrypt_sha256$$2b$03${h}"),
            format!("bcrypt_sha256$$2b$+4${h}"),
            format!("bcrypt_sha256$$2b$04${h}x"),
            format!("bcrypt_sha256$$2b$04${}", &h[1..]),
            // The salt's last character carries 2 bits: `v` is not canonical.
            format!("bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuv{}", &h[22..]),
            format!(
                "bcrypt_sha256$$2b$04$\u{e9}bcdefghijklmnopqrstu{}",
                &h[22..]
            ),
        ] {
            assert_eq!(parse(true, &bad).err(), Some(Refusal::Malformed), "{bad}");
        }
    }

    #[test]
    fn generated_hashes_look_like_pycas_and_verify() {
        let stored = make(true, PASSWORD).unwrap();
        assert!(stored.starts_with("bcrypt_sha256$$2b$12$"), "{stored}");
        assert_eq!(stored.len(), "bcrypt_sha256$$2b$12$".len() + 53);
        let parsed = parse(true, &stored).ok().unwrap();
        assert!(parsed.verify(PASSWORD));
        assert!(!parsed.outdated());
    }
}
