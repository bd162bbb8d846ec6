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
        keys::list(&self.store, self.settings.get().algorithm)
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
        keys::retire(&self.store, self.settings.get().algorithm, kid, &self.clock)?;
        self.reload_keys()
    }

    /// Takes up the keys as `jwtd serve` finds them now ([`keys::load`]):
    /// a configured key, or the keys the database holds.
    pub fn reload_keys(&self) -> Result<(), KeysError> {
        // With JWK_URL the ring is the fetched set's, kept by its thread.
        if self.settings.get().jwk_url.is_some() {
            return Ok(());
        }
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
        if settings.jwk_url.is_some() {
            return Ok(false);
        }
        let live = keys::live_kids(&self.store, settings.algorithm)?;
        let same = {
            let ring = self.tokens.keys();
            let in_force: Vec<&str> = ring.kids().collect();
            // The ring lists the current key first; the database's newest is it.
            live.len() == in_force.len()
                && live.last().map(String::as_str) == in_force.first().copied()
                && live.iter().all(|kid| in_force.contains(&kid.as_str()))
        };
        if same || live.is_empty() {
            return Ok(false);
        }
        let ring = keys::from_database(&settings, &self.store)?;
        self.tokens.set_keys(ring);
        Ok(true)
    }

    /// Signs and verifies with `ring` from the next request on: keys
    /// fetched from `JWK_URL`, or given by a test.
    pub fn set_keyring(&self, ring: Keyring) {
        self.tokens.set_keys(ring);
    }

    /// Calls `notify` whenever a token names a key the ring lacks (from the
    /// request's thread; it must not block): `JWK_URL`'s cue to fetch.
    pub fn on_unknown_key(&self, notify: Box<dyn Fn() + Send + Sync>) {
        self.tokens.on_unknown_key(notify);
    }

    /// Whether this server signs tokens: false with a verifying key alone.
    pub fn can_sign(&self) -> bool {
        self.tokens.keys().can_sign()
    }

    /// A copy of the keys tokens are signed and verified with now.
    pub fn keyring(&self) -> Keyring {
        self.tokens.keys().clone()
    }

    /// Reads the configured signing key again (a reload, for a key given
    /// by file) and signs with it from the next token on if it changed.
    /// Whether it changed.
    pub fn reload_configured_key(&self) -> Result<bool, KeysError> {
        if self.settings.get().jwk_url.is_some() {
            return Ok(false);
        }
        let (ring, _) = keys::load(&self.settings.get(), &self.store, &self.clock)?;
        let same = match (ring.current(), self.tokens.keys().current()) {
            (Some(new), Some(old)) => new.same_as(old),
            (None, None) => true,
            _ => false,
        };
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
