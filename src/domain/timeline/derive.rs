//! The observers: each source's answer diffed against the previous one of
//! the same environment. The first answer of an environment is a baseline:
//! it adds what carries its own time (firing alerts, incidents, cluster
//! events, audit entries) and nothing for plain state (SLO levels that are
//! ok, deployments, restart counts), which has no "when".

use std::collections::{HashMap, HashSet, VecDeque};

use market_data_agent::api::{Incident, Severity};

use super::{Event, Kind, Level, Related, Timeline};
use crate::actions::audit::{AuditEntry, Phase};
use crate::domain::cluster::{ClusterSnapshot, Rollout};
use crate::domain::slo::{AlertLevel, AlertState};
use crate::sources::alertmanager::AlertGroup;

/// Cluster event reasons that tell of a rollout, a scaling or a restart;
/// other Normal events (scheduling, image pulls) are routine.
const NOTABLE_NORMAL_REASONS: [&str; 3] = ["ScalingReplicaSet", "SuccessfulRescale", "Killing"];

/// Audit entries remembered to skip re-reads: more than the log holds.
const AUDIT_SEEN: usize = 10_000;

/// What the observers saw last in one environment; `None` before the
/// source's first answer.
#[derive(Debug, Default)]
pub(super) struct Seen {
    slos: HashMap<String, AlertLevel>,
    /// Firing alerts by fingerprint: their title, for the resolved event.
    alerts: Option<HashMap<String, (String, Level)>>,
    /// Agent incidents by id: acknowledged, resolved.
    incidents: Option<HashMap<String, (bool, bool)>>,
    /// Deployments by name: rollout and desired replicas.
    deployments: Option<HashMap<String, (Rollout, i32)>>,
    /// Pods by name: restarts.
    pods: Option<HashMap<String, i32>>,
    /// Cluster events of the last snapshot: object, reason, message, last seen.
    kube_events: HashSet<(String, String, String, Option<i64>)>,
    /// Audit entries already logged, oldest first.
    audit: VecDeque<String>,
    audit_set: HashSet<String>,
}

struct New<'a> {
    at_ms: i64,
    kind: Kind,
    level: Level,
    title: String,
    detail: String,
    related: Related,
    subject: &'a str,
}

impl Timeline {
    fn add(&mut self, environment: &str, new: New<'_>) {
        self.push(Event {
            at_ms: new.at_ms,
            environment: environment.to_string(),
            kind: new.kind,
            level: new.level,
            title: new.title,
            detail: new.detail,
            related: new.related,
            subject: new.subject.to_string(),
            seq: 0,
        });
    }

    fn seen(&mut self, environment: &str) -> &mut Seen {
        self.seen.entry(environment.to_string()).or_default()
    }

