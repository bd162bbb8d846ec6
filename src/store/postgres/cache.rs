//! What a replica remembers of the shared database, so that the protected
//! route and verify need no round trip per request: users by id (whether
//! active, `tokens_valid_after`) and blacklist answers by jti.
//!
//! Every entry is trusted for at most [`FRESH_FOR`]: a change made by
//! another replica, by `jwtd user ...` or by Django itself is seen here
//! within that time. This replica's own writes forget what they change at
//! once. A blacklisting is never undone, so a "blacklisted" answer is kept
//! until the entry is evicted. The cache holds at most [`CAPACITY`]
//! entries of each kind: when full, expired entries go, then all.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::store::{Blacklisted, User};

/// How long an answer is trusted: the staleness bound the README states.
pub(super) const FRESH_FOR: Duration = Duration::from_millis(500);

/// Entries of each kind at most.
pub(super) const CAPACITY: usize = 50_000;

/// Answers by key, each trusted until its deadline.
struct Entries<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Entries<K, V> {
    fn new() -> Entries<K, V> {
        Entries {
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, key: &K, now: Instant) -> Option<V> {
        let map = self.lock();
        let (until, value) = map.get(key)?;
        (*until > now).then(|| value.clone())
    }

    fn put(&self, key: K, value: V, until: Instant, now: Instant) {
        let mut map = self.lock();
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            map.retain(|_, (until, _)| *until > now);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key, (until, value));
    }

    fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    fn clear(&self) {
        self.lock().clear();
    }
}

/// The replica's memory of users and of the blacklist.
pub(super) struct Cache {
    users: Entries<u64, Option<User>>,
    blacklist: Entries<Box<str>, Option<Blacklisted>>,
}

impl Cache {
    pub(super) fn new() -> Cache {
        Cache {
            users: Entries::new(),
            blacklist: Entries::new(),
        }
    }

    /// The user with this id (`Some(None)`: known not to exist).
    pub(super) fn user(&self, id: u64) -> Option<Option<User>> {
        self.users.get(&id, Instant::now())
    }

    /// Remembers what the database said of user `id`, as read at `read`
    /// (taken before the query was sent).
    pub(super) fn remember_user(&self, id: u64, user: Option<User>, read: Instant) {
        self.users.put(id, user, read + FRESH_FOR, Instant::now());
    }

    /// Why `jti` is blacklisted (`Some(None)`: known not to be).
    pub(super) fn blacklisting(&self, jti: &str) -> Option<Option<Blacklisted>> {
        self.blacklist.get(&Box::from(jti), Instant::now())
    }

    /// Remembers the blacklist's answer for `jti`, as read at `read`.
    pub(super) fn remember_blacklisting(&self, jti: &str, why: Option<Blacklisted>, read: Instant) {
        // A blacklisting stands for good; only "not blacklisted" ages.
        let until = match why {
            Some(_) => read + Duration::from_secs(24 * 60 * 60),
            None => read + FRESH_FOR,
        };
        self.blacklist.put(jti.into(), why, until, Instant::now());
    }

    /// Forgets user `id`: this replica changed it.
    pub(super) fn forget_user(&self, id: u64) {
        self.users.forget(&id);
    }

    /// Forgets `jti`'s blacklist answer: this replica blacklisted it.
    pub(super) fn forget_blacklisting(&self, jti: &str) {
        self.blacklist.forget(&Box::from(jti));
    }

    /// Forgets everything: a change touched more than can be named.
    pub(super) fn clear(&self) {
        self.users.clear();
        self.blacklist.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::new_user;

    #[test]
    fn answers_age_out_and_forgetting_is_at_once() {
        let cache = Cache::new();
        let alice = new_user("alice").user;
        let now = Instant::now();
        cache.remember_user(1, Some(alice.clone()), now);
        assert_eq!(cache.user(1), Some(Some(alice.clone())));
        assert_eq!(cache.user(2), None);
        cache.forget_user(1);
        assert_eq!(cache.user(1), None);
        // Read long ago: already stale.
        cache.remember_user(1, Some(alice), now - FRESH_FOR);
        assert_eq!(cache.user(1), None);
        cache.remember_blacklisting("a", None, now - FRESH_FOR);
        cache.remember_blacklisting("b", Some(Blacklisted::Rotated), now - FRESH_FOR);
        assert_eq!(cache.blacklisting("a"), None, "not blacklisted: ages");
        assert_eq!(
            cache.blacklisting("b"),
            Some(Some(Blacklisted::Rotated)),
            "blacklisted: stands"
        );
    }

    #[test]
    fn a_full_cache_stays_within_its_capacity() {
        let entries: Entries<u64, ()> = Entries::new();
        let now = Instant::now();
        for i in 0..(CAPACITY as u64 + 10) {
            entries.put(i, (), now + FRESH_FOR, now);
        }
        assert!(entries.lock().len() <= CAPACITY);
        assert!(entries.get(&(CAPACITY as u64 + 9), now).is_some());
    }
}
