//! The snapshot's environments section and its Markdown incident status
//! update. Both are read off the overview's view model, so the report
//! says exactly what the overview shows; recent actions come from the
//! console's audit log.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use mdops_views::model::{BodyModel, HealthLevel, ObjectiveModel, ObjectiveState, TileBody};
use serde::Serialize;

use crate::actions::audit::{AuditEntry, read_entries};
use crate::app::{App, Screen};

/// Audit entries the status update lists.
pub const RECENT_ACTIONS: usize = 10;

#[derive(Debug, Serialize)]
pub struct EnvironmentReport {
    pub name: String,
    /// The environment the rest of the report describes.
    pub active: bool,
    /// `ok`, `degraded` or `down`; null before a first answer.
    pub health: Option<&'static str>,
    pub data_age_ms: Option<u64>,
    /// Null before the first figures, or without a Prometheus (`slo_note`).
    pub slos: Option<SloLevels>,
    pub slo_note: Option<&'static str>,
    /// Open incidents, SEV1 first; null before a first answer.
    pub incidents_open: Option<[usize; 4]>,
    pub rpo: Option<ObjectiveReport>,
    pub rto: Option<ObjectiveReport>,
    pub top_movers: Vec<MoverReport>,
    /// The reads that failed last, by part: `agent: connection refused`.
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SloLevels {
    pub page: usize,
    pub ticket: usize,
    pub ok: usize,
    pub unknown: usize,
}

#[derive(Debug, Serialize)]
pub struct ObjectiveReport {
    /// Null without a good backup (RPO) or drill (RTO).
    pub current_s: Option<f64>,
    pub target_s: f64,
    /// `met`, `missed` or `no_figure`.
    pub state: &'static str,
}

#[derive(Debug, Serialize)]
pub struct MoverReport {
    pub symbol: String,
    pub price: f64,
    pub change_pct: f64,
}

#[derive(Debug, Serialize)]
pub struct ActionReport {
    /// RFC 3339 UTC.
    pub time: String,
    pub user: String,
    pub phase: String,
    pub action: String,
    pub target: Option<String>,
    pub dry_run: bool,
    pub result: Option<String>,
    pub error: Option<String>,
}

/// Every environment, as the overview shows it.
pub fn environments(app: &App) -> Vec<EnvironmentReport> {
    let view = app.view_of(Screen::Overview);
    let BodyModel::Overview(overview) = view.body else {
        return Vec::new();
    };
    overview
        .environments
        .iter()
        .map(|env| {
            let mut report = EnvironmentReport {
                name: env.name.to_string(),
                active: env.active,
                health: None,
                data_age_ms: None,
                slos: None,
                slo_note: None,
                incidents_open: None,
                rpo: None,
                rto: None,
                top_movers: Vec::new(),
                errors: Vec::new(),
            };
            for tile in &env.tiles {
                if let Some(error) = tile.error {
                    report
                        .errors
                        .push(format!("{}: {error}", tile.kind.title().to_lowercase()));
                }
                match &tile.body {
                    TileBody::Health { status, data_age } => {
                        report.health = Some(match status {
                            HealthLevel::Ok => "ok",
                            HealthLevel::Degraded => "degraded",
                            HealthLevel::Down => "down",
                        });
                        report.data_age_ms =
                            data_age.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
                    }
                    TileBody::Slos {
                        page,
                        ticket,
                        ok,
                        unknown,
                    } => {
                        report.slos = Some(SloLevels {
                            page: *page,
                            ticket: *ticket,
                            ok: *ok,
                            unknown: *unknown,
                        });
                    }
                    TileBody::NoPrometheus => report.slo_note = Some("no Prometheus"),
                    TileBody::Incidents(counts) => report.incidents_open = Some(*counts),
                    TileBody::Dr { rpo, rto } => {
                        report.rpo = Some(objective(rpo));
                        report.rto = Some(objective(rto));
                    }
                    TileBody::Movers(movers) => {
                        report.top_movers = movers
                            .iter()
                            .map(|m| MoverReport {
                                symbol: m.symbol.to_string(),
                                price: m.price,
                                change_pct: m.change_pct,
                            })
                            .collect();
                    }
                    _ => {}
                }
            }
            report
        })
        .collect()
}

fn objective(o: &ObjectiveModel) -> ObjectiveReport {
    ObjectiveReport {
        current_s: o.current.map(|d| d.as_secs_f64()),
        target_s: o.target.as_secs_f64(),
        state: match o.state {
            ObjectiveState::Met => "met",
            ObjectiveState::Missed => "missed",
            ObjectiveState::NoFigure => "no_figure",
        },
    }
}

/// The newest `n` entries of the audit log at `path`, oldest first; none
/// when there is no log yet.
pub fn recent_actions(path: &Path, n: usize) -> anyhow::Result<Vec<ActionReport>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let entries = read_entries(path)?;
    let skip = entries.len().saturating_sub(n);
    Ok(entries.into_iter().skip(skip).map(action_report).collect())
}

