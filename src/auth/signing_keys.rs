//! Key management as named operations of [`Auth`]: list, rotate and
//! retire the keys kept in the database, and take up the new keys at once,
//! so that a running server signs with a rotated key from the next request
//! on ([`crate::keys`] does the work on the store).

use super::Auth;
use crate::jwt::Keyring;
use crate::keys::{self, KeyState, KeysError};
use crate::store::StoredKey;

impl Auth {
    /// The signing keys kept in the database, each with its state.
    pub fn signing_keys(&self) -> Result<Vec<(StoredKey, KeyState)>, KeysError> {
        keys::list(&self.store)
    }

    /// Makes a new current signing key and signs with it from the next
    /// token on; the earlier keys keep verifying.
    pub fn rotate_key(&self) -> Result<StoredKey, KeysError> {
        let key = keys::rotate(&self.settings.get(), &self.store, &self.clock)?;
        self.reload_keys()?;
        Ok(key)
    }

    /// Retires the signing key `kid`: tokens signed with it are refused
    /// from the next request on.
    pub fn retire_key(&self, kid: &str) -> Result<(), KeysError> {
        keys::retire(&self.store, kid, &self.clock)?;
        self.reload_keys()
    }

    /// Takes up the keys as `jwtd serve` finds them now ([`keys::load`]):
    /// a configured key, or the keys the database holds.
    pub fn reload_keys(&self) -> Result<(), KeysError> {
        let (ring, _) = keys::load(&self.settings.get(), &self.store, &self.clock)?;
        self.tokens.set_keys(ring);
        Ok(())
    }

    /// Takes up the database's keys if another process changed them (a
    /// replica or `jwtd key` on a shared database): a key rotated or
    /// retired there is in force here from the next request on. Whether
    /// the keys changed. A key given by file or environment stands.
    pub fn sync_keys(&self) -> Result<bool, KeysError> {
        let settings = self.settings.get();
        if keys::configured_source(&settings).is_some() {
            return Ok(false);
        }
        let stored = self.store.signing_keys()?;
        let mut live: Vec<(u64, &str)> = stored
            .iter()
            .filter(|key| key.retired.is_none())
            .map(|key| (key.created, key.kid.as_str()))
            .collect();
        live.sort_unstable();
        let same = {
            let ring = self.tokens.keys();
            let in_force: Vec<&str> = ring.kids().collect();
            // The ring lists the current key first; the database's newest is it.
            live.len() == in_force.len()
                && live.last().map(|(_, kid)| *kid) == in_force.first().copied()
                && live.iter().all(|(_, kid)| in_force.contains(kid))
        };
        if same || live.is_empty() {
            return Ok(false);
        }
        let ring = keys::from_database(&settings, &self.store)?;
        self.tokens.set_keys(ring);
        Ok(true)
    }

    /// A copy of the keys tokens are signed and verified with now.
    pub fn keyring(&self) -> Keyring {
        self.tokens.keys().clone()
    }

    /// Reads the configured signing key again (a reload, for a key given
    /// by file) and signs with it from the next token on if it changed.
    /// Whether it changed.
    pub fn reload_configured_key(&self) -> Result<bool, KeysError> {
        let (ring, _) = keys::load(&self.settings.get(), &self.store, &self.clock)?;
        // Compared by what each signs, so that neither secret is handled here.
        const PROBE: &[u8] = b"jwtd: is this the signing key in force?";
        let same = ring.current().sign(PROBE).as_bytes()
            == self.tokens.keys().current().sign(PROBE).as_bytes();
        if !same {
            self.tokens.set_keys(ring);
        }
        Ok(!same)
    }

    /// The id of the key new tokens are signed with, if keys have ids.
    pub fn current_kid(&self) -> Option<String> {
        self.tokens.keys().current_kid().map(str::to_owned)
    }

    /// The ids of the keys tokens are verified with, current first.
    pub fn key_ids(&self) -> Vec<String> {
        self.tokens.keys().kids().map(str::to_owned).collect()
    }
}
