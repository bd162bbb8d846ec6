//! Django's password hashers: the stored value is Django's
//! `auth_user.password` column verbatim, so users move between Django and
//! jwtd with their passwords, and export writes each hash back unchanged.
//!
//! `PASSWORD_HASHERS` ([`Policy::hashers`]) lists the hashers that verify,
//! as Django's setting does; its first makes new hashes, and a login that
//! matches a hash of another algorithm, or of weaker parameters
//! (`must_update`), is re-hashed with it, as Django's `check_password`
//! with a setter does. One file per hasher: [`pbkdf2`] (`pbkdf2_sha256`,
//! and `pbkdf2_sha1`), and with the feature `django-hashers` `argon2`,
//! `bcrypt` (`bcrypt_sha256` and `bcrypt`) and `scrypt`.
//!
//! Costs: a stored hash asking for more memory or time than Django's
//! defaults (argon2's time cost: twice them) is refused without being
//! hashed, so a hostile import cannot exhaust the login pool's memory
//! ([`Check::refused`] says why, for the log).
//!
//! Timing equalisation: every failing [`check`] costs at least one check of
//! the preferred hasher ([`hash_for_timing`]), whatever the stored value
//! holds (Django's `harden_runtime` and ticket #20760), so "unknown user",
//! "wrong password", "unusable password" and "unknown algorithm" cannot be
//! told apart by the time a login takes. (As in Django, a success against a
//! weaker hash is faster; it then reports `must_update`.)
//!
//! Passwords are secrets: no error, `Debug` output or panic message here ever
//! contains one, and nothing in this module panics on any input.

use std::error::Error;
use std::fmt;

use crate::primitives::{self, RandomError};

#[cfg(feature = "django-hashers")]
mod argon2;
#[cfg(feature = "django-hashers")]
mod bcrypt;
mod pbkdf2;
#[cfg(feature = "django-hashers")]
mod scrypt;
#[cfg(test)]
mod tests;

/// Django 5.2's default (PBKDF2PasswordHasher.iterations).
pub const DEFAULT_ITERATIONS: u32 = 1_000_000;

/// Django's `UNUSABLE_PASSWORD_PREFIX`.
const UNUSABLE_PREFIX: char = '!';

/// Django's `UNUSABLE_PASSWORD_SUFFIX_LENGTH`.
const UNUSABLE_SUFFIX_LEN: usize = 40;

/// `ceil(128 / log2(62))`: the shortest salt from [`ALPHABET`] carrying 128 bits.
const SALT_LEN: usize = 22;

/// Django's `salt_entropy`: salts with fewer bits than this must be updated.
const SALT_ENTROPY_BITS: f64 = 128.0;

/// Django's `RANDOM_STRING_CHARS`, in the same order.
const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Random bytes below this map uniformly onto [`ALPHABET`] by `% 62`
/// (248 = 4 * 62); bytes at or above it are rejected.
const REJECT_FROM: u8 = 248;

/// Salt for [`hash_for_timing`]. Its value is irrelevant; its length equals a
/// real salt's so the work is the same.
const TIMING_SALT: &str = "jwtdtimingequalisation";

/// A Django password hasher, by its algorithm name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `PBKDF2PasswordHasher`, Django's default.
    Pbkdf2Sha256,
    /// `PBKDF2SHA1PasswordHasher`.
    Pbkdf2Sha1,
    /// `Argon2PasswordHasher`.
    Argon2,
    /// `BCryptSHA256PasswordHasher`.
    BcryptSha256,
    /// `BCryptPasswordHasher` (passwords over 72 bytes never match).
    Bcrypt,
    /// `ScryptPasswordHasher`.
    Scrypt,
}

