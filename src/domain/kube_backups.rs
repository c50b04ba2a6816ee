//! Backups the cluster takes besides the agent's own: CronJobs that back
//! the namespace up (their last successful run) and, where Velero is
//! installed, its Schedules and Backups. Only a backup Velero reports as
//! `Completed` counts; a `PartiallyFailed` one is listed, not trusted.
//! Pure conversions from the API server's JSON, tested without a server.

use k8s_openapi::api::batch::v1::CronJob;
use serde_json::Value;

/// A CronJob counts as a backup job when its name contains this, or when
/// it carries [`BACKUP_LABEL`]` = "true"`.
pub const DEFAULT_NAME_MATCH: &str = "backup";
/// Marks a CronJob as a backup job whatever its name.
pub const BACKUP_LABEL: &str = "mdops.io/backup";
/// Velero's phase of a backup that finished without errors.
const COMPLETED: &str = "Completed";
/// The agent's default RPO target, used until the agent has said its own.
pub const DEFAULT_RPO_TARGET_MS: u64 = 15 * 60 * 1000;
/// Velero backups listed per environment, newest first.
pub const MAX_VELERO_BACKUPS: usize = 8;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CronJobBackup {
    pub name: String,
    /// The cron expression, e.g. `*/15 * * * *`.
    pub schedule: String,
    pub suspended: bool,
    /// `status.lastSuccessfulTime`, Unix ms.
    pub last_success_ms: Option<i64>,
    /// `status.lastScheduleTime`, Unix ms.
    pub last_schedule_ms: Option<i64>,
    /// Jobs running now.
    pub active: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VeleroSchedule {
    pub name: String,
    pub schedule: String,
    pub paused: bool,
    /// `Enabled`, `FailedValidation`, ... (empty before Velero saw it).
    pub phase: String,
    /// `status.lastBackup`, Unix ms.
    pub last_backup_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VeleroBackup {
    pub name: String,
    pub phase: String,
    /// The schedule that made it (label `velero.io/schedule-name`).
    pub schedule: Option<String>,
    pub started_ms: Option<i64>,
    pub completed_ms: Option<i64>,
    pub errors: u64,
}

impl VeleroBackup {
    pub fn completed(&self) -> bool {
        self.phase == COMPLETED
    }
}

/// What Velero holds for the namespace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Velero {
    /// The velero.io CRDs are not served: nothing to read, nothing wrong.
    NotInstalled,
    Installed {
        schedules: Vec<VeleroSchedule>,
        /// Those covering the namespace, newest first.
        backups: Vec<VeleroBackup>,
    },
}

/// One read of the cluster's backups; each part fails on its own (RBAC
/// may allow CronJobs and refuse Velero).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KubeBackups {
    pub namespace: String,
    pub cronjobs: Result<Vec<CronJobBackup>, String>,
    pub velero: Result<Velero, String>,
}

impl KubeBackups {
    /// The newest backup known good: a CronJob's last success or a
    /// completed Velero backup. Its age is the cluster's RPO.
    pub fn newest_good_ms(&self) -> Option<i64> {
        let cronjobs = self.cronjobs.iter().flatten().filter_map(|c| c.last_success_ms);
        let velero = match &self.velero {
            Ok(Velero::Installed { backups, .. }) => backups
                .iter()
                .filter(|b| b.completed())
                .filter_map(|b| b.completed_ms)
                .max(),
            _ => None,
        };
        cronjobs.chain(velero).max()
    }

    /// Completed Velero backups of the namespace (of those listed).
    pub fn completed_velero(&self) -> usize {
        match &self.velero {
            Ok(Velero::Installed { backups, .. }) => backups.iter().filter(|b| b.completed()).count(),
            _ => 0,
        }
    }
}

/// Whether a CronJob is a backup job: its name contains `name_match`
/// (case-insensitive) or it is labelled [`BACKUP_LABEL`]`=true`.
pub fn is_backup_cronjob(job: &CronJob, name_match: &str) -> bool {
    let meta = &job.metadata;
    let named = !name_match.is_empty()
        && meta
            .name
            .as_deref()
            .is_some_and(|n| n.to_lowercase().contains(&name_match.to_lowercase()));
    let labelled = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(BACKUP_LABEL))
        .is_some_and(|v| v == "true");
    named || labelled
}

