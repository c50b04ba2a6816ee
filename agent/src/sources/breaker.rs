//! A source's circuit breaker: a pure state machine stepped by the
//! supervisor with what the source did since the last step.
//!
//! Closed: the source may be served. It opens on `consecutive_failures`
//! failures without a good tick between them, on an error rate above
//! `max_error_rate` within `window_ms`, or when no good tick came for
//! `stale_after_ms`. Open: never served; after `cooldown_ms` it goes
//! half-open. Half-open: the source proves itself; `probe_ticks` good ticks
//! with no failure close it, any failure or staleness opens it again.
//! An operator can force it open or closed; the automatic rules are then
//! suspended until it is set back to automatic.

use serde::{Deserialize, Serialize};

use crate::incidents::Window;
use crate::sources::config::BreakerConfig;

/// Where a breaker stands; `as_str` is the metric label and wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub const ALL: [BreakerState; 3] = [BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen];

    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// What a source did since the previous step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Sample {
    pub now_ms: i64,
    /// Newest tick that passed validation and the quality checks.
    pub last_good_ms: Option<i64>,
    pub good: u64,
    /// Ticks rejected by validation or the quality checks.
    pub bad: u64,
    /// Disconnects, failed connects, unreadable or oversized frames,
    /// exchange errors, bad replay lines.
    pub failures: u64,
}

/// A change of state and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transition {
    pub from: BreakerState,
    pub to: BreakerState,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Breaker {
    config: BreakerConfig,
    state: BreakerState,
    since_ms: i64,
    forced: Option<BreakerState>,
    consecutive: u64,
    /// Good and bad events over `window_ms`, for the error rate.
    window: Window<2>,
    totals: [u64; 2],
    /// Good ticks since half-open began.
    probe_good: u64,
    /// Time from which staleness is measured when no good tick came yet.
    born_ms: i64,
    /// Error rate over the window at the last step.
    error_rate: f64,
}

impl Breaker {
    pub fn new(config: BreakerConfig, now_ms: i64) -> Breaker {
        let window = Window::new(config.window_ms, now_ms);
        Breaker {
            config,
            state: BreakerState::Closed,
            since_ms: now_ms,
            forced: None,
            consecutive: 0,
            window,
            totals: [0; 2],
            probe_good: 0,
            born_ms: now_ms,
            error_rate: 0.0,
        }
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether an operator holds it in its state.
    pub fn is_forced(&self) -> bool {
        self.forced.is_some()
    }

    /// Share of bad events in the window at the last step.
    pub fn error_rate(&self) -> f64 {
        self.error_rate
    }

    /// Operator override: `Some(state)` holds it there, `None` returns it to
    /// the automatic rules (from closed, with fresh counters).
    pub fn force(&mut self, forced: Option<BreakerState>, now_ms: i64) -> Option<Transition> {
        self.forced = forced;
        let (to, reason) = match forced {
            Some(state) => (state, format!("forced {} by an operator", state.as_str())),
            None => (
                BreakerState::Closed,
                "returned to automatic by an operator".to_string(),
            ),
        };
        self.consecutive = 0;
        self.probe_good = 0;
        self.born_ms = now_ms;
        self.move_to(to, now_ms, reason)
    }

    /// Applies what happened since the last step.
    pub fn step(&mut self, s: &Sample) -> Option<Transition> {
        let errors = s.bad + s.failures;
        self.totals[0] += s.good;
        self.totals[1] += errors;
        let [good, bad] = self.window.push(s.now_ms, self.totals);
        self.error_rate = if good + bad == 0 {
            0.0
        } else {
            bad as f64 / (good + bad) as f64
        };
        // Good ticks within the step reset the count; failures mixed with them
        // are the error rate's concern.
        self.consecutive = if s.good > 0 { 0 } else { self.consecutive + errors };
        if self.forced.is_some() {
            return None;
        }
        let silent_ms = s.now_ms - s.last_good_ms.unwrap_or(self.born_ms).max(self.born_ms);
        let stale = silent_ms > self.config.stale_after_ms as i64;
        match self.state {
            BreakerState::Closed => {
                let reason = if self.consecutive >= u64::from(self.config.consecutive_failures) {
                    Some(format!("{} failures in a row", self.consecutive))
                } else if good + bad >= self.config.min_events && self.error_rate > self.config.max_error_rate
                {
                    Some(format!(
                        "error rate {:.0}% over {} events",
                        self.error_rate * 100.0,
                        good + bad
                    ))
                } else if stale {
                    Some(format!("no good tick for {silent_ms} ms"))
                } else {
                    None
                };
                reason.and_then(|r| self.move_to(BreakerState::Open, s.now_ms, r))
            }
            BreakerState::Open => {
                let cooled = s.now_ms - self.since_ms >= self.config.cooldown_ms as i64;
                cooled.then(|| {
                    self.probe_good = 0;
                    self.move_to(
                        BreakerState::HalfOpen,
                        s.now_ms,
                        "cool-down over; probing".to_string(),
                    )
                })?
            }
            BreakerState::HalfOpen => {
                if errors > 0 {
                    return self.move_to(
                        BreakerState::Open,
                        s.now_ms,
                        format!("{errors} failures while probing"),
                    );
                }
                self.probe_good += s.good;
                if self.probe_good >= self.config.probe_ticks {
                    self.consecutive = 0;
                    return self.move_to(
                        BreakerState::Closed,
                        s.now_ms,
                        format!("{} good ticks while probing", self.probe_good),
                    );
                }
                // Staleness counts from the start of the probe.
                let probe_silent = s.now_ms - s.last_good_ms.unwrap_or(self.since_ms).max(self.since_ms);
                (probe_silent > self.config.stale_after_ms as i64).then(|| {
                    self.move_to(
                        BreakerState::Open,
                        s.now_ms,
                        format!("no good tick for {probe_silent} ms while probing"),
                    )
                })?
            }
        }
    }

    fn move_to(&mut self, to: BreakerState, now_ms: i64, reason: String) -> Option<Transition> {
        let from = self.state;
        self.since_ms = now_ms;
        if from == to {
            return None;
        }
        self.state = to;
        Some(Transition { from, to, reason })
    }
}

/// A source's health from 0 (unusable) to 1: nothing while it is not
/// delivering fresh data or its breaker is open, otherwise the share of good
/// events, halved while it is still proving itself.
pub(crate) fn health_score(state: BreakerState, delivering: bool, error_rate: f64) -> f64 {
    let base = match state {
        _ if !delivering => 0.0,
        BreakerState::Open => 0.0,
        BreakerState::HalfOpen => 0.5,
        BreakerState::Closed => 1.0,
    };
    (base * (1.0 - error_rate.clamp(0.0, 1.0)) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use BreakerState::*;

    fn config() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 3,
            max_error_rate: 0.5,
            min_events: 10,
            window_ms: 1_000,
            stale_after_ms: 500,
            cooldown_ms: 1_000,
            probe_ticks: 4,
        }
    }

