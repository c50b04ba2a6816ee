//! View models: plain data the console's `App` builds each frame and the
//! renderers draw. Nothing here knows about tokio, HTTP or the app.
//!
//! Models borrow from the app's state so that building one is cheap; the
//! renderers build widgets only for what is visible.

use std::time::Duration;

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct AppView<'a> {
    pub header: HeaderModel<'a>,
    pub tabs: TabsModel<'a>,
    pub body: BodyModel<'a>,
    pub status: StatusModel<'a>,
    /// Help overlay, drawn on top of everything when present.
    pub help: Option<HelpModel<'a>>,
    /// A confirmation or prompt for an action, drawn over the body; keys go
    /// to it while it is open.
    pub dialog: Option<DialogModel<'a>>,
    /// The action palette (`x`), drawn over the body.
    pub palette: Option<PaletteModel<'a>>,
    /// Output of an `exec` action, drawn over the body until closed.
    pub output: Option<OutputModel<'a>>,
    /// The last action and its verification, drawn as a strip at the
    /// bottom of the body on every screen until it is dismissed.
    pub action_status: Option<ActionStatusModel<'a>>,
    /// Command mode, the frozen marker and the expanded panel.
    pub nav: NavModel<'a>,
}

/// Navigation drawn over the frame.
#[derive(Debug, Clone, Default)]
pub struct NavModel<'a> {
    /// The `:` prompt, drawn in place of the status line.
    pub command: Option<CommandLineModel<'a>>,
    /// Updates are held: a marker starts the header.
    pub frozen: Option<FrozenModel<'a>>,
    /// The focused panel fills the body (prices chart, SLO or incident
    /// detail, the focused cluster pane).
    pub expanded: bool,
}

/// The command prompt and the completions of what is typed.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandLineModel<'a> {
    pub input: &'a str,
    pub candidates: Vec<&'a str>,
    /// The candidate Tab put in the prompt.
    pub selected: Option<usize>,
    /// Why Enter was refused.
    pub error: Option<&'a str>,
}

/// When the screen was frozen (formatted) and how many updates wait.
#[derive(Debug, Clone, PartialEq)]
pub struct FrozenModel<'a> {
    pub since: &'a str,
    pub held: usize,
}

/// Top line: what the console is connected to and how fresh the data is.
#[derive(Debug, Clone)]
pub struct HeaderModel<'a> {
    /// Target description, e.g. `agent 127.0.0.1:8080 (embedded)`.
    pub target: &'a str,
    pub sources: Vec<SourceBadge<'a>>,
    /// Wall clock shown at the right, already formatted (`HH:MM:SS UTC`).
    pub clock: &'a str,
    /// Open (firing, not resolved) incidents by severity, SEV1 first;
    /// `None` when no incident source is read. Zero counts are not drawn;
    /// all zero reads as "no incidents".
    pub incidents: Option<[usize; 4]>,
    /// Set when the frame comes from a recording (`mdops replay`).
    pub replay: Option<ReplayModel<'a>>,
}

/// Which recording is replayed, where, and how fast: the header starts with
/// it so a replay is never taken for the live system.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayModel<'a> {
    /// The recording's file name.
    pub file: &'a str,
    /// The recorded instant showing, already formatted.
    pub at: &'a str,
    pub speed: f64,
    pub paused: bool,
}

/// Connection state of one upstream source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceBadge<'a> {
    pub name: &'a str,
    pub state: LinkState<'a>,
    /// Time since the last message from this source; `None` before the first.
    pub data_age: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkState<'a> {
    Connecting,
    Connected,
    /// Waiting to retry after a failure.
    Reconnecting {
        attempt: u32,
        last_error: &'a str,
    },
    /// Not configured; the text says how to configure it.
    NotConfigured,
}

#[derive(Debug, Clone)]
pub struct TabsModel<'a> {
    pub titles: &'a [&'a str],
    pub selected: usize,
}

