//! What the overview shows of one environment, built from a few cheap
//! reads of its agent (and its Prometheus): health and data age, DR
//! objectives, open incidents by severity, top movers and SLO states. Each
//! part carries its own failure so one unreachable route does not hide the
//! others.

use market_data_agent::api::{DrStatus, Health, HealthStatus, Incident, IncidentStatus, Quote};
use serde::{Deserialize, Serialize};

use crate::domain::slo::AlertLevel;

/// One round of reads of one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvSummary {
    pub health: Result<HealthSummary, String>,
    pub dr: Result<Box<DrStatus>, String>,
    /// Open (not resolved) agent incidents, SEV1 first.
    pub incidents: Result<[usize; 4], String>,
    /// Biggest moves since the session opened, largest first.
    pub movers: Result<Vec<Mover>, String>,
    /// `None`: the environment has no Prometheus to read SLOs from.
    pub slos: Option<Result<SloCounts, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSummary {
    pub status: HealthStatus,
    /// Age of the freshest tick of a serving source, as the agent reported it.
    pub data_age_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mover {
    pub symbol: String,
    pub price: f64,
    /// Change since the session's open, in percent.
    pub change_pct: f64,
}

/// How many SLOs stand at each alert level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SloCounts {
    pub page: usize,
    pub ticket: usize,
    pub ok: usize,
    /// No figures yet (no traffic, or every query failed).
    pub unknown: usize,
}

/// How many movers a summary keeps.
pub const TOP_MOVERS: usize = 3;

pub fn health_summary(health: &Health) -> HealthSummary {
    let data_age_ms = health
        .sources
        .iter()
        .filter(|s| s.active.unwrap_or(true))
        .filter_map(|s| s.last_tick_age_ms)
        .min();
    HealthSummary {
        status: health.status,
        data_age_ms,
    }
}

/// Open incidents by severity, SEV1 first.
pub fn open_by_severity(incidents: &[Incident]) -> [usize; 4] {
    let mut counts = [0; 4];
    for incident in incidents.iter().filter(|i| i.status != IncidentStatus::Resolved) {
        counts[incident.severity as usize] += 1;
    }
    counts
}

/// The `n` quotes that moved most since the open, either way; ties by symbol.
pub fn top_movers<'a>(quotes: impl IntoIterator<Item = &'a Quote>, n: usize) -> Vec<Mover> {
    let mut movers: Vec<Mover> = quotes
        .into_iter()
        .filter(|q| q.open > 0.0 && q.price.is_finite())
        .map(|q| Mover {
            symbol: q.symbol.clone(),
            price: q.price,
            change_pct: (q.price - q.open) / q.open * 100.0,
        })
        .collect();
    movers.sort_by(|a, b| {
        b.change_pct
            .abs()
            .total_cmp(&a.change_pct.abs())
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    movers.truncate(n);
    movers
}

/// Counts alert levels; `None` is an SLO without figures.
pub fn slo_counts(levels: impl IntoIterator<Item = Option<AlertLevel>>) -> SloCounts {
    let mut counts = SloCounts::default();
    for level in levels {
        match level {
            Some(AlertLevel::Page) => counts.page += 1,
            Some(AlertLevel::Ticket) => counts.ticket += 1,
            Some(_) => counts.ok += 1,
            None => counts.unknown += 1,
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use market_data_agent::api::{Severity, SourceHealth, SourceState};

    use super::*;

    fn quote(symbol: &str, open: f64, price: f64) -> Quote {
        Quote {
            symbol: symbol.to_string(),
            price,
            bid: price,
            ask: price,
            size: 1.0,
            volume: 1.0,
            open,
            ts: 0,
            source: "sim".to_string(),
        }
    }

    fn source(active: Option<bool>, age: Option<u64>) -> SourceHealth {
        let mut value = serde_json::json!({"name": "s", "state": "up", "last_tick_age_ms": age});
        if let Some(active) = active {
            value["active"] = active.into();
        }
        let mut s: SourceHealth = serde_json::from_value(value).unwrap();
        s.state = SourceState::Up;
        s
    }

    #[test]
    fn data_age_is_the_freshest_serving_source() {
        let health = Health {
            status: HealthStatus::Degraded,
            version: "1".to_string(),
            uptime_s: 1.0,
            sources: vec![
                source(Some(false), Some(10)),
                source(Some(true), Some(900)),
                source(None, Some(400)),
                source(None, None),
            ],
        };
        let summary = health_summary(&health);
        assert_eq!(summary.status, HealthStatus::Degraded);
        assert_eq!(
            summary.data_age_ms,
            Some(400),
            "the standby's fresher tick does not count"
        );
    }

    #[test]
    fn movers_are_the_largest_moves_either_way() {
        let quotes = [
            quote("AAA", 100.0, 101.0),
            quote("BBB", 100.0, 95.0),
            quote("CCC", 100.0, 103.0),
            quote("DDD", 0.0, 5.0),
            quote("EEE", 100.0, 100.5),
            quote("ABC", 100.0, 97.0),
        ];
        let movers = top_movers(&quotes, TOP_MOVERS);
        let names: Vec<&str> = movers.iter().map(|m| m.symbol.as_str()).collect();
        assert_eq!(names, ["BBB", "ABC", "CCC"], "-5 %, then the ±3 % tie by symbol");
        assert!((movers[0].change_pct + 5.0).abs() < 1e-9);
        assert!(top_movers(&[], 3).is_empty());
    }

    #[test]
    fn open_incidents_count_by_severity_without_resolved_ones() {
        let incident = |severity: Severity, status: IncidentStatus| -> Incident {
            let mut value = serde_json::json!({
                "id": "i", "title": "t", "severity": "SEV1", "status": "triggered",
                "labels": {}, "dedup_key": "k", "started_at": 0,
                "acknowledged_at": null, "acknowledged_by": null,
                "resolved_at": null, "resolved_by": null, "timeline": []
            });
            value["severity"] = serde_json::to_value(severity).unwrap();
            value["status"] = serde_json::to_value(status).unwrap();
            serde_json::from_value(value).unwrap()
        };
        let incidents = [
            incident(Severity::Sev2, IncidentStatus::Triggered),
            incident(Severity::Sev2, IncidentStatus::Acknowledged),
            incident(Severity::Sev1, IncidentStatus::Resolved),
            incident(Severity::Sev4, IncidentStatus::Triggered),
        ];
        assert_eq!(open_by_severity(&incidents), [0, 2, 0, 1]);
    }

    #[test]
    fn slo_levels_are_counted_and_missing_figures_are_unknown() {
        let counts = slo_counts([
            Some(AlertLevel::Page),
            Some(AlertLevel::Ok),
            None,
            Some(AlertLevel::Ticket),
            Some(AlertLevel::Ok),
        ]);
        assert_eq!(
            counts,
            SloCounts {
                page: 1,
                ticket: 1,
                ok: 2,
                unknown: 1
            }
        );
    }
}
