//! Incident correlation: the agent's own incidents (its wire type,
//! `market_data_agent::api::Incident`) and Alertmanager's alert groups
//! become incident rows, one per problem, like a grouping in karma. Pure:
//! the caller passes the time. Times are Unix milliseconds.
//!
//! Rules:
//!
//! - Every alert (once, by fingerprint, even when several groups hold it)
//!   and every agent incident is a *signal* with a time span: an alert from
//!   `startsAt` to `endsAt` when that has passed, else to `now` (firing); an
//!   incident from `started_at` to `resolved_at`, else to `now`.
//! - Two signals belong to one row when they have the same `service` label,
//!   the same `component` label when both have one, and spans that overlap
//!   or come within `slack` of each other. Rows are the connected groups of
//!   that relation, with one exception: a row never holds two components.
//!   The first component to join a row claims it, so a signal without
//!   `component` that overlaps rows of two components joins the older row.
//!   Signals are taken oldest first, so the result does not depend on the
//!   order of the input.
//! - A signal without a `service` label has a row of its own.
//! - Severity is the most severe signal's (incidents carry theirs). Alert
//!   severities come from the `severity` label: `page` and `critical` are
//!   SEV1; `ticket` and `warning` SEV3; `info` SEV4; `sev1` to `sev4`
//!   themselves; anything else or nothing SEV3 (worth a look, not a page).
//!   Case does not matter.
//! - The title is the most severe signal's (firing before resolved, then
//!   the oldest): an alert's `summary` annotation, else its `alertname`.
//! - Status: *triggered* when a signal fires that nobody handles (an
//!   unacknowledged incident, or an alert neither silenced nor inhibited);
//!   *acknowledged* when every firing signal is acknowledged, silenced or
//!   inhibited; *resolved* when nothing fires.
//! - Markers: `acked` when an incident is acknowledged or an alert is
//!   silenced by an ACK silence (comment `ACK!`); `silenced` when a firing
//!   alert is silenced by any silence.
//! - Order: open rows before resolved ones, then by severity, then oldest
//!   first (an older problem of the same severity has waited longer).
//! - Row ids are stable across refreshes while the row's signals last: the
//!   key of its earliest agent incident (incidents stay listed after they
//!   resolve), else of its earliest alert. When that signal goes, the id
//!   changes; [`reselect`] then finds the row again by any signal it shares.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

pub use market_data_agent::api::{Incident, IncidentStatus, Severity};

use crate::sources::alertmanager::{AlertGroup, Silence, UnixMs};

/// An alert's severity from its `severity` label (see the module docs).
pub fn severity_from_alert_label(label: Option<&str>) -> Severity {
    match label.map(str::to_ascii_lowercase).as_deref() {
        Some("page" | "critical") => Severity::Sev1,
        Some("info") => Severity::Sev4,
        Some(other) => Severity::parse(other).unwrap_or(Severity::Sev3),
        // ticket, warning, unknown and missing.
        None => Severity::Sev3,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignalKind {
    /// An agent incident (sorts first among signals that start together).
    Incident,
    Alert,
}

/// One alert or agent incident inside a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: SignalKind,
    /// `incident:<id>` or `alert:<fingerprint>`: unique and stable.
    pub key: String,
    pub title: String,
    pub severity: Severity,
    pub labels: BTreeMap<String, String>,
    /// An alert's annotations (summary, description, runbook_url ...);
    /// empty for an incident.
    pub annotations: BTreeMap<String, String>,
    /// For an alert, the labels of the Alertmanager group it came in (what
    /// an ACK silences).
    pub group_labels: Option<BTreeMap<String, String>>,
    /// Ids of the silences muting an alert.
    pub silenced_by: Vec<String>,
    pub started_at: UnixMs,
    /// When it stopped; `None` while it fires.
    pub ended_at: Option<UnixMs>,
    /// An acknowledged incident, or an alert silenced by an ACK silence.
    pub acked: bool,
    /// An alert silenced by any silence.
    pub silenced: bool,
    pub inhibited: bool,
}

impl Signal {
    pub fn is_firing(&self) -> bool {
        self.ended_at.is_none()
    }

    /// Firing and handled by nobody.
    pub fn needs_attention(&self) -> bool {
        self.is_firing() && !(self.acked || self.silenced || self.inhibited)
    }

    fn service(&self) -> Option<&str> {
        label(&self.labels, "service")
    }

    fn component(&self) -> Option<&str> {
        label(&self.labels, "component")
    }

    fn span(&self, now: UnixMs) -> (UnixMs, UnixMs) {
        let end = self.ended_at.unwrap_or(now).max(self.started_at);
        (self.started_at, end)
    }
}

fn label<'a>(labels: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    labels.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelationOptions {
    /// Spans that miss each other by up to this much still correlate:
    /// Prometheus alerts start a `for:` period after the problem, and the
    /// agent may resolve an incident just before an alert fires.
    pub slack: Duration,
}