    fn sample(now_ms: i64, good: u64, bad: u64, failures: u64) -> Sample {
        Sample {
            now_ms,
            last_good_ms: (good > 0).then_some(now_ms),
            good,
            bad,
            failures,
        }
    }

    #[test]
    fn consecutive_failures_open_and_a_good_tick_resets_them() {
        let mut b = Breaker::new(config(), 0);
        assert_eq!(b.step(&sample(100, 0, 0, 2)), None);
        assert_eq!(b.step(&sample(200, 5, 0, 0)), None, "good ticks reset the count");
        assert_eq!(
            b.step(&Sample {
                last_good_ms: Some(200),
                ..sample(300, 0, 0, 2)
            }),
            None
        );
        let t = b
            .step(&Sample {
                last_good_ms: Some(200),
                ..sample(400, 0, 1, 0)
            })
            .unwrap();
        assert_eq!((t.from, t.to), (Closed, Open));
        assert!(t.reason.contains("3 failures in a row"), "{}", t.reason);
    }

    #[test]
    fn error_rate_opens_once_enough_events() {
        let mut b = Breaker::new(config(), 0);
        // 4 good, 5 bad: 9 events, under min_events.
        assert_eq!(b.step(&sample(100, 4, 5, 0)), None);
        let t = b.step(&sample(200, 1, 1, 0)).unwrap();
        assert_eq!(t.to, Open);
        assert!(t.reason.starts_with("error rate 55%"), "{}", t.reason);
        assert!((b.error_rate() - 6.0 / 11.0).abs() < 1e-9);
    }

    #[test]
    fn staleness_opens_then_cooldown_probe_and_close() {
        let mut b = Breaker::new(config(), 0);
        assert_eq!(b.step(&sample(100, 1, 0, 0)), None);
        let quiet = |now| Sample {
            last_good_ms: Some(100),
            ..sample(now, 0, 0, 0)
        };
        assert_eq!(b.step(&quiet(600)), None);
        let t = b.step(&quiet(601)).unwrap();
        assert_eq!(t.to, Open);
        assert!(t.reason.contains("no good tick for 501 ms"), "{}", t.reason);
        assert_eq!(b.step(&quiet(1_600)), None, "still cooling down");
        assert_eq!(b.step(&quiet(1_601)).unwrap().to, HalfOpen);
        assert_eq!(b.step(&sample(1_700, 3, 0, 0)), None);
        let t = b.step(&sample(1_800, 1, 0, 0)).unwrap();
        assert_eq!((t.from, t.to), (HalfOpen, Closed));
    }

    #[test]
    fn a_failure_while_probing_reopens() {
        let mut b = Breaker::new(config(), 0);
        b.step(&sample(100, 0, 0, 3));
        assert_eq!(b.state(), Open);
        b.step(&sample(1_100, 0, 0, 0));
        assert_eq!(b.state(), HalfOpen);
        let t = b.step(&sample(1_200, 2, 0, 1)).unwrap();
        assert_eq!((t.from, t.to), (HalfOpen, Open));
        // A silent probe reopens too.
        b.step(&sample(2_200, 0, 0, 0));
        assert_eq!(b.state(), HalfOpen);
        assert_eq!(b.step(&sample(2_800, 0, 0, 0)).unwrap().to, Open);
    }

    #[test]
    fn forcing_holds_the_state_until_automatic() {
        let mut b = Breaker::new(config(), 0);
        let t = b.force(Some(Open), 10).unwrap();
        assert_eq!((t.from, t.to), (Closed, Open));
        assert!(b.is_forced());
        assert_eq!(b.step(&sample(5_000, 100, 0, 0)), None);
        assert_eq!(b.state(), Open, "good ticks do not close a forced breaker");
        b.force(Some(Closed), 5_000);
        assert_eq!(b.step(&sample(5_100, 0, 0, 50)), None);
        assert_eq!(b.state(), Closed, "failures do not open a forced breaker");
        assert_eq!(b.force(None, 5_200), None, "already closed");
        assert!(!b.is_forced());
        assert_eq!(b.step(&sample(5_300, 0, 0, 3)).unwrap().to, Open);
    }

    #[test]
    fn scores() {
        assert_eq!(health_score(Closed, true, 0.0), 1.0);
        assert_eq!(health_score(Closed, true, 0.25), 0.75);
        assert_eq!(health_score(HalfOpen, true, 0.0), 0.5);
        assert_eq!(health_score(Open, true, 0.0), 0.0);
        assert_eq!(health_score(Closed, false, 0.0), 0.0);
    }
}