    /// SLO levels as the SLO screen evaluated them at `at_ms`; an SLO
    /// without figures is skipped (it keeps its last level).
    pub fn observe_slos<'a>(
        &mut self,
        environment: &str,
        at_ms: i64,
        slos: impl IntoIterator<Item = (&'a str, &'a AlertState)>,
    ) {
        for (name, state) in slos {
            let previous = self.seen(environment).slos.insert(name.to_string(), state.level);
            if previous == Some(state.level) || (previous.is_none() && state.level == AlertLevel::Ok) {
                continue;
            }
            let (level, word) = match state.level {
                AlertLevel::Page => (Level::Critical, "page"),
                AlertLevel::Ticket => (Level::Warning, "ticket"),
                AlertLevel::Ok => (Level::Ok, "ok"),
            };
            let was = previous.map_or(String::new(), |p| format!(" (was {})", level_word(p)));
            self.add(
                environment,
                New {
                    at_ms,
                    kind: Kind::Slo,
                    level,
                    title: format!("SLO {name} {word}{was}"),
                    detail: state
                        .reason
                        .clone()
                        .unwrap_or_else(|| "burn rates below every threshold".into()),
                    related: Related::Slos,
                    subject: name,
                },
            );
        }
    }

    /// Alertmanager's groups read at `at_ms`: alerts new since the last
    /// read fire at their `startsAt`; alerts gone (or ended) resolve at
    /// their `endsAt` when past, else at `at_ms`. An alert in several
    /// groups counts once.
    pub fn observe_alerts(&mut self, environment: &str, at_ms: i64, groups: &[AlertGroup]) {
        let mut firing: HashMap<String, (String, Level)> = HashMap::new();
        let mut started = Vec::new();
        let mut ended = Vec::new();
        for alert in groups.iter().flat_map(|g| &g.alerts) {
            let title = alert
                .annotations
                .get("summary")
                .cloned()
                .unwrap_or_else(|| alert.name().to_string());
            if alert.ends_at <= at_ms {
                ended.push((alert.fingerprint.clone(), alert.ends_at));
                continue;
            }
            let level = alert_level(alert.labels.get("severity").map(String::as_str));
            if firing
                .insert(alert.fingerprint.clone(), (title.clone(), level))
                .is_none()
            {
                let labels: Vec<String> = alert.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                started.push((
                    alert.fingerprint.clone(),
                    alert.starts_at,
                    title,
                    level,
                    labels.join(" "),
                ));
            }
        }
        let previous = self
            .seen(environment)
            .alerts
            .replace(firing.clone())
            .unwrap_or_default();
        started.sort_by_key(|s| s.1);
        for (fingerprint, starts_at, title, level, labels) in started {
            if previous.contains_key(&fingerprint) {
                continue;
            }
            self.add(
                environment,
                New {
                    at_ms: starts_at,
                    kind: Kind::Alert,
                    level,
                    title: format!("{title} firing"),
                    detail: labels,
                    related: Related::Incidents,
                    subject: &format!("alert:{fingerprint}"),
                },
            );
        }
        let mut gone: Vec<(&String, &(String, Level))> = previous
            .iter()
            .filter(|(fp, _)| !firing.contains_key(*fp))
            .collect();
        gone.sort();
        for (fingerprint, (title, _)) in gone {
            let when = ended
                .iter()
                .find(|(fp, _)| fp == fingerprint)
                .map_or(at_ms, |(_, ends_at)| *ends_at);
            self.add(
                environment,
                New {
                    at_ms: when,
                    kind: Kind::Alert,
                    level: Level::Ok,
                    title: format!("{title} resolved"),
                    detail: format!("no longer firing in Alertmanager (fingerprint {fingerprint})"),
                    related: Related::Incidents,
                    subject: &format!("alert:{fingerprint}"),
                },
            );
        }
    }

    /// The agent's incidents: each opening, acknowledgement and resolution
    /// once, at the time the agent recorded it.
    pub fn observe_incidents(&mut self, environment: &str, incidents: &[Incident]) {
        let previous = self.seen(environment).incidents.take().unwrap_or_default();
        let mut current = HashMap::new();
        let mut oldest_first: Vec<&Incident> = incidents.iter().collect();
        oldest_first.sort_by_key(|i| i.started_at);
        for incident in oldest_first {
            let acked = incident.acknowledged_at.is_some();
            let resolved = incident.resolved_at.is_some();
            current.insert(incident.id.clone(), (acked, resolved));
            let was = previous.get(&incident.id).copied();
            let subject = format!("incident:{}", incident.id);
            let labels: Vec<String> = incident.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let add = |timeline: &mut Timeline, at_ms: i64, level: Level, what: String| {
                timeline.add(
                    environment,
                    New {
                        at_ms,
                        kind: Kind::Incident,
                        level,
                        title: format!("{} {} {what}", incident.severity.as_str(), incident.title),
                        detail: format!("{} {}", incident.dedup_key, labels.join(" ")),
                        related: Related::Incidents,
                        subject: &subject,
                    },
                );
            };
            if was.is_none() {
                add(
                    self,
                    incident.started_at,
                    severity_level(incident.severity),
                    "opened".to_string(),
                );
            }
            if let (Some(at), false) = (incident.acknowledged_at, was.is_some_and(|w| w.0)) {
                let by = incident.acknowledged_by.as_deref().unwrap_or("?");
                add(self, at, Level::Info, format!("acknowledged by {by}"));
            }
            if let (Some(at), false) = (incident.resolved_at, was.is_some_and(|w| w.1)) {
                let by = incident.resolved_by.as_deref().unwrap_or("?");
                add(self, at, Level::Ok, format!("resolved by {by}"));
            }
        }
        self.seen(environment).incidents = Some(current);
    }

    /// A snapshot of the namespace at `at_ms`: rollouts starting, ending or
    /// stalling, replica counts changing and pods restarting (against the
    /// last snapshot), and cluster events not seen before: warnings and the
    /// notable Normal ones.
    pub fn observe_cluster(&mut self, environment: &str, at_ms: i64, snapshot: &ClusterSnapshot) {
        let seen = self.seen(environment);
        let previous_deployments = seen.deployments.replace(
            snapshot
                .deployments
                .iter()
                .map(|d| (d.name.clone(), (d.rollout.clone(), d.desired)))
                .collect(),
        );
        let previous_pods = seen.pods.replace(
            snapshot
                .pods
                .iter()
                .map(|p| (p.name.clone(), p.restarts))
                .collect(),
        );
        let events: HashSet<_> = snapshot
            .events
            .iter()
            .map(|e| {
                (
                    e.object.clone(),
                    e.reason.clone(),
                    e.message.clone(),
                    e.last_seen_ms,
                )
            })
            .collect();
        let previous_events = std::mem::replace(&mut seen.kube_events, events);

        if let Some(previous) = previous_deployments {
            for d in &snapshot.deployments {
                let Some((rollout, desired)) = previous.get(&d.name) else {
                    continue;
                };
                let subject = format!("Deployment/{}", d.name);
                if *desired != d.desired {
                    let title = format!("{} scaled {desired} -> {}", d.name, d.desired);
                    let detail = format!("{} ready, {} available", d.ready, d.available);
                    self.add_kube(environment, at_ms, Level::Info, title, detail, &subject);
                }
                if std::mem::discriminant(rollout) != std::mem::discriminant(&d.rollout) {
                    let (level, what) = match &d.rollout {
                        Rollout::Progressing { .. } => (Level::Info, "started".to_string()),
                        Rollout::Complete => (Level::Ok, "complete".to_string()),
                        Rollout::Paused => (Level::Info, "paused".to_string()),
                        Rollout::Stalled { reason } => (Level::Critical, format!("stalled: {reason}")),
                    };
                    let title = format!("rollout of {} {what}", d.name);
                    let detail = format!("{}/{} updated, {} available", d.updated, d.desired, d.available);
                    self.add_kube(environment, at_ms, level, title, detail, &subject);
                }
            }
        }
        if let Some(previous) = previous_pods {
            for p in &snapshot.pods {
                let Some(&restarts) = previous.get(&p.name).filter(|&&r| p.restarts > r) else {
                    continue;
                };
                let title = format!("pod {} restarted ({restarts} -> {})", p.name, p.restarts);
                let detail = p.reason.clone().unwrap_or_else(|| p.phase.clone());
                self.add_kube(
                    environment,
                    at_ms,
                    Level::Warning,
                    title,
                    detail,
                    &format!("Pod/{}", p.name),
                );
            }
        }
        let mut fresh: Vec<_> = snapshot
            .events
            .iter()
            .filter(|e| e.is_warning() || NOTABLE_NORMAL_REASONS.contains(&e.reason.as_str()))
            .filter(|e| {
                !previous_events.contains(&(
                    e.object.clone(),
                    e.reason.clone(),
                    e.message.clone(),
                    e.last_seen_ms,
                ))
            })
            .collect();
        fresh.sort_by_key(|e| e.last_seen_ms);
        for e in fresh {
            let level = if e.is_warning() {
                Level::Warning
            } else {
                Level::Info
            };
            let times = if e.count > 1 {
                format!(" (x{})", e.count)
            } else {
                String::new()
            };
            let title = format!("{} {}{times}", e.reason, e.object);
            self.add_kube(
                environment,
                e.last_seen_ms.unwrap_or(at_ms),
                level,
                title,
                e.message.clone(),
                &e.object,
            );
        }
    }

    fn add_kube(
        &mut self,
        environment: &str,
        at_ms: i64,
        level: Level,
        title: String,
        detail: String,
        subject: &str,
    ) {
        self.add(
            environment,
            New {
                at_ms,
                kind: Kind::Kube,
                level,
                title,
                detail,
                related: Related::Cluster,
                subject,
            },
        );
    }

    /// Audit entries read at `at_ms`: each finished action and each end of
    /// a verification once, at the entry's time (`at_ms` when unreadable).
    /// Entries of a start are left out: the finish follows within seconds.
    pub fn observe_audit(&mut self, environment: &str, at_ms: i64, entries: &[AuditEntry]) {
        for entry in entries.iter().filter(|e| e.phase != Phase::Started) {
            let key = format!(
                "{} {:?} {} {} {}",
                entry.time,
                entry.phase,
                entry.user,
                entry.action,
                entry.target.as_deref().unwrap_or("")
            );
            let seen = self.seen(environment);
            if !seen.audit_set.insert(key.clone()) {
                continue;
            }
            seen.audit.push_back(key);
            if seen.audit.len() > AUDIT_SEEN
                && let Some(old) = seen.audit.pop_front()
            {
                seen.audit_set.remove(&old);
            }
            let result = entry.result.as_deref().unwrap_or("?");
            let level = match result {
                "ok" | "recovered" => Level::Info,
                "not_recovered" => Level::Critical,
                _ => Level::Warning,
            };
            let target = entry.target.as_deref().map_or(String::new(), |t| format!(" {t}"));
            let dry = if entry.dry_run { " (dry run)" } else { "" };
            let title = match entry.phase {
                Phase::Verified => format!("{}{target}: {}", entry.action, result.replace('_', " ")),
                _ => format!("{}{target} by {}: {result}{dry}", entry.action, entry.user),
            };
            let mut detail = entry.kind.clone();
            for text in [&entry.error, &entry.message].into_iter().flatten() {
                detail.push_str("; ");
                detail.push_str(text);
            }
            let subject = entry.target.clone().unwrap_or_default();
            self.add(
                environment,
                New {
                    at_ms: audit_time_ms(&entry.time).unwrap_or(at_ms),
                    kind: Kind::Action,
                    level,
                    title,
                    detail,
                    related: action_screen(&entry.kind),
                    subject: &subject,
                },
            );
        }
    }
}

/// An audit entry's RFC 3339 time in Unix ms.
pub fn audit_time_ms(time: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn level_word(level: AlertLevel) -> &'static str {
    match level {
        AlertLevel::Page => "page",
        AlertLevel::Ticket => "ticket",
        AlertLevel::Ok => "ok",
    }
}

/// An alert's level from its `severity` label, as incidents read it.
fn alert_level(label: Option<&str>) -> Level {
    severity_level(crate::domain::incidents::severity_from_alert_label(label))
}

fn severity_level(severity: Severity) -> Level {
    match severity {
        Severity::Sev1 | Severity::Sev2 => Level::Critical,
        Severity::Sev3 => Level::Warning,
        Severity::Sev4 => Level::Info,
    }
}

/// The screen showing what an action of `kind` acts on.
fn action_screen(kind: &str) -> Related {
    if kind.starts_with("kube.") {
        Related::Cluster
    } else if kind.starts_with("incident.") || kind.starts_with("alertmanager.") {
        Related::Incidents
    } else if kind.contains("backup") || kind.contains("drill") {
        Related::Dr
    } else {
        Related::Prices
    }
}
