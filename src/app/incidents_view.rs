//! The incidents screen's view model, built from `IncidentsState`.

use mdops_views::model::{
    IncidentDetailModel, IncidentRowModel, IncidentStatusModel, IncidentsModel, SeverityModel, SignalModel,
    SilenceLine, TimelineLine,
};

use super::incidents::compact_duration;
use super::{App, SourceId, format_clock};
use crate::domain::incidents::{IncidentRow, IncidentStatus, Severity, Signal, SignalKind};
use crate::sources::alertmanager::{Silence, SilenceState};
use crate::sources::incidents::short_id;

/// Annotations shown first, in this order; others follow by name.
const KEY_ANNOTATIONS: [&str; 3] = ["summary", "description", "runbook_url"];

impl App {
    pub(super) fn incidents_model(&self) -> IncidentsModel<'_> {
        let state = &self.incidents;
        let visible = state.visible();
        let selected_index = state.selected_index();
        let rows = visible
            .iter()
            .map(|&i| {
                let row = &state.rows[i];
                IncidentRowModel {
                    severity: severity_model(row.severity),
                    title: &row.title,
                    service: row.service.as_deref().unwrap_or(""),
                    component: row.component.as_deref().unwrap_or(""),
                    status: status_model(row.status),
                    age: row.age(self.now_ms),
                    signals: row.signal_count(),
                    acked: row.acked,
                    silenced: row.silenced,
                }
            })
            .collect();
        let selected = selected_index.and_then(|index| visible.iter().position(|&i| i == index));
        let detail = selected_index.map(|i| self.incident_detail(&state.rows[i]));
        IncidentsModel {
            source: &state.source_text,
            problems: self.incident_problems(),
            rows,
            total: state.rows.len(),
            hidden_resolved: state.hidden_resolved(),
            show_resolved: state.show_resolved,
            selected,
            detail,
            loading: state.loading(),
        }
    }

    /// One line per failing incident source: what, since when, and what
    /// the screen shows meanwhile.
    fn incident_problems(&self) -> Vec<&str> {
        [SourceId::AgentIncidents, SourceId::Alertmanager]
            .iter()
            .filter_map(|id| self.incident_problem_text.get(id).map(String::as_str))
            .collect()
    }

    /// Refreshes the problem line of an incident source after its link changed.
    pub(super) fn refresh_incident_problem(&mut self, source: SourceId) {
        if !matches!(source, SourceId::AgentIncidents | SourceId::Alertmanager) {
            return;
        }
        let Some(status) = self.sources.get(&source) else {
            return;
        };
        let have = match source {
            SourceId::Alertmanager => self.incidents.groups.is_some(),
            _ => self.incidents.agent.is_some(),
        };
        let shown = if have {
            "its last answer is shown"
        } else {
            "nothing from it is shown"
        };
        let text = status.problem(source.name(), shown);
        match text {
            Some(text) => self.incident_problem_text.insert(source, text),
            None => self.incident_problem_text.remove(&source),
        };
    }

    fn incident_detail<'a>(&'a self, row: &'a IncidentRow) -> IncidentDetailModel<'a> {
        let mut facts = vec![
            ("id", row.id.clone()),
            ("severity", row.severity.as_str().to_string()),
            ("status", super::incidents::status_word(row.status).to_string()),
            ("started", format_clock(row.started_at)),
            ("age", compact_duration(row.age(self.now_ms))),
        ];
        if let Some(ended) = row.ended_at {
            facts.push(("ended", format_clock(ended)));
        }
        for id in row.incident_ids() {
            let Some(incident) = self.incidents.incident(id) else {
                continue;
            };
            if let Some(by) = &incident.acknowledged_by {
                facts.push(("acked by", by.clone()));
            }
            if let Some(by) = &incident.resolved_by {
                facts.push(("resolved by", by.clone()));
            }
        }
        let signals = row.signals.iter().map(signal_model).collect();
        let mut timeline: Vec<(i64, TimelineLine)> = row
            .incident_ids()
            .into_iter()
            .filter_map(|id| self.incidents.incident(id))
            .flat_map(|incident| incident.timeline.iter())
            .map(|entry| {
                (
                    entry.at,
                    TimelineLine {
                        at: format_clock(entry.at),
                        text: &entry.text,
                    },
                )
            })
            .collect();
        timeline.sort_by_key(|(at, _)| *at);
        let silences = self
            .incidents
            .silences_of(row)
            .into_iter()
            .map(|s| self.silence_line(s))
            .collect();
        IncidentDetailModel {
            title: &row.title,
            facts,
            signals,
            timeline: timeline.into_iter().map(|(_, line)| line).collect(),
            silences,
        }
    }

    fn silence_line<'a>(&self, silence: &'a Silence) -> SilenceLine<'a> {
        let (state, until) = match silence.status {
            SilenceState::Active => (
                "active",
                format!(
                    "until {} (in {})",
                    format_clock(silence.ends_at),
                    remaining(silence.ends_at, self.now_ms)
                ),
            ),
            SilenceState::Pending => ("pending", format!("from {}", format_clock(silence.starts_at))),
            SilenceState::Expired => ("expired", format!("ended {}", format_clock(silence.ends_at))),
        };
        SilenceLine {
            id: short_id(&silence.id),
            state,
            matchers: silence
                .matchers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            until,
            created_by: &silence.created_by,
            comment: &silence.comment,
            ack: silence.is_ack(),
        }
    }
}

fn remaining(until: i64, now: i64) -> String {
    compact_duration(std::time::Duration::from_millis(
        u64::try_from(until - now).unwrap_or(0),
    ))
}

fn signal_model(signal: &Signal) -> SignalModel<'_> {
    let state = if !signal.is_firing() {
        "resolved"
    } else if signal.acked {
        "acked"
    } else if signal.silenced {
        "silenced"
    } else if signal.inhibited {
        "inhibited"
    } else {
        "firing"
    };
    let name = match signal.kind {
        SignalKind::Alert => signal
            .labels
            .get("alertname")
            .map_or(signal.title.as_str(), String::as_str),
        SignalKind::Incident => &signal.title,
    };
    let mut annotations: Vec<(&str, &str)> = KEY_ANNOTATIONS
        .iter()
        .filter_map(|&key| signal.annotations.get_key_value(key))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    annotations.extend(
        signal
            .annotations
            .iter()
            .filter(|(k, _)| !KEY_ANNOTATIONS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    SignalModel {
        kind: match signal.kind {
            SignalKind::Alert => "alert",
            SignalKind::Incident => "agent",
        },
        name,
        severity: severity_model(signal.severity),
        state,
        labels: signal
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        annotations,
    }
}

fn severity_model(severity: Severity) -> SeverityModel {
    match severity {
        Severity::Sev1 => SeverityModel::Sev1,
        Severity::Sev2 => SeverityModel::Sev2,
        Severity::Sev3 => SeverityModel::Sev3,
        Severity::Sev4 => SeverityModel::Sev4,
    }
}

fn status_model(status: IncidentStatus) -> IncidentStatusModel {
    match status {
        IncidentStatus::Triggered => IncidentStatusModel::Triggered,
        IncidentStatus::Acknowledged => IncidentStatusModel::Acknowledged,
        IncidentStatus::Resolved => IncidentStatusModel::Resolved,
    }
}