#[derive(Debug, Clone)]
pub enum BodyModel<'a> {
    Prices(PricesModel<'a>),
    Slos(SlosModel<'a>),
    Incidents(IncidentsModel<'a>),
    Cluster(ClusterModel<'a>),
    NotConfigured(NotConfiguredModel<'a>),
    Dr(DrModel<'a>),
    Overview(OverviewModel<'a>),
    Capacity(CapacityModel<'a>),
    Timeline(TimelineModel<'a>),
}

/// The "what changed" screen: one time axis of SLO state changes, alerts,
/// agent incidents, cluster events and audited actions, newest first.
#[derive(Debug, Clone)]
pub struct TimelineModel<'a> {
    /// Events after the filters, newest first.
    pub rows: Vec<TimelineRow<'a>>,
    /// Events held before the filters.
    pub total: usize,
    /// Events dropped because the log was full (the oldest go first).
    pub dropped: u64,
    /// Index into `rows`.
    pub selected: Option<usize>,
    /// Every kind with its toggle key and whether it is shown.
    pub kinds: Vec<(TimelineKind, &'a str, bool)>,
    /// The environment shown; `None`: every one.
    pub environment: Option<&'a str>,
    /// More than one environment is on the log: the column is worth its room.
    pub several_environments: bool,
    pub detail: Option<TimelineDetail<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKind {
    Slo,
    Alert,
    Incident,
    Kube,
    Action,
}

impl TimelineKind {
    pub fn label(self) -> &'static str {
        match self {
            TimelineKind::Slo => "slo",
            TimelineKind::Alert => "alert",
            TimelineKind::Incident => "incident",
            TimelineKind::Kube => "kube",
            TimelineKind::Action => "action",
        }
    }
}

/// How much an event matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineLevel {
    Critical,
    Warning,
    Info,
    /// Recovered or resolved.
    Ok,
}

impl TimelineLevel {
    pub fn label(self) -> &'static str {
        match self {
            TimelineLevel::Critical => "crit",
            TimelineLevel::Warning => "warn",
            TimelineLevel::Info => "info",
            TimelineLevel::Ok => "ok",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow<'a> {
    /// Unix ms: the renderer formats only the rows it draws.
    pub at_ms: i64,
    /// Since the event.
    pub age: Duration,
    pub kind: TimelineKind,
    pub environment: &'a str,
    pub level: TimelineLevel,
    pub title: &'a str,
}

/// Everything about the selected event.
#[derive(Debug, Clone)]
pub struct TimelineDetail<'a> {
    /// e.g. `2026-11-27 08:05:12 UTC (3m ago)`.
    pub when: String,
    pub kind: TimelineKind,
    pub level: TimelineLevel,
    pub environment: &'a str,
    pub title: &'a str,
    pub detail: &'a str,
    pub subject: &'a str,
    /// The screen Enter jumps to, e.g. `Incidents`.
    pub related: &'a str,
}

/// The cluster screen: the namespace's deployments, pods and recent
/// warning events, from a live watch of the Kubernetes API.
#[derive(Debug, Clone)]
pub struct ClusterModel<'a> {
    /// e.g. `context prod-eu, namespace mda`: drawn as given, so plain
    /// ASCII keeps the ASCII theme ASCII.
    pub context: &'a str,
    /// The API server is unreachable or a watch fails: the error and the
    /// retry state; the last known objects stay listed below it.
    pub problem: Option<&'a str>,
    /// No list has answered yet.
    pub loading: bool,
    pub deployments: Vec<DeploymentRow<'a>>,
    pub pods: Vec<PodRow<'a>>,
    /// Newest first.
    pub events: Vec<EventRow<'a>>,
    /// The pane the selection and the keys act on.
    pub focus: ClusterPane,
    /// Index into the focused pane's rows.
    pub selected: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterPane {
    Deployments,
    Pods,
    Events,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRow<'a> {
    pub name: &'a str,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    /// `complete`, `progressing`, `paused`, or `stalled: <reason>`.
    pub rollout: &'a str,
    /// The rollout is complete and every replica available.
    pub healthy: bool,
    pub age: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodRow<'a> {
    pub name: &'a str,
    /// `Running`, `Pending`, `Succeeded`, `Failed`, `Unknown`.
    pub phase: &'a str,
    /// Ready containers and containers.
    pub ready: (u32, u32),
    pub restarts: u32,
    pub age: Duration,
    /// `""` before the pod is scheduled.
    pub node: &'a str,
    /// Why it is not ready: `CrashLoopBackOff`, `ImagePullBackOff`,
    /// `OOMKilled`, `Unschedulable` ...; `""` when ready.
    pub reason: &'a str,
    /// Running and every container ready (or Succeeded).
    pub healthy: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRow<'a> {
    /// Since the event was last seen.
    pub age: Duration,
    /// `Warning` or `Normal`.
    pub kind: &'a str,
    pub reason: &'a str,
    /// `Pod/mda-7d9f-x2` ...
    pub object: &'a str,
    pub message: &'a str,
    pub count: u32,
}

/// The action palette: actions valid for the current selection, filtered
/// by what is typed.
#[derive(Debug, Clone)]
pub struct PaletteModel<'a> {
    pub query: &'a str,
    /// What the actions would act on, e.g. `deployment mda-agent` or
    /// `source sim`; `None` when nothing is selected.
    pub target: Option<&'a str>,
    pub items: Vec<PaletteItem<'a>>,
    /// Index into `items`.
    pub selected: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaletteItem<'a> {
    /// The direct key, e.g. `R` or `ctrl-r`; `""` when none.
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// Needs the target's name typed to confirm.
    pub destructive: bool,
    /// Why it cannot run now (read-only, role, no target ...); `None` when it can.
    pub disabled: Option<&'a str>,
}

/// Output of a running or finished `exec` action.
#[derive(Debug, Clone)]
pub struct OutputModel<'a> {
    /// The program and its arguments as run, e.g. `kubectl rollout status deploy/mda`.
    pub title: &'a str,
    /// stdout and stderr lines in arrival order (stderr ones marked by the app
    /// with a leading `! `), the last ones kept.
    pub lines: Vec<&'a str>,
    pub running: bool,
    /// `exit 0`, `exit 2`, `killed after 30s timeout` ...; `None` while running.
    pub outcome: Option<&'a str>,
}

/// The last action: what was done, and whether the system recovered.
#[derive(Debug, Clone)]
pub struct ActionStatusModel<'a> {
    /// e.g. `restart deployment mda-agent`.
    pub action: &'a str,
    /// e.g. `done in 0.4s` or `failed: HTTP 403 ...`.
    pub result: &'a str,
    /// The action failed or was refused: `result` is drawn as an error.
    pub failed: bool,
    pub verification: VerificationState,
    /// One line per watched signal: (what, verdict, detail), e.g.
    /// `("rollout", Some(true), "3/3 updated and available")`.
    pub checks: Vec<(&'a str, Option<bool>, &'a str)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VerificationState {
    /// Not verified (the action failed, or it has nothing to watch).
    None,
    /// Watching; this much time is left before giving up.
    Watching {
        remaining: Duration,
    },
    Recovered {
        after: Duration,
    },
    NotRecovered,
}

/// Incident severity, SEV1 the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeverityModel {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl SeverityModel {
    pub fn label(self) -> &'static str {
        match self {
            SeverityModel::Sev1 => "SEV1",
            SeverityModel::Sev2 => "SEV2",
            SeverityModel::Sev3 => "SEV3",
            SeverityModel::Sev4 => "SEV4",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentStatusModel {
    /// Firing and nobody handles it.
    Triggered,
    /// Every firing signal is acknowledged, silenced or inhibited.
    Acknowledged,
    Resolved,
}

impl IncidentStatusModel {
    pub fn label(self) -> &'static str {
        match self {
            IncidentStatusModel::Triggered => "triggered",
            IncidentStatusModel::Acknowledged => "acked",
            IncidentStatusModel::Resolved => "resolved",
        }
    }
}

/// The incidents screen: correlated rows (agent incidents and Alertmanager
/// alerts), and the selected row's detail.
#[derive(Debug, Clone)]
pub struct IncidentsModel<'a> {
    /// Where the rows come from, e.g. `agent incidents + Alertmanager
    /// http://127.0.0.1:9093`.
    pub source: &'a str,
    /// Problems with a source, one line each, shown prominently, e.g.
    /// `Alertmanager unreachable since 05:12:03 (connection refused): alerts
    /// not shown`.
    pub problems: Vec<&'a str>,
    /// Rows after filter and the resolved toggle, in display order.
    pub rows: Vec<IncidentRowModel<'a>>,
    /// Rows before the filter and toggle.
    pub total: usize,
    /// Resolved rows hidden because resolved ones are not shown.
    pub hidden_resolved: usize,
    pub show_resolved: bool,
    /// Index into `rows` of the selected row.
    pub selected: Option<usize>,
    pub detail: Option<IncidentDetailModel<'a>>,
    /// No incident source has answered yet.
    pub loading: bool,
}

/// One row of the incidents table.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRowModel<'a> {
    pub severity: SeverityModel,
    pub title: &'a str,
    /// The `service` label, or `""`; drawn `service/component`.
    pub service: &'a str,
    /// The `component` label, or `""`.
    pub component: &'a str,
    pub status: IncidentStatusModel,
    /// Since the row's first signal started.
    pub age: Duration,
    pub signals: usize,
    pub acked: bool,
    pub silenced: bool,
}

/// Everything known about the selected row.
#[derive(Debug, Clone)]
pub struct IncidentDetailModel<'a> {
    pub title: &'a str,
    /// Label/value pairs: id, severity, status, started, ended, acked by ...
    pub facts: Vec<(&'a str, String)>,
    /// Each signal (agent incident or alert) of the row, oldest first.
    pub signals: Vec<SignalModel<'a>>,
    /// Timeline entries of the row's agent incidents, oldest first.
    pub timeline: Vec<TimelineLine<'a>>,
    /// Silences that match the row's alerts (active and pending first).
    pub silences: Vec<SilenceLine<'a>>,
}

/// One signal inside the detail pane.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalModel<'a> {
    /// `agent` or `alert`.
    pub kind: &'a str,
    /// The alert name or the incident's title.
    pub name: &'a str,
    pub severity: SeverityModel,
    /// `firing`, `acked`, `silenced`, `inhibited` or `resolved`.
    pub state: &'a str,
    pub labels: Vec<(&'a str, &'a str)>,
    /// Alert annotations: summary, description, runbook_url ...
    pub annotations: Vec<(&'a str, &'a str)>,
}

/// One timeline entry: when (already formatted), and what.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineLine<'a> {
    pub at: String,
    pub text: &'a str,
}

/// A silence linked to the row.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceLine<'a> {
    pub id: &'a str,
    /// `active`, `pending` or `expired`.
    pub state: &'a str,
    /// Matchers in Alertmanager's syntax, comma separated.
    pub matchers: String,
    /// `until 12:30:00 UTC (in 14m)` or `ended 12:00:00 UTC`.
    pub until: String,
    pub created_by: &'a str,
    pub comment: &'a str,
    /// An `ACK!` silence.
    pub ack: bool,
}

