//! Open connections counted per client address, so that one client cannot
//! hold every connection slot: beyond [`Limits::max_connections_per_address`]
//! a new connection from the same address is turned away as a full table
//! turns it away.
//!
//! An IPv6 client is counted by its /64, the block one host or one
//! subscriber usually holds whole: counting single addresses would let it
//! take every slot with addresses of its own. An IPv4-mapped IPv6 address
//! (`::ffff:a.b.c.d`, how a dual-stack listener sees an IPv4 client) is
//! that IPv4 address.
//!
//! [`Limits::max_connections_per_address`]: super::Limits::max_connections_per_address

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};

/// What one client's connections count against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Origin {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
}

impl Origin {
    /// The origin `ip` counts against.
    pub(super) fn of(ip: IpAddr) -> Origin {
        match ip {
            IpAddr::V4(v4) => Origin::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Origin::V4(v4),
                None => Origin::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::V4(v4) => v4.fmt(f),
            Origin::V6(prefix) => {
                let net = std::net::Ipv6Addr::from(u128::from(*prefix) << 64);
                write!(f, "{net}/64")
            }
        }
    }
}

/// The open connections of each origin that has any.
///
/// Invariant: an origin's count is the number of open connections admitted
/// from it, each [`PerAddress::take`] matched by exactly one
/// [`PerAddress::release`]; an origin with none has no entry, so the map
/// holds at most one entry per open connection.
#[derive(Debug)]
pub(super) struct PerAddress {
    cap: usize,
    open: Mutex<HashMap<Origin, usize>>,
}

impl PerAddress {
    /// Counts that allow `cap` connections per origin (at least one).
    pub(super) fn new(cap: usize) -> PerAddress {
        PerAddress {
            cap: cap.max(1),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The allowance per origin.
    pub(super) fn cap(&self) -> usize {
        self.cap
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Origin, usize>> {
        // Nothing here panics while the lock is held.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts one more connection from `origin`, or returns false, counting
    /// nothing, when it already has its allowance open.
    pub(super) fn take(&self, origin: Origin) -> bool {
        let mut open = self.lock();
        let count = open.entry(origin).or_insert(0);
        if *count >= self.cap {
            return false;
        }
        *count += 1;
        true
    }

    /// Counts one connection from `origin` closed.
    pub(super) fn release(&self, origin: Origin) {
        let mut open = self.lock();
        if let Some(count) = open.get_mut(&origin) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&origin);
            }
        }
    }

    /// Origins with connections open, for tests.
    #[cfg(test)]
    fn origins(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn origin(text: &str) -> Origin {
        Origin::of(text.parse().unwrap())
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(origin("2001:db8::1"), origin("2001:db8::ffff:1:2"));
        assert_ne!(origin("2001:db8::1"), origin("2001:db8:0:1::1"));
        assert_eq!(origin("::ffff:192.0.2.7"), origin("192.0.2.7"));
        assert_ne!(origin("192.0.2.7"), origin("192.0.2.8"));
        assert_eq!(origin("2001:db8:0:5::9").to_string(), "2001:db8:0:5::/64");
        assert_eq!(origin("::ffff:192.0.2.7").to_string(), "192.0.2.7");
    }

    #[test]
    fn each_origin_gets_its_allowance_and_gets_it_back() {
        let counts = PerAddress::new(2);
        let a = origin("192.0.2.1");
        let b = origin("2001:db8::1");
        assert!(counts.take(a) && counts.take(a));
        assert!(!counts.take(a), "a third from the same address");
        assert!(counts.take(b) && counts.take(origin("2001:db8::2")));
        assert!(!counts.take(origin("2001:db8::3")), "the same /64");
        counts.release(a);
        assert!(counts.take(a), "a closed connection's place is free again");
        for _ in 0..2 {
            counts.release(a);
            counts.release(b);
        }
        assert_eq!(counts.origins(), 0, "no entry outlives its connections");
        assert_eq!(PerAddress::new(0).cap(), 1);
    }
}
