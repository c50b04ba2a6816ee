//! State of the incidents screen: the latest answers of the incident
//! sources, the correlated rows (`domain::incidents`), and the operator's
//! filter, resolved toggle and selection.

use std::time::Duration;

use super::filter::FilterInput;
use crate::domain::incidents::{
    CorrelationOptions, Incident, IncidentRow, IncidentStatus, correlate, reselect,
};
use crate::sources::alertmanager::{AlertGroup, Silence};

#[derive(Debug)]
pub struct IncidentsState {
    /// The agent's incidents; `None` until its first answer.
    pub agent: Option<Vec<Incident>>,
    /// Alertmanager's groups; `None` until its first answer or when not
    /// configured.
    pub groups: Option<Vec<AlertGroup>>,
    pub silences: Vec<Silence>,
    /// Base URL of Alertmanager, when one is configured.
    pub alertmanager: Option<String>,
    /// Correlated, in display order (before filter and toggle).
    pub rows: Vec<IncidentRow>,
    /// The selected row as of the last refresh: found again by id, or by a
    /// signal it shares, when rows are rebuilt.
    pub selected: Option<IncidentRow>,
    pub filter: FilterInput,
    pub filter_editing: bool,
    pub show_resolved: bool,
    pub options: CorrelationOptions,
    /// How the sources are described on screen.
    pub source_text: String,
}

impl IncidentsState {
    pub fn new(alertmanager: Option<String>) -> IncidentsState {
        let source_text = match &alertmanager {
            Some(url) => format!("agent incidents + Alertmanager {url}"),
            None => "agent incidents (no Alertmanager: --alertmanager URL adds its alerts)".to_string(),
        };
        IncidentsState {
            agent: None,
            groups: None,
            silences: Vec::new(),
            alertmanager,
            rows: Vec::new(),
            selected: None,
            filter: FilterInput::default(),
            filter_editing: false,
            show_resolved: false,
            options: CorrelationOptions::default(),
            source_text,
        }
    }

    /// No source has answered yet.
    pub fn loading(&self) -> bool {
        self.agent.is_none() && self.groups.is_none()
    }

    /// Rebuilds the rows from the latest answers at `now`, keeping the
    /// selection on the same problem.
    pub fn refresh(&mut self, now: i64) {
        let groups = self.groups.as_deref().unwrap_or_default();
        let incidents = self.agent.as_deref().unwrap_or_default();
        self.rows = correlate(groups, &self.silences, incidents, now, &self.options);
        self.follow_selection();
    }

    /// Indexes into `rows` of the rows shown: the resolved toggle, then the
    /// filter (over title, service, component, severity, status and every
    /// label value).
    pub fn visible(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, row)| self.show_resolved || row.status != IncidentStatus::Resolved)
            .filter(|(_, row)| self.filter.is_empty() || matches_filter(row, &self.filter))
            .map(|(i, _)| i)
            .collect()
    }

    /// Resolved rows hidden by the toggle.
    pub fn hidden_resolved(&self) -> usize {
        if self.show_resolved {
            return 0;
        }
        self.rows
            .iter()
            .filter(|row| row.status == IncidentStatus::Resolved)
            .count()
    }

    /// Index into `rows` of the selected row, when it is visible.
    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.selected.as_ref()?;
        let index = self.rows.iter().position(|row| row.id == selected.id)?;
        self.visible().contains(&index).then_some(index)
    }

    pub fn selected_row(&self) -> Option<&IncidentRow> {
        self.selected_index().map(|i| &self.rows[i])
    }

    /// Moves the selection by `delta` visible rows (`isize::MIN` / `MAX`:
    /// first / last).
    pub fn move_selection(&mut self, delta: isize) {
        let visible = self.visible();
        let Some(&first) = visible.first() else {
            return;
        };
        let current = self
            .selected_index()
            .and_then(|index| visible.iter().position(|&i| i == index));
        let Some(current) = current else {
            self.selected = Some(self.rows[first].clone());
            return;
        };
        let target = super::selection::step(current, delta, visible.len());
        self.selected = Some(self.rows[visible[target]].clone());
    }

    /// After rows, filter or toggle changed: the previous row where it still
    /// shows, else the first visible one.
    pub fn follow_selection(&mut self) {
        let visible = self.visible();
        let found = self
            .selected
            .as_ref()
            .and_then(|previous| reselect(&self.rows, previous))
            .filter(|index| visible.contains(index));
        self.selected = found.or(visible.first().copied()).map(|i| self.rows[i].clone());
    }

    /// Open rows by severity, SEV1 first: the header's counts.
    pub fn open_by_severity(&self) -> [usize; 4] {
        let mut counts = [0; 4];
        for row in self.rows.iter().filter(|r| r.status != IncidentStatus::Resolved) {
            counts[row.severity as usize] += 1;
        }
        counts
    }

    /// The silences linked to `row`: those muting its alerts, and ACKs or
    /// other silences whose matchers are exactly one of its groups' labels.
    /// Active and pending ones first, then by end time.
    pub fn silences_of(&self, row: &IncidentRow) -> Vec<&Silence> {
        let groups = row.alert_groups();
        let mut linked: Vec<&Silence> = self
            .silences
            .iter()
            .filter(|silence| {
                row.signals.iter().any(|s| s.silenced_by.contains(&silence.id))
                    || groups.iter().any(|labels| matches_exactly(silence, labels))
            })
            .collect();
        linked.sort_by_key(|s| {
            (
                s.status == crate::sources::alertmanager::SilenceState::Expired,
                s.ends_at,
            )
        });
        linked
    }

    /// The agent incident with `id`, for its timeline.
    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.agent.as_ref()?.iter().find(|i| i.id == id)
    }
}

fn matches_exactly(silence: &Silence, labels: &std::collections::BTreeMap<String, String>) -> bool {
    silence.matchers.len() == labels.len()
        && silence
            .matchers
            .iter()
            .all(|m| m.is_equal && !m.is_regex && labels.get(&m.name) == Some(&m.value))
}

fn matches_filter(row: &IncidentRow, filter: &FilterInput) -> bool {
    let hit = |text: &str| filter.matches(text);
    hit(&row.title)
        || row.service.as_deref().is_some_and(hit)
        || row.component.as_deref().is_some_and(hit)
        || hit(row.severity.as_str())
        || hit(status_word(row.status))
        || row
            .signals
            .iter()
            .any(|s| hit(&s.title) || s.labels.values().any(|v| hit(v)))
}

/// The status as the screen words it.
pub fn status_word(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Triggered => "triggered",
        IncidentStatus::Acknowledged => "acked",
        IncidentStatus::Resolved => "resolved",
    }
}

/// `12m`, `3h05m`: how long ago, or for how long, in a compact form.
pub fn compact_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}
