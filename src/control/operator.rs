//! Who carries a command out: a running server, with its keys in memory,
//! or the command line on a database no server holds. Both offer the same
//! named operations, so a command's text is written once.

use std::sync::Arc;

use crate::app::App;
use crate::auth::Accounts;
use crate::clock::Clock;
use crate::config::Settings;
use crate::explain::KeyChoice;
use crate::jwt::{Key, Keyring};
use crate::keys::{self, KeyState, KeysError};
use crate::log;
use crate::store::{Store, StoredKey};

/// The holder of the database a command runs on.
pub enum Operator<'a> {
    /// A running server: it signs with a new key from the next request on,
    /// and logs what its control socket was asked to do.
    Server(&'a App),
    /// The database, with no server holding it (the command line).
    Database {
        /// The settings, which say whether keys come from outside.
        settings: &'a Arc<Settings>,
        /// The database.
        store: &'a Store,
        /// Account operations on it.
        accounts: &'a Accounts,
        /// Now.
        clock: &'a Clock,
    },
}

impl Operator<'_> {
    /// Logs `what` in a server, where the control socket's work belongs in
    /// the server's log; the command line prints its own reply instead.
    pub(super) fn log(&self, what: &str) {
        if let Operator::Server(_) = self {
            log::info(&format!("control socket: {what}"));
        }
    }

    /// The settings in force where the command runs.
    pub(super) fn settings(&self) -> Arc<Settings> {
        match self {
            Operator::Server(app) => app.settings(),
            Operator::Database { settings, .. } => Arc::clone(settings),
        }
    }

    /// Now.
    pub(super) fn clock(&self) -> &Clock {
        match self {
            Operator::Server(app) => &app.clock,
            Operator::Database { clock, .. } => clock,
        }
    }

    /// Account operations (and the database's upkeep).
    pub(super) fn accounts(&self) -> &Accounts {
        match self {
            Operator::Server(app) => app.auth.accounts(),
            Operator::Database { accounts, .. } => accounts,
        }
    }

    /// The keys kept in the database, each with its state.
    pub(super) fn signing_keys(&self) -> Result<Vec<(StoredKey, KeyState)>, KeysError> {
        match self {
            Operator::Server(app) => app.auth.signing_keys(),
            Operator::Database {
                settings, store, ..
            } => keys::list(store, settings.algorithm),
        }
    }

    /// A new current key, signing from now on.
    pub(super) fn rotate_key(&self) -> Result<StoredKey, KeysError> {
        match self {
            Operator::Server(app) => app.auth.rotate_key(),
            Operator::Database {
                settings,
                store,
                clock,
                ..
            } => keys::rotate(settings, store, clock),
        }
    }

    /// The key `kid` retired: tokens naming it are refused from now on.
    pub(super) fn retire_key(&self, kid: &str) -> Result<(), KeysError> {
        match self {
            Operator::Server(app) => app.auth.retire_key(kid),
            Operator::Database {
                settings,
                store,
                clock,
                ..
            } => keys::retire(store, settings.algorithm, kid, clock),
        }
    }

    /// The keys tokens are verified with here, as the server finds them
    /// (none is ever made for this), and where they come from.
    pub(super) fn verifying_keys(&self) -> Result<KeyChoice, KeysError> {
        let settings = self.settings();
        if let Some((secret, source)) =
            keys::configured_secret(&settings).map_err(KeysError::Unusable)?
        {
            if let Operator::Server(app) = self {
                return Ok(KeyChoice::Key {
                    key: Box::new(app.auth.keyring()),
                    source: format!("the running server's key ({source})"),
                });
            }
            let key = Key::new(settings.algorithm, &secret)
                .map_err(|e| KeysError::Unusable(e.to_string()))?;
            return Ok(KeyChoice::Key {
                key: Box::new(Keyring::single(key)),
                source,
            });
        }
        let ring = match self {
            Operator::Server(app) => app.auth.keyring(),
            Operator::Database {
                settings, store, ..
            } => {
                if store.signing_keys()?.is_empty() {
                    return database_key_before_ids(settings, store);
                }
                keys::from_database(settings, store)?
            }
        };
        let whose = match self {
            Operator::Server(_) => "the running server's keys",
            Operator::Database { .. } => "the database's keys",
        };
        let source = format!("{whose} ({})", ring.kids().collect::<Vec<_>>().join(", "));
        Ok(KeyChoice::Key {
            key: Box::new(ring),
            source,
        })
    }
}

/// The key of a database written before keys had ids, or never served.
fn database_key_before_ids(settings: &Settings, store: &Store) -> Result<KeyChoice, KeysError> {
    match store.signing_key()? {
        Some(secret) => {
            let key = Key::new(settings.algorithm, &secret)
                .map_err(|e| KeysError::Unusable(e.to_string()))?;
            Ok(KeyChoice::Key {
                key: Box::new(Keyring::single(key)),
                source: "the database's key".into(),
            })
        }
        None => Ok(KeyChoice::Missing(
            "the database holds no key yet (the server makes one on first start)".into(),
        )),
    }
}
