//! Environments in the app: the last summary of each (the overview's tiles
//! and the DR screen's columns), the overview's selection and its keys, and
//! switching: asking the run loop for another environment, then resetting
//! what belongs to the old one while the screen, theme and help stay.

use crossterm::event::{KeyCode, KeyEvent};
use market_data_agent::api::DrStatus;
use mdops_views::model::OverviewTile;
use serde::{Deserialize, Serialize};

use super::incidents::IncidentsState;
use super::slos::SlosState;
use super::{App, Command, Screen, SourceId, SourceStatus, cluster};
use crate::domain::env_summary::{EnvSummary, HealthSummary, Mover, SloCounts};

/// A part of a summary: the last value read, when, and why the latest read
/// failed (cleared by the next success).
#[derive(Debug, Clone, PartialEq)]
pub struct Known<T> {
    pub value: Option<T>,
    pub at_ms: Option<i64>,
    pub error: Option<String>,
}

impl<T> Default for Known<T> {
    fn default() -> Known<T> {
        Known {
            value: None,
            at_ms: None,
            error: None,
        }
    }
}

impl<T> Known<T> {
    fn apply(&mut self, read: Result<T, String>, at_ms: i64) {
        match read {
            Ok(value) => {
                self.value = Some(value);
                self.at_ms = Some(at_ms);
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }
}

/// What the summaries say of one environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvironmentEntry {
    pub name: String,
    pub health: Known<HealthSummary>,
    pub dr: Known<Box<DrStatus>>,
    pub incidents: Known<[usize; 4]>,
    pub movers: Known<Vec<Mover>>,
    /// `None` until a summary said whether it has a Prometheus; then
    /// `Some(None)` when it has none.
    pub slos: Option<Option<Known<SloCounts>>>,
    pub polled_at_ms: Option<i64>,
}

impl EnvironmentEntry {
    fn apply(&mut self, summary: EnvSummary, at_ms: i64) {
        self.health.apply(summary.health, at_ms);
        self.dr.apply(summary.dr, at_ms);
        self.incidents.apply(summary.incidents, at_ms);
        self.movers.apply(summary.movers, at_ms);
        self.slos = Some(summary.slos.map(|read| {
            let mut known = self.slos.clone().flatten().unwrap_or_default();
            known.apply(read, at_ms);
            known
        }));
        self.polled_at_ms = Some(at_ms);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentsState {
    /// In config order.
    pub entries: Vec<EnvironmentEntry>,
    /// The environment asked for, until the run loop has switched.
    pub switching_to: Option<String>,
    /// The overview's selected tile: environment index and tile.
    pub selected: (usize, OverviewTile),
}

impl EnvironmentsState {
    pub fn new(names: &[String], active: &str) -> EnvironmentsState {
        EnvironmentsState {
            entries: names
                .iter()
                .map(|name| EnvironmentEntry {
                    name: name.clone(),
                    ..EnvironmentEntry::default()
                })
                .collect(),
            switching_to: None,
            selected: (
                names.iter().position(|n| n == active).unwrap_or(0),
                OverviewTile::Health,
            ),
        }
    }

    pub fn entry(&self, name: &str) -> Option<&EnvironmentEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// What the run loop started for an environment it switched to: what the
/// app needs to read it as it read the old one at start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvStart {
    pub name: String,
    /// The header's target.
    pub target: String,
    pub sources: Vec<SourceId>,
    pub alertmanager: Option<String>,
    /// Kubernetes context and namespace, when its cluster is watched.
    pub kube: Option<(String, String)>,
    /// Why its cluster could not be reached, when one is configured.
    pub kube_error: Option<String>,
    pub agent_url: String,
    pub slo: SloStart,
}

/// Where the new environment's SLO figures come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SloStart {
    Local {
        every_ms: u64,
        retention_ms: u64,
        max_series: usize,
    },
    Prometheus {
        url: String,
    },
}

impl SloStart {
    /// The SLO state's source for `set`.
    pub fn source(&self, set: &crate::slo::SloSet) -> super::slos::SloSource {
        match self {
            SloStart::Prometheus { url } => super::slos::SloSource::Prometheus { url: url.clone() },
            SloStart::Local {
                every_ms,
                retention_ms,
                max_series,
            } => SlosState::local(
                set,
                std::time::Duration::from_millis(*retention_ms),
                *max_series,
                std::time::Duration::from_millis(*every_ms),
            ),
        }
    }
}

/// The screen Enter on a tile opens.
pub fn tile_screen(tile: OverviewTile) -> Screen {
    match tile {
        OverviewTile::Health | OverviewTile::Movers => Screen::Prices,
        OverviewTile::Slos => Screen::Slos,
        OverviewTile::Incidents => Screen::Incidents,
        OverviewTile::Dr => Screen::Dr,
        OverviewTile::Capacity => Screen::Capacity,
    }
}

impl App {
    pub(super) fn on_environment_summary(&mut self, environment: &str, summary: EnvSummary, at_ms: i64) {
        self.environment_entry(environment).apply(summary, at_ms);
    }

