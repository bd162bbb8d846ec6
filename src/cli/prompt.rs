//! Reading a new password: from the terminal without echo, asked for
//! twice, or from the first line of standard input with
//! `--password-stdin`. Whether it can be used is `user`'s rule.

use std::io::{self, BufRead as _, IsTerminal as _, Write as _};
use std::os::fd::AsRawFd;

use super::CliError;
use crate::sys;

/// The password, as typed or as read.
pub(super) fn new_password(from_stdin: bool) -> Result<String, CliError> {
    let stdin = io::stdin();
    if from_stdin {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(strip_newline(line));
    }
    if !stdin.is_terminal() {
        return Err(CliError(
            "standard input is not a terminal: pass --password-stdin to read the password from it"
                .into(),
        ));
    }
    let first = prompt("Password: ")?;
    let second = prompt("Password (again): ")?;
    if first != second {
        return Err(CliError("the passwords do not match".into()));
    }
    Ok(first)
}

fn prompt(label: &str) -> Result<String, CliError> {
    eprint!("{label}");
    io::stderr().flush()?;
    let stdin = io::stdin();
    let line = sys::without_echo(stdin.as_raw_fd(), || {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map(|_| line)
    })??;
    eprintln!();
    Ok(strip_newline(line))
}

fn strip_newline(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_are_stripped() {
        assert_eq!(strip_newline("pw\r\n".into()), "pw");
        assert_eq!(strip_newline("pw\n".into()), "pw");
        assert_eq!(strip_newline("pw".into()), "pw");
    }
}
