//! `jwtd token explain`: its help, its parser, and what the command line
//! adds to the analysis in `crate::explain`: the token from the argument
//! or standard input, the key found as the server finds it, and what the
//! database says of the token.

use std::io::{self, BufRead as _, IsTerminal as _, Read as _};
use std::path::Path;

use super::arguments::Arguments;
use super::{session, CliError, Command, Creates, UsageError};
use crate::clock::Clock;
use crate::config::Settings;
use crate::control::{self, ControlCommand, Secret};
use crate::explain::{self, KeyChoice};
use crate::jwt;
use crate::keys;
use crate::store::Address;

pub(super) const HELP: &str = "\
Take a token apart: its segments, header and payload decoded, its dates,
the exact signing input, the HMAC recomputed beside the one in the token,
then every numbered check of the server's own decoder, with pass or fail.

Usage: jwtd token explain [TOKEN] [--json] [--db PATH] [--config FILE]

The token comes from the argument, else standard input (also with `-`; at
a terminal it is asked for); a leading `Bearer ` is dropped. The key is the
server's: with a running server, its own keys (asked through its control
socket, which also says whether the token is blacklisted or revoked);
else JWTD_SIGNING_KEY, JWTD_SIGNING_KEY_FILE or SIGNING_KEY_FILE, else the
keys in the database. Without a key the token is still decoded, but the
signature is not checked.

Settings (ALGORITHM, LEEWAY, AUDIENCE, ISSUER, ...) are the running
server's, or read as `serve` reads them, so the checks are the server's.

Options:
  --json           Print the same as one JSON object

Exit status: 0 valid, 1 refused, 2 usage error, 3 signature not checked.
";

/// Parses `token ...`: alone, the help.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["token", "explain", rest @ ..] if rest.len() <= 1 => {
            arguments.allow_flags(&["--json"])?;
            Ok(Command::TokenExplain {
                token: rest.first().map(|t| (*t).to_owned()),
                json: arguments.flag("--json"),
            })
        }
        ["token"] => Ok(Command::Help(HELP)),
        _ => Err(UsageError::new(format!(
            "unknown token command: {}",
            words[1..].join(" ")
        ))),
    }
}

/// `token explain`: prints the explanation, returns its exit status. The
/// database's keys and state are read where the database is (a running
/// server's own keys, through its control socket); with no database, the
/// token is explained with a configured key, or none.
pub(super) fn explain(
    token: Option<String>,
    json: bool,
    settings: &Settings,
    db: &Address,
) -> Result<u8, CliError> {
    let token = match token.filter(|t| t != "-") {
        Some(token) => token,
        None => read_token()?,
    };
    let token = token.trim();
    let token = match token.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    };
    if db.file().is_none_or(Path::exists) {
        let command = ControlCommand::TokenExplain {
            token: Secret(token.to_owned()),
            json,
        };
        return session::run(&command, settings, db, Creates::No);
    }
    let key = without_database(settings, db)?;
    let explanation = explain::explain(token, key, settings, Clock::System.now());
    session::print(control::rendered_explanation(&explanation, json))
}

/// The token on standard input; at a terminal, asked for.
fn read_token() -> Result<String, CliError> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "Paste the token (or `Bearer TOKEN`) and press Enter; \
             or pass it as an argument: jwtd token explain TOKEN"
        );
        let mut line = String::new();
        stdin
            .lock()
            .take(jwt::MAX_TOKEN_LEN as u64 * 4)
            .read_line(&mut line)?;
        if line.trim().is_empty() {
            return Err(CliError("no token given".into()));
        }
        return Ok(line);
    }
    // A token is at most 8 KiB; read a little more so that a longer one is
    // reported as too long rather than cut.
    let mut input = Vec::new();
    stdin
        .lock()
        .take(jwt::MAX_TOKEN_LEN as u64 * 4)
        .read_to_end(&mut input)?;
    String::from_utf8(input)
        .map_err(|_| CliError("the token on standard input is not UTF-8 text".into()))
}

/// The key to verify with when there is no database: a configured one.
fn without_database(settings: &Settings, db: &Address) -> Result<KeyChoice, CliError> {
    Ok(match keys::configured_secret(settings).map_err(CliError)? {
        Some((secret, source)) => {
            let key =
                jwt::Key::new(settings.algorithm, &secret).map_err(|e| CliError(e.to_string()))?;
            KeyChoice::Key {
                key: Box::new(jwt::Keyring::single(key)),
                source,
            }
        }
        None => KeyChoice::Missing(format!(
            "JWTD_SIGNING_KEY and JWTD_SIGNING_KEY_FILE are not set, and there is no \
             database {db}; give the key through one of them, or --db"
        )),
    })
}
