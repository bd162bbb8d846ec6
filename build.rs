//! Build step: the documents the binary serves, packed (`src/packed.rs`
//! has the format and the unpacker). The OpenAPI document, written
//! indented for its readers in `src/api/endpoints/openapi.json`, loses the
//! whitespace between its tokens first; strings are copied untouched.
//! And the link options of `build/link_options.rs`.

#[path = "build/link_options.rs"]
mod link_options;

use std::collections::HashMap;
use std::path::Path;

fn main() {
    link_options::emit();
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    for (source, name, minify) in [
        ("src/api/endpoints/openapi.json", "openapi.json.lz", true),
        ("src/api/endpoints/page.html", "page.html.lz", false),
    ] {
        println!("cargo::rerun-if-changed={source}");
        let text = std::fs::read_to_string(source).expect("the document is readable");
        let text = if minify { minified(&text) } else { text };
        std::fs::write(out.join(name), pack(text.as_bytes())).expect("OUT_DIR is writable");
    }
}

/// `json` without whitespace outside strings.
fn minified(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// LZSS, greedy: at each byte the longest earlier match (up to 256
/// candidates with the same first three bytes), else a literal.
fn pack(data: &[u8]) -> Vec<u8> {
    const MIN: usize = 4;
    const MAX: usize = 255 + MIN;
    const WINDOW: usize = 65_535;
    let mut out = Vec::new();
    let mut seen: HashMap<&[u8], Vec<usize>> = HashMap::new();
    let (mut i, mut flags_at, mut bit) = (0, 0, 8);
    while i < data.len() {
        if bit == 8 {
            flags_at = out.len();
            out.push(0u8);
            bit = 0;
        }
        let (mut best, mut offset) = (0, 0);
        if let Some(earlier) = data.get(i..i + 3).and_then(|key| seen.get(key)) {
            for &p in earlier.iter().rev().take(256) {
                if i - p > WINDOW {
                    break;
                }
                let length = (0..MAX.min(data.len() - i))
                    .take_while(|&k| data[p + k] == data[i + k])
                    .count();
                if length > best {
                    (best, offset) = (length, i - p);
                }
            }
        }
        let step = if best >= MIN {
            out[flags_at] |= 1 << bit;
            out.extend_from_slice(&(offset as u16).to_be_bytes());
            out.push((best - MIN) as u8);
            best
        } else {
            out.push(data[i]);
            1
        };
        for k in i..i + step {
            if let Some(key) = data.get(k..k + 3) {
                seen.entry(key).or_default().push(k);
            }
        }
        i += step;
        bit += 1;
    }
    out
}
