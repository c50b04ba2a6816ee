//! The mouse and the `/` filter in the console's `App`, driven by messages
//! alone: tab and row clicks, the wheel, overlays that take the clicks,
//! and the shared filter (substring or `~regex`) on every list screen.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use market_data_agent::api::Quote;
use mdops::app::mouse::{MouseAction, MouseMsg};
use mdops::app::{ActionSettings, App, AppConfig, Command, Msg, Screen, SourceId};
use mdops::domain::cluster::{ClusterSnapshot, DeploymentInfo, EventInfo, PodInfo, Rollout};
use mdops_views::model::{AppView, BodyModel, ClusterPane};
use mdops_views::{Hit, List, Theme, ViewState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const T0: i64 = 1_800_000_000_000;

fn app() -> App {
    let config = AppConfig {
        sources: vec![SourceId::AgentApi, SourceId::AgentStream, SourceId::Kubernetes],
        actions: ActionSettings {
            kube: Some(("test".to_string(), "mda".to_string())),
            ..ActionSettings::default()
        },
        ..common::app_config()
    };
    let mut app = common::local_app(config, T0);
    let symbols = ["AAPL", "BTC-USD", "ETH-USD", "ETH-BTC", "MSFT"];
    app.update(Msg::Symbols {
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        at_ms: T0,
    });
    let quotes = symbols.iter().map(|s| quote(s)).collect();
    app.update(Msg::Ticks { quotes, at_ms: T0 });
    app.update(Msg::Cluster {
        snapshot: Box::new(cluster()),
        at_ms: T0,
    });
    app
}

fn quote(symbol: &str) -> Quote {
    Quote {
        symbol: symbol.to_string(),
        price: 100.0,
        bid: 99.99,
        ask: 100.01,
        size: 1.0,
        volume: 100.0,
        open: 100.0,
        ts: T0,
        source: "sim".to_string(),
    }
}

fn deployment(name: &str) -> DeploymentInfo {
    DeploymentInfo {
        name: name.to_string(),
        desired: 1,
        ready: 1,
        updated: 1,
        available: 1,
        rollout: Rollout::Complete,
        created_at_ms: Some(T0),
        generation: 1,
        observed_generation: 1,
    }
}

fn pod(name: &str, reason: Option<&str>) -> PodInfo {
    PodInfo {
        name: name.to_string(),
        phase: "Running".to_string(),
        ready_containers: usize::from(reason.is_none()),
        containers: 1,
        restarts: 0,
        node: Some("node-a".to_string()),
        reason: reason.map(str::to_string),
        created_at_ms: Some(T0),
        healthy: reason.is_none(),
        terminating: false,
        owner: None,
        restarted_at_ms: None,
        resources: Default::default(),
    }
}

fn cluster() -> ClusterSnapshot {
    ClusterSnapshot {
        deployments: vec![deployment("mda-agent"), deployment("mda-ws"), deployment("redis")],
        pods: vec![
            pod("mda-agent-1", Some("CrashLoopBackOff")),
            pod("mda-agent-2", None),
            pod("redis-0", None),
        ],
        events: vec![EventInfo {
            kind: "Warning".to_string(),
            reason: "BackOff".to_string(),
            object: "Pod/mda-agent-1".to_string(),
            message: "Back-off restarting failed container".to_string(),
            count: 3,
            last_seen_ms: Some(T0),
        }],
    }
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn click(app: &mut App, hit: Hit) -> Vec<Command> {
    app.update(Msg::Mouse(MouseMsg {
        hit,
        action: MouseAction::Click,
    }))
}

fn wheel(app: &mut App, hit: Hit, down: bool) -> Vec<Command> {
    let action = if down {
        MouseAction::ScrollDown
    } else {
        MouseAction::ScrollUp
    };
    app.update(Msg::Mouse(MouseMsg { hit, action }))
}

fn row(list: List, index: usize) -> Hit {
    Hit::Row { list, index }
}

fn price_symbols(view: &AppView) -> Vec<String> {
    match &view.body {
        BodyModel::Prices(p) => p.rows.iter().map(|r| r.symbol.to_string()).collect(),
        other => panic!("not prices: {other:?}"),
    }
}

fn selected_symbol(app: &App) -> Option<String> {
    app.prices.selected.clone()
}

/// What the frame of `app` at 80x24 has under `(x, y)`: the same lookup
/// the console does on a click.
fn hit_at(app: &App, x: u16, y: u16) -> Option<Hit> {
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let mut state = ViewState::default();
    mdops_views::render_buffer(&mut buf, &app.view(), &Theme::default(), &mut state);
    state.hit(x, y)
}

#[test]
fn clicking_a_tab_switches_screen() {
    let mut app = app();
    assert_eq!(app.screen, Screen::Prices);
    click(&mut app, Hit::Tab(3));
    assert_eq!(app.screen, Screen::Incidents);
    click(&mut app, Hit::Tab(0));
    assert_eq!(app.screen, Screen::Overview);
    // A tab that does not exist changes nothing.
    click(&mut app, Hit::Tab(42));
    assert_eq!(app.screen, Screen::Overview);
    // The wheel over the tabs does not switch.
    wheel(&mut app, Hit::Tab(2), true);
    assert_eq!(app.screen, Screen::Overview);
}

#[test]
fn a_click_found_on_the_drawn_frame_switches_to_that_tab() {
    let mut app = app();
    let text = mdops_views::render_to_text(&app.view(), &Theme::default(), 80, 24);
    let tabs = text.lines().nth(1).unwrap();
    let x = tabs.find("6 Cluster").unwrap() as u16 + 2;
    let hit = hit_at(&app, x, 1).expect("a tab under the pointer");
    click(&mut app, hit);
    assert_eq!(app.screen, Screen::Cluster);
}

#[test]
fn clicking_an_overview_tile_opens_its_screen() {
    let mut app = app();
    key(&mut app, KeyCode::Char('0'));
    // Found on the drawn frame: the incidents tile of the one environment.
    let incidents = mdops_views::model::OverviewTile::Incidents.index();
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let mut state = ViewState::default();
    mdops_views::render_buffer(&mut buf, &app.view(), &Theme::default(), &mut state);
    let hit = (0..24)
        .flat_map(|y| (0..80).map(move |x| (x, y)))
        .find_map(|(x, y)| state.hit(x, y).filter(|h| *h == Hit::Tile(incidents)))
        .expect("the incidents tile is drawn");
    let commands = click(&mut app, hit);
    assert_eq!(app.screen, Screen::Incidents);
    assert!(commands.is_empty(), "the active environment: no switch");
    // A tile target from an older frame does nothing on another screen.
    click(&mut app, Hit::Tile(0));
    assert_eq!(app.screen, Screen::Incidents);
}

#[test]
fn clicking_a_price_row_selects_it_and_fetches_its_bars() {
    let mut app = app();
    let symbols = price_symbols(&app.view());
    assert_eq!(symbols, ["AAPL", "BTC-USD", "ETH-BTC", "ETH-USD", "MSFT"]);
    let commands = click(&mut app, row(List::Prices, 3));
    assert_eq!(selected_symbol(&app).as_deref(), Some("ETH-USD"));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::FetchBars { symbol, .. } if symbol == "ETH-USD")),
        "{commands:?}"
    );
    // The row under a real pointer position of the frame.
    let y = (0..24)
        .find(|&y| hit_at(&app, 5, y) == Some(row(List::Prices, 1)))
        .expect("row 1 on screen");
    let hit = hit_at(&app, 5, y).unwrap();
    click(&mut app, hit);
    assert_eq!(selected_symbol(&app).as_deref(), Some("BTC-USD"));
    // Past the last row: nothing changes.
    click(&mut app, row(List::Prices, 99));
    assert_eq!(selected_symbol(&app).as_deref(), Some("BTC-USD"));
}

