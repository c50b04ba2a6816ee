//! Messages into the app and commands out of it. Every input the console
//! reacts to is a `Msg`, carrying its own timestamps, so `App::update` stays pure.

use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};

use crate::actions::engine::Outcome;
use crate::actions::exec::OutputLine;
use crate::actions::prepare::Request;
use crate::domain::capacity_plan::{CapacityJob, Origin, Outlook};
use crate::domain::cluster::ClusterSnapshot;
use crate::domain::kube_backups::KubeBackups;
use crate::domain::sli::SloFigures;
use crate::metrics_text::Exposition;
use crate::sources::alertmanager::{AlertGroup, NewSilence, Silence};
use market_data_agent::api::{Bar, BarInterval, DrStatus, Health, Incident, IncidentActionRequest, Quote};

/// The upstream connections the header reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceId {
    /// The agent's REST API (symbols, bars, health).
    AgentApi,
    /// The agent's WebSocket tick stream.
    AgentStream,
    /// The console's own scrapes of the agent's /metrics (no Prometheus).
    AgentMetrics,
    Prometheus,
    /// The agent's `/api/v1/incidents`.
    AgentIncidents,
    Alertmanager,
    Kubernetes,
    /// The agent's `/api/v1/dr`.
    AgentDr,
    /// Prometheus range queries of the capacity forecasts.
    Capacity,
}

impl SourceId {
    pub fn name(self) -> &'static str {
        match self {
            SourceId::AgentApi => "agent api",
            SourceId::AgentStream => "agent ws",
            SourceId::AgentMetrics => "metrics",
            SourceId::Prometheus => "prometheus",
            SourceId::AgentIncidents => "incidents",
            SourceId::Alertmanager => "alertmanager",
            SourceId::Kubernetes => "kubernetes",
            SourceId::AgentDr => "dr",
            SourceId::Capacity => "capacity",
        }
    }
}

/// Connection state of one source, as its task reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Link {
    Connecting,
    Connected,
    /// The last attempt failed; the task waits before attempt `attempt`.
    Reconnecting {
        attempt: u32,
        last_error: String,
    },
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or wheel step, with what the frame on screen had under the pointer.
    Mouse(crate::app::mouse::MouseMsg),
    /// Wall clock, Unix ms: ages, staleness and rates are computed against it.
    Clock {
        now_ms: i64,
    },
    Link {
        source: SourceId,
        link: Link,
        at_ms: i64,
    },
    Symbols {
        symbols: Vec<String>,
        at_ms: i64,
    },
    /// Quotes of a tick batch, in arrival order.
    Ticks {
        quotes: Vec<Quote>,
        at_ms: i64,
    },
    /// Latest quotes after (re)subscribing or falling behind: state to start
    /// from, not new ticks, so they do not count towards rates.
    Snapshot {
        quotes: Vec<Quote>,
        at_ms: i64,
    },
    /// A frame proving the source is alive though no quote changed.
    Heartbeat {
        source: SourceId,
        at_ms: i64,
    },
    Health {
        health: Health,
        at_ms: i64,
    },
    Bars {
        symbol: String,
        interval: BarInterval,
        result: Result<Vec<Bar>, String>,
    },
    /// One scrape of the agent's /metrics, parsed.
    Scrape {
        exposition: Box<Exposition>,
        at_ms: i64,
    },
    /// One round of SLO figures from Prometheus, in definition order.
    SloFigures {
        figures: Vec<SloFigures>,
        at_ms: i64,
    },
    /// Every incident the agent holds, resolved ones included.
    AgentIncidents {
        incidents: Vec<Incident>,
        at_ms: i64,
    },
    /// Alertmanager's alert groups and silences, read in one round.
    Alerts {
        groups: Vec<AlertGroup>,
        silences: Vec<Silence>,
        at_ms: i64,
    },
    /// The outcome of an action the app asked for: a summary of what was
    /// done, or why it failed (steps before the failure stay done).
    ActionDone {
        label: String,
        result: Result<String, String>,
    },
    /// A line of output of runbook run `id` (an `exec`).
    RunOutput {
        id: u64,
        line: OutputLine,
    },
    /// Runbook run `id` ended.
    RunDone {
        id: u64,
        outcome: Outcome,
    },
    /// The namespace as the Kubernetes watch sees it now.
    Cluster {
        snapshot: Box<ClusterSnapshot>,
        at_ms: i64,
    },
    /// The agent's DR status: backups, RPO / RTO, last drill.
    Dr {
        status: Box<DrStatus>,
        at_ms: i64,
    },
    /// The cluster's backup CronJobs and Velero backups.
    KubeBackups {
        backups: Box<KubeBackups>,
        at_ms: i64,
    },
    /// One round of an environment's summary poller (the overview).
    EnvironmentSummary {
        environment: String,
        summary: Box<crate::domain::env_summary::EnvSummary>,
        at_ms: i64,
    },
    /// The run loop stopped the old environment's sources and started
    /// these; every message after this one is the new environment's.
    EnvironmentSwitched {
        start: Box<super::environments::EnvStart>,
        at_ms: i64,
    },
    /// One round of capacity forecasts, per resource in `RESOURCES` order.
    Capacity {
        outlooks: Vec<Outlook>,
        origin: Origin,
        at_ms: i64,
    },
    /// Entries appended to the console's audit log since the last read
    /// (by this console or any other mdops acting from this host).
    Audit {
        entries: Vec<crate::actions::audit::AuditEntry>,
        at_ms: i64,
    },
}

