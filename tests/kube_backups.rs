//! The cluster's backups for the DR screen, read through kube-rs from the
//! in-process fake API server: backup CronJobs by name or label, Velero
//! absent (its CRDs 404) or present (Schedules, and only the namespace's
//! Backups, of which only `Completed` ones count), a part refused by RBAC
//! failing alone; then end to end, the real `mdops` in tmux shows them on
//! the DR screen and `mdops snapshot --format json` reports them.

mod common;

use std::time::Duration;

use common::fake_kube::{FakeKube, NAMESPACE, Resource};
use common::scratch_dir;
use common::tmux::{Tmux, mdops_bin};
use mdops::domain::kube_backups::{KubeBackups, Velero};
use mdops::sources::kube::{BackupSources, KubeConnection, KubeTarget, connect, read_backups};
use serde_json::{Value, json};

fn cronjob(name: &str, labels: Value, last_success: Option<&str>) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}},
        "status": {"lastSuccessfulTime": last_success}
    })
}

fn velero_backup(name: &str, phase: &str, completed: &str, namespaces: &[&str]) -> Value {
    json!({
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "metadata": {"name": name, "namespace": "velero", "labels": {"velero.io/schedule-name": "nightly"}},
        "spec": {"includedNamespaces": namespaces},
        "status": {"phase": phase, "startTimestamp": completed, "completionTimestamp": completed}
    })
}

/// Two backup CronJobs (by name, by label) and an unrelated one.
fn with_cronjobs() -> FakeKube {
    let fake = FakeKube::start();
    fake.put(
        Resource::CronJobs,
        cronjob("backup-offsite", json!({}), Some("2026-11-27T08:00:00Z")),
    );
    fake.put(
        Resource::CronJobs,
        cronjob("dump", json!({"mdops.io/backup": "true"}), None),
    );
    fake.put(Resource::CronJobs, cronjob("report", json!({}), None));
    fake
}

fn with_velero(fake: &FakeKube) {
    fake.install_velero();
    fake.put(
        Resource::VeleroSchedules,
        json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": "nightly", "namespace": "velero"},
            "spec": {"schedule": "0 2 * * *"},
            "status": {"phase": "Enabled", "lastBackup": "2026-11-27T02:00:00Z"}
        }),
    );
    fake.put(
        Resource::VeleroBackups,
        velero_backup("nightly-1", "Completed", "2026-11-26T02:00:00Z", &[NAMESPACE]),
    );
    fake.put(
        Resource::VeleroBackups,
        velero_backup("nightly-2", "PartiallyFailed", "2026-11-27T02:00:00Z", &[]),
    );
    fake.put(
        Resource::VeleroBackups,
        velero_backup("billing-1", "Completed", "2026-11-27T09:00:00Z", &["billing"]),
    );
}

async fn connect_to(fake: &FakeKube) -> KubeConnection {
    let dir = scratch_dir("mdops-kube-backups");
    let target = KubeTarget {
        kubeconfig: Some(fake.write_kubeconfig(&dir)),
        ..KubeTarget::default()
    };
    let conn = connect(&target).await.expect("connecting through the kubeconfig");
    let _ = std::fs::remove_dir_all(&dir);
    conn
}

