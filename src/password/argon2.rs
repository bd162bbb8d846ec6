//! Django's `Argon2PasswordHasher`: `argon2` and the PHC string argon2-cffi
//! writes, its leading `$` dropped:
//! `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`, salt and hash in
//! unpadded standard base64. Django's salt is 22 characters of
//! [a-zA-Z0-9], hashed as their bytes; the hash is 32 bytes.
//!
//! Verifies every variety and version argon2-cffi does (`argon2i`,
//! `argon2d`, `argon2id`; `v=19`, `v=16` or none, which is 16), refusing
//! unhashed the values whose costs exceed [`MAX_MEMORY_COST`],
//! [`MAX_TIME_COST`] or [`MAX_PARALLELISM`]. Each check holds
//! `memory_cost` KiB (100 MiB at Django's default) for its duration.

use std::hint::black_box;

use ::argon2::{Algorithm as Variety, Argon2, Params, Version};

use super::{parse_decimal, salt_too_short, Refusal, TIMING_SALT};
use crate::primitives;

/// Django 5.2's `time_cost`.
const TIME_COST: u32 = 2;
/// Django 5.2's `memory_cost`, in KiB.
const MEMORY_COST: u32 = 102_400;
/// Django 5.2's `parallelism`.
const PARALLELISM: u32 = 8;
/// argon2-cffi's `DEFAULT_HASH_LENGTH`, Django's.
const HASH_LEN: usize = 32;

/// The most memory a stored hash may ask for: Django's default.
pub(super) const MAX_MEMORY_COST: u32 = MEMORY_COST;
/// The most passes a stored hash may ask for: twice Django's default.
pub(super) const MAX_TIME_COST: u32 = 2 * TIME_COST;
/// The most lanes a stored hash may ask for: Django's default.
pub(super) const MAX_PARALLELISM: u32 = PARALLELISM;
/// The longest salt and hash accepted, in bytes.
const MAX_FIELD_LEN: usize = 64;

