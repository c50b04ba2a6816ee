//! Command mode, rebound keys, freeze and expand, driven by messages alone
//! as the console's loop drives them.

mod common;

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mdops::app::keymap::{KeySpecs, Keymap};
use mdops::app::{App, AppConfig, Command, Msg, Screen};
use mdops_views::model::BodyModel;

const T0: i64 = 1_800_000_000_000;

fn app() -> App {
    let config = AppConfig {
        environment: "prod-us".to_string(),
        environments: vec!["prod-us".to_string(), "prod-eu".to_string()],
        ..common::app_config()
    };
    common::local_app(config, T0)
}

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, modifiers)))
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    press(app, code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars().flat_map(|c| key(app, KeyCode::Char(c))).collect()
}

/// `:` then `line` then Enter.
fn command(app: &mut App, line: &str) -> Vec<Command> {
    key(app, KeyCode::Char(':'));
    type_text(app, line);
    key(app, KeyCode::Enter)
}

fn priced(app: &mut App, price: f64, at_ms: i64) {
    app.update(Msg::Ticks {
        quotes: vec![common::quote("AAPL", price, at_ms)],
        at_ms,
    });
}

fn last_price(app: &App) -> f64 {
    match app.view().body {
        BodyModel::Prices(p) => p.rows[0].last,
        other => panic!("expected prices, got {other:?}"),
    }
}

fn keymap(pairs: &[(&str, &str)]) -> Keymap {
    let config: BTreeMap<String, KeySpecs> = pairs
        .iter()
        .map(|(name, spec)| (name.to_string(), KeySpecs::One(spec.to_string())))
        .collect();
    Keymap::from_config(&config).unwrap()
}

#[test]
fn command_mode_switches_screens_by_name_and_alias() {
    let mut app = app();
    for (line, screen) in [
        ("slo", Screen::Slos),
        ("incidents", Screen::Incidents),
        ("slos", Screen::Slos),
        ("cluster", Screen::Cluster),
        ("dr", Screen::Dr),
        ("overview", Screen::Overview),
        ("prices", Screen::Prices),
    ] {
        assert!(command(&mut app, line).is_empty());
        assert_eq!(app.screen, screen, ":{line}");
        assert!(app.view().nav.command.is_none(), "the prompt closes");
    }
}

#[test]
fn the_prompt_lists_candidates_and_tab_fills_them_in() {
    let mut app = app();
    key(&mut app, KeyCode::Char(':'));
    assert!(app.view().palette.is_none(), ": no longer opens the palette");
    type_text(&mut app, "s");
    let view = app.view();
    let line = view.nav.command.as_ref().expect("the prompt is open");
    assert_eq!(line.input, "s");
    assert_eq!(
        line.candidates,
        ["slo", "slos", "scale", "silence"],
        "screens first, then actions"
    );
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    let view = app.view();
    let line = view.nav.command.as_ref().unwrap();
    assert_eq!((line.input, line.selected), ("slos", Some(1)));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Slos);

    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "env ");
    assert_eq!(app.view().nav.command.unwrap().candidates, ["prod-us", "prod-eu"]);
    key(&mut app, KeyCode::Esc);
    assert!(app.view().nav.command.is_none(), "Esc closes the prompt");
    assert_eq!(app.screen, Screen::Slos, "and does nothing else");
}

#[test]
fn env_switches_to_a_configured_environment_and_refuses_others() {
    let mut app = app();
    assert_eq!(
        command(&mut app, "env prod-eu"),
        vec![Command::SwitchEnvironment("prod-eu".to_string())]
    );
    assert!(command(&mut app, "env mars").is_empty());
    let view = app.view();
    let line = view.nav.command.as_ref().expect("the prompt stays open");
    assert_eq!(line.input, "env mars");
    assert_eq!(
        line.error,
        Some("unknown environment `mars`; configured: prod-us, prod-eu")
    );
    // Typing again clears the error; Enter on a good line runs it.
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.view().nav.command.unwrap().error, None);
    key(&mut app, KeyCode::Esc);
    assert!(command(&mut app, "env prod-us").is_empty(), "already there");
    assert_eq!(app.view().status.message, Some("already on environment prod-us"));
}

