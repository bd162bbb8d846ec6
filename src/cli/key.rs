//! `jwtd key`: its help. `key list`, `key rotate` and `key retire ID` are
//! [`ControlCommand`]s, parsed before the families and run by
//! `control_command`; here are only the words that are none of them.
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use super::arguments::Arguments;
use super::{wrong_arguments, Command, UsageError};

pub(super) const HELP: &str = "\
Manage the signing keys kept in the database (when no key is configured
with JWTD_SIGNING_KEY or JWTD_SIGNING_KEY_FILE).

Usage:
  jwtd key list            Ids, creation times and states (current, active, retired)
  jwtd key rotate          Make a new current key; the others keep verifying
  jwtd key retire ID       Refuse tokens signed with key ID from now on

Tokens name their key in the `kid` header. Rotating logs nobody out: tokens
signed with an older key verify until that key is retired. The current key
cannot be retired; rotate first. With a running server these commands go
through its control socket (CONTROL_SOCKET, beside the database), and the
server uses the new keys at once.

Options:
  --db PATH        Database file [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

/// Parses the `key` words that are no control command: alone, the help.
pub(super) fn parse(words: &[&str], _: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["key"] => Ok(Command::Help(HELP)),
        ["key", "list" | "rotate", ..] => Err(wrong_arguments(words, &[])),
        ["key", "retire", ..] => Err(wrong_arguments(words, &["ID"])),
        _ => Err(UsageError::new(format!(
            "unknown key command: {}",
            words[1..].join(" ")
        ))),
    }
}
