//! Health and readiness, derived from the sources' state and the age of
//! their newest accepted tick. Pure, so the rules are tested directly.

use crate::api::{Health, HealthStatus, SourceHealth, SourceState};
use crate::feed::SourceSnapshot;

/// One source's state: down while no feed is connected; stale while connected
/// but without an accepted tick younger than `stale_after_ms`; up otherwise.
pub(crate) fn source_state(
    connected: bool,
    last_tick_age_ms: Option<u64>,
    stale_after_ms: u64,
) -> SourceState {
    match (connected, last_tick_age_ms) {
        (false, _) => SourceState::Down,
        (true, Some(age)) if age <= stale_after_ms => SourceState::Up,
        (true, _) => SourceState::Stale,
    }
}

/// Ok when every source is up, down when none is delivering fresh data
/// (or there is no source), degraded in between.
pub(crate) fn overall(states: &[SourceState]) -> HealthStatus {
    let up = states.iter().filter(|s| **s == SourceState::Up).count();
    if up == 0 {
        HealthStatus::Down
    } else if up == states.len() {
        HealthStatus::Ok
    } else {
        HealthStatus::Degraded
    }
}

/// Ready when at least one source delivers fresh data.
pub(crate) fn is_ready(health: &Health) -> bool {
    health.sources.iter().any(|s| s.state == SourceState::Up)
}

/// The `/health` document for the given sources at wall-clock `now_ms`.
pub(crate) fn health(sources: &[SourceSnapshot], now_ms: i64, uptime_s: f64, stale_after_ms: u64) -> Health {
    let sources: Vec<SourceHealth> = sources
        .iter()
        .map(|s| {
            let age = s
                .last_tick_ms
                .map(|t| u64::try_from(now_ms.saturating_sub(t)).unwrap_or(0));
            SourceHealth {
                name: s.name.to_string(),
                state: source_state(s.connected, age, stale_after_ms),
                last_tick_age_ms: age,
                kind: None,
                group: None,
                priority: None,
                active: None,
                breaker: None,
                breaker_forced: None,
                health_score: None,
                failovers: None,
                last_error: None,
                last_error_age_ms: None,
            }
        })
        .collect();
    let states: Vec<SourceState> = sources.iter().map(|s| s.state).collect();
    Health {
        status: overall(&states),
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_s,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SourceState::*;

    #[test]
    fn source_states() {
        assert_eq!(source_state(false, Some(0), 100), Down);
        assert_eq!(source_state(true, None, 100), Stale);
        assert_eq!(source_state(true, Some(100), 100), Up);
        assert_eq!(source_state(true, Some(101), 100), Stale);
    }

    #[test]
    fn overall_status() {
        assert_eq!(overall(&[]), HealthStatus::Down);
        assert_eq!(overall(&[Up]), HealthStatus::Ok);
        assert_eq!(overall(&[Up, Stale]), HealthStatus::Degraded);
        assert_eq!(overall(&[Up, Down]), HealthStatus::Degraded);
        assert_eq!(overall(&[Stale, Down]), HealthStatus::Down);
    }

    #[test]
    fn health_document_and_readiness() {
        let snap = |name: &str, connected, last| SourceSnapshot {
            name: name.into(),
            connected,
            last_tick_ms: last,
        };
        let h = health(
            &[snap("sim", true, Some(950)), snap("replay", false, None)],
            1_000,
            2.5,
            100,
        );
        assert_eq!(h.status, HealthStatus::Degraded);
        assert_eq!(h.sources[0].last_tick_age_ms, Some(50));
        assert_eq!(h.sources[1].state, Down);
        assert!(is_ready(&h));
        let h = health(&[snap("sim", true, Some(0))], 1_000, 2.5, 100);
        assert_eq!(h.status, HealthStatus::Down);
        assert!(!is_ready(&h));
    }
}
