//! The DR screen's view model, built from `DrState`. One
//! column per environment: the active one from its own DR source, the
//! others from their summary pollers.

use std::time::Duration;

use market_data_agent::api::{DrStatus, ReplicationState};
use mdops_views::model::{
    BackupRowModel, BackupRunModel, DrEnvironmentModel, DrModel, DrStatusModel, DrillModel, ObjectiveModel,
    ObjectiveState, ReplicationModel,
};

use super::App;
use crate::domain::dr::{Verdict, rpo_now_ms, verdict};

/// Hex digits of a checksum shown in the list.
const CHECKSUM_SHORT: usize = 8;

impl App {
    pub(super) fn dr_model(&self) -> DrModel<'_> {
        let status = self
            .dr
            .status
            .as_ref()
            .zip(self.dr.received_at_ms)
            .map(|(status, at)| self.dr_status_model(status, at));
        if self.environments.entries.len() < 2 {
            return DrModel {
                problem: self.dr.problem.as_deref(),
                environments: vec![DrEnvironmentModel {
                    name: &self.config.target,
                    status,
                }],
            };
        }
        // Side by side: the active environment from its full DR state,
        // the others from their summaries.
        let mut status = Some(status);
        let environments = self
            .environments
            .entries
            .iter()
            .map(|entry| DrEnvironmentModel {
                name: &entry.name,
                status: if entry.name == self.config.environment {
                    status.take().flatten()
                } else {
                    entry
                        .dr
                        .value
                        .as_deref()
                        .zip(entry.dr.at_ms)
                        .map(|(s, at)| self.dr_status_model(s, at))
                },
            })
            .collect();
        DrModel {
            problem: self.dr.problem.as_deref(),
            environments,
        }
    }

    fn dr_status_model<'a>(&self, s: &'a DrStatus, received_at_ms: i64) -> DrStatusModel<'a> {
        // Ages count from the agent's own `now` in its answer, then on
        // the console's clock since the answer came.
        let since = self.now_ms.saturating_sub(received_at_ms).max(0);
        let age = |at: i64| millis(s.now.saturating_sub(at).saturating_add(since));
        let rpo_ms = rpo_now_ms(&s.rpo, received_at_ms, self.now_ms);
        DrStatusModel {
            backup_dir: match (&s.backup_dir, &s.backup_dir_error) {
                (Some(dir), _) => Ok(dir),
                (None, Some(why)) => Err(why),
                (None, None) => Err("no backup directory"),
            },
            schedule: s.schedule_enabled.then(|| Duration::from_secs(s.interval_s)),
            rpo: objective(rpo_ms, s.rpo.target_ms),
            rto: objective(s.rto.current_ms, s.rto.target_ms),
            last_backup: s.last_backup.as_ref().map(|run| BackupRunModel {
                age: age(run.at),
                ok: run.ok,
                duration: Duration::from_millis(run.duration_ms),
                trigger: &run.trigger,
                error: run.error.as_deref(),
            }),
            last_drill: s.last_drill.as_ref().map(|drill| DrillModel {
                age: age(drill.at),
                ok: drill.ok,
                backup_id: drill.backup_id.as_deref(),
                duration: Duration::from_millis(drill.duration_ms),
                checks: drill.checks.iter().map(String::as_str).collect(),
                error: drill.error.as_deref(),
            }),
            replication: ReplicationModel {
                state: match s.replication.state {
                    ReplicationState::NotConfigured => "not configured",
                    ReplicationState::Unknown => "not polled yet",
                    ReplicationState::Ok => "ok",
                    ReplicationState::NoBackup => "standby has no backup",
                    ReplicationState::Unreachable => "unreachable",
                },
                healthy: matches!(
                    s.replication.state,
                    ReplicationState::Ok | ReplicationState::NotConfigured
                ),
                standby: s.replication.standby.as_deref(),
                lag: s.replication.lag_ms.map(Duration::from_millis),
                error: s.replication.error.as_deref(),
            },
            backups: s
                .backups
                .iter()
                .map(|b| BackupRowModel {
                    id: &b.id,
                    created_at_ms: b.created_at,
                    age: age(b.created_at),
                    size_bytes: b.size_bytes,
                    checksum_short: b.checksum.get(..CHECKSUM_SHORT).unwrap_or(&b.checksum),
                    verified: b.verified,
                    problem: b.problem.as_deref(),
                })
                .collect(),
            storage_bytes: s.storage_bytes,
        }
    }
}

fn objective(current_ms: Option<u64>, target_ms: u64) -> ObjectiveModel {
    ObjectiveModel {
        current: current_ms.map(Duration::from_millis),
        target: Duration::from_millis(target_ms),
        state: match verdict(current_ms, target_ms) {
            Verdict::Met => ObjectiveState::Met,
            Verdict::Missed => ObjectiveState::Missed,
            Verdict::NoFigure => ObjectiveState::NoFigure,
        },
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
