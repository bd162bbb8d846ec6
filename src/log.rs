//! Log lines on stderr: `<UTC time> <level> <message>`. One `write` per line,
//! so lines from different threads never interleave. Nothing secret is ever
//! passed here: no token, password, key or Authorization header.

use std::io::Write as _;

use crate::time;

fn line(level: &str, message: &str) {
    let text = format!("{} {level} {message}\n", time::rfc3339_now());
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Something an operator may want to know.
pub fn info(message: &str) {
    line("INFO", message);
}

/// Something that needs an operator's attention.
pub fn warn(message: &str) {
    line("WARN", message);
}

/// A failure.
pub fn error(message: &str) {
    line("ERROR", message);
}