impl Default for CorrelationOptions {
    fn default() -> CorrelationOptions {
        CorrelationOptions {
            slack: Duration::from_secs(120),
        }
    }
}

/// One problem, with all its signals.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub service: Option<String>,
    pub component: Option<String>,
    pub status: IncidentStatus,
    /// The earliest signal's start.
    pub started_at: UnixMs,
    /// When the last signal stopped, once none fires.
    pub ended_at: Option<UnixMs>,
    /// Oldest first.
    pub signals: Vec<Signal>,
    pub acked: bool,
    pub silenced: bool,
}

impl IncidentRow {
    pub fn signal_count(&self) -> usize {
        self.signals.len()
    }

    pub fn firing_count(&self) -> usize {
        self.signals.iter().filter(|s| s.is_firing()).count()
    }

    /// Time since the row started (zero for a start in the future).
    pub fn age(&self, now: UnixMs) -> Duration {
        Duration::from_millis(u64::try_from(now - self.started_at).unwrap_or(0))
    }

    /// The distinct Alertmanager groups of the row's alerts: what acking the
    /// row silences.
    pub fn alert_groups(&self) -> Vec<&BTreeMap<String, String>> {
        let mut groups: Vec<&BTreeMap<String, String>> = Vec::new();
        for labels in self.signals.iter().filter_map(|s| s.group_labels.as_ref()) {
            if !groups.contains(&labels) {
                groups.push(labels);
            }
        }
        groups
    }

    /// Ids of the row's agent incidents.
    pub fn incident_ids(&self) -> Vec<&str> {
        self.signals
            .iter()
            .filter_map(|s| s.key.strip_prefix("incident:"))
            .collect()
    }
}

