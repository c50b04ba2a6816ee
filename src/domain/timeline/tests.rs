use std::collections::BTreeMap;

use market_data_agent::api::{Incident, IncidentStatus, Severity};

use super::*;
use crate::actions::audit::{AuditEntry, Phase};
use crate::domain::cluster::{ClusterSnapshot, DeploymentInfo, EventInfo, PodInfo, Rollout};
use crate::domain::slo::{AlertLevel, AlertState};
use crate::sources::alertmanager::{Alert, AlertGroup, AlertState as AmState, AlertStatus};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const ENV: &str = "prod-eu";

fn titles(timeline: &Timeline) -> Vec<&str> {
    timeline.events().iter().map(|e| e.title.as_str()).collect()
}

fn slo(level: AlertLevel) -> AlertState {
    AlertState {
        level,
        reason: (level != AlertLevel::Ok).then(|| "1h 20.0 > 14.4 and 5m 30.0 > 14.4".to_string()),
    }
}

fn alert(fp: &str, severity: &str, starts_at: i64, ends_at: i64) -> Alert {
    Alert {
        fingerprint: fp.into(),
        labels: BTreeMap::from([
            ("alertname".to_string(), format!("Alert{fp}")),
            ("severity".to_string(), severity.to_string()),
        ]),
        annotations: BTreeMap::new(),
        starts_at,
        ends_at,
        updated_at: starts_at,
        generator_url: None,
        receivers: vec!["page".into()],
        status: AlertStatus {
            state: AmState::Active,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        },
    }
}

fn group(alerts: Vec<Alert>) -> AlertGroup {
    AlertGroup {
        labels: BTreeMap::new(),
        receiver: "page".into(),
        alerts,
    }
}

fn incident(id: &str, acked: Option<i64>, resolved: Option<i64>) -> Incident {
    Incident {
        id: id.into(),
        title: format!("Price anomaly on {id}"),
        severity: Severity::Sev2,
        status: if resolved.is_some() {
            IncidentStatus::Resolved
        } else {
            IncidentStatus::Triggered
        },
        labels: BTreeMap::from([("symbol".to_string(), id.to_string())]),
        dedup_key: format!("price_anomaly:symbol:{id}"),
        started_at: T0,
        acknowledged_at: acked,
        acknowledged_by: acked.map(|_| "ana".to_string()),
        resolved_at: resolved,
        resolved_by: resolved.map(|_| "auto".to_string()),
        timeline: Vec::new(),
    }
}

fn deployment(name: &str, desired: i32, rollout: Rollout) -> DeploymentInfo {
    DeploymentInfo {
        name: name.into(),
        desired,
        ready: desired,
        updated: desired,
        available: desired,
        rollout,
        created_at_ms: Some(T0),
        generation: 1,
        observed_generation: 1,
    }
}

fn pod(name: &str, restarts: i32) -> PodInfo {
    PodInfo {
        name: name.into(),
        phase: "Running".into(),
        ready_containers: 1,
        containers: 1,
        restarts,
        node: None,
        reason: (restarts > 0).then(|| "CrashLoopBackOff".to_string()),
        created_at_ms: Some(T0),
        healthy: restarts == 0,
        terminating: false,
        owner: None,
        restarted_at_ms: None,
        resources: Default::default(),
    }
}

fn event(kind: &str, reason: &str, last_seen_ms: i64) -> EventInfo {
    EventInfo {
        kind: kind.into(),
        reason: reason.into(),
        object: "Pod/mda-1".into(),
        message: format!("{reason} happened"),
        count: 2,
        last_seen_ms: Some(last_seen_ms),
    }
}

fn audit(phase: Phase, time: &str, result: &str) -> AuditEntry {
    AuditEntry {
        time: time.into(),
        phase,
        user: "ana".into(),
        context: BTreeMap::new(),
        action: "restart".into(),
        kind: "kube.restart".into(),
        target: Some("mda-agent".into()),
        params: BTreeMap::new(),
        dry_run: false,
        result: (phase != Phase::Started).then(|| result.to_string()),
        error: None,
        duration_ms: None,
        message: None,
    }
}

