//! `jwtd token explain`: its help, its parser, and what the command line
//! adds to the analysis in `crate::explain`: the token from the argument
//! or standard input, the key found as the server finds it, and what the
//! database says of the token.

use std::io::{self, Read as _};
use std::path::Path;

use super::arguments::Arguments;
use super::{CliError, Command, UsageError};
use crate::clock::Clock;
use crate::config::Settings;
use crate::explain::{self, KeyChoice};
use crate::jwt;
use crate::keys;
use crate::store::{Store, StoreError};
use crate::token;

pub(super) const HELP: &str = "\
Take a token apart: its segments, header and payload decoded, its dates,
the exact signing input, the HMAC recomputed beside the one in the token,
then every numbered check of the server's own decoder, with pass or fail.

Usage: jwtd token explain [TOKEN] [--json] [--db PATH] [--config FILE]

The token comes from the argument, else standard input (also with `-`); a
leading `Bearer ` is dropped. The key comes from JWTD_SIGNING_KEY, else
JWTD_SIGNING_KEY_FILE or SIGNING_KEY_FILE, else the key generated in the
database (which a running server holds locked: give it the key through the
environment instead). Without a key the token is still decoded, but the
signature is not checked.

Settings (ALGORITHM, LEEWAY, AUDIENCE, ISSUER, ...) are read as `serve`
reads them, so the checks are the server's.

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

/// `token explain`: prints the explanation, returns its exit status.
pub(super) fn explain(
    token: Option<String>,
    json: bool,
    settings: &Settings,
    db: &Path,
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
    // The database is opened once, for its keys and for its blacklist and
    // revocations; a running server holds it, and then neither is read.
    super::warn_if_exposed(db);
    let store = match db.exists().then(|| Store::open(db, settings.cache_size)) {
        None => Err(format!("there is no database {}", db.display())),
        Some(Err(StoreError::InUse)) => Err(format!(
            "the database {} is in use by a running server",
            db.display()
        )),
        Some(Err(e)) => return Err(CliError(format!("cannot open {}: {e}", db.display()))),
        Some(Ok(store)) => Ok(store),
    };
    let key = explain_key(settings, db, store.as_ref())?;
    let mut explanation = explain::explain(token, key, settings, Clock::System.now());
    if let Ok(store) = &store {
        if let Some(facts) = store_facts(&explanation, settings, store) {
            explanation = explanation.with_state(facts);
        }
    }
    if json {
        println!("{:#}", explanation.to_json());
    } else {
        print!("{}", explanation.to_text());
    }
    Ok(explanation.verdict().exit_code())
}

/// The token on standard input.
fn read_token() -> Result<String, CliError> {
    // A token is at most 8 KiB; read a little more so that a longer one is
    // reported as too long rather than cut.
    let mut input = Vec::new();
    io::stdin()
        .lock()
        .take(jwt::MAX_TOKEN_LEN as u64 * 4)
        .read_to_end(&mut input)?;
    String::from_utf8(input)
        .map_err(|_| CliError("the token on standard input is not UTF-8 text".into()))
}

/// What the database says of an explained token: its jti blacklisted, its
/// user's tokens revoked since it was issued. `None` when the token did not
/// decode.
fn store_facts(
    explanation: &explain::Explanation,
    settings: &Settings,
    store: &Store,
) -> Option<explain::StoreFacts> {
    let claims = explanation.claims()?;
    let blacklisted = match claims.get_str(settings.jti_claim.as_deref().unwrap_or("jti")) {
        Some(jti) => store.is_blacklisted(jti).ok()?,
        None => false,
    };
    let revoked = match token::user_claim(claims, &settings.user_id_claim) {
        token::UserClaim::Id(id) => store
            .user(id)
            .ok()?
            .is_some_and(|user| token::Tokens::revoked_for(claims, &user)),
        _ => false,
    };
    Some(explain::StoreFacts {
        blacklisted,
        revoked,
    })
}

/// The keys `token explain` verifies with: the server's, found the way the
/// server finds them, except that none is ever generated.
fn explain_key(
    settings: &Settings,
    db: &Path,
    store: Result<&Store, &String>,
) -> Result<KeyChoice, CliError> {
    if let Some((secret, source)) = keys::configured_secret(settings).map_err(CliError)? {
        let key = jwt::SigningKey::new(settings.algorithm, &secret)
            .map_err(|e| CliError(e.to_string()))?;
        return Ok(KeyChoice::Key {
            key: Box::new(jwt::Keyring::single(key)),
            source,
        });
    }
    let store = match store {
        Ok(store) => store,
        Err(why) => {
            return Ok(KeyChoice::Missing(format!(
                "JWTD_SIGNING_KEY and JWTD_SIGNING_KEY_FILE are not set, and {why}; \
                 give the key through one of them"
            )))
        }
    };
    if store.signing_keys()?.is_empty() {
        // Written by a jwtd from before keys had ids, or never served.
        return match store.signing_key()? {
            Some(secret) => {
                let key = jwt::SigningKey::new(settings.algorithm, &secret)
                    .map_err(|e| CliError(e.to_string()))?;
                Ok(KeyChoice::Key {
                    key: Box::new(jwt::Keyring::single(key)),
                    source: format!("the database {}", db.display()),
                })
            }
            None => Ok(KeyChoice::Missing(format!(
                "the database {} holds no key yet (the server makes one on first start)",
                db.display()
            ))),
        };
    }
    let ring = keys::from_database(settings, store).map_err(|e| CliError(e.to_string()))?;
    let source = format!(
        "the database {} (keys {})",
        db.display(),
        ring.kids().collect::<Vec<_>>().join(", ")
    );
    Ok(KeyChoice::Key {
        key: Box::new(ring),
        source,
    })
}
