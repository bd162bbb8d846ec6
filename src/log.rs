//! Log lines on stderr: `<UTC time> <level> <message>`. Each `write` holds
//! whole lines, so lines from different threads never interleave. Nothing
//! secret is ever passed here: no token, password, key or Authorization
//! header.
//!
//! Access-log lines are buffered per thread ([`buffered`]) and written in
//! one go when the buffer fills or the thread is about to wait
//! ([`flush`]): under load that is one write for many requests instead of
//! one per request, and an idle server still writes every line at once.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;

use crate::time;

/// Buffered lines are written once they pass this size (below PIPE_BUF, so
/// a write to a pipe is atomic).
const BUFFER: usize = 3584;

thread_local! {
    static PENDING: RefCell<String> = const { RefCell::new(String::new()) };
    /// This thread's last whole second and its text, up to the seconds.
    static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// Appends the current time to the millisecond (`2026-12-07T02:59:31.458Z`);
/// the calendar is worked out once per second per thread.
fn push_now(out: &mut String) {
    let micros = time::now_micros();
    let seconds = micros.div_euclid(1_000_000);
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != seconds {
            let mut text = time::rfc3339(seconds * 1_000_000, false);
            text.pop(); // the `Z`
            *second = (seconds, text);
        }
        out.push_str(&second.1);
    });
    let millis = micros.rem_euclid(1_000_000) / 1000;
    let _ = write!(out, ".{millis:03}Z");
}

fn format_line(out: &mut String, level: &str, message: &str) {
    push_now(out);
    out.push(' ');
    out.push_str(level);
    out.push(' ');
    out.push_str(message);
    out.push('\n');
}

fn line(level: &str, message: &str) {
    let mut text = String::with_capacity(message.len() + 40);
    format_line(&mut text, level, message);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// An INFO line held in this thread's buffer until [`flush`] or until the
/// buffer is full; `message` writes its text straight into the buffer.
pub fn buffered(message: impl FnOnce(&mut String)) {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        push_now(&mut pending);
        pending.push_str(" INFO ");
        message(&mut pending);
        pending.push('\n');
        if pending.len() >= BUFFER {
            let _ = std::io::stderr().lock().write_all(pending.as_bytes());
            pending.clear();
        }
    });
}

/// Writes this thread's buffered lines, if any.
pub fn flush() {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        if !pending.is_empty() {
            let _ = std::io::stderr().lock().write_all(pending.as_bytes());
            pending.clear();
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_times_have_milliseconds_and_the_seconds_of_their_second() {
        let before = time::now_micros().div_euclid(1_000_000);
        let mut text = String::new();
        push_now(&mut text);
        push_now(&mut text);
        let after = time::now_micros().div_euclid(1_000_000);
        for stamp in [&text[..24], &text[24..]] {
            assert_eq!(stamp.len(), "2025-01-01T00:00:00.000Z".len(), "{stamp}");
            assert!(stamp.ends_with('Z') && &stamp[19..20] == ".", "{stamp}");
            assert!(stamp[20..23].bytes().all(|b| b.is_ascii_digit()), "{stamp}");
            let second = &stamp[..19];
            let possible: Vec<String> = (before..=after)
                .map(|s| time::rfc3339(s * 1_000_000, false)[..19].to_owned())
                .collect();
            assert!(possible.iter().any(|p| p == second), "{stamp}");
        }
    }
}
