//! The DR screen's view model, built from `DrState`. One
//! column per environment: the active one from its own DR source, the
//! others from their summary pollers.

use std::time::Duration;

use market_data_agent::api::{DrStatus, ReplicationState};
use mdops_views::model::{
    BackupRowModel, BackupRunModel, CronJobRowModel, DrEnvironmentModel, DrModel, DrStatusModel, DrillModel,
    KubeBackupsModel, ObjectiveModel, ObjectiveState, ReplicationModel, VeleroBackupRowModel, VeleroModel,
    VeleroScheduleRowModel,
};

use super::App;
use crate::domain::dr::{Verdict, rpo_now_ms, verdict};
use crate::domain::kube_backups::{DEFAULT_RPO_TARGET_MS, Velero};

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
                    kube: self.kube_backups_model(),
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
            .map(|entry| {
                let active = entry.name == self.config.environment;
                DrEnvironmentModel {
                    name: &entry.name,
                    status: if active {
                        status.take().flatten()
                    } else {
                        entry
                            .dr
                            .value
                            .as_deref()
                            .zip(entry.dr.at_ms)
                            .map(|(s, at)| self.dr_status_model(s, at))
                    },
                    kube: if active { self.kube_backups_model() } else { None },
                }
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

impl App {
    /// The cluster's backups against the agent's RPO target (its default
    /// until the agent has answered).
    fn kube_backups_model(&self) -> Option<KubeBackupsModel<'_>> {
        let (k, read_at) = self.dr.kube.as_ref()?;
        let target_ms = self
            .dr
            .status
            .as_ref()
            .map_or(DEFAULT_RPO_TARGET_MS, |s| s.rpo.target_ms);
        let age = |at: i64| millis(self.now_ms.max(*read_at) - at);
        let rpo_ms = k.newest_good_ms().map(|at| age(at).as_millis() as u64);
        Some(KubeBackupsModel {
            namespace: &k.namespace,
            rpo: objective(rpo_ms, target_ms),
            cronjobs: match &k.cronjobs {
                Ok(jobs) => Ok(jobs
                    .iter()
                    .map(|j| CronJobRowModel {
                        name: &j.name,
                        schedule: &j.schedule,
                        suspended: j.suspended,
                        last_success: j.last_success_ms.map(age),
                        active: j.active,
                    })
                    .collect()),
                Err(why) => Err(why),
            },
            velero: match &k.velero {
                Ok(Velero::NotInstalled) => Ok(VeleroModel::NotInstalled),
                Ok(Velero::Installed { schedules, backups }) => Ok(VeleroModel::Installed {
                    schedules: schedules
                        .iter()
                        .map(|s| VeleroScheduleRowModel {
                            name: &s.name,
                            schedule: &s.schedule,
                            paused: s.paused,
                            phase: &s.phase,
                            last_backup: s.last_backup_ms.map(age),
                        })
                        .collect(),
                    backups: backups
                        .iter()
                        .map(|b| VeleroBackupRowModel {
                            name: &b.name,
                            phase: &b.phase,
                            completed: b.completed(),
                            age: b.completed_ms.or(b.started_ms).map(age),
                            errors: b.errors,
                        })
                        .collect(),
                    completed: k.completed_velero(),
                }),
                Err(why) => Err(why),
            },
        })
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
