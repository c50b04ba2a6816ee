//! The timeline screen's behaviour, driven through `App::update` alone:
//! events from the sources' messages (a repeated poll adds nothing), the
//! selection staying on its event as newer ones arrive, the kind,
//! environment and text filters, and Enter going to the event's screen
//! with its subject selected.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::{Incident, IncidentStatus, Severity};
use mdops::actions::audit::{AuditEntry, Phase};
use mdops::app::slos::SlosState;
use mdops::app::{App, AppConfig, IncidentSettings, Msg, Screen, SourceId};
use mdops::slo::SloSet;
use mdops_views::model::{BodyModel, TimelineKind, TimelineModel};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "agent test".to_string(),
        environment: "prod-eu".to_string(),
        environments: vec!["prod-eu".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentIncidents],
        incidents: IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    };
    let mut app = App::new(config, SlosState::new(set, source), T0);
    key(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen, Screen::Timeline);
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn incident(id: &str, started_at: i64, resolved_at: Option<i64>) -> Incident {
    Incident {
        id: id.to_string(),
        title: format!("Price anomaly on {id}"),
        severity: Severity::Sev2,
        status: if resolved_at.is_some() {
            IncidentStatus::Resolved
        } else {
            IncidentStatus::Triggered
        },
        labels: BTreeMap::from([("symbol".to_string(), id.to_string())]),
        dedup_key: format!("price_anomaly:symbol:{id}"),
        started_at,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at,
        resolved_by: resolved_at.map(|_| "auto".to_string()),
        timeline: Vec::new(),
    }
}

fn incidents(app: &mut App, list: Vec<Incident>, at_ms: i64) {
    app.update(Msg::AgentIncidents {
        incidents: list,
        at_ms,
    });
}

fn audit(action: &str, time: &str) -> AuditEntry {
    AuditEntry {
        time: time.to_string(),
        phase: Phase::Finished,
        user: "ana".to_string(),
        context: BTreeMap::new(),
        action: action.to_string(),
        kind: "agent.failover".to_string(),
        target: None,
        params: BTreeMap::new(),
        dry_run: false,
        result: Some("ok".to_string()),
        error: None,
        duration_ms: Some(30),
        message: None,
    }
}

fn model(app: &App) -> TimelineModel<'_> {
    match app.view().body {
        BodyModel::Timeline(m) => m,
        other => panic!("not the timeline: {other:?}"),
    }
}

fn titles(app: &App) -> Vec<String> {
    model(app).rows.iter().map(|r| r.title.to_string()).collect()
}

fn selected_title(app: &App) -> Option<String> {
    let m = model(app);
    m.selected.map(|i| m.rows[i].title.to_string())
}

#[test]
fn events_come_from_the_sources_newest_first_and_a_repeated_poll_adds_nothing() {
    let mut app = app();
    assert!(model(&app).rows.is_empty());
    incidents(&mut app, vec![incident("AAPL", T0, None)], T0 + 1_000);
    incidents(&mut app, vec![incident("AAPL", T0, None)], T0 + 3_000);
    app.update(Msg::Audit {
        entries: vec![audit("failover", "2027-01-15T08:01:00.000Z")],
        at_ms: T0 + 61_000,
    });
    incidents(
        &mut app,
        vec![incident("AAPL", T0, Some(T0 + 2 * MIN))],
        T0 + 2 * MIN + 500,
    );
    assert_eq!(
        titles(&app),
        [
            "SEV2 Price anomaly on AAPL resolved by auto",
            "failover by ana: ok",
            "SEV2 Price anomaly on AAPL opened",
        ]
    );
    let m = model(&app);
    assert_eq!(m.total, 3);
    assert!(m.rows.iter().all(|r| r.environment == "prod-eu"));
    assert_eq!(m.rows[1].kind, TimelineKind::Action);
    let detail = m.detail.expect("the newest is selected");
    assert_eq!(detail.related, "Incidents");
    assert!(detail.when.starts_with("2027-01-15T08:02:00"), "{}", detail.when);
}

#[test]
fn the_selection_stays_on_its_event_as_newer_ones_arrive() {
    let mut app = app();
    incidents(
        &mut app,
        vec![incident("AAPL", T0, None), incident("MSFT", T0 + MIN, None)],
        T0 + MIN,
    );
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on AAPL opened")
    );
    incidents(
        &mut app,
        vec![
            incident("AAPL", T0, None),
            incident("MSFT", T0 + MIN, None),
            incident("TSLA", T0 + 2 * MIN, None),
        ],
        T0 + 2 * MIN,
    );
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on AAPL opened")
    );
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on TSLA opened")
    );
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on AAPL opened")
    );
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on MSFT opened")
    );
}

#[test]
fn kind_keys_environment_and_text_filter_narrow_the_list() {
    let mut app = app();
    incidents(&mut app, vec![incident("AAPL", T0, None)], T0 + 1_000);
    app.update(Msg::Audit {
        entries: vec![audit("failover", "2027-01-15T08:01:00.000Z")],
        at_ms: T0 + 61_000,
    });
    key(&mut app, KeyCode::Char('i'));
    assert_eq!(titles(&app), ["failover by ana: ok"]);
    let m = model(&app);
    assert!(
        m.kinds
            .iter()
            .any(|&(kind, key, shown)| kind == TimelineKind::Incident && key == "i" && !shown)
    );
    key(&mut app, KeyCode::Char('i'));
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(titles(&app), ["SEV2 Price anomaly on AAPL opened"]);
    key(&mut app, KeyCode::Char('u'));

    key(&mut app, KeyCode::Char('E'));
    assert_eq!(model(&app).environment, Some("prod-eu"));
    assert_eq!(titles(&app).len(), 2);
    key(&mut app, KeyCode::Char('E'));
    assert_eq!(model(&app).environment, None, "one environment: back to all");

    key(&mut app, KeyCode::Char('/'));
    for c in "FAILover".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    // Keys type while the filter is edited: `i` did not toggle a kind.
    assert_eq!(app.timeline.filter.text, "FAILover");
    key(&mut app, KeyCode::Enter);
    assert_eq!(titles(&app), ["failover by ana: ok"]);
    assert_eq!(app.view().status.filter.map(|f| f.text), Some("FAILover"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(titles(&app).len(), 2);
}

#[test]
fn enter_goes_to_the_events_screen_with_its_subject_selected() {
    let mut app = app();
    incidents(
        &mut app,
        vec![
            incident("AAPL", T0, Some(T0 + MIN)),
            incident("MSFT", T0 + 2 * MIN, None),
        ],
        T0 + 2 * MIN,
    );
    // The AAPL incident (no service label: a row of its own), resolved:
    // hidden on the incidents screen until shown.
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(
        selected_title(&app).as_deref(),
        Some("SEV2 Price anomaly on AAPL opened")
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Incidents);
    assert!(app.incidents.show_resolved);
    let row = app.incidents.selected_row().expect("a row is selected");
    assert!(row.signals.iter().any(|s| s.key == "incident:AAPL"), "{row:?}");

    key(&mut app, KeyCode::Char('7'));
    app.update(Msg::Audit {
        entries: vec![audit("failover", "2027-01-15T08:05:00.000Z")],
        at_ms: T0 + 5 * MIN,
    });
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.screen,
        Screen::Prices,
        "a failover concerns the agent's sources"
    );
}
