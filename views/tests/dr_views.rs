//! Snapshot tests of the DR screen, and the colours of its verdicts.

mod common;

use std::time::Duration;

use common::*;
use insta::assert_snapshot;
use mdops_views::Theme;
use mdops_views::model::*;
use ratatui::buffer::Buffer;

const T: i64 = 1_800_000_000_000;

fn backup(i: u64, verified: bool, problem: Option<&'static str>) -> BackupRowModel<'static> {
    BackupRowModel {
        id: "backup",
        created_at_ms: T - (i * 300_000) as i64,
        age: Duration::from_secs(190 + i * 300),
        size_bytes: 48_213 + i * 1_000,
        checksum_short: "9f86d081",
        verified,
        problem,
    }
}

fn healthy() -> DrStatusModel<'static> {
    DrStatusModel {
        backup_dir: Ok("backups"),
        schedule: Some(Duration::from_secs(300)),
        rpo: ObjectiveModel {
            current: Some(Duration::from_secs(190)),
            target: Duration::from_secs(900),
            state: ObjectiveState::Met,
        },
        rto: ObjectiveModel {
            current: Some(Duration::from_millis(420)),
            target: Duration::from_secs(1800),
            state: ObjectiveState::Met,
        },
        last_backup: Some(BackupRunModel {
            age: Duration::from_secs(190),
            ok: true,
            duration: Duration::from_millis(35),
            trigger: "schedule",
            error: None,
        }),
        last_drill: Some(DrillModel {
            age: Duration::from_secs(60),
            ok: true,
            backup_id: Some("backup-1800000000000"),
            duration: Duration::from_millis(420),
            checks: vec![
                "every file matches the manifest",
                "42 quotes and 1 incident restored",
            ],
            error: None,
        }),
        replication: ReplicationModel {
            state: "ok",
            healthy: true,
            standby: Some("http://standby:8080"),
            lag: Some(Duration::from_secs(40)),
            error: None,
        },
        backups: (0..12).map(|i| backup(i, i < 3, None)).collect(),
        storage_bytes: 612_000,
    }
}

/// RPO missed, the last drill failed, a corrupt backup, the standby down.
fn failing() -> DrStatusModel<'static> {
    let mut s = healthy();
    s.rpo = ObjectiveModel {
        current: Some(Duration::from_secs(3_700)),
        target: Duration::from_secs(900),
        state: ObjectiveState::Missed,
    };
    s.rto = ObjectiveModel {
        current: None,
        target: Duration::from_secs(1800),
        state: ObjectiveState::NoFigure,
    };
    s.last_backup = Some(BackupRunModel {
        age: Duration::from_secs(60),
        ok: false,
        duration: Duration::from_millis(3),
        trigger: "schedule",
        error: Some("No space left on device"),
    });
    s.last_drill = Some(DrillModel {
        age: Duration::from_secs(30),
        ok: false,
        backup_id: Some("backup-1799999000000"),
        duration: Duration::from_millis(12),
        checks: vec![],
        error: Some("quotes.json: checksum mismatch"),
    });
    s.replication = ReplicationModel {
        state: "unreachable",
        healthy: false,
        standby: Some("http://standby:8080"),
        lag: None,
        error: Some("Connection refused"),
    };
    s.backups = vec![
        backup(12, false, Some("checksum mismatch")),
        backup(13, true, None),
    ];
    s
}

fn view<'a>(model: DrModel<'a>) -> mdops_views::model::AppView<'a> {
    let mut v = app(header_all_connected(), BodyModel::Dr(model));
    v.tabs.selected = 5;
    v
}

fn one(status: Option<DrStatusModel<'static>>, problem: Option<&'static str>) -> DrModel<'static> {
    DrModel {
        problem,
        environments: vec![DrEnvironmentModel {
            name: "agent 127.0.0.1:8080 (embedded)",
            status,
            kube: None,
        }],
    }
}

#[test]
fn dr_120x30() {
    assert_snapshot!(draw(&view(one(Some(healthy()), None)), &Theme::default(), 120, 30).backend());
}

#[test]
fn dr_80x24() {
    assert_snapshot!(draw(&view(one(Some(healthy()), None)), &Theme::default(), 80, 24).backend());
}

#[test]
fn dr_missed_and_failed_120x30() {
    assert_snapshot!(draw(&view(one(Some(failing()), None)), &Theme::default(), 120, 30).backend());
}

#[test]
fn dr_failing_source_keeps_the_last_answer() {
    let problem = "agent /api/v1/dr unreachable since 12:00:00 UTC (Connection refused; attempt 3): last answer shown, RPO aged since";
    assert_snapshot!(
        draw(
            &view(one(Some(healthy()), Some(problem))),
            &Theme::default(),
            120,
            30
        )
        .backend()
    );
}

