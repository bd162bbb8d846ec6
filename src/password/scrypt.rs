//! Django's `ScryptPasswordHasher`: `scrypt$<n>$<salt>$<r>$<p>$<hash>`
//! (work factor, salt, block size, parallelism, in that order), `hash` the
//! padded standard base64 of scrypt's 64-byte output.
//!
//! Stored values asking for more than Django's defaults (n = 2^14, r = 8,
//! p = 5) are refused unhashed: Django itself cannot verify a much larger
//! n x r (hashlib's default 32 MiB `maxmem`), and each check holds
//! 128 x n x r bytes (16 MiB at the defaults).

use std::hint::black_box;

use ::scrypt::Params;

use super::{parse_decimal, Refusal, TIMING_SALT};
use crate::primitives;

/// Django 5.2's `work_factor` (n), also the largest accepted.
const WORK_FACTOR: u32 = 1 << 14;
/// Django 5.2's `block_size` (r), also the largest accepted.
const BLOCK_SIZE: u32 = 8;
/// Django 5.2's `parallelism` (p), also the largest accepted.
const PARALLELISM: u32 = 5;
/// Django's `dklen`.
const HASH_LEN: usize = 64;

/// A stored value's fields. Invariants: `n` is a power of two from 2 to
/// [`WORK_FACTOR`], `r` and `p` from 1 to their defaults, `salt` non-empty,
/// `hash` 64 bytes.
pub(super) struct Stored<'a> {
    n: u32,
    salt: &'a str,
    r: u32,
    p: u32,
    hash: Vec<u8>,
}

impl Stored<'_> {
    /// Whether `password` derives the stored hash.
    pub(super) fn verify(&self, password: &str) -> bool {
        let mut derived = [0u8; HASH_LEN];
        derive(password, self.salt, self.n, self.r, self.p, &mut derived)
            && primitives::constant_time_eq(&derived, &self.hash)
    }

    /// Django's `must_update`: n, r or p other than its defaults.
    pub(super) fn outdated(&self) -> bool {
        self.n != WORK_FACTOR || self.r != BLOCK_SIZE || self.p != PARALLELISM
    }
}

/// Split `scrypt$N$SALT$R$P$HASH` strictly; a hash that is not canonical
/// padded base64 of 64 bytes can never match: malformed.
pub(super) fn parse(encoded: &str) -> Result<Stored<'_>, Refusal> {
    let mut parts = encoded.split('$');
    let malformed = Refusal::Malformed;
    let mut next = || parts.next().ok_or(malformed);
    if next()? != "scrypt" {
        return Err(malformed);
    }
    let number = |text| parse_decimal(text).ok_or(malformed);
    let (n, salt, r, p, hash) = (
        number(next()?)?,
        next()?,
        number(next()?)?,
        number(next()?)?,
        next()?,
    );
    if next().is_ok() || salt.is_empty() || n < 2 || !n.is_power_of_two() {
        return Err(malformed);
    }
    if n > WORK_FACTOR {
        return Err(Refusal::TooCostly("scrypt work factor above 16384"));
    }
    if r > BLOCK_SIZE {
        return Err(Refusal::TooCostly("scrypt block size above 8"));
    }
    if p > PARALLELISM {
        return Err(Refusal::TooCostly("scrypt parallelism above 5"));
    }
    let hash = primitives::base64_decode(hash)
        .filter(|hash| hash.len() == HASH_LEN)
        .ok_or(malformed)?;
    Ok(Stored {
        n,
        salt,
        r,
        p,
        hash,
    })
}

/// Django's encoding of `password` with `salt` (non-empty, no `$`) at its
/// defaults.
pub(super) fn encode(password: &str, salt: &str) -> String {
    let mut hash = [0u8; HASH_LEN];
    derive(
        password,
        salt,
        WORK_FACTOR,
        BLOCK_SIZE,
        PARALLELISM,
        &mut hash,
    );
    format!(
        "scrypt${WORK_FACTOR}${salt}${BLOCK_SIZE}${PARALLELISM}${}",
        primitives::base64_encode(&hash)
    )
}

/// One hash at Django's defaults, for timing only.
pub(super) fn hash_for_timing(password: &str) {
    let mut hash = [0u8; HASH_LEN];
    derive(
        password,
        TIMING_SALT,
        WORK_FACTOR,
        BLOCK_SIZE,
        PARALLELISM,
        &mut hash,
    );
    black_box(hash);
}

