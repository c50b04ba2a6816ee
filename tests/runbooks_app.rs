//! Runbook actions in the console, driven through `App::update`: the
//! palette, direct keys, refusals, typed confirmation, a run's output, and
//! the watch for recovery that ends in an audited verdict.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::Quote;
use mdops::actions::engine::Outcome;
use mdops::actions::exec::OutputLine;
use mdops::actions::runbook::{Role, Runbooks};
use mdops::app::slos::SlosState;
use mdops::app::{ActionSettings, App, AppConfig, Command, IncidentSettings, Msg, SourceId};
use mdops::slo::SloSet;
use mdops_views::model::VerificationState;

const T0: i64 = 1_800_000_000_000;

/// Two exec actions and a circuit action, so every path runs without a
/// cluster: one destructive, one that watches for recovery.
const RUNBOOKS: &str = r#"
[[action]]
name = "open-circuit"
key = "O"
description = "Open the source's circuit breaker"
scope = "source"
roles = ["operator"]
destructive = true
kind = "agent.circuit"
state = "open"
verify_s = 30

[[action]]
name = "echo-target"
key = "E"
description = "Echo the agent URL"
scope = "global"
roles = ["operator"]
kind = "exec"
program = "echo"
args = ["{agent}"]
timeout_s = 5
mutates = false

[[action]]
name = "purge"
description = "Admins only"
scope = "global"
roles = ["admin"]
kind = "agent.cache_flush"
"#;

fn app(role: Role, read_only: bool) -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "agent test".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentStream],
        incidents: IncidentSettings {
            author: "ann".to_string(),
            read_only,
            ..IncidentSettings::default()
        },
        actions: ActionSettings {
            runbooks: Arc::new(Runbooks::parse(RUNBOOKS, "test.toml").unwrap()),
            role,
            kube: None,
            agent_url: "http://127.0.0.1:8080/".to_string(),
        },
    };
    let mut app = App::new(config, SlosState::new(set, source), T0);
    app.update(Msg::Symbols {
        symbols: vec!["AAPL".to_string()],
        at_ms: T0,
    });
    app.update(Msg::Snapshot {
        quotes: vec![Quote {
            symbol: "AAPL".to_string(),
            price: 100.0,
            bid: 99.9,
            ask: 100.1,
            size: 1.0,
            volume: 10.0,
            open: 100.0,
            ts: T0,
            source: "sim".to_string(),
        }],
        at_ms: T0,
    });
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

fn run_id(commands: &[Command]) -> (u64, mdops::actions::prepare::Request) {
    match commands {
        [Command::Run { id, request }] => (*id, (**request).clone()),
        other => panic!("expected one run, got {other:?}"),
    }
}

#[test]
fn the_palette_lists_every_action_with_keys_and_why_some_cannot_run() {
    let mut app = app(Role::Operator, false);
    key(&mut app, KeyCode::Char('x'));
    let view = app.view();
    let palette = view.palette.expect("the palette is open");
    assert_eq!(palette.target, Some("source sim"), "the selected quote's source");
    let names: Vec<&str> = palette.items.iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        ["open-circuit", "echo-target", "purge"],
        "runnable ones first"
    );
    assert_eq!(palette.items[0].key, "O");
    assert!(palette.items[0].destructive);
    assert_eq!(
        palette.items[2].disabled,
        Some("needs role admin (you are operator)")
    );

    type_text(&mut app, "echo");
    let view = app.view();
    let palette = view.palette.unwrap();
    assert_eq!(palette.items.len(), 1);
    assert_eq!(palette.items[0].name, "echo-target");
    key(&mut app, KeyCode::Esc);
    assert!(app.view().palette.is_none());
}