#[test]
fn the_wheel_moves_the_selection_of_the_list_under_the_pointer() {
    let mut app = app();
    click(&mut app, row(List::Prices, 0));
    wheel(&mut app, Hit::List(List::Prices), true);
    assert_eq!(selected_symbol(&app).as_deref(), Some("ETH-USD"));
    wheel(&mut app, row(List::Prices, 0), true);
    assert_eq!(
        selected_symbol(&app).as_deref(),
        Some("MSFT"),
        "stops at the last"
    );
    wheel(&mut app, row(List::Prices, 0), false);
    assert_eq!(selected_symbol(&app).as_deref(), Some("BTC-USD"));

    // A list of another screen (a frame drawn before a key switched) is ignored.
    key(&mut app, KeyCode::Char('2'));
    wheel(&mut app, Hit::List(List::Prices), true);
    assert_eq!(selected_symbol(&app).as_deref(), Some("BTC-USD"));
    // SLOs: the wheel and clicks.
    wheel(&mut app, Hit::List(List::Slos), true);
    assert_eq!(app.slos.selected, 3);
    click(&mut app, row(List::Slos, 1));
    assert_eq!(app.slos.selected, 1);
}

#[test]
fn clicking_a_cluster_pane_focuses_it_and_selects_the_row() {
    let mut app = app();
    key(&mut app, KeyCode::Char('6'));
    click(&mut app, row(List::Cluster(ClusterPane::Pods), 2));
    let cluster = app.cluster.as_ref().unwrap();
    assert_eq!(cluster.focus, ClusterPane::Pods);
    assert_eq!(cluster.selected_pod.as_deref(), Some("redis-0"));
    // A click on the events pane's border focuses it; the wheel in the
    // deployments pane focuses and moves there.
    click(&mut app, Hit::List(List::Cluster(ClusterPane::Events)));
    assert_eq!(app.cluster.as_ref().unwrap().focus, ClusterPane::Events);
    wheel(&mut app, Hit::List(List::Cluster(ClusterPane::Deployments)), true);
    let cluster = app.cluster.as_ref().unwrap();
    assert_eq!(cluster.focus, ClusterPane::Deployments);
    assert_eq!(cluster.selected_deployment.as_deref(), Some("redis"));
}

