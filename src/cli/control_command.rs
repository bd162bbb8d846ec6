//! The control commands (`key list|rotate|retire ID`, `user revoke NAME`)
//! from the command line: run here on the database, or, while a running
//! server holds it, sent to that server through its control socket.

use std::path::Path;
use std::sync::Arc;

use super::CliError;
use crate::clock::Clock;
use crate::config::Settings;
use crate::control::{self, ControlCommand, Operator};
use crate::store::{Store, StoreError};

/// A control command: here on the database, or, when a running server
/// holds it, by that server through its control socket.
pub(super) fn run(
    command: &ControlCommand,
    settings: &Settings,
    db: &Path,
) -> Result<u8, CliError> {
    super::warn_if_exposed(db);
    if !db.exists() {
        return Err(super::no_database(db));
    }
    let reply = match Store::open(db, settings.cache_size) {
        Ok(store) => {
            let store = Arc::new(store);
            let clock = Arc::new(Clock::System);
            let accounts = super::accounts_on(store.clone(), clock.clone(), settings.clone())?;
            command.run(&Operator::Database {
                settings,
                store: &store,
                accounts: &accounts,
                clock: &clock,
            })
        }
        Err(StoreError::InUse) => {
            let Some(path) = settings.control_socket.path(db) else {
                return Err(CliError(format!(
                    "the database {} is in use by a running server, and CONTROL_SOCKET is off",
                    db.display()
                )));
            };
            control::request(&path, db, command).map_err(|e| {
                CliError(format!(
                    "the database {} is in use by a running server, and its control socket {} \
                     cannot be used: {e}",
                    db.display(),
                    path.display()
                ))
            })?
        }
        Err(e) => return Err(CliError(format!("cannot open {}: {e}", db.display()))),
    };
    print!("{}", reply.out);
    match reply.code {
        0 => Ok(0),
        _ => Err(CliError(reply.err)),
    }
}
