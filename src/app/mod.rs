//! The console's state and its pure update function.
//!
//! `App::update` takes a `Msg` and returns the `Command`s to run; it does no
//! I/O, so every behaviour of the console is tested by feeding messages.

pub mod capacity;
mod capacity_view;
pub mod cluster;
pub mod command_line;
pub mod dialog;
pub mod dr;
mod dr_view;
pub mod environments;
pub use crate::domain::filter;
pub mod incidents;
mod incidents_view;
pub mod keymap;
pub mod keys;
mod list_filter;
pub mod mouse;
pub mod msg;
pub mod navigation;
mod overview_view;
pub mod prices;
pub mod runbooks;
pub mod screen;
mod selection;
pub mod slos;
pub mod timeline;
pub mod timeline_view;
mod view;

use std::collections::HashMap;

use market_data_agent::api::{BarInterval, Health};

pub use msg::{ActionPlan, ActionStep, Command, Link, Msg, SourceId};
pub use screen::Screen;

use dialog::{ActionContext, Dialog};
use dr::DrState;
use incidents::IncidentsState;
use prices::{BarsData, Detail, PricesState};
pub use runbooks::ActionSettings;
use runbooks::RunbookState;
use slos::SlosState;

/// How long an action's outcome stays on the status line.
const NOTICE_MS: i64 = 15_000;

/// How often the selected symbol's bars are refreshed while it stays
/// selected: every new bar for 1s bars, every 5 s for 1m bars.
fn bars_refresh_ms(interval: BarInterval) -> i64 {
    interval.millis().clamp(1_000, 5_000)
}
/// Bars requested per fetch.
pub const BARS_LIMIT: usize = 120;

/// Settings the app needs that come from config and flags.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Shown in the header, e.g. `agent 127.0.0.1:8080 (embedded)`.
    pub target: String,
    /// The environment this console's sources read (e.g. `prod-us`).
    pub environment: String,
    /// Every configured environment's name, in config order.
    pub environments: Vec<String>,
    pub stale_after_ms: u64,
    /// The upstreams this console reads, in header order.
    pub sources: Vec<SourceId>,
    pub incidents: IncidentSettings,
    pub actions: ActionSettings,
}

/// Who acts on incidents, how, and where alerts come from.
#[derive(Debug, Clone)]
pub struct IncidentSettings {
    /// Recorded as the author of acks, resolutions and silences.
    pub author: String,
    /// Refuse every action that changes something (`--read-only`).
    pub read_only: bool,
    /// Length of an ACK silence (karma's idiom).
    pub ack_duration: std::time::Duration,
    /// Alertmanager's base URL, when one is read.
    pub alertmanager: Option<String>,
}

