//! `jwtd backup PATH`: a consistent copy of the live database, run where
//! the database is (by a running server through its control socket, which
//! then writes the file, so the path is made absolute here first).

use std::path::{Path, PathBuf};

use super::arguments::Arguments;
use super::{session, wrong_arguments, CliError, Command, Creates, UsageError};
use crate::config::Settings;
use crate::control::ControlCommand;
use crate::store::Address;

pub(super) const HELP: &str = "\
Copy the database (users, tokens, signing keys) to a new file, consistent
as of one instant, while the server runs or not. The copy is readable by
its owner only (mode 0600); an existing file is never overwritten.

Usage: jwtd backup PATH [--db PATH] [--config FILE]

With a running server, the server writes the file, as its own user. To
restore: stop the server, copy the backup over the database file (keep it
mode 0600), and start the server again.
";

/// Parses `backup PATH`.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["backup", path] => {
            arguments.allow_flags(&[])?;
            Ok(Command::Backup(PathBuf::from(path)))
        }
        _ => Err(wrong_arguments(words, &["PATH"])),
    }
}

/// `backup PATH`.
pub(super) fn run(settings: &Settings, db: &Address, path: &Path) -> Result<u8, CliError> {
    let path =
        std::path::absolute(path).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    session::run(&ControlCommand::Backup(path), settings, db, Creates::No)
}