impl Algorithm {
    /// Every hasher: Django's default `PASSWORD_HASHERS` in its order,
    /// then `bcrypt`, which Django leaves out of it.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Pbkdf2Sha256,
        Algorithm::Pbkdf2Sha1,
        Algorithm::Argon2,
        Algorithm::BcryptSha256,
        Algorithm::Scrypt,
        Algorithm::Bcrypt,
    ];

    /// Django's `algorithm`, the text before a stored value's first `$`.
    pub fn name(self) -> &'static str {
        self.names().0
    }

    /// The algorithm name and the class name in `django.contrib.auth.hashers`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Algorithm::Pbkdf2Sha256 => ("pbkdf2_sha256", "PBKDF2PasswordHasher"),
            Algorithm::Pbkdf2Sha1 => ("pbkdf2_sha1", "PBKDF2SHA1PasswordHasher"),
            Algorithm::Argon2 => ("argon2", "Argon2PasswordHasher"),
            Algorithm::BcryptSha256 => ("bcrypt_sha256", "BCryptSHA256PasswordHasher"),
            Algorithm::Bcrypt => ("bcrypt", "BCryptPasswordHasher"),
            Algorithm::Scrypt => ("scrypt", "ScryptPasswordHasher"),
        }
    }

    /// The hasher an entry of `PASSWORD_HASHERS` names: an algorithm name
    /// (`argon2`) or Django's dotted class path
    /// (`django.contrib.auth.hashers.Argon2PasswordHasher`).
    pub fn from_setting(entry: &str) -> Option<Algorithm> {
        let class = entry.strip_prefix("django.contrib.auth.hashers.");
        Algorithm::ALL.into_iter().find(|a| match class {
            Some(class) => a.names().1 == class,
            None => a.name() == entry,
        })
    }

    /// Whether this build has the hasher (all but `pbkdf2_sha256` need the
    /// feature `django-hashers`).
    pub fn is_built_in(self) -> bool {
        self == Algorithm::Pbkdf2Sha256 || cfg!(feature = "django-hashers")
    }

    /// The default `PASSWORD_HASHERS`: every hasher this build has, in the
    /// order of [`Algorithm::ALL`].
    pub fn built_in() -> Vec<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(|a| a.is_built_in())
            .collect()
    }
}

/// How new hashes are made and which stored ones verify: the settings
/// `PASSWORD_HASHERS` and `PASSWORD_ITERATIONS`.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// The hashers that verify; the first makes new hashes. An empty list
    /// counts as `pbkdf2_sha256` alone.
    pub hashers: &'a [Algorithm],
    /// PBKDF2's iteration count (both digests).
    pub iterations: u32,
}

impl Policy<'_> {
    /// The hasher new hashes are made with.
    pub fn preferred(&self) -> Algorithm {
        self.hashers
            .first()
            .copied()
            .unwrap_or(Algorithm::Pbkdf2Sha256)
    }

    fn allows(&self, algorithm: Algorithm) -> bool {
        algorithm.is_built_in()
            && (self.hashers.contains(&algorithm)
                || (self.hashers.is_empty() && algorithm == Algorithm::Pbkdf2Sha256))
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The password is the one the stored value was made from.
    pub matched: bool,
    /// Only ever true when `matched`: the value should be re-hashed with the
    /// preferred hasher (Django's `must_update`, or another algorithm).
    pub must_update: bool,
    /// Why the stored value was refused unhashed (its parameters cost more
    /// than the bounds allow), for the log; never set when `matched`.
    pub refused: Option<&'static str>,
}

impl Check {
    const NO_MATCH: Check = Check {
        matched: false,
        must_update: false,
        refused: None,
    };
}

/// Which hasher a stored value names, for reporting on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashKind {
    /// A well-formed value of a hasher this build has, within the cost
    /// bounds: some password can match it.
    Verifiable(Algorithm),
    /// A well-formed value whose parameters exceed the cost bounds: refused
    /// at every login (the reason).
    TooCostly(&'static str),
    /// Django's unusable password (`!` prefix): nothing ever matches it.
    Unusable,
    /// Anything else, which can never match. Holds the text before the
    /// first `$` ("md5", or a hasher this build lacks), or "" if there is no
    /// `$`. A malformed `pbkdf2_sha256$...` value is `Other("pbkdf2_sha256")`.
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
    /// `bcrypt` (without SHA-256) cannot hash a password over 72 bytes.
    TooLongForBcrypt,
    /// The hasher failed (argon2 could not allocate its memory).
    Hasher,
    /// The operating system's random number generator failed.
    Random(RandomError),
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordError::EmptySalt => "salt is empty",
            PasswordError::SaltContainsDollar => "salt contains '$'",
            PasswordError::ZeroIterations => "iterations must be at least 1",
            PasswordError::TooLongForBcrypt => "bcrypt cannot hash passwords over 72 bytes",
            PasswordError::Hasher => "the password hasher failed",
            PasswordError::Random(_) => "random number generator failed",
        })
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

