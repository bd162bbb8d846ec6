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
use std::io::Write as _;

use crate::time;

/// Buffered lines are written once they pass this size (below PIPE_BUF, so
/// a write to a pipe is atomic).
const BUFFER: usize = 3584;

thread_local! {
    static PENDING: RefCell<String> = const { RefCell::new(String::new()) };
}

fn format_line(out: &mut String, level: &str, message: &str) {
    out.push_str(&time::rfc3339_now());
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
/// buffer is full.
pub fn buffered(message: &str) {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        format_line(&mut pending, "INFO", message);
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
