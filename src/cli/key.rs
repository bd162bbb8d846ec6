//! `jwtd key`: its help and its parser. `key list`, `key rotate` and `key
//! retire ID` are [`ControlCommand`]s, run where the database is.
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use super::arguments::Arguments;
use super::{wrong_arguments, Command, UsageError};
use crate::control::ControlCommand;

pub(super) const HELP: &str = "\
Manage the signing keys kept in the database (when no key is configured
with JWTD_SIGNING_KEY or JWTD_SIGNING_KEY_FILE).

Usage:
  jwtd key list              Which key signs; ids, creation times and states
  jwtd key rotate            Make a new current key; the others keep verifying
  jwtd key retire ID [--force]
                             Refuse tokens signed with key ID from now on

Tokens name their key in the `kid` header. Rotating logs nobody out: tokens
signed with an older key verify until that key is retired. The current key
cannot be retired; rotate first. With a running server these commands go
through its control socket (CONTROL_SOCKET, beside the database), and the
server uses the new keys at once.

Options:
  --db PATH        Database: a redb file, or postgres://USER@HOST[:PORT]/DBNAME
                   [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

const LIST_HELP: &str = "\
Say which key signs new tokens (a configured key, or the database's
current key), then list the keys kept in the database: id, creation time,
and state (current, active: still verifies, retired: refused).

Usage: jwtd key list
";

const ROTATE_HELP: &str = "\
Make a new current signing key. Tokens signed with the previous keys keep
verifying until those keys are retired, so nobody is logged out.

Usage: jwtd key rotate
";

const RETIRE_HELP: &str = "\
Refuse tokens signed with key ID from now on.

Usage: jwtd key retire ID [--force]

A key signs until the next key is made, and its tokens live up to the
longest token lifetime (plus LEEWAY) after that. While such tokens can
still be live, retiring the key logs their holders out, so it is refused
unless --force is given. The current key cannot be retired: rotate first.
";

/// `jwtd key SUBCOMMAND --help`.
pub(super) const SUBCOMMANDS: &[(&str, &str)] = &[
    ("list", LIST_HELP),
    ("rotate", ROTATE_HELP),
    ("retire", RETIRE_HELP),
];

/// Parses `key ...`: alone, the help.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    let command = match words {
        ["key", "list"] => ControlCommand::KeyList,
        ["key", "rotate"] => ControlCommand::KeyRotate,
        ["key", "retire", kid] => {
            arguments.allow_flags(&["--force"])?;
            return Ok(Command::Control(ControlCommand::KeyRetire {
                kid: (*kid).to_owned(),
                force: arguments.flag("--force"),
            }));
        }
        ["key"] => return Ok(Command::Help(HELP)),
        ["key", "list" | "rotate", ..] => return Err(wrong_arguments(words, &[])),
        ["key", "retire", ..] => return Err(wrong_arguments(words, &["ID"])),
        _ => {
            return Err(UsageError::new(format!(
                "unknown key command: {}",
                words[1..].join(" ")
            )))
        }
    };
    arguments.allow_flags(&[])?;
    Ok(Command::Control(command))
}