/// Work the app asks the runtime to do; results come back as `Msg`.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    FetchBars {
        symbol: String,
        interval: BarInterval,
    },
    /// A confirmed action: its steps run in order, stopping at the first
    /// failure; one `Msg::ActionDone` reports the outcome, then the
    /// incident sources are read again so the screen shows the effect.
    Act(ActionPlan),
    /// Runs a runbook request (audited); `Msg::RunOutput` and `Msg::RunDone`
    /// report on run `id`.
    Run {
        id: u64,
        request: Box<Request>,
    },
    /// Appends how the watch after a run ended to the audit log.
    RecordVerification {
        request: Box<Request>,
        recovered: bool,
        detail: String,
    },
    /// Reads the agent's DR status now (after a backup or a drill).
    FetchDr,
    /// Points the console's sources at another configured environment.
    SwitchEnvironment(String),
    /// Forecasts the local store's histories off the UI thread; a
    /// `Msg::Capacity` brings the outlooks.
    ForecastCapacity(Box<CapacityJob>),
}

/// What one confirmed action does.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionPlan {
    /// e.g. `acknowledge`; echoed in `Msg::ActionDone`.
    pub label: String,
    /// Who acts, for the audit log.
    pub user: String,
    /// The incident row acted on, for the audit log.
    pub target: String,
    pub steps: Vec<ActionStep>,
}

impl ActionStep {
    /// One line for the audit log.
    pub fn describe(&self) -> String {
        match self {
            ActionStep::AckIncident { id, .. } => format!("ack incident {id}"),
            ActionStep::ResolveIncident { id, .. } => format!("resolve incident {id}"),
            ActionStep::CreateSilence(silence) => {
                let matchers: Vec<String> = silence.matchers.iter().map(ToString::to_string).collect();
                let verb = if silence.id.is_some() {
                    "extend silence"
                } else {
                    "silence"
                };
                format!("{verb} {{{}}} until {}", matchers.join(", "), silence.ends_at)
            }
            ActionStep::ExpireSilence { id } => format!("expire silence {id}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionStep {
    AckIncident {
        id: String,
        request: IncidentActionRequest,
    },
    ResolveIncident {
        id: String,
        request: IncidentActionRequest,
    },
    /// Creates a silence, or updates one when its `id` is set.
    CreateSilence(NewSilence),
    ExpireSilence {
        id: String,
    },
}

impl Msg {
    /// When a source message was received; it advances the app's clock so
    /// ages never come out negative between clock ticks.
    pub fn at_ms(&self) -> Option<i64> {
        match self {
            Msg::Link { at_ms, .. }
            | Msg::Symbols { at_ms, .. }
            | Msg::Ticks { at_ms, .. }
            | Msg::Snapshot { at_ms, .. }
            | Msg::Heartbeat { at_ms, .. }
            | Msg::Health { at_ms, .. }
            | Msg::Scrape { at_ms, .. }
            | Msg::SloFigures { at_ms, .. }
            | Msg::AgentIncidents { at_ms, .. }
            | Msg::Alerts { at_ms, .. }
            | Msg::Cluster { at_ms, .. }
            | Msg::Dr { at_ms, .. }
            | Msg::KubeBackups { at_ms, .. }
            | Msg::EnvironmentSummary { at_ms, .. }
            | Msg::EnvironmentSwitched { at_ms, .. }
            | Msg::Capacity { at_ms, .. }
            | Msg::Audit { at_ms, .. } => Some(*at_ms),
            Msg::Key(_)
            | Msg::Mouse(_)
            | Msg::Clock { .. }
            | Msg::Bars { .. }
            | Msg::ActionDone { .. }
            | Msg::RunOutput { .. }
            | Msg::RunDone { .. } => None,
        }
    }
}
