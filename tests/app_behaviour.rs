//! Behaviour of the console's `App`, driven by messages alone: no terminal,
//! no network.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::{Bar, BarInterval, Quote};
use mdops::app::{App, Command, Link, Msg, Screen, SourceId};
use mdops::slo::SloSet;
use mdops_views::model::{BodyModel, BurnCell, Direction, LinkState, PriceColumn, PricesModel};

const T0: i64 = 1_800_000_000_000;

fn app() -> App {
    common::local_app(common::app_config(), T0)
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn feed(app: &mut App, quotes: Vec<Quote>, at_ms: i64) -> Vec<Command> {
    app.update(Msg::Ticks { quotes, at_ms })
}

fn with_prices<R>(app: &App, f: impl FnOnce(&PricesModel<'_>) -> R) -> R {
    match app.view().body {
        BodyModel::Prices(prices) => f(&prices),
        other => panic!("expected the prices body, got {other:?}"),
    }
}

fn symbols_in_order(app: &App) -> Vec<String> {
    with_prices(app, |p| p.rows.iter().map(|r| r.symbol.to_string()).collect())
}

fn three_symbols(app: &mut App) {
    app.update(Msg::Symbols {
        symbols: vec!["MSFT".into(), "AAPL".into(), "GOOG".into()],
        at_ms: T0,
    });
    feed(
        app,
        vec![
            common::quote("AAPL", 190.0, T0),
            common::quote("MSFT", 410.0, T0),
            common::quote("GOOG", 150.0, T0),
        ],
        T0,
    );
}

#[test]
fn first_data_selects_first_row_and_asks_for_its_bars() {
    let mut app = app();
    let commands = app.update(Msg::Symbols {
        symbols: vec!["MSFT".into(), "AAPL".into()],
        at_ms: T0,
    });
    assert_eq!(
        commands,
        vec![Command::FetchBars {
            symbol: "AAPL".into(),
            interval: BarInterval::OneSecond
        }]
    );
    with_prices(&app, |p| {
        assert_eq!(p.total, 2);
        assert_eq!(p.selected, Some(0));
        assert!(
            p.rows.iter().all(|r| r.stale),
            "symbols without quotes are not fresh"
        );
    });
}

#[test]
fn link_states_show_in_header_with_attempt_and_error() {
    let mut app = app();
    app.update(Msg::Link {
        source: SourceId::AgentStream,
        link: Link::Reconnecting {
            attempt: 3,
            last_error: "Connection refused".into(),
        },
        at_ms: T0,
    });
    let view = app.view();
    let ws = view.header.sources.iter().find(|b| b.name == "agent ws").unwrap();
    assert_eq!(
        ws.state,
        LinkState::Reconnecting {
            attempt: 3,
            last_error: "Connection refused"
        }
    );
    assert_eq!(ws.data_age, None, "a source that never answered has no data age");
    drop(view);

    feed(&mut app, vec![common::quote("AAPL", 1.0, T0 + 10)], T0 + 10);
    app.update(Msg::Clock { now_ms: T0 + 2_510 });
    let view = app.view();
    let ws = view.header.sources.iter().find(|b| b.name == "agent ws").unwrap();
    assert_eq!(ws.state, LinkState::Connected, "data proves the stream is up");
    assert_eq!(ws.data_age, Some(std::time::Duration::from_millis(2_500)));
}

#[test]
fn quotes_older_than_threshold_are_marked_stale() {
    let mut app = app();
    three_symbols(&mut app);
    feed(
        &mut app,
        vec![common::quote("AAPL", 191.0, T0 + 4_000)],
        T0 + 4_000,
    );
    app.update(Msg::Clock { now_ms: T0 + 6_000 });
    with_prices(&app, |p| {
        for row in &p.rows {
            assert_eq!(row.stale, row.symbol != "AAPL", "{}", row.symbol);
        }
    });
}

#[test]
fn direction_and_change_follow_prices() {
    let mut app = app();
    three_symbols(&mut app);
    feed(
        &mut app,
        vec![
            common::quote("AAPL", 189.0, T0 + 100),
            common::quote("MSFT", 411.0, T0 + 100),
        ],
        T0 + 100,
    );
    with_prices(&app, |p| {
        let row = |s: &str| p.rows.iter().find(|r| r.symbol == s).unwrap().clone();
        assert_eq!(row("AAPL").direction, Direction::Down);
        assert_eq!(row("MSFT").direction, Direction::Up);
        assert_eq!(row("GOOG").direction, Direction::Flat);
        assert!((row("GOOG").change_pct.unwrap() - 50.0).abs() < 1e-9);
    });
}

#[test]
fn out_of_order_quote_is_ignored() {
    let mut app = app();
    three_symbols(&mut app);
    feed(&mut app, vec![common::quote("AAPL", 195.0, T0 + 500)], T0 + 500);
    feed(&mut app, vec![common::quote("AAPL", 1.0, T0 + 200)], T0 + 600);
    with_prices(&app, |p| {
        assert_eq!(p.rows.iter().find(|r| r.symbol == "AAPL").unwrap().last, 195.0)
    });
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut app = app();
    three_symbols(&mut app);
    assert_eq!(symbols_in_order(&app), ["AAPL", "GOOG", "MSFT"]);
    key(&mut app, KeyCode::Char('s'));
    with_prices(&app, |p| assert_eq!(p.sort, PriceColumn::Last));
    assert_eq!(symbols_in_order(&app), ["GOOG", "AAPL", "MSFT"]);
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(symbols_in_order(&app), ["MSFT", "AAPL", "GOOG"]);
}

#[test]
fn selection_is_kept_by_symbol_across_resorting() {
    let mut app = app();
    three_symbols(&mut app);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.prices.selected.as_deref(), Some("GOOG"));
    key(&mut app, KeyCode::Char('S'));
    with_prices(&app, |p| assert_eq!(p.rows[p.selected.unwrap()].symbol, "GOOG"));
    key(&mut app, KeyCode::End);
    assert_eq!(app.prices.selected.as_deref(), Some("AAPL"));
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.prices.selected.as_deref(),
        Some("AAPL"),
        "selection stops at the last row"
    );
}

