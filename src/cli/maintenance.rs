//! `jwtd flushexpiredtokens`: SimpleJWT's command of that name, which the
//! server also runs every `PURGE_INTERVAL`.

use super::arguments::Arguments;
use super::{unknown_command, CliError, Command, UsageError};
use crate::clock::Clock;
use crate::config::Settings;
use crate::store::{Change, ChangeOutcome, Store};

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
            Ok(Command::FlushExpiredTokens)
        }
        _ => Err(unknown_command(words)),
    }
}

/// Deletes the rows of expired refresh tokens and their blacklist entries.
pub(super) fn flush_expired_tokens(store: &Store, settings: &Settings) -> Result<u8, CliError> {
    // Rows outlive their tokens by LEEWAY, as the server keeps them.
    let outcomes = store.apply(&[Change::Purge {
        now: Clock::System.now().saturating_sub(settings.leeway),
    }])?;
    if let Some(ChangeOutcome::Purged {
        issued,
        blacklisted,
    }) = outcomes.first()
    {
        println!(
            "Deleted {issued} expired refresh token(s) and {blacklisted} blacklist entr(ies)."
        );
    }
    Ok(0)
}