/// A confirmation or prompt over the body.
#[derive(Debug, Clone)]
pub struct DialogModel<'a> {
    /// e.g. `Acknowledge`, `Silence alerts`, `Expire silence`, `Resolve`.
    pub title: &'a str,
    /// What will happen, one line each: target, parameters, effect.
    pub lines: Vec<String>,
    /// Editable fields; empty for a plain confirmation.
    pub fields: Vec<FieldModel<'a>>,
    /// Why the last attempt to confirm was refused (bad duration, invalid
    /// matcher ...), or the error the action returned.
    pub error: Option<&'a str>,
    /// The request is in flight: keys other than Esc are ignored.
    pub busy: bool,
    /// Key hints, e.g. `[("Enter", "confirm"), ("Esc", "cancel")]`.
    pub hints: &'a [(&'a str, &'a str)],
}

/// One editable field of a dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldModel<'a> {
    pub label: &'a str,
    pub value: &'a str,
    /// Has the cursor (drawn at the end of the value).
    pub focused: bool,
}

/// The SLO screen: one row per SLO, and the selected one's detail.
#[derive(Debug, Clone)]
pub struct SlosModel<'a> {
    /// Where the figures come from, e.g. `Prometheus http://127.0.0.1:9090`
    /// or `local scrape of the agent's /metrics every 5s, 12m of history`.
    pub source: &'a str,
    /// A problem with the source, shown prominently: e.g. `Prometheus
    /// unreachable since 05:12:03 (connection refused): last values shown,
    /// marked stale`.
    pub problem: Option<&'a str>,
    /// Window labels in column order, e.g. `["5m","30m","1h","2h","6h","1d","3d"]`.
    pub windows: Vec<&'a str>,
    pub rows: Vec<SloRow<'a>>,
    /// Index into `rows` of the selected row.
    pub selected: Option<usize>,
    /// Detail pane for the selected SLO.
    pub detail: Option<SloDetailModel<'a>>,
}