#[test]
fn filter_narrows_rows_and_escape_clears_it() {
    let mut app = app();
    three_symbols(&mut app);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "ms");
    assert_eq!(symbols_in_order(&app), ["MSFT"]);
    let status = app.view().status;
    let filter = status.filter.expect("the filter shows on the status line");
    assert!(filter.editing);
    assert_eq!(filter.text, "ms");
    assert_eq!(
        app.prices.selected.as_deref(),
        Some("MSFT"),
        "selection follows the filter"
    );

    key(&mut app, KeyCode::Enter);
    assert!(!app.prices.filter_editing);
    with_prices(&app, |p| assert_eq!((p.rows.len(), p.total), (1, 3)));

    key(&mut app, KeyCode::Esc);
    assert_eq!(symbols_in_order(&app).len(), 3);
}

#[test]
fn typing_q_in_the_filter_does_not_quit() {
    let mut app = app();
    three_symbols(&mut app);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "q");
    assert!(!app.should_quit());
    assert_eq!(app.prices.filter, "q");
}

#[test]
fn screens_switch_by_number_and_tab() {
    let mut app = app();
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.screen, Screen::Incidents);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Capacity);
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.screen, Screen::Slos);
    key(&mut app, KeyCode::Char('9'));
    assert_eq!(app.screen, Screen::Slos, "a number without a screen does nothing");
    assert!(matches!(app.view().body, BodyModel::Slos(_)));
    assert_eq!(app.view().tabs.selected, 2);
    key(&mut app, KeyCode::Char('3'));
    assert!(matches!(app.view().body, BodyModel::Incidents(_)));
    key(&mut app, KeyCode::Char('4'));
    match app.view().body {
        BodyModel::Capacity(model) => {
            assert!(model.loading, "no forecast before the first round");
            assert_eq!(model.rows.len(), 6);
        }
        other => panic!("Capacity is live: {other:?}"),
    }
}

