//! The dispatch over the hashers, and `pbkdf2_sha256`'s vectors and edge
//! cases (each other hasher's vectors are beside it).

use super::*;

/// A match needing no update.
const MATCHED: Check = Check {
    matched: true,
    must_update: false,
    refused: None,
};

/// A match to re-hash.
const OUTDATED: Check = Check {
    matched: true,
    must_update: true,
    refused: None,
};

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
    assert_eq!(check_password(password, stored, iterations), MATCHED);
    assert_eq!(
        check_password("wrong password", stored, iterations),
        Check::NO_MATCH
    );
    assert_eq!(
        identify(stored),
        HashKind::Verifiable(Algorithm::Pbkdf2Sha256)
    );
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
    let policy = Policy {
        hashers: &[Algorithm::Pbkdf2Sha256],
        iterations: 1000,
    };
    assert!(!check("wrong", P1, &policy, 5000).matched);
    assert!(check(PASSWORD, P1, &policy, 5000).matched);
}

#[test]
fn django_p9_pbkdf2_sha1_verifies_with_the_feature_only() {
    if cfg!(feature = "django-hashers") {
        assert_eq!(check_password(PASSWORD, P9, 1000), OUTDATED);
        assert!(!check_password("wrong", P9, 1000).matched);
        assert_eq!(identify(P9), HashKind::Verifiable(Algorithm::Pbkdf2Sha1));
    } else {
        assert_eq!(check_password(PASSWORD, P9, 1000), Check::NO_MATCH);
        assert_eq!(identify(P9), HashKind::Other("pbkdf2_sha1".to_owned()));
    }
}

#[test]
fn default_iterations_is_django_5_2() {
    assert_eq!(DEFAULT_ITERATIONS, 1_000_000);
}

// ---- must_update ----------------------------------------------------

#[test]
fn must_update_p1_at_default_iterations() {
    assert_eq!(check_password(PASSWORD, P1, DEFAULT_ITERATIONS), OUTDATED);
}

#[test]
fn must_update_three_char_salt() {
    let stored = encode(PASSWORD, "abc", 1000).unwrap();
    assert_eq!(check_password(PASSWORD, &stored, 1000), OUTDATED);
}

#[test]
fn must_update_salt_boundary_is_22_chars() {
    assert!(salt_too_short(SALT_LEN - 1));
    assert!(!salt_too_short(SALT_LEN));
    // Code points, not bytes: 21 two-byte characters are still too short.
    let stored = encode(PASSWORD, &"\u{e4}".repeat(SALT_LEN - 1), 1000).unwrap();
    assert_eq!(check_password(PASSWORD, &stored, 1000), OUTDATED);
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
        assert_ne!(
            identify(case),
            HashKind::Verifiable(Algorithm::Pbkdf2Sha256),
            "{case:?}"
        );
    }
    // The unchanged value still matches, so the cases above fail for the
    // reason each one names.
    assert!(check_password(PASSWORD, P1, 1000).matched);
}

#[test]
fn parse_decimal_is_strict() {
    assert_eq!(parse_decimal("1"), Some(1));
    assert_eq!(parse_decimal("1000"), Some(1000));
    assert_eq!(parse_decimal("4294967295"), Some(u32::MAX));
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
        assert_eq!(parse_decimal(bad), None, "{bad:?}");
    }
}