async fn read(fake: &FakeKube) -> KubeBackups {
    read_backups(&connect_to(fake).await, &BackupSources::default()).await
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

#[tokio::test]
async fn backup_cronjobs_are_read_and_a_cluster_without_velero_is_not_an_error() {
    let fake = with_cronjobs();
    let backups = read(&fake).await;
    assert_eq!(backups.namespace, NAMESPACE);
    let jobs = backups.cronjobs.as_ref().expect("CronJobs read");
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(
        names,
        ["backup-offsite", "dump"],
        "by name and by label, not `report`"
    );
    assert_eq!(jobs[0].schedule, "*/15 * * * *");
    assert_eq!(jobs[0].last_success_ms, Some(ms("2026-11-27T08:00:00Z")));
    assert_eq!(jobs[1].last_success_ms, None);
    assert_eq!(backups.velero, Ok(Velero::NotInstalled));
    assert_eq!(backups.newest_good_ms(), Some(ms("2026-11-27T08:00:00Z")));
}

#[tokio::test]
async fn velero_backups_of_the_namespace_count_only_when_completed() {
    let fake = with_cronjobs();
    with_velero(&fake);
    let backups = read(&fake).await;
    let Ok(Velero::Installed {
        schedules,
        backups: listed,
    }) = &backups.velero
    else {
        panic!("Velero read: {:?}", backups.velero);
    };
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].name, "nightly");
    assert_eq!(schedules[0].last_backup_ms, Some(ms("2026-11-27T02:00:00Z")));
    let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["nightly-2", "nightly-1"], "billing's backup is not ours");
    assert_eq!(backups.completed_velero(), 1);
    assert_eq!(
        backups.newest_good_ms(),
        Some(ms("2026-11-27T08:00:00Z")),
        "the CronJob's success is newer than the only completed Velero backup"
    );
}

#[tokio::test]
async fn a_part_refused_by_rbac_fails_alone_with_the_servers_words() {
    let fake = with_cronjobs();
    with_velero(&fake);
    fake.forbid(Resource::CronJobs);
    let backups = read(&fake).await;
    let error = backups.cronjobs.expect_err("CronJobs are forbidden");
    assert!(
        error.starts_with("CronJobs: ") && error.contains("forbidden") && error.contains("403"),
        "{error}"
    );
    assert!(matches!(backups.velero, Ok(Velero::Installed { .. })));
    fake.forbid(Resource::VeleroSchedules);
    let backups = read(&fake).await;
    let error = backups.velero.expect_err("Velero is forbidden");
    assert!(error.starts_with("Velero: ") && error.contains("403"), "{error}");
}

/// The real binary against its embedded agent and the fake cluster.
fn console_command(fake: &FakeKube, dir: &std::path::Path, args: &str) -> String {
    let kubeconfig = fake.write_kubeconfig(dir);
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[actions]\naudit_file = \"{}\"\n[dr]\nkube_interval_ms = 1000\n",
            dir.join("audit.jsonl").display()
        ),
    )
    .unwrap();
    format!(
        "KUBECONFIG='{}' '{}' --config '{}' --namespace {NAMESPACE} {args}",
        kubeconfig.display(),
        mdops_bin().display(),
        config.display()
    )
}

#[test]
fn the_dr_screen_and_the_snapshot_show_the_clusters_backups() {
    let fake = with_cronjobs();
    with_velero(&fake);
    let dir = scratch_dir("mdops-kube-backups-e2e");

    let tmux = Tmux::start(&console_command(&fake, &dir, ""), 140, 45);
    tmux.keys(&["5"]);
    let screen = tmux.wait_for(
        "the cluster's backups on the DR screen",
        Duration::from_secs(30),
        |s| {
            s.contains("cluster RPO") && s.contains("backup-offsite") && s.contains("1 completed of 2 listed")
        },
    );
    assert!(screen.contains("PartiallyFailed nightly-2"), "{screen}");
    assert!(!screen.contains("cronjob      report"), "{screen}");
    drop(tmux);

    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(console_command(&fake, &dir, "snapshot --format json --wait 20"))
        .output()
        .expect("running mdops snapshot");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let cluster = &report["dr"]["cluster_backups"];
    assert_eq!(cluster["namespace"], NAMESPACE);
    assert_eq!(cluster["velero_completed"], 1);
    assert_eq!(cluster["cronjobs"]["Ok"][0]["name"], "backup-offsite");
    assert!(cluster["rpo_s"].as_f64().is_some_and(|s| s > 0.0), "{cluster}");
    let _ = std::fs::remove_dir_all(&dir);
}