pub fn cronjob_backup(job: &CronJob) -> CronJobBackup {
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    CronJobBackup {
        name: job.metadata.name.clone().unwrap_or_default(),
        schedule: spec.map(|s| s.schedule.clone()).unwrap_or_default(),
        suspended: spec.and_then(|s| s.suspend).unwrap_or(false),
        last_success_ms: status
            .and_then(|s| s.last_successful_time.as_ref())
            .map(|t| t.0.as_millisecond()),
        last_schedule_ms: status
            .and_then(|s| s.last_schedule_time.as_ref())
            .map(|t| t.0.as_millisecond()),
        active: status.and_then(|s| s.active.as_ref()).map_or(0, Vec::len),
    }
}

/// A Velero Schedule from its JSON (no typed crate is worth a dependency).
pub fn velero_schedule(object: &Value) -> VeleroSchedule {
    VeleroSchedule {
        name: text(&object["metadata"]["name"]),
        schedule: text(&object["spec"]["schedule"]),
        paused: object["spec"]["paused"].as_bool().unwrap_or(false),
        phase: text(&object["status"]["phase"]),
        last_backup_ms: time(&object["status"]["lastBackup"]),
    }
}

pub fn velero_backup(object: &Value) -> VeleroBackup {
    VeleroBackup {
        name: text(&object["metadata"]["name"]),
        phase: text(&object["status"]["phase"]),
        schedule: object["metadata"]["labels"]["velero.io/schedule-name"]
            .as_str()
            .map(str::to_string),
        started_ms: time(&object["status"]["startTimestamp"]),
        completed_ms: time(&object["status"]["completionTimestamp"]),
        errors: object["status"]["errors"].as_u64().unwrap_or(0),
    }
}