#[test]
fn slo_level_changes_are_events_and_a_repeated_level_adds_nothing() {
    let mut t = Timeline::new(100);
    let (ok, page, ticket) = (
        slo(AlertLevel::Ok),
        slo(AlertLevel::Page),
        slo(AlertLevel::Ticket),
    );
    t.observe_slos(ENV, T0, [("latency", &ok), ("freshness", &ticket)]);
    t.observe_slos(ENV, T0 + MIN, [("latency", &ok), ("freshness", &ticket)]);
    t.observe_slos(ENV, T0 + 2 * MIN, [("latency", &page), ("freshness", &ticket)]);
    t.observe_slos(ENV, T0 + 3 * MIN, [("latency", &ok)]);
    assert_eq!(
        titles(&t),
        [
            "SLO freshness ticket",
            "SLO latency page (was ok)",
            "SLO latency ok (was page)"
        ]
    );
    let page_event = &t.events()[1];
    assert_eq!(
        (
            page_event.level,
            page_event.kind,
            page_event.related,
            page_event.at_ms
        ),
        (Level::Critical, Kind::Slo, Related::Slos, T0 + 2 * MIN)
    );
    assert!(page_event.detail.contains("14.4"), "{}", page_event.detail);
    assert_eq!(t.events()[2].level, Level::Ok);
}

#[test]
fn alerts_fire_at_their_start_and_resolve_once_by_fingerprint() {
    let mut t = Timeline::new(100);
    let a = alert("a1", "critical", T0 - 5 * MIN, T0 + 60 * MIN);
    let b = alert("b2", "warning", T0 + MIN, T0 + 60 * MIN);
    // The same alert in two groups counts once.
    t.observe_alerts(ENV, T0, &[group(vec![a.clone()]), group(vec![a.clone()])]);
    t.observe_alerts(ENV, T0 + MIN, &[group(vec![a.clone()])]);
    t.observe_alerts(ENV, T0 + 2 * MIN, &[group(vec![a.clone(), b.clone()])]);
    // a ends (its endsAt passed, still listed); b drops out of the answer.
    let mut a_ended = a.clone();
    a_ended.ends_at = T0 + 2 * MIN + 30_000;
    t.observe_alerts(ENV, T0 + 3 * MIN, &[group(vec![a_ended])]);
    t.observe_alerts(ENV, T0 + 4 * MIN, &[]);
    let got: Vec<(i64, &str, Level, &str)> = t
        .events()
        .iter()
        .map(|e| (e.at_ms - T0, e.title.as_str(), e.level, e.subject.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (-5 * MIN, "Alerta1 firing", Level::Critical, "alert:a1"),
            (MIN, "Alertb2 firing", Level::Warning, "alert:b2"),
            (2 * MIN + 30_000, "Alerta1 resolved", Level::Ok, "alert:a1"),
            (3 * MIN, "Alertb2 resolved", Level::Ok, "alert:b2"),
        ]
    );
    assert!(t.events()[0].detail.contains("severity=critical"));
}

#[test]
fn incidents_open_are_acknowledged_and_resolve_once_at_the_agents_times() {
    let mut t = Timeline::new(100);
    t.observe_incidents(ENV, &[incident("AAPL", None, None)]);
    t.observe_incidents(ENV, &[incident("AAPL", None, None)]);
    t.observe_incidents(ENV, &[incident("AAPL", Some(T0 + MIN), None)]);
    t.observe_incidents(ENV, &[incident("AAPL", Some(T0 + MIN), Some(T0 + 3 * MIN))]);
    t.observe_incidents(ENV, &[incident("AAPL", Some(T0 + MIN), Some(T0 + 3 * MIN))]);
    // Seen for the first time already resolved: all three, at their times.
    t.observe_incidents(
        ENV,
        &[
            incident("AAPL", Some(T0 + MIN), Some(T0 + 3 * MIN)),
            incident("MSFT", Some(T0 + 2 * MIN), Some(T0 + 4 * MIN)),
        ],
    );
    let got: Vec<(i64, &str)> = t
        .events()
        .iter()
        .map(|e| (e.at_ms - T0, e.title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (0, "SEV2 Price anomaly on AAPL opened"),
            (0, "SEV2 Price anomaly on MSFT opened"),
            (MIN, "SEV2 Price anomaly on AAPL acknowledged by ana"),
            (2 * MIN, "SEV2 Price anomaly on MSFT acknowledged by ana"),
            (3 * MIN, "SEV2 Price anomaly on AAPL resolved by auto"),
            (4 * MIN, "SEV2 Price anomaly on MSFT resolved by auto"),
        ]
    );
    assert_eq!(t.events()[0].level, Level::Critical);
    assert_eq!(t.events()[0].subject, "incident:AAPL");
    assert_eq!(t.events()[0].related, Related::Incidents);
}