/// Why a stored value cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Not in the hasher's format: never matches.
    Malformed,
    /// Above the cost bounds: refused unhashed, for this reason (only
    /// Django's other hashers have bounds).
    #[cfg_attr(not(feature = "django-hashers"), allow(dead_code))]
    TooCostly(&'static str),
}

/// A stored value parsed by its hasher.
enum Stored<'a> {
    Pbkdf2(pbkdf2::Stored<'a>),
    #[cfg(feature = "django-hashers")]
    Argon2(argon2::Stored),
    #[cfg(feature = "django-hashers")]
    Bcrypt(bcrypt::Stored<'a>),
    #[cfg(feature = "django-hashers")]
    Scrypt(scrypt::Stored<'a>),
}

impl Stored<'_> {
    fn verify(&self, password: &str) -> bool {
        match self {
            Stored::Pbkdf2(s) => s.verify(password),
            #[cfg(feature = "django-hashers")]
            Stored::Argon2(s) => s.verify(password),
            #[cfg(feature = "django-hashers")]
            Stored::Bcrypt(s) => s.verify(password),
            #[cfg(feature = "django-hashers")]
            Stored::Scrypt(s) => s.verify(password),
        }
    }

    /// Django's `must_update` of the stored value's own hasher.
    fn outdated(&self, iterations: u32) -> bool {
        match self {
            Stored::Pbkdf2(s) => s.outdated(iterations),
            #[cfg(feature = "django-hashers")]
            Stored::Argon2(s) => s.outdated(),
            #[cfg(feature = "django-hashers")]
            Stored::Bcrypt(s) => s.outdated(),
            #[cfg(feature = "django-hashers")]
            Stored::Scrypt(s) => s.outdated(),
        }
    }

    /// After a failed check of a value of the preferred hasher: the work
    /// still missing to cost what a check at the preferred parameters
    /// costs. Django's `harden_runtime` for PBKDF2 (up to `target`
    /// iterations) and bcrypt; for argon2 and scrypt, whose runtime Django
    /// does not harden, a whole check at the defaults when they differ.
    fn harden_runtime(&self, password: &str, target: u32) {
        match self {
            Stored::Pbkdf2(s) => s.harden_runtime(password, target),
            #[cfg(feature = "django-hashers")]
            Stored::Argon2(s) => {
                if s.outdated() {
                    argon2::hash_for_timing(password);
                }
            }
            #[cfg(feature = "django-hashers")]
            Stored::Bcrypt(s) => s.harden_runtime(password),
            #[cfg(feature = "django-hashers")]
            Stored::Scrypt(s) => {
                if s.outdated() {
                    scrypt::hash_for_timing(password);
                }
            }
        }
    }
}

/// Parse `encoded` as a value of `algorithm`'s hasher.
fn parse(algorithm: Algorithm, encoded: &str) -> Result<Stored<'_>, Refusal> {
    let pbkdf2 = |digest| pbkdf2::parse(digest, encoded).map(Stored::Pbkdf2);
    match algorithm {
        Algorithm::Pbkdf2Sha256 => pbkdf2(pbkdf2::Digest::Sha256),
        #[cfg(feature = "django-hashers")]
        Algorithm::Pbkdf2Sha1 => pbkdf2(pbkdf2::Digest::Sha1),
        #[cfg(feature = "django-hashers")]
        Algorithm::Argon2 => argon2::parse(encoded).map(Stored::Argon2),
        #[cfg(feature = "django-hashers")]
        Algorithm::BcryptSha256 => bcrypt::parse(true, encoded).map(Stored::Bcrypt),
        #[cfg(feature = "django-hashers")]
        Algorithm::Bcrypt => bcrypt::parse(false, encoded).map(Stored::Bcrypt),
        #[cfg(feature = "django-hashers")]
        Algorithm::Scrypt => scrypt::parse(encoded).map(Stored::Scrypt),
        #[cfg(not(feature = "django-hashers"))]
        _ => Err(Refusal::Malformed),
    }
}

