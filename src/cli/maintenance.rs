//! `jwtd flushexpiredtokens`: SimpleJWT's command of that name, which the
//! server also runs every `PURGE_INTERVAL`. A [`ControlCommand`], run where
//! the database is.
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use super::arguments::Arguments;
use super::{unknown_command, Command, UsageError};
use crate::control::ControlCommand;

pub(super) const HELP: &str = "\
Delete rows of refresh tokens whose expiry has passed, and their blacklist
entries (SimpleJWT's flushexpiredtokens). The server also does this every
PURGE_INTERVAL.

Usage: jwtd flushexpiredtokens [--db PATH] [--config FILE]
";

/// Parses `flushexpiredtokens`.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["flushexpiredtokens"] => {
            arguments.allow_flags(&[])?;
            Ok(Command::Control(ControlCommand::FlushExpiredTokens))
        }
        _ => Err(unknown_command(words)),
    }
}
