//! `mdops snapshot`: one report of every panel, as text, Markdown or JSON.
//!
//! The JSON field names are a contract for scripts (documented in the
//! README): add fields, never rename or remove them.

use std::fmt::Write as _;

use mdops_views::Theme;
use serde::Serialize;

use crate::app::{App, Link, Screen};
use crate::domain::incidents::{IncidentStatus, SignalKind};
use crate::domain::slo::AlertLevel;

#[derive(Debug, Serialize)]
pub struct Report {
    /// RFC 3339 UTC time the report was taken.
    pub generated_at: String,
    pub target: String,
    pub sources: Vec<SourceReport>,
    /// The agent's own `/health` answer, when it was reached.
    pub agent_status: Option<String>,
    pub prices: Vec<PriceReport>,
    /// Where the SLO figures come from.
    pub slo_source: String,
    pub slos: Vec<SloReport>,
    /// Where the incidents come from.
    pub incident_source: String,
    /// Open incidents by severity.
    pub incidents_open: IncidentCounts,
    /// Correlated incidents, open ones first, resolved ones included.
    pub incidents: Vec<IncidentReport>,
    pub screens: Vec<ScreenReport>,
    /// Null until the agent's DR status has been read.
    pub dr: Option<crate::snapshot_dr::DrReport>,
    /// Every environment as the overview shows it.
    pub environments: Vec<crate::snapshot_env::EnvironmentReport>,
    /// The newest entries of the console's audit log, oldest first.
    pub recent_actions: Vec<crate::snapshot_env::ActionReport>,
    /// Null until the first capacity forecast.
    pub capacity: Option<crate::snapshot_capacity::CapacityReport>,
    /// What changed: the newest events of the timeline.
    pub timeline: crate::snapshot_timeline::TimelineReport,
}

#[derive(Debug, Serialize)]
pub struct IncidentCounts {
    pub sev1: usize,
    pub sev2: usize,
    pub sev3: usize,
    pub sev4: usize,
}

#[derive(Debug, Serialize)]
pub struct IncidentReport {
    /// `incident:<agent id>` or `alert:<fingerprint>` of its first signal.
    pub id: String,
    pub title: String,
    /// `SEV1` to `SEV4`.
    pub severity: &'static str,
    /// `triggered`, `acknowledged` or `resolved`.
    pub status: &'static str,
    pub service: Option<String>,
    pub component: Option<String>,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub ended_at: Option<String>,
    pub age_s: f64,
    pub acked: bool,
    pub silenced: bool,
    pub signals: Vec<SignalReport>,
}