#[test]
fn theme_is_asked_of_the_console_loop_and_unknown_ones_refused() {
    let mut app = app();
    command(&mut app, "theme monochrome");
    assert_eq!(app.take_theme_request().as_deref(), Some("monochrome"));
    assert_eq!(app.take_theme_request(), None, "asked once");
    command(&mut app, "theme neon");
    assert_eq!(app.take_theme_request(), None);
    assert_eq!(
        app.view().nav.command.unwrap().error,
        Some("unknown theme `neon`; built-in: default, high-contrast, monochrome")
    );
}

#[test]
fn an_action_by_name_opens_its_confirmation_like_the_palette() {
    let mut app = app();
    command(&mut app, "failover");
    let dialog = app.dialog.as_ref().expect("the confirmation is open");
    assert_eq!(dialog.prepared().unwrap().action.name, "failover");
    key(&mut app, KeyCode::Esc);
    command(&mut app, "teleport");
    assert_eq!(
        app.view().nav.command.unwrap().error,
        Some("unknown command `teleport`; Tab lists the commands")
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('x'));
    assert!(app.view().palette.is_some(), "x still opens the palette");
}

#[test]
fn quit_and_help_by_command() {
    let mut app = app();
    command(&mut app, "help");
    assert!(app.view().help.is_some());
    key(&mut app, KeyCode::Esc);
    command(&mut app, "q");
    assert!(app.should_quit());
}

#[test]
fn freeze_holds_updates_and_releases_them_in_order() {
    let mut app = app();
    app.update(Msg::Symbols {
        symbols: vec!["AAPL".into()],
        at_ms: T0,
    });
    priced(&mut app, 100.0, T0 + 100);
    key(&mut app, KeyCode::Char('f'));
    priced(&mut app, 101.0, T0 + 200);
    priced(&mut app, 102.0, T0 + 300);
    app.update(Msg::Clock { now_ms: T0 + 1_000 });
    assert_eq!(last_price(&app), 100.0, "the screen stays as it was");
    let view = app.view();
    let frozen = view.nav.frozen.as_ref().expect("the marker shows");
    assert_eq!(frozen.held, 2);
    assert_eq!(frozen.since, "08:00:00");
    assert_eq!(
        app.view().header.clock,
        "08:00:00 UTC",
        "the clock stands still too"
    );
    // Keys still work while frozen.
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.screen, Screen::Slos);
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('f'));
    assert!(app.view().nav.frozen.is_none());
    assert_eq!(last_price(&app), 102.0, "every held update applied");
    assert_eq!(app.view().header.clock, "08:00:01 UTC");
}

#[test]
fn a_full_hold_thaws_by_itself_and_loses_nothing() {
    let mut app = app();
    app.update(Msg::Symbols {
        symbols: vec!["AAPL".into()],
        at_ms: T0,
    });
    key(&mut app, KeyCode::Char('f'));
    let limit = mdops::app::navigation::HELD_LIMIT;
    for i in 0..limit {
        priced(&mut app, 100.0 + i as f64, T0 + i as i64);
    }
    assert!(app.view().nav.frozen.is_none(), "thawed at the limit");
    assert_eq!(last_price(&app), 100.0 + (limit - 1) as f64);
    let message = app.view().status.message.unwrap().to_string();
    assert!(
        message.starts_with(&format!("unfrozen: {limit} updates held")),
        "{message}"
    );
}

#[test]
fn expand_fills_the_body_and_e_or_esc_restores() {
    let mut app = app();
    app.update(Msg::Symbols {
        symbols: vec!["AAPL".into()],
        at_ms: T0,
    });
    priced(&mut app, 100.0, T0 + 100);
    key(&mut app, KeyCode::Char('e'));
    assert!(app.view().nav.expanded);
    key(&mut app, KeyCode::Char('e'));
    assert!(!app.view().nav.expanded);
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Esc);
    assert!(!app.view().nav.expanded, "Esc restores");
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('e'));
    assert!(!app.view().nav.expanded);
    assert_eq!(app.view().status.message, Some("DR: no panel to expand"));
}

