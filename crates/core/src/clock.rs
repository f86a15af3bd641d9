//! The time as Keepsake sees it: snapshot dates, the backup history, the agent's days and the
//! cleaning policy's ages all read one [`Clock`], handed to core in the [`crate::Context`].
//!
//! The process's own clock is [`SystemClock`]; a demo or a test starts Keepsake's clock at
//! another time with [`StartedClock`] (the CLI's and the app's `KEEPSAKE_NOW`), and unit tests
//! move a [`ManualClock`] by hand.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The time, in unix seconds.
pub trait Clock: Debug + Send + Sync {
    fn now(&self) -> i64;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

/// The computer's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        system_now()
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A clock that read `start` when it was made and runs on from there at the computer's pace:
/// snapshots made under it are dated days ago (or ahead), and the policy judges them as if
/// that were now.
#[derive(Debug, Clone)]
pub struct StartedClock {
    start: i64,
    at: Instant,
}

impl StartedClock {
    pub fn new(start: i64) -> Self {
        StartedClock {
            start,
            at: Instant::now(),
        }
    }
}

impl Clock for StartedClock {
    fn now(&self) -> i64 {
        self.start + self.at.elapsed().as_secs() as i64
    }
}

/// A clock that stands still until it is set: for tests that live sixty days in a second.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(now: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(now)))
    }

    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The start a `KEEPSAKE_NOW`-style value asks for (unix seconds, surrounding blanks allowed);
/// `None` for anything else, so a typo never dates snapshots in 1970.
pub fn parse_start(value: &str) -> Option<i64> {
    value.trim().parse::<i64>().ok().filter(|t| *t > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_unix_seconds_and_nonsense_is_refused() {
        assert_eq!(parse_start("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_start(" 1800000100\n"), Some(1_800_000_100));
        for bad in ["yesterday", "", "-5", "0", "1.5e9"] {
            assert_eq!(parse_start(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_started_clock_runs_on_from_its_start() {
        let clock = StartedClock::new(1_000);
        let now = clock.now();
        assert!((1_000..1_010).contains(&now), "{now}");
        assert!(SystemClock.now() > 1_700_000_000);
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_copies_follow() {
        let clock = ManualClock::new(50);
        let copy = clock.clone();
        assert_eq!(copy.now(), 50);
        clock.advance(10);
        assert_eq!(copy.now(), 60);
        copy.set(5);
        assert_eq!(clock.now(), 5);
    }
}