/// One SLO in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SloRow<'a> {
    pub name: &'a str,
    pub service: &'a str,
    /// Objective in percent, e.g. 99.9.
    pub objective_pct: f64,
    /// SLI over the SLO period in percent (good / total); `None` with no traffic.
    pub sli_pct: Option<f64>,
    /// Error budget remaining over the period, as a fraction (1.0 =
    /// untouched; negative = overspent); `None` with no traffic.
    pub budget_remaining: Option<f64>,
    /// One cell per entry of [`SlosModel::windows`], same order.
    pub burn: Vec<BurnCell>,
    pub alert: AlertLevelModel,
    /// Which window pair triggered, e.g. `1h 15.2 > 14.4 and 5m 16.1 > 14.4`.
    pub alert_reason: Option<&'a str>,
    /// Time to exhaust the remaining budget at the current (1h) burn rate;
    /// `None` when not burning.
    pub exhaustion: Option<Duration>,
    /// Requests (events) counted over the period, shown beside ratios for
    /// low-traffic context.
    pub events: Option<f64>,
    /// Figures are the last known ones and the source is failing.
    pub stale: bool,
    /// The SLI, budget and events cover less history than the SLO period
    /// (the console's own scrapes since it started): marked like a partial window.
    pub period_partial: bool,
}