/// scrypt into `out`; false if the parameters are invalid (`n` must be a
/// power of two).
fn derive(password: &str, salt: &str, n: u32, r: u32, p: u32, out: &mut [u8]) -> bool {
    let Ok(log_n) = u8::try_from(n.trailing_zeros()) else {
        return false;
    };
    Params::new(log_n, r, p).is_ok_and(|params| {
        ::scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, out).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";
    const SALT: &str = "abcdefghijklmnopqrstuv";

    /// Made by Django 5.2.19's ScryptPasswordHasher.
    const DJANGO_DEFAULT: &str = "scrypt$16384$abcdefghijklmnopqrstuv$8$5$0x1euWQz3QqrUM8IkOPN/T1sMJMcuGOUkELzaC9B0usV7G4g73yHSeW5n40Lj4Pc+G1YRkJ7RuZcBwfNQRIxhg==";
    /// The same with n=16, r=2, p=3.
    const DJANGO_SMALL: &str = "scrypt$16$abcdefghijklmnopqrstuv$2$3$l0is9VFzXkYmhK/2LGc9xTmgj7e/+ncqNvRKtKY2wf44ObzlpSfGfsAsBgMqrt9nAfK7c4J05wSyDtxnrI2T+w==";

    #[test]
    fn rfc7914_scrypt_vector() {
        // RFC 7914 section 12, the second vector (N=1024, r=8, p=16): p is
        // above Django's 5, so derived directly.
        let mut out = [0u8; 64];
        assert!(derive("password", "NaCl", 1024, 8, 16, &mut out));
        assert_eq!(&out[..8], &[0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00]);
    }

    #[test]
    fn django_vectors() {
        assert_eq!(encode(PASSWORD, SALT), DJANGO_DEFAULT);
        let stored = parse(DJANGO_DEFAULT).ok().unwrap();
        assert!(stored.verify(PASSWORD));
        assert!(!stored.verify("wrong"));
        assert!(!stored.outdated());
        let small = parse(DJANGO_SMALL).ok().unwrap();
        assert!(small.verify(PASSWORD));
        assert!(!small.verify("wrong"));
        assert!(small.outdated());
    }

    #[test]
    fn costs_above_djangos_defaults_are_refused_unhashed() {
        let hash = &DJANGO_SMALL[DJANGO_SMALL.len() - 88..];
        let with =
            |n: &str, r: &str, p: &str| parse(&format!("scrypt${n}${SALT}${r}${p}${hash}")).err();
        assert_eq!(
            with("32768", "8", "5"),
            Some(Refusal::TooCostly("scrypt work factor above 16384"))
        );
        assert_eq!(
            with("2147483648", "1", "1"),
            Some(Refusal::TooCostly("scrypt work factor above 16384"))
        );
        assert_eq!(
            with("16384", "9", "5"),
            Some(Refusal::TooCostly("scrypt block size above 8"))
        );
        assert_eq!(
            with("16384", "8", "6"),
            Some(Refusal::TooCostly("scrypt parallelism above 5"))
        );
        assert_eq!(with("16384", "8", "5"), None);
    }

    #[test]
    fn malformed_values_are_refused() {
        let malformed = Refusal::Malformed;
        for bad in [
            "scrypt$16$salt$2$3",
            "scrypt$16$salt$2$3$H$",
            "scrypt$15$salt$2$3$H",
            "scrypt$1$salt$2$3$H",
            "scrypt$016$salt$2$3$H",
            "scrypt$16$$2$3$H",
            "scrypt$16$salt$0$3$H",
            "scrypt$16$salt$2$0$H",
            "scrypt$16$salt$+2$3$H",
            "Scrypt$16$salt$2$3$H",
        ] {
            let bad = bad.replace(
                "$H",
                &format!("${}", &DJANGO_SMALL[DJANGO_SMALL.len() - 88..]),
            );
            assert_eq!(parse(&bad).err(), Some(malformed), "{bad}");
        }
        // A hash of the wrong length or spelling can never match.
        let hash = &DJANGO_SMALL[DJANGO_SMALL.len() - 88..];
        for hash in ["", "aGFzaA==", &hash[..86], &format!("{hash}=")] {
            let encoded = format!("scrypt$16${SALT}$2$3${hash}");
            assert_eq!(parse(&encoded).err(), Some(malformed), "{encoded}");
        }
        assert!(parse(&format!("scrypt$16${SALT}$2$3${hash}")).is_ok());
    }
}
