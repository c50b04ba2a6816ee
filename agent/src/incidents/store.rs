//! The incidents themselves: opened, updated and auto-resolved from the
//! detectors' conditions ([`IncidentStore::reconcile`]), acknowledged and
//! resolved by operators, and dropped once resolved long or often enough.
//!
//! Rules:
//! - one open incident per condition key; a condition reported again
//!   updates it (figures coalesced into at most one timeline entry per
//!   `update_interval_ms`, a severity change recorded at once);
//! - a condition absent for `resolve_after_ms` resolves its incident
//!   (`resolved_by: "auto"`), acknowledged or not;
//! - an incident resolved by hand while its condition lasts mutes the
//!   condition until it clears; new events of it (another anomaly) reopen
//!   the same incident.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::api::{Incident, IncidentStatus, RESOLVED_BY_AUTO, Severity, TimelineEntry};
use crate::config::IncidentsConfig;
use crate::metrics::IncidentMetrics;

use super::model::{Condition, Kind, entry, push_entry, secs};

/// Why an operator action was refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ActionError {
    Unknown,
    AlreadyResolved { by: Option<String>, at: Option<i64> },
    AlreadyAcknowledged { by: Option<String>, at: Option<i64> },
}

/// Which incidents a listing returns; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filter {
    pub statuses: Option<Vec<IncidentStatus>>,
    pub severities: Option<Vec<Severity>>,
}

