//! The commands the control socket carries, typed once: parsed from the
//! words typed after `jwtd` or sent on the socket, written back as those
//! words, and run on a store, by a running server or by the command line
//! when no server holds the database.

use crate::app::App;
use crate::auth;
use crate::config::Settings;
use crate::keys;
use crate::log;
use crate::store::{ChangeOutcome, Store, StoreError};
use crate::time;

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
    pub fn run(&self, settings: &Settings, store: &Store, server: Option<&App>) -> Reply {
        match self {
            ControlCommand::KeyList => match keys::list(store) {
                Ok(list) => Reply::done(keys::list_text(&list)),
                Err(e) => Reply::failed(e),
            },
            ControlCommand::KeyRotate => rotate(settings, store, server),
            ControlCommand::KeyRetire(kid) => retire(kid, settings, store, server),
            ControlCommand::UserRevoke(name) => revoke(name, store, server),
        }
    }
}

/// Gives a running server the keys now in `store`.
fn reload(settings: &Settings, store: &Store, server: Option<&App>) -> Result<(), keys::KeysError> {
    if let Some(app) = server {
        let ring = keys::from_database(settings, store)?;
        app.auth.tokens().set_keys(ring);
    }
    Ok(())
}

fn rotate(settings: &Settings, store: &Store, server: Option<&App>) -> Reply {
    match keys::rotate(settings, store).and_then(|key| {
        reload(settings, store, server)?;
        Ok(key)
    }) {
        Ok(key) => {
            if server.is_some() {
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

fn retire(kid: &str, settings: &Settings, store: &Store, server: Option<&App>) -> Reply {
    match keys::retire(store, kid).and_then(|()| reload(settings, store, server)) {
        Ok(()) => {
            if server.is_some() {
                log::info(&format!("signing keys: key {kid} retired"));
            }
            Reply::done(format!(
                "Retired key {kid}: tokens signed with it are refused from now on.\n"
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

fn revoke(name: &str, store: &Store, server: Option<&App>) -> Reply {
    let user = match store.user_by_name(name) {
        Ok(Some(user)) => user,
        Ok(None) => return Reply::failed(format!("no user named {name:?}")),
        Err(e) => return Reply::failed(e),
    };
    let revoked = match server {
        Some(app) => app
            .auth
            .revoke_user(user.id, app.now())
            .map_err(|e| e.to_string()),
        None => revoke_in_store(store, user.id).map_err(|e| e.to_string()),
    };
    match revoked {
        Ok(Some(tokens)) => {
            // The server logs what its control socket was asked to do.
            if server.is_some() {
                log::info(&format!(
                "user {name:?} (id {}) revoked through the control socket: {tokens} refresh token(s) blacklisted",
                user.id
            ));
            }
            Reply::done(format!(
                "Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted).\n"
            ))
        }
        Ok(None) => Reply::failed(format!("no user named {name:?}")),
        Err(e) => Reply::failed(e),
    }
}

/// `Auth::revoke_user` without a server: the same write, applied to the
/// store directly. `None` if there is no such user.
pub fn revoke_in_store(store: &Store, user_id: u64) -> Result<Option<u64>, StoreError> {
    let outcomes = store.apply(&[auth::revocation(user_id, time::now_seconds())])?;
    Ok(match outcomes.first() {
        Some(ChangeOutcome::Revoked { tokens }) => Some(*tokens),
        _ => None,
    })
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
