//! Disaster recovery: backups of the agent's state, restore on start,
//! restore drills and the standby's replication status.
//!
//! ```text
//! schedule (dr.interval_s) | action backup_now --> capture (book, incidents) --> encode --> store (atomic dir)
//!                                                                                            |  retention
//! start (dr.restore_on_start) <-- newest backup that verifies <------------------------------+
//! action restore_drill --> copy to scratch --> verify --> scratch book --> compare --> record (RTO)
//! standby poller (dr.standby) --> its /api/v1/dr --> lag             GET /api/v1/dr <-- record
//! ```
//!
//! Disk work runs on the blocking pool; one backup, drill or scan at a time.

mod actions;
mod catalog;
mod config;
mod manifest;
mod metrics;
mod restore;
mod retention;
mod standby;
mod startup;
mod state;
mod status;
mod store;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::api::{DrBackup, DrBackupRun, DrDrill, DrRestore, DrStatus};
use crate::book::Book;
use crate::clock::now_ms;
use crate::config::{AgentConfig, BarsConfig};
use crate::incidents::IncidentStore;

pub(crate) use actions::{backup_now, restore_drill};
use catalog::{apply_retention, remove_temporaries, scan, write_backup};
pub use config::DrConfig;
pub(crate) use config::state_dir;
use manifest::sha256_hex;
use metrics::DrMetrics;
pub(crate) use startup::restore_on_start;
use state::State;
use status::{Record, Targets};
use store::BackupStore;

/// What started a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    Schedule,
    Action,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Action => "action",
        }
    }
}

/// SHA-256 of the effective configuration, so a restore can tell whether
/// a backup was written under the same settings. `[dr]` and the admin
/// token are left out: turning on restore or rotating the token changes
/// nothing in the state.
pub(crate) fn fingerprint(config: &AgentConfig) -> String {
    let mut shaping = config.clone();
    shaping.dr = DrConfig::default();
    shaping.admin_token = None;
    sha256_hex(format!("{shaping:?}").as_bytes())
}

/// The agent's DR machinery, shared by the scheduler, the standby poller
/// and the HTTP handlers.
pub(crate) struct Dr {
    config: DrConfig,
    /// The backup directory, or why there is none.
    store: Result<BackupStore, String>,
    book: Arc<Book>,
    incidents: Arc<IncidentStore>,
    bars: BarsConfig,
    fingerprint: String,
    metrics: DrMetrics,
    /// One backup, drill or scan at a time.
    busy: tokio::sync::Mutex<()>,
    record: Mutex<Record>,
}

