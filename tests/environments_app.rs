//! Environments through `App::update`: the overview's tiles from the
//! active environment's state and the others' summaries (a failing read
//! keeps the last values), Enter jumping to a tile's screen after
//! switching, the switch command and what the switch resets, and the DR
//! screen's columns.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::{DrStatus, HealthStatus};
use mdops::app::environments::{EnvStart, SloStart};
use mdops::app::slos::SlosState;
use mdops::app::{ActionSettings, App, AppConfig, Command, IncidentSettings, Msg, Screen, SourceId};
use mdops::domain::env_summary::{EnvSummary, HealthSummary, Mover, SloCounts};
use mdops::slo::SloSet;
use mdops_views::model::{BodyModel, HealthLevel, ObjectiveState, OverviewModel, OverviewTile, TileBody};

const T0: i64 = 1_800_000_000_000;

fn app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "prod-us: agent http://us:1".to_string(),
        environment: "prod-us".to_string(),
        environments: vec!["prod-us".to_string(), "prod-eu".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentStream, SourceId::AgentDr],
        incidents: IncidentSettings::default(),
        actions: ActionSettings {
            agent_url: "http://us:1/".to_string(),
            ..ActionSettings::default()
        },
    };
    let mut app = App::new(config, SlosState::new(set, source), T0);
    app.screen = Screen::Overview;
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn dr_status(rpo_ms: u64) -> DrStatus {
    serde_json::from_value(serde_json::json!({
        "now": T0,
        "backup_dir": "backups",
        "backup_dir_error": null,
        "schedule_enabled": true,
        "interval_s": 300,
        "backups": [],
        "storage_bytes": 0,
        "rpo": {"current_ms": rpo_ms, "target_ms": 900_000, "met": rpo_ms <= 900_000},
        "rto": {"current_ms": null, "target_ms": 1_800_000, "met": false},
        "last_backup": null,
        "last_drill": null,
        "restored_at_start": null,
        "replication": {"state": "not_configured", "standby": null, "lag_ms": null, "error": null}
    }))
    .unwrap()
}

fn summary() -> EnvSummary {
    EnvSummary {
        health: Ok(HealthSummary {
            status: HealthStatus::Ok,
            data_age_ms: Some(300),
        }),
        dr: Ok(Box::new(dr_status(120_000))),
        incidents: Ok([0, 1, 0, 0]),
        movers: Ok(vec![Mover {
            symbol: "SAP".to_string(),
            price: 120.0,
            change_pct: -4.5,
        }]),
        slos: Some(Ok(SloCounts {
            page: 1,
            ticket: 0,
            ok: 3,
            unknown: 0,
        })),
    }
}

fn eu_summary(app: &mut App, summary: EnvSummary, at_ms: i64) {
    app.update(Msg::EnvironmentSummary {
        environment: "prod-eu".to_string(),
        summary: Box::new(summary),
        at_ms,
    });
}

fn overview(app: &App) -> OverviewModel<'_> {
    match app.view().body {
        BodyModel::Overview(m) => m,
        other => panic!("not the overview: {other:?}"),
    }
}

fn tile<'a>(m: &'a OverviewModel, env: usize, kind: OverviewTile) -> &'a mdops_views::model::TileModel<'a> {
    &m.environments[env].tiles[kind.index()]
}

