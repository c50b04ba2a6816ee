//! State of the timeline screen: the log (`domain::timeline`), the filters
//! and the selection, and the hooks that feed the log from the sources'
//! messages. The selection is kept by event, so it stays on its event as
//! newer ones arrive above it.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Msg, Screen};
use crate::domain::timeline::{DEFAULT_CAP, Event, Filter, Kind, Related, Timeline};

/// The key toggling each kind, in `Kind::ALL` order.
pub const KIND_KEYS: [(Kind, char); 5] = [
    (Kind::Slo, 's'),
    (Kind::Alert, 'a'),
    (Kind::Incident, 'i'),
    (Kind::Kube, 'c'),
    (Kind::Action, 'u'),
];

#[derive(Debug)]
pub struct TimelineState {
    pub log: Timeline,
    pub filter: Filter,
    pub filter_editing: bool,
    /// The selected event, by time and title (events have no other name).
    selected: Option<(i64, String)>,
}

impl Default for TimelineState {
    fn default() -> TimelineState {
        TimelineState {
            log: Timeline::new(DEFAULT_CAP),
            filter: Filter::default(),
            filter_editing: false,
            selected: None,
        }
    }
}

impl TimelineState {
    /// Events shown, newest first.
    pub fn visible(&self) -> Vec<&Event> {
        self.log
            .events()
            .iter()
            .rev()
            .filter(|e| self.filter.matches(e))
            .collect()
    }

    /// Index into `visible()` of the selection: the selected event while it
    /// shows, else the newest.
    pub fn selected_index(&self, visible: &[&Event]) -> Option<usize> {
        if visible.is_empty() {
            return None;
        }
        let found = self
            .selected
            .as_ref()
            .and_then(|(at, title)| visible.iter().position(|e| e.at_ms == *at && e.title == *title));
        Some(found.unwrap_or(0))
    }

    /// Moves the selection by `delta` rows (`isize::MIN` / `MAX`: newest /
    /// oldest).
    pub fn move_selection(&mut self, delta: isize) {
        let visible = self.visible();
        let Some(current) = self.selected_index(&visible) else {
            return;
        };
        let event = visible[super::selection::step(current, delta, visible.len())];
        self.selected = Some((event.at_ms, event.title.clone()));
    }

    /// What a seek back keeps of the viewer's choices when the app is
    /// rebuilt from the recording's start.
    pub fn keep_view(&mut self, previous: &mut TimelineState) {
        self.filter = std::mem::take(&mut previous.filter);
        self.selected = previous.selected.take();
    }
}

impl App {
    /// Feeds the log from a source message, before `update` consumes it.
    pub(super) fn observe_for_timeline(&mut self, msg: &Msg) {
        let env = &self.config.environment;
        let log = &mut self.timeline.log;
        match msg {
            Msg::AgentIncidents { incidents, .. } => log.observe_incidents(env, incidents),
            Msg::Alerts { groups, at_ms, .. } => log.observe_alerts(env, *at_ms, groups),
            Msg::Cluster { snapshot, at_ms } => log.observe_cluster(env, *at_ms, snapshot),
            Msg::Audit { entries, at_ms } => log.observe_audit(env, *at_ms, entries),
            _ => {}
        }
    }

    /// Feeds the log the SLO levels just evaluated.
    pub(super) fn observe_slo_levels(&mut self, at_ms: i64) {
        let slos = &self.slos;
        let levels = slos
            .set
            .slos
            .iter()
            .zip(&slos.summaries)
            .filter_map(|(slo, summary)| Some((slo.name.as_str(), &summary.as_ref()?.alert)));
        self.timeline
            .log
            .observe_slos(&self.config.environment, at_ms, levels);
    }

    pub(super) fn on_timeline_key(&mut self, key: KeyEvent) {
        const PAGE: isize = 10;
        let timeline = &mut self.timeline;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => timeline.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => timeline.move_selection(-1),
            KeyCode::PageDown => timeline.move_selection(PAGE),
            KeyCode::PageUp => timeline.move_selection(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => timeline.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => timeline.move_selection(isize::MAX),
            KeyCode::Char('/') => timeline.filter_editing = true,
            KeyCode::Char('E') => {
                let names: Vec<String> = timeline
                    .log
                    .environments()
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                timeline.filter.cycle_environment(&names);
            }
            KeyCode::Esc => timeline.filter.text.clear(),
            KeyCode::Enter => self.jump_to_related(),
            KeyCode::Char(c) if let Some(&(kind, _)) = KIND_KEYS.iter().find(|(_, k)| *k == c) => {
                timeline.filter.toggle_kind(kind)
            }
            _ => self.dirty = false,
        }
    }

    pub(super) fn on_timeline_filter_key(&mut self, key: KeyEvent) {
        let timeline = &mut self.timeline;
        match key.code {
            KeyCode::Enter => timeline.filter_editing = false,
            KeyCode::Esc => {
                timeline.filter_editing = false;
                timeline.filter.text.clear();
            }
            KeyCode::Backspace => {
                timeline.filter.text.pop();
            }
            KeyCode::Char(c) if !c.is_control() => timeline.filter.text.push(c),
            _ => {}
        }
    }

    /// Enter: the selected event's screen, with its subject selected there
    /// when that screen lists it.
    fn jump_to_related(&mut self) {
        let visible = self.timeline.visible();
        let Some(event) = self.timeline.selected_index(&visible).map(|i| visible[i]) else {
            self.dirty = false;
            return;
        };
        let (related, subject) = (event.related, event.subject.clone());
        match related {
            Related::Prices => self.screen = Screen::Prices,
            Related::Dr => self.screen = Screen::Dr,
            Related::Slos => {
                self.screen = Screen::Slos;
                if let Some(i) = self.slos.set.slos.iter().position(|s| s.name == subject) {
                    self.slos.selected = i;
                }
            }
            Related::Incidents => {
                self.screen = Screen::Incidents;
                let incidents = &mut self.incidents;
                let row = incidents
                    .rows
                    .iter()
                    .find(|row| row.signals.iter().any(|s| s.key == subject))
                    .cloned();
                if let Some(row) = row {
                    if row.status == crate::domain::incidents::IncidentStatus::Resolved {
                        incidents.show_resolved = true;
                    }
                    incidents.filter.clear();
                    incidents.selected = Some(row);
                }
            }
            Related::Cluster => {
                self.screen = Screen::Cluster;
                if let Some(cluster) = self.cluster.as_mut() {
                    use mdops_views::model::ClusterPane;
                    if let Some(name) = subject.strip_prefix("Deployment/") {
                        cluster.focus = ClusterPane::Deployments;
                        cluster.selected_deployment = Some(name.to_string());
                    } else if let Some(name) = subject.strip_prefix("Pod/") {
                        cluster.focus = ClusterPane::Pods;
                        cluster.selected_pod = Some(name.to_string());
                    }
                }
            }
        }
    }
}
