//! What one frame of a recording holds: an event and when the console
//! received it. `SourceMsg` mirrors the source variants of `Msg` in an order
//! this module owns, so the file format does not change when `Msg` grows.

use market_data_agent::api::{Bar, BarInterval, DrStatus, Health, Incident, Quote};
use serde::{Deserialize, Serialize};

use crate::actions::audit::AuditEntry;
use crate::app::environments::EnvStart;
use crate::app::slos::SloSource;
use crate::app::{App, Link, Msg, SourceId};
use crate::domain::capacity_plan::{Origin, Outlook};
use crate::domain::cluster::ClusterSnapshot;
use crate::domain::env_summary::EnvSummary;
use crate::domain::kube_backups::KubeBackups;
use crate::domain::sli::SloFigures;
use crate::metrics_text::Exposition;
use crate::sources::alertmanager::{AlertGroup, Silence};

/// One frame's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When the console received the event, Unix ms: replay applies the
    /// event at this time.
    pub at_ms: i64,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The first frame: what the console was reading, so a replay shows the
    /// same header and computes SLOs the same way.
    Start(Start),
    Msg(SourceMsg),
    /// The recorder dropped this many messages before this point because
    /// the disk fell behind.
    Gap {
        dropped: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// The header's target, e.g. `agent 127.0.0.1:8080 (embedded)`.
    pub target: String,
    /// The agent's base URL, which runbook actions name.
    pub agent_url: String,
    /// Alertmanager's base URL, when it was read.
    pub alertmanager: Option<String>,
    pub sources: Vec<SourceId>,
    pub slo: SloOrigin,
    /// The mdops that recorded, for the curious reader of a bug report.
    pub mdops_version: String,
}

/// Where the SLO figures came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SloOrigin {
    /// Computed from the console's own scrapes, every `every_ms`.
    Local {
        every_ms: u64,
    },
    Prometheus {
        url: String,
    },
}