#[test]
fn identify_names_the_algorithm() {
    assert_eq!(identify(P1), HashKind::Verifiable(Algorithm::Pbkdf2Sha256));
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
    let policy = Policy {
        hashers: &[],
        iterations: 0,
    };
    hash_for_timing(PASSWORD, &policy, 0);
    assert_eq!(check_password(PASSWORD, "garbage", 0), Check::NO_MATCH);
    assert_eq!(check_password(PASSWORD, P1, 0), OUTDATED);
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
        assert_eq!(check_password(PASSWORD, stored, 1000), MATCHED);
        assert!(!check_password("wrong", stored, 1000).matched);
        assert_eq!(
            identify(stored),
            HashKind::Verifiable(Algorithm::Pbkdf2Sha256)
        );
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

// ---- PASSWORD_HASHERS -----------------------------------------------

#[test]
fn hashers_are_named_as_in_django() {
    for algorithm in Algorithm::ALL {
        assert_eq!(Algorithm::from_setting(algorithm.name()), Some(algorithm));
        let path = format!("django.contrib.auth.hashers.{}", algorithm.names().1);
        assert_eq!(Algorithm::from_setting(&path), Some(algorithm));
    }
    assert_eq!(
        Algorithm::from_setting("django.contrib.auth.hashers.BCryptSHA256PasswordHasher"),
        Some(Algorithm::BcryptSha256)
    );
    for unknown in [
        "md5",
        "Argon2",
        "PBKDF2PasswordHasher",
        "hashers.Argon2PasswordHasher",
        "",
    ] {
        assert_eq!(Algorithm::from_setting(unknown), None, "{unknown}");
    }
    // The default list: Django's, then bcrypt; the HMAC-only build has
    // pbkdf2_sha256 alone.
    let names: Vec<_> = Algorithm::built_in().iter().map(|a| a.name()).collect();
    if cfg!(feature = "django-hashers") {
        assert_eq!(
            names,
            [
                "pbkdf2_sha256",
                "pbkdf2_sha1",
                "argon2",
                "bcrypt_sha256",
                "scrypt",
                "bcrypt"
            ]
        );
    } else {
        assert_eq!(names, ["pbkdf2_sha256"]);
    }
}

#[cfg(feature = "django-hashers")]
mod django_hashers {
    use super::*;

    /// Django 5.2.19's hashes of PASSWORD (salt SALT; bcrypt's
    /// `$2b$04$abcdefghijklmnopqrstuu`), small costs.
    const ARGON2_SMALL: &str = "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$1Coflzpap86bHzibILbMW+d/2LAgQJY48R5D3nm6PBE";
    const BCRYPT_SHA256_4: &str =
        "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuuaBT8mpw5tGdD3eO40znWcQP/dT9hEVK";
    const BCRYPT_4: &str = "bcrypt$$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG";
    const SCRYPT_SMALL: &str = "scrypt$16$abcdefghijklmnopqrstuv$2$3$l0is9VFzXkYmhK/2LGc9xTmgj7e/+ncqNvRKtKY2wf44ObzlpSfGfsAsBgMqrt9nAfK7c4J05wSyDtxnrI2T+w==";
    const ALL_SMALL: [(&str, Algorithm); 5] = [
        (P9, Algorithm::Pbkdf2Sha1),
        (ARGON2_SMALL, Algorithm::Argon2),
        (BCRYPT_SHA256_4, Algorithm::BcryptSha256),
        (BCRYPT_4, Algorithm::Bcrypt),
        (SCRYPT_SMALL, Algorithm::Scrypt),
    ];

    fn policy(hashers: &[Algorithm]) -> Policy<'_> {
        Policy {
            hashers,
            iterations: 1000,
        }
    }

    #[test]
    fn another_algorithm_matches_and_must_update_to_the_preferred() {
        let all = Algorithm::built_in();
        for (encoded, algorithm) in ALL_SMALL {
            assert_eq!(identify(encoded), HashKind::Verifiable(algorithm));
            assert_eq!(
                check(PASSWORD, encoded, &policy(&all), 1000),
                OUTDATED,
                "{encoded}"
            );
            assert_eq!(
                check("wrong", encoded, &policy(&all), 1000),
                Check::NO_MATCH,
                "{encoded}"
            );
        }
        // pbkdf2_sha1 preferred, at its own iterations: nothing to update.
        let sha1_first = [Algorithm::Pbkdf2Sha1, Algorithm::Pbkdf2Sha256];
        assert_eq!(check(PASSWORD, P9, &policy(&sha1_first), 1000), MATCHED);
        // ... and pbkdf2_sha256 is then the other algorithm.
        assert_eq!(check(PASSWORD, P1, &policy(&sha1_first), 1000), OUTDATED);
    }

    #[test]
    fn only_listed_algorithms_verify() {
        // Django: "Unknown password hashing algorithm" for the others.
        for (encoded, algorithm) in ALL_SMALL {
            let others: Vec<Algorithm> = Algorithm::ALL
                .into_iter()
                .filter(|a| *a != algorithm)
                .collect();
            assert_eq!(
                check(PASSWORD, encoded, &policy(&others), 1000),
                Check::NO_MATCH,
                "{encoded}"
            );
        }
        assert_eq!(
            check(PASSWORD, P1, &policy(&[Algorithm::Argon2]), 1000),
            Check::NO_MATCH
        );
    }

    #[test]
    fn each_preferred_hasher_makes_hashes_it_verifies_without_update() {
        for preferred in Algorithm::ALL {
            let list = [preferred, Algorithm::Pbkdf2Sha256];
            let policy = policy(&list);
            let stored = make(PASSWORD, &policy).unwrap();
            assert!(
                stored.starts_with(&format!("{}$", preferred.name())),
                "{stored}"
            );
            assert_eq!(identify(&stored), HashKind::Verifiable(preferred));
            assert_eq!(check(PASSWORD, &stored, &policy, 1000), MATCHED, "{stored}");
            assert_eq!(check("wrong", &stored, &policy, 1000), Check::NO_MATCH);
            // An outdated hash of the preferred algorithm, or a pbkdf2 one,
            // is upgraded; a wrong password fails (hardened).
            assert!(check(PASSWORD, P1, &policy, 1000).matched);
            assert_eq!(
                check(PASSWORD, P1, &policy, 1000).must_update,
                preferred != Algorithm::Pbkdf2Sha256
            );
            hash_for_timing(PASSWORD, &policy, 1000);
        }
    }

    #[test]
    fn a_hash_above_the_cost_bounds_is_refused_with_its_reason() {
        let all = Algorithm::built_in();
        let costly = [
            ARGON2_SMALL.replace("m=64,", "m=1048576,"),
            BCRYPT_SHA256_4.replace("$04$", "$20$"),
            SCRYPT_SMALL.replace("scrypt$16$", "scrypt$1048576$"),
        ];
        for encoded in &costly {
            let found = check(PASSWORD, encoded, &policy(&all), 1000);
            assert!(!found.matched, "{encoded}");
            assert!(found.refused.is_some(), "{encoded}");
            assert!(
                matches!(identify(encoded), HashKind::TooCostly(_)),
                "{encoded}"
            );
        }
        // Malformed values give no reason.
        assert_eq!(
            check(PASSWORD, "argon2$x", &policy(&all), 1000).refused,
            None
        );
    }
}
