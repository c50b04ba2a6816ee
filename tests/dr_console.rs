//! The DR screen, driven through `App::update`: figures and verdicts from
//! the agent's answer, the RPO ageing past its target, a failing source,
//! the `b` / `d` keys going through the audited runbook actions; and a
//! restore drill run through the console's action path against a real
//! agent, seen on the screen's model and in `mdops snapshot --format json`.

mod common;

use std::process::Command as Process;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::{
    DrBackup, DrBackupRun, DrDrill, DrObjective, DrReplication, DrStatus, ReplicationState,
};
use market_data_agent::{AdminToken, AgentConfig};
use mdops::actions::audit::{AuditLog, read_entries};
use mdops::actions::engine::{Engine, Outcome};
use mdops::actions::prepare::Request;
use mdops::actions::runbook::Kind;
use mdops::app::slos::SlosState;
use mdops::app::{ActionSettings, App, AppConfig, Command, IncidentSettings, Link, Msg, Screen, SourceId};
use mdops::slo::SloSet;
use mdops::sources::agent::AgentClient;
use mdops_views::model::{BodyModel, DrStatusModel, ObjectiveState};

const T0: i64 = 1_800_000_000_000;
const MINUTE: u64 = 60_000;

fn app(agent_url: &str) -> App {
    app_at(agent_url, T0)
}

fn app_at(agent_url: &str, now_ms: i64) -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "agent test".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentDr],
        incidents: IncidentSettings {
            author: "ann".to_string(),
            ..IncidentSettings::default()
        },
        actions: ActionSettings {
            agent_url: agent_url.to_string(),
            ..ActionSettings::default()
        },
    };
    let mut app = App::new(config, SlosState::new(set, source), now_ms);
    app.screen = Screen::Dr;
    app
}

fn key(app: &mut App, c: char) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

fn enter(app: &mut App) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)))
}

fn backup(id: &str, created_at: i64, verified: bool) -> DrBackup {
    DrBackup {
        id: id.to_string(),
        created_at,
        size_bytes: 4_321,
        checksum: "0123456789abcdef0123456789abcdef".to_string(),
        verified,
        verified_at: verified.then_some(created_at),
        problem: None,
    }
}

