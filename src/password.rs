//! Django-compatible password hashes (`PBKDF2PasswordHasher`).
//!
//! Users are imported from, and may be shared with, a Django + SimpleJWT
//! deployment, so a stored value is Django's `auth_user.password` column
//! verbatim: `pbkdf2_sha256$<iterations>$<salt>$<hash>`, where `hash` is the
//! standard, padded base64 of PBKDF2-HMAC-SHA256(password, salt, iterations)
//! with a 32-byte output. Values written here verify in Django and the other
//! way round.
//!
//! Timing equalisation: every failing [`check_password`] costs at least one
//! full hash at the configured iteration count, whatever the stored value
//! holds (Django's `harden_runtime` and ticket #20760). A caller that finds no
//! user calls [`hash_for_timing`], so "unknown user", "wrong password",
//! "unusable password" and "unknown algorithm" cannot be told apart by the
//! time a login takes. (As in Django, a success against a hash with fewer
//! iterations is faster; it then reports `must_update`.)
//!
//! Passwords are secrets: no error, `Debug` output or panic message here ever
//! contains one, and nothing in this module panics on any input.

use std::error::Error;
use std::fmt;
use std::hint::black_box;

use crate::primitives::{self, RandomError};

/// Django 5.2's default (PBKDF2PasswordHasher.iterations).
pub const DEFAULT_ITERATIONS: u32 = 1_000_000;

/// The algorithm name Django writes before the first `$`.
const ALGORITHM: &str = "pbkdf2_sha256";

/// Django's `UNUSABLE_PASSWORD_PREFIX`.
const UNUSABLE_PREFIX: char = '!';

/// Django's `UNUSABLE_PASSWORD_SUFFIX_LENGTH`.
const UNUSABLE_SUFFIX_LEN: usize = 40;

/// `ceil(128 / log2(62))`: the shortest salt from [`ALPHABET`] carrying 128 bits.
const SALT_LEN: usize = 22;

/// Django's `salt_entropy`: salts with fewer bits than this must be updated.
const SALT_ENTROPY_BITS: f64 = 128.0;

/// PBKDF2 output length in bytes; Django uses SHA-256's digest size.
const HASH_LEN: usize = 32;

/// Django's `RANDOM_STRING_CHARS`, in the same order.
const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Random bytes below this map uniformly onto [`ALPHABET`] by `% 62`
/// (248 = 4 * 62); bytes at or above it are rejected.
const REJECT_FROM: u8 = 248;

/// Salt for [`hash_for_timing`]. Its value is irrelevant; its length equals a
/// real salt's so the work is the same.
const TIMING_SALT: &str = "jwtdtimingequalisation";

/// What `check_password` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The password is the one the stored value was made from.
    pub matched: bool,
    /// Only ever true when `matched`: the value should be re-hashed with a
    /// fresh salt at the configured iterations (Django's `must_update`).
    pub must_update: bool,
}

impl Check {
    const NO_MATCH: Check = Check {
        matched: false,
        must_update: false,
    };
}

/// Which hasher a stored value names, for reporting on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashKind {
    /// A well-formed `pbkdf2_sha256` value: some password can match it.
    Pbkdf2Sha256,
    /// Django's unusable password (`!` prefix): nothing ever matches it.
    Unusable,
    /// Anything else, which this module can never match. Holds the text
    /// before the first `$` ("argon2", "bcrypt_sha256", "pbkdf2_sha1", ...),
    /// or "" if there is no `$`. A malformed `pbkdf2_sha256$...` value is
    /// `Other("pbkdf2_sha256")`.
    Other(String),
}

/// Why a hash could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    /// The salt is the empty string.
    EmptySalt,
    /// The salt contains `$`, the field separator of the stored format.
    SaltContainsDollar,
    /// Zero PBKDF2 iterations were requested.
    ZeroIterations,
    /// The operating system's random number generator failed.
    Random(RandomError),
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::EmptySalt => f.write_str("salt is empty"),
            PasswordError::SaltContainsDollar => f.write_str("salt contains '$'"),
            PasswordError::ZeroIterations => f.write_str("iterations must be at least 1"),
            PasswordError::Random(_) => f.write_str("random number generator failed"),
        }
    }
}