#[derive(Debug, Serialize)]
pub struct SignalReport {
    /// `agent` or `alert`.
    pub kind: &'static str,
    pub key: String,
    pub title: String,
    pub severity: &'static str,
    pub firing: bool,
    pub acked: bool,
    pub silenced: bool,
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct SloReport {
    pub name: String,
    pub service: String,
    pub objective_pct: f64,
    /// Over the SLO period; null with no traffic or before the first figures.
    pub sli_pct: Option<f64>,
    /// Fraction of the period's error budget left (negative: overspent).
    pub budget_remaining: Option<f64>,
    /// Events counted over the period.
    pub events: Option<f64>,
    /// SLI, budget and events cover less history than the period.
    pub period_partial: bool,
    /// `ok`, `ticket` or `page`.
    pub alert: &'static str,
    pub alert_reason: Option<String>,
    /// Seconds until the budget is spent at the current 1h burn rate.
    pub exhaustion_s: Option<f64>,
    pub windows: Vec<SloWindowReport>,
}

#[derive(Debug, Serialize)]
pub struct SloWindowReport {
    /// Prometheus duration, e.g. `5m`.
    pub window: String,
    /// Null with no traffic or when the figure could not be computed.
    pub burn_rate: Option<f64>,
    pub error_ratio: Option<f64>,
    pub events: f64,
    /// The window is longer than the history behind the figure.
    pub partial: bool,
    /// Why the figure is missing (a failed query), if it is.
    pub error: Option<String>,
    /// The PromQL of the burn rate, as shown on screen.
    pub promql: String,
}

#[derive(Debug, Serialize)]
pub struct SourceReport {
    pub name: String,
    /// `connecting`, `connected` or `reconnecting`.
    pub state: &'static str,
    pub attempt: Option<u32>,
    pub last_error: Option<String>,
    /// Age of the newest message from the source; null before the first.
    pub data_age_ms: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct PriceReport {
    pub symbol: String,
    /// Null until the first quote arrived.
    pub last: Option<f64>,
    pub change_pct: Option<f64>,
    pub bid: Option<f64>,
    pub ask: Option<f64>,
    pub spread: Option<f64>,
    pub volume: Option<f64>,
    /// Null until the console has watched the stream for a second.
    pub ticks_per_sec: Option<f64>,
    pub stale: bool,
    /// Tick time, Unix ms.
    pub ts: Option<i64>,
    pub source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ScreenReport {
    pub name: &'static str,
    /// `live` or `not_configured`.
    pub status: &'static str,
    pub detail: String,
}

impl Report {
    pub fn from_app(app: &App) -> Report {
        let sources = app
            .config
            .sources
            .iter()
            .map(|&id| {
                let status = &app.sources[&id];
                let (state, attempt, last_error) = match &status.link {
                    Link::Connecting => ("connecting", None, None),
                    Link::Connected => ("connected", None, None),
                    Link::Reconnecting { attempt, last_error } => {
                        ("reconnecting", Some(*attempt), Some(last_error.clone()))
                    }
                };
                SourceReport {
                    name: id.name().to_string(),
                    state,
                    attempt,
                    last_error,
                    data_age_ms: status.last_message_ms.map(|at| (app.now_ms - at).max(0)),
                }
            })
            .collect();
        let mut symbols: Vec<&String> = app.prices.symbols.keys().collect();
        symbols.sort();
        let prices = symbols
            .into_iter()
            .map(|symbol| {
                let state = &app.prices.symbols[symbol];
                let quote = state.quote.as_ref();
                PriceReport {
                    symbol: symbol.clone(),
                    last: quote.map(|q| q.price),
                    change_pct: quote
                        .filter(|q| q.open > 0.0)
                        .map(|q| (q.price - q.open) / q.open * 100.0),
                    bid: quote.map(|q| q.bid),
                    ask: quote.map(|q| q.ask),
                    spread: quote.map(|q| q.ask - q.bid),
                    volume: quote.map(|q| q.volume),
                    ticks_per_sec: state.rate.per_second(app.now_ms),
                    stale: quote.is_none_or(|q| app.now_ms - q.ts > app.config.stale_after_ms as i64),
                    ts: quote.map(|q| q.ts),
                    source: quote.map(|q| q.source.clone()),
                }
            })
            .collect();
        let screens = Screen::ALL
            .iter()
            .map(|&screen| {
                match screen
                    .requirement()
                    .filter(|_| !(screen == Screen::Cluster && app.cluster.is_some()))
                {
                    None => ScreenReport {
                        name: screen.title(),
                        status: "live",
                        detail: live_detail(app, screen),
                    },
                    Some(requirement) => ScreenReport {
                        name: screen.title(),
                        status: "not_configured",
                        detail: requirement.how_to_configure.join(" "),
                    },
                }
            })
            .collect();
        Report {
            generated_at: rfc3339(app.now_ms),
            target: app.config.target.clone(),
            sources,
            agent_status: app.health.as_ref().map(|h| {
                serde_json::to_value(h.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            prices,
            slo_source: app.slos.source_text.clone(),
            slos: slo_reports(app),
            incident_source: app.incidents.source_text.clone(),
            incidents_open: {
                let [sev1, sev2, sev3, sev4] = app.incidents.open_by_severity();
                IncidentCounts {
                    sev1,
                    sev2,
                    sev3,
                    sev4,
                }
            },
            incidents: incident_reports(app),
            screens,
            dr: crate::snapshot_dr::DrReport::from_app(app),
            environments: crate::snapshot_env::environments(app),
            recent_actions: Vec::new(),
            capacity: crate::snapshot_capacity::CapacityReport::from_app(app),
            timeline: crate::snapshot_timeline::TimelineReport::from_app(app),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    pub fn to_markdown(&self) -> String {
        let mut out = crate::snapshot_env::status_update(self);
        let _ = writeln!(out, "## mdops snapshot: {}\n", self.target);
        let _ = writeln!(out, "Taken {}.", self.generated_at);
        if let Some(status) = &self.agent_status {
            let _ = writeln!(out, "Agent health: **{status}**.");
        }
        out.push_str("\n### Sources\n\n| source | state | data age | last error |\n|---|---|---|---|\n");
        for source in &self.sources {
            let age = source
                .data_age_ms
                .map_or("-".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
            let error = source.last_error.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                source.name,
                source.state,
                age,
                escape_cell(error)
            );
        }
        out.push_str("\n### Prices\n\n| symbol | last | chg% | bid | ask | volume | ticks/s | stale |\n|---|--:|--:|--:|--:|--:|--:|---|\n");
        for p in &self.prices {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                p.symbol,
                number(p.last),
                p.change_pct.map_or("-".to_string(), |c| format!("{c:+.2}")),
                number(p.bid),
                number(p.ask),
                p.volume.map_or("-".to_string(), |v| format!("{v:.0}")),
                p.ticks_per_sec.map_or("-".to_string(), |r| format!("{r:.1}")),
                if p.stale { "STALE" } else { "" },
            );
        }
        let _ = writeln!(out, "\n### SLOs\n\nSource: {}.\n", self.slo_source);
        let labels: Vec<&str> = self.slos.first().map_or(Vec::new(), |s| {
            s.windows.iter().map(|w| w.window.as_str()).collect()
        });
        let _ = writeln!(
            out,
            "| SLO | objective | SLI | budget left | alert | {} |",
            labels.join(" | ")
        );
        let _ = writeln!(out, "|---|--:|--:|--:|---|{}", "--:|".repeat(labels.len()));
        for slo in &self.slos {
            let burns: Vec<String> = slo
                .windows
                .iter()
                .map(|w| match (w.burn_rate, &w.error) {
                    (Some(b), _) => format!("{b:.2}{}", if w.partial { "~" } else { "" }),
                    (None, Some(_)) => "error".to_string(),
                    (None, None) => "no traffic".to_string(),
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {}% | {} | {} | {} | {} |",
                slo.name,
                slo.objective_pct,
                slo.sli_pct.map_or("-".to_string(), |v| format!("{v:.3}%")),
                slo.budget_remaining
                    .map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0)),
                slo.alert.to_uppercase(),
                burns.join(" | "),
            );
        }
        let open = &self.incidents_open;
        let _ = writeln!(
            out,
            "\n### Incidents\n\nSource: {}. Open: SEV1 {}, SEV2 {}, SEV3 {}, SEV4 {}.\n",
            self.incident_source, open.sev1, open.sev2, open.sev3, open.sev4
        );
        if !self.incidents.is_empty() {
            out.push_str("| severity | status | title | service | started | signals | marks |\n|---|---|---|---|---|--:|---|\n");
        }
        for incident in &self.incidents {
            let mut marks = Vec::new();
            if incident.acked {
                marks.push("ACK");
            }
            if incident.silenced {
                marks.push("silenced");
            }
            let service = [incident.service.as_deref(), incident.component.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                incident.severity,
                incident.status,
                escape_cell(&incident.title),
                escape_cell(&service),
                incident.started_at,
                incident.signals.len(),
                marks.join(" ")
            );
        }
        out.push_str(&crate::snapshot_dr::DrReport::markdown(self.dr.as_ref()));
        out.push_str(&crate::snapshot_capacity::CapacityReport::markdown(
            self.capacity.as_ref(),
        ));
        out.push_str("\n### Other screens\n\n");
        for screen in self.screens.iter().filter(|s| s.status != "live") {
            let _ = writeln!(
                out,
                "- **{}**: {} — {}",
                screen.name,
                screen.status.replace('_', " "),
                screen.detail
            );
        }
        out
    }

    /// The prices screen drawn as the console draws it, followed by the
    /// other screens' state.
    pub fn to_text(&self, app: &App, theme: &Theme, width: u16) -> String {
        let height = u16::try_from(app.prices.symbols.len() + 8)
            .unwrap_or(u16::MAX)
            .max(24);
        let mut out = mdops_views::render_to_text(&app.view_of(Screen::Prices), theme, width, height);
        out.push_str("\n\n");
        out.push_str(&mdops_views::render_to_text(
            &app.view_of(Screen::Slos),
            theme,
            width,
            30,
        ));
        out.push_str("\n\n");
        out.push_str(&mdops_views::render_to_text(
            &app.view_of(Screen::Incidents),
            theme,
            width,
            30,
        ));
        out.push_str("\n\n");
        out.push_str(&mdops_views::render_to_text(
            &app.view_of(Screen::Dr),
            theme,
            width,
            30,
        ));
        out.push_str("\n\n");
        out.push_str(&mdops_views::render_to_text(
            &app.view_of(Screen::Capacity),
            theme,
            width,
            30,
        ));
        out.push('\n');
        for screen in self.screens.iter().filter(|s| s.status != "live") {
            let _ = writeln!(
                out,
                "\n{}: {}\n  {}",
                screen.name,
                screen.status.replace('_', " "),
                screen.detail
            );
        }
        out
    }
}

/// What a live screen holds, in a few words.
fn live_detail(app: &App, screen: Screen) -> String {
    match screen {
        Screen::Slos => format!("{} SLOs", app.slos.set.slos.len()),
        Screen::Cluster => match app.cluster.as_ref().and_then(|c| c.snapshot.as_ref()) {
            None => "waiting for the Kubernetes API".to_string(),
            Some(snapshot) => format!(
                "{} deployments, {} pods ({} not ready)",
                snapshot.deployments.len(),
                snapshot.pods.len(),
                snapshot.pods.iter().filter(|p| !p.healthy).count()
            ),
        },
        Screen::Incidents => {
            let open = app.incidents.open_by_severity().iter().sum::<usize>();
            format!("{open} open incidents of {}", app.incidents.rows.len())
        }
        Screen::Dr => app.dr.status.as_ref().map_or_else(
            || "no DR status yet".to_string(),
            |s| format!("{} backups", s.backups.len()),
        ),
        Screen::Capacity => {
            let forecast = app.capacity.assessments.iter().flatten().count();
            format!("{forecast} of 6 resources forecast")
        }
        Screen::Timeline => format!("{} events", app.timeline.log.len()),
        _ => format!("{} symbols", app.prices.symbols.len()),
    }
}

pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn incident_reports(app: &App) -> Vec<IncidentReport> {
    app.incidents
        .rows
        .iter()
        .map(|row| IncidentReport {
            id: row.id.clone(),
            title: row.title.clone(),
            severity: row.severity.as_str(),
            status: match row.status {
                IncidentStatus::Triggered => "triggered",
                IncidentStatus::Acknowledged => "acknowledged",
                IncidentStatus::Resolved => "resolved",
            },
            service: row.service.clone(),
            component: row.component.clone(),
            started_at: rfc3339(row.started_at),
            ended_at: row.ended_at.map(rfc3339),
            age_s: row.age(app.now_ms).as_secs_f64(),
            acked: row.acked,
            silenced: row.silenced,
            signals: row
                .signals
                .iter()
                .map(|s| SignalReport {
                    kind: match s.kind {
                        SignalKind::Alert => "alert",
                        SignalKind::Incident => "agent",
                    },
                    key: s.key.clone(),
                    title: s.title.clone(),
                    severity: s.severity.as_str(),
                    firing: s.is_firing(),
                    acked: s.acked,
                    silenced: s.silenced,
                    labels: s.labels.clone(),
                    annotations: s.annotations.clone(),
                })
                .collect(),
        })
        .collect()
}

fn slo_reports(app: &App) -> Vec<SloReport> {
    let state = &app.slos;
    state
        .set
        .slos
        .iter()
        .enumerate()
        .map(|(i, slo)| {
            let summary = state.summaries.get(i).and_then(Option::as_ref);
            let figures = state.figures.get(i).and_then(Option::as_ref);
            let windows = state
                .window_labels
                .iter()
                .enumerate()
                .map(|(w, label)| {
                    let figure = figures.and_then(|f| f.windows.get(w));
                    SloWindowReport {
                        window: label.clone(),
                        burn_rate: summary.and_then(|s| s.burns.get(w).copied().flatten()),
                        error_ratio: figure.and_then(|f| f.ratio),
                        events: figure.map_or(0.0, |f| f.events),
                        partial: figure.is_some_and(|f| f.partial_history.is_some()),
                        error: figure.and_then(|f| f.error.clone()),
                        promql: state.queries[i]
                            .get(w)
                            .map(|(_, q)| q.clone())
                            .unwrap_or_default(),
                    }
                })
                .collect();
            SloReport {
                name: slo.name.clone(),
                service: slo.service.clone(),
                objective_pct: slo.objective * 100.0,
                sli_pct: summary.and_then(|s| s.sli),
                budget_remaining: summary.and_then(|s| s.budget_remaining),
                events: summary.and_then(|s| s.events),
                period_partial: figures.is_some_and(|f| f.period.partial_history.is_some()),
                alert: match summary.map(|s| s.alert.level) {
                    Some(AlertLevel::Page) => "page",
                    Some(AlertLevel::Ticket) => "ticket",
                    _ => "ok",
                },
                alert_reason: summary.and_then(|s| s.alert.reason.clone()),
                exhaustion_s: summary.and_then(|s| s.exhaustion).map(|d| d.as_secs_f64()),
                windows,
            }
        })
        .collect()
}

fn number(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| {
        if v.abs() >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.6}")
        }
    })
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