/// The hasher a stored value names (Django's `identify_hasher`: the text
/// before the first `$`), if it is one jwtd knows.
fn algorithm_of(encoded: &str) -> Option<Algorithm> {
    let name = encoded.split_once('$')?.0;
    Algorithm::ALL.into_iter().find(|a| a.name() == name)
}

/// Hash `password` with a fresh random 22-char salt from [a-zA-Z0-9]
/// (unbiased: rejection sampling over getrandom bytes) as `pbkdf2_sha256`.
pub fn make_password(password: &str, iterations: u32) -> Result<String, PasswordError> {
    make(
        password,
        &Policy {
            hashers: &[Algorithm::Pbkdf2Sha256],
            iterations,
        },
    )
}

/// Hash `password` with the policy's preferred hasher, a fresh salt and
/// Django's default parameters (PBKDF2: `iterations`), as Django's
/// `make_password`.
pub fn make(password: &str, policy: &Policy<'_>) -> Result<String, PasswordError> {
    let pbkdf2 = |digest| {
        if policy.iterations == 0 {
            return Err(PasswordError::ZeroIterations);
        }
        let salt = random_alnum(SALT_LEN)?;
        Ok(pbkdf2::encode(digest, password, &salt, policy.iterations))
    };
    match policy.preferred() {
        Algorithm::Pbkdf2Sha256 => pbkdf2(pbkdf2::Digest::Sha256),
        #[cfg(feature = "django-hashers")]
        Algorithm::Pbkdf2Sha1 => pbkdf2(pbkdf2::Digest::Sha1),
        #[cfg(feature = "django-hashers")]
        Algorithm::Argon2 => argon2::encode(password, &random_alnum(SALT_LEN)?),
        #[cfg(feature = "django-hashers")]
        Algorithm::BcryptSha256 => bcrypt::make(true, password),
        #[cfg(feature = "django-hashers")]
        Algorithm::Bcrypt => bcrypt::make(false, password),
        #[cfg(feature = "django-hashers")]
        Algorithm::Scrypt => Ok(scrypt::encode(password, &random_alnum(SALT_LEN)?)),
        // Without the feature, configuration refuses the others.
        #[cfg(not(feature = "django-hashers"))]
        _ => pbkdf2(pbkdf2::Digest::Sha256),
    }
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
    Ok(pbkdf2::encode(
        pbkdf2::Digest::Sha256,
        password,
        salt,
        iterations,
    ))
}

/// [`check`] with every built-in hasher allowed, `pbkdf2_sha256` at
/// `iterations` preferred.
pub fn check_password(password: &str, encoded: &str, iterations: u32) -> Check {
    let hashers = Algorithm::built_in();
    check(
        password,
        encoded,
        &Policy {
            hashers: &hashers,
            iterations,
        },
        iterations,
    )
}