    /// The entry of `name`, added when unknown: a replay learns the
    /// environments from the summaries it recorded.
    fn environment_entry(&mut self, name: &str) -> &mut EnvironmentEntry {
        let entries = &mut self.environments.entries;
        let index = match entries.iter().position(|e| e.name == name) {
            Some(index) => index,
            None => {
                entries.push(EnvironmentEntry {
                    name: name.to_string(),
                    ..EnvironmentEntry::default()
                });
                if !self.config.environments.iter().any(|e| e == name) {
                    self.config.environments.push(name.to_string());
                }
                entries.len() - 1
            }
        };
        &mut entries[index]
    }

    /// Asks the run loop to switch to `name`; refused with a notice for an
    /// unknown name or the environment already shown.
    pub fn switch_environment(&mut self, name: &str) -> Vec<Command> {
        self.dirty = true;
        if !self.config.environments.iter().any(|e| e == name) {
            let notice = format!(
                "unknown environment `{name}`: configured are {}",
                self.config.environments.join(", ")
            );
            self.notice = Some((notice, self.now_ms));
            return Vec::new();
        }
        if name == self.config.environment && self.environments.switching_to.is_none() {
            self.notice = Some((format!("already on {name}"), self.now_ms));
            return Vec::new();
        }
        self.environments.switching_to = Some(name.to_string());
        self.notice = Some((format!("switching to {name}{}", '\u{2026}'), self.now_ms));
        vec![Command::SwitchEnvironment(name.to_string())]
    }

    /// The run loop now reads `start`: everything of the old environment
    /// goes; the screen, its selection on the overview, help and the
    /// summaries of every environment stay.
    pub(super) fn on_environment_switched(&mut self, start: EnvStart, at_ms: i64) {
        self.environment_entry(&start.name);
        let set = std::sync::Arc::clone(&self.slos.set);
        let source = start.slo.source(&set);
        self.slos = SlosState::new(set, source);
        self.prices = super::prices::PricesState::default();
        self.incidents = IncidentsState::new(start.alertmanager.clone());
        self.cluster = start
            .kube
            .as_ref()
            .map(|(context, namespace)| cluster::ClusterState::new(context, namespace));
        self.dr = super::dr::DrState::default();
        self.health = None;
        self.health_at_ms = None;
        self.dialog = None;
        self.incident_problem_text.clear();
        self.sources = start
            .sources
            .iter()
            .map(|&id| (id, SourceStatus::new()))
            .collect();
        self.config.target = start.target;
        self.config.sources = start.sources;
        self.config.environment = start.name.clone();
        self.config.incidents.alertmanager = start.alertmanager;
        self.config.actions.kube = start.kube;
        self.config.actions.agent_url = start.agent_url;
        self.environments.switching_to = None;
        let notice = match start.kube_error {
            Some(error) => format!("now on {}; its cluster is not reachable: {error}", start.name),
            None => format!("now on {}", start.name),
        };
        self.notice = Some((notice, at_ms));
    }

    pub(super) fn on_overview_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let envs = self.environments.entries.len().max(1);
        let (env, tile) = self.environments.selected;
        let tiles = OverviewTile::ALL.len();
        let step =
            |i: usize, delta: isize, len: usize| (i as isize + delta).rem_euclid(len as isize) as usize;
        let moved = match key.code {
            KeyCode::Char('j') | KeyCode::Down => (env, OverviewTile::ALL[step(tile.index(), 1, tiles)]),
            KeyCode::Char('k') | KeyCode::Up => (env, OverviewTile::ALL[step(tile.index(), -1, tiles)]),
            KeyCode::Char('l') | KeyCode::Right => (step(env, 1, envs), tile),
            KeyCode::Char('h') | KeyCode::Left => (step(env, -1, envs), tile),
            KeyCode::Enter => return self.open_tile(env, tile),
            _ => {
                self.dirty = false;
                return Vec::new();
            }
        };
        self.environments.selected = moved;
        Vec::new()
    }

    /// Enter on a tile: its screen, after switching to its environment
    /// when that is not the one shown.
    pub fn open_tile(&mut self, env: usize, tile: OverviewTile) -> Vec<Command> {
        self.environments.selected = (env, tile);
        let Some(name) = self.environments.entries.get(env).map(|e| e.name.clone()) else {
            return Vec::new();
        };
        let commands = if name == self.config.environment {
            Vec::new()
        } else {
            self.switch_environment(&name)
        };
        self.screen = tile_screen(tile);
        self.dirty = true;
        commands
    }
}
