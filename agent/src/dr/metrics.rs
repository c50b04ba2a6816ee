//! Backup and drill metrics, registered in the agent's registry.

use prometheus::{Gauge, Histogram, HistogramOpts, IntCounter, IntGauge};

use crate::metrics::Metrics;

/// A backup writes and fsyncs a few files: milliseconds on a quiet disk,
/// seconds for a large book on a busy one.
const BACKUP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

pub(crate) struct DrMetrics {
    pub last_success: Gauge,
    pub duration: Histogram,
    pub failures: IntCounter,
    pub storage_bytes: IntGauge,
    pub backups: IntGauge,
    pub drill_duration: Gauge,
    pub drill_success: IntGauge,
    pub replication_lag: Gauge,
}

impl DrMetrics {
    pub fn new(metrics: &Metrics) -> Result<DrMetrics, prometheus::Error> {
        let dr = DrMetrics {
            last_success: Gauge::new(
                "mda_backup_last_success_timestamp_seconds",
                "Unix time of the last backup written successfully; 0 before the first.",
            )?,
            duration: Histogram::with_opts(
                HistogramOpts::new(
                    "mda_backup_duration_seconds",
                    "Time to capture, write and fsync one backup.",
                )
                .buckets(BACKUP_BUCKETS.to_vec()),
            )?,
            failures: IntCounter::new("mda_backup_failures_total", "Backups that could not be written.")?,
            storage_bytes: IntGauge::new(
                "mda_backup_storage_bytes",
                "Bytes used by all backups in the backup directory.",
            )?,
            backups: IntGauge::new(
                "mda_backups",
                "Backups in the backup directory that pass their checks.",
            )?,
            drill_duration: Gauge::new(
                "mda_restore_drill_duration_seconds",
                "Duration of the last restore drill: the recovery time it measured.",
            )?,
            drill_success: IntGauge::new(
                "mda_restore_drill_success",
                "1 if the last restore drill passed, 0 if it failed or none ran.",
            )?,
            replication_lag: Gauge::new(
                "mda_dr_replication_lag_seconds",
                "How far the standby's newest good backup is behind this agent's; absent without a standby.",
            )?,
        };
        metrics.register(Box::new(dr.last_success.clone()))?;
        metrics.register(Box::new(dr.duration.clone()))?;
        metrics.register(Box::new(dr.failures.clone()))?;
        metrics.register(Box::new(dr.storage_bytes.clone()))?;
        metrics.register(Box::new(dr.backups.clone()))?;
        metrics.register(Box::new(dr.drill_duration.clone()))?;
        metrics.register(Box::new(dr.drill_success.clone()))?;
        Ok(dr)
    }

    /// Registers the replication gauge, only when a standby is configured.
    pub fn with_standby(&self, metrics: &Metrics) -> Result<(), prometheus::Error> {
        metrics.register(Box::new(self.replication_lag.clone()))
    }
}
