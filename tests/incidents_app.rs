//! The incidents screen's behaviour, driven through `App::update` alone:
//! rows from both sources, filter and toggle, the header counts, and every
//! action from key to the command it asks for (or the refusal).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::{Incident, IncidentStatus, Severity, TimelineEntry};
use mdops::app::slos::SlosState;
use mdops::app::{ActionStep, App, AppConfig, Command, IncidentSettings, Link, Msg, Screen, SourceId};
use mdops::slo::SloSet;
use mdops::sources::alertmanager::{
    Alert, AlertGroup, AlertState, AlertStatus, Matcher, Silence, SilenceState,
};
use mdops_views::model::{BodyModel, IncidentStatusModel, IncidentsModel, SeverityModel};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const SVC: &str = "market-data-agent";

fn app_with(read_only: bool, alertmanager: bool) -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let mut sources = vec![
        SourceId::AgentApi,
        SourceId::AgentStream,
        SourceId::AgentIncidents,
    ];
    if alertmanager {
        sources.push(SourceId::Alertmanager);
    }
    let config = AppConfig {
        target: "agent test".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources,
        incidents: IncidentSettings {
            author: "ann".to_string(),
            read_only,
            ack_duration: Duration::from_secs(15 * 60),
            alertmanager: alertmanager.then(|| "http://127.0.0.1:9093/".to_string()),
        },
        actions: mdops::app::ActionSettings::default(),
    };
    let mut app = App::new(config, SlosState::new(set, source), T0);
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.screen, Screen::Incidents);
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn incident(id: &str, severity: Severity, component: &str, started_at: i64) -> Incident {
    Incident {
        id: id.to_string(),
        title: format!("{component} trouble ({id})"),
        severity,
        status: IncidentStatus::Triggered,
        labels: labels(&[("service", SVC), ("component", component), ("kind", "feed_stale")]),
        dedup_key: format!("feed_stale:{id}"),
        started_at,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        timeline: vec![TimelineEntry {
            at: started_at,
            kind: TimelineEntry::DETECTED.to_string(),
            text: "no tick for 12s".to_string(),
            author: None,
        }],
    }
}

fn alert(fp: &str, name: &str, component: &str, starts_at: i64, silenced_by: &[&str]) -> Alert {
    Alert {
        fingerprint: fp.to_string(),
        labels: labels(&[
            ("alertname", name),
            ("service", SVC),
            ("component", component),
            ("severity", "page"),
        ]),
        annotations: labels(&[
            ("summary", "Feed stale for AAPL"),
            ("runbook_url", "https://runbooks.example/feed-stale"),
        ]),
        starts_at,
        ends_at: T0 + 1000 * MIN,
        updated_at: starts_at,
        generator_url: None,
        receivers: vec!["page".to_string()],
        status: AlertStatus {
            state: if silenced_by.is_empty() {
                AlertState::Active
            } else {
                AlertState::Suppressed
            },
            silenced_by: silenced_by.iter().map(|s| s.to_string()).collect(),
            inhibited_by: Vec::new(),
        },
    }
}

fn group(alerts: Vec<Alert>) -> AlertGroup {
    AlertGroup {
        labels: labels(&[("alertname", "MdaFeedStale"), ("service", SVC)]),
        receiver: "page".to_string(),
        alerts,
    }
}

fn silence(id: &str, comment: &str, status: SilenceState) -> Silence {
    Silence {
        id: id.to_string(),
        matchers: vec![
            Matcher::equal("alertname", "MdaFeedStale"),
            Matcher::equal("service", SVC),
        ],
        starts_at: T0 - 5 * MIN,
        ends_at: T0 + 10 * MIN,
        updated_at: T0 - 5 * MIN,
        created_by: "bob".to_string(),
        comment: comment.to_string(),
        status,
    }
}

fn incidents_model(app: &App) -> IncidentsModel<'_> {
    match app.view().body {
        BodyModel::Incidents(model) => model,
        other => panic!("not the incidents screen: {other:?}"),
    }
}