/// The signals of Alertmanager's groups (each alert once) and of the
/// agent's incidents. `silences` tell ACKs from other silences; silences
/// not in it count as plain silences.
pub fn signals(
    groups: &[AlertGroup],
    silences: &[Silence],
    incidents: &[Incident],
    now: UnixMs,
) -> Vec<Signal> {
    let acks: HashSet<&str> = silences
        .iter()
        .filter(|s| s.is_ack())
        .map(|s| s.id.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for incident in incidents {
        let resolved = incident.status == IncidentStatus::Resolved;
        out.push(Signal {
            kind: SignalKind::Incident,
            key: format!("incident:{}", incident.id),
            title: incident.title.clone(),
            severity: incident.severity,
            labels: incident.labels.clone(),
            annotations: BTreeMap::new(),
            group_labels: None,
            silenced_by: Vec::new(),
            started_at: incident.started_at,
            ended_at: resolved.then(|| incident.resolved_at.unwrap_or(incident.started_at)),
            acked: incident.status == IncidentStatus::Acknowledged,
            silenced: false,
            inhibited: false,
        });
    }
    for group in groups {
        for alert in &group.alerts {
            if !seen.insert(alert.fingerprint.as_str()) {
                continue;
            }
            let title = alert
                .annotations
                .get("summary")
                .filter(|s| !s.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| match alert.name() {
                    "" => format!("alert {}", alert.fingerprint),
                    name => name.to_string(),
                });
            out.push(Signal {
                kind: SignalKind::Alert,
                key: format!("alert:{}", alert.fingerprint),
                title,
                severity: severity_from_alert_label(alert.labels.get("severity").map(String::as_str)),
                labels: alert.labels.clone(),
                annotations: alert.annotations.clone(),
                group_labels: Some(group.labels.clone()),
                silenced_by: alert.status.silenced_by.clone(),
                started_at: alert.starts_at,
                ended_at: (!alert.is_firing(now)).then_some(alert.ends_at),
                acked: alert
                    .status
                    .silenced_by
                    .iter()
                    .any(|id| acks.contains(id.as_str())),
                silenced: !alert.status.silenced_by.is_empty(),
                inhibited: !alert.status.inhibited_by.is_empty(),
            });
        }
    }
    out
}

/// A row being built.
struct Cluster {
    service: Option<String>,
    component: Option<String>,
    start: UnixMs,
    end: UnixMs,
    signals: Vec<Signal>,
}

fn components_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Correlates everything into rows, sorted (see the module docs).
pub fn correlate(
    groups: &[AlertGroup],
    silences: &[Silence],
    incidents: &[Incident],
    now: UnixMs,
    options: &CorrelationOptions,
) -> Vec<IncidentRow> {
    correlate_signals(signals(groups, silences, incidents, now), now, options)
}

/// Correlates signals into rows, sorted (see the module docs).
pub fn correlate_signals(
    mut signals: Vec<Signal>,
    now: UnixMs,
    options: &CorrelationOptions,
) -> Vec<IncidentRow> {
    let slack = i64::try_from(options.slack.as_millis()).unwrap_or(i64::MAX);
    signals.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    let mut clusters: Vec<Cluster> = Vec::new();
    for signal in signals {
        let (start, end) = signal.span(now);
        let service = signal.service().map(str::to_string);
        let component = signal.component().map(str::to_string);
        // Taken oldest first, a signal can only reach rows that are still
        // apart from each other because their components differ: it joins
        // the oldest it can.
        let joins = service.as_deref().and_then(|service| {
            clusters.iter().position(|c| {
                c.service.as_deref() == Some(service)
                    && components_agree(c.component.as_deref(), component.as_deref())
                    && c.start.saturating_sub(slack) <= end
                    && start <= c.end.saturating_add(slack)
            })
        });
        let Some(target) = joins else {
            clusters.push(Cluster {
                service,
                component,
                start,
                end,
                signals: vec![signal],
            });
            continue;
        };
        let into = &mut clusters[target];
        into.start = into.start.min(start);
        into.end = into.end.max(end);
        into.component = into.component.take().or(component);
        into.signals.push(signal);
    }
    let mut rows: Vec<IncidentRow> = clusters.into_iter().map(row).collect();
    rows.sort_by(|a, b| {
        (
            a.status == IncidentStatus::Resolved,
            a.severity,
            a.started_at,
            &a.id,
        )
            .cmp(&(
                b.status == IncidentStatus::Resolved,
                b.severity,
                b.started_at,
                &b.id,
            ))
    });
    rows
}

fn order_key(signal: &Signal) -> (UnixMs, SignalKind, &str) {
    (signal.started_at, signal.kind, signal.key.as_str())
}

fn row(mut cluster: Cluster) -> IncidentRow {
    cluster.signals.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    let signals = cluster.signals;
    let id = signals
        .iter()
        .find(|s| s.kind == SignalKind::Incident)
        .unwrap_or(&signals[0])
        .key
        .clone();
    let lead = signals
        .iter()
        .min_by_key(|s| (s.severity, !s.is_firing(), order_key(s)))
        .expect("a cluster has a signal");
    let firing: Vec<&Signal> = signals.iter().filter(|s| s.is_firing()).collect();
    let status = if firing.is_empty() {
        IncidentStatus::Resolved
    } else if firing.iter().any(|s| s.needs_attention()) {
        IncidentStatus::Triggered
    } else {
        IncidentStatus::Acknowledged
    };
    IncidentRow {
        id,
        title: lead.title.clone(),
        severity: lead.severity,
        service: cluster.service,
        component: cluster.component,
        status,
        started_at: signals.iter().map(|s| s.started_at).min().unwrap_or_default(),
        ended_at: firing
            .is_empty()
            .then(|| signals.iter().filter_map(|s| s.ended_at).max())
            .flatten(),
        acked: signals.iter().any(|s| s.acked),
        silenced: firing.iter().any(|s| s.silenced),
        signals,
    }
}

/// The row that `previous` (a row of an earlier refresh) has become: the
/// one with its id, else the first that shares a signal with it.
pub fn reselect(rows: &[IncidentRow], previous: &IncidentRow) -> Option<usize> {
    rows.iter().position(|r| r.id == previous.id).or_else(|| {
        let keys: HashSet<&str> = previous.signals.iter().map(|s| s.key.as_str()).collect();
        rows.iter()
            .position(|r| r.signals.iter().any(|s| keys.contains(s.key.as_str())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::alertmanager::{Alert, AlertState, AlertStatus, SilenceState};

    const MIN: i64 = 60_000;
    /// 2024-05-01T12:00:00Z
    const T0: UnixMs = 1_714_564_800_000;
    const SVC: &str = "market-data-agent";

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A firing alert (ends in the future, as Alertmanager reports them).
    fn alert(fp: &str, pairs: &[(&str, &str)], starts_at: UnixMs) -> Alert {
        Alert {
            fingerprint: fp.into(),
            labels: labels(pairs),
            annotations: BTreeMap::new(),
            starts_at,
            ends_at: T0 + 1000 * MIN,
            updated_at: starts_at,
            generator_url: None,
            receivers: vec!["page".into()],
            status: AlertStatus {
                state: AlertState::Active,
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
            },
        }
    }

    fn group(alerts: Vec<Alert>) -> AlertGroup {
        let first = &alerts[0].labels;
        let labels = ["alertname", "service"]
            .iter()
            .filter_map(|k| first.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        AlertGroup {
            labels,
            receiver: "page".into(),
            alerts,
        }
    }

    fn incident(id: &str, pairs: &[(&str, &str)], started_at: UnixMs, status: IncidentStatus) -> Incident {
        let resolved = status == IncidentStatus::Resolved;
        let acked = status == IncidentStatus::Acknowledged;
        Incident {
            id: id.into(),
            title: format!("incident {id}"),
            severity: Severity::Sev2,
            status,
            labels: labels(pairs),
            dedup_key: format!("test:{id}"),
            started_at,
            acknowledged_at: acked.then_some(started_at + MIN),
            acknowledged_by: acked.then(|| "ana".to_string()),
            resolved_at: resolved.then_some(started_at + 5 * MIN),
            resolved_by: resolved.then(|| "auto".to_string()),
            timeline: Vec::new(),
        }
    }

    fn run(groups: &[AlertGroup], incidents: &[Incident], now: UnixMs) -> Vec<IncidentRow> {
        correlate(groups, &[], incidents, now, &CorrelationOptions::default())
    }

    fn keys(row: &IncidentRow) -> Vec<&str> {
        row.signals.iter().map(|s| s.key.as_str()).collect()
    }

    #[test]
    fn alerts_and_incidents_of_one_service_and_time_become_one_row() {
        let feed = [("service", SVC), ("component", "feed"), ("severity", "ticket")];
        let groups = [
            group(vec![
                alert(
                    "a1",
                    &[("alertname", "MdaFeedStale"), feed[0], feed[1], feed[2]],
                    T0 + MIN,
                ),
                alert(
                    "a2",
                    &[("alertname", "MdaFeedStale"), feed[0], feed[2]],
                    T0 + 2 * MIN,
                ),
            ]),
            group(vec![alert(
                "b1",
                &[("alertname", "MdaSourceDown"), feed[0], feed[1]],
                T0 + 3 * MIN,
            )]),
        ];
        let incidents = [incident(
            "i1",
            &[feed[0], feed[1], ("source", "sim")],
            T0,
            IncidentStatus::Triggered,
        )];
        let rows = run(&groups, &incidents, T0 + 10 * MIN);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        let row = &rows[0];
        assert_eq!(keys(row), ["incident:i1", "alert:a1", "alert:a2", "alert:b1"]);
        assert_eq!(row.signal_count(), 4);
        assert_eq!(row.firing_count(), 4);
        assert_eq!(row.id, "incident:i1");
        assert_eq!(row.service.as_deref(), Some(SVC));
        assert_eq!(row.component.as_deref(), Some("feed"));
        assert_eq!(row.started_at, T0);
        assert_eq!(row.age(T0 + 10 * MIN), Duration::from_secs(600));
        assert_eq!(row.status, IncidentStatus::Triggered);
        assert_eq!(row.incident_ids(), ["i1"]);
        assert_eq!(row.alert_groups().len(), 2);
    }

    #[test]
    fn services_and_components_never_mix() {
        let groups = [group(vec![
            alert(
                "a",
                &[("alertname", "X"), ("service", SVC), ("component", "feed")],
                T0,
            ),
            alert(
                "b",
                &[("alertname", "X"), ("service", "mdops"), ("component", "feed")],
                T0,
            ),
            alert(
                "c",
                &[("alertname", "X"), ("service", SVC), ("component", "websocket")],
                T0,
            ),
            alert("d", &[("alertname", "X")], T0),
            alert("e", &[("alertname", "X")], T0),
        ])];
        let rows = run(&groups, &[], T0 + MIN);
        assert_eq!(rows.len(), 5, "{rows:#?}");
        assert!(rows.iter().all(|r| r.signal_count() == 1));
        let no_service: Vec<_> = rows.iter().filter(|r| r.service.is_none()).collect();
        assert_eq!(no_service.len(), 2);
    }

    #[test]
    fn a_signal_without_component_joins_one_component_only() {
        let groups = [group(vec![
            alert("feed", &[("service", SVC), ("component", "feed")], T0),
            alert("ws", &[("service", SVC), ("component", "websocket")], T0 + MIN),
            alert("bare", &[("service", SVC)], T0 + 2 * MIN),
        ])];
        let rows = run(&groups, &[], T0 + 5 * MIN);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        let feed = rows
            .iter()
            .find(|r| r.component.as_deref() == Some("feed"))
            .unwrap();
        assert_eq!(keys(feed), ["alert:feed", "alert:bare"]);
        // Order of the input does not matter.
        let reversed = [group(groups[0].alerts.iter().rev().cloned().collect())];
        assert_eq!(run(&reversed, &[], T0 + 5 * MIN), rows);
        // The first component to join a component-less row claims it.
        let groups = [group(vec![
            alert("bare", &[("service", SVC)], T0),
            alert("feed", &[("service", SVC), ("component", "feed")], T0 + MIN),
            alert(
                "ws",
                &[("service", SVC), ("component", "websocket")],
                T0 + 2 * MIN,
            ),
        ])];
        let rows = run(&groups, &[], T0 + 5 * MIN);
        let components: Vec<_> = rows.iter().map(|r| (r.component.as_deref(), keys(r))).collect();
        assert!(
            components.contains(&(Some("feed"), vec!["alert:bare", "alert:feed"])),
            "{components:?}"
        );
        assert!(
            components.contains(&(Some("websocket"), vec!["alert:ws"])),
            "{components:?}"
        );
    }

    #[test]
    fn a_later_signal_bridges_two_rows() {
        // Two component-less alerts 30 minutes apart, then one spanning both.
        let mut early = alert("early", &[("service", SVC)], T0);
        early.ends_at = T0 + 5 * MIN;
        let late = alert("late", &[("service", SVC)], T0 + 30 * MIN);
        let now = T0 + 40 * MIN;
        assert_eq!(
            run(&[group(vec![early.clone(), late.clone()])], &[], now).len(),
            2
        );
        let bridge = incident(
            "long",
            &[("service", SVC), ("component", "feed")],
            T0 + 4 * MIN,
            IncidentStatus::Triggered,
        );
        let rows = run(&[group(vec![early, late])], &[bridge], now);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert_eq!(rows[0].component.as_deref(), Some("feed"));
        assert_eq!(keys(&rows[0]), ["alert:early", "incident:long", "alert:late"]);
    }

    #[test]
    fn time_overlap_with_and_without_slack() {
        let svc = [("service", SVC), ("component", "feed")];
        // Incident from T0 to T0+5m; alert starts 6 minutes in (1 minute after).
        let resolved = incident("i", &svc, T0, IncidentStatus::Resolved);
        let after = |gap: i64| group(vec![alert("a", &svc, T0 + 5 * MIN + gap)]);
        let now = T0 + 30 * MIN;
        let with = |slack_s: u64, gap: i64| {
            correlate(
                &[after(gap)],
                &[],
                std::slice::from_ref(&resolved),
                now,
                &CorrelationOptions {
                    slack: Duration::from_secs(slack_s),
                },
            )
            .len()
        };
        assert_eq!(with(0, 0), 1, "touching spans overlap");
        assert_eq!(with(0, MIN), 2, "a minute apart, no slack");
        assert_eq!(with(120, MIN), 1, "a minute apart, 2 minutes slack");
        assert_eq!(with(120, 2 * MIN), 1, "exactly the slack");
        assert_eq!(with(120, 2 * MIN + 1), 2, "just over the slack");
        // Overlapping spans, no slack needed; a firing alert runs to now.
        assert_eq!(with(0, -3 * MIN), 1);
        // A resolved alert before the incident, too long before.
        let mut old = alert("old", &svc, T0 - 30 * MIN);
        old.ends_at = T0 - 10 * MIN;
        let rows = run(
            &[group(vec![old])],
            &[incident("i", &svc, T0, IncidentStatus::Triggered)],
            now,
        );
        assert_eq!(rows.len(), 2);
        // An incident still open absorbs an alert starting much later.
        let open = incident("i", &svc, T0, IncidentStatus::Triggered);
        let later = group(vec![alert("a", &svc, T0 + 25 * MIN)]);
        assert_eq!(run(&[later], &[open], now).len(), 1);
    }

    #[test]
    fn severity_mapping_from_alert_labels() {
        use Severity::*;
        let cases = [
            (Some("page"), Sev1),
            (Some("critical"), Sev1),
            (Some("CRITICAL"), Sev1),
            (Some("sev2"), Sev2),
            (Some("SEV2"), Sev2),
            (Some("ticket"), Sev3),
            (Some("warning"), Sev3),
            (Some("info"), Sev4),
            (Some("sev4"), Sev4),
            (Some("whatever"), Sev3),
            (Some(""), Sev3),
            (None, Sev3),
        ];
        for (label, expected) in cases {
            assert_eq!(severity_from_alert_label(label), expected, "{label:?}");
        }
        assert!(Sev1 < Sev4);
        assert_eq!(Sev1.as_str(), "SEV1");
    }

    #[test]
    fn row_takes_the_most_severe_signals_title_and_severity() {
        let svc = [("service", SVC)];
        let mut ticket = alert(
            "t",
            &[svc[0], ("alertname", "MdaTicksRejected"), ("severity", "ticket")],
            T0,
        );
        ticket.annotations = labels(&[("summary", "Rejected ticks rising")]);
        let page = alert(
            "p",
            &[svc[0], ("alertname", "MdaSourceDown"), ("severity", "page")],
            T0 + MIN,
        );
        let incidents = [incident("i", &svc, T0 - MIN, IncidentStatus::Triggered)]; // SEV2
        let rows = run(&[group(vec![ticket.clone(), page])], &incidents, T0 + 5 * MIN);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].severity, Severity::Sev1);
        assert_eq!(rows[0].title, "MdaSourceDown", "no summary: the alert name");
        let rows = run(&[group(vec![ticket])], &incidents, T0 + 5 * MIN);
        assert_eq!(
            (rows[0].severity, rows[0].title.as_str()),
            (Severity::Sev2, "incident i")
        );
        let alone = run(&[group(vec![alert("x", &[svc[0]], T0)])], &[], T0 + MIN);
        assert_eq!(alone[0].title, "alert x");
        assert_eq!(alone[0].severity, Severity::Sev3);
    }

    #[test]
    fn status_is_derived_from_the_firing_signals() {
        let svc = [("service", SVC)];
        let now = T0 + 10 * MIN;
        let ack = Silence {
            id: "s-ack".into(),
            matchers: Vec::new(),
            starts_at: T0,
            ends_at: now + 10 * MIN,
            updated_at: T0,
            created_by: "ana".into(),
            comment: "ACK! acknowledged by ana in mdops".into(),
            status: SilenceState::Active,
        };
        let plain = Silence {
            id: "s-plain".into(),
            comment: "maintenance".into(),
            ..ack.clone()
        };
        let suppressed = |fp: &str, silenced: &[&str], inhibited: &[&str]| {
            let mut a = alert(fp, &svc, T0);
            a.status.state = AlertState::Suppressed;
            a.status.silenced_by = silenced.iter().map(|s| s.to_string()).collect();
            a.status.inhibited_by = inhibited.iter().map(|s| s.to_string()).collect();
            a
        };
        let rows = |alerts: Vec<Alert>, incidents: &[Incident]| {
            correlate(
                &[group(alerts)],
                &[ack.clone(), plain.clone()],
                incidents,
                now,
                &CorrelationOptions::default(),
            )
        };

        // One firing alert nobody handles: triggered.
        let r = rows(vec![alert("a", &svc, T0)], &[]);
        assert_eq!(
            (r[0].status, r[0].acked, r[0].silenced),
            (IncidentStatus::Triggered, false, false)
        );
        // ACK-silenced: acknowledged, marked acked and silenced.
        let r = rows(vec![suppressed("a", &["s-ack"], &[])], &[]);
        assert_eq!(
            (r[0].status, r[0].acked, r[0].silenced),
            (IncidentStatus::Acknowledged, true, true)
        );
        // Silenced by a plain silence, another inhibited: acknowledged, not acked.
        let r = rows(
            vec![suppressed("a", &["s-plain"], &[]), suppressed("b", &[], &["x"])],
            &[],
        );
        assert_eq!(
            (r[0].status, r[0].acked, r[0].silenced),
            (IncidentStatus::Acknowledged, false, true)
        );
        // A silence the list does not hold (not loaded yet) still silences.
        let r = rows(vec![suppressed("a", &["unknown"], &[])], &[]);
        assert_eq!((r[0].status, r[0].acked), (IncidentStatus::Acknowledged, false));
        // An acknowledged incident and a silenced alert: acknowledged.
        let acked = incident("i", &svc, T0, IncidentStatus::Acknowledged);
        let r = rows(
            vec![suppressed("a", &["s-plain"], &[])],
            std::slice::from_ref(&acked),
        );
        assert_eq!((r[0].status, r[0].acked), (IncidentStatus::Acknowledged, true));
        // ... plus one unhandled alert: triggered again.
        let r = rows(
            vec![suppressed("a", &["s-plain"], &[]), alert("b", &svc, T0 + MIN)],
            std::slice::from_ref(&acked),
        );
        assert_eq!(r[0].status, IncidentStatus::Triggered);
        // Nothing firing: resolved, ended when the last signal ended.
        let mut gone = alert("a", &svc, T0 + MIN);
        gone.ends_at = T0 + 7 * MIN;
        let r = rows(vec![gone], &[incident("i", &svc, T0, IncidentStatus::Resolved)]);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].status, r[0].ended_at),
            (IncidentStatus::Resolved, Some(T0 + 7 * MIN))
        );
        assert!(!r[0].silenced);
        // A resolved incident does not outweigh a firing alert.
        let r = rows(
            vec![alert("a", &svc, T0)],
            &[incident("i", &svc, T0, IncidentStatus::Resolved)],
        );
        assert_eq!((r[0].status, r[0].ended_at), (IncidentStatus::Triggered, None));
    }

    #[test]
    fn rows_sort_open_first_then_by_severity_then_age() {
        let now = T0 + 60 * MIN;
        let a = |fp: &str, service: &str, severity: &str, start: UnixMs| {
            alert(fp, &[("service", service), ("severity", severity)], start)
        };
        let mut resolved_page = a("r", "s0", "page", T0);
        resolved_page.ends_at = T0 + MIN;
        let groups = [group(vec![
            a("ticket-old", "s1", "ticket", T0),
            a("page-new", "s2", "page", T0 + 30 * MIN),
            a("page-old", "s3", "page", T0 + 10 * MIN),
            a("info", "s4", "info", T0),
            resolved_page,
        ])];
        let rows = run(&groups, &[], now);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "alert:page-old",
                "alert:page-new",
                "alert:ticket-old",
                "alert:info",
                "alert:r"
            ]
        );
    }

    #[test]
    fn alerts_in_several_groups_count_once() {
        let svc = [("service", SVC), ("alertname", "X")];
        let a = alert("a", &svc, T0);
        let mut second = group(vec![a.clone()]);
        second.receiver = "ticket".into();
        let rows = run(&[group(vec![a]), second], &[], T0 + MIN);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].signal_count(), 1);
    }

    #[test]
    fn row_ids_are_stable_across_refreshes() {
        let svc = [("service", SVC), ("component", "feed")];
        let a1 = alert("a1", &svc, T0);
        let a2 = alert("a2", &svc, T0 + MIN);
        let other = alert("o", &[("service", "other")], T0);
        let first = run(
            &[group(vec![a1.clone(), a2.clone(), other.clone()])],
            &[],
            T0 + 2 * MIN,
        );
        let selected = first
            .iter()
            .find(|r| r.service.as_deref() == Some(SVC))
            .unwrap()
            .clone();
        assert_eq!(selected.id, "alert:a1");

        // A new signal joins, inputs arrive in another order: same id.
        let a3 = alert("a3", &svc, T0 + 3 * MIN);
        let second = run(
            &[group(vec![other.clone(), a3.clone(), a2.clone(), a1.clone()])],
            &[],
            T0 + 4 * MIN,
        );
        let index = reselect(&second, &selected).unwrap();
        assert_eq!(second[index].id, selected.id);
        assert_eq!(second[index].signal_count(), 3);

        // An agent incident joins: the id becomes the incident's, and the
        // row is still found through the signals it shares.
        let inc = incident("i1", &svc, T0 + 30_000, IncidentStatus::Triggered);
        let third = run(
            &[group(vec![a1, a2.clone(), other.clone()])],
            std::slice::from_ref(&inc),
            T0 + 5 * MIN,
        );
        let index = reselect(&third, &selected).unwrap();
        assert_eq!(third[index].id, "incident:i1");
        // From then on it stays, even when the first alert resolves and is gone.
        let fourth = run(&[group(vec![a2, other])], &[inc], T0 + 6 * MIN);
        assert_eq!(
            fourth[reselect(&fourth, &third[index]).unwrap()].id,
            "incident:i1"
        );
        // A row that vanished entirely is not found.
        let empty = run(&[], &[], T0);
        assert_eq!(reselect(&empty, &selected), None);
    }
}