/// A stored value's parameters, salt and hash.
pub(super) struct Stored {
    variety: Variety,
    version: Version,
    memory_cost: u32,
    time_cost: u32,
    parallelism: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Stored {
    /// Whether `password` hashes to the stored hash with the stored
    /// parameters and salt (argon2-cffi's `verify`).
    pub(super) fn verify(&self, password: &str) -> bool {
        let mut derived = vec![0u8; self.hash.len()];
        derive(self, password.as_bytes(), &self.salt, &mut derived)
            && primitives::constant_time_eq(&derived, &self.hash)
    }

    /// Django's `must_update`: any parameter other than Django's (variety,
    /// version, costs, hash length), or a salt under 128 bits of
    /// [a-zA-Z0-9] (counted as Latin-1 characters, one a byte).
    pub(super) fn outdated(&self) -> bool {
        self.variety != Variety::Argon2id
            || self.version != Version::V0x13
            || self.memory_cost != MEMORY_COST
            || self.time_cost != TIME_COST
            || self.parallelism != PARALLELISM
            || self.hash.len() != HASH_LEN
            || salt_too_short(self.salt.len())
    }
}

/// Split `argon2$<variety>[$v=<version>]$m=<m>,t=<t>,p=<p>$<salt>$<hash>`.
pub(super) fn parse(encoded: &str) -> Result<Stored, Refusal> {
    parse_fields(encoded).ok_or(Refusal::Malformed)?.bounded()
}

fn parse_fields(encoded: &str) -> Option<Stored> {
    let mut parts = encoded.strip_prefix("argon2$")?.split('$');
    let variety = match parts.next()? {
        "argon2id" => Variety::Argon2id,
        "argon2i" => Variety::Argon2i,
        "argon2d" => Variety::Argon2d,
        _ => return None,
    };
    let mut costs = parts.next()?;
    let version = match costs.strip_prefix("v=") {
        None => Version::V0x10,
        Some(version) => {
            costs = parts.next()?;
            match version {
                "19" => Version::V0x13,
                "16" => Version::V0x10,
                _ => return None,
            }
        }
    };
    let mut cost = costs.split(',');
    let mut field = |name: &str| cost.next()?.strip_prefix(name).and_then(parse_decimal);
    let (memory_cost, time_cost, parallelism) = (field("m=")?, field("t=")?, field("p=")?);
    let (salt, hash) = (parts.next()?, parts.next()?);
    if cost.next().is_some() || parts.next().is_some() {
        return None;
    }
    // Argon2's shortest salt is 8 bytes, its shortest hash 4.
    let decode = |text, min| {
        primitives::base64_unpadded_decode(text)
            .filter(|bytes| (min..=MAX_FIELD_LEN).contains(&bytes.len()))
    };
    Some(Stored {
        variety,
        version,
        memory_cost,
        time_cost,
        parallelism,
        salt: decode(salt, 8)?,
        hash: decode(hash, 4)?,
    })
}

impl Stored {
    /// Itself if its costs are within the bounds.
    fn bounded(self) -> Result<Stored, Refusal> {
        if self.memory_cost > MAX_MEMORY_COST {
            Err(Refusal::TooCostly("argon2 memory_cost above 102400 KiB"))
        } else if self.time_cost > MAX_TIME_COST {
            Err(Refusal::TooCostly("argon2 time_cost above 4"))
        } else if self.parallelism > MAX_PARALLELISM {
            Err(Refusal::TooCostly("argon2 parallelism above 8"))
        } else {
            Ok(self)
        }
    }
}

/// Django's encoding of `password` with `salt` (non-empty, no `$`) at
/// Django's parameters.
pub(super) fn encode(password: &str, salt: &str) -> Result<String, super::PasswordError> {
    let mut hash = [0u8; HASH_LEN];
    if !derive(&DEFAULTS, password.as_bytes(), salt.as_bytes(), &mut hash) {
        return Err(super::PasswordError::Hasher);
    }
    Ok(format!(
        "argon2$argon2id$v=19$m={MEMORY_COST},t={TIME_COST},p={PARALLELISM}${}${}",
        primitives::base64_unpadded_encode(salt.as_bytes()),
        primitives::base64_unpadded_encode(&hash)
    ))
}

/// One hash at Django's parameters, for timing only.
pub(super) fn hash_for_timing(password: &str) {
    let mut hash = [0u8; HASH_LEN];
    black_box(derive(
        &DEFAULTS,
        password.as_bytes(),
        TIMING_SALT.as_bytes(),
        &mut hash,
    ));
    black_box(hash);
}

/// Django's parameters (salt and hash unused).
const DEFAULTS: Stored = Stored {
    variety: Variety::Argon2id,
    version: Version::V0x13,
    memory_cost: MEMORY_COST,
    time_cost: TIME_COST,
    parallelism: PARALLELISM,
    salt: Vec::new(),
    hash: Vec::new(),
};

/// Argon2 of `password` and `salt` at `params`' costs into `out`; false if
/// the parameters are invalid (a salt under 8 bytes, memory under 8 KiB a
/// lane, ...) or the memory cannot be had.
fn derive(params: &Stored, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    let Ok(costs) = Params::new(
        params.memory_cost,
        params.time_cost,
        params.parallelism,
        Some(out.len()),
    ) else {
        return false;
    };
    Argon2::new(params.variety, params.version, costs)
        .hash_password_into(password, salt, out)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";

    /// Made by Django 5.2.19's Argon2PasswordHasher (argon2-cffi 25.1.0)
    /// with salt "abcdefghijklmnopqrstuv".
    const DJANGO_DEFAULT: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$c1VUQUv16l773W3itExDSXltC+IQKDRfkGyByMzPIVM";
    /// The same hasher with time_cost 1, memory_cost 64, parallelism 1.
    const DJANGO_SMALL: &str = "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$1Coflzpap86bHzibILbMW+d/2LAgQJY48R5D3nm6PBE";
    /// argon2-cffi's argon2i, 16-byte hash; and argon2d at version 16.
    const CFFI_ARGON2I: &str =
        "argon2$argon2i$v=19$m=32,t=2,p=2$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$VN6PRv3B8JJvvycZbXc8Hw";
    const CFFI_ARGON2D_V16: &str = "argon2$argon2d$v=16$m=16,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$uAbP9JNvQbicSrR9nQkZVG6ZtTYOP8q+UP34hVxTUPU";

    fn stored(encoded: &str) -> Stored {
        parse(encoded).unwrap_or_else(|e| panic!("{encoded}: {e:?}"))
    }

    #[test]
    fn django_default_vector() {
        assert_eq!(
            encode(PASSWORD, "abcdefghijklmnopqrstuv").unwrap(),
            DJANGO_DEFAULT
        );
        let s = stored(DJANGO_DEFAULT);
        assert!(s.verify(PASSWORD));
        assert!(!s.verify("wrong"));
        assert!(!s.outdated());
    }

    #[test]
    fn smaller_parameters_and_other_varieties_verify_and_are_outdated() {
        for encoded in [DJANGO_SMALL, CFFI_ARGON2I, CFFI_ARGON2D_V16] {
            let s = stored(encoded);
            assert!(s.verify(PASSWORD), "{encoded}");
            assert!(!s.verify("correct horse battery stapl"), "{encoded}");
            assert!(s.outdated(), "{encoded}");
        }
        // No version field means version 16: the v=16 value without it
        // still verifies.
        let no_version = CFFI_ARGON2D_V16.replace("v=16$", "");
        assert!(stored(&no_version).verify(PASSWORD));
    }

    #[test]
    fn a_short_salt_is_outdated() {
        let short = DJANGO_SMALL.replace("YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg", "YWJjZGVmZ2g");
        let s = stored(&short);
        assert!(salt_too_short(s.salt.len()));
        assert!(s.outdated());
    }

    #[test]
    fn costs_above_the_bounds_are_refused_unhashed() {
        let refused = |params: &str| {
            let encoded = DJANGO_SMALL.replace("m=64,t=1,p=1", params);
            match parse(&encoded) {
                Err(Refusal::TooCostly(why)) => why,
                _ => panic!("{params} not refused"),
            }
        };
        assert!(refused("m=102401,t=1,p=1").contains("memory_cost"));
        assert!(refused("m=4294967295,t=2,p=8").contains("memory_cost"));
        assert!(refused("m=64,t=5,p=1").contains("time_cost"));
        assert!(refused("m=1024,t=1,p=9").contains("parallelism"));
        // The bounds themselves are accepted (they do not match: other costs).
        let at_bounds = DJANGO_SMALL.replace("m=64,t=1,p=1", "m=102400,t=4,p=8");
        assert!(parse(&at_bounds).is_ok());
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            "argon2",
            "argon2$",
            "argon2$argon2x$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
            "argon2$argon2id$v=18$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
            "argon2$argon2id$v=19$t=1,m=64,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
            "argon2$argon2id$v=19$m=064,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
            "argon2$argon2id$v=19$m=64,t=1,p=1,x=2$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
            "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg==$aGFzaA",
            "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA$",
            "$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$aGFzaA",
        ] {
            assert_eq!(parse(bad).err(), Some(Refusal::Malformed), "{bad}");
        }
        // Well-formed but invalid for argon2 (8 KiB a lane at least): never
        // matches.
        let invalid = DJANGO_SMALL.replace("m=64,t=1,p=1", "m=8,t=1,p=2");
        assert!(!stored(&invalid).verify(PASSWORD));
    }
}