impl Error for PasswordError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PasswordError::Random(e) => Some(e),
            _ => None,
        }
    }
}

/// Hash `password` with a fresh random 22-char salt from [a-zA-Z0-9]
/// (unbiased: rejection sampling over getrandom bytes).
pub fn make_password(password: &str, iterations: u32) -> Result<String, PasswordError> {
    if iterations == 0 {
        return Err(PasswordError::ZeroIterations);
    }
    let salt = random_alnum(SALT_LEN)?;
    encode(password, &salt, iterations)
}

/// Deterministic Django encoding
/// `pbkdf2_sha256$<iterations>$<salt>$<base64 std padded hash>`.
/// Salt must be non-empty and contain no `$`; iterations >= 1.
///
/// Every string this returns parses back with the same salt and iterations.
pub fn encode(password: &str, salt: &str, iterations: u32) -> Result<String, PasswordError> {
    if salt.is_empty() {
        return Err(PasswordError::EmptySalt);
    }
    if salt.contains('$') {
        return Err(PasswordError::SaltContainsDollar);
    }
    if iterations == 0 {
        return Err(PasswordError::ZeroIterations);
    }
    let hash = derive(password, salt, iterations);
    Ok(format!(
        "{ALGORITHM}${iterations}${salt}${}",
        primitives::base64_encode(&hash)
    ))
}

/// Verify like Django's check_password + must_update + harden_runtime, with
/// `iterations` the configured default.
///
/// Cost: a value that cannot be verified costs one hash at `iterations`; a
/// verifiable one costs its stored iterations, raised to `iterations` when the
/// password does not match.
pub fn check_password(password: &str, encoded: &str, iterations: u32) -> Check {
    check_password_hardened(password, encoded, iterations, iterations)
}

/// [`check_password`], with every failure raised to cost `failure_cost`
/// iterations (at least `iterations`): the cost of the slowest hash stored,
/// so that no failure tells an existing user from an unknown one, whatever
/// count that user's hash was made at.
pub fn check_password_hardened(
    password: &str,
    encoded: &str,
    iterations: u32,
    failure_cost: u32,
) -> Check {
    let failure_cost = failure_cost.max(iterations);
    let Some(stored) = parse(encoded) else {
        hash_for_timing(password, failure_cost);
        return Check::NO_MATCH;
    };
    let derived = derive(password, stored.salt, stored.iterations);
    let matched = stored
        .hash()
        .is_some_and(|expected| primitives::constant_time_eq(&derived, &expected));
    if !matched {
        harden_runtime(password, stored.salt, stored.iterations, failure_cost);
        return Check::NO_MATCH;
    }
    Check {
        matched: true,
        must_update: stored.iterations != iterations || salt_too_short(stored.salt),
    }
}

/// The iteration count of a stored `pbkdf2_sha256` hash, if it is one.
pub fn iterations_of(encoded: &str) -> Option<u32> {
    parse(encoded).map(|stored| stored.iterations)
}

/// The work done for an unknown user so that failure takes as long as a
/// wrong password: one full hash at `iterations` (Django's ticket #20760).
pub fn hash_for_timing(password: &str, iterations: u32) {
    black_box(derive(password, TIMING_SALT, iterations.max(1)));
}

/// Django's unusable password: "!" followed by 40 random chars from [a-zA-Z0-9].
pub fn unusable_password() -> Result<String, PasswordError> {
    let suffix = random_alnum(UNUSABLE_SUFFIX_LEN)?;
    let mut out = String::with_capacity(1 + suffix.len());
    out.push(UNUSABLE_PREFIX);
    out.push_str(&suffix);
    Ok(out)
}