/// A feed incident with its matching alert, and an unrelated HTTP incident.
fn seeded(read_only: bool) -> App {
    let mut app = app_with(read_only, true);
    app.update(Msg::AgentIncidents {
        incidents: vec![
            incident("i-feed", Severity::Sev2, "feed", T0 - 10 * MIN),
            incident("i-http", Severity::Sev3, "http", T0 - 3 * MIN),
        ],
        at_ms: T0,
    });
    app.update(Msg::Alerts {
        groups: vec![group(vec![alert(
            "fp1",
            "MdaFeedStale",
            "feed",
            T0 - 8 * MIN,
            &[],
        )])],
        silences: Vec::new(),
        at_ms: T0,
    });
    app
}

#[test]
fn correlated_rows_show_sorted_with_signals_detail_and_header_counts() {
    let app = seeded(false);
    let model = incidents_model(&app);
    assert!(!model.loading);
    assert_eq!(model.rows.len(), 2);
    // The page alert makes the feed row SEV1 and puts it first.
    assert_eq!(model.rows[0].severity, SeverityModel::Sev1);
    assert_eq!(model.rows[0].component, "feed");
    assert_eq!(model.rows[0].signals, 2);
    assert_eq!(model.rows[0].status, IncidentStatusModel::Triggered);
    assert_eq!(model.rows[0].age, Duration::from_secs(600));
    assert_eq!(model.rows[1].component, "http");
    assert_eq!(model.selected, Some(0));
    let detail = model.detail.expect("the selected row has a detail pane");
    assert_eq!(detail.signals.len(), 2);
    let alert = detail.signals.iter().find(|s| s.kind == "alert").unwrap();
    assert_eq!(alert.name, "MdaFeedStale");
    assert_eq!(alert.annotations[0], ("summary", "Feed stale for AAPL"));
    assert!(
        alert
            .annotations
            .contains(&("runbook_url", "https://runbooks.example/feed-stale"))
    );
    assert_eq!(detail.timeline.len(), 1);
    assert_eq!(detail.timeline[0].text, "no tick for 12s");
    assert_eq!(app.view().header.incidents, Some([1, 0, 1, 0]));
}

#[test]
fn header_has_no_counts_before_any_incident_source_answers() {
    let app = app_with(false, true);
    assert_eq!(app.view().header.incidents, None);
    assert!(incidents_model(&app).loading);
}

#[test]
fn filter_and_resolved_toggle_narrow_the_rows() {
    let mut app = seeded(false);
    let mut resolved = incident("i-old", Severity::Sev4, "pricing", T0 - 60 * MIN);
    resolved.status = IncidentStatus::Resolved;
    resolved.resolved_at = Some(T0 - 50 * MIN);
    resolved.resolved_by = Some("auto".to_string());
    app.update(Msg::AgentIncidents {
        incidents: vec![
            incident("i-feed", Severity::Sev2, "feed", T0 - 10 * MIN),
            incident("i-http", Severity::Sev3, "http", T0 - 3 * MIN),
            resolved,
        ],
        at_ms: T0,
    });
    let model = incidents_model(&app);
    assert_eq!((model.rows.len(), model.total, model.hidden_resolved), (2, 3, 1));

    key(&mut app, KeyCode::Char('r'));
    let model = incidents_model(&app);
    assert_eq!(model.rows.len(), 3);
    assert_eq!(model.rows[2].status, IncidentStatusModel::Resolved);

    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "HTTP");
    key(&mut app, KeyCode::Enter);
    let model = incidents_model(&app);
    assert_eq!(model.rows.len(), 1);
    assert_eq!(model.rows[0].component, "http");
    assert_eq!(model.selected, Some(0), "the selection follows the filter");

    key(&mut app, KeyCode::Esc);
    assert_eq!(incidents_model(&app).rows.len(), 3);
}

