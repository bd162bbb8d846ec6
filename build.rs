//! Build step: the OpenAPI document, written indented for its readers in
//! `src/api/endpoints/openapi.json`, is embedded without the whitespace
//! between tokens (a third of its bytes). Strings are copied untouched.

use std::path::Path;

fn main() {
    let source = "src/api/endpoints/openapi.json";
    println!("cargo::rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("the OpenAPI document is readable");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("openapi.json"), minified(&text))
        .expect("OUT_DIR is writable");
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