/// Which hasher a stored value names, for reporting on import.
///
/// `Pbkdf2Sha256` exactly when [`check_password`] can match some password.
pub fn identify(encoded: &str) -> HashKind {
    if encoded.starts_with(UNUSABLE_PREFIX) {
        return HashKind::Unusable;
    }
    if parse(encoded).and_then(|stored| stored.hash()).is_some() {
        return HashKind::Pbkdf2Sha256;
    }
    let name = encoded.split_once('$').map_or("", |(name, _)| name);
    HashKind::Other(name.to_owned())
}

/// The fields of a stored value in the `pbkdf2_sha256` format.
///
/// Invariants: `iterations >= 1`; `salt` is non-empty and has no `$`;
/// `hash` has no `$` but is otherwise unchecked (see [`Stored::hash`]).
struct Stored<'a> {
    iterations: u32,
    salt: &'a str,
    hash: &'a str,
}

impl Stored<'_> {
    /// The stored derived key, or `None` if it is not canonical padded
    /// standard base64 of exactly [`HASH_LEN`] bytes (Django compares whole
    /// strings, so a non-canonical spelling never matches there either).
    fn hash(&self) -> Option<[u8; HASH_LEN]> {
        primitives::base64_decode(self.hash)?.try_into().ok()
    }
}

/// Split `pbkdf2_sha256$ITER$SALT$HASH` strictly; `None` for anything else.
///
/// ITER must be written exactly as Django writes it (canonical decimal, no
/// sign, space or leading zero), because Django compares the re-encoded
/// string with the stored one and any other spelling never matches there.
fn parse(encoded: &str) -> Option<Stored<'_>> {
    let mut parts = encoded.split('$');
    let (Some(algorithm), Some(iterations), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if algorithm != ALGORITHM || salt.is_empty() {
        return None;
    }
    Some(Stored {
        iterations: parse_iterations(iterations)?,
        salt,
        hash,
    })
}

/// A canonical positive decimal that fits `u32`: digits only, no leading zero.
fn parse_iterations(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    // Only digits remain, so `parse` fails on overflow alone.
    text.parse().ok()
}

/// PBKDF2-HMAC-SHA256 over the UTF-8 bytes of `password` and `salt`.
/// `iterations` must be at least 1.
fn derive(password: &str, salt: &str, iterations: u32) -> [u8; HASH_LEN] {
    primitives::pbkdf2_sha256(password.as_bytes(), salt.as_bytes(), iterations)
}

/// Django's `harden_runtime`: after a failed check at `stored` iterations, run
/// the `configured - stored` still missing so the failure costs as much as a
/// check at the configured count.
fn harden_runtime(password: &str, salt: &str, stored: u32, configured: u32) {
    if let Some(missing) = configured.checked_sub(stored).filter(|&n| n > 0) {
        black_box(derive(password, salt, missing));
    }
}

/// Django's `must_update_salt`: `len(salt) * log2(62) < 128`, counting code
/// points. True for salts shorter than [`SALT_LEN`].
fn salt_too_short(salt: &str) -> bool {
    (salt.chars().count() as f64) * (ALPHABET.len() as f64).log2() < SALT_ENTROPY_BITS
}

/// `len` characters drawn uniformly from [`ALPHABET`] using the OS RNG.
fn random_alnum(len: usize) -> Result<String, PasswordError> {
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        primitives::random_bytes(&mut bytes).map_err(PasswordError::Random)?;
        push_alnum(&mut out, len, &bytes);
    }
    Ok(out)
}

