//! Runbook actions in the console: the palette (`x`), direct keys,
//! the confirmation (with a server-side dry run where the API has one),
//! the run's output, and the watch for recovery afterwards.

use std::collections::VecDeque;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use mdops_views::model::ClusterPane;

use super::dialog::Dialog;
use super::{App, Command, Screen};
use crate::actions::engine::Outcome;
use crate::actions::exec::OutputLine;
use crate::actions::prepare::{ActionEnv, Request, Target, prepare, refusal};
use crate::actions::runbook::{Action, Role, Runbooks, Scope};
use crate::actions::verify::{self, Check, Signals, Watch};
use crate::domain::slo::AlertLevel;

/// Output lines kept for the pane.
const OUTPUT_LINES: usize = 500;
/// How long the strip stays after a run and its watch ended.
const STATUS_LINGER_MS: i64 = 60_000;

/// Runbooks and who runs them, from config and flags.
#[derive(Debug, Clone)]
pub struct ActionSettings {
    pub runbooks: Arc<Runbooks>,
    pub role: Role,
    /// Kubernetes context and namespace, when a cluster is configured.
    pub kube: Option<(String, String)>,
    pub agent_url: String,
}

impl Default for ActionSettings {
    fn default() -> ActionSettings {
        ActionSettings {
            runbooks: Arc::new(Runbooks::embedded()),
            role: Role::Operator,
            kube: None,
            agent_url: String::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct RunbookState {
    next_id: u64,
    pub palette: Option<Palette>,
    /// The last run and its verification.
    pub status: Option<RunStatus>,
    /// Output of the last `exec`, while its pane is open.
    pub output: Option<OutputPane>,
    /// The dry run started for the open dialog.
    dry_run: Option<u64>,
}

/// The open palette. Its entries are computed when it opens and as the
/// query changes (the selection behind it cannot change meanwhile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub query: String,
    pub selected: usize,
    /// `deployment mda-agent`, `source sim` ...
    pub target: Option<String>,
    pub entries: Vec<PaletteEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteEntry {
    pub name: String,
    pub key: String,
    pub description: String,
    pub destructive: bool,
    /// Why it cannot run now.
    pub disabled: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The action failed or has nothing to watch.
    None,
    Watching {
        until_ms: i64,
    },
    Recovered {
        after_ms: i64,
    },
    NotRecovered,
}

#[derive(Debug, Clone)]
pub struct RunStatus {
    pub id: u64,
    pub request: Request,
    pub label: String,
    pub result: String,
    pub started_ms: i64,
    pub done: bool,
    pub watches: Vec<Watch>,
    pub checks: Vec<Check>,
    pub verification: Verification,
    /// When the run, and its watch if any, ended.
    pub ended_ms: Option<i64>,
    pub failed: bool,
}

#[derive(Debug, Clone)]
pub struct OutputPane {
    pub id: u64,
    pub title: String,
    pub lines: VecDeque<String>,
    pub outcome: Option<String>,
}

impl App {
    /// Who acts and under which restrictions, for `prepare`.
    pub fn action_env(&self) -> ActionEnv {
        let settings = &self.config.actions;
        ActionEnv {
            user: self.config.incidents.author.clone(),
            role: settings.role,
            read_only: self.config.incidents.read_only,
            kube: settings.kube.clone(),
            agent_url: settings.agent_url.clone(),
            alertmanager: self.config.incidents.alertmanager.is_some(),
        }
    }

    /// What the selection on `screen` offers actions to act on.
    pub fn action_target(&self, screen: Screen) -> Option<Target> {
        match screen {
            Screen::Prices => {
                let symbol = self.prices.selected.as_ref()?;
                let quote = self.prices.symbols.get(symbol)?.quote.as_ref()?;
                Some(Target {
                    scope: Scope::Source,
                    name: quote.source.clone(),
                })
            }
            Screen::Incidents => self.incidents.selected_row().map(|row| Target {
                scope: Scope::Incident,
                name: row.id.clone(),
            }),
            Screen::Cluster => {
                let cluster = self.cluster.as_ref()?;
                match cluster.focus {
                    ClusterPane::Deployments => cluster.selected_deployment.as_ref().map(|name| Target {
                        scope: Scope::Deployment,
                        name: name.clone(),
                    }),
                    ClusterPane::Pods => cluster.selected_pod.as_ref().map(|name| Target {
                        scope: Scope::Pod,
                        name: name.clone(),
                    }),
                    ClusterPane::Events => None,
                }
            }
            _ => None,
        }
    }

    /// Every action matching `query`, those that can run first, with why
    /// the others cannot.
    fn palette_entries(&self, query: &str) -> Vec<PaletteEntry> {
        let query = query.to_lowercase();
        let target = self.action_target(self.screen);
        let env = self.action_env();
        let mut entries: Vec<PaletteEntry> = self
            .config
            .actions
            .runbooks
            .actions
            .iter()
            .filter(|a: &&Action| {
                query.is_empty()
                    || a.name.to_lowercase().contains(&query)
                    || a.description.to_lowercase().contains(&query)
            })
            .map(|a| PaletteEntry {
                name: a.name.clone(),
                key: a.key.map(String::from).unwrap_or_default(),
                description: a.description.clone(),
                destructive: a.destructive,
                disabled: refusal(a, target.as_ref(), &env),
            })
            .collect();
        entries.sort_by_key(|e| e.disabled.is_some());
        entries
    }

    pub(super) fn open_palette(&mut self) {
        let target = self.action_target(self.screen);
        self.runbooks.palette = Some(Palette {
            target: target.map(|t| format!("{} {}", t.scope.as_str(), t.name)),
            entries: self.palette_entries(""),
            ..Palette::default()
        });
    }

    pub(super) fn on_palette_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(mut palette) = self.runbooks.palette.take() else {
            return Vec::new();
        };
        let last = palette.entries.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Down | KeyCode::Tab => palette.selected = (palette.selected + 1).min(last),
            KeyCode::Up | KeyCode::BackTab => palette.selected = palette.selected.saturating_sub(1),
            KeyCode::Backspace => {
                palette.query.pop();
                palette.selected = 0;
                palette.entries = self.palette_entries(&palette.query);
            }
            KeyCode::Char(c) if !c.is_control() => {
                palette.query.push(c);
                palette.selected = 0;
                palette.entries = self.palette_entries(&palette.query);
            }
            KeyCode::Enter => {
                return match palette.entries.get(palette.selected) {
                    Some(entry) => self.start_action(&entry.name.clone()),
                    None => Vec::new(),
                };
            }
            _ => self.dirty = false,
        }
        self.runbooks.palette = Some(palette);
        Vec::new()
    }

    /// The runbook action bound to `c` on the current screen, if any.
    pub(super) fn runbook_key(&self, c: char) -> Option<String> {
        let applies = |scope: Scope| match scope {
            Scope::Global => true,
            Scope::Source => self.screen == Screen::Prices,
            Scope::Incident => self.screen == Screen::Incidents,
            Scope::Deployment | Scope::Pod => self.screen == Screen::Cluster,
        };
        self.config
            .actions
            .runbooks
            .actions
            .iter()
            .find(|a| a.key == Some(c) && applies(a.scope))
            .map(|a| a.name.clone())
    }

    /// Prepares action `name` on the current selection: a confirmation, or
    /// a refusal on the status line. The incidents' silence prompt serves
    /// `alertmanager.silence`.
    pub(super) fn start_action(&mut self, name: &str) -> Vec<Command> {
        let runbooks = Arc::clone(&self.config.actions.runbooks);
        let Some(action) = runbooks.get(name) else {
            return Vec::new();
        };
        let target = self.action_target(self.screen);
        let env = self.action_env();
        if action.kind == crate::actions::runbook::Kind::AlertmanagerSilence
            && refusal(action, target.as_ref(), &env).is_none()
        {
            self.open_dialog("silence", |row, state, _| Dialog::silence(row, state));
            return Vec::new();
        }
        let replicas = target
            .as_ref()
            .filter(|t| t.scope == Scope::Deployment)
            .and_then(|t| self.cluster.as_ref()?.desired_replicas(&t.name));
        match prepare(action, target.as_ref(), &env, replicas) {
            Err(why) => {
                self.notice = Some((format!("{}: {why}", action.name), self.now_ms));
                Vec::new()
            }
            Ok(prepared) => {
                let dry_run = prepared.dry_run_supported;
                self.dialog = Some(Dialog::runbook(prepared));
                if dry_run { self.start_dry_run() } else { Vec::new() }
            }
        }
    }

    /// Asks the API to try the dialog's request without changing anything.
    fn start_dry_run(&mut self) -> Vec<Command> {
        let env = self.action_env();
        let Some(Ok(request)) = self.dialog.as_ref().and_then(|d| d.runbook_request(true, &env)) else {
            return Vec::new();
        };
        let id = self.next_run_id();
        self.runbooks.dry_run = Some(id);
        vec![Command::Run {
            id,
            request: Box::new(request),
        }]
    }

    fn next_run_id(&mut self) -> u64 {
        self.runbooks.next_id += 1;
        self.runbooks.next_id
    }

    /// Enter in a runbook dialog: runs the request, or says why not.
    pub(super) fn confirm_runbook(&mut self) -> Vec<Command> {
        let env = self.action_env();
        let Some(result) = self.dialog.as_ref().and_then(|d| d.runbook_request(false, &env)) else {
            return Vec::new();
        };
        let request = match result {
            Ok(request) => request,
            Err(why) => {
                if let Some(dialog) = self.dialog.as_mut() {
                    dialog.error = Some(why);
                }
                return Vec::new();
            }
        };
        self.dialog = None;
        let id = self.next_run_id();
        let label = request.describe();
        if request.invocation.is_some() {
            self.runbooks.output = Some(OutputPane {
                id,
                title: request
                    .invocation
                    .as_ref()
                    .map(|i| i.display())
                    .unwrap_or_default(),
                lines: VecDeque::new(),
                outcome: None,
            });
        }
        self.runbooks.status = Some(RunStatus {
            id,
            label,
            result: "running…".to_string(),
            started_ms: self.now_ms,
            done: false,
            watches: verify::watches(&request, self.now_ms),
            checks: Vec::new(),
            verification: Verification::None,
            ended_ms: None,
            failed: false,
            request: request.clone(),
        });
        vec![Command::Run {
            id,
            request: Box::new(request),
        }]
    }

    pub(super) fn on_run_output(&mut self, id: u64, line: OutputLine) {
        let Some(pane) = self.runbooks.output.as_mut().filter(|p| p.id == id) else {
            self.dirty = false;
            return;
        };
        let text = if line.stderr {
            format!("! {}", line.text)
        } else {
            line.text
        };
        pane.lines.push_back(text);
        if pane.lines.len() > OUTPUT_LINES {
            pane.lines.pop_front();
        }
    }

    pub(super) fn on_run_done(&mut self, id: u64, outcome: Outcome) -> Vec<Command> {
        if self.runbooks.dry_run == Some(id) {
            self.runbooks.dry_run = None;
            if let Some(dialog) = self.dialog.as_mut().filter(|d| d.prepared().is_some()) {
                let verdict = if outcome.ok { "accepted" } else { "REFUSED" };
                dialog
                    .lines
                    .push(format!("server dry run {verdict}: {}", outcome.summary));
            }
            return Vec::new();
        }
        if let Some(pane) = self.runbooks.output.as_mut().filter(|p| p.id == id) {
            pane.outcome = Some(if outcome.ok {
                "done".to_string()
            } else {
                outcome.summary.clone()
            });
        }
        let Some(status) = self.runbooks.status.as_mut().filter(|s| s.id == id) else {
            return Vec::new();
        };
        status.done = true;
        status.failed = !outcome.ok;
        let seconds = outcome.duration.as_secs_f64();
        status.result = if outcome.ok {
            format!("done in {seconds:.1}s: {}", outcome.summary)
        } else {
            format!("FAILED after {seconds:.1}s: {}", outcome.summary)
        };
        status.verification = if outcome.ok && !status.watches.is_empty() {
            let window = i64::try_from(status.request.action.verify.as_millis()).unwrap_or(i64::MAX);
            Verification::Watching {
                until_ms: self.now_ms.saturating_add(window),
            }
        } else {
            status.ended_ms = Some(self.now_ms);
            Verification::None
        };
        self.notice = Some((format!("{}: {}", status.label, status.result), self.now_ms));
        self.verify_run()
    }

    /// Clears the strip a while after everything about the run ended.
    pub(super) fn expire_run_status(&mut self) {
        let expired = self
            .runbooks
            .status
            .as_ref()
            .and_then(|s| s.ended_ms)
            .is_some_and(|ended| self.now_ms - ended > STATUS_LINGER_MS);
        if expired {
            self.runbooks.status = None;
        }
    }

    /// Re-reads every watched signal of the run being verified; ends the
    /// watch when all pass or its time is up, and has that audited.
    pub(super) fn verify_run(&mut self) -> Vec<Command> {
        let slo_levels: Vec<(&str, AlertLevel)> = self
            .slos
            .set
            .slos
            .iter()
            .zip(&self.slos.summaries)
            .filter_map(|(slo, summary)| summary.as_ref().map(|s| (slo.name.as_str(), s.alert.level)))
            .collect();
        let signals = Signals {
            health: self.health.as_ref(),
            slos: &slo_levels,
            cluster: self.cluster.as_ref().and_then(|c| c.snapshot.as_ref()),
        };
        let now = self.now_ms;
        let Some(status) = self.runbooks.status.as_mut() else {
            return Vec::new();
        };
        let Verification::Watching { until_ms } = status.verification else {
            return Vec::new();
        };
        status.checks = status.watches.iter().map(|w| verify::check(w, signals)).collect();
        let ended = if verify::recovered(&status.checks) {
            status.verification = Verification::Recovered {
                after_ms: now - status.started_ms,
            };
            true
        } else if now >= until_ms {
            status.verification = Verification::NotRecovered;
            false
        } else {
            return Vec::new();
        };
        status.ended_ms = Some(now);
        let detail = status
            .checks
            .iter()
            .map(|c| format!("{}: {}", c.what, c.detail))
            .collect::<Vec<_>>()
            .join("; ");
        vec![Command::RecordVerification {
            request: Box::new(status.request.clone()),
            recovered: ended,
            detail,
        }]
    }
}
