//! The commands the control socket carries, typed once: parsed from the
//! words typed after `jwtd` or sent on the socket, written back as those
//! words, and run on a store, by a running server or by the command line
//! when no server holds the database.

use crate::auth::{AccountError, Accounts, Auth};
use crate::clock::Clock;
use crate::config::Settings;
use crate::keys::{self, KeyState, KeysError};
use crate::log;
use crate::store::{Store, StoredKey, UserKey};

use super::Reply;

/// A command a running server carries out for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlCommand {
    /// `key list`: the signing keys and their states.
    KeyList,
    /// `key rotate`: a new current signing key.
    KeyRotate,
    /// `key retire ID`: refuse tokens signed with key ID.
    KeyRetire(String),
    /// `user revoke NAME`: revoke every token of the user.
    UserRevoke(String),
}

impl ControlCommand {
    /// The command `words` spell, if they spell one.
    pub fn from_words(words: &[&str]) -> Option<ControlCommand> {
        match words {
            ["key", "list"] => Some(ControlCommand::KeyList),
            ["key", "rotate"] => Some(ControlCommand::KeyRotate),
            ["key", "retire", kid] => Some(ControlCommand::KeyRetire((*kid).to_owned())),
            ["user", "revoke", name] => Some(ControlCommand::UserRevoke((*name).to_owned())),
            _ => None,
        }
    }

    /// Its words, as sent on the socket.
    pub fn words(&self) -> Vec<&str> {
        match self {
            ControlCommand::KeyList => vec!["key", "list"],
            ControlCommand::KeyRotate => vec!["key", "rotate"],
            ControlCommand::KeyRetire(kid) => vec!["key", "retire", kid],
            ControlCommand::UserRevoke(name) => vec!["user", "revoke", name],
        }
    }

    /// Runs the command on `store`: in a running server (`server` is its
    /// application, whose keys and writer are used), or in the command-line
    /// process when no server holds the database.
    pub fn run(&self, operator: &Operator<'_>) -> Reply {
        match self {
            ControlCommand::KeyList => match operator.signing_keys() {
                Ok(list) => Reply::done(keys::list_text(&list)),
                Err(e) => Reply::failed(e),
            },
            ControlCommand::KeyRotate => rotate(operator),
            ControlCommand::KeyRetire(kid) => retire(kid, operator),
            ControlCommand::UserRevoke(name) => revoke(name, operator),
        }
    }
}

/// Who carries a command out: the same named operations either way.
pub enum Operator<'a> {
    /// A running server: it signs with a new key from the next request on,
    /// and logs what its control socket was asked to do.
    Server(&'a Auth),
    /// The database, with no server holding it (the command line).
    Database {
        /// The settings, which say whether keys come from outside.
        settings: &'a Settings,
        /// The database.
        store: &'a Store,
        /// Account operations on it.
        accounts: &'a Accounts,
        /// Now.
        clock: &'a Clock,
    },
}

impl Operator<'_> {
    fn is_server(&self) -> bool {
        matches!(self, Operator::Server(_))
    }

    fn signing_keys(&self) -> Result<Vec<(StoredKey, KeyState)>, KeysError> {
        match self {
            Operator::Server(auth) => auth.signing_keys(),
            Operator::Database { store, .. } => keys::list(store),
        }
    }

    fn rotate_key(&self) -> Result<StoredKey, KeysError> {
        match self {
            Operator::Server(auth) => auth.rotate_key(),
            Operator::Database {
                settings,
                store,
                clock,
                ..
            } => keys::rotate(settings, store, clock),
        }
    }

    fn retire_key(&self, kid: &str) -> Result<(), KeysError> {
        match self {
            Operator::Server(auth) => auth.retire_key(kid),
            Operator::Database { store, clock, .. } => keys::retire(store, kid, clock),
        }
    }

    fn accounts(&self) -> &Accounts {
        match self {
            Operator::Server(auth) => auth.accounts(),
            Operator::Database { accounts, .. } => accounts,
        }
    }
}

fn rotate(operator: &Operator<'_>) -> Reply {
    match operator.rotate_key() {
        Ok(key) => {
            if operator.is_server() {
                log::info(&format!("signing keys: new current key {}", key.kid));
            }
            Reply::done(format!(
                "New current key {}. Tokens signed with the previous keys keep \
                 verifying until `jwtd key retire ID`.\n",
                key.kid
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

fn retire(kid: &str, operator: &Operator<'_>) -> Reply {
    match operator.retire_key(kid) {
        Ok(()) => {
            if operator.is_server() {
                log::info(&format!("signing keys: key {kid} retired"));
            }
            Reply::done(format!(
                "Retired key {kid}: tokens signed with it are refused from now on.\n"
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

fn revoke(name: &str, operator: &Operator<'_>) -> Reply {
    match operator
        .accounts()
        .revoke(UserKey::Username(name.to_owned()))
    {
        Ok((user, tokens)) => {
            // The server logs what its control socket was asked to do.
            if operator.is_server() {
                log::info(&format!(
                    "user {name:?} (id {}) revoked through the control socket: \
                     {tokens} refresh token(s) blacklisted",
                    user.id
                ));
            }
            Reply::done(format!(
                "Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted).\n"
            ))
        }
        Err(AccountError::NoSuchUser) => Reply::failed(format!("no user named {name:?}")),
        Err(e) => Reply::failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_as_the_same_command() {
        for words in [
            &["key", "list"][..],
            &["key", "rotate"],
            &["key", "retire", "k1"],
            &["user", "revoke", "alice"],
        ] {
            let command = ControlCommand::from_words(words);
            assert_eq!(
                command.as_ref().map(ControlCommand::words),
                Some(words.to_vec())
            );
        }
        for other in [
            &["key"][..],
            &["key", "retire"],
            &["key", "list", "x"],
            &["user", "delete", "alice"],
            &["user", "revoke"],
        ] {
            assert_eq!(ControlCommand::from_words(other), None, "{other:?}");
        }
    }
}