#[test]
fn ack_acknowledges_the_agent_incident_and_ack_silences_the_alert_group() {
    let mut app = seeded(false);
    assert!(
        key(&mut app, KeyCode::Char('a')).is_empty(),
        "a only opens the confirmation"
    );
    let dialog = app.view().dialog.expect("a confirmation is shown");
    assert_eq!(dialog.title, "Acknowledge");
    assert!(
        dialog
            .lines
            .iter()
            .any(|l| l.contains("acknowledge incident i-feed as ann"))
    );
    assert!(dialog.lines.iter().any(|l| l.contains("ACK silence for 15m")));

    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Act(plan)] = commands.as_slice() else {
        panic!("expected one action, got {commands:?}");
    };
    assert_eq!(plan.label, "acknowledge");
    match &plan.steps[..] {
        [
            ActionStep::AckIncident { id, request },
            ActionStep::CreateSilence(silence),
        ] => {
            assert_eq!(id, "i-feed");
            assert_eq!(request.author, "ann");
            assert_eq!(silence.created_by, "ann");
            assert!(silence.comment.starts_with("ACK!"));
            assert_eq!(silence.ends_at - silence.starts_at, 15 * MIN);
            let mut names: Vec<&str> = silence.matchers.iter().map(|m| m.name.as_str()).collect();
            names.sort();
            assert_eq!(names, ["alertname", "service"], "exactly the group's labels");
        }
        other => panic!("unexpected steps {other:?}"),
    }
    assert!(app.view().dialog.unwrap().busy);
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "no second request while one runs"
    );

    app.update(Msg::ActionDone {
        label: "acknowledge".to_string(),
        result: Ok("incident i-feed acknowledged; silence 1234 created".to_string()),
    });
    assert!(app.view().dialog.is_none());
    assert!(app.view().status.message.unwrap().contains("i-feed acknowledged"));
}

#[test]
fn an_existing_ack_is_extended_rather_than_duplicated() {
    let mut app = seeded(false);
    let ack = silence(
        "aaaa-1",
        "ACK! acknowledged by bob in mdops",
        SilenceState::Active,
    );
    app.update(Msg::Alerts {
        groups: vec![group(vec![alert(
            "fp1",
            "MdaFeedStale",
            "feed",
            T0 - 8 * MIN,
            &[],
        )])],
        silences: vec![ack],
        at_ms: T0,
    });
    key(&mut app, KeyCode::Char('a'));
    assert!(
        app.view()
            .dialog
            .unwrap()
            .lines
            .iter()
            .any(|l| l.contains("extend ACK silence aaaa"))
    );
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Act(plan)] = commands.as_slice() else {
        panic!("expected one action");
    };
    let ActionStep::CreateSilence(update) = plan.steps.last().unwrap() else {
        panic!("expected a silence step");
    };
    assert_eq!(update.id.as_deref(), Some("aaaa-1"));
    assert_eq!(update.ends_at, T0 + 15 * MIN);
}

#[test]
fn a_failed_action_keeps_the_dialog_open_with_the_error() {
    let mut app = seeded(false);
    key(&mut app, KeyCode::Char('R'));
    type_text(&mut app, "fixed upstream");
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Act(plan)] = commands.as_slice() else {
        panic!("expected one action");
    };
    match &plan.steps[..] {
        [ActionStep::ResolveIncident { id, request }] => {
            assert_eq!(id, "i-feed");
            assert_eq!(request.comment.as_deref(), Some("fixed upstream"));
        }
        other => panic!("unexpected steps {other:?}"),
    }
    app.update(Msg::ActionDone {
        label: "resolve".to_string(),
        result: Err("resolving incident i-feed: HTTP 401: missing bearer token".to_string()),
    });
    let dialog = app.view().dialog.expect("the dialog stays");
    assert!(!dialog.busy);
    assert!(dialog.error.unwrap().contains("401"));
    key(&mut app, KeyCode::Esc);
    assert!(app.view().dialog.is_none());
}

#[test]
fn silence_prompt_prefills_matchers_and_validates_what_is_typed() {
    let mut app = seeded(false);
    key(&mut app, KeyCode::Char('s'));
    let dialog = app.view().dialog.unwrap();
    assert_eq!(dialog.fields.len(), 3);
    assert_eq!(dialog.fields[0].value, "2h");
    assert!(dialog.fields[2].value.contains(r#"alertname="MdaFeedStale""#));
    assert!(dialog.fields[2].value.contains(r#"component="feed""#));

    // No comment yet: refused, with the reason, and nothing sent.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.view().dialog.unwrap().error.unwrap().contains("comment"));

    // A bad duration is refused too.
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "x");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "deploying a fix");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.view().dialog.unwrap().error.unwrap().contains("duration"));

    // Fix the duration, narrow the matchers to one label: sent.
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "30m");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    for _ in 0..200 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, r#"alertname="MdaFeedStale""#);
    let commands = key(&mut app, KeyCode::Enter);
    let [Command::Act(plan)] = commands.as_slice() else {
        panic!("expected one action, dialog: {:?}", app.view().dialog);
    };
    let [ActionStep::CreateSilence(silence)] = &plan.steps[..] else {
        panic!("expected one silence");
    };
    assert_eq!(
        silence.matchers,
        vec![Matcher::equal("alertname", "MdaFeedStale")]
    );
    assert_eq!(silence.comment, "deploying a fix");
    assert_eq!(silence.created_by, "ann");
    assert_eq!(silence.ends_at - silence.starts_at, 30 * MIN);
}