/// The burn rate over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BurnCell {
    /// `partial`: the window is longer than the history behind it.
    Rate { value: f64, partial: bool },
    /// No events in the window: the ratio is undefined.
    NoTraffic,
    /// Not computed yet, or the query failed.
    Unknown,
}

/// Alert state of one SLO (multiwindow, multi-burn-rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertLevelModel {
    #[default]
    Ok,
    Ticket,
    Page,
}

/// Chart, queries and notes for the selected SLO.
#[derive(Debug, Clone)]
pub struct SloDetailModel<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// 1h burn rate history, `(Unix ms, burn)`, oldest first; may be empty.
    pub history: &'a [(f64, f64)],
    /// Horizontal threshold lines, `(burn value, label)`, e.g. `(14.4,
    /// "page")`, `(6.0, "page 6h")`, `(3.0, "ticket")`, `(1.0, "ticket 3d")`.
    pub thresholds: Vec<(f64, &'a str)>,
    /// The PromQL behind the figures, `(label, query)`, so an operator can
    /// paste it into Prometheus.
    pub queries: Vec<(&'a str, &'a str)>,
    /// e.g. `history: 12m of local scrapes; longer windows are partial`, or
    /// a query error text.
    pub note: Option<&'a str>,
}

/// A screen whose source is not configured: says so and how to fix it.
#[derive(Debug, Clone)]
pub struct NotConfiguredModel<'a> {
    pub screen: &'a str,
    /// What the screen would show once configured.
    pub purpose: &'a str,
    /// Instructions, one per line (flags, config keys).
    pub how_to_configure: &'a [&'a str],
}

/// Columns of the prices table, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriceColumn {
    Symbol,
    Last,
    ChangePct,
    Bid,
    Ask,
    Spread,
    Volume,
    TicksPerSec,
}

impl PriceColumn {
    pub const ALL: [PriceColumn; 8] = [
        PriceColumn::Symbol,
        PriceColumn::Last,
        PriceColumn::ChangePct,
        PriceColumn::Bid,
        PriceColumn::Ask,
        PriceColumn::Spread,
        PriceColumn::Volume,
        PriceColumn::TicksPerSec,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PriceColumn::Symbol => "Symbol",
            PriceColumn::Last => "Last",
            PriceColumn::ChangePct => "Chg%",
            PriceColumn::Bid => "Bid",
            PriceColumn::Ask => "Ask",
            PriceColumn::Spread => "Spread",
            PriceColumn::Volume => "Volume",
            PriceColumn::TicksPerSec => "Ticks/s",
        }
    }
}

/// Direction of the last price change, for up/down colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    Up,
    Down,
    #[default]
    Flat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow<'a> {
    pub symbol: &'a str,
    pub last: f64,
    /// Change since the session open, in percent; `None` when the open is unknown.
    pub change_pct: Option<f64>,
    pub bid: f64,
    pub ask: f64,
    pub volume: f64,
    /// Arrival rate; `None` until the console has watched long enough to know.
    pub ticks_per_sec: Option<f64>,
    /// Recent prices, oldest first, for the sparkline column.
    pub spark: &'a [f64],
    pub direction: Direction,
    /// The quote is older than the staleness threshold.
    pub stale: bool,
}

#[derive(Debug, Clone)]
pub struct PricesModel<'a> {
    /// Rows after filter and sort, in display order. The renderer builds
    /// widgets only for the visible window.
    pub rows: Vec<PriceRow<'a>>,
    /// Number of symbols before the filter.
    pub total: usize,
    /// Index into `rows` of the selected row.
    pub selected: Option<usize>,
    pub sort: PriceColumn,
    pub descending: bool,
    /// Detail pane for the selected symbol.
    pub detail: Option<DetailModel<'a>>,
    /// The agent's data sources, when it has configured ones (breakers,
    /// failover); empty otherwise, and then no panel is drawn.
    pub sources: Vec<SourceRow<'a>>,
}