#[test]
fn cluster_rollouts_scaling_restarts_and_events_show_once() {
    let mut t = Timeline::new(100);
    let snapshot = |desired: i32, rollout: Rollout, restarts: i32, events: Vec<EventInfo>| ClusterSnapshot {
        deployments: vec![deployment("mda", desired, rollout)],
        pods: vec![pod("mda-1", restarts)],
        events,
    };
    let warning = event("Warning", "BackOff", T0 - MIN);
    let routine = event("Normal", "Pulled", T0 - MIN);
    // The baseline: only the warning, which has a time of its own.
    t.observe_cluster(
        ENV,
        T0,
        &snapshot(2, Rollout::Complete, 0, vec![warning.clone(), routine]),
    );
    t.observe_cluster(
        ENV,
        T0 + MIN,
        &snapshot(2, Rollout::Complete, 0, vec![warning.clone()]),
    );
    let progressing = Rollout::Progressing {
        reason: "ReplicaSetUpdated".into(),
    };
    let scaled = event("Normal", "ScalingReplicaSet", T0 + 2 * MIN);
    t.observe_cluster(
        ENV,
        T0 + 2 * MIN,
        &snapshot(3, progressing, 1, vec![warning, scaled]),
    );
    t.observe_cluster(
        ENV,
        T0 + 3 * MIN,
        &snapshot(
            3,
            Rollout::Stalled {
                reason: "ProgressDeadlineExceeded".into(),
            },
            1,
            Vec::new(),
        ),
    );
    let got: Vec<(i64, &str, Level)> = t
        .events()
        .iter()
        .map(|e| (e.at_ms - T0, e.title.as_str(), e.level))
        .collect();
    assert_eq!(
        got,
        [
            (-MIN, "BackOff Pod/mda-1 (x2)", Level::Warning),
            (2 * MIN, "mda scaled 2 -> 3", Level::Info),
            (2 * MIN, "rollout of mda started", Level::Info),
            (2 * MIN, "pod mda-1 restarted (0 -> 1)", Level::Warning),
            (2 * MIN, "ScalingReplicaSet Pod/mda-1 (x2)", Level::Info),
            (
                3 * MIN,
                "rollout of mda stalled: ProgressDeadlineExceeded",
                Level::Critical
            ),
        ]
    );
    assert!(
        t.events()
            .iter()
            .all(|e| e.kind == Kind::Kube && e.related == Related::Cluster)
    );
}

#[test]
fn audit_entries_are_finished_actions_and_verifications_once() {
    let mut t = Timeline::new(100);
    let entries = [
        audit(Phase::Started, "2027-01-15T08:00:00.000Z", ""),
        audit(Phase::Finished, "2027-01-15T08:00:01.000Z", "ok"),
        audit(Phase::Verified, "2027-01-15T08:01:00.000Z", "not_recovered"),
    ];
    t.observe_audit(ENV, T0, &entries);
    t.observe_audit(ENV, T0 + MIN, &entries);
    let mut bad_time = audit(Phase::Finished, "yesterday", "error");
    bad_time.error = Some("HTTP 403".into());
    t.observe_audit(ENV, T0 + 2 * MIN, &[bad_time]);
    let got: Vec<(&str, Level, Related)> = t
        .events()
        .iter()
        .map(|e| (e.title.as_str(), e.level, e.related))
        .collect();
    assert_eq!(
        got,
        [
            ("restart mda-agent by ana: ok", Level::Info, Related::Cluster),
            (
                "restart mda-agent: not recovered",
                Level::Critical,
                Related::Cluster
            ),
            (
                "restart mda-agent by ana: error",
                Level::Warning,
                Related::Cluster
            ),
        ]
    );
    assert_eq!(
        t.events()[0].at_ms,
        audit_time_ms("2027-01-15T08:00:01.000Z").unwrap()
    );
    assert_eq!(
        t.events()[2].at_ms,
        T0 + 2 * MIN,
        "an unreadable time: when it was read"
    );
    assert!(t.events()[2].detail.contains("HTTP 403"));
}