/// Whether a Velero backup includes `namespace`: no `includedNamespaces`
/// (or `*`) means every namespace, minus `excludedNamespaces`.
pub fn covers_namespace(object: &Value, namespace: &str) -> bool {
    let names = |field: &str| -> Vec<&str> {
        object["spec"][field]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let included = names("includedNamespaces");
    let excluded = names("excludedNamespaces");
    let in_scope = included.is_empty() || included.iter().any(|n| *n == "*" || *n == namespace);
    in_scope && !excluded.contains(&namespace)
}

/// The Velero backups of `namespace`, newest first, at most
/// [`MAX_VELERO_BACKUPS`].
pub fn namespace_backups<'a>(
    objects: impl IntoIterator<Item = &'a Value>,
    namespace: &str,
) -> Vec<VeleroBackup> {
    let mut backups: Vec<VeleroBackup> = objects
        .into_iter()
        .filter(|o| covers_namespace(o, namespace))
        .map(velero_backup)
        .collect();
    backups.sort_by(|a, b| {
        let at = |b: &VeleroBackup| b.completed_ms.or(b.started_ms);
        at(b).cmp(&at(a)).then_with(|| a.name.cmp(&b.name))
    });
    backups.truncate(MAX_VELERO_BACKUPS);
    backups
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn time(value: &Value) -> Option<i64> {
    let stamp = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
    Some(stamp.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T: i64 = 1_795_737_600_000; // 2026-11-27T00:00:00Z

    fn cronjob(value: Value) -> CronJob {
        serde_json::from_value(value).expect("a CronJob")
    }

    fn backup(name: &str, phase: &str, completed: Option<&str>, spec: Value) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "velero", "labels": {"velero.io/schedule-name": "nightly"}},
            "spec": spec,
            "status": {"phase": phase, "startTimestamp": "2026-11-26T23:00:00Z", "completionTimestamp": completed}
        })
    }

    #[test]
    fn a_cronjob_is_a_backup_job_by_name_or_label() {
        let by_name = cronjob(json!({"metadata": {"name": "nightly-Backup-offsite"}}));
        let by_label = cronjob(json!({"metadata": {"name": "dump", "labels": {"mdops.io/backup": "true"}}}));
        let other = cronjob(json!({"metadata": {"name": "report", "labels": {"mdops.io/backup": "false"}}}));
        assert!(is_backup_cronjob(&by_name, DEFAULT_NAME_MATCH));
        assert!(is_backup_cronjob(&by_label, DEFAULT_NAME_MATCH));
        assert!(!is_backup_cronjob(&other, DEFAULT_NAME_MATCH));
        assert!(!is_backup_cronjob(&by_name, ""), "an empty match names nothing");
    }

    #[test]
    fn a_cronjob_reads_its_schedule_and_last_success() {
        let job = cronjob(json!({
            "metadata": {"name": "backup-offsite"},
            "spec": {"schedule": "*/15 * * * *", "suspend": true, "jobTemplate": {}},
            "status": {
                "lastSuccessfulTime": "2026-11-27T00:00:00Z",
                "lastScheduleTime": "2026-11-27T00:15:00Z",
                "active": [{"name": "backup-offsite-1"}]
            }
        }));
        assert_eq!(
            cronjob_backup(&job),
            CronJobBackup {
                name: "backup-offsite".into(),
                schedule: "*/15 * * * *".into(),
                suspended: true,
                last_success_ms: Some(T),
                last_schedule_ms: Some(T + 900_000),
                active: 1,
            }
        );
        let never = cronjob_backup(&cronjob(json!({"metadata": {"name": "backup-new"}})));
        assert_eq!(
            (never.last_success_ms, never.active, never.suspended),
            (None, 0, false)
        );
    }

    #[test]
    fn velero_backups_cover_a_namespace_by_inclusion_and_exclusion() {
        let all = backup("a", COMPLETED, None, json!({}));
        let star = backup("b", COMPLETED, None, json!({"includedNamespaces": ["*"]}));
        let ours = backup("c", COMPLETED, None, json!({"includedNamespaces": ["trading"]}));
        let theirs = backup("d", COMPLETED, None, json!({"includedNamespaces": ["billing"]}));
        let excluded = backup("e", COMPLETED, None, json!({"excludedNamespaces": ["trading"]}));
        for (object, covers) in [
            (&all, true),
            (&star, true),
            (&ours, true),
            (&theirs, false),
            (&excluded, false),
        ] {
            assert_eq!(covers_namespace(object, "trading"), covers, "{object}");
        }
    }

    #[test]
    fn only_completed_velero_backups_count_and_the_newest_sets_the_rpo() {
        let objects = [
            backup("old", COMPLETED, Some("2026-11-26T23:30:00Z"), json!({})),
            backup(
                "partial",
                "PartiallyFailed",
                Some("2026-11-27T00:10:00Z"),
                json!({}),
            ),
            backup("running", "InProgress", None, json!({})),
            backup(
                "elsewhere",
                COMPLETED,
                Some("2026-11-27T00:20:00Z"),
                json!({"includedNamespaces": ["billing"]}),
            ),
        ];
        let backups = namespace_backups(&objects, "trading");
        let names: Vec<&str> = backups.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["partial", "old", "running"], "newest first, ours only");
        assert_eq!(backups[0].schedule.as_deref(), Some("nightly"));
        let kube = KubeBackups {
            namespace: "trading".into(),
            cronjobs: Ok(vec![]),
            velero: Ok(Velero::Installed {
                schedules: vec![],
                backups,
            }),
        };
        assert_eq!(kube.completed_velero(), 1);
        assert_eq!(
            kube.newest_good_ms(),
            Some(T - 1_800_000),
            "the partial one is not trusted"
        );
    }

    #[test]
    fn the_newest_good_backup_is_across_cronjobs_and_velero() {
        let job = |ms| CronJobBackup {
            name: "backup".into(),
            schedule: String::new(),
            suspended: false,
            last_success_ms: ms,
            last_schedule_ms: None,
            active: 0,
        };
        let mut kube = KubeBackups {
            namespace: "trading".into(),
            cronjobs: Ok(vec![job(Some(T)), job(None)]),
            velero: Ok(Velero::NotInstalled),
        };
        assert_eq!(kube.newest_good_ms(), Some(T));
        kube.cronjobs = Err("forbidden".into());
        assert_eq!(kube.newest_good_ms(), None);
    }

    #[test]
    fn a_velero_schedule_reads_its_last_backup() {
        let schedule = velero_schedule(&json!({
            "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 2 * * *", "paused": true},
            "status": {"phase": "Enabled", "lastBackup": "2026-11-27T00:00:00Z"}
        }));
        assert_eq!(
            schedule,
            VeleroSchedule {
                name: "nightly".into(),
                schedule: "0 2 * * *".into(),
                paused: true,
                phase: "Enabled".into(),
                last_backup_ms: Some(T),
            }
        );
        let bare = velero_schedule(&json!({"metadata": {"name": "x"}}));
        assert_eq!((bare.phase.as_str(), bare.last_backup_ms), ("", None));
    }
}