impl Filter {
    fn accepts(&self, incident: &Incident) -> bool {
        self.statuses
            .as_ref()
            .is_none_or(|s| s.contains(&incident.status))
            && self
                .severities
                .as_ref()
                .is_none_or(|s| s.contains(&incident.severity))
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    resolve_after_ms: i64,
    update_interval_ms: i64,
    max_timeline: usize,
    max_open: usize,
    max_resolved: usize,
    resolved_max_age_ms: i64,
}

pub(crate) struct IncidentStore {
    inner: Mutex<Inner>,
    limits: Limits,
    metrics: IncidentMetrics,
    /// Ids are `<prefix>-<n>`; the prefix tells runs of the agent apart.
    id_prefix: String,
}

#[derive(Default)]
struct Inner {
    /// Every retained incident, by sequence number (creation order).
    incidents: BTreeMap<u64, Tracked>,
    /// Open incidents by condition key.
    open: HashMap<String, u64>,
    /// Conditions resolved by hand while they lasted.
    muted: HashMap<String, Muted>,
    next_seq: u64,
    /// Whether the "too many open incidents" warning is out.
    full_warned: bool,
}

struct Tracked {
    incident: Incident,
    kind: Kind,
    events: u64,
    /// Summary last written to the timeline, and the newest one seen.
    written: String,
    latest: String,
    last_update_at: i64,
    /// Since when the condition has not been reported.
    cleared_since: Option<i64>,
}

struct Muted {
    seq: u64,
    events: u64,
    absent_since: Option<i64>,
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl IncidentStore {
    pub fn new(config: &IncidentsConfig, metrics: IncidentMetrics, id_prefix: String) -> IncidentStore {
        IncidentStore {
            inner: Mutex::new(Inner {
                next_seq: 1,
                ..Inner::default()
            }),
            limits: Limits {
                resolve_after_ms: ms(config.resolve_after_ms),
                update_interval_ms: ms(config.update_interval_ms),
                max_timeline: config.max_timeline,
                max_open: config.max_open,
                max_resolved: config.max_resolved,
                resolved_max_age_ms: ms(config.resolved_max_age_ms),
            },
            metrics,
            id_prefix,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn seq_of(&self, id: &str) -> Option<u64> {
        id.strip_prefix(self.id_prefix.as_str())?
            .strip_prefix('-')?
            .parse()
            .ok()
    }

    /// Applies one detector pass: `conditions` are all that hold at `now`.
    pub fn reconcile(&self, now: i64, conditions: Vec<Condition>) {
        let mut inner = self.lock();
        let mut seen = HashSet::with_capacity(conditions.len());
        for condition in conditions {
            seen.insert(condition.key.clone());
            self.apply(&mut inner, now, condition);
        }
        self.clear_absent(&mut inner, now, &seen);
        self.prune(&mut inner, now);
        self.publish(&inner);
    }

    fn apply(&self, inner: &mut Inner, now: i64, condition: Condition) {
        if let Some(&seq) = inner.open.get(&condition.key) {
            if let Some(tracked) = inner.incidents.get_mut(&seq) {
                self.update(tracked, now, condition);
            }
            return;
        }
        if let Some(muted) = inner.muted.get_mut(&condition.key) {
            muted.absent_since = None;
            if condition.events <= muted.events {
                return;
            }
            let seq = muted.seq;
            inner.muted.remove(&condition.key);
            if self.reopen(inner, seq, now, &condition) {
                return;
            }
        }
        self.open(inner, now, condition);
    }

    fn open(&self, inner: &mut Inner, now: i64, condition: Condition) {
        if inner.open.len() >= self.limits.max_open {
            if !inner.full_warned {
                inner.full_warned = true;
                tracing::warn!(
                    max_open = self.limits.max_open,
                    key = condition.key,
                    "too many open incidents: new conditions are not opened (incidents.max_open)"
                );
            }
            return;
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let incident = Incident {
            id: format!("{}-{seq}", self.id_prefix),
            title: condition.title.clone(),
            severity: condition.severity,
            status: IncidentStatus::Triggered,
            labels: condition.labels(),
            dedup_key: condition.key.clone(),
            started_at: now,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            resolved_by: None,
            timeline: vec![entry(
                now,
                TimelineEntry::DETECTED,
                condition.summary.clone(),
                None,
            )],
        };
        tracing::info!(
            id = incident.id,
            kind = condition.kind.as_str(),
            severity = incident.severity.as_str(),
            title = incident.title,
            summary = condition.summary,
            "incident opened"
        );
        self.metrics.opened(condition.kind);
        inner.open.insert(condition.key, seq);
        inner.incidents.insert(
            seq,
            Tracked {
                incident,
                kind: condition.kind,
                events: condition.events,
                written: condition.summary.clone(),
                latest: condition.summary,
                last_update_at: now,
                cleared_since: None,
            },
        );
    }

    fn update(&self, tracked: &mut Tracked, now: i64, condition: Condition) {
        tracked.cleared_since = None;
        tracked.events = condition.events;
        tracked.latest = condition.summary;
        let incident = &mut tracked.incident;
        let text = if condition.severity != incident.severity {
            let text = format!(
                "severity {} -> {}: {}",
                incident.severity.as_str(),
                condition.severity.as_str(),
                tracked.latest
            );
            tracing::info!(id = incident.id, text, "incident severity changed");
            incident.severity = condition.severity;
            text
        } else if tracked.latest != tracked.written
            && now - tracked.last_update_at >= self.limits.update_interval_ms
        {
            tracked.latest.clone()
        } else {
            return;
        };
        push_entry(
            &mut incident.timeline,
            entry(now, TimelineEntry::UPDATED, text, None),
            self.limits.max_timeline,
        );
        tracked.written = tracked.latest.clone();
        tracked.last_update_at = now;
    }

    /// Reopens a manually resolved incident on new evidence; false if it is
    /// no longer retained.
    fn reopen(&self, inner: &mut Inner, seq: u64, now: i64, condition: &Condition) -> bool {
        let Some(tracked) = inner.incidents.get_mut(&seq) else {
            return false;
        };
        let incident = &mut tracked.incident;
        incident.status = IncidentStatus::Triggered;
        incident.severity = condition.severity;
        incident.acknowledged_at = None;
        incident.acknowledged_by = None;
        incident.resolved_at = None;
        incident.resolved_by = None;
        push_entry(
            &mut incident.timeline,
            entry(now, TimelineEntry::REOPENED, condition.summary.clone(), None),
            self.limits.max_timeline,
        );
        tracing::info!(id = incident.id, summary = condition.summary, "incident reopened");
        tracked.events = condition.events;
        tracked.written = condition.summary.clone();
        tracked.latest = condition.summary.clone();
        tracked.last_update_at = now;
        tracked.cleared_since = None;
        inner.open.insert(condition.key.clone(), seq);
        true
    }

    fn clear_absent(&self, inner: &mut Inner, now: i64, seen: &HashSet<String>) {
        let resolve_after = self.limits.resolve_after_ms;
        let mut resolved = Vec::new();
        for (key, seq) in &inner.open {
            if seen.contains(key) {
                continue;
            }
            let Some(tracked) = inner.incidents.get_mut(seq) else {
                continue;
            };
            let since = *tracked.cleared_since.get_or_insert(now);
            if now - since < resolve_after {
                continue;
            }
            let incident = &mut tracked.incident;
            incident.status = IncidentStatus::Resolved;
            incident.resolved_at = Some(now);
            incident.resolved_by = Some(RESOLVED_BY_AUTO.to_string());
            let text = format!(
                "condition cleared for {}; last seen: {}",
                secs(u64::try_from(now - since).unwrap_or(0)),
                tracked.latest
            );
            push_entry(
                &mut incident.timeline,
                entry(now, TimelineEntry::AUTO_RESOLVED, text, None),
                self.limits.max_timeline,
            );
            tracing::info!(
                id = incident.id,
                kind = tracked.kind.as_str(),
                "incident resolved automatically: condition cleared"
            );
            resolved.push(key.clone());
        }
        for key in resolved {
            inner.open.remove(&key);
        }
        inner.muted.retain(|key, muted| {
            if seen.contains(key) {
                return true;
            }
            let since = *muted.absent_since.get_or_insert(now);
            now - since < resolve_after
        });
        if inner.open.len() < self.limits.max_open {
            inner.full_warned = false;
        }
    }

    /// Drops resolved incidents past the age or count bound, oldest
    /// resolution first.
    fn prune(&self, inner: &mut Inner, now: i64) {
        let max_age = self.limits.resolved_max_age_ms;
        inner.incidents.retain(|_, t| {
            t.incident
                .resolved_at
                .is_none_or(|at| now.saturating_sub(at) <= max_age)
        });
        let mut resolved: Vec<(i64, u64)> = inner
            .incidents
            .iter()
            .filter_map(|(seq, t)| t.incident.resolved_at.map(|at| (at, *seq)))
            .collect();
        if resolved.len() > self.limits.max_resolved {
            resolved.sort_unstable();
            let excess = resolved.len() - self.limits.max_resolved;
            for (_, seq) in &resolved[..excess] {
                inner.incidents.remove(seq);
            }
        }
    }

    fn publish(&self, inner: &Inner) {
        let mut open = [0_i64; 4];
        for seq in inner.open.values() {
            if let Some(t) = inner.incidents.get(seq) {
                open[t.incident.severity as usize] += 1;
            }
        }
        self.metrics.set_open(open);
    }

    /// Retained incidents that pass `filter`, newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Incident> {
        let inner = self.lock();
        inner
            .incidents
            .values()
            .rev()
            .map(|t| &t.incident)
            .filter(|i| filter.accepts(i))
            .cloned()
            .collect()
    }

    /// Marks an open incident acknowledged by `author`.
    pub fn acknowledge(
        &self,
        id: &str,
        author: &str,
        comment: Option<&str>,
        now: i64,
    ) -> Result<Incident, ActionError> {
        let mut inner = self.lock();
        let seq = self.seq_of(id).ok_or(ActionError::Unknown)?;
        let tracked = inner.incidents.get_mut(&seq).ok_or(ActionError::Unknown)?;
        let incident = &mut tracked.incident;
        match incident.status {
            IncidentStatus::Resolved => {
                return Err(ActionError::AlreadyResolved {
                    by: incident.resolved_by.clone(),
                    at: incident.resolved_at,
                });
            }
            IncidentStatus::Acknowledged => {
                return Err(ActionError::AlreadyAcknowledged {
                    by: incident.acknowledged_by.clone(),
                    at: incident.acknowledged_at,
                });
            }
            IncidentStatus::Triggered => {}
        }
        incident.status = IncidentStatus::Acknowledged;
        incident.acknowledged_at = Some(now);
        incident.acknowledged_by = Some(author.to_string());
        let text = comment.map_or_else(|| "acknowledged".to_string(), |c| format!("acknowledged: {c}"));
        push_entry(
            &mut incident.timeline,
            entry(now, TimelineEntry::ACKNOWLEDGED, text, Some(author)),
            self.limits.max_timeline,
        );
        tracing::info!(id, author, comment, "incident acknowledged");
        Ok(incident.clone())
    }

    /// Resolves an open incident by hand. If its condition still holds, the
    /// condition is muted until it clears (or, for events, until a new one).
    pub fn resolve(
        &self,
        id: &str,
        author: &str,
        comment: Option<&str>,
        now: i64,
    ) -> Result<Incident, ActionError> {
        let mut inner = self.lock();
        let seq = self.seq_of(id).ok_or(ActionError::Unknown)?;
        let tracked = inner.incidents.get_mut(&seq).ok_or(ActionError::Unknown)?;
        let incident = &mut tracked.incident;
        if incident.status == IncidentStatus::Resolved {
            return Err(ActionError::AlreadyResolved {
                by: incident.resolved_by.clone(),
                at: incident.resolved_at,
            });
        }
        incident.status = IncidentStatus::Resolved;
        incident.resolved_at = Some(now);
        incident.resolved_by = Some(author.to_string());
        let text = comment.map_or_else(|| "resolved".to_string(), |c| format!("resolved: {c}"));
        push_entry(
            &mut incident.timeline,
            entry(now, TimelineEntry::RESOLVED, text, Some(author)),
            self.limits.max_timeline,
        );
        tracing::info!(id, author, comment, "incident resolved by hand");
        let resolved = incident.clone();
        let muted = Muted {
            seq,
            events: tracked.events,
            absent_since: tracked.cleared_since,
        };
        inner.open.remove(&resolved.dedup_key);
        inner.muted.insert(resolved.dedup_key.clone(), muted);
        self.prune(&mut inner, now);
        self.publish(&inner);
        Ok(resolved)
    }

    /// Reopens the open incidents of a backup under new ids of this run,
    /// each with a `restored` timeline entry naming its old id. They then
    /// live like any other: updated while their condition holds, resolved
    /// automatically once it stays clear. Ones of an unknown kind, or whose
    /// condition is already open here, are skipped. Returns how many came back.
    pub fn restore(&self, incidents: Vec<Incident>, backup: &str, now: i64) -> usize {
        let mut inner = self.lock();
        let mut restored = 0;
        for mut incident in incidents {
            let kind = incident
                .labels
                .get("kind")
                .and_then(|k| Kind::ALL.into_iter().find(|kind| kind.as_str() == k));
            let Some(kind) = kind else { continue };
            if !incident.status.is_open()
                || inner.open.contains_key(&incident.dedup_key)
                || inner.open.len() >= self.limits.max_open
            {
                continue;
            }
            let seq = inner.next_seq;
            inner.next_seq += 1;
            let text = format!("restored from backup {backup} (was incident {})", incident.id);
            incident.id = format!("{}-{seq}", self.id_prefix);
            push_entry(
                &mut incident.timeline,
                entry(now, TimelineEntry::RESTORED, text, None),
                self.limits.max_timeline,
            );
            let latest = incident
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind != TimelineEntry::RESTORED)
                .map_or_else(String::new, |e| e.text.clone());
            inner.open.insert(incident.dedup_key.clone(), seq);
            inner.incidents.insert(
                seq,
                Tracked {
                    incident,
                    kind,
                    events: 0,
                    written: latest.clone(),
                    latest,
                    last_update_at: now,
                    cleared_since: None,
                },
            );
            restored += 1;
        }
        self.publish(&inner);
        restored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    fn config() -> IncidentsConfig {
        IncidentsConfig {
            resolve_after_ms: 1_000,
            update_interval_ms: 10_000,
            max_timeline: 5,
            max_open: 3,
            max_resolved: 2,
            resolved_max_age_ms: 60_000,
            ..IncidentsConfig::default()
        }
    }

    fn store_with(config: &IncidentsConfig) -> (IncidentStore, Metrics) {
        let metrics = Metrics::new().unwrap();
        let store = IncidentStore::new(config, metrics.incident_metrics(), "run".into());
        (store, metrics)
    }

    fn store() -> (IncidentStore, Metrics) {
        store_with(&config())
    }

    fn stale(symbol: &str, summary: &str) -> Condition {
        Condition::new(
            Kind::SymbolStale,
            Some(symbol),
            Severity::Sev3,
            format!("{symbol} stale"),
            summary.into(),
        )
        .label("symbol", symbol)
    }

    fn anomaly(symbol: &str, events: u64) -> Condition {
        Condition {
            events,
            ..Condition::new(
                Kind::PriceAnomaly,
                Some(symbol),
                Severity::Sev3,
                format!("{symbol} anomaly"),
                format!("{events} anomalies"),
            )
        }
    }

    fn all(store: &IncidentStore) -> Vec<Incident> {
        store.list(&Filter::default())
    }

    fn kinds(incident: &Incident) -> Vec<&str> {
        incident.timeline.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn one_condition_one_incident_with_coalesced_updates() {
        let (store, metrics) = store();
        store.reconcile(0, vec![stale("A", "10 s")]);
        for t in 1..=25 {
            store.reconcile(t * 500, vec![stale("A", &format!("{} s", 10 + t))]);
        }
        let incidents = all(&store);
        assert_eq!(incidents.len(), 1);
        let i = &incidents[0];
        assert_eq!(i.id, "run-1");
        assert_eq!(i.dedup_key, "symbol_stale:A");
        assert_eq!(i.status, IncidentStatus::Triggered);
        assert_eq!(i.labels["symbol"], "A");
        assert_eq!(i.labels["kind"], "symbol_stale");
        // detected at 0, one update at 10 s (coalescing 20 changes)
        assert_eq!(kinds(i), ["detected", "updated"]);
        assert_eq!(i.timeline[1].at, 10_000);
        assert_eq!(i.timeline[1].text, "30 s");
        let text = metrics.render().unwrap();
        assert!(
            text.contains("mda_incidents_open{severity=\"SEV3\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("mda_incidents_open{severity=\"SEV1\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("mda_incidents_total{kind=\"symbol_stale\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("mda_incidents_total{kind=\"http_errors\"} 0\n"),
            "{text}"
        );
    }

    #[test]
    fn severity_changes_are_recorded_at_once() {
        let (store, _) = store();
        store.reconcile(0, vec![stale("A", "x")]);
        let mut worse = stale("A", "x");
        worse.severity = Severity::Sev1;
        store.reconcile(500, vec![worse]);
        let i = &all(&store)[0];
        assert_eq!(i.severity, Severity::Sev1);
        assert_eq!(kinds(i), ["detected", "updated"]);
        assert!(i.timeline[1].text.starts_with("severity SEV3 -> SEV1"));
    }

    #[test]
    fn auto_resolves_after_the_hold_down_even_when_acknowledged() {
        let (store, metrics) = store();
        store.reconcile(0, vec![stale("A", "x")]);
        store.acknowledge("run-1", "ann", Some("looking"), 100).unwrap();
        store.reconcile(500, vec![]);
        // Back within the hold-down: still the same incident, not resolved.
        store.reconcile(1_000, vec![stale("A", "x")]);
        store.reconcile(1_500, vec![]);
        store.reconcile(2_000, vec![]);
        assert_eq!(all(&store)[0].status, IncidentStatus::Acknowledged);
        store.reconcile(2_500, vec![]);
        let i = &all(&store)[0];
        assert_eq!(i.status, IncidentStatus::Resolved);
        assert_eq!(i.resolved_by.as_deref(), Some("auto"));
        assert_eq!(i.resolved_at, Some(2_500));
        assert_eq!(kinds(i), ["detected", "acknowledged", "auto_resolved"]);
        assert!(
            metrics
                .render()
                .unwrap()
                .contains("mda_incidents_open{severity=\"SEV3\"} 0\n")
        );
        // Recurrence: a new incident.
        store.reconcile(3_000, vec![stale("A", "x")]);
        let incidents = all(&store);
        assert_eq!(incidents.len(), 2);
        assert_eq!(incidents[0].id, "run-2");
        assert_eq!(incidents[0].status, IncidentStatus::Triggered);
    }

    #[test]
    fn operator_actions_and_their_refusals() {
        let (store, _) = store();
        store.reconcile(0, vec![stale("A", "x")]);
        assert_eq!(
            store.acknowledge("run-9", "ann", None, 1),
            Err(ActionError::Unknown)
        );
        assert_eq!(
            store.acknowledge("other-1", "ann", None, 1),
            Err(ActionError::Unknown)
        );
        assert_eq!(
            store.resolve("garbage", "ann", None, 1),
            Err(ActionError::Unknown)
        );
        let acked = store.acknowledge("run-1", "ann", None, 10).unwrap();
        assert_eq!(acked.status, IncidentStatus::Acknowledged);
        assert_eq!(
            (acked.acknowledged_by.as_deref(), acked.acknowledged_at),
            (Some("ann"), Some(10))
        );
        assert_eq!(acked.timeline[1].author.as_deref(), Some("ann"));
        assert_eq!(
            store.acknowledge("run-1", "bob", None, 11),
            Err(ActionError::AlreadyAcknowledged {
                by: Some("ann".into()),
                at: Some(10)
            })
        );
        let resolved = store
            .resolve("run-1", "bob", Some("restarted the feed"), 20)
            .unwrap();
        assert_eq!(resolved.status, IncidentStatus::Resolved);
        assert_eq!(
            (resolved.resolved_by.as_deref(), resolved.resolved_at),
            (Some("bob"), Some(20))
        );
        let last = resolved.timeline.last().unwrap();
        assert_eq!(
            (last.kind.as_str(), last.text.as_str(), last.author.as_deref()),
            ("resolved", "resolved: restarted the feed", Some("bob"))
        );
        let again = Err(ActionError::AlreadyResolved {
            by: Some("bob".into()),
            at: Some(20),
        });
        assert_eq!(store.resolve("run-1", "bob", None, 21), again);
        assert_eq!(store.acknowledge("run-1", "bob", None, 21), again);
    }

    #[test]
    fn a_manual_resolve_mutes_a_lasting_state_until_it_clears() {
        let (store, _) = store();
        store.reconcile(0, vec![stale("A", "x")]);
        store.resolve("run-1", "ann", None, 100).unwrap();
        for t in 1..10 {
            store.reconcile(t * 500, vec![stale("A", "x")]);
        }
        assert_eq!(all(&store).len(), 1, "muted while it lasts");
        // Clears for longer than the hold-down, then recurs: a new incident.
        for t in 10..14 {
            store.reconcile(t * 500, vec![]);
        }
        store.reconcile(7_000, vec![stale("A", "x")]);
        let incidents = all(&store);
        assert_eq!(incidents.len(), 2);
        assert_eq!(incidents[0].status, IncidentStatus::Triggered);
    }

    #[test]
    fn new_events_after_a_manual_resolve_reopen_the_incident() {
        let (store, _) = store();
        store.reconcile(0, vec![anomaly("A", 1)]);
        store.reconcile(500, vec![anomaly("A", 2)]);
        store.resolve("run-1", "ann", None, 600).unwrap();
        store.reconcile(1_000, vec![anomaly("A", 2)]);
        assert_eq!(all(&store)[0].status, IncidentStatus::Resolved);
        store.reconcile(1_500, vec![anomaly("A", 3)]);
        let incidents = all(&store);
        assert_eq!(incidents.len(), 1);
        let i = &incidents[0];
        assert_eq!(i.status, IncidentStatus::Triggered);
        assert_eq!((i.resolved_at, i.resolved_by.as_deref()), (None, None));
        assert_eq!(kinds(i), ["detected", "resolved", "reopened"]);
    }

    #[test]
    fn timeline_is_capped() {
        let (store, _) = store_with(&IncidentsConfig {
            update_interval_ms: 0,
            ..config()
        });
        for t in 0..100 {
            store.reconcile(t, vec![stale("A", &t.to_string())]);
        }
        let i = &all(&store)[0];
        assert_eq!(i.timeline.len(), 5);
        assert_eq!(i.timeline[0].kind, "detected");
        assert_eq!(i.timeline[4].text, "99");
    }

    #[test]
    fn open_incidents_are_bounded() {
        let (store, _) = store();
        let conditions: Vec<Condition> = (0..5).map(|i| stale(&format!("S{i}"), "x")).collect();
        store.reconcile(0, conditions);
        assert_eq!(all(&store).len(), 3);
    }

    #[test]
    fn retention_drops_the_oldest_resolved_by_count_and_age() {
        let (store, _) = store();
        store.reconcile(0, vec![stale("A", "x"), stale("B", "x"), stale("C", "x")]);
        store.resolve("run-1", "ann", None, 10).unwrap();
        store.resolve("run-3", "ann", None, 20).unwrap();
        store.resolve("run-2", "ann", None, 30).unwrap();
        let ids: Vec<String> = all(&store).into_iter().map(|i| i.id).collect();
        assert_eq!(
            ids,
            ["run-3", "run-2"],
            "max_resolved = 2 keeps the latest resolutions"
        );
        // Age: 60 s after resolution they go.
        store.reconcile(60_021, vec![]);
        let ids: Vec<String> = all(&store).into_iter().map(|i| i.id).collect();
        assert_eq!(ids, ["run-2"]);
        store.reconcile(60_031, vec![]);
        assert!(all(&store).is_empty());
    }

    #[test]
    fn filters() {
        let (store, _) = store();
        let mut sev1 = stale("B", "x");
        sev1.severity = Severity::Sev1;
        store.reconcile(0, vec![stale("A", "x"), sev1, stale("C", "x")]);
        store.acknowledge("run-1", "ann", None, 1).unwrap();
        store.resolve("run-3", "ann", None, 1).unwrap();
        let ids = |filter: Filter| -> Vec<String> { store.list(&filter).into_iter().map(|i| i.id).collect() };
        assert_eq!(ids(Filter::default()), ["run-3", "run-2", "run-1"]);
        assert_eq!(
            ids(Filter {
                statuses: Some(vec![IncidentStatus::Triggered, IncidentStatus::Acknowledged]),
                severities: None
            }),
            ["run-2", "run-1"]
        );
        assert_eq!(
            ids(Filter {
                statuses: None,
                severities: Some(vec![Severity::Sev1, Severity::Sev2])
            }),
            ["run-2"]
        );
        assert_eq!(
            ids(Filter {
                statuses: Some(vec![IncidentStatus::Resolved]),
                severities: Some(vec![Severity::Sev3])
            }),
            ["run-3"]
        );
    }

    #[test]
    fn restored_incidents_get_new_ids_and_clear_like_others() {
        let (old, _m) = store();
        old.reconcile(0, vec![stale("A", "a"), stale("B", "b")]);
        old.acknowledge("run-2", "ann", None, 1).unwrap();
        let mut backed_up = all(&old);
        let mut foreign = backed_up[0].clone();
        foreign.labels.insert("kind".into(), "martian".into());
        foreign.dedup_key = "martian".into();
        backed_up.push(foreign);

        let (new, metrics) = store_with(&config());
        new.reconcile(0, vec![stale("B", "b")]);
        assert_eq!(
            new.restore(backed_up, "backup-9", 10),
            1,
            "B is open already; unknown kind skipped"
        );
        let restored = all(&new)
            .into_iter()
            .find(|i| i.dedup_key.ends_with(":A"))
            .unwrap();
        assert_eq!(restored.id, "run-2");
        assert_eq!(kinds(&restored), ["detected", "restored"]);
        assert!(
            restored.timeline[1]
                .text
                .contains("backup-9 (was incident run-1)")
        );
        assert!(
            metrics
                .render()
                .unwrap()
                .contains("mda_incidents_open{severity=\"SEV3\"} 2\n")
        );
        new.reconcile(2_000, vec![stale("B", "b")]);
        new.reconcile(3_500, vec![stale("B", "b")]);
        assert_eq!(
            new.list(&Filter::default())
                .iter()
                .filter(|i| i.status == IncidentStatus::Resolved)
                .count(),
            1
        );
    }
}