#[test]
fn each_environment_has_its_own_baseline() {
    let mut t = Timeline::new(100);
    let a = alert("a1", "critical", T0, T0 + 60 * MIN);
    t.observe_alerts("prod-eu", T0, &[group(vec![a.clone()])]);
    // Another environment's answer without a1 resolves nothing of prod-eu.
    t.observe_alerts("prod-us", T0 + MIN, &[]);
    t.observe_alerts("prod-eu", T0 + 2 * MIN, &[group(vec![a])]);
    assert_eq!(titles(&t), ["Alerta1 firing"]);
    assert_eq!(t.events()[0].environment, "prod-eu");
}

#[test]
fn the_log_is_time_ordered_and_bounded_with_the_oldest_dropped_and_counted() {
    let mut t = Timeline::new(3);
    let alerts: Vec<Alert> = [5, 1, 4, 2, 3]
        .iter()
        .map(|&m| alert(&format!("x{m}"), "warning", T0 + m * MIN, T0 + 60 * MIN))
        .collect();
    for (i, a) in alerts.iter().enumerate() {
        t.observe_alerts(ENV, T0, &[group(alerts[..=i].to_vec())]);
        let _ = a;
    }
    assert_eq!(t.len(), 3);
    assert_eq!(t.dropped(), 2);
    assert_eq!(titles(&t), ["Alertx3 firing", "Alertx4 firing", "Alertx5 firing"]);
    // Equal times keep the order they were derived in.
    let mut t = Timeline::new(10);
    let ok = slo(AlertLevel::Page);
    t.observe_slos(ENV, T0, [("b", &ok), ("a", &ok)]);
    assert_eq!(titles(&t), ["SLO b page", "SLO a page"]);
}

#[test]
fn filters_by_kind_environment_and_case_insensitive_text() {
    let mut t = Timeline::new(100);
    let page = slo(AlertLevel::Page);
    t.observe_slos("prod-eu", T0, [("latency", &page)]);
    t.observe_incidents("prod-us", &[incident("AAPL", None, None)]);
    t.observe_alerts(
        "prod-us",
        T0,
        &[group(vec![alert("a1", "warning", T0, T0 + MIN * 60)])],
    );
    let shown = |f: &Filter| -> Vec<&str> {
        t.events()
            .iter()
            .filter(|e| f.matches(e))
            .map(|e| e.title.as_str())
            .collect()
    };
    let mut filter = Filter::default();
    assert_eq!(shown(&filter).len(), 3);
    filter.toggle_kind(Kind::Slo);
    filter.toggle_kind(Kind::Alert);
    assert!(!filter.shows_kind(Kind::Slo));
    assert_eq!(shown(&filter), ["SEV2 Price anomaly on AAPL opened"]);
    filter.toggle_kind(Kind::Slo);
    filter.toggle_kind(Kind::Alert);

    assert_eq!(t.environments(), ["prod-eu", "prod-us"]);
    filter.cycle_environment(&t.environments());
    assert_eq!(shown(&filter), ["SLO latency page"]);
    filter.cycle_environment(&t.environments());
    assert_eq!(shown(&filter).len(), 2);
    filter.cycle_environment(&t.environments());
    assert_eq!(filter.environment, None);

    filter.text = "ANOMALY".into();
    assert_eq!(shown(&filter), ["SEV2 Price anomaly on AAPL opened"]);
    // Detail and subject match too.
    filter.text = "severity=warn".into();
    assert_eq!(shown(&filter), ["Alerta1 firing"]);
    filter.text = "nothing like it".into();
    assert!(shown(&filter).is_empty());
    filter.text = "~^SEV2 .* opened$".into();
    assert_eq!(shown(&filter), ["SEV2 Price anomaly on AAPL opened"]);
}