/// One data source of the agent, as its `/health` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow<'a> {
    pub name: &'a str,
    /// `sim`, `replay`, `binance`, `coinbase` ...
    pub kind: &'a str,
    /// `up`, `stale` or `down`.
    pub state: &'a str,
    /// Its ticks are the ones served for its group.
    pub active: bool,
    /// `closed`, `open`, `half_open`; `None` for a source without a breaker.
    pub breaker: Option<&'a str>,
    /// An operator holds the breaker in its state.
    pub forced: bool,
    /// 0 (unusable) to 1.
    pub health_score: Option<f64>,
    pub last_tick_age: Option<Duration>,
    pub failovers: Option<u64>,
    pub last_error: Option<&'a str>,
}

/// Chart and figures for the selected symbol.
#[derive(Debug, Clone)]
pub struct DetailModel<'a> {
    pub symbol: &'a str,
    /// `1s` or `1m`.
    pub interval: &'a str,
    pub bars: BarsState<'a>,
    /// Label/value pairs shown beside the chart (open, high, low, source, age ...).
    pub facts: Vec<(&'a str, String)>,
}

#[derive(Debug, Clone)]
pub enum BarsState<'a> {
    Loading,
    Failed(&'a str),
    /// `(bar start Unix ms, close)` pairs, oldest first.
    Ready(&'a [(f64, f64)]),
}

/// Bottom line: key hints, the filter being typed, transient messages.
#[derive(Debug, Clone)]
pub struct StatusModel<'a> {
    /// Key and what it does, as bound now.
    pub hints: Vec<(&'a str, &'a str)>,
    pub filter: Option<FilterModel<'a>>,
    pub message: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct FilterModel<'a> {
    pub text: &'a str,
    /// The user is typing (cursor shown) rather than the filter being applied.
    pub editing: bool,
    /// Why the text is not a valid filter (a bad regex): shown beside it,
    /// while the list shows nothing.
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct HelpModel<'a> {
    /// `(section title, [(keys, what they do)])`, the keys as bound now.
    pub sections: Vec<(&'a str, Vec<(&'a str, &'a str)>)>,
}

impl<'a> HelpModel<'a> {
    /// From a fixed table, such as the default keys' help.
    pub fn of(table: &'a [(&'a str, &'a [(&'a str, &'a str)])]) -> HelpModel<'a> {
        HelpModel {
            sections: table
                .iter()
                .map(|(title, rows)| (*title, rows.to_vec()))
                .collect(),
        }
    }
}

/// The DR screen: one column per environment, side by side, so a regional
/// failover shows every region's recovery position at once.
#[derive(Debug, Clone)]
pub struct DrModel<'a> {
    /// The DR source fails: what and since when; last values stay below.
    pub problem: Option<&'a str>,
    pub environments: Vec<DrEnvironmentModel<'a>>,
}

#[derive(Debug, Clone)]
pub struct DrEnvironmentModel<'a> {
    /// e.g. `agent 127.0.0.1:8080 (embedded)`.
    pub name: &'a str,
    /// `None` until the first answer.
    pub status: Option<DrStatusModel<'a>>,
    /// The cluster's own backups; `None` without Kubernetes or before
    /// the first read.
    pub kube: Option<KubeBackupsModel<'a>>,
}

/// Backups taken in the cluster: backup CronJobs and Velero.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeBackupsModel<'a> {
    pub namespace: &'a str,
    /// Age of the newest good one (a CronJob's last success or a completed
    /// Velero backup) against the RPO target.
    pub rpo: ObjectiveModel,
    /// `Err` says why they cannot be read.
    pub cronjobs: Result<Vec<CronJobRowModel<'a>>, &'a str>,
    pub velero: Result<VeleroModel<'a>, &'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronJobRowModel<'a> {
    pub name: &'a str,
    pub schedule: &'a str,
    pub suspended: bool,
    /// Age of the last successful run; `None` when it never succeeded.
    pub last_success: Option<Duration>,
    /// Jobs running now.
    pub active: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VeleroModel<'a> {
    NotInstalled,
    Installed {
        schedules: Vec<VeleroScheduleRowModel<'a>>,
        /// The namespace's backups, newest first.
        backups: Vec<VeleroBackupRowModel<'a>>,
        /// Of `backups`, those Velero reports `Completed`: the only ones counted.
        completed: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct VeleroScheduleRowModel<'a> {
    pub name: &'a str,
    pub schedule: &'a str,
    pub paused: bool,
    pub phase: &'a str,
    pub last_backup: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VeleroBackupRowModel<'a> {
    pub name: &'a str,
    pub phase: &'a str,
    pub completed: bool,
    /// Since completion (or start, while running).
    pub age: Option<Duration>,
    pub errors: u64,
}

