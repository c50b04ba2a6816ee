//! Deterministic view models for the snapshot tests and the benchmark.
#![allow(dead_code)]

use std::time::Duration;

use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub const TABS: &[&str] = &["Prices", "SLOs", "Incidents", "Capacity", "DR", "Cluster"];

pub const HINTS: &[(&str, &str)] = &[
    ("q", "quit"),
    ("/", "filter"),
    ("s", "sort"),
    ("↑↓", "select"),
    ("Enter", "detail"),
    ("?", "help"),
];

pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Global",
        &[
            ("q, Ctrl-C", "quit"),
            ("?", "toggle this help"),
            ("1-6", "switch screen"),
            ("Tab/S-Tab", "next / previous screen"),
            ("r", "refresh now"),
        ],
    ),
    (
        "Prices",
        &[
            ("↑/↓, j/k", "move selection"),
            ("PgUp/PgDn", "page"),
            ("Home/End", "first / last symbol"),
            ("/", "filter symbols"),
            ("Esc", "clear filter"),
            ("s", "cycle sort column"),
            ("S", "reverse sort"),
            ("Enter", "toggle detail pane"),
            ("i", "switch bars interval 1s/1m"),
        ],
    ),
    ("SLOs", &[("↑/↓", "select SLO"), ("w", "cycle burn-rate window")]),
    (
        "Incidents",
        &[
            ("a", "acknowledge"),
            ("x", "resolve"),
            ("m", "silence alert (confirm)"),
        ],
    ),
    (
        "Actions",
        &[
            ("R", "restart deployment (confirm)"),
            ("+/-", "scale deployment (confirm)"),
            ("b", "open circuit breaker (confirm)"),
            ("f", "fail over feed (confirm)"),
            ("B", "take backup (confirm)"),
        ],
    ),
];

/// Owns everything the view models borrow.
pub struct Fixture {
    pub symbols: Vec<String>,
    pub last: Vec<f64>,
    pub sparks: Vec<Vec<f64>>,
    pub bars: Vec<(f64, f64)>,
}

const NAMED: &[(&str, f64)] = &[
    ("AAPL", 189.23),
    ("MSFT", 411.07),
    ("NVDA", 903.56),
    ("AMZN", 178.15),
    ("GOOG", 152.61),
    ("META", 497.88),
    ("TSLA", 171.05),
    ("BRK.B", 406.31),
    ("JPM", 198.47),
    ("BTC-USD", 64_012.5),
    ("ETH-USD", 3_120.44),
    ("EURUSD", 1.0731),
    ("DOGE-USD", 0.15478),
    ("SHIB-USD", 0.000_024_51),
];

impl Fixture {
    /// The 14 named symbols.
    pub fn named() -> Fixture {
        Fixture::build(NAMED.iter().map(|(s, p)| (s.to_string(), *p)).collect())
    }

    /// `n` generated symbols `SYM000`, `SYM001`, ...
    pub fn generated(n: usize) -> Fixture {
        Fixture::build(
            (0..n)
                .map(|i| (format!("SYM{i:03}"), 10.0 + (i as f64 * 7.31) % 490.0))
                .collect(),
        )
    }

    fn build(list: Vec<(String, f64)>) -> Fixture {
        let sparks = list
            .iter()
            .enumerate()
            .map(|(i, (_, p))| {
                (0..40)
                    .map(|k| p * (1.0 + 0.01 * (((k * (i + 3)) % 17) as f64 - 8.0) / 8.0))
                    .collect()
            })
            .collect();
        let bars = (0..120)
            .map(|k| {
                let t = 1_700_000_000_000.0 + k as f64 * 1000.0;
                let c = 189.0 + (k as f64 / 9.0).sin() * 1.5 + k as f64 * 0.01;
                (t, c)
            })
            .collect();
        Fixture {
            last: list.iter().map(|(_, p)| *p).collect(),
            symbols: list.into_iter().map(|(s, _)| s).collect(),
            sparks,
            bars,
        }
    }

