//! The `dr` section of `mdops snapshot`: RPO and RTO against target, the
//! backups held and the last drill, as the DR screen shows them.

use std::fmt::Write as _;

use serde::Serialize;

use crate::app::App;
use crate::domain::dr::{Verdict, rpo_now_ms, verdict};
use crate::domain::kube_backups::{CronJobBackup, Velero};

#[derive(Debug, Serialize)]
pub struct DrReport {
    /// The agent the figures come from.
    pub environment: String,
    /// Age of the newest good backup at the time of the report; null with none.
    pub rpo_s: Option<f64>,
    pub rpo_target_s: f64,
    pub rpo_met: bool,
    /// Duration of the last successful restore drill; null with none.
    pub rto_s: Option<f64>,
    pub rto_target_s: f64,
    pub rto_met: bool,
    pub backups: usize,
    /// Backups checked file by file against their manifest.
    pub backups_verified: usize,
    pub storage_bytes: u64,
    pub schedule_enabled: bool,
    pub last_drill: Option<DrillReport>,
    /// `not_configured`, `unknown`, `ok`, `no_backup` or `unreachable`.
    pub replication: String,
    /// The cluster's backup CronJobs and Velero backups, with Kubernetes.
    pub cluster_backups: Option<ClusterBackupsReport>,
}

#[derive(Debug, Serialize)]
pub struct ClusterBackupsReport {
    pub namespace: String,
    /// Age of the newest good backup (CronJob success or completed Velero
    /// backup); null with none.
    pub rpo_s: Option<f64>,
    pub rpo_met: bool,
    /// As read; an `Err` carries why the part could not be read.
    pub cronjobs: Result<Vec<CronJobBackup>, String>,
    pub velero: Result<Velero, String>,
    /// Velero backups of the namespace in phase `Completed`.
    pub velero_completed: usize,
}

#[derive(Debug, Serialize)]
pub struct DrillReport {
    /// RFC 3339 UTC.
    pub at: String,
    pub ok: bool,
    pub duration_s: f64,
    pub backup_id: Option<String>,
    pub checks: Vec<String>,
    pub error: Option<String>,
}

impl DrReport {
    /// `None` until the agent's DR status has been read.
    pub fn from_app(app: &App) -> Option<DrReport> {
        let status = app.dr.status.as_ref()?;
        let received = app.dr.received_at_ms?;
        let rpo_ms = rpo_now_ms(&status.rpo, received, app.now_ms);
        let seconds = |ms: u64| ms as f64 / 1000.0;
        Some(DrReport {
            environment: app.config.target.clone(),
            rpo_s: rpo_ms.map(seconds),
            rpo_target_s: seconds(status.rpo.target_ms),
            rpo_met: verdict(rpo_ms, status.rpo.target_ms) == Verdict::Met,
            rto_s: status.rto.current_ms.map(seconds),
            rto_target_s: seconds(status.rto.target_ms),
            rto_met: verdict(status.rto.current_ms, status.rto.target_ms) == Verdict::Met,
            backups: status.backups.len(),
            backups_verified: status.backups.iter().filter(|b| b.verified).count(),
            storage_bytes: status.storage_bytes,
            schedule_enabled: status.schedule_enabled,
            last_drill: status.last_drill.as_ref().map(|d| DrillReport {
                at: crate::snapshot::rfc3339(d.at),
                ok: d.ok,
                duration_s: seconds(d.duration_ms),
                backup_id: d.backup_id.clone(),
                checks: d.checks.clone(),
                error: d.error.clone(),
            }),
            replication: serde_json::to_value(status.replication.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            cluster_backups: app.dr.kube.as_ref().map(|(k, read_at)| {
                let rpo_ms = k
                    .newest_good_ms()
                    .map(|at| u64::try_from(app.now_ms.max(*read_at) - at).unwrap_or(0));
                ClusterBackupsReport {
                    namespace: k.namespace.clone(),
                    rpo_s: rpo_ms.map(seconds),
                    rpo_met: verdict(rpo_ms, status.rpo.target_ms) == Verdict::Met,
                    cronjobs: k.cronjobs.clone(),
                    velero: k.velero.clone(),
                    velero_completed: k.completed_velero(),
                }
            }),
        })
    }

    /// The Markdown section.
    pub fn markdown(report: Option<&DrReport>) -> String {
        let mut out = String::from("\n### DR\n\n");
        let Some(r) = report else {
            out.push_str("No answer from the agent's /api/v1/dr.\n");
            return out;
        };
        let figure = |v: Option<f64>| v.map_or("none".to_string(), |s| format!("{s:.1}s"));
        let word = |met: bool, v: Option<f64>, none: &str| match (met, v) {
            (_, None) => none.to_string(),
            (true, _) => "MET".to_string(),
            (false, _) => "MISSED".to_string(),
        };
        let _ = writeln!(
            out,
            "| objective | now | target | |\n|---|--:|--:|---|\n| RPO | {} | {:.0}s | {} |\n| RTO | {} | {:.0}s | {} |",
            figure(r.rpo_s),
            r.rpo_target_s,
            word(r.rpo_met, r.rpo_s, "NO BACKUP"),
            figure(r.rto_s),
            r.rto_target_s,
            word(r.rto_met, r.rto_s, "NO DRILL"),
        );
        let _ = writeln!(
            out,
            "\n{} backups ({} verified), {} bytes; standby: {}.",
            r.backups, r.backups_verified, r.storage_bytes, r.replication
        );
        if let Some(d) = &r.last_drill {
            let result = if d.ok { "ok" } else { "FAILED" };
            let _ = writeln!(out, "Last drill {} at {}, {:.1}s.", result, d.at, d.duration_s);
        }
        if let Some(c) = &r.cluster_backups {
            let rpo = match (c.rpo_s, c.rpo_met) {
                (None, _) => "no good backup".to_string(),
                (Some(s), met) => format!("{s:.0}s, {}", if met { "MET" } else { "MISSED" }),
            };
            let cronjobs = match &c.cronjobs {
                Ok(jobs) => format!("{} backup CronJobs", jobs.len()),
                Err(why) => why.clone(),
            };
            let velero = match &c.velero {
                Ok(Velero::NotInstalled) => "Velero not installed".to_string(),
                Ok(Velero::Installed { .. }) => format!("{} completed Velero backups", c.velero_completed),
                Err(why) => why.clone(),
            };
            let _ = writeln!(
                out,
                "Cluster backups in {}: RPO {rpo}; {cronjobs}; {velero}.",
                c.namespace
            );
        }
        out
    }
}