#[test]
fn help_toggles_and_swallows_keys() {
    let mut app = app();
    key(&mut app, KeyCode::Char('?'));
    assert!(app.view().help.is_some());
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(
        app.screen,
        Screen::Prices,
        "keys do not leak through the help overlay"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.view().help.is_none());
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = app();
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
    let mut app = self::app();
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(app.should_quit());
}

#[test]
fn bars_arrive_for_the_selected_symbol_and_refresh_later() {
    let mut app = app();
    three_symbols(&mut app);
    let bar = Bar {
        start: T0,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 10.0,
        ticks: 3,
    };
    app.update(Msg::Bars {
        symbol: "AAPL".into(),
        interval: BarInterval::OneSecond,
        result: Ok(vec![bar]),
    });
    let detail = with_prices(&app, |p| format!("{:?}", p.detail.as_ref().unwrap().bars));
    assert!(detail.contains("Ready"), "{detail}");

    assert!(app.update(Msg::Clock { now_ms: T0 + 500 }).is_empty());
    assert_eq!(
        app.update(Msg::Clock { now_ms: T0 + 1_000 }),
        vec![Command::FetchBars {
            symbol: "AAPL".into(),
            interval: BarInterval::OneSecond
        }]
    );
}

#[test]
fn bars_for_another_symbol_are_dropped_and_errors_are_shown() {
    let mut app = app();
    three_symbols(&mut app);
    app.update(Msg::Bars {
        symbol: "MSFT".into(),
        interval: BarInterval::OneSecond,
        result: Ok(vec![]),
    });
    let detail = with_prices(&app, |p| format!("{:?}", p.detail.as_ref().unwrap().bars));
    assert!(detail.contains("Loading"), "{detail}");
    app.update(Msg::Bars {
        symbol: "AAPL".into(),
        interval: BarInterval::OneSecond,
        result: Err("HTTP 500: boom".into()),
    });
    let detail = with_prices(&app, |p| format!("{:?}", p.detail.as_ref().unwrap().bars));
    assert!(detail.contains("HTTP 500: boom"), "{detail}");
}

#[test]
fn interval_key_refetches_in_the_other_interval() {
    let mut app = app();
    three_symbols(&mut app);
    assert_eq!(
        key(&mut app, KeyCode::Char('i')),
        vec![Command::FetchBars {
            symbol: "AAPL".into(),
            interval: BarInterval::OneMinute
        }]
    );
}

#[test]
fn idle_keys_do_not_mark_the_screen_dirty() {
    let mut app = app();
    app.take_dirty();
    key(&mut app, KeyCode::Char('z'));
    assert!(!app.take_dirty(), "an unbound key must not cost a frame");
    key(&mut app, KeyCode::Char('s'));
    assert!(app.take_dirty());
}

#[test]
fn ticks_per_second_come_from_arrivals() {
    let mut app = app();
    three_symbols(&mut app);
    for i in 1..=40 {
        let at = T0 + i * 50;
        feed(&mut app, vec![common::quote("AAPL", 190.0, at)], at);
    }
    app.update(Msg::Clock { now_ms: T0 + 2_000 });
    with_prices(&app, |p| {
        let rate = |s: &str| p.rows.iter().find(|r| r.symbol == s).unwrap().ticks_per_sec;
        let aapl = rate("AAPL").expect("watched for two seconds");
        assert!((aapl - 20.5).abs() < 0.01, "41 ticks over 2 s, got {aapl}");
        assert_eq!(rate("MSFT"), Some(0.5), "one tick over 2 s");
    });
}

#[test]
fn rate_is_unknown_until_watched_and_snapshots_are_not_ticks() {
    let mut app = app();
    app.update(Msg::Snapshot {
        quotes: vec![common::quote("AAPL", 190.0, T0), common::quote("MSFT", 410.0, T0)],
        at_ms: T0,
    });
    app.update(Msg::Clock { now_ms: T0 + 500 });
    with_prices(&app, |p| {
        assert!(p.rows.iter().all(|r| r.ticks_per_sec.is_none()))
    });
    app.update(Msg::Clock { now_ms: T0 + 1_500 });
    with_prices(&app, |p| {
        assert!(
            p.rows.iter().all(|r| r.ticks_per_sec == Some(0.0)),
            "a snapshot is state, not ticks"
        );
        assert!(p.rows.iter().all(|r| r.last > 0.0), "but its prices are shown");
    });
}

