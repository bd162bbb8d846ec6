//! Known answers from CPython's `difflib` (3.11), generated with
//! `SequenceMatcher(a=a, b=b)`: every ratio must be the same double.
//! The generated pairs come from a 64-bit LCG both sides compute, so that
//! long sequences (where autojunk drops popular elements) stay short here.

use super::*;

/// `(a, b, ratio, quick_ratio, real_quick_ratio)`, CPython's for `a` and `b`.
const LITERAL: &[(&str, &str, f64, f64, f64)] = &[
    ("", "", 1.0, 1.0, 1.0),
    ("", "a", 0.0, 0.0, 0.0),
    ("a", "", 0.0, 0.0, 0.0),
    ("a", "a", 1.0, 1.0, 1.0),
    ("abcd", "bcde", 0.75, 0.75, 1.0),
    ("password", "username", 0.125, 0.375, 1.0),
    ("alice123", "alice", 0.7692307692307693, 0.7692307692307693, 0.7692307692307693),
    ("alice", "alice123", 0.7692307692307693, 0.7692307692307693, 0.7692307692307693),
    ("qwerty", "ytrewq", 0.16666666666666666, 1.0, 1.0),
    ("abxcd", "abcd", 0.8888888888888888, 0.8888888888888888, 0.8888888888888888),
    ("private", "privet", 0.7692307692307693, 0.9230769230769231, 0.9230769230769231),
    ("testclient", "testclient", 1.0, 1.0, 1.0),
    ("testclient1", "client", 0.7058823529411765, 0.7058823529411765, 0.7058823529411765),
    ("mypassword", "pass", 0.5714285714285714, 0.5714285714285714, 0.5714285714285714),
    ("aaaa", "aa", 0.6666666666666666, 0.6666666666666666, 0.6666666666666666),
    ("ab", "ba", 0.5, 1.0, 1.0),
    ("tide", "diet", 0.25, 1.0, 1.0),
    ("zoë2024", "zoë", 0.6, 0.6, 0.6),
    ("ñandú", "nandu", 0.6, 0.6, 1.0),
    ("用户名", "用户", 0.8, 0.8, 0.8),
    ("carol.smith", "smith", 0.625, 0.625, 0.625),
    ("the quick brown fox", "the lazy dog", 0.3870967741935484, 0.3870967741935484, 0.7741935483870968),
    ("abcabcabc", "cbacbacba", 0.4444444444444444, 1.0, 1.0),
    ("xxxxxxxxxx", "x", 0.18181818181818182, 0.18181818181818182, 0.18181818181818182),
    ("correct horse battery staple", "horse", 0.30303030303030304, 0.30303030303030304, 0.30303030303030304),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 1.0, 1.0, 1.0),
    ("baaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0.00398406374501992, 1.0, 1.0),
];
/// Two generated sequences (seed, length each, one alphabet) and CPython's
/// `(ratio, quick_ratio, real_quick_ratio)` for them.
type Generated = (u64, usize, u64, usize, &'static str, f64, f64, f64);

const GENERATED: &[Generated] = &[
    (1, 10, 2, 12, "ab", 0.7272727272727273, 0.9090909090909091, 0.9090909090909091),
    (3, 50, 4, 40, "abc", 0.4444444444444444, 0.8888888888888888, 0.8888888888888888),
    (5, 120, 6, 150, "abcdef", 0.1925925925925926, 0.8814814814814815, 0.8888888888888888),
    (7, 199, 8, 199, "ab", 0.44221105527638194, 0.9849246231155779, 1.0),
    (9, 200, 10, 200, "ab", 0.005, 0.96, 1.0),
    (11, 300, 12, 250, "abc", 0.0, 0.9018181818181819, 0.9090909090909091),
    (13, 250, 14, 300, "abcdefgh", 0.0, 0.8836363636363637, 0.9090909090909091),
    (15, 400, 16, 420, "abcdefghijklmnopqrstuvwxyz", 0.0, 0.8, 0.975609756097561),
    (17, 210, 18, 205, "aaaaab", 0.0, 0.9879518072289156, 0.9879518072289156),
    (19, 1000, 20, 900, "abcdefghij", 0.0, 0.9126315789473685, 0.9473684210526315),
    (21, 20, 22, 500, "ab", 0.0038461538461538464, 0.07692307692307693, 0.07692307692307693),
    (23, 500, 24, 20, "abc", 0.07307692307692308, 0.07692307692307693, 0.07692307692307693),
    (25, 220, 26, 230, "aab", 0.0, 0.9733333333333334, 0.9777777777777777),
    (27, 8, 28, 300, "ab", 0.006493506493506494, 0.05194805194805195, 0.05194805194805195),
    (29, 64, 30, 64, "0123456789", 0.234375, 0.75, 1.0),
    (31, 250, 32, 260, "aaaaaaaaaaaaaaaaaaaabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0.0196078431372549, 0.7411764705882353, 0.9803921568627451),
    (33, 300, 34, 300, "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|~", 0.06666666666666667, 0.6933333333333334, 1.0),
    (35, 1000, 36, 1000, "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|~", 0.025, 0.807, 1.0),
    (37, 200, 38, 30, "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|~", 0.05217391304347826, 0.22608695652173913, 0.2608695652173913),
    (39, 30, 40, 200, "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz|~", 0.017391304347826087, 0.24347826086956523, 0.2608695652173913),
    (41, 600, 42, 250, "aaaaaaaaaaaaaaaaaaaabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 0.02588235294117647, 0.5741176470588235, 0.5882352941176471),
];

/// The generator of [`GENERATED`]: Knuth's MMIX LCG, one element per step
/// from the high bits, as in the Python that made the table.
fn lcg_string(seed: u64, len: usize, alphabet: &str) -> Vec<char> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[((x >> 33) % alphabet.len() as u64) as usize]
        })
        .collect()
}

fn check(a: &[char], b: &[char], expected: (f64, f64, f64), case: &str) {
    let m = SequenceMatcher::new(a, b);
    let got = (m.ratio(), m.quick_ratio(), m.real_quick_ratio());
    assert_eq!(
        (got.0.to_bits(), got.1.to_bits(), got.2.to_bits()),
        (
            expected.0.to_bits(),
            expected.1.to_bits(),
            expected.2.to_bits()
        ),
        "{case}: got {got:?}, CPython {expected:?}"
    );
}

#[test]
fn ratios_match_cpython() {
    for &(a, b, ratio, quick, real_quick) in LITERAL {
        let (a_chars, b_chars): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        check(
            &a_chars,
            &b_chars,
            (ratio, quick, real_quick),
            &format!("{a:?} {b:?}"),
        );
    }
}

#[test]
fn ratios_of_long_sequences_match_cpython_autojunk_included() {
    for &(seed_a, len_a, seed_b, len_b, alphabet, ratio, quick, real_quick) in GENERATED {
        let a = lcg_string(seed_a, len_a, alphabet);
        let b = lcg_string(seed_b, len_b, alphabet);
        check(
            &a,
            &b,
            (ratio, quick, real_quick),
            &format!("seeds {seed_a} {seed_b}"),
        );
    }
}

#[test]
fn the_generator_is_the_pythons() {
    // lcg_string(1, 10, "ab") in the generating Python.
    assert_eq!(
        lcg_string(1, 10, "ab").iter().collect::<String>(),
        "abaaabaaba"
    );
}
