//! Where "now" comes from. The application holds one [`Clock`] and hands it
//! to everything that needs the time (the request path, the writer's
//! purges), so that a test can fix the time for all of them at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::time;

/// Where `now` comes from.
#[derive(Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time, in Unix seconds, that tests set and advance.
    Fixed(AtomicU64),
}

impl Clock {
    /// A clock fixed at `seconds` until moved.
    pub fn fixed(seconds: u64) -> Clock {
        Clock::Fixed(AtomicU64::new(seconds))
    }

    /// Unix seconds.
    pub fn now(&self) -> u64 {
        match self {
            Clock::System => time::now_seconds(),
            Clock::Fixed(t) => t.load(Ordering::Relaxed),
        }
    }

    /// Microseconds since the Unix epoch: the system clock's own, or a
    /// fixed clock's seconds times a million.
    pub fn now_micros(&self) -> i64 {
        match self {
            Clock::System => time::now_micros(),
            Clock::Fixed(t) => i64::try_from(t.load(Ordering::Relaxed))
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000),
        }
    }

    /// Returns once the clock reads at least `seconds`: sleeps (a second at
    /// most) on the system clock; a fixed clock is moved there.
    pub fn wait_until(&self, seconds: u64) {
        match self {
            Clock::System => {
                let target = Duration::from_secs(seconds);
                if let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) {
                    if let Some(wait) = target.checked_sub(now) {
                        std::thread::sleep(wait.min(Duration::from_secs(1)));
                    }
                }
            }
            Clock::Fixed(t) => {
                t.fetch_max(seconds, Ordering::Relaxed);
            }
        }
    }

    /// Moves a fixed clock; no effect on the system clock.
    pub fn set(&self, seconds: u64) {
        if let Clock::Fixed(t) = self {
            t.store(seconds, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_what_it_was_set_to() {
        let clock = Clock::fixed(1_735_689_600);
        assert_eq!(clock.now(), 1_735_689_600);
        assert_eq!(clock.now_micros(), 1_735_689_600_000_000);
        clock.set(1_735_689_601);
        assert_eq!(clock.now(), 1_735_689_601);
        clock.wait_until(1_735_689_700);
        assert_eq!(clock.now(), 1_735_689_700);
        clock.wait_until(5);
        assert_eq!(clock.now(), 1_735_689_700, "waiting never moves it back");
        assert_eq!(Clock::fixed(u64::MAX).now_micros(), i64::MAX);
    }

    #[test]
    fn the_system_clock_reads_the_time() {
        let clock = Clock::System;
        let (seconds, micros) = (clock.now(), clock.now_micros());
        assert!(seconds > 1_735_689_600);
        assert!(micros / 1_000_000 >= i64::try_from(seconds).unwrap_or(i64::MAX));
        clock.set(5);
        assert!(clock.now() >= seconds, "set moves only a fixed clock");
    }
}
