//! `jwtd key ...` on the database: list, rotate, retire. The work is
//! [`crate::keys`]' (in a server, through [`crate::auth::Auth`], which
//! takes up the new keys at once); here are the words, which key is in
//! use, and the warning before a retirement logs people out.

use super::{Operator, Reply};
use crate::keys::{self, KeyState};
use crate::store::StoredKey;
use crate::time;

/// `key list`: which key signs, then every key kept in the database.
pub(super) fn list(operator: &Operator<'_>) -> Reply {
    let keys = match operator.signing_keys() {
        Ok(keys) => keys,
        Err(e) => return Reply::failed(e),
    };
    let in_use = match keys::configured_secret(&operator.settings()) {
        Ok(Some((_, source))) => {
            format!("Signing with the key from {source} (no id); the keys below are not used.\n")
        }
        Ok(None) => match keys.iter().find(|(_, state)| *state == KeyState::Current) {
            Some((key, _)) => format!("Signing with the database's current key {}.\n", key.kid),
            None => "No key yet: the server makes the first one when it starts.\n".into(),
        },
        Err(why) => return Reply::failed(why),
    };
    Reply::done(format!("{in_use}{}", keys::list_text(&keys)))
}

/// `key rotate`.
pub(super) fn rotate(operator: &Operator<'_>) -> Reply {
    match operator.rotate_key() {
        Ok(key) => {
            operator.log(&format!("signing keys: new current key {}", key.kid));
            Reply::done(format!(
                "New current key {}. Tokens signed with the previous keys keep \
                 verifying until `jwtd key retire ID`.\n",
                key.kid
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

/// `key retire ID`: refused, unless `force`, while tokens the key signed
/// can still be live.
pub(super) fn retire(operator: &Operator<'_>, kid: &str, force: bool) -> Reply {
    if !force {
        let keys = match operator.signing_keys() {
            Ok(keys) => keys,
            Err(e) => return Reply::failed(e),
        };
        let settings = operator.settings();
        let longest = settings
            .access_token_lifetime
            .max(settings.refresh_token_lifetime)
            .saturating_add(settings.leeway);
        if let Some(until) = live_until(&keys, kid, longest) {
            let now = operator.clock().now();
            if until > now {
                return Reply::failed(format!(
                    "tokens signed with key {kid} can be live until {} (it stopped signing \
                     new ones when the next key was made, and tokens last up to {longest} s); \
                     retiring it now logs their holders out. Run it again with --force to \
                     retire it anyway",
                    time::rfc3339(i64::try_from(until).unwrap_or(i64::MAX) * 1_000_000, false)
                ));
            }
        }
    }
    match operator.retire_key(kid) {
        Ok(()) => {
            operator.log(&format!("signing keys: key {kid} retired"));
            Reply::done(format!(
                "Retired key {kid}: tokens signed with it are refused from now on.\n"
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

/// Unix seconds until which a token signed with the key `kid` can be live:
/// the key signed until the next key was made, and a token lives at most
/// `longest` seconds. `None` for a key that is not there, current or
/// retired (retiring those is refused anyway).
fn live_until(keys: &[(StoredKey, KeyState)], kid: &str, longest: u64) -> Option<u64> {
    let (key, state) = keys.iter().find(|(key, _)| key.kid == kid)?;
    if *state != KeyState::Active {
        return None;
    }
    let superseded = keys
        .iter()
        .map(|(other, _)| other.created)
        .filter(|created| *created > key.created)
        .min()?;
    Some(
        (superseded / 1_000_000)
            .saturating_add(1)
            .saturating_add(longest),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, created_s: u64, retired: bool) -> StoredKey {
        StoredKey {
            kid: kid.into(),
            created: created_s * 1_000_000,
            retired: retired.then_some(created_s * 1_000_000 + 1),
            secret: b"secret".to_vec(),
        }
    }

    #[test]
    fn a_key_can_sign_until_the_next_one_and_its_tokens_live_their_lifetime_after() {
        let keys = [
            (key("k1", 100, true), KeyState::Retired),
            (key("k2", 1_000, false), KeyState::Active),
            (key("k3", 5_000, false), KeyState::Current),
        ];
        assert_eq!(live_until(&keys, "k2", 86_400), Some(5_001 + 86_400));
        assert_eq!(live_until(&keys, "k1", 86_400), None, "retired already");
        assert_eq!(live_until(&keys, "k3", 86_400), None, "current");
        assert_eq!(live_until(&keys, "k9", 86_400), None, "no such key");
    }
}