#[test]
fn a_rebound_key_works_the_old_one_does_nothing_and_help_shows_it() {
    let mut app = app();
    app.set_keymap(keymap(&[("quit", "<C-q>"), ("sort", "o")]));
    let hints = app.view().status.hints;
    assert!(
        hints.contains(&("o", "sort")) && hints.contains(&("Ctrl-Q", "quit")),
        "the status line shows the keys in force: {hints:?}"
    );
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.prices.sort,
        mdops_views::model::PriceColumn::Symbol,
        "s is free now"
    );
    key(&mut app, KeyCode::Char('o'));
    assert_ne!(
        app.prices.sort,
        mdops_views::model::PriceColumn::Symbol,
        "o sorts"
    );
    key(&mut app, KeyCode::Char('?'));
    let help = app.view().help.expect("help is open");
    let global = &help.sections[0].1;
    assert!(global.contains(&("Ctrl-Q", "quit")), "{global:?}");
    let prices = &help
        .sections
        .iter()
        .find(|(title, _)| *title == "Prices")
        .expect("a Prices section")
        .1;
    assert!(prices.iter().any(|(keys, _)| *keys == "o / S"), "{prices:?}");
    key(&mut app, KeyCode::Char('q'));
    assert!(app.view().help.is_some(), "q is not quit any more");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit());
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(app.should_quit());
}

#[test]
fn list_and_pane_keys_follow_a_rebinding_on_every_screen() {
    let mut app = app();
    app.set_keymap(keymap(&[("down", "n"), ("up", "p"), ("focus_next", "<C-l>")]));
    app.screen = Screen::Capacity;
    let hints = app.view().status.hints;
    assert!(hints.contains(&("n/p", "resource")), "{hints:?}");
    assert!(
        !hints.iter().any(|(_, what)| *what == "sort"),
        "no sort here: {hints:?}"
    );
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.capacity.selected, 1, "n moves down the capacity rows");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.capacity.selected, 1, "j is free now");
    key(&mut app, KeyCode::Char('p'));
    assert_eq!(app.capacity.selected, 0);

    app.screen = Screen::Overview;
    let tile = |app: &App| match app.view().body {
        mdops_views::model::BodyModel::Overview(m) => m.selected,
        _ => panic!("the overview"),
    };
    let first = tile(&app);
    key(&mut app, KeyCode::Char('n'));
    assert_ne!(tile(&app), first, "n selects the next tile");
    let hints = app.view().status.hints;
    assert!(hints.contains(&("h/Ctrl-L", "environment")), "{hints:?}");

    key(&mut app, KeyCode::Char('?'));
    let help = app.view().help.expect("help is open");
    for section in ["Overview", "Capacity", "Timeline"] {
        let rows = &help
            .sections
            .iter()
            .find(|(title, _)| *title == section)
            .unwrap()
            .1;
        assert!(
            rows.iter().any(|(keys, _)| keys.starts_with("n / p")),
            "{section}: {rows:?}"
        );
    }
    let overview = &help
        .sections
        .iter()
        .find(|(title, _)| *title == "Overview")
        .unwrap()
        .1;
    assert!(
        overview.iter().any(|(keys, _)| keys.contains("Ctrl-L")),
        "{overview:?}"
    );
}

#[test]
fn a_sequence_binding_waits_for_its_second_key() {
    let mut app = app();
    app.set_keymap(keymap(&[("next_screen", "g t"), ("top", "g g")]));
    key(&mut app, KeyCode::Char('g'));
    assert_eq!(app.screen, Screen::Prices, "waiting for the second key");
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.screen, Screen::Slos);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Slos, "Tab is no longer next screen");
}
