//! The fuzz targets' properties, replayed deterministically in plain
//! `cargo test` on stable, where cargo-fuzz cannot run.
//!
//! For each target, every seed in `tests/corpus/<target>/` goes through the
//! same property function the fuzz target calls (`fuzz/src/properties/`,
//! compiled here as a module), then a fixed number of inputs derived from the
//! seeds by a hand-written xorshift generator with a fixed seed. The same
//! inputs are tried on every run and every machine, so a failure always
//! reproduces; a failing input is written under `CARGO_TARGET_TMPDIR` to be
//! added to the corpus once the bug is fixed.
//!
//! Inputs the fuzzer found that still fail go in [`KNOWN_BUGS`] and
//! `tests/corpus/known_bugs/<target>/` (never a fuzzer seed directory, where
//! they would stop every run at once); the replay asserts that they still
//! fail, so the list cannot outlive the bugs.

#![allow(clippy::unwrap_used)]

#[path = "../fuzz/src/properties/mod.rs"]
mod properties;

use std::panic::{self, AssertUnwindSafe};

use properties::KnownBug;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Derived inputs per target: enough to leave the seeds' neighbourhood,
/// few enough for a debug build to finish in seconds.
const MUTATIONS: usize = 5000;
/// A safety net, not the bound that normally applies: stop mutating a
/// target after this long (a slow machine runs fewer inputs, the same ones).
const TIME_BUDGET: Duration = Duration::from_secs(8);

/// Inputs that still break a property, one entry per file under
/// `tests/corpus/known_bugs/<target>/`: (target, file name, the bug). They
/// are replayed in strict mode and must still fail. When a bug is fixed,
/// move its file into `tests/corpus/<target>/`, and delete its entry here
/// and its [`KnownBug`] variant.
const KNOWN_BUGS: &[(&str, &str, KnownBug)] = &[];

fn corpus_dir(parts: &[&str]) -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    dir.extend(parts);
    dir
}

/// The files of a directory, by name, so the order (and with it the
/// generator's choices) is the same everywhere.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Runs one input; `Err` carries the panic message.
fn run(property: fn(&[u8]), input: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| property(input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned())
    })
}

/// Keeps a failing input where it can be picked up, and describes it.
fn report(target: &str, label: &str, input: &[u8], message: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-failures");
    let path = dir.join(format!("{target}-{label}"));
    let saved = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, input))
        .map_or_else(
            |e| format!("not saved: {e}"),
            |()| path.display().to_string(),
        );
    format!(
        "{target}/{label} ({saved}): {message}\n  input: {:?}",
        String::from_utf8_lossy(&input[..input.len().min(600)])
    )
}

