//! The wall clock the timed schedulers read, in whole seconds since the epoch as Buildbot
//! stores times.
//!
//! A long-running master must follow the system clock: a cron time ("03:00 UTC") is a point on
//! the wall clock, and tokio's monotonic clock drifts away from it when the wall clock is
//! stepped or the machine sleeps. So [`Clock::System`] reads `SystemTime` every time, and
//! [`Clock::sleep_until`] waits in steps of at most a minute, reading the clock again after
//! each, so a timer set days ahead still fires at its wall-clock time.
//!
//! Tests run with tokio's clock paused (`tokio::time::pause`, `advance`); there the schedulers
//! get [`Clock::tokio_at`], which starts at a chosen epoch time and moves with tokio's
//! (virtual) clock, so their reading of "now" and their sleeps agree.

use std::time::Duration;

use tokio::time::Instant;

/// The longest single sleep of [`Clock::sleep_until`] before it reads the clock again.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    /// The system's wall clock (production).
    #[default]
    System,
    /// `epoch` at tokio's instant `start`, then moving with tokio's clock (tests with paused
    /// time).
    Tokio { epoch: i64, start: Instant },
}

impl Clock {
    /// A clock reading `epoch` now and following tokio's clock from here.
    pub fn tokio_at(epoch: i64) -> Clock {
        Clock::Tokio {
            epoch,
            start: Instant::now(),
        }
    }

    /// The current time in whole seconds since the epoch.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => oxbot_db::now(),
            Clock::Tokio { epoch, start } => {
                epoch + i64::try_from(start.elapsed().as_secs()).unwrap_or(i64::MAX)
            }
        }
    }

    /// Resolves once [`Clock::now`] reaches `at` (at once when it already has).
    pub async fn sleep_until(&self, at: i64) {
        loop {
            let now = self.now();
            if now >= at {
                return;
            }
            let left = Duration::from_secs(u64::try_from(at - now).unwrap_or(0));
            tokio::time::sleep(left.min(MAX_SLEEP)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_follows_paused_time() {
        let clock = Clock::tokio_at(1_000);
        assert_eq!(clock.now(), 1_000);
        tokio::time::advance(Duration::from_secs(90)).await;
        assert_eq!(clock.now(), 1_090);
        // Auto-advance carries the sleep through its one-minute steps.
        clock.sleep_until(1_300).await;
        assert_eq!(clock.now(), 1_300);
        clock.sleep_until(10).await;
        assert_eq!(clock.now(), 1_300);
    }

    #[test]
    fn system_clock_is_the_wall_clock() {
        let before = oxbot_db::now();
        let now = Clock::System.now();
        assert!(now >= before && now <= oxbot_db::now());
    }
}
