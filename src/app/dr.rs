//! The DR screen's state: the agent's last `/api/v1/dr` answer, the keys
//! that take a backup (`b`) and run a drill (`d`) through the audited
//! runbook actions, and a fresh read once either has run.

use crossterm::event::{KeyCode, KeyEvent};
use market_data_agent::api::DrStatus;

use super::{App, Command, SourceId};
use crate::actions::runbook::Kind;
use crate::domain::kube_backups::KubeBackups;

/// The runbook actions behind `b` and `d` (config/runbooks.toml).
pub const BACKUP_ACTION: &str = "backup-now";
pub const DRILL_ACTION: &str = "restore-drill";

#[derive(Debug, Default)]
pub struct DrState {
    pub status: Option<DrStatus>,
    /// When `status` was received (console clock).
    pub received_at_ms: Option<i64>,
    /// Why the source fails, worded for the banner.
    pub problem: Option<String>,
    /// The cluster's backups and when they were read (console clock);
    /// `None` without Kubernetes or before the first read.
    pub kube: Option<(KubeBackups, i64)>,
}

impl App {
    pub(super) fn on_dr(&mut self, status: DrStatus, at_ms: i64) {
        self.touch(SourceId::AgentDr, at_ms);
        self.dr.status = Some(status);
        self.dr.received_at_ms = Some(at_ms);
        self.dr.problem = None;
    }

    pub(super) fn on_kube_backups(&mut self, backups: KubeBackups, at_ms: i64) {
        self.dr.kube = Some((backups, at_ms));
    }

    /// Words the DR banner while its source fails; the last answer stays.
    pub(super) fn refresh_dr_problem(&mut self, source: SourceId) {
        if source != SourceId::AgentDr {
            return;
        }
        let shown = if self.dr.status.is_some() {
            "last answer shown, RPO aged since"
        } else {
            "no answer yet"
        };
        self.dr.problem = self.sources[&source].problem("agent /api/v1/dr", shown);
    }

    pub(super) fn on_dr_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Char('b') => self.start_action(BACKUP_ACTION),
            KeyCode::Char('d') => self.start_action(DRILL_ACTION),
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// After a real (not dry) backup or drill run, the DR figures are read
    /// again at once rather than at the next poll.
    pub(super) fn dr_refresh_after(&self, run_id: u64) -> Option<Command> {
        let status = self.runbooks.status.as_ref().filter(|s| s.id == run_id)?;
        let request = &status.request;
        let dr_action = matches!(
            request.action.kind,
            Kind::AgentBackupNow | Kind::AgentRestoreDrill
        );
        (dr_action && !request.dry_run).then_some(Command::FetchDr)
    }
}