/// Agent metrics as the console would scrape them: `requests` quote
/// requests of which `errors` failed.
fn scrape(app: &mut App, at_ms: i64, requests: u64, errors: u64) {
    let text = format!(
        "# TYPE mda_http_requests_total counter\n\
         mda_http_requests_total{{route=\"/api/v1/quotes/{{symbol}}\",method=\"GET\",code=\"200\"}} {}\n\
         mda_http_requests_total{{route=\"/api/v1/quotes/{{symbol}}\",method=\"GET\",code=\"500\"}} {errors}\n",
        requests - errors
    );
    let exposition = Box::new(mdops::metrics_text::parse(&text));
    assert!(exposition.unreadable.is_empty());
    app.update(Msg::Scrape { exposition, at_ms });
}

fn slo_row<R>(app: &App, name: &str, f: impl FnOnce(&mdops_views::model::SloRow<'_>, &[&str]) -> R) -> R {
    match app.view_of(Screen::Slos).body {
        BodyModel::Slos(model) => {
            let row = model
                .rows
                .iter()
                .find(|r| r.name == name)
                .expect("the SLO is listed");
            f(row, &model.windows)
        }
        other => panic!("expected the SLO body, got {other:?}"),
    }
}

#[test]
fn local_scrapes_give_burn_rates_and_partial_windows() {
    let mut app = app();
    let availability = SloSet::embedded().slos[0].name.clone();
    for i in 0..=60 {
        // 100 requests per 5 s, 1 in 100 failing: 1% errors = burn 10 on 99.9%.
        scrape(&mut app, T0 + i * 5_000, 100 * i as u64, i as u64);
    }
    slo_row(&app, &availability, |row, windows| {
        let five = windows.iter().position(|w| *w == "5m").unwrap();
        match row.burn[five] {
            BurnCell::Rate { value, partial } => {
                assert!((value - 10.0).abs() < 1e-6, "burn {value}");
                assert!(!partial, "5 minutes of history cover the 5m window");
            }
            other => panic!("expected a rate, got {other:?}"),
        }
        let day = windows.iter().position(|w| *w == "1d").unwrap();
        assert!(matches!(row.burn[day], BurnCell::Rate { partial: true, .. }));
        assert!(row.period_partial, "five minutes of scrapes are not a 30-day SLI");
        assert!(!row.stale);
    });
}

#[test]
fn windows_without_requests_show_no_traffic() {
    let mut app = app();
    let availability = SloSet::embedded().slos[0].name.clone();
    for i in 0..=12 {
        scrape(&mut app, T0 + i * 5_000, 0, 0);
    }
    slo_row(&app, &availability, |row, _| {
        assert!(
            row.burn.iter().all(|c| *c == BurnCell::NoTraffic),
            "{:?}",
            row.burn
        );
        assert_eq!(row.sli_pct, None, "no traffic is not 100% good");
    });
}

#[test]
fn failing_slo_source_is_named_with_time_and_rows_go_stale() {
    let mut app = app();
    let availability = SloSet::embedded().slos[0].name.clone();
    scrape(&mut app, T0, 0, 0);
    scrape(&mut app, T0 + 5_000, 100, 0);
    app.update(Msg::Link {
        source: SourceId::AgentMetrics,
        link: Link::Reconnecting {
            attempt: 2,
            last_error: "Connection refused".into(),
        },
        at_ms: T0 + 10_000,
    });
    let problem = match app.view_of(Screen::Slos).body {
        BodyModel::Slos(model) => model.problem.map(str::to_string),
        _ => None,
    };
    let problem = problem.expect("the failure is on screen");
    assert!(
        problem.contains("Connection refused") && problem.contains("since"),
        "{problem}"
    );
    slo_row(&app, &availability, |row, _| assert!(row.stale));
    scrape(&mut app, T0 + 15_000, 200, 0);
    slo_row(&app, &availability, |row, _| {
        assert!(!row.stale, "recovers by itself")
    });
}
