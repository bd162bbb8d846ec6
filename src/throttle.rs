//! Brute-force throttling of logins: failed attempts are counted per client
//! address and per (username, client address) pair, in fixed windows.
//!
//! Counting per pair rather than per username alone means an attacker who
//! hammers `alice` from one address is stopped without locking the real
//! alice out from hers. IPv6 clients are counted by their /64 prefix, the
//! block a single host is usually given, so rotating addresses inside it
//! does not reset the count.
//!
//! The table is bounded: it holds at most [`CAPACITY`] entries, keyed by a
//! keyed hash (so usernames of any length cost 8 bytes and cannot be chosen
//! to collide); when full, expired windows are dropped first, then the
//! oldest.
//!
//! The first attempt a limit turns away in a window is logged (WARN, naming
//! the address or the username and the window); later ones in the same
//! window are not: the window's own entry remembers it, so the log costs
//! no memory of its own. The table lives in memory only: a restart starts
//! every count from zero.
//!
//! The limits can be changed while logins are counted (a settings reload):
//! each is read once per check, relaxed, as the counts already are
//! approximate across concurrent logins.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::{log, time};

/// Most entries kept (about 40 bytes each).
pub const CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: u64,
    failures: u32,
    /// An attempt was turned away in this window, and logged.
    logged: bool,
}

impl Window {
    fn new(start: u64) -> Window {
        Window {
            start,
            failures: 0,
            logged: false,
        }
    }
}

/// Which limit a key counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Address,
    User,
}

/// A limit that turned an attempt away for the first time in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct First {
    which: Limit,
    limit: u32,
    /// When its window started.
    start: u64,
}

/// Limits on failed logins.
#[derive(Debug)]
pub struct Throttle {
    per_address: AtomicU32,
    per_user: AtomicU32,
    window: AtomicU64,
    keys: RandomState,
    windows: Mutex<HashMap<u64, Window>>,
}