#[test]
fn clicks_do_nothing_under_the_help_or_a_dialog() {
    let mut app = app();
    key(&mut app, KeyCode::Char('?'));
    click(&mut app, Hit::Tab(3));
    assert_eq!(app.screen, Screen::Prices);
    assert_eq!(hit_at(&app, 5, 5), Some(Hit::Overlay));
    key(&mut app, KeyCode::Esc);
    click(&mut app, row(List::Prices, 4));
    assert_eq!(selected_symbol(&app).as_deref(), Some("MSFT"));
    key(&mut app, KeyCode::Char('x'));
    click(&mut app, row(List::Prices, 0));
    assert_eq!(
        selected_symbol(&app).as_deref(),
        Some("MSFT"),
        "the palette is open"
    );
    click(&mut app, Hit::Overlay);
    assert_eq!(app.screen, Screen::Prices);
}

#[test]
fn a_regex_filter_narrows_prices_and_a_bad_one_says_why() {
    let mut app = app();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "~^ETH-");
    assert_eq!(price_symbols(&app.view()), ["ETH-BTC", "ETH-USD"]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        selected_symbol(&app).as_deref(),
        Some("ETH-BTC"),
        "the selection follows"
    );
    // Plain text is a case-insensitive substring.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "usd");
    assert_eq!(price_symbols(&app.view()), ["BTC-USD", "ETH-USD"]);
    key(&mut app, KeyCode::Esc);
    // A bad regex shows nothing and its error on the status line.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "~(ETH");
    let view = app.view();
    assert!(price_symbols(&view).is_empty());
    let filter = view.status.filter.clone().expect("the filter line");
    assert_eq!(filter.text, "~(ETH");
    assert!(
        filter.error.is_some_and(|e| e.contains("unclosed group")),
        "{:?}",
        filter.error
    );
    let text = mdops_views::render_to_text(&view, &Theme::default(), 80, 24);
    assert!(text.lines().last().unwrap().contains("invalid regex"), "{text}");
    key(&mut app, KeyCode::Char(')'));
    assert_eq!(price_symbols(&app.view()), ["ETH-BTC", "ETH-USD"]);
}

#[test]
fn slos_filter_by_name_or_service_and_keep_a_visible_selection() {
    let mut app = app();
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.slos.selected, 3);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "~^quotes");
    // `q` went to the filter, not quit.
    assert!(!app.should_quit());
    let names = |app: &App| match app.view().body {
        BodyModel::Slos(m) => (
            m.rows.iter().map(|r| r.name.to_string()).collect::<Vec<_>>(),
            m.selected,
        ),
        other => panic!("not SLOs: {other:?}"),
    };
    let (rows, selected) = names(&app);
    assert_eq!(rows, ["quotes-availability", "quotes-latency"]);
    assert_eq!(selected, Some(0));
    assert_eq!(app.slos.selected, 0, "the selection moved to a visible SLO");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.slos.selected, 1, "moves among the visible ones only");
    // The service matches too: all four are `mda`.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "MDA");
    assert_eq!(names(&app).0.len(), 4);
    assert_eq!(names(&app).1, Some(1));
}

#[test]
fn the_cluster_filter_narrows_every_pane() {
    let mut app = app();
    key(&mut app, KeyCode::Char('6'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "redis");
    let model = match app.view().body {
        BodyModel::Cluster(m) => m,
        other => panic!("not cluster: {other:?}"),
    };
    let deployments: Vec<&str> = model.deployments.iter().map(|d| d.name).collect();
    let pods: Vec<&str> = model.pods.iter().map(|p| p.name).collect();
    assert_eq!(deployments, ["redis"]);
    assert_eq!(pods, ["redis-0"]);
    assert!(model.events.is_empty());
    assert_eq!(model.selected, Some(0));
    drop(model);
    let cluster = app.cluster.as_ref().unwrap();
    assert_eq!(cluster.selected_deployment.as_deref(), Some("redis"));
    assert_eq!(cluster.selected_pod.as_deref(), Some("redis-0"));
    // A pod's reason matches; a regex over event messages.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "crashloop");
    key(&mut app, KeyCode::Enter);
    let model = match app.view().body {
        BodyModel::Cluster(m) => m,
        other => panic!("not cluster: {other:?}"),
    };
    assert_eq!(
        model.pods.iter().map(|p| p.name).collect::<Vec<_>>(),
        ["mda-agent-1"]
    );
    assert!(model.deployments.is_empty());
    drop(model);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "~Back-?off");
    let model = match app.view().body {
        BodyModel::Cluster(m) => m,
        other => panic!("not cluster: {other:?}"),
    };
    assert_eq!(model.events.len(), 1);
}

#[test]
fn the_incidents_filter_takes_a_regex_too() {
    let mut app = app();
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "~[");
    let view = app.view();
    let filter = view.status.filter.expect("the filter line");
    assert!(filter.error.is_some_and(|e| e.starts_with("invalid regex")));
}
