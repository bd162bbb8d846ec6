//! Django's list of 20,000 common passwords (19,640 once deduplicated), as
//! `CommonPasswordValidator` refuses them, in 33 KB instead of 162: two
//! Golomb-coded sets of SHA-256 hashes, made by `scripts/common-passwords.sh`
//! from Django's own `common-passwords.txt.gz` (docs/design.md).
//!
//! A set keeps no passwords, only where their hashes fall, so a password
//! not on the list is taken for one with a small probability: 1 in 98,107
//! (1.0e-5) for passwords of 8 characters or more, 1 in 383 (2.6e-3) for
//! shorter ones, which Django's default `min_length` of 8 refuses anyway
//! (there a false positive adds "This password is too common." to a
//! refusal). Every password on the list is found. The rates are the price
//! of the binary's size (docs/design.md).
//!
//! The file: `JWTDCP1\0`, then each set (under 8 characters, then the
//! rest) as `n`, `count`, `m` (u32 little-endian), `k` (u8), the length of
//! its bits (u32), the bits. Each of the `n` passwords is hashed to the
//! first 8 bytes of its SHA-256 (big-endian) scaled onto `[0, n * m)`; the
//! `count` distinct values, sorted, are stored as their gaps, Rice-coded
//! (the quotient by `2^k` in unary, ones ended by a zero, then `k` bits),
//! most significant bit first.

use crate::primitives;

static ENCODED: &[u8] = include_bytes!("common_passwords.bin");

const MAGIC: &[u8; 8] = b"JWTDCP1\0";

/// The sets' division: passwords shorter than this, in characters, are in
/// the first.
const SHORT: usize = 8;

/// Whether `password`, lowercased and stripped as Django compares it, is
/// on Django's list (or, rarely, hashes as if it were).
pub fn is_common(password: &str) -> bool {
    let tier = usize::from(password.chars().count() >= SHORT);
    sets()
        .and_then(|sets| sets.into_iter().nth(tier))
        .is_some_and(|set| set.contains(password))
}

/// One Golomb-coded set.
#[derive(Debug, Clone, Copy)]
struct Set {
    /// The passwords the range was scaled by.
    n: u64,
    /// The distinct values coded.
    count: u32,
    /// The range's scale: false positives are 1 in `m`.
    m: u64,
    /// The remainder's bits.
    k: u32,
    bits: &'static [u8],
}

/// The two sets, `None` if the file were malformed (a test reads it).
fn sets() -> Option<[Set; 2]> {
    let mut rest = ENCODED.strip_prefix(MAGIC)?;
    let mut next = || -> Option<Set> {
        let u32_at = |at: usize| {
            rest.get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
        };
        let (n, count, m) = (u32_at(0)?, u32_at(4)?, u32_at(8)?);
        let k = u32::from(*rest.get(12)?);
        let len = usize::try_from(u32_at(13)?).ok()?;
        let bits = rest.get(17..17 + len)?;
        rest = rest.get(17 + len..)?;
        Some(Set {
            n: n.into(),
            count,
            m: m.into(),
            k,
            bits,
        })
    };
    Some([next()?, next()?])
}

impl Set {
    /// Whether `password`'s value is among the set's: the gaps are summed
    /// from the start until they reach it.
    fn contains(&self, password: &str) -> bool {
        let digest = primitives::sha256(password.as_bytes());
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        let hash = u128::from(u64::from_be_bytes(first));
        let target = ((hash * u128::from(self.n * self.m)) >> 64) as u64;
        let mut reader = BitReader {
            bits: self.bits,
            at: 0,
        };
        let mut value = 0u64;
        for _ in 0..self.count {
            let Some(gap) = reader.rice(self.k) else {
                return false;
            };
            value += gap;
            if value >= target {
                return value == target;
            }
        }
        false
    }
}

/// Bits, most significant first.
struct BitReader {
    bits: &'static [u8],
    at: usize,
}

impl BitReader {
    fn bit(&mut self) -> Option<u64> {
        let byte = self.bits.get(self.at / 8)?;
        let bit = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(bit.into())
    }

    /// A Rice-coded number: the quotient in unary, then `k` bits.
    fn rice(&mut self, k: u32) -> Option<u64> {
        let mut quotient = 0u64;
        while self.bit()? == 1 {
            quotient += 1;
        }
        let mut remainder = 0;
        for _ in 0..k {
            remainder = (remainder << 1) | self.bit()?;
        }
        Some((quotient << k) | remainder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 entries of Django's list, drawn by `scripts/common-passwords.sh`.
    const SAMPLE: &str = include_str!("common_passwords_sample.txt");

    #[test]
    fn the_file_holds_djangos_list() {
        let [short, long] = sets().expect("the encoded list parses");
        assert_eq!(short.n + long.n, 19_640);
        assert_eq!((short.k, long.k), (8, 16));
        assert_eq!((short.m, long.m), (383, 98_107));
    }

    #[test]
    fn every_sampled_entry_is_common() {
        let sample: Vec<&str> = SAMPLE.lines().collect();
        assert_eq!(sample.len(), 200);
        for password in sample {
            assert!(is_common(password), "{password:?}");
        }
        for password in ["password", "123456", "qwerty", "iloveyou", "пароль"] {
            assert!(is_common(password), "{password:?}");
        }
    }

    #[test]
    fn false_positives_are_as_rare_as_documented() {
        // Expected: 20,000 / 98,107, about 0.2, for the long ones, and
        // 20,000 / 383, about 52, for the short ones.
        let long = (0..20_000)
            .filter(|i| is_common(&format!("not-on-the-list-{i}")))
            .count();
        assert!(long <= 2, "{long}");
        let short = (0..20_000).filter(|i| is_common(&format!("~{i}"))).count();
        assert!(short <= 80, "{short}");
        for strong in [
            "correct horse battery staple",
            "Tr0ub4dor&3x",
            "jwtd-e2e-pw",
        ] {
            assert!(!is_common(strong), "{strong}");
        }
    }

    /// Every entry of Django's list, from a file of one per line that
    /// `scripts/interop.sh` extracts from the installed Django and names in
    /// `JWTD_DJANGO_COMMON_PASSWORDS`.
    #[test]
    #[ignore = "needs Django's list: run by scripts/interop.sh"]
    fn every_entry_of_djangos_list_is_common() {
        let path = std::env::var("JWTD_DJANGO_COMMON_PASSWORDS")
            .expect("JWTD_DJANGO_COMMON_PASSWORDS names Django's list");
        let list = std::fs::read_to_string(path).unwrap();
        let entries: Vec<&str> = list.lines().map(str::trim).collect();
        assert_eq!(entries.len(), 19_640, "Django 5.2's list, deduplicated");
        let missing: Vec<&&str> = entries.iter().filter(|p| !is_common(p)).collect();
        assert!(missing.is_empty(), "not found: {missing:?}");
    }
}