/// Two backups, the newest 4 minutes old; a 1.5 s drill of it.
fn status() -> DrStatus {
    let newest = T0 - 4 * MINUTE as i64;
    DrStatus {
        now: T0,
        backup_dir: Some("backups".to_string()),
        backup_dir_error: None,
        schedule_enabled: true,
        interval_s: 300,
        backups: vec![
            backup("backup-2", newest, true),
            backup("backup-1", newest - 5 * MINUTE as i64, false),
        ],
        storage_bytes: 8_642,
        rpo: DrObjective {
            current_ms: Some(4 * MINUTE),
            target_ms: 15 * MINUTE,
            met: true,
        },
        rto: DrObjective {
            current_ms: Some(1_500),
            target_ms: 30 * MINUTE,
            met: true,
        },
        last_backup: Some(DrBackupRun {
            at: newest,
            ok: true,
            duration_ms: 20,
            trigger: "schedule".to_string(),
            backup: None,
            error: None,
        }),
        last_drill: Some(DrDrill {
            at: T0 - MINUTE as i64,
            ok: true,
            backup_id: Some("backup-2".to_string()),
            duration_ms: 1_500,
            checks: vec!["manifest checksums match".to_string()],
            error: None,
        }),
        restored_at_start: None,
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

fn dr_status(app: &App) -> DrStatusModel<'_> {
    let BodyModel::Dr(model) = app.view().body else {
        panic!("the DR screen is live");
    };
    let env = model.environments.into_iter().next().expect("one environment");
    env.status.expect("an answer was received")
}

#[test]
fn figures_and_verdicts_come_from_the_answer_and_the_rpo_ages_past_its_target() {
    let mut app = app("http://127.0.0.1:1/");
    let BodyModel::Dr(model) = app.view().body else {
        panic!("the DR screen is live");
    };
    assert_eq!(model.environments.len(), 1);
    assert_eq!(model.environments[0].name, "agent test");
    assert!(
        model.environments[0].status.is_none(),
        "nothing shown before the first answer"
    );

    app.update(Msg::Dr {
        status: Box::new(status()),
        at_ms: T0,
    });
    let s = dr_status(&app);
    assert_eq!(s.rpo.current, Some(Duration::from_secs(240)));
    assert_eq!(s.rpo.target, Duration::from_secs(900));
    assert_eq!(s.rpo.state, ObjectiveState::Met);
    assert_eq!(s.rto.current, Some(Duration::from_millis(1_500)));
    assert_eq!(s.rto.state, ObjectiveState::Met);
    assert_eq!(s.backups.len(), 2);
    assert_eq!(s.backups[0].checksum_short, "01234567");
    assert!(s.backups[0].verified && !s.backups[1].verified);
    assert_eq!(s.backups[0].age, Duration::from_secs(240));
    assert_eq!(s.schedule, Some(Duration::from_secs(300)));
    let drill = s.last_drill.expect("the last drill");
    assert_eq!(drill.backup_id, Some("backup-2"));
    assert_eq!(drill.checks, ["manifest checksums match"]);
    assert_eq!(s.replication.state, "not configured");

    // No new answer for 11 minutes: the RPO is 15 minutes and one second.
    app.update(Msg::Clock {
        now_ms: T0 + 11 * MINUTE as i64 + 1_000,
    });
    let s = dr_status(&app);
    assert_eq!(s.rpo.current, Some(Duration::from_secs(15 * 60 + 1)));
    assert_eq!(s.rpo.state, ObjectiveState::Missed);
    assert_eq!(s.backups[0].age, Duration::from_secs(15 * 60 + 1));
    assert_eq!(s.rto.state, ObjectiveState::Met, "the RTO does not age");
}

#[test]
fn no_backup_and_no_drill_are_said_in_words() {
    let mut app = app("http://127.0.0.1:1/");
    let mut empty = status();
    empty.backups.clear();
    empty.rpo.current_ms = None;
    empty.rpo.met = false;
    empty.rto.current_ms = None;
    empty.rto.met = false;
    empty.last_drill = None;
    app.update(Msg::Dr {
        status: Box::new(empty),
        at_ms: T0,
    });
    let s = dr_status(&app);
    assert_eq!(s.rpo.state, ObjectiveState::NoFigure);
    assert_eq!(s.rto.state, ObjectiveState::NoFigure);
    let text = mdops_views::render_to_text(&app.view(), &mdops_views::Theme::default(), 100, 24);
    assert!(text.contains("NO BACKUP"), "{text}");
    assert!(text.contains("NO DRILL"), "{text}");
    assert!(text.contains("no backup yet"), "{text}");
}

#[test]
fn a_failing_source_shows_a_banner_and_keeps_the_last_answer() {
    let mut app = app("http://127.0.0.1:1/");
    app.update(Msg::Dr {
        status: Box::new(status()),
        at_ms: T0,
    });
    app.update(Msg::Link {
        source: SourceId::AgentDr,
        link: Link::Reconnecting {
            attempt: 2,
            last_error: "Connection refused".to_string(),
        },
        at_ms: T0 + 5_000,
    });
    let BodyModel::Dr(model) = app.view().body else {
        panic!("the DR screen is live");
    };
    let problem = model.problem.expect("a banner");
    assert!(problem.contains("Connection refused"), "{problem}");
    assert!(problem.contains("last answer shown"), "{problem}");
    assert!(model.environments[0].status.is_some(), "last values kept");

    app.update(Msg::Dr {
        status: Box::new(status()),
        at_ms: T0 + 10_000,
    });
    let BodyModel::Dr(model) = app.view().body else {
        panic!("the DR screen is live");
    };
    assert!(model.problem.is_none(), "the banner goes with the next answer");
}

fn run_of(commands: &[Command]) -> (u64, Request) {
    match commands {
        [Command::Run { id, request }] => (*id, (**request).clone()),
        other => panic!("expected one run, got {other:?}"),
    }
}

#[test]
fn b_and_d_start_the_audited_runbook_actions_after_a_confirmation() {
    let mut app = app("http://127.0.0.1:1/");
    for (c, action, kind, route) in [
        (
            'b',
            "backup-now",
            Kind::AgentBackupNow,
            "POST /api/v1/actions/backup_now",
        ),
        (
            'd',
            "restore-drill",
            Kind::AgentRestoreDrill,
            "POST /api/v1/actions/restore_drill",
        ),
    ] {
        assert!(key(&mut app, c).is_empty(), "the key only opens the confirmation");
        let dialog = app.view().dialog.expect("a confirmation");
        assert!(dialog.lines.iter().any(|l| l.contains(route)), "{dialog:?}");
        let (id, request) = run_of(&enter(&mut app));
        assert_eq!(request.action.name, action);
        assert_eq!(request.action.kind, kind);
        assert_eq!(request.user, "ann");
        assert!(!request.dry_run);
        let done = app.update(Msg::RunDone {
            id,
            outcome: Outcome {
                ok: true,
                summary: "done".to_string(),
                duration: Duration::from_millis(30),
            },
        });
        assert!(
            done.contains(&Command::FetchDr),
            "the figures are read again: {done:?}"
        );
    }
    // Elsewhere, `b` and `d` are not DR keys.
    app.screen = Screen::Slos;
    assert!(key(&mut app, 'b').is_empty());
    assert!(app.view().dialog.is_none());
}

/// A restore drill through the console's action path (keys, confirmation,
/// the audited engine) against a real agent; then the figures on the DR
/// screen's model and in `mdops snapshot --format json`.
#[test]
fn a_drill_run_from_the_console_shows_rpo_and_rto_on_screen_and_in_the_snapshot() {
    const TOKEN: &str = "console-dr-test-token-0123456789";
    let scratch = common::scratch_dir("mdops-dr-console");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").unwrap();
    config.set_symbols("5").unwrap();
    config.dr.dir = scratch.join("backups").display().to_string();
    config.dr.enabled = false;
    config.admin_token = Some(AdminToken::new(TOKEN).unwrap());
    let agent = runtime.block_on(market_data_agent::spawn(config)).unwrap();
    let url = format!("http://{}/", agent.addr());
    let client = AgentClient::new(&url, Duration::from_secs(10))
        .unwrap()
        .with_token(Some(TOKEN.to_string()));
    let audit_path = scratch.join("audit.jsonl");
    let engine = Engine {
        agent: client.clone(),
        alertmanager: None,
        kube: None,
        audit: AuditLog::open(&audit_path).unwrap(),
    };

    let mut app = app_at(&url, mdops::sources::now_ms());
    let read_dr = |app: &mut App| {
        let msg = runtime.block_on(mdops::sources::dr::read(&client)).unwrap();
        app.update(msg);
    };
    read_dr(&mut app);
    assert_eq!(
        dr_status(&app).rpo.state,
        ObjectiveState::NoFigure,
        "no backup yet"
    );

    for c in ['b', 'd'] {
        key(&mut app, c);
        let (id, request) = run_of(&enter(&mut app));
        let (lines, _) = tokio::sync::mpsc::channel(8);
        let outcome = runtime.block_on(engine.run(&request, lines));
        assert!(outcome.ok, "{c}: {}", outcome.summary);
        let commands = app.update(Msg::RunDone { id, outcome });
        assert!(commands.contains(&Command::FetchDr));
        read_dr(&mut app);
    }

    let s = dr_status(&app);
    assert_eq!(s.rpo.state, ObjectiveState::Met);
    let rpo = s.rpo.current.expect("an RPO figure");
    assert!(
        rpo < Duration::from_secs(60),
        "the backup was just taken: {rpo:?}"
    );
    assert_eq!(s.rto.state, ObjectiveState::Met);
    let rto = s.rto.current.expect("an RTO figure");
    let drill = s.last_drill.expect("the drill");
    assert!(drill.ok);
    assert_eq!(rto, drill.duration, "the RTO is the drill's duration");
    assert_eq!(drill.backup_id, Some(s.backups[0].id));
    assert!(s.backups[0].verified, "the drill verified the backup");

    let actions: Vec<String> = read_entries(&audit_path)
        .unwrap()
        .into_iter()
        .map(|e| format!("{:?} {}", e.phase, e.action))
        .collect();
    assert_eq!(
        actions,
        [
            "Started backup-now",
            "Finished backup-now",
            "Started restore-drill",
            "Finished restore-drill"
        ]
    );

    let state = scratch.join("state");
    let output = Process::new(env!("CARGO_BIN_EXE_mdops"))
        .args(["snapshot", "--format", "json", "--agent", &url])
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .expect("mdops runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {stderr}", output.status);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let dr = &report["dr"];
    assert_eq!(dr["rpo_met"], true, "{dr}");
    assert_eq!(dr["rto_met"], true, "{dr}");
    assert!(dr["rpo_s"].as_f64().unwrap() < 60.0, "{dr}");
    assert_eq!(dr["rpo_target_s"], 900.0);
    assert_eq!(dr["rto_target_s"], 1800.0);
    assert_eq!(
        dr["rto_s"].as_f64().unwrap(),
        rto.as_secs_f64(),
        "the same figure as on screen"
    );
    assert_eq!(dr["backups"], 1);
    assert_eq!(dr["last_drill"]["ok"], true);
    assert_eq!(dr["last_drill"]["backup_id"].as_str(), Some(s.backups[0].id));
    runtime.block_on(agent.shutdown()).unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
}