#[test]
fn dr_waiting_for_the_first_answer() {
    assert_snapshot!(draw(&view(one(None, None)), &Theme::default(), 80, 24).backend());
}

#[test]
fn dr_two_environments_side_by_side() {
    let model = DrModel {
        problem: None,
        environments: vec![
            DrEnvironmentModel {
                name: "prod-us",
                status: Some(healthy()),
                kube: None,
            },
            DrEnvironmentModel {
                name: "prod-eu",
                status: Some(failing()),
                kube: None,
            },
        ],
    };
    assert_snapshot!(draw(&view(model), &Theme::default(), 160, 30).backend());
}

/// A backup CronJob, a Velero schedule, a completed backup counted and a
/// partially failed one listed but not counted.
fn cluster_backups() -> KubeBackupsModel<'static> {
    KubeBackupsModel {
        namespace: "trading",
        rpo: ObjectiveModel {
            current: Some(Duration::from_secs(240)),
            target: Duration::from_secs(900),
            state: ObjectiveState::Met,
        },
        cronjobs: Ok(vec![CronJobRowModel {
            name: "backup-offsite",
            schedule: "*/15 * * * *",
            suspended: false,
            last_success: Some(Duration::from_secs(240)),
            active: 1,
        }]),
        velero: Ok(VeleroModel::Installed {
            schedules: vec![VeleroScheduleRowModel {
                name: "nightly",
                schedule: "0 2 * * *",
                paused: false,
                phase: "Enabled",
                last_backup: Some(Duration::from_secs(6 * 3600)),
            }],
            backups: vec![
                VeleroBackupRowModel {
                    name: "nightly-20261127020000",
                    phase: "PartiallyFailed",
                    completed: false,
                    age: Some(Duration::from_secs(6 * 3600)),
                    errors: 2,
                },
                VeleroBackupRowModel {
                    name: "nightly-20261126020000",
                    phase: "Completed",
                    completed: true,
                    age: Some(Duration::from_secs(30 * 3600)),
                    errors: 0,
                },
            ],
            completed: 1,
        }),
    }
}

fn with_cluster(kube: KubeBackupsModel<'static>) -> DrModel<'static> {
    let mut model = one(Some(healthy()), None);
    model.environments[0].kube = Some(kube);
    model
}

#[test]
fn dr_with_cluster_backups_120x40() {
    assert_snapshot!(draw(&view(with_cluster(cluster_backups())), &Theme::default(), 120, 40).backend());
}

#[test]
fn dr_cluster_backups_unreadable_and_velero_absent_80x24() {
    let mut kube = cluster_backups();
    kube.cronjobs = Err("CronJobs: cronjobs.batch is forbidden (403 Forbidden)");
    kube.velero = Ok(VeleroModel::NotInstalled);
    kube.rpo = ObjectiveModel {
        current: None,
        target: Duration::from_secs(900),
        state: ObjectiveState::NoFigure,
    };
    assert_snapshot!(draw(&view(with_cluster(kube)), &Theme::default(), 80, 24).backend());
}

#[test]
fn cluster_backups_not_counted_are_not_coloured_as_safe() {
    let theme = Theme::default();
    let buf = draw_buffer(&view(with_cluster(cluster_backups())), &theme, 120, 40);
    assert_eq!(style_of(&buf, "PartiallyFailed").fg, theme.warn.fg);
    assert_eq!(style_of(&buf, "Completed").fg, theme.ok.fg);
    assert_eq!(style_of(&buf, "2 errors").fg, theme.critical.fg);
}

fn style_of(buf: &Buffer, needle: &str) -> ratatui::style::Style {
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(x) = row.find(needle) {
            return buf[(x as u16, y)].style();
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn verdicts_carry_their_colour() {
    let theme = Theme::default();
    let met = draw_buffer(&view(one(Some(healthy()), None)), &theme, 120, 30);
    assert_eq!(style_of(&met, "MET").fg, theme.ok.fg);
    let bad = draw_buffer(&view(one(Some(failing()), None)), &theme, 120, 30);
    assert_eq!(style_of(&bad, "MISSED").fg, theme.critical.fg);
    assert_eq!(style_of(&bad, "NO DRILL").fg, theme.warn.fg);
    assert_eq!(style_of(&bad, "FAILED").fg, theme.critical.fg);
}

#[test]
fn dr_300x80() {
    let text = mdops_views::render_to_text(&view(one(Some(healthy()), None)), &Theme::default(), 300, 80);
    assert_snapshot!(text);
}
