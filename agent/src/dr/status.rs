//! The `/api/v1/dr` document from what the agent knows of its backups:
//! recovery objectives against their targets. Pure.

use crate::api::{DrBackup, DrBackupRun, DrDrill, DrObjective, DrReplication, DrRestore, DrStatus};

/// What the agent has recorded about its backups, drills and standby.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// Newest first.
    pub backups: Vec<DrBackup>,
    pub last_backup: Option<DrBackupRun>,
    pub last_drill: Option<DrDrill>,
    pub restored: Option<DrRestore>,
    pub replication: DrReplication,
}

/// The settings the figures are judged against.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Targets {
    /// The backup directory, or why there is none.
    pub backup_dir: Result<String, String>,
    pub schedule_enabled: bool,
    pub interval_s: u64,
    pub rpo_target_ms: u64,
    pub rto_target_ms: u64,
}

/// The newest backup that passed its checks.
pub(crate) fn newest_good(backups: &[DrBackup]) -> Option<&DrBackup> {
    backups
        .iter()
        .filter(|b| b.problem.is_none())
        .max_by_key(|b| b.created_at)
}

pub(crate) fn status(record: &Record, targets: &Targets, now: i64) -> DrStatus {
    let rpo_ms = newest_good(&record.backups).map(|b| u64::try_from(now - b.created_at).unwrap_or(0));
    let rto_ms = record.last_drill.as_ref().filter(|d| d.ok).map(|d| d.duration_ms);
    DrStatus {
        now,
        backup_dir: targets.backup_dir.clone().ok(),
        backup_dir_error: targets.backup_dir.clone().err(),
        schedule_enabled: targets.schedule_enabled,
        interval_s: targets.interval_s,
        backups: record.backups.clone(),
        storage_bytes: record.backups.iter().map(|b| b.size_bytes).sum(),
        rpo: DrObjective {
            current_ms: rpo_ms,
            target_ms: targets.rpo_target_ms,
            met: rpo_ms.is_some_and(|ms| ms <= targets.rpo_target_ms),
        },
        rto: DrObjective {
            current_ms: rto_ms,
            target_ms: targets.rto_target_ms,
            met: rto_ms.is_some_and(|ms| ms <= targets.rto_target_ms),
        },
        last_backup: record.last_backup.clone(),
        last_drill: record.last_drill.clone(),
        restored_at_start: record.restored.clone(),
        replication: record.replication.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ReplicationState;

    fn backup(id: &str, created_at: i64, problem: Option<&str>) -> DrBackup {
        DrBackup {
            id: id.into(),
            created_at,
            size_bytes: 100,
            checksum: "c".into(),
            verified: problem.is_none(),
            verified_at: None,
            problem: problem.map(str::to_string),
        }
    }

    fn drill(ok: bool, duration_ms: u64) -> DrDrill {
        DrDrill {
            at: 0,
            ok,
            backup_id: Some("b".into()),
            duration_ms,
            checks: Vec::new(),
            error: None,
        }
    }

    fn targets() -> Targets {
        Targets {
            backup_dir: Ok("backups".into()),
            schedule_enabled: true,
            interval_s: 300,
            rpo_target_ms: 900_000,
            rto_target_ms: 1_800_000,
        }
    }

    fn record(backups: Vec<DrBackup>, last_drill: Option<DrDrill>) -> Record {
        Record {
            backups,
            last_backup: None,
            last_drill,
            restored: None,
            replication: DrReplication {
                state: ReplicationState::NotConfigured,
                standby: None,
                last_poll_at: None,
                standby_newest_backup_at: None,
                lag_ms: None,
                error: None,
            },
        }
    }

    #[test]
    fn rpo_is_the_age_of_the_newest_good_backup() {
        let now = 10_000_000;
        let r = record(
            vec![
                backup("new-bad", now - 1_000, Some("corrupt")),
                backup("good", now - 600_000, None),
                backup("old", now - 1_200_000, None),
            ],
            None,
        );
        let s = status(&r, &targets(), now);
        assert_eq!(
            s.rpo.current_ms,
            Some(600_000),
            "the corrupt newer one does not count"
        );
        assert!(s.rpo.met);
        assert_eq!(s.storage_bytes, 300);
        let late = status(&r, &targets(), now + 400_000);
        assert_eq!((late.rpo.current_ms, late.rpo.met), (Some(1_000_000), false));
        let none = status(&record(Vec::new(), None), &targets(), now);
        assert_eq!((none.rpo.current_ms, none.rpo.met), (None, false));
        assert_eq!(
            (none.backup_dir.as_deref(), none.backup_dir_error),
            (Some("backups"), None)
        );
        let off = Targets {
            backup_dir: Err("no backup directory".into()),
            ..targets()
        };
        let off = status(&record(Vec::new(), None), &off, now);
        assert_eq!(
            (off.backup_dir, off.backup_dir_error.as_deref()),
            (None, Some("no backup directory"))
        );
    }

    #[test]
    fn rto_is_the_last_successful_drill_against_the_target() {
        let s = |d| status(&record(Vec::new(), d), &targets(), 0).rto;
        assert_eq!(s(Some(drill(true, 120))).current_ms, Some(120));
        assert!(s(Some(drill(true, 120))).met);
        assert!(!s(Some(drill(true, 1_800_001))).met);
        let failed = s(Some(drill(false, 5)));
        assert_eq!((failed.current_ms, failed.met), (None, false));
        assert!(!s(None).met);
    }
}