    pub fn row(&self, i: usize) -> PriceRow<'_> {
        let last = self.last[i];
        let spread = if last >= 1.0 { 0.02 } else { last * 0.001 };
        let dir = match i % 3 {
            0 => Direction::Up,
            1 => Direction::Down,
            _ => Direction::Flat,
        };
        let change = match dir {
            Direction::Up => Some(0.37 + i as f64 * 0.11),
            Direction::Down => Some(-0.52 - i as f64 * 0.07),
            Direction::Flat => i.is_multiple_of(2).then_some(0.0),
        };
        PriceRow {
            symbol: &self.symbols[i],
            last,
            change_pct: change,
            bid: last - spread / 2.0,
            ask: last + spread / 2.0,
            volume: 1_234.0 * (i as f64 + 1.0).powi(4),
            ticks_per_sec: Some(3.5 + (i % 7) as f64 * 4.25),
            spark: &self.sparks[i],
            direction: dir,
            stale: false,
        }
    }

    pub fn rows(&self) -> Vec<PriceRow<'_>> {
        (0..self.symbols.len()).map(|i| self.row(i)).collect()
    }

    pub fn detail(&self, bars: BarsState<'static>) -> DetailModel<'_> {
        DetailModel {
            symbol: &self.symbols[0],
            interval: "1s",
            bars,
            facts: self.facts(),
        }
    }

    pub fn ready_detail(&self) -> DetailModel<'_> {
        DetailModel {
            symbol: &self.symbols[0],
            interval: "1s",
            bars: BarsState::Ready(&self.bars),
            facts: self.facts(),
        }
    }

    fn facts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Open", "187.90".to_string()),
            ("High", "191.02".to_string()),
            ("Low", "187.44".to_string()),
            ("Source", "simulator".to_string()),
            ("Age", "0.4s".to_string()),
            ("Bars", "120".to_string()),
        ]
    }

    /// All rows; the detail pane shows the selected symbol.
    pub fn prices(&self, selected: Option<usize>) -> PricesModel<'_> {
        let mut detail = self.ready_detail();
        detail.symbol = &self.symbols[selected.unwrap_or(0)];
        PricesModel {
            rows: self.rows(),
            total: self.symbols.len(),
            selected,
            sort: PriceColumn::Symbol,
            descending: false,
            detail: selected.map(|_| detail),
        }
    }
}

pub fn header_all_connected() -> HeaderModel<'static> {
    HeaderModel {
        target: "agent 127.0.0.1:8080 (embedded)",
        sources: vec![
            SourceBadge {
                name: "agent",
                state: LinkState::Connected,
                data_age: Some(Duration::from_millis(400)),
            },
            SourceBadge {
                name: "metrics",
                state: LinkState::Connected,
                data_age: Some(Duration::from_millis(2_100)),
            },
        ],
        clock: "14:03:07 UTC",
    }
}

pub fn header_every_state() -> HeaderModel<'static> {
    HeaderModel {
        target: "agent mda.prod.example:8080",
        sources: vec![
            SourceBadge {
                name: "agent",
                state: LinkState::Connected,
                data_age: Some(Duration::from_millis(400)),
            },
            SourceBadge {
                name: "prometheus",
                state: LinkState::Connecting,
                data_age: None,
            },
            SourceBadge {
                name: "alertmanager",
                state: LinkState::Reconnecting {
                    attempt: 3,
                    last_error: "error sending request for url (http://10.0.0.7:9093/api/v2/alerts): \
                                 client error (Connect): tcp connect error: Connection refused (os error 111)",
                },
                data_age: Some(Duration::from_secs(75)),
            },
            SourceBadge {
                name: "k8s",
                state: LinkState::NotConfigured,
                data_age: None,
            },
        ],
        clock: "14:03:07 UTC",
    }
}

pub fn status() -> StatusModel<'static> {
    StatusModel {
        hints: HINTS,
        filter: None,
        message: None,
    }
}

pub fn app<'a>(header: HeaderModel<'a>, body: BodyModel<'a>) -> AppView<'a> {
    AppView {
        header,
        tabs: TabsModel {
            titles: TABS,
            selected: 0,
        },
        body,
        status: status(),
        help: None,
    }
}

/// Draws `view` on a fresh `w` x `h` test terminal.
pub fn draw(view: &AppView, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut state = ViewState::default();
    draw_with(view, theme, w, h, &mut state)
}

pub fn draw_with(
    view: &AppView,
    theme: &Theme,
    w: u16,
    h: u16,
    state: &mut ViewState,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(f, view, theme, state)).unwrap();
    terminal
}