#[derive(Debug, Clone)]
pub struct DrStatusModel<'a> {
    /// Where backups go; `Err` says why there is no backup directory.
    pub backup_dir: Result<&'a str, &'a str>,
    /// Interval of scheduled backups; `None` when the schedule is off.
    pub schedule: Option<Duration>,
    pub rpo: ObjectiveModel,
    pub rto: ObjectiveModel,
    pub last_backup: Option<BackupRunModel<'a>>,
    pub last_drill: Option<DrillModel<'a>>,
    pub replication: ReplicationModel<'a>,
    /// Newest first.
    pub backups: Vec<BackupRowModel<'a>>,
    pub storage_bytes: u64,
}

/// A recovery objective (RPO or RTO) against its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectiveModel {
    /// RPO: age of the newest good backup now; RTO: the last good drill's
    /// duration. `None` when there is none.
    pub current: Option<Duration>,
    pub target: Duration,
    pub state: ObjectiveState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveState {
    Met,
    Missed,
    /// No good backup (RPO) or no good drill (RTO) to measure.
    NoFigure,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackupRowModel<'a> {
    pub id: &'a str,
    /// Unix ms.
    pub created_at_ms: i64,
    pub age: Duration,
    pub size_bytes: u64,
    /// The first hex digits of the manifest's SHA-256.
    pub checksum_short: &'a str,
    pub verified: bool,
    /// Why it cannot be restored.
    pub problem: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackupRunModel<'a> {
    pub age: Duration,
    pub ok: bool,
    pub duration: Duration,
    /// `schedule` or `action`.
    pub trigger: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrillModel<'a> {
    pub age: Duration,
    pub ok: bool,
    pub backup_id: Option<&'a str>,
    pub duration: Duration,
    pub checks: Vec<&'a str>,
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationModel<'a> {
    /// `not configured`, `unknown`, `ok`, `standby has no backup`, `unreachable`.
    pub state: &'a str,
    pub healthy: bool,
    pub standby: Option<&'a str>,
    /// How far the standby's newest backup is behind.
    pub lag: Option<Duration>,
    pub error: Option<&'a str>,
}

/// The overview: one group of tiles per environment, side by side (stacked
/// when narrow), so every region's state shows at one glance.
#[derive(Debug, Clone)]
pub struct OverviewModel<'a> {
    pub environments: Vec<EnvOverviewModel<'a>>,
    /// The selected tile: environment index and tile.
    pub selected: (usize, OverviewTile),
}

/// The overview's tiles, in the order each environment shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverviewTile {
    Health,
    Slos,
    Incidents,
    Dr,
    Capacity,
    Movers,
}

impl OverviewTile {
    pub const ALL: [OverviewTile; 6] = [
        OverviewTile::Health,
        OverviewTile::Slos,
        OverviewTile::Incidents,
        OverviewTile::Dr,
        OverviewTile::Capacity,
        OverviewTile::Movers,
    ];

    pub fn index(self) -> usize {
        OverviewTile::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            OverviewTile::Health => "Agent",
            OverviewTile::Slos => "SLOs",
            OverviewTile::Incidents => "Incidents",
            OverviewTile::Dr => "DR",
            OverviewTile::Capacity => "Capacity",
            OverviewTile::Movers => "Top movers",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EnvOverviewModel<'a> {
    pub name: &'a str,
    /// The environment the other screens show.
    pub active: bool,
    /// A switch to it is under way.
    pub switching: bool,
    /// One per `OverviewTile::ALL`, in that order.
    pub tiles: Vec<TileModel<'a>>,
}

#[derive(Debug, Clone)]
pub struct TileModel<'a> {
    pub kind: OverviewTile,
    pub body: TileBody<'a>,
    /// The last read failed: why. The last values stay in `body`.
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub enum TileBody<'a> {
    /// No answer yet.
    Waiting,
    Health {
        status: HealthLevel,
        /// Age of the freshest tick now.
        data_age: Option<Duration>,
    },
    Slos {
        page: usize,
        ticket: usize,
        ok: usize,
        unknown: usize,
    },
    /// The environment has no Prometheus (and is not the active one).
    NoPrometheus,
    /// Open incidents by severity, SEV1 first.
    Incidents([usize; 4]),
    Dr {
        rpo: ObjectiveModel,
        rto: ObjectiveModel,
    },
    Capacity {
        resource: &'a str,
        /// The pod, when one pod is tighter against its own limit.
        pod: Option<&'a str>,
        /// Share of the limit in use (0.83 is 83 %).
        used: f64,
        time_to_limit: Option<Duration>,
    },
    /// Active environment whose capacity is not known yet.
    CapacityUnknown,
    /// Capacity is read for the active environment only.
    CapacityWhenActive,
    Movers(Vec<MoverModel<'a>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthLevel {
    Ok,
    Degraded,
    Down,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MoverModel<'a> {
    pub symbol: &'a str,
    pub price: f64,
    pub change_pct: f64,
}

/// The capacity screen: per resource its use against its limit, the
/// forecast at the horizon with its bands, time until the limit, how well
/// each model forecast held-out history, and a chart of the selected one.
#[derive(Debug, Clone)]
pub struct CapacityModel<'a> {
    /// Where the history comes from and how much of it there is.
    pub source: &'a str,
    /// The source fails: what and since when; the last forecasts stay.
    pub problem: Option<&'a str>,
    /// No forecast has run yet.
    pub loading: bool,
    pub horizon: Duration,
    pub rows: Vec<CapacityRowModel<'a>>,
    pub selected: Option<usize>,
    pub chart: Option<CapacityChartModel<'a>>,
}