impl Dr {
    pub fn new(
        config: &AgentConfig,
        fingerprint: String,
        book: Arc<Book>,
        incidents: Arc<IncidentStore>,
        metrics: &crate::metrics::Metrics,
        restored: Option<DrRestore>,
    ) -> Result<Dr, prometheus::Error> {
        let dr_metrics = DrMetrics::new(metrics)?;
        if !config.dr.standby.is_empty() {
            dr_metrics.with_standby(metrics)?;
        }
        let store = config
            .dr
            .backup_dir(|name| std::env::var_os(name))
            .map(BackupStore::new);
        if let Err(e) = &store {
            tracing::warn!("backups are off: {e}");
        }
        Ok(Dr {
            record: Mutex::new(Record {
                backups: Vec::new(),
                last_backup: None,
                last_drill: None,
                restored,
                replication: standby::initial(&config.dr.standby),
            }),
            config: config.dr.clone(),
            store,
            book,
            incidents,
            bars: config.bars.clone(),
            fingerprint,
            metrics: dr_metrics,
            busy: tokio::sync::Mutex::new(()),
        })
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn store(&self) -> Result<BackupStore, String> {
        self.store.clone()
    }

    /// The `/api/v1/dr` document.
    pub fn status(&self, now: i64) -> DrStatus {
        let targets = Targets {
            backup_dir: self
                .store
                .as_ref()
                .map(|store| store.dir().display().to_string())
                .map_err(Clone::clone),
            schedule_enabled: self.config.enabled,
            interval_s: self.config.interval_s,
            rpo_target_ms: self.config.rpo_target_s * 1000,
            rto_target_ms: self.config.rto_target_s * 1000,
        };
        status::status(&self.record(), &targets, now)
    }

    /// Takes a backup now: capture, write, refresh the list, apply retention.
    pub async fn backup(&self, trigger: Trigger) -> DrBackupRun {
        let _busy = self.busy.lock().await;
        let started = Instant::now();
        let at = now_ms();
        let state = State::capture(&self.book, State::open_incidents(&self.incidents));
        let fingerprint = self.fingerprint.clone();
        let (keep, max_age_ms) = (
            self.config.keep,
            self.config.max_age_s.saturating_mul(1000) as i64,
        );
        let known = self.record().backups.clone();
        let result = match self.store() {
            Ok(store) => tokio::task::spawn_blocking(move || {
                remove_temporaries(&store);
                let id = write_backup(&store, at, &state, fingerprint)?;
                store
                    .read_verified(&id)
                    .map_err(|e| format!("backup {id} does not read back: {e}"))?;
                let scanned = scan(&store, &known, Some(&id))?;
                let removed = apply_retention(&store, &scanned, now_ms(), keep, max_age_ms);
                let scanned: Vec<DrBackup> =
                    scanned.into_iter().filter(|b| !removed.contains(&b.id)).collect();
                Ok::<_, String>((id, scanned))
            })
            .await
            .unwrap_or_else(|e| Err(format!("backup task failed: {e}"))),
            Err(e) => Err(e),
        };
        let duration = started.elapsed();
        self.metrics.duration.observe(duration.as_secs_f64());
        let run = match result {
            Ok((id, backups)) => {
                let backup = backups.iter().find(|b| b.id == id).cloned();
                self.metrics.last_success.set(at as f64 / 1000.0);
                self.publish_catalog(backups);
                tracing::info!(
                    backup = id,
                    trigger = trigger.as_str(),
                    ms = duration.as_millis() as u64,
                    "backup written"
                );
                DrBackupRun {
                    at,
                    ok: true,
                    duration_ms: duration.as_millis() as u64,
                    trigger: trigger.as_str().to_string(),
                    backup,
                    error: None,
                }
            }
            Err(error) => {
                self.metrics.failures.inc();
                tracing::error!(trigger = trigger.as_str(), "backup failed: {error}");
                DrBackupRun {
                    at,
                    ok: false,
                    duration_ms: duration.as_millis() as u64,
                    trigger: trigger.as_str().to_string(),
                    backup: None,
                    error: Some(error),
                }
            }
        };
        self.record().last_backup = Some(run.clone());
        run
    }

    /// Runs a restore drill on backup `id`, or on the newest good one.
    pub async fn drill(&self, id: Option<String>) -> DrDrill {
        let _busy = self.busy.lock().await;
        let at = now_ms();
        let known = self.record().backups.clone();
        let target = id.or_else(|| status::newest_good(&known).map(|b| b.id.clone()));
        let drill = match (self.store(), target) {
            (Err(e), target) => failed_drill(at, target, e),
            (Ok(_), None) => failed_drill(at, None, "no good backup to drill".to_string()),
            (Ok(store), Some(id)) => {
                let scratch = scratch_dir(at);
                let (bars, fingerprint) = (self.bars.clone(), self.fingerprint.clone());
                let drill_id = id.clone();
                let report = tokio::task::spawn_blocking(move || {
                    restore::drill(&store, &drill_id, &scratch, &bars, &fingerprint)
                })
                .await
                .unwrap_or_else(|e| Err(format!("drill task failed: {e}")));
                match report {
                    Ok(report) => {
                        self.mark_verified(&report.loaded.id, &report.loaded.checksum, at);
                        DrDrill {
                            at,
                            ok: true,
                            backup_id: Some(id),
                            duration_ms: report.duration.as_millis() as u64,
                            checks: report.loaded.checks,
                            error: None,
                        }
                    }
                    Err(e) => {
                        self.mark_problem(&id, &e);
                        failed_drill(at, Some(id), e)
                    }
                }
            }
        };
        self.metrics.drill_success.set(i64::from(drill.ok));
        self.metrics
            .drill_duration
            .set(Duration::from_millis(drill.duration_ms).as_secs_f64());
        match &drill.error {
            None => tracing::info!(
                backup = drill.backup_id,
                ms = drill.duration_ms,
                "restore drill passed"
            ),
            Some(e) => tracing::warn!(backup = drill.backup_id, "restore drill failed: {e}"),
        }
        self.record().last_drill = Some(drill.clone());
        drill
    }

    /// Re-reads the backup directory (quick checks) and removes what
    /// interrupted writes left behind.
    pub async fn refresh(&self) {
        let _busy = self.busy.lock().await;
        let Ok(store) = self.store() else { return };
        let known = self.record().backups.clone();
        let scanned = tokio::task::spawn_blocking(move || {
            remove_temporaries(&store);
            scan(&store, &known, None)
        })
        .await
        .unwrap_or_else(|e| Err(format!("scan task failed: {e}")));
        match scanned {
            Ok(mut backups) => {
                self.keep_restore_verdicts(&mut backups);
                self.publish_catalog(backups);
            }
            Err(e) => tracing::warn!("cannot read the backup directory: {e}"),
        }
    }

    /// Backups the restore on start fully checked and skipped keep their
    /// reason: the quick checks of a scan would not see a flipped bit.
    fn keep_restore_verdicts(&self, backups: &mut [DrBackup]) {
        let record = self.record();
        let Some(restored) = &record.restored else { return };
        for backup in backups.iter_mut() {
            if let Some(skipped) = restored.skipped.iter().find(|s| s.id == backup.id) {
                backup.verified = false;
                backup.verified_at = None;
                backup.problem = Some(skipped.reason.clone());
            }
        }
    }

    fn publish_catalog(&self, backups: Vec<DrBackup>) {
        self.metrics
            .storage_bytes
            .set(backups.iter().map(|b| b.size_bytes).sum::<u64>() as i64);
        self.metrics
            .backups
            .set(backups.iter().filter(|b| b.problem.is_none()).count() as i64);
        if let Some(newest) = status::newest_good(&backups) {
            let at = newest.created_at as f64 / 1000.0;
            if self.metrics.last_success.get() < at {
                self.metrics.last_success.set(at);
            }
        }
        self.record().backups = backups;
    }

    /// Whether `id` is a backup in the directory (as last listed).
    pub fn knows(&self, id: &str) -> bool {
        self.record().backups.iter().any(|b| b.id == id)
    }

    fn mark_verified(&self, id: &str, checksum: &str, at: i64) {
        let mut record = self.record();
        if let Some(b) = record
            .backups
            .iter_mut()
            .find(|b| b.id == id && b.checksum == checksum)
        {
            b.verified = true;
            b.verified_at = Some(at);
        }
    }

    fn mark_problem(&self, id: &str, problem: &str) {
        let mut record = self.record();
        if let Some(b) = record.backups.iter_mut().find(|b| b.id == id) {
            b.verified = false;
            b.problem = Some(problem.to_string());
        }
    }

    /// Scheduled backups until `stopped`.
    pub async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        if !self.config.enabled {
            let _ = stopped.wait_for(|stop| *stop).await;
            return;
        }
        let period = Duration::from_secs(self.config.interval_s);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
            self.backup(Trigger::Schedule).await;
        }
    }

    /// Polls the standby until `stopped`; returns at once without one.
    pub async fn poll_standby(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let standby = self.config.standby.clone();
        if standby.is_empty() {
            return;
        }
        let client = reqwest::Client::new();
        let mut ticks = tokio::time::interval(Duration::from_secs(self.config.standby_poll_s));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
            let answer = standby::fetch(&client, &standby).await;
            let ours = status::newest_good(&self.record().backups).map(|b| b.created_at);
            let replication = standby::judge(&standby, now_ms(), ours, answer);
            match replication.lag_ms {
                Some(lag) => self.metrics.replication_lag.set(lag as f64 / 1000.0),
                None => self.metrics.replication_lag.set(f64::NAN),
            }
            self.record().replication = replication;
        }
    }
}

fn failed_drill(at: i64, backup_id: Option<String>, error: String) -> DrDrill {
    DrDrill {
        at,
        ok: false,
        backup_id,
        duration_ms: 0,
        checks: Vec::new(),
        error: Some(error),
    }
}

/// A fresh scratch directory for a drill, outside the backup directory:
/// unique per drill, even for two agents of one process drilling in the
/// same millisecond.
fn scratch_dir(at: i64) -> PathBuf {
    static DRILLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = DRILLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("mda-drill-{}-{at}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_covers_what_shapes_the_state_only() {
        let base = AgentConfig::embedded();
        let mut dr_and_token = base.clone();
        dr_and_token.dr.restore_on_start = true;
        dr_and_token.admin_token = Some(crate::AdminToken::new("t").unwrap());
        assert_eq!(fingerprint(&base), fingerprint(&dr_and_token));
        let mut symbols = base.clone();
        symbols.set_symbols("3").unwrap();
        assert_ne!(fingerprint(&base), fingerprint(&symbols));
        assert_eq!(fingerprint(&base).len(), 64);
    }
}