/// Verify like Django's `verify_password`: only hashers the policy lists
/// verify, `must_update` when the preferred hasher differs or finds the
/// value outdated. Every failure costs at least a check of the preferred
/// hasher, `pbkdf2_sha256` at `failure_cost` iterations (at least the
/// policy's): the cost of the slowest hash stored, so that no failure
/// tells an existing user from an unknown one.
pub fn check(password: &str, encoded: &str, policy: &Policy<'_>, failure_cost: u32) -> Check {
    let failure_cost = failure_cost.max(policy.iterations);
    let preferred = policy.preferred();
    let parsed = match algorithm_of(encoded).filter(|a| policy.allows(*a)) {
        Some(algorithm) => parse(algorithm, encoded).map(|stored| (algorithm, stored)),
        None => Err(Refusal::Malformed),
    };
    let (algorithm, stored) = match parsed {
        Ok(found) => found,
        Err(refusal) => {
            hash_for_timing(password, policy, failure_cost);
            return Check {
                refused: match refusal {
                    Refusal::TooCostly(why) => Some(why),
                    Refusal::Malformed => None,
                },
                ..Check::NO_MATCH
            };
        }
    };
    if !stored.verify(password) {
        if algorithm == preferred {
            stored.harden_runtime(password, failure_cost);
        } else {
            hash_for_timing(password, policy, failure_cost);
        }
        return Check::NO_MATCH;
    }
    Check {
        matched: true,
        must_update: algorithm != preferred || stored.outdated(policy.iterations),
        refused: None,
    }
}

/// The iteration count of a stored `pbkdf2_sha256` hash, if it is one.
pub fn iterations_of(encoded: &str) -> Option<u32> {
    pbkdf2::parse(pbkdf2::Digest::Sha256, encoded)
        .ok()
        .map(|stored| stored.iterations)
}

/// The work done for an unknown user so that failure takes as long as a
/// wrong password: one check of the preferred hasher at its default
/// parameters, `pbkdf2_sha256` at `failure_cost` iterations (Django's
/// ticket #20760).
pub fn hash_for_timing(password: &str, policy: &Policy<'_>, failure_cost: u32) {
    let iterations = failure_cost.max(policy.iterations).max(1);
    match policy.preferred() {
        #[cfg(feature = "django-hashers")]
        Algorithm::Pbkdf2Sha1 => {
            pbkdf2::hash_for_timing(pbkdf2::Digest::Sha1, password, iterations)
        }
        Algorithm::Pbkdf2Sha256 => {
            pbkdf2::hash_for_timing(pbkdf2::Digest::Sha256, password, iterations)
        }
        #[cfg(feature = "django-hashers")]
        Algorithm::Argon2 => argon2::hash_for_timing(password),
        #[cfg(feature = "django-hashers")]
        Algorithm::BcryptSha256 => bcrypt::hash_for_timing(true, password),
        #[cfg(feature = "django-hashers")]
        Algorithm::Bcrypt => bcrypt::hash_for_timing(false, password),
        #[cfg(feature = "django-hashers")]
        Algorithm::Scrypt => scrypt::hash_for_timing(password),
        // Without the feature, configuration refuses all but pbkdf2_sha256.
        #[cfg(not(feature = "django-hashers"))]
        _ => pbkdf2::hash_for_timing(pbkdf2::Digest::Sha256, password, iterations),
    }
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
/// `Verifiable` exactly when [`check_password`] can match some password.
pub fn identify(encoded: &str) -> HashKind {
    if encoded.starts_with(UNUSABLE_PREFIX) {
        return HashKind::Unusable;
    }
    if let Some(algorithm) = algorithm_of(encoded).filter(|a| a.is_built_in()) {
        match parse(algorithm, encoded) {
            Ok(_) => return HashKind::Verifiable(algorithm),
            Err(Refusal::TooCostly(why)) => return HashKind::TooCostly(why),
            Err(Refusal::Malformed) => {}
        }
    }
    let name = encoded.split_once('$').map_or("", |(name, _)| name);
    HashKind::Other(name.to_owned())
}

/// A canonical positive decimal that fits `u32`: digits only, no leading
/// zero, as Django writes its numbers (it compares the re-encoded string
/// with the stored one, so any other spelling never matches there).
fn parse_decimal(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    // Only digits remain, so `parse` fails on overflow alone.
    text.parse().ok()
}

/// Django's `must_update_salt`: `len(salt) * log2(62) < 128`, for a salt
/// of `chars` code points. True below [`SALT_LEN`].
fn salt_too_short(chars: usize) -> bool {
    (chars as f64) * (ALPHABET.len() as f64).log2() < SALT_ENTROPY_BITS
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