/// How a resource's figures are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityUnit {
    Cores,
    Bytes,
    PerSecond,
    Count,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CapacityRowModel<'a> {
    /// The resource, or on a pod's row the pod.
    pub name: &'a str,
    /// One pod's row, under its resource's and measured against the pod's
    /// own limit.
    pub pod: bool,
    pub unit: CapacityUnit,
    pub current: Option<f64>,
    pub limit: Option<f64>,
    /// Where the limit comes from: `pods`, `config`.
    pub limit_source: &'a str,
    /// Current use over the limit.
    pub used: Option<f64>,
    pub forecast: Option<ForecastCell>,
    /// `None` without a limit or a forecast.
    pub time_to_limit: Option<TimeToLimitCell>,
    /// The seasonal (ETS/MSTL) model's backtest, then the linear one's.
    pub accuracy: [Option<AccuracyCell>; 2],
    /// Replicas for the peak forecast and the resource bounding them, or
    /// why there is no recommendation; `None` on rows that size nothing.
    pub replicas: Option<Result<(u32, &'static str), &'a str>>,
    /// Why there is no forecast.
    pub unavailable: Option<NoForecast<'a>>,
}

/// Why a resource has no forecast: briefly for its row (e.g. `need 8m more
/// history`), in full under the table when it is selected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoForecast<'a> {
    pub brief: &'a str,
    pub why: &'a str,
}

/// The forecast at the horizon: median, 80% and 95% bands `(low, high)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastCell {
    pub median: f64,
    pub p80: (f64, f64),
    pub p95: (f64, f64),
}

/// When the limit is reached; `None` means not within the horizon, zero
/// means it is reached already. `earliest` and `latest` bound the 80% band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeToLimitCell {
    pub median: Option<Duration>,
    pub earliest: Option<Duration>,
    pub latest: Option<Duration>,
    /// The linear model's median crossing, when the seasonal model leads:
    /// shown when the seasonal median does not cross (a damped trend can
    /// flatten out where the straight line does not).
    pub linear: Option<Duration>,
}

/// A backtest: mean absolute percentage error and the share of held-out
/// values inside the 80% and 95% bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyCell {
    pub mape: Option<f64>,
    pub coverage80: f64,
    pub coverage95: f64,
}

/// The selected resource's history and forecast, `(Unix ms, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityChartModel<'a> {
    pub name: &'a str,
    pub unit: CapacityUnit,
    /// The model drawn as the median and bands, e.g. `ETS/MSTL`.
    pub model: &'a str,
    pub history: Vec<(f64, f64)>,
    pub median: Vec<(f64, f64)>,
    /// Lower and upper bounds of the 80% band, then of the 95% band.
    pub bands: [Vec<(f64, f64)>; 4],
    pub linear: Vec<(f64, f64)>,
    pub limit: Option<f64>,
    /// When the median forecast reaches the limit.
    pub crossing_ms: Option<f64>,
    /// When the linear trend reaches it, when the linear model is not the
    /// one drawn as the median.
    pub linear_crossing_ms: Option<f64>,
    /// Said under the chart, e.g. why the seasonal model did not run.
    pub note: Option<&'a str>,
}
