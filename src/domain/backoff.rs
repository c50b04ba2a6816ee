//! Reconnect delays: capped exponential backoff with full jitter, so that many
//! consoles losing the same upstream do not reconnect in lockstep.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub factor: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(10),
            factor: 2.0,
        }
    }
}

impl Backoff {
    /// Upper bound of the delay before retry number `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let secs = self.initial.as_secs_f64() * self.factor.powi(exponent);
        Duration::from_secs_f64(secs.min(self.max.as_secs_f64()))
    }

    /// Delay before retry `attempt`, given a uniform random number in `[0, 1)`.
    /// Full jitter, but never below a tenth of the ceiling so a retry storm
    /// cannot degenerate into a busy loop.
    pub fn delay(&self, attempt: u32, unit_random: f64) -> Duration {
        let ceiling = self.ceiling(attempt);
        let jitter = unit_random.clamp(0.0, 1.0);
        ceiling.mul_f64(0.1 + 0.9 * jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), Duration::from_millis(250));
        assert_eq!(b.ceiling(2), Duration::from_millis(500));
        assert_eq!(b.ceiling(3), Duration::from_millis(1000));
        assert_eq!(b.ceiling(7), Duration::from_secs(10));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_within_tenth_and_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0), Duration::from_millis(100));
        assert_eq!(b.delay(3, 1.0), Duration::from_millis(1000));
        assert_eq!(b.delay(3, 7.0), Duration::from_millis(1000));
        let mid = b.delay(3, 0.5);
        assert!(mid > Duration::from_millis(100) && mid < Duration::from_millis(1000));
    }
}