#[test]
fn a_destructive_action_needs_the_target_typed_and_runs_once_confirmed() {
    let mut app = app(Role::Operator, false);
    assert!(
        key(&mut app, KeyCode::Char('O')).is_empty(),
        "the key only opens the confirmation"
    );
    let dialog = app.view().dialog.expect("a confirmation");
    assert!(
        dialog
            .lines
            .iter()
            .any(|l| l.contains("circuit breaker of source sim -> open")),
        "{:?}",
        dialog.lines
    );
    assert_eq!(dialog.fields.len(), 1, "the name field");

    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.view().dialog.unwrap().error, Some("type \"sim\" to confirm"));
    type_text(&mut app, "sim");
    let (id, request) = run_id(&key(&mut app, KeyCode::Enter));
    assert_eq!(request.params["source"], "sim");
    assert_eq!(request.params["state"], "open");
    assert_eq!(request.user, "ann");
    assert!(!request.dry_run);
    assert!(app.view().dialog.is_none());
    let status = app.view().action_status.expect("the strip shows the run");
    assert_eq!(status.action, "open-circuit source sim");

    // Done: the watch starts; the agent's health and the SLOs decide.
    app.update(Msg::RunDone {
        id,
        outcome: Outcome {
            ok: true,
            summary: "breaker of sim forced open".to_string(),
            duration: Duration::from_millis(40),
        },
    });
    let status = app.view().action_status.unwrap();
    assert!(
        status.result.contains("breaker of sim forced open"),
        "{}",
        status.result
    );
    assert!(matches!(status.verification, VerificationState::Watching { .. }));

    // Nothing recovers within the window: not recovered, and audited.
    let commands = app.update(Msg::Clock { now_ms: T0 + 31_000 });
    let recorded = commands
        .iter()
        .find_map(|c| match c {
            Command::RecordVerification {
                recovered, detail, ..
            } => Some((*recovered, detail.clone())),
            _ => None,
        })
        .expect("the verdict is audited");
    assert!(!recorded.0, "nothing recovered");
    assert!(recorded.1.contains("breaker"), "{}", recorded.1);
    assert_eq!(
        app.view().action_status.unwrap().verification,
        VerificationState::NotRecovered
    );
}

#[test]
fn exec_output_streams_into_its_pane() {
    let mut app = app(Role::Operator, false);
    key(&mut app, KeyCode::Char('E'));
    let dialog = app.view().dialog.unwrap();
    assert!(
        dialog
            .lines
            .iter()
            .any(|l| l == "run: echo http://127.0.0.1:8080/"),
        "{:?}",
        dialog.lines
    );
    let (id, request) = run_id(&key(&mut app, KeyCode::Enter));
    assert_eq!(request.invocation.unwrap().args, ["http://127.0.0.1:8080/"]);
    app.update(Msg::RunOutput {
        id,
        line: OutputLine {
            text: "hello".to_string(),
            stderr: false,
        },
    });
    app.update(Msg::RunOutput {
        id,
        line: OutputLine {
            text: "warning".to_string(),
            stderr: true,
        },
    });
    let view = app.view();
    let output = view.output.expect("the output pane");
    assert_eq!(output.lines, ["hello", "! warning"]);
    assert!(output.running);
    app.update(Msg::RunDone {
        id,
        outcome: Outcome {
            ok: true,
            summary: "echo: exit 0".to_string(),
            duration: Duration::from_millis(3),
        },
    });
    assert!(!app.view().output.unwrap().running);
    key(&mut app, KeyCode::Esc);
    assert!(app.view().output.is_none());
}

#[test]
fn read_only_refuses_what_mutates_and_allows_what_does_not() {
    let mut app = app(Role::Operator, true);
    assert!(key(&mut app, KeyCode::Char('O')).is_empty());
    assert!(app.view().dialog.is_none());
    assert!(app.view().status.message.unwrap().contains("read-only"));
    key(&mut app, KeyCode::Char('E'));
    assert!(app.view().dialog.is_some(), "a read-only command is allowed");
}

#[test]
fn a_source_action_needs_a_source_selected() {
    let mut app = app(Role::Operator, false);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('x'));
    let view = app.view();
    let palette = view.palette.unwrap();
    assert_eq!(palette.target, None);
    let circuit = palette.items.iter().find(|i| i.name == "open-circuit").unwrap();
    assert_eq!(circuit.disabled, Some("select a source first"));
    // Enter on a disabled item explains rather than acts.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "open");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.view()
            .status
            .message
            .unwrap()
            .contains("select a source first")
    );
}
