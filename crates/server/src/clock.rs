//! Wall-clock time for the engine, optionally running faster than real time (the demo's
//! `--speed N`). The engine itself never reads a clock; the driver asks this one.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use switchboard_core::time::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Real time to wait until the clock shows `deadline`.
    fn until(&self, deadline: Timestamp) -> Duration;
}

/// The wall clock in ms since the Unix epoch, never sped up: what keys expire by.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A time in ms since the Unix epoch as RFC 3339 in UTC (`2026-12-05T13:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| format!("{ms} ms"), |t| t.to_string())
}

/// System time, `speed` times faster from the moment it was made.
#[derive(Debug)]
pub struct SystemClock {
    origin_real: Instant,
    origin: Timestamp,
    speed: f64,
}

impl SystemClock {
    pub fn new(speed: f64) -> Self {
        assert!(
            speed > 0.0 && speed.is_finite(),
            "clock speed must be positive"
        );
        let epoch_ms = wall_ms();
        SystemClock {
            origin_real: Instant::now(),
            origin: Timestamp(epoch_ms),
            speed,
        }
    }
}

impl SystemClock {
    /// Starts the clock at `floor` if system time is behind it (a journal written by a
    /// faster clock, or a clock stepped back), so timers keep their distances.
    pub fn not_before(mut self, floor: Timestamp) -> Self {
        if self.origin < floor {
            self.origin = floor;
        }
        self
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let elapsed_ms = self.origin_real.elapsed().as_secs_f64() * 1000.0 * self.speed;
        Timestamp(self.origin.0 + elapsed_ms as i64)
    }

    fn until(&self, deadline: Timestamp) -> Duration {
        crate::driver::wait_until(self.now(), deadline, self.speed)
    }
}