/// Seeds, then derived inputs, then the known bugs; panics listing every
/// failure.
fn replay(target: &str, property: fn(&[u8])) {
    let seeds = files(&corpus_dir(&[target]));
    assert!(seeds.len() >= 20, "{target}: only {} seeds", seeds.len());
    let mut failures = Vec::new();
    for (name, input) in &seeds {
        if let Err(message) = run(property, input) {
            failures.push(report(target, name, input, &message));
        }
    }
    let mut rng = XorShift::new(target);
    let started = Instant::now();
    let mut ran = 0;
    while ran < MUTATIONS && started.elapsed() < TIME_BUDGET {
        let input = mutate(&mut rng, &seeds);
        if let Err(message) = run(property, &input) {
            failures.push(report(target, &format!("mutation-{ran}"), &input, &message));
            // One derived failure is enough: the rest are likely the same bug.
            break;
        }
        ran += 1;
    }
    eprintln!(
        "{target}: {} seeds, {ran} derived inputs in {:.1?}",
        seeds.len(),
        started.elapsed()
    );
    for (name, input) in files(&corpus_dir(&["known_bugs", target])) {
        let Some((_, _, bug)) = KNOWN_BUGS
            .iter()
            .find(|(t, n, _)| *t == target && *n == name)
        else {
            failures.push(format!(
                "{target}: known_bugs/{target}/{name} has no KNOWN_BUGS entry"
            ));
            continue;
        };
        if properties::strict(|| run(property, &input)).is_ok() {
            failures.push(format!(
                "{target}: known bug {bug:?} no longer shows: move known_bugs/{target}/{name} \
                 into tests/corpus/{target}/ and delete its KNOWN_BUGS entry"
            ));
        }
    }
    for (bug, count) in properties::tolerated() {
        if count > 0 {
            eprintln!("{target}: known bug {bug:?} tolerated {count} times so far");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn jwt_decode() {
    replay("jwt_decode", properties::jwt_decode);
}

#[test]
fn request_head() {
    replay("request_head", properties::request_head);
}

#[test]
fn json_body() {
    replay("json_body", properties::json_body);
}

#[test]
fn handler() {
    replay("handler", properties::handler);
}

/// Every KNOWN_BUGS entry names a file that exists.
#[test]
fn known_bugs_have_inputs() {
    for (target, name, _) in KNOWN_BUGS {
        assert!(
            corpus_dir(&["known_bugs", target, name]).is_file(),
            "KNOWN_BUGS names a missing file: known_bugs/{target}/{name}"
        );
    }
}

// ---------------------------------------------------------------------------
// Deterministic mutation
// ---------------------------------------------------------------------------

/// xorshift64* (Vigna 2016): tiny, no crate, and the same sequence on every
/// platform for a given seed.
struct XorShift(u64);

impl XorShift {
    /// Seeded from the target's name, so each target gets its own sequence
    /// and adding a target changes no other's.
    fn new(target: &str) -> XorShift {
        let seed = target.bytes().fold(0x9E37_79B9_7F4A_7C15_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
        XorShift(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes and fragments that matter to the formats under test: token
/// punctuation, JSON syntax and escapes, HTTP framing, form and multipart
/// syntax, numbers at the edges.
const FRAGMENTS: &[&[u8]] = &[
    b".",
    b"=",
    b"\0",
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\\ud83d\\ude00",
    b"{}",
    b"[]",
    b"null",
    b"true",
    b"1e400",
    b"-0",
    b"0.1",
    b"18446744073709551616",
    b"1735689600",
    b"\"exp\":",
    b"\"aud\":",
    b"\"iss\":",
    b"\"alg\":\"HS256\"",
    b"\"kid\":",
    b"\"crit\":[]",
    b"eyJ",
    b"Host: x\r\n",
    b"Content-Length: 0\r\n",
    b"Content-Length: 5\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Connection: close\r\n",
    b"Connection: keep-alive\r\n",
    b"Expect: 100-continue\r\n",
    b" HTTP/1.1\r\n",
    b" HTTP/1.0\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"Content-Type: application/json\n",
    b"Authorization: Bearer ",
    b"&",
    b"%",
    b"%00",
    b"+",
    b";",
    b"; charset=latin-1",
    b"; boundary=BB",
    b"--BB\r\n",
    b"--BB--",
    b"Content-Disposition: form-data; name=\"token\"\r\n\r\n",
    b"filename=\"f\"",
    b"*0=",
    b"*=utf-8''",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\xa9",
];

/// One derived input: a seed with one to four edits, libFuzzer-style.
fn mutate(rng: &mut XorShift, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = rng.pick(seeds).1.clone();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(10) {
            // Flip one bit.
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            // Overwrite a byte with anything.
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            // Insert a fragment.
            2 | 3 => {
                let at = rng.below(len + 1);
                let fragment = *rng.pick(FRAGMENTS);
                data.splice(at..at, fragment.iter().copied());
            }
            // Overwrite with a fragment.
            4 if len > 0 => {
                let at = rng.below(len);
                let fragment = *rng.pick(FRAGMENTS);
                let end = (at + fragment.len()).min(len);
                data.splice(at..end, fragment.iter().copied());
            }
            // Delete a short range.
            5 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(8)).min(len);
                data.drain(at..end);
            }
            // Duplicate a range in place.
            6 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(32)).min(len);
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
            // Splice: keep a prefix, take another seed's suffix.
            7 => {
                let other = &rng.pick(seeds).1;
                let keep = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(keep);
                data.extend_from_slice(&other[from..]);
            }
            // Truncate.
            8 if len > 0 => data.truncate(rng.below(len)),
            // Change a digit: lengths, times and numbers move by a little.
            _ => {
                let digits: Vec<usize> = (0..len).filter(|&i| data[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let i = *rng.pick(&digits);
                    data[i] = b'0' + rng.below(10) as u8;
                }
            }
        }
    }
    data
}
