//! After an action: which signals say whether the system recovered, and
//! their verdicts from the console's latest state. Pure; the app feeds it
//! what it holds and decides when the watch ends.

use market_data_agent::api::{Health, HealthStatus, SourceState};

use super::prepare::Request;
use super::runbook::{CircuitState, Kind};
use crate::domain::cluster::{ClusterSnapshot, rollout_verdict};
use crate::domain::slo::AlertLevel;

/// One signal watched after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// The agent's `/health` says ok.
    AgentHealthy,
    /// No SLO pages (burning budget at the page rate).
    SlosNotPaging,
    /// The agent reports the source's breaker as asked: held open, held
    /// closed, or back under its automatic rules.
    Breaker { source: String, state: CircuitState },
    /// The deployment's rollout is complete and its pods ready (for a
    /// restart: pods restarted at or after `restarted_at_ms`).
    Rollout {
        deployment: String,
        restarted_at_ms: Option<i64>,
    },
}

/// The latest state the verdicts are read from.
#[derive(Debug, Clone, Copy)]
pub struct Signals<'a> {
    pub health: Option<&'a Health>,
    /// Each SLO's name and alert level; empty before the first figures.
    pub slos: &'a [(&'a str, AlertLevel)],
    /// The namespace as last watched; `None` without a cluster.
    pub cluster: Option<&'a ClusterSnapshot>,
}

/// A watched signal's verdict: `None` while unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: &'static str,
    pub verdict: Option<bool>,
    pub detail: String,
}

/// What to watch after `request`: every action that changes the system is
/// judged by the agent's health and the SLOs it serves; actions with no
/// verification window are not watched.
pub fn watches(request: &Request, started_ms: i64) -> Vec<Watch> {
    if request.action.verify.is_zero() || request.dry_run || !request.action.mutates {
        return Vec::new();
    }
    let rollout = |restarted_at_ms| Watch::Rollout {
        deployment: request.target.clone().unwrap_or_default(),
        restarted_at_ms,
    };
    match request.action.kind {
        Kind::AlertmanagerSilence | Kind::Exec(_) => vec![Watch::SlosNotPaging],
        Kind::KubeRestart => vec![rollout(Some(started_ms)), Watch::SlosNotPaging],
        Kind::KubeScale { .. } => vec![rollout(None), Watch::SlosNotPaging],
        Kind::AgentCircuit { state } => vec![Watch::Breaker {
            source: request.target.clone().unwrap_or_default(),
            state,
        }],
        _ => vec![Watch::AgentHealthy, Watch::SlosNotPaging],
    }
}

pub fn check(watch: &Watch, signals: Signals<'_>) -> Check {
    match watch {
        Watch::Breaker { source, state } => {
            let reported = signals
                .health
                .and_then(|h| h.sources.iter().find(|s| &s.name == source));
            let (verdict, detail) = match reported {
                None if signals.health.is_none() => (None, "no health answer yet".to_string()),
                None => (Some(false), format!("the agent reports no source {source}")),
                Some(s) => {
                    let breaker = s.breaker.map_or("none", |b| b.as_str());
                    let held = s.breaker_forced.unwrap_or(false);
                    let ok = match state {
                        CircuitState::Open => breaker == "open" && held,
                        CircuitState::Closed => breaker == "closed" && held,
                        CircuitState::Auto => !held,
                    };
                    let how = if held { "held" } else { "automatic" };
                    (Some(ok), format!("breaker of {source} {breaker} ({how})"))
                }
            };
            Check {
                what: "breaker",
                verdict,
                detail,
            }
        }
        Watch::Rollout {
            deployment,
            restarted_at_ms,
        } => {
            let (verdict, detail) = match signals.cluster {
                None => (None, "no cluster snapshot yet".to_string()),
                Some(snapshot) if snapshot.deployment(deployment).is_none() => {
                    (Some(false), format!("deployment {deployment} not found"))
                }
                Some(snapshot) => {
                    let verdict = rollout_verdict(snapshot, deployment, *restarted_at_ms);
                    (Some(verdict.recovered), verdict.detail)
                }
            };
            Check {
                what: "rollout",
                verdict,
                detail,
            }
        }
        Watch::AgentHealthy => {
            let (verdict, detail) = match signals.health {
                None => (None, "no health answer yet".to_string()),
                Some(health) => {
                    let bad: Vec<&str> = health
                        .sources
                        .iter()
                        .filter(|s| s.state != SourceState::Up)
                        .map(|s| s.name.as_str())
                        .collect();
                    let status = match health.status {
                        HealthStatus::Ok => "ok",
                        HealthStatus::Degraded => "degraded",
                        HealthStatus::Down => "down",
                    };
                    let detail = if bad.is_empty() {
                        format!("agent {status}")
                    } else {
                        format!("agent {status}; not up: {}", bad.join(", "))
                    };
                    (Some(health.status == HealthStatus::Ok), detail)
                }
            };
            Check {
                what: "agent health",
                verdict,
                detail,
            }
        }
        Watch::SlosNotPaging => {
            let paging: Vec<&str> = signals
                .slos
                .iter()
                .filter(|(_, level)| *level == AlertLevel::Page)
                .map(|(name, _)| *name)
                .collect();
            let (verdict, detail) = if signals.slos.is_empty() {
                (None, "no SLO figures yet".to_string())
            } else if paging.is_empty() {
                (Some(true), format!("{} SLOs, none paging", signals.slos.len()))
            } else {
                (Some(false), format!("paging: {}", paging.join(", ")))
            };
            Check {
                what: "SLO burn",
                verdict,
                detail,
            }
        }
    }
}

/// Every check passed.
pub fn recovered(checks: &[Check]) -> bool {
    !checks.is_empty() && checks.iter().all(|c| c.verdict == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(status: HealthStatus) -> Health {
        serde_json::from_value(serde_json::json!({
            "status": status, "version": "0", "uptime_s": 1,
            "sources": [{"name": "sim", "state": "up", "last_tick_age_ms": 20}]
        }))
        .unwrap()
    }

    #[test]
    fn health_and_slos_give_verdicts_and_unknown_before_data() {
        let none = Signals {
            health: None,
            slos: &[],
            cluster: None,
        };
        assert_eq!(check(&Watch::AgentHealthy, none).verdict, None);
        assert_eq!(check(&Watch::SlosNotPaging, none).verdict, None);
        let ok = health(HealthStatus::Ok);
        let slos = [
            ("quotes-availability", AlertLevel::Ok),
            ("freshness", AlertLevel::Ticket),
        ];
        let signals = Signals {
            health: Some(&ok),
            slos: &slos,
            cluster: None,
        };
        let checks = [
            check(&Watch::AgentHealthy, signals),
            check(&Watch::SlosNotPaging, signals),
        ];
        assert!(recovered(&checks), "{checks:?}");
        let degraded = health(HealthStatus::Degraded);
        let paging = [("quotes-availability", AlertLevel::Page)];
        let signals = Signals {
            health: Some(&degraded),
            slos: &paging,
            cluster: None,
        };
        let health_check = check(&Watch::AgentHealthy, signals);
        assert_eq!(
            (health_check.verdict, health_check.detail.as_str()),
            (Some(false), "agent degraded")
        );
        let slo_check = check(&Watch::SlosNotPaging, signals);
        assert_eq!(slo_check.detail, "paging: quotes-availability");
        assert!(!recovered(&[health_check, slo_check]));
    }
}
