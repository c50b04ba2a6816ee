//! The replay clock: which recorded instant is showing, given the wall
//! clock, the speed and pauses. Pure: the caller passes the wall time.

use std::time::Instant;

/// Speeds a replay accepts, as `--speed` and `+` / `-` do.
pub const MIN_SPEED: f64 = 0.01;
pub const MAX_SPEED: f64 = 1000.0;

#[derive(Debug, Clone)]
pub struct ReplayClock {
    /// Recorded time, Unix ms, at `anchor`.
    at_anchor_ms: f64,
    anchor: Instant,
    speed: f64,
    paused: bool,
}

impl ReplayClock {
    pub fn new(at_ms: i64, speed: f64, now: Instant) -> ReplayClock {
        ReplayClock {
            at_anchor_ms: at_ms as f64,
            anchor: now,
            speed: speed.clamp(MIN_SPEED, MAX_SPEED),
            paused: false,
        }
    }

    /// The recorded instant showing at wall time `now`.
    pub fn at(&self, now: Instant) -> i64 {
        if self.paused {
            return self.at_anchor_ms as i64;
        }
        let elapsed = now.saturating_duration_since(self.anchor).as_secs_f64() * 1000.0;
        (self.at_anchor_ms + elapsed * self.speed) as i64
    }

    /// The wall time at which recorded instant `at_ms` shows; `None` while
    /// paused.
    pub fn wall_time_of(&self, at_ms: i64, now: Instant) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let ahead_ms = (at_ms - self.at(now)).max(0) as f64 / self.speed;
        Some(now + std::time::Duration::from_secs_f64(ahead_ms / 1000.0))
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Shows `at_ms` from `now` on, keeping speed and pause.
    pub fn set(&mut self, at_ms: i64, now: Instant) {
        self.at_anchor_ms = at_ms as f64;
        self.anchor = now;
    }

    pub fn set_paused(&mut self, paused: bool, now: Instant) {
        self.set(self.at(now), now);
        self.paused = paused;
    }

    /// Multiplies the speed by `factor`, within the bounds.
    pub fn scale_speed(&mut self, factor: f64, now: Instant) {
        self.set(self.at(now), now);
        self.speed = (self.speed * factor).clamp(MIN_SPEED, MAX_SPEED);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn time_runs_at_speed_stops_when_paused_and_rescales_without_a_jump() {
        let t0 = Instant::now();
        let mut clock = ReplayClock::new(1_000, 10.0, t0);
        assert_eq!(clock.at(t0 + Duration::from_millis(500)), 6_000);
        clock.set_paused(true, t0 + Duration::from_secs(1));
        assert_eq!(clock.at(t0 + Duration::from_secs(9)), 11_000);
        assert_eq!(clock.wall_time_of(20_000, t0), None);
        clock.set_paused(false, t0 + Duration::from_secs(10));
        assert_eq!(clock.at(t0 + Duration::from_secs(11)), 21_000);
        clock.scale_speed(0.5, t0 + Duration::from_secs(11));
        assert_eq!(clock.at(t0 + Duration::from_secs(11)), 21_000);
        assert_eq!(clock.at(t0 + Duration::from_secs(12)), 26_000);
        assert_eq!(
            clock.wall_time_of(31_000, t0 + Duration::from_secs(12)),
            Some(t0 + Duration::from_secs(13))
        );
    }

    #[test]
    fn speed_stays_within_bounds() {
        let t0 = Instant::now();
        let mut clock = ReplayClock::new(0, 800.0, t0);
        clock.scale_speed(2.0, t0);
        assert_eq!(clock.speed(), MAX_SPEED);
        for _ in 0..30 {
            clock.scale_speed(0.5, t0);
        }
        assert_eq!(clock.speed(), MIN_SPEED);
    }
}
