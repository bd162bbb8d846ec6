//! What the text and the JSON renderings of an explanation write alike:
//! dates in UTC, spans of time in words, bytes in hex.

use std::fmt::Write as _;

use super::analysis::Time;
use crate::time;

impl Time {
    /// "expires in 4 min 10 s", "2 h ago".
    pub(super) fn relative(&self, seconds: f64) -> String {
        let delta = seconds - self.now as f64;
        let span = duration(delta.abs());
        match (self.name, delta > 0.0) {
            ("exp", true) => format!("expires in {span}"),
            ("exp", false) => format!("expired {span} ago"),
            ("refresh_exp", true) => format!("refreshable for {span}"),
            ("refresh_exp", false) => format!("refresh period over {span} ago"),
            (_, true) => format!("{span} in the future"),
            (_, false) if delta == 0.0 => "now".to_owned(),
            (_, false) => format!("{span} ago"),
        }
    }
}

/// `seconds` since the epoch as RFC 3339 in UTC.
pub(super) fn utc(seconds: f64) -> String {
    time::rfc3339((seconds as i64).saturating_mul(1_000_000), false)
}

/// "1 d 2 h", "4 min 10 s", "0 s": the two largest units.
pub(super) fn duration(seconds: f64) -> String {
    let total = seconds as u64;
    let units = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = total;
    for (size, name) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{} {name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

/// Lowercase hex, two digits a byte.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