impl Throttle {
    /// At most `per_address` failures per address and `per_user` per
    /// (username, address) in `window` seconds; 0 disables a limit.
    pub fn new(per_address: u32, per_user: u32, window: u64) -> Throttle {
        Throttle {
            per_address: AtomicU32::new(per_address),
            per_user: AtomicU32::new(per_user),
            window: AtomicU64::new(window.max(1)),
            keys: RandomState::new(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts with these limits from now on; counts so far are kept.
    pub fn set_limits(&self, per_address: u32, per_user: u32, window: u64) {
        self.per_address.store(per_address, Ordering::Relaxed);
        self.per_user.store(per_user, Ordering::Relaxed);
        self.window.store(window.max(1), Ordering::Relaxed);
    }

    fn window(&self) -> u64 {
        self.window.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Window>> {
        self.windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn keys(&self, username: &str, client: IpAddr) -> [(u64, u32, Limit); 2] {
        let client = prefix(client);
        let address = self.keys.hash_one(("address", client));
        let pair = self.keys.hash_one(("user", username, client));
        [
            (
                address,
                self.per_address.load(Ordering::Relaxed),
                Limit::Address,
            ),
            (pair, self.per_user.load(Ordering::Relaxed), Limit::User),
        ]
    }

    /// `Err(seconds)` if `username` from `client` must wait that long. The
    /// first attempt a limit turns away in its window is logged.
    pub fn check(&self, username: &str, client: IpAddr, now: u64) -> Result<(), u64> {
        let (wait, first) = self.turned_away(username, client, now);
        for turned in first.into_iter().flatten() {
            self.log_first(turned, username, client);
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// The seconds to wait (0: none), and each limit that turns an attempt
    /// away for the first time in its window, now marked as logged.
    fn turned_away(&self, username: &str, client: IpAddr, now: u64) -> (u64, [Option<First>; 2]) {
        let mut windows = self.lock();
        let mut wait = 0;
        let mut first = [None, None];
        let keys = self.keys(username, client);
        for ((key, limit, which), first) in keys.into_iter().zip(&mut first) {
            if limit == 0 {
                continue;
            }
            if let Some(w) = windows.get_mut(&key) {
                let end = w.start + self.window();
                if w.failures >= limit && now < end {
                    wait = wait.max(end - now);
                    if !w.logged {
                        w.logged = true;
                        *first = Some(First {
                            which,
                            limit,
                            start: w.start,
                        });
                    }
                }
            }
        }
        (wait, first)
    }

    /// The WARN line for the first attempt turned away in a window.
    fn log_first(&self, first: First, username: &str, client: IpAddr) {
        let First {
            which,
            limit,
            start,
        } = first;
        let whom = match which {
            Limit::Address => format!("address {}", shown_prefix(client)),
            Limit::User => format!("user {} from {}", shown(username), shown_prefix(client)),
        };
        log::warn(&format!(
            "login throttled: {whom} reached {limit} failed login(s) in the {} s window \
             from {} to {}; attempts are refused (429) until it ends, without a further line",
            self.window(),
            time::rfc3339(seconds_to_micros(start), false),
            time::rfc3339(
                seconds_to_micros(start.saturating_add(self.window())),
                false
            ),
        ));
    }

    /// Counts a failed login.
    pub fn record_failure(&self, username: &str, client: IpAddr, now: u64) {
        let mut windows = self.lock();
        for (key, limit, _) in self.keys(username, client) {
            if limit == 0 {
                continue;
            }
            if !windows.contains_key(&key) && windows.len() >= CAPACITY {
                self.make_room(&mut windows, now);
            }
            let w = windows.entry(key).or_insert(Window::new(now));
            if now >= w.start + self.window() {
                *w = Window::new(now);
            }
            w.failures = w.failures.saturating_add(1);
        }
    }

    /// A successful login clears its pair's count (not the address's).
    pub fn record_success(&self, username: &str, client: IpAddr) {
        let [_, (pair, _, _)] = self.keys(username, client);
        self.lock().remove(&pair);
    }

    /// Entries held, for tests and metrics.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, windows: &mut HashMap<u64, Window>, now: u64) {
        let window = self.window();
        windows.retain(|_, w| now < w.start + window);
        if windows.len() >= CAPACITY {
            if let Some((&oldest, _)) = windows.iter().min_by_key(|(_, w)| w.start) {
                windows.remove(&oldest);
            }
        }
    }
}

/// The unit an address is counted by, as the log names it: `/64` after an
/// IPv6 prefix.
fn shown_prefix(client: IpAddr) -> String {
    match prefix(client) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("{v6}/64"),
    }
}

/// A username for the log: quoted and escaped, cut after 150 characters
/// (Django's longest; the client chose it).
fn shown(username: &str) -> String {
    let mut chars = username.chars();
    let head: String = chars.by_ref().take(150).collect();
    match chars.next() {
        Some(_) => format!("{head:?}..."),
        None => format!("{head:?}"),
    }
}

fn seconds_to_micros(seconds: u64) -> i64 {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000)
}

/// The unit an address is counted by: IPv4 as is, IPv6 by its /64.
fn prefix(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn pair_limit_then_window_expiry() {
        let t = Throttle::new(100, 3, 60);
        let a = ip("10.0.0.1");
        for _ in 0..3 {
            assert_eq!(t.check("alice", a, 1000), Ok(()));
            t.record_failure("alice", a, 1000);
        }
        assert_eq!(t.check("alice", a, 1000), Err(60));
        assert_eq!(t.check("alice", a, 1059), Err(1));
        assert_eq!(t.check("alice", a, 1060), Ok(()), "the window has passed");
        // The real alice elsewhere, and other users here, are not affected.
        assert_eq!(t.check("alice", ip("10.0.0.2"), 1000), Ok(()));
        assert_eq!(t.check("bob", a, 1000), Ok(()));
    }

    #[test]
    fn address_limit_covers_every_username() {
        let t = Throttle::new(5, 100, 60);
        let a = ip("192.0.2.7");
        for i in 0..5 {
            t.record_failure(&format!("user{i}"), a, 0);
        }
        assert_eq!(t.check("anyone", a, 10), Err(50));
        assert_eq!(t.check("anyone", ip("192.0.2.8"), 10), Ok(()));
    }

    #[test]
    fn success_clears_the_pair_but_not_the_address() {
        let t = Throttle::new(4, 2, 60);
        let a = ip("10.0.0.1");
        t.record_failure("alice", a, 0);
        t.record_failure("alice", a, 0);
        assert!(t.check("alice", a, 0).is_err());
        t.record_success("alice", a);
        assert_eq!(t.check("alice", a, 0), Ok(()));
        t.record_failure("bob", a, 0);
        t.record_failure("bob", a, 0);
        assert!(
            t.check("carol", a, 0).is_err(),
            "four failures from the address"
        );
    }

    #[test]
    fn ipv6_is_counted_by_its_64_prefix() {
        let t = Throttle::new(2, 100, 60);
        t.record_failure("a", ip("2001:db8:1:2::1"), 0);
        t.record_failure("b", ip("2001:db8:1:2:ffff::9"), 0);
        assert!(t.check("c", ip("2001:db8:1:2::77"), 0).is_err());
        assert_eq!(t.check("c", ip("2001:db8:1:3::1"), 0), Ok(()));
        assert_eq!(prefix(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }

    #[test]
    fn only_the_first_attempt_turned_away_in_a_window_is_logged() {
        let t = Throttle::new(3, 2, 60);
        let a = ip("10.0.0.1");
        t.record_failure("alice", a, 1000);
        t.record_failure("alice", a, 1001);
        let user = |start| First {
            which: Limit::User,
            limit: 2,
            start,
        };
        assert_eq!(
            t.turned_away("alice", a, 1002),
            (58, [None, Some(user(1000))])
        );
        assert_eq!(t.turned_away("alice", a, 1003), (57, [None, None]));
        // The address limit trips later in the same window: its own first.
        t.record_failure("bob", a, 1004);
        let address = First {
            which: Limit::Address,
            limit: 3,
            start: 1000,
        };
        assert_eq!(t.turned_away("carol", a, 1005), (55, [Some(address), None]));
        assert_eq!(t.turned_away("alice", a, 1005), (55, [None, None]));
        // A new window logs again.
        t.record_failure("alice", a, 1060);
        t.record_failure("alice", a, 1061);
        assert_eq!(
            t.turned_away("alice", a, 1062),
            (58, [None, Some(user(1060))])
        );
        assert_eq!(t.check("alice", a, 1063), Err(57));
    }

    #[test]
    fn usernames_in_the_log_are_quoted_and_short() {
        assert_eq!(shown("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(shown(&"x".repeat(200)), format!("{:?}...", "x".repeat(150)));
        assert_eq!(shown_prefix(ip("2001:db8:1:2::9")), "2001:db8:1:2::/64");
        assert_eq!(shown_prefix(ip("::ffff:10.1.2.3")), "10.1.2.3");
    }

    #[test]
    fn zero_disables_a_limit() {
        let t = Throttle::new(0, 0, 60);
        for _ in 0..100 {
            t.record_failure("alice", ip("10.0.0.1"), 0);
        }
        assert_eq!(t.check("alice", ip("10.0.0.1"), 0), Ok(()));
        assert!(t.is_empty());
    }

    #[test]
    fn the_table_stays_bounded() {
        let t = Throttle::new(1000, 1000, 60);
        for i in 0..(CAPACITY as u32 + 500) {
            let a = IpAddr::V4(std::net::Ipv4Addr::from(i));
            t.record_failure("u", a, u64::from(i / 1000));
        }
        assert!(t.len() <= CAPACITY, "{}", t.len());
    }
}