#[test]
fn a_matcher_set_that_mutes_everything_is_refused() {
    let mut app = seeded(false);
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "maintenance");
    key(&mut app, KeyCode::Tab);
    for _ in 0..200 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, r#"alertname=~".*""#);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.view()
            .dialog
            .unwrap()
            .error
            .unwrap()
            .contains("silence every alert")
    );
}

#[test]
fn expire_offers_the_rows_active_silences() {
    let mut app = seeded(false);
    app.update(Msg::Alerts {
        groups: vec![group(vec![alert(
            "fp1",
            "MdaFeedStale",
            "feed",
            T0 - 8 * MIN,
            &["bbbb-2"],
        )])],
        silences: vec![
            silence("bbbb-2", "maintenance", SilenceState::Active),
            silence("cccc-3", "old", SilenceState::Expired),
        ],
        at_ms: T0,
    });
    let model = incidents_model(&app);
    assert!(model.rows[0].silenced);
    let detail = model.detail.unwrap();
    assert_eq!(detail.silences.len(), 2);
    assert_eq!(
        (detail.silences[0].id, detail.silences[0].state),
        ("bbbb", "active")
    );
    key(&mut app, KeyCode::Char('E'));
    assert_eq!(app.view().dialog.unwrap().fields[0].value, "bbbb");
    let commands = key(&mut app, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::Act(mdops::app::ActionPlan {
            label: "expire".to_string(),
            user: "ann".to_string(),
            target: "incident:i-feed".to_string(),
            steps: vec![ActionStep::ExpireSilence {
                id: "bbbb-2".to_string()
            }],
        })]
    );
}

#[test]
fn read_only_refuses_every_action_with_a_clear_message() {
    let mut app = seeded(true);
    for (code, verb) in [
        ('a', "acknowledge"),
        ('s', "silence"),
        ('E', "expire"),
        ('R', "resolve"),
    ] {
        assert!(key(&mut app, KeyCode::Char(code)).is_empty());
        assert!(
            app.view().dialog.is_none(),
            "{verb} opened a dialog in read-only mode"
        );
        let message = app.view().status.message.unwrap().to_string();
        assert!(
            message.contains("read-only") && message.contains(verb),
            "{message}"
        );
    }
}

#[test]
fn actions_that_need_alertmanager_say_so_without_it() {
    let mut app = app_with(false, false);
    app.update(Msg::AgentIncidents {
        incidents: vec![incident("i-feed", Severity::Sev2, "feed", T0 - MIN)],
        at_ms: T0,
    });
    key(&mut app, KeyCode::Char('s'));
    assert!(app.view().dialog.is_none());
    assert!(app.view().status.message.unwrap().contains("--alertmanager"));
    // Acking an agent-only row needs no Alertmanager.
    key(&mut app, KeyCode::Char('a'));
    assert!(app.view().dialog.is_some());
}

#[test]
fn a_failing_source_is_named_on_the_screen_and_cleared_when_it_answers() {
    let mut app = seeded(false);
    app.update(Msg::Link {
        source: SourceId::Alertmanager,
        link: Link::Reconnecting {
            attempt: 2,
            last_error: "Connection refused (os error 111)".to_string(),
        },
        at_ms: T0 + 1_000,
    });
    let model = incidents_model(&app);
    assert_eq!(model.problems.len(), 1);
    assert!(
        model.problems[0].contains("alertmanager unreachable"),
        "{}",
        model.problems[0]
    );
    assert!(model.problems[0].contains("last answer is shown"));
    assert_eq!(model.rows.len(), 2, "the last answer stays on screen");
    app.update(Msg::Alerts {
        groups: Vec::new(),
        silences: Vec::new(),
        at_ms: T0 + 2_000,
    });
    assert!(incidents_model(&app).problems.is_empty());
}