impl Default for IncidentSettings {
    fn default() -> IncidentSettings {
        IncidentSettings {
            author: "mdops".to_string(),
            read_only: false,
            ack_duration: crate::sources::alertmanager::ACK_DURATION,
            alertmanager: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub link: Link,
    pub last_message_ms: Option<i64>,
    /// Start of the current connected spell; `None` while not connected.
    pub connected_since_ms: Option<i64>,
    /// Start of the current failing spell; `None` unless reconnecting.
    pub failing_since_ms: Option<i64>,
}

impl SourceStatus {
    fn new() -> SourceStatus {
        SourceStatus {
            link: Link::Connecting,
            last_message_ms: None,
            connected_since_ms: None,
            failing_since_ms: None,
        }
    }

    /// The banner line of a failing source: `what` unreachable since when,
    /// why, and what the screen shows meanwhile; `None` while it answers.
    fn problem(&self, what: &str, shown: &str) -> Option<String> {
        match (&self.link, self.failing_since_ms) {
            (Link::Reconnecting { attempt, last_error }, Some(since)) => Some(format!(
                "{what} unreachable since {} ({last_error}; attempt {attempt}): {shown}",
                format_clock(since)
            )),
            _ => None,
        }
    }

    fn set_link(&mut self, link: Link, at_ms: i64) {
        match link {
            Link::Connected => {
                self.connected_since_ms.get_or_insert(at_ms);
                self.last_message_ms = Some(at_ms);
                self.failing_since_ms = None;
            }
            Link::Reconnecting { .. } => {
                self.connected_since_ms = None;
                self.failing_since_ms.get_or_insert(at_ms);
            }
            Link::Connecting => self.connected_since_ms = None,
        }
        self.link = link;
    }
}

#[derive(Debug)]
pub struct App {
    pub config: AppConfig,
    pub screen: Screen,
    pub prices: PricesState,
    pub slos: SlosState,
    pub incidents: IncidentsState,
    /// The cluster screen's state; `None` when no cluster is configured.
    pub cluster: Option<cluster::ClusterState>,
    /// The open confirmation or prompt; it takes the keys.
    pub dialog: Option<Dialog>,
    /// The last action's outcome, and when it came.
    pub notice: Option<(String, i64)>,
    pub runbooks: RunbookState,
    pub dr: DrState,
    /// Every environment's last summary, the overview's selection, a switch under way.
    pub environments: environments::EnvironmentsState,
    pub capacity: capacity::CapacityState,
    /// The "what changed" log and its screen's filters and selection.
    pub timeline: timeline::TimelineState,
    /// Why an incident source is failing, worded for the screen.
    incident_problem_text: HashMap<SourceId, String>,
    pub sources: HashMap<SourceId, SourceStatus>,
    pub health: Option<Health>,
    /// When `health` was received.
    pub health_at_ms: Option<i64>,
    pub show_help: bool,
    /// The keys in force (defaults, or the config's `[keys]`).
    pub keymap: keymap::Keymap,
    /// The help overlay's rows with the keys in force.
    help: Vec<(&'static str, Vec<(String, &'static str)>)>,
    /// The status line's hints per screen (in `Screen::ALL` order), with
    /// the keys in force.
    hints: [Vec<(String, &'static str)>; 8],
    pub nav: navigation::NavState,
    pub now_ms: i64,
    clock_text: String,
    should_quit: bool,
    dirty: bool,
}

impl App {
    pub fn new(config: AppConfig, slos: SlosState, now_ms: i64) -> App {
        let sources = config
            .sources
            .iter()
            .map(|&id| (id, SourceStatus::new()))
            .collect();
        let incidents = IncidentsState::new(config.incidents.alertmanager.clone());
        let cluster = config
            .actions
            .kube
            .as_ref()
            .map(|(context, namespace)| cluster::ClusterState::new(context, namespace));
        let environments = environments::EnvironmentsState::new(&config.environments, &config.environment);
        let keymap = keymap::Keymap::default();
        App {
            config,
            screen: Screen::Prices,
            prices: PricesState::default(),
            slos,
            incidents,
            cluster,
            dialog: None,
            notice: None,
            runbooks: RunbookState::default(),
            dr: DrState::default(),
            environments,
            capacity: capacity::CapacityState::default(),
            timeline: timeline::TimelineState::default(),
            incident_problem_text: HashMap::new(),
            sources,
            health: None,
            health_at_ms: None,
            show_help: false,
            help: keymap.help(),
            hints: Screen::ALL.map(|screen| keymap.hints(screen)),
            keymap,
            nav: navigation::NavState::default(),
            now_ms,
            clock_text: format_clock(now_ms),
            should_quit: false,
            dirty: true,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// Whether anything visible changed since the last call.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Uses `keymap` from now on (the config's `[keys]`).
    pub fn set_keymap(&mut self, keymap: keymap::Keymap) {
        self.help = keymap.help();
        self.hints = Screen::ALL.map(|screen| keymap.hints(screen));
        self.keymap = keymap;
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        self.dirty = true;
        let msg = match self.hold(msg) {
            navigation::Hold::Pass(msg) => msg,
            navigation::Hold::Held(commands) => return commands,
        };
        if let Some(at_ms) = msg.at_ms() {
            self.now_ms = self.now_ms.max(at_ms);
        }
        self.observe_for_timeline(&msg);
        match msg {
            Msg::Key(key) => return self.on_key(key),
            Msg::Mouse(mouse) => return self.on_mouse(mouse),
            Msg::Clock { now_ms } => {
                self.now_ms = now_ms;
                self.clock_text = format_clock(now_ms);
                self.incidents.refresh(now_ms);
                if self
                    .notice
                    .as_ref()
                    .is_some_and(|(_, at)| now_ms - at > NOTICE_MS)
                {
                    self.notice = None;
                }
                self.expire_run_status();
                let mut commands = self.verify_run();
                commands.extend(self.refresh_bars_if_due());
                return commands;
            }
            Msg::Link { source, link, at_ms } => {
                self.source_mut(source).set_link(link, at_ms);
                self.refresh_slo_problem(source);
                self.refresh_incident_problem(source);
                self.refresh_dr_problem(source);
                self.refresh_capacity_problem(source);
            }
            Msg::AgentIncidents { incidents, at_ms } => {
                self.touch(SourceId::AgentIncidents, at_ms);
                self.incidents.agent = Some(incidents);
                self.incidents.refresh(self.now_ms);
            }
            Msg::Alerts {
                groups,
                silences,
                at_ms,
            } => {
                self.touch(SourceId::Alertmanager, at_ms);
                self.incidents.groups = Some(groups);
                self.incidents.silences = silences;
                self.incidents.refresh(self.now_ms);
            }
            Msg::ActionDone { label, result } => self.on_action_done(&label, result),
            Msg::RunOutput { id, line } => self.on_run_output(id, line),
            Msg::RunDone { id, outcome } => {
                let refresh = self.dr_refresh_after(id);
                let mut commands = self.on_run_done(id, outcome);
                commands.extend(refresh);
                return commands;
            }
            Msg::Cluster { snapshot, at_ms } => {
                self.touch(SourceId::Kubernetes, at_ms);
                if let Some(cluster) = self.cluster.as_mut() {
                    cluster.apply(*snapshot);
                }
                self.reassess_capacity();
                return self.verify_run();
            }
            Msg::Symbols { symbols, at_ms } => {
                self.touch(SourceId::AgentApi, at_ms);
                self.prices.add_symbols(symbols);
                return self.ensure_detail();
            }
            Msg::Ticks { quotes, at_ms } => {
                self.touch(SourceId::AgentStream, at_ms);
                for quote in quotes {
                    self.prices.apply_tick(quote, at_ms);
                }
                return self.ensure_detail();
            }
            Msg::Snapshot { quotes, at_ms } => {
                self.touch(SourceId::AgentStream, at_ms);
                for quote in quotes {
                    self.prices.apply_snapshot(quote, at_ms);
                }
                return self.ensure_detail();
            }
            Msg::Heartbeat { source, at_ms } => self.touch(source, at_ms),
            Msg::Health { health, at_ms } => {
                self.touch(SourceId::AgentApi, at_ms);
                self.health = Some(health);
                self.health_at_ms = Some(at_ms);
                return self.verify_run();
            }
            Msg::Bars {
                symbol,
                interval,
                result,
            } => self.on_bars(symbol, interval, result),
            Msg::Scrape { exposition, at_ms } => {
                self.touch(SourceId::AgentMetrics, at_ms);
                self.refresh_slo_problem(SourceId::AgentMetrics);
                self.slos.on_scrape(&exposition, at_ms);
                self.observe_slo_levels(at_ms);
                let mut commands = self.verify_run();
                commands.extend(self.capacity_due());
                return commands;
            }
            Msg::SloFigures { figures, at_ms } => {
                self.touch(SourceId::Prometheus, at_ms);
                self.refresh_slo_problem(SourceId::Prometheus);
                self.slos.on_figures(figures, at_ms);
                self.observe_slo_levels(at_ms);
                return self.verify_run();
            }
            Msg::Dr { status, at_ms } => self.on_dr(*status, at_ms),
            Msg::KubeBackups { backups, at_ms } => self.on_kube_backups(*backups, at_ms),
            Msg::EnvironmentSummary {
                environment,
                summary,
                at_ms,
            } => self.on_environment_summary(&environment, *summary, at_ms),
            Msg::EnvironmentSwitched { start, at_ms } => self.on_environment_switched(*start, at_ms),
            Msg::Capacity {
                outlooks,
                origin,
                at_ms,
            } => self.on_capacity(outlooks, origin, at_ms),
            // The timeline took it above.
            Msg::Audit { .. } => {}
        }
        Vec::new()
    }

    /// An action finished: its dialog closes on success and shows the error
    /// otherwise; the status line says what happened either way (the
    /// operator may have closed the dialog meanwhile).
    fn on_action_done(&mut self, label: &str, result: Result<String, String>) {
        let dialog = self.dialog.as_mut().filter(|d| d.busy && d.label == label);
        let text = match result {
            Ok(summary) => {
                if dialog.is_some() {
                    self.dialog = None;
                }
                format!("{label}: {summary}")
            }
            Err(error) => {
                if let Some(dialog) = dialog {
                    dialog.busy = false;
                    dialog.error = Some(error.clone());
                }
                format!("{label} FAILED: {error}")
            }
        };
        self.notice = Some((text, self.now_ms));
    }

    /// Opens a dialog built from the selected incident row, unless the
    /// console is read-only or there is nothing to act on.
    pub(super) fn open_dialog(
        &mut self,
        verb: &str,
        build: impl FnOnce(
            &crate::domain::incidents::IncidentRow,
            &IncidentsState,
            &ActionContext,
        ) -> Result<Dialog, String>,
    ) {
        if self.config.incidents.read_only {
            self.notice = Some((
                format!("read-only (--read-only or a replay): {verb} is refused"),
                self.now_ms,
            ));
            return;
        }
        let Some(row) = self.incidents.selected_row() else {
            self.notice = Some((format!("{verb}: no incident selected"), self.now_ms));
            return;
        };
        let ctx = self.action_context();
        match build(row, &self.incidents, &ctx) {
            Ok(mut dialog) => {
                dialog.target = row.id.clone();
                self.dialog = Some(dialog);
            }
            Err(why) => self.notice = Some((format!("{verb}: {why}"), self.now_ms)),
        }
    }

    pub(super) fn action_context(&self) -> ActionContext<'_> {
        ActionContext {
            author: &self.config.incidents.author,
            ack_duration: self.config.incidents.ack_duration,
            now_ms: self.now_ms,
        }
    }

    fn source_mut(&mut self, source: SourceId) -> &mut SourceStatus {
        self.sources.entry(source).or_insert_with(SourceStatus::new)
    }

    /// A message arrived from `source`: it is alive, whatever it said before.
    fn touch(&mut self, source: SourceId, at_ms: i64) {
        self.source_mut(source).set_link(Link::Connected, at_ms);
        self.incident_problem_text.remove(&source);
    }

    /// Words the SLO screen's banner while its source fails: what, since
    /// when, and that the figures shown are the last known ones.
    fn refresh_slo_problem(&mut self, source: SourceId) {
        if !matches!(source, SourceId::AgentMetrics | SourceId::Prometheus) {
            return;
        }
        let shown = if self.slos.updated_at_ms.is_some() {
            "last values shown, marked stale"
        } else {
            "no figures yet"
        };
        self.slos.problem = self.sources[&source].problem(source.name(), shown);
    }

    fn on_bars(
        &mut self,
        symbol: String,
        interval: BarInterval,
        result: Result<Vec<market_data_agent::api::Bar>, String>,
    ) {
        let Some(detail) = self.prices.detail.as_mut() else {
            return;
        };
        if detail.symbol != symbol || detail.interval != interval {
            return;
        }
        detail.fetched_at_ms = Some(self.now_ms);
        detail.bars = match result {
            Ok(bars) => {
                let points = bars.iter().map(|bar| (bar.start as f64, bar.close)).collect();
                BarsData::Ready { points, bars }
            }
            Err(error) => BarsData::Failed(error),
        };
    }

    /// Makes the detail pane follow the selection, selecting the first row
    /// once there is one, and asks for bars when the pane's subject changes.
    fn ensure_detail(&mut self) -> Vec<Command> {
        if self.prices.selected.is_none() {
            let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
            self.prices.selected = rows.first().map(|row| row.symbol.to_string());
        }
        let Some(symbol) = self.prices.selected.clone() else {
            self.prices.detail = None;
            return Vec::new();
        };
        let interval = self.prices.interval;
        let unchanged = self
            .prices
            .detail
            .as_ref()
            .is_some_and(|detail| detail.symbol == symbol && detail.interval == interval);
        if unchanged {
            return Vec::new();
        }
        self.prices.detail = Some(Detail {
            symbol: symbol.clone(),
            interval,
            bars: BarsData::Loading,
            fetched_at_ms: None,
        });
        vec![Command::FetchBars { symbol, interval }]
    }

    fn refresh_bars_if_due(&mut self) -> Vec<Command> {
        let Some(detail) = self.prices.detail.as_mut() else {
            return Vec::new();
        };
        let due = detail
            .fetched_at_ms
            .is_some_and(|at| self.now_ms - at >= bars_refresh_ms(detail.interval));
        if !due {
            return Vec::new();
        }
        detail.fetched_at_ms = None;
        vec![Command::FetchBars {
            symbol: detail.symbol.clone(),
            interval: detail.interval,
        }]
    }
}

/// `HH:MM:SS UTC` for the header clock.
fn format_clock(now_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(now_ms)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_default()
}