fn action_report(entry: AuditEntry) -> ActionReport {
    let phase = serde_json::to_value(entry.phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    ActionReport {
        time: entry.time,
        user: entry.user,
        phase,
        action: entry.action,
        target: entry.target,
        dry_run: entry.dry_run,
        result: entry.result,
        error: entry.error,
    }
}

/// One cell of a verdict: `4m00s / 15m MET`.
fn objective_cell(o: Option<&ObjectiveReport>) -> String {
    let Some(o) = o else {
        return "-".to_string();
    };
    let current = o
        .current_s
        .map_or("none".to_string(), |s| short(Duration::from_secs_f64(s)));
    let word = match o.state {
        "met" => "MET",
        "missed" => "**MISSED**",
        _ => "NO FIGURE",
    };
    format!(
        "{current} / {} {word}",
        short(Duration::from_secs_f64(o.target_s))
    )
}

fn short(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3_600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3_600, secs % 3_600 / 60),
    }
}

/// What is open, by severity: `SEV1 1, SEV3 2`, or `none`.
fn incidents_cell(counts: Option<&[usize; 4]>) -> String {
    let Some(counts) = counts else {
        return "-".to_string();
    };
    let open: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| format!("SEV{} {n}", i + 1))
        .collect();
    if open.is_empty() {
        "none".to_string()
    } else {
        format!("**{}**", open.join(", "))
    }
}

fn slos_cell(env: &EnvironmentReport) -> String {
    match (&env.slos, env.slo_note) {
        (Some(s), _) if s.page + s.ticket == 0 => format!("none burning ({} ok)", s.ok),
        (Some(s), _) => format!("**{} page, {} ticket** ({} ok)", s.page, s.ticket, s.ok),
        (None, Some(note)) => note.to_string(),
        (None, None) => "-".to_string(),
    }
}

/// The top of the Markdown report: a status update to paste into the
/// incident channel. `incidents` and `slos` are the active environment's.
pub fn status_update(report: &crate::snapshot::Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Incident status update — {}\n", report.generated_at);
    out.push_str("### State per environment\n\n");
    out.push_str("| environment | agent | data age | SLOs burning | open incidents | RPO | RTO |\n");
    out.push_str("|---|---|--:|---|---|---|---|\n");
    for env in &report.environments {
        let name = if env.active {
            format!("**{}** (shown below)", env.name)
        } else {
            env.name.clone()
        };
        let health = match env.health {
            Some("ok") => "ok".to_string(),
            Some(other) => format!("**{}**", other.to_uppercase()),
            None => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "| {name} | {health} | {} | {} | {} | {} | {} |",
            env.data_age_ms
                .map_or("-".to_string(), |ms| short(Duration::from_millis(ms))),
            slos_cell(env),
            incidents_cell(env.incidents_open.as_ref()),
            objective_cell(env.rpo.as_ref()),
            objective_cell(env.rto.as_ref()),
        );
    }
    for env in report.environments.iter().filter(|e| !e.errors.is_empty()) {
        let _ = writeln!(
            out,
            "\n{} could not be read fully: {}.",
            env.name,
            env.errors.join("; ")
        );
    }
    let active = report
        .environments
        .iter()
        .find(|e| e.active)
        .map_or(report.target.as_str(), |e| e.name.as_str());
    out.push_str("\n### Firing incidents\n\n");
    let firing: Vec<_> = report
        .incidents
        .iter()
        .filter(|i| i.status != "resolved")
        .collect();
    if firing.is_empty() {
        let _ = writeln!(out, "None open on {active}.");
    }
    for incident in firing {
        let ack = if incident.acked { "acked" } else { "**not acked**" };
        let _ = writeln!(
            out,
            "- {} {} ({active}): {}, open {}, {ack}",
            incident.severity,
            incident.title.replace('\n', " "),
            incident.status,
            short(Duration::from_secs_f64(incident.age_s.max(0.0))),
        );
    }
    out.push_str("\n### SLO burn\n\n");
    let burning: Vec<_> = report.slos.iter().filter(|s| s.alert != "ok").collect();
    if burning.is_empty() {
        let _ = writeln!(out, "All {} SLOs ok on {active}.", report.slos.len());
    }
    for slo in burning {
        let _ = writeln!(
            out,
            "- **{}** {} ({active}): {}",
            slo.alert.to_uppercase(),
            slo.name,
            slo.alert_reason.as_deref().unwrap_or("")
        );
    }
    out.push_str("\n### Recent actions\n\n");
    if report.recent_actions.is_empty() {
        out.push_str("None in the audit log.\n");
    }
    for action in &report.recent_actions {
        let mut line = format!(
            "- {} {} {} {}",
            action.time, action.user, action.phase, action.action
        );
        if let Some(target) = &action.target {
            let _ = write!(line, " on {target}");
        }
        if action.dry_run {
            line.push_str(" (dry run)");
        }
        if let Some(result) = &action.result {
            let _ = write!(line, ": {result}");
        }
        if let Some(error) = &action.error {
            let _ = write!(line, " ({})", error.replace('\n', " "));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}