impl Start {
    /// What `app`, just started, reads.
    pub fn of(app: &App) -> Start {
        let slo = match &app.slos.source {
            SloSource::Local { every, .. } => SloOrigin::Local {
                every_ms: u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
            },
            SloSource::Prometheus { url } => SloOrigin::Prometheus { url: url.clone() },
        };
        Start {
            target: app.config.target.clone(),
            agent_url: app.config.actions.agent_url.clone(),
            alertmanager: app.config.incidents.alertmanager.clone(),
            sources: app.config.sources.clone(),
            slo,
            mdops_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The messages sources deliver, as recorded. Keys, clock ticks and the
/// outcomes of the recording operator's own actions (`ActionDone`,
/// `RunOutput`, `RunDone`) are not here: they answer input that a replay
/// does not have, and the effect of an action on the world arrives through
/// the sources anyway. `Bars` is here: it is agent data, and a replay
/// answers the bar requests of its own viewer from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SourceMsg {
    Link {
        source: SourceId,
        link: Link,
        at_ms: i64,
    },
    Symbols {
        symbols: Vec<String>,
        at_ms: i64,
    },
    Ticks {
        quotes: Vec<Quote>,
        at_ms: i64,
    },
    Snapshot {
        quotes: Vec<Quote>,
        at_ms: i64,
    },
    Heartbeat {
        source: SourceId,
        at_ms: i64,
    },
    Health {
        /// As JSON text: the wire type leaves out absent optional fields,
        /// which a non-self-describing encoding cannot read back.
        #[serde(with = "json_text")]
        health: Health,
        at_ms: i64,
    },
    Bars {
        symbol: String,
        interval: BarInterval,
        result: Result<Vec<Bar>, String>,
    },
    Scrape {
        exposition: Exposition,
        at_ms: i64,
    },
    SloFigures {
        figures: Vec<SloFigures>,
        at_ms: i64,
    },
    AgentIncidents {
        incidents: Vec<Incident>,
        at_ms: i64,
    },
    Alerts {
        groups: Vec<AlertGroup>,
        silences: Vec<Silence>,
        at_ms: i64,
    },
    Cluster {
        snapshot: Box<ClusterSnapshot>,
        at_ms: i64,
    },
    Dr {
        /// As JSON text, like `Health`: a wire type of the agent's.
        #[serde(with = "json_text")]
        status: Box<DrStatus>,
        at_ms: i64,
    },
    KubeBackups {
        backups: Box<KubeBackups>,
        at_ms: i64,
    },
    EnvironmentSummary {
        environment: String,
        /// As JSON text: it holds the agent's DR answer.
        #[serde(with = "json_text")]
        summary: Box<EnvSummary>,
        at_ms: i64,
    },
    EnvironmentSwitched {
        start: Box<EnvStart>,
        at_ms: i64,
    },
    Capacity {
        outlooks: Vec<Outlook>,
        origin: Origin,
        at_ms: i64,
    },
    /// New audit entries: a replay's timeline shows the actions taken.
    /// Last, so the variants before it keep their encoding.
    Audit {
        entries: Vec<AuditEntry>,
        at_ms: i64,
    },
}

impl SourceMsg {
    /// The recordable copy of `msg`; `None` for what is not recorded.
    pub fn from_msg(msg: &Msg) -> Option<SourceMsg> {
        Some(match msg {
            Msg::Link { source, link, at_ms } => SourceMsg::Link {
                source: *source,
                link: link.clone(),
                at_ms: *at_ms,
            },
            Msg::Symbols { symbols, at_ms } => SourceMsg::Symbols {
                symbols: symbols.clone(),
                at_ms: *at_ms,
            },
            Msg::Ticks { quotes, at_ms } => SourceMsg::Ticks {
                quotes: quotes.clone(),
                at_ms: *at_ms,
            },
            Msg::Snapshot { quotes, at_ms } => SourceMsg::Snapshot {
                quotes: quotes.clone(),
                at_ms: *at_ms,
            },
            Msg::Heartbeat { source, at_ms } => SourceMsg::Heartbeat {
                source: *source,
                at_ms: *at_ms,
            },
            Msg::Health { health, at_ms } => SourceMsg::Health {
                health: health.clone(),
                at_ms: *at_ms,
            },
            Msg::Bars {
                symbol,
                interval,
                result,
            } => SourceMsg::Bars {
                symbol: symbol.clone(),
                interval: *interval,
                result: result.clone(),
            },
            Msg::Scrape { exposition, at_ms } => SourceMsg::Scrape {
                exposition: (**exposition).clone(),
                at_ms: *at_ms,
            },
            Msg::SloFigures { figures, at_ms } => SourceMsg::SloFigures {
                figures: figures.clone(),
                at_ms: *at_ms,
            },
            Msg::AgentIncidents { incidents, at_ms } => SourceMsg::AgentIncidents {
                incidents: incidents.clone(),
                at_ms: *at_ms,
            },
            Msg::Alerts {
                groups,
                silences,
                at_ms,
            } => SourceMsg::Alerts {
                groups: groups.clone(),
                silences: silences.clone(),
                at_ms: *at_ms,
            },
            Msg::Cluster { snapshot, at_ms } => SourceMsg::Cluster {
                snapshot: snapshot.clone(),
                at_ms: *at_ms,
            },
            Msg::Dr { status, at_ms } => SourceMsg::Dr {
                status: status.clone(),
                at_ms: *at_ms,
            },
            Msg::KubeBackups { backups, at_ms } => SourceMsg::KubeBackups {
                backups: backups.clone(),
                at_ms: *at_ms,
            },
            Msg::EnvironmentSummary {
                environment,
                summary,
                at_ms,
            } => SourceMsg::EnvironmentSummary {
                environment: environment.clone(),
                summary: summary.clone(),
                at_ms: *at_ms,
            },
            Msg::EnvironmentSwitched { start, at_ms } => SourceMsg::EnvironmentSwitched {
                start: start.clone(),
                at_ms: *at_ms,
            },
            Msg::Capacity {
                outlooks,
                origin,
                at_ms,
            } => SourceMsg::Capacity {
                outlooks: outlooks.clone(),
                origin: origin.clone(),
                at_ms: *at_ms,
            },
            Msg::Audit { entries, at_ms } => SourceMsg::Audit {
                entries: entries.clone(),
                at_ms: *at_ms,
            },
            Msg::Key(_)
            | Msg::Mouse(_)
            | Msg::Clock { .. }
            | Msg::ActionDone { .. }
            | Msg::RunOutput { .. }
            | Msg::RunDone { .. } => {
                return None;
            }
        })
    }

    pub fn into_msg(self) -> Msg {
        match self {
            SourceMsg::Link { source, link, at_ms } => Msg::Link { source, link, at_ms },
            SourceMsg::Symbols { symbols, at_ms } => Msg::Symbols { symbols, at_ms },
            SourceMsg::Ticks { quotes, at_ms } => Msg::Ticks { quotes, at_ms },
            SourceMsg::Snapshot { quotes, at_ms } => Msg::Snapshot { quotes, at_ms },
            SourceMsg::Heartbeat { source, at_ms } => Msg::Heartbeat { source, at_ms },
            SourceMsg::Health { health, at_ms } => Msg::Health { health, at_ms },
            SourceMsg::Bars {
                symbol,
                interval,
                result,
            } => Msg::Bars {
                symbol,
                interval,
                result,
            },
            SourceMsg::Scrape { exposition, at_ms } => Msg::Scrape {
                exposition: Box::new(exposition),
                at_ms,
            },
            SourceMsg::SloFigures { figures, at_ms } => Msg::SloFigures { figures, at_ms },
            SourceMsg::AgentIncidents { incidents, at_ms } => Msg::AgentIncidents { incidents, at_ms },
            SourceMsg::Cluster { snapshot, at_ms } => Msg::Cluster { snapshot, at_ms },
            SourceMsg::Dr { status, at_ms } => Msg::Dr { status, at_ms },
            SourceMsg::KubeBackups { backups, at_ms } => Msg::KubeBackups { backups, at_ms },
            SourceMsg::EnvironmentSummary {
                environment,
                summary,
                at_ms,
            } => Msg::EnvironmentSummary {
                environment,
                summary,
                at_ms,
            },
            SourceMsg::EnvironmentSwitched { start, at_ms } => Msg::EnvironmentSwitched { start, at_ms },
            SourceMsg::Capacity {
                outlooks,
                origin,
                at_ms,
            } => Msg::Capacity {
                outlooks,
                origin,
                at_ms,
            },
            SourceMsg::Audit { entries, at_ms } => Msg::Audit { entries, at_ms },
            SourceMsg::Alerts {
                groups,
                silences,
                at_ms,
            } => Msg::Alerts {
                groups,
                silences,
                at_ms,
            },
        }
    }
}

/// A value stored as its JSON text inside the binary frame.
mod json_text {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(S::Error::custom)?;
        text.serialize(serializer)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text).map_err(D::Error::custom)
    }
}