#[test]
fn the_other_environment_shows_its_summary_and_keeps_it_when_a_read_fails() {
    let mut app = app();
    {
        let m = overview(&app);
        assert_eq!(m.environments.len(), 2);
        assert!(m.environments[0].active && !m.environments[1].active);
        assert!(matches!(
            tile(&m, 1, OverviewTile::Health).body,
            TileBody::Waiting
        ));
        assert!(matches!(
            tile(&m, 0, OverviewTile::Capacity).body,
            TileBody::CapacityUnknown
        ));
        assert!(matches!(
            tile(&m, 1, OverviewTile::Capacity).body,
            TileBody::CapacityWhenActive
        ));
    }
    eu_summary(&mut app, summary(), T0);
    app.update(Msg::Clock { now_ms: T0 + 2_000 });
    {
        let m = overview(&app);
        match &tile(&m, 1, OverviewTile::Health).body {
            TileBody::Health { status, data_age } => {
                assert_eq!(*status, HealthLevel::Ok);
                assert_eq!(
                    *data_age,
                    Some(Duration::from_millis(2_300)),
                    "aged since the answer"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            tile(&m, 1, OverviewTile::Slos).body,
            TileBody::Slos { page: 1, ok: 3, .. }
        ));
        assert!(matches!(
            tile(&m, 1, OverviewTile::Incidents).body,
            TileBody::Incidents([0, 1, 0, 0])
        ));
        match &tile(&m, 1, OverviewTile::Dr).body {
            TileBody::Dr { rpo, rto } => {
                assert_eq!(rpo.current, Some(Duration::from_millis(122_000)));
                assert_eq!(rpo.state, ObjectiveState::Met);
                assert_eq!(rto.state, ObjectiveState::NoFigure);
            }
            other => panic!("{other:?}"),
        }
        match &tile(&m, 1, OverviewTile::Movers).body {
            TileBody::Movers(movers) => assert_eq!(movers[0].symbol, "SAP"),
            other => panic!("{other:?}"),
        }
    }
    // Its agent stops answering: the error shows, the last values stay.
    let refused = "connection refused".to_string();
    eu_summary(
        &mut app,
        EnvSummary {
            health: Err(refused.clone()),
            dr: Err(refused.clone()),
            incidents: Err(refused.clone()),
            movers: Err(refused.clone()),
            slos: None,
        },
        T0 + 5_000,
    );
    let m = overview(&app);
    let health = tile(&m, 1, OverviewTile::Health);
    assert_eq!(health.error, Some("connection refused"));
    assert!(matches!(health.body, TileBody::Health { .. }), "last answer kept");
    assert!(matches!(
        tile(&m, 1, OverviewTile::Slos).body,
        TileBody::NoPrometheus
    ));
    assert_eq!(
        tile(&m, 1, OverviewTile::Incidents).error,
        Some("connection refused")
    );
}

#[test]
fn arrows_select_tiles_and_enter_on_another_environment_switches_then_jumps() {
    let mut app = app();
    assert_eq!(overview(&app).selected, (0, OverviewTile::Health));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(overview(&app).selected, (0, OverviewTile::Incidents));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Right);
    assert_eq!(overview(&app).selected, (1, OverviewTile::Slos));
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(overview(&app).selected, (0, OverviewTile::Slos), "wraps around");
    key(&mut app, KeyCode::Char('h'));
    for _ in 0..2 {
        key(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(overview(&app).selected, (1, OverviewTile::Dr));

    let commands = key(&mut app, KeyCode::Enter);
    assert_eq!(commands, vec![Command::SwitchEnvironment("prod-eu".to_string())]);
    assert_eq!(app.screen, Screen::Dr);
    assert_eq!(app.environments.switching_to.as_deref(), Some("prod-eu"));
    assert!(
        app.view()
            .status
            .message
            .unwrap()
            .contains("switching to prod-eu")
    );

    // Enter on the active environment's tile only jumps.
    let mut app = self::app();
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(overview(&app).selected, (0, OverviewTile::Movers));
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.screen, Screen::Prices);
}

#[test]
fn switching_to_an_unknown_or_the_current_environment_is_refused() {
    let mut app = app();
    assert!(app.switch_environment("prod-ap").is_empty());
    let notice = app.notice.clone().unwrap().0;
    assert!(
        notice.contains("unknown environment `prod-ap`") && notice.contains("prod-us, prod-eu"),
        "{notice}"
    );
    assert!(app.switch_environment("prod-us").is_empty());
    assert!(app.notice.clone().unwrap().0.contains("already on prod-us"));
    assert_eq!(
        app.switch_environment("prod-eu"),
        vec![Command::SwitchEnvironment("prod-eu".to_string())]
    );
}

#[test]
fn the_switch_resets_the_old_environment_and_keeps_the_screen() {
    let mut app = app();
    app.update(Msg::Symbols {
        symbols: vec!["AAPL".to_string()],
        at_ms: T0,
    });
    app.update(Msg::Dr {
        status: Box::new(dr_status(60_000)),
        at_ms: T0,
    });
    eu_summary(&mut app, summary(), T0);
    app.screen = Screen::Slos;
    app.switch_environment("prod-eu");
    app.update(Msg::EnvironmentSwitched {
        start: Box::new(EnvStart {
            name: "prod-eu".to_string(),
            target: "prod-eu: agent http://eu:1".to_string(),
            sources: vec![SourceId::AgentApi, SourceId::Prometheus],
            alertmanager: Some("http://am-eu:9093/".to_string()),
            kube: None,
            kube_error: None,
            agent_url: "http://eu:1/".to_string(),
            slo: SloStart::Prometheus {
                url: "http://prom-eu:9090".to_string(),
            },
        }),
        at_ms: T0 + 1_000,
    });
    assert_eq!(app.screen, Screen::Slos, "the screen stays");
    assert_eq!(app.config.environment, "prod-eu");
    assert_eq!(app.config.target, "prod-eu: agent http://eu:1");
    assert_eq!(app.view().header.target, "prod-eu: agent http://eu:1");
    assert_eq!(app.config.sources, [SourceId::AgentApi, SourceId::Prometheus]);
    assert!(app.prices.symbols.is_empty(), "prod-us's prices are gone");
    assert!(app.dr.status.is_none());
    assert_eq!(app.slos.source_text, "Prometheus http://prom-eu:9090");
    assert_eq!(
        app.config.incidents.alertmanager.as_deref(),
        Some("http://am-eu:9093/")
    );
    assert_eq!(app.environments.switching_to, None);
    assert!(app.notice.clone().unwrap().0.contains("now on prod-eu"));
    // The overview now reads prod-eu from the app and prod-us from its summary.
    app.screen = Screen::Overview;
    let m = overview(&app);
    assert!(m.environments[1].active && !m.environments[0].active);
    assert!(matches!(
        tile(&m, 0, OverviewTile::Health).body,
        TileBody::Waiting
    ));
}

#[test]
fn the_dr_screen_shows_every_environment_side_by_side() {
    let mut app = app();
    app.update(Msg::Dr {
        status: Box::new(dr_status(60_000)),
        at_ms: T0,
    });
    eu_summary(&mut app, summary(), T0);
    app.screen = Screen::Dr;
    let BodyModel::Dr(model) = app.view().body else {
        panic!("not the DR screen");
    };
    let names: Vec<&str> = model.environments.iter().map(|e| e.name).collect();
    assert_eq!(names, ["prod-us", "prod-eu"]);
    let rpo = |i: usize| model.environments[i].status.as_ref().unwrap().rpo.current;
    assert_eq!(
        rpo(0),
        Some(Duration::from_millis(60_000)),
        "prod-us from its DR source"
    );
    assert_eq!(
        rpo(1),
        Some(Duration::from_millis(120_000)),
        "prod-eu from its summary"
    );
}

#[test]
fn a_summary_of_an_environment_not_configured_here_adds_it() {
    // As in a replay, which learns the environments from the recording.
    let mut app = app();
    app.update(Msg::EnvironmentSummary {
        environment: "prod-ap".to_string(),
        summary: Box::new(summary()),
        at_ms: T0,
    });
    assert_eq!(app.config.environments, ["prod-us", "prod-eu", "prod-ap"]);
    let m = overview(&app);
    assert_eq!(m.environments[2].name, "prod-ap");
    assert!(matches!(
        tile(&m, 2, OverviewTile::Health).body,
        TileBody::Health { .. }
    ));
}