/// Append to `out`, until it holds `len` characters, one [`ALPHABET`]
/// character per byte of `bytes` below [`REJECT_FROM`]; other bytes are
/// skipped, which keeps the distribution uniform.
fn push_alnum(out: &mut String, len: usize, bytes: &[u8]) {
    for &b in bytes {
        if out.len() >= len {
            return;
        }
        if b < REJECT_FROM {
            // `b % 62 < 62 == ALPHABET.len()`, so the index is in bounds.
            out.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    // ---- Known-answer vectors -------------------------------------------

    /// RFC 7914 section 11, first PBKDF2-HMAC-SHA256 vector (its first 32
    /// bytes: PBKDF2's blocks are independent, so they are the 32-byte
    /// derivation).
    #[test]
    fn rfc7914_pbkdf2_sha256_passwd_salt_c1() {
        assert_eq!(
            hex(&primitives::pbkdf2_sha256(b"passwd", b"salt", 1)),
            concat!(
                "55ac046e56e3089fec1691c22544b605",
                "f94185216dde0465e68b9d57c20dacbc",
            )
        );
    }

    /// RFC 7914 section 11, second PBKDF2-HMAC-SHA256 vector (its first 32
    /// bytes).
    #[test]
    fn rfc7914_pbkdf2_sha256_password_nacl_c80000() {
        assert_eq!(
            hex(&primitives::pbkdf2_sha256(b"Password", b"NaCl", 80000)),
            concat!(
                "4ddcd8f60b98be21830cee5ef22701f9",
                "641a4418d04c0414aeff08876b34ab56",
            )
        );
    }

    const PASSWORD: &str = "correct horse battery staple";
    const SALT: &str = "abcdefghijklmnopqrstuv";

    const P1: &str =
        "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";
    const P5: &str =
        "pbkdf2_sha256$1000000$abcdefghijklmnopqrstuv$ESUkIq3XvMIs+R/ZmdQSkE1EDQIVk18SzognBfgBuPQ=";
    const P9: &str = "pbkdf2_sha1$1000$abcdefghijklmnopqrstuv$pPaxJdc/I8uPjvkfuFn3JbjEDOw=";

    /// Reproduce `stored` with `encode`, match it with `password` at the
    /// vector's own iteration count, and reject a wrong password.
    fn assert_django_vector(password: &str, salt: &str, iterations: u32, stored: &str) {
        assert_eq!(encode(password, salt, iterations).unwrap(), stored);
        assert_eq!(
            check_password(password, stored, iterations),
            Check {
                matched: true,
                must_update: false
            }
        );
        assert_eq!(
            check_password("wrong password", stored, iterations),
            Check::NO_MATCH
        );
        assert_eq!(identify(stored), HashKind::Pbkdf2Sha256);
    }

    #[test]
    fn django_p1_1000() {
        assert_django_vector(PASSWORD, SALT, 1000, P1);
    }

    #[test]
    fn django_p2_600000() {
        assert_django_vector(
            PASSWORD,
            SALT,
            600_000,
            "pbkdf2_sha256$600000$abcdefghijklmnopqrstuv$/J0CpZ3vcK9I1h75JC/iU/sNXIXDOUp63J0kPWutYKA=",
        );
    }

    #[test]
    fn django_p3_720000() {
        assert_django_vector(
            PASSWORD,
            SALT,
            720_000,
            "pbkdf2_sha256$720000$abcdefghijklmnopqrstuv$x00J3PDqUaldgnay5qHSvDpf/yJIBA8odZH+A+C234U=",
        );
    }

    #[test]
    fn django_p4_870000() {
        assert_django_vector(
            PASSWORD,
            SALT,
            870_000,
            "pbkdf2_sha256$870000$abcdefghijklmnopqrstuv$nLaaNAHPq9cd/Mf08k4ly5iaFIUeqnqdisVgx2Uf3LU=",
        );
    }

    #[test]
    fn django_p5_1000000_default_needs_no_update() {
        // Checked at DEFAULT_ITERATIONS, so this is also the "P5 gives
        // must_update False" rehash vector.
        assert_django_vector(PASSWORD, SALT, DEFAULT_ITERATIONS, P5);
    }

    #[test]
    fn django_p6_1200000() {
        assert_django_vector(
            PASSWORD,
            SALT,
            1_200_000,
            "pbkdf2_sha256$1200000$abcdefghijklmnopqrstuv$4nUVMnB05qriJHJ1+jCMx8NiTVq+isKh6zMzJqbQ0gs=",
        );
    }

    #[test]
    fn django_p7_utf8_password() {
        assert_django_vector(
            "p\u{e4}ssw\u{f6}rd-\u{2713}",
            "NaCl0123456789abcdefgh",
            1000,
            "pbkdf2_sha256$1000$NaCl0123456789abcdefgh$vHx5RkptI4PgcgnvsAlXMrvCvnNl9qBczjMUGo7xPmA=",
        );
    }

    #[test]
    fn django_p8_empty_password() {
        assert_django_vector(
            "",
            SALT,
            1000,
            "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$vqafFtFOwJN9wrhga0SNKKw1GODAJgholvjeoMoWcZs=",
        );
    }

    #[test]
    fn iterations_of_reads_the_count_of_verifiable_hashes_only() {
        assert_eq!(iterations_of(P1), Some(1000));
        assert_eq!(iterations_of(P9), None);
        assert_eq!(iterations_of("!unusable"), None);
        // A failure hardened to a higher count still fails, and a match
        // still matches.
        assert!(!check_password_hardened("wrong", P1, 1000, 5000).matched);
        assert!(check_password_hardened(PASSWORD, P1, 1000, 5000).matched);
    }

    #[test]
    fn django_p9_pbkdf2_sha1_is_not_verifiable() {
        assert_eq!(check_password(PASSWORD, P9, 1000), Check::NO_MATCH);
        assert_eq!(identify(P9), HashKind::Other("pbkdf2_sha1".to_owned()));
    }

    #[test]
    fn default_iterations_is_django_5_2() {
        assert_eq!(DEFAULT_ITERATIONS, 1_000_000);
    }

    // ---- must_update ----------------------------------------------------

    #[test]
    fn must_update_p1_at_default_iterations() {
        assert_eq!(
            check_password(PASSWORD, P1, DEFAULT_ITERATIONS),
            Check {
                matched: true,
                must_update: true
            }
        );
    }

    #[test]
    fn must_update_three_char_salt() {
        let stored = encode(PASSWORD, "abc", 1000).unwrap();
        assert_eq!(
            check_password(PASSWORD, &stored, 1000),
            Check {
                matched: true,
                must_update: true
            }
        );
    }

    #[test]
    fn must_update_salt_boundary_is_22_chars() {
        assert!(salt_too_short(&"a".repeat(SALT_LEN - 1)));
        assert!(!salt_too_short(&"a".repeat(SALT_LEN)));
        // Code points, not bytes: 21 two-byte characters are still too short.
        assert!(salt_too_short(&"\u{e4}".repeat(SALT_LEN - 1)));
    }

    #[test]
    fn must_update_is_false_when_not_matched() {
        // Stored 1000 < configured 2000, so this also runs harden_runtime.
        assert_eq!(check_password("nope", P1, 2000), Check::NO_MATCH);
    }

    // ---- Format edge cases ----------------------------------------------

    #[test]
    fn malformed_values_never_match_and_never_panic() {
        let hash = "7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";
        let cases = [
            String::new(),
            "garbage".to_owned(),
            "$".to_owned(),
            "$$$".to_owned(),
            "\u{1f600}$\u{e9}\u{0}$\u{ffff}$\u{2713}".to_owned(),
            "p\u{e4}ssw\u{f6}rd \u{2603}\u{0}\u{1b}".to_owned(),
            format!("pbkdf2_sha256$1000${SALT}"),
            format!("pbkdf2_sha256$1000${hash}"),
            format!("pbkdf2_sha256$1000${SALT}${hash}$"),
            format!("pbkdf2_sha256$1000${SALT}${hash}$extra"),
            format!("pbkdf2_sha256$1000$ab$c${hash}"),
            format!("pbkdf2_sha256$1000$${hash}"),
            format!("pbkdf2_sha256$$abc${hash}"),
            format!("pbkdf2_sha256$0${SALT}${hash}"),
            format!("pbkdf2_sha256$-1${SALT}${hash}"),
            format!("pbkdf2_sha256$+5${SALT}${hash}"),
            format!("pbkdf2_sha256$+1000${SALT}${hash}"),
            format!("pbkdf2_sha256$01000${SALT}${hash}"),
            format!("pbkdf2_sha256$1e3${SALT}${hash}"),
            format!("pbkdf2_sha256$ 5${SALT}${hash}"),
            format!("pbkdf2_sha256$1000 ${SALT}${hash}"),
            format!("pbkdf2_sha256$4294967296${SALT}${hash}"),
            format!("pbkdf2_sha256$99999999999999999999${SALT}${hash}"),
            format!("pbkdf2_sha256$\u{661}\u{660}\u{660}\u{660}${SALT}${hash}"),
            format!("PBKDF2_SHA256$1000${SALT}${hash}"),
            format!(" pbkdf2_sha256$1000${SALT}${hash}"),
            format!("pbkdf2_sha1$1000${SALT}${hash}"),
            format!("pbkdf2_sha256$1000${SALT}$"),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90"),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC_g1P5ACeEb8xx77VaL-guiGRutJE6Ai8cR90="),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR91="),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=="),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=\n"),
            format!("pbkdf2_sha256$1000${SALT}$ 7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90="),
            format!("pbkdf2_sha256$1000${SALT}$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8c"),
            format!("pbkdf2_sha256$1000${SALT}${hash}AAAA"),
            format!("pbkdf2_sha256$1000${SALT}$\u{e9}\u{e9}\u{e9}\u{e9}"),
            format!("!{}", "x".repeat(40)),
            "!".to_owned(),
            "!xxxx".to_owned(),
            format!("!{P1}"),
            "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$aGFzaA".to_owned(),
            "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuu".to_owned(),
            "scrypt$16384$salt$8$1$aGFzaA==".to_owned(),
        ];
        for case in &cases {
            assert_eq!(
                check_password(PASSWORD, case, 1000),
                Check::NO_MATCH,
                "{case:?}"
            );
            assert_ne!(identify(case), HashKind::Pbkdf2Sha256, "{case:?}");
        }
        // The unchanged value still matches, so the cases above fail for the
        // reason each one names.
        assert!(check_password(PASSWORD, P1, 1000).matched);
    }

    #[test]
    fn parse_iterations_is_strict() {
        assert_eq!(parse_iterations("1"), Some(1));
        assert_eq!(parse_iterations("1000"), Some(1000));
        assert_eq!(parse_iterations("4294967295"), Some(u32::MAX));
        for bad in [
            "",
            "0",
            "00",
            "01",
            "-1",
            "+5",
            "1e3",
            " 5",
            "5 ",
            "4294967296",
            "0x10",
            "1_000",
        ] {
            assert_eq!(parse_iterations(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn identify_names_the_algorithm() {
        assert_eq!(identify(P1), HashKind::Pbkdf2Sha256);
        assert_eq!(identify("!abc"), HashKind::Unusable);
        assert_eq!(identify("!"), HashKind::Unusable);
        assert_eq!(identify(""), HashKind::Other(String::new()));
        assert_eq!(identify("garbage"), HashKind::Other(String::new()));
        assert_eq!(
            identify("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"),
            HashKind::Other("argon2".to_owned())
        );
        assert_eq!(
            identify("bcrypt_sha256$$2b$12$x"),
            HashKind::Other("bcrypt_sha256".to_owned())
        );
        assert_eq!(
            identify("pbkdf2_sha256$0$salt$hash"),
            HashKind::Other("pbkdf2_sha256".to_owned())
        );
        assert_eq!(
            identify(&format!("pbkdf2_sha256$1000${SALT}$AAAA")),
            HashKind::Other("pbkdf2_sha256".to_owned())
        );
    }

    #[test]
    fn encode_rejects_bad_arguments() {
        assert_eq!(encode(PASSWORD, "", 1000), Err(PasswordError::EmptySalt));
        assert_eq!(
            encode(PASSWORD, "ab$cd", 1000),
            Err(PasswordError::SaltContainsDollar)
        );
        assert_eq!(
            encode(PASSWORD, SALT, 0),
            Err(PasswordError::ZeroIterations)
        );
        assert_eq!(
            make_password(PASSWORD, 0),
            Err(PasswordError::ZeroIterations)
        );
    }

    #[test]
    fn encode_round_trips_non_ascii_salt() {
        let salt = "s\u{e4}lt \u{2713}";
        let stored = encode(PASSWORD, salt, 3).unwrap();
        assert!(check_password(PASSWORD, &stored, 3).matched);
        assert!(!check_password("other", &stored, 3).matched);
    }

    #[test]
    fn zero_configured_iterations_does_not_panic() {
        hash_for_timing(PASSWORD, 0);
        assert_eq!(check_password(PASSWORD, "garbage", 0), Check::NO_MATCH);
        assert_eq!(
            check_password(PASSWORD, P1, 0),
            Check {
                matched: true,
                must_update: true
            }
        );
    }

    #[test]
    fn error_display_is_lowercase_and_has_no_period() {
        let errors = [
            PasswordError::EmptySalt,
            PasswordError::SaltContainsDollar,
            PasswordError::ZeroIterations,
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.is_empty());
            assert!(!text.ends_with('.'), "{text}");
            assert_eq!(text, text.to_lowercase());
            assert!(e.source().is_none());
        }
    }

    // ---- Constant-time comparison ---------------------------------------

    // ---- Random strings -------------------------------------------------

    fn is_alnum(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    #[test]
    fn make_password_verifies_with_fresh_salt() {
        let a = make_password(PASSWORD, 1000).unwrap();
        let b = make_password(PASSWORD, 1000).unwrap();
        assert_ne!(a, b);
        for stored in [&a, &b] {
            let parts: Vec<&str> = stored.split('$').collect();
            assert_eq!(parts.len(), 4);
            assert_eq!(parts[0], "pbkdf2_sha256");
            assert_eq!(parts[1], "1000");
            assert_eq!(parts[2].len(), 22);
            assert!(is_alnum(parts[2]), "{stored}");
            assert_eq!(parts[3].len(), 44);
            assert_eq!(
                check_password(PASSWORD, stored, 1000),
                Check {
                    matched: true,
                    must_update: false
                }
            );
            assert!(!check_password("wrong", stored, 1000).matched);
            assert_eq!(identify(stored), HashKind::Pbkdf2Sha256);
        }
    }

    #[test]
    fn unusable_password_shape_and_never_matches() {
        let a = unusable_password().unwrap();
        let b = unusable_password().unwrap();
        assert_ne!(a, b);
        for value in [&a, &b] {
            assert_eq!(value.len(), 41);
            assert!(value.starts_with('!'));
            assert!(is_alnum(&value[1..]), "{value}");
            assert_eq!(identify(value), HashKind::Unusable);
            assert_eq!(check_password(value, value, 1000), Check::NO_MATCH);
            assert_eq!(check_password(&value[1..], value, 1000), Check::NO_MATCH);
            assert_eq!(check_password("", value, 1000), Check::NO_MATCH);
        }
    }

    #[test]
    fn rejection_sampling_skips_biased_bytes() {
        let mut out = String::new();
        push_alnum(&mut out, 5, &[0, 61, 62, 247, 248, 255, 123, 1, 2]);
        // 0->'a', 61->'9', 62->'a', 247 (=3*62+61)->'9', 248 and 255 skipped,
        // 123 (=62+61)->'9'; the length limit stops before 1 and 2.
        assert_eq!(out, "a9a99");
    }

    #[test]
    fn alphabet_is_djangos() {
        let expected: String = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
        assert_eq!(ALPHABET.as_slice(), expected.as_bytes());
        assert_eq!(usize::from(REJECT_FROM), 4 * ALPHABET.len());
        assert_eq!(TIMING_SALT.len(), SALT_LEN);
    }
}
