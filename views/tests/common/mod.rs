//! Deterministic view models for the snapshot tests and the benchmark.
#![allow(dead_code)]

use std::time::Duration;

use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

pub const TABS: &[&str] = &[
    "Overview",
    "Prices",
    "SLOs",
    "Incidents",
    "Capacity",
    "DR",
    "Cluster",
    "Timeline",
];

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
            ("0-7", "switch screen"),
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

    /// Detail of the first symbol, its bars in `bars`.
    pub fn detail<'a>(&'a self, bars: BarsState<'a>) -> DetailModel<'a> {
        DetailModel {
            symbol: &self.symbols[0],
            interval: "1s",
            bars,
            facts: self.facts(),
        }
    }

    /// Detail of the first symbol with the fixture's bars.
    pub fn ready_detail(&self) -> DetailModel<'_> {
        self.detail(BarsState::Ready(&self.bars))
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
            sources: Vec::new(),
        }
    }
}

/// A prices screen without rows: `total` 0 before the first data, more
/// when the filter matches none.
pub fn empty_prices(total: usize) -> PricesModel<'static> {
    PricesModel {
        rows: vec![],
        total,
        selected: None,
        sort: PriceColumn::Symbol,
        descending: false,
        detail: None,
        sources: Vec::new(),
    }
}

/// The embedded agent, connected, its data 0.4s old.
fn agent_connected() -> SourceBadge<'static> {
    SourceBadge {
        name: "agent",
        state: LinkState::Connected,
        data_age: Some(Duration::from_millis(400)),
    }
}

pub fn header_all_connected() -> HeaderModel<'static> {
    HeaderModel {
        target: "agent 127.0.0.1:8080 (embedded)",
        sources: vec![
            agent_connected(),
            SourceBadge {
                name: "metrics",
                state: LinkState::Connected,
                data_age: Some(Duration::from_millis(2_100)),
            },
        ],
        clock: "14:03:07 UTC",
        incidents: None,
        replay: None,
    }
}

pub fn header_every_state() -> HeaderModel<'static> {
    HeaderModel {
        target: "agent mda.prod.example:8080",
        sources: vec![
            agent_connected(),
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
        incidents: None,
        replay: None,
    }
}

pub fn status() -> StatusModel<'static> {
    StatusModel {
        hints: HINTS.to_vec(),
        filter: None,
        message: None,
    }
}

pub fn app<'a>(header: HeaderModel<'a>, body: BodyModel<'a>) -> AppView<'a> {
    AppView {
        header,
        tabs: TabsModel {
            titles: TABS,
            selected: 1,
        },
        body,
        status: status(),
        help: None,
        dialog: None,
        palette: None,
        output: None,
        action_status: None,
        nav: NavModel::default(),
    }
}

/// The prices screen under the all-connected header.
pub fn prices_app(p: PricesModel<'_>) -> AppView<'_> {
    app(header_all_connected(), BodyModel::Prices(p))
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

/// The cells of `view` drawn on a fresh `w` x `h` test terminal.
pub fn draw_buffer(view: &AppView, theme: &Theme, w: u16, h: u16) -> Buffer {
    draw(view, theme, w, h).backend().buffer().clone()
}

/// The workbook's windows, in column order.
pub const SLO_WINDOWS: &[&str] = &["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// Page and ticket thresholds (30-day period, workbook factors).
pub const SLO_THRESHOLDS: &[(f64, &str)] = &[
    (14.4, "page"),
    (6.0, "page 6h"),
    (3.0, "ticket"),
    (1.0, "ticket 3d"),
];

/// Owns everything the SLO view models borrow.
pub struct SloFixture {
    /// 1h burn history of the paging SLO: quiet, then a climb past 14.4.
    pub burning: Vec<(f64, f64)>,
    /// 1h burn history of a healthy SLO, well under 1.
    pub quiet: Vec<(f64, f64)>,
}

const T0: f64 = 1_700_000_000_000.0;

/// A burn rate over a whole window.
fn rate(value: f64) -> BurnCell {
    BurnCell::Rate {
        value,
        partial: false,
    }
}

fn rates(values: [f64; 7]) -> Vec<BurnCell> {
    values.into_iter().map(rate).collect()
}

impl Default for SloFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl SloFixture {
    pub fn new() -> SloFixture {
        let burning = (0..120)
            .map(|k| {
                let t = T0 + k as f64 * 30_000.0;
                let base = 0.4 + 0.2 * (k as f64 / 5.0).sin();
                let climb = if k > 80 { (k - 80) as f64 * 0.38 } else { 0.0 };
                (t, base + climb)
            })
            .collect();
        let quiet = (0..120)
            .map(|k| (T0 + k as f64 * 30_000.0, 0.1 + 0.05 * (k as f64 / 7.0).sin()))
            .collect();
        SloFixture { burning, quiet }
    }

    /// Page, ticket, ok, a low-traffic SLO with idle windows, and one whose
    /// figures are not known yet.
    pub fn rows(&self) -> Vec<SloRow<'static>> {
        let h = |h: u64| Some(Duration::from_secs(h * 3600 + 1800));
        vec![
            SloRow {
                name: "quotes-availability",
                service: "mda",
                objective_pct: 99.9,
                sli_pct: Some(99.942),
                budget_remaining: Some(0.42),
                burn: rates([16.1, 15.0, 15.2, 9.8, 4.1, 1.3, 0.6]),
                alert: AlertLevelModel::Page,
                alert_reason: Some("1h 15.2 > 14.4 and 5m 16.1 > 14.4"),
                exhaustion: h(19),
                events: Some(1_843_220.0),
                stale: false,
                period_partial: false,
            },
            SloRow {
                name: "quotes-latency-p99",
                service: "mda",
                objective_pct: 99.0,
                sli_pct: Some(99.61),
                budget_remaining: Some(0.61),
                burn: rates([2.1, 3.4, 3.2, 3.6, 2.9, 3.3, 1.8]),
                alert: AlertLevelModel::Ticket,
                alert_reason: Some("1d 3.3 > 3 and 2h 3.6 > 3"),
                exhaustion: h(137),
                events: Some(1_843_220.0),
                stale: false,
                period_partial: false,
            },
            SloRow {
                name: "ws-fanout-delivery",
                service: "mda-ws",
                objective_pct: 99.95,
                sli_pct: Some(99.9965),
                budget_remaining: Some(0.93),
                burn: rates([0.12, 0.08, 0.10, 0.09, 0.11, 0.14, 0.20]),
                alert: AlertLevelModel::Ok,
                alert_reason: None,
                exhaustion: Some(Duration::from_secs(279 * 86_400)),
                events: Some(96_400_000.0),
                stale: false,
                period_partial: false,
            },
            SloRow {
                name: "bars-api-availability",
                service: "mda",
                objective_pct: 99.9,
                sli_pct: Some(99.757),
                budget_remaining: Some(-1.43),
                burn: vec![
                    BurnCell::NoTraffic,
                    BurnCell::NoTraffic,
                    rate(0.0),
                    rate(0.0),
                    rate(8.3),
                    rate(1.4),
                    rate(0.5),
                ],
                alert: AlertLevelModel::Ok,
                alert_reason: None,
                exhaustion: None,
                events: Some(412.0),
                stale: false,
                period_partial: false,
            },
            SloRow {
                name: "feed-freshness",
                service: "feed",
                objective_pct: 99.5,
                sli_pct: None,
                budget_remaining: None,
                burn: vec![BurnCell::Unknown; 7],
                alert: AlertLevelModel::Ok,
                alert_reason: None,
                exhaustion: None,
                events: None,
                stale: false,
                period_partial: false,
            },
        ]
    }

    /// One row per name: the fixture's rows over and over, renamed.
    pub fn rows_named<'a>(&self, names: &'a [String]) -> Vec<SloRow<'a>> {
        let base = self.rows();
        names
            .iter()
            .enumerate()
            .map(|(i, n)| SloRow {
                name: n,
                ..base[i % base.len()].clone()
            })
            .collect()
    }

    pub fn queries() -> Vec<(&'static str, &'static str)> {
        vec![
            (
                "burn 1h",
                "sum(rate(mda_http_requests_total{route=~\"/api/v1/quotes/.*\",code=~\"5..\"}[1h])) / sum(rate(mda_http_requests_total{route=~\"/api/v1/quotes/.*\"}[1h])) / (1 - 0.999)",
            ),
            (
                "burn 5m",
                "sum(rate(mda_http_requests_total{route=~\"/api/v1/quotes/.*\",code=~\"5..\"}[5m]))\n  /\nsum(rate(mda_http_requests_total{route=~\"/api/v1/quotes/.*\"}[5m])) / (1 - 0.999)",
            ),
            (
                "budget",
                "slo:period_error_budget_remaining:ratio{sloth_id=\"mda-quotes-availability\"}",
            ),
        ]
    }

    /// Detail of the paging SLO (row 0).
    pub fn burning_detail(&self) -> SloDetailModel<'_> {
        SloDetailModel {
            name: "quotes-availability",
            description: "Quote requests answered without a 5xx, over 30 days",
            history: &self.burning,
            thresholds: SLO_THRESHOLDS.to_vec(),
            queries: Self::queries(),
            note: Some("history: 1h burn rate every 30s over the last hour"),
        }
    }

    /// Detail of the healthy SLO (row 2): every threshold but 1 is above the chart.
    pub fn quiet_detail(&self) -> SloDetailModel<'_> {
        SloDetailModel {
            name: "ws-fanout-delivery",
            description: "Ticks delivered to WebSocket subscribers within 250ms",
            history: &self.quiet,
            thresholds: SLO_THRESHOLDS.to_vec(),
            queries: vec![(
                "burn 1h",
                "slo:sli_error:ratio_rate1h{sloth_id=\"mda-ws-fanout-delivery\"} / on() group_left slo:error_budget:ratio{sloth_id=\"mda-ws-fanout-delivery\"}",
            )],
            note: None,
        }
    }

    /// All rows; the detail pane shows the selected SLO (the quiet history
    /// for row 2, the burning one otherwise).
    pub fn model(&self, selected: Option<usize>) -> SlosModel<'_> {
        let rows = self.rows();
        let detail = selected.map(|i| {
            let mut d = if i == 2 {
                self.quiet_detail()
            } else {
                self.burning_detail()
            };
            if let Some(r) = rows.get(i) {
                d.name = r.name;
            }
            d
        });
        SlosModel {
            source: "Prometheus http://127.0.0.1:9090",
            problem: None,
            windows: SLO_WINDOWS.to_vec(),
            rows,
            selected,
            detail,
        }
    }

    /// The local-scrape mode: 12 minutes of history, so every window past
    /// 5m is partial.
    pub fn local_scrape(&self) -> SlosModel<'_> {
        let mut m = self.model(Some(0));
        m.source = "local scrape of the agent's /metrics every 5s, 12m of history";
        for r in &mut m.rows {
            r.period_partial = true;
            for c in r.burn.iter_mut().skip(1) {
                if let BurnCell::Rate { partial, .. } = c {
                    *partial = true;
                }
            }
        }
        if let Some(d) = &mut m.detail {
            d.history = &self.burning[96..];
            d.note = Some("history: 12m of local scrapes; longer windows are partial");
        }
        m
    }

    /// Prometheus went away: last values shown, every row stale.
    pub fn source_down(&self) -> SlosModel<'_> {
        let mut m = self.model(Some(1));
        m.problem = Some(
            "Prometheus unreachable since 05:12:03 (connection refused): last values shown, marked stale",
        );
        for r in &mut m.rows {
            r.stale = true;
        }
        m
    }
}

pub fn slos_app(m: SlosModel<'_>) -> AppView<'_> {
    let mut view = app(header_all_connected(), BodyModel::Slos(m));
    view.tabs.selected = 2;
    view.status.hints = vec![("q", "quit"), ("↑↓", "select"), ("w", "window"), ("?", "help")];
    view
}

/// Owns what the incident view models borrow that is not static.
pub struct IncidentFixture {
    /// Titles of the many-rows screen.
    pub many: Vec<String>,
}

impl Default for IncidentFixture {
    fn default() -> Self {
        Self::new()
    }
}

const MIN: u64 = 60;
const HOUR: u64 = 3600;

fn incident(
    severity: SeverityModel,
    status: IncidentStatusModel,
    title: &'static str,
    (service, component): (&'static str, &'static str),
    age_s: u64,
    signals: usize,
    (acked, silenced): (bool, bool),
) -> IncidentRowModel<'static> {
    IncidentRowModel {
        severity,
        title,
        service,
        component,
        status,
        age: Duration::from_secs(age_s),
        signals,
        acked,
        silenced,
    }
}

impl IncidentFixture {
    pub fn new() -> IncidentFixture {
        IncidentFixture {
            many: (0..40)
                .map(|i| format!("Price anomaly on SYM{i:03}: jump of {}.{}%", 3 + i % 7, i % 10))
                .collect(),
        }
    }

    /// Open incidents, sorted by severity then age (as the app sorts them):
    /// every severity, triggered and acknowledged ones, acked and silenced.
    pub fn open_rows() -> Vec<IncidentRowModel<'static>> {
        use IncidentStatusModel::*;
        use SeverityModel::*;
        vec![
            incident(
                Sev1,
                Triggered,
                "Feed stale: BTC-USD, ETH-USD",
                ("mda", "feed"),
                3 * MIN + 5,
                3,
                (false, false),
            ),
            incident(
                Sev1,
                Acknowledged,
                "Quotes API 5xx error rate above the page burn rate",
                ("mda", "api"),
                47 * MIN,
                2,
                (true, false),
            ),
            incident(
                Sev2,
                Triggered,
                "Price anomaly: NVDA jumped 8.2% in 1s (MAD score 14.1)",
                ("mda", "anomaly"),
                45,
                1,
                (false, false),
            ),
            incident(
                Sev2,
                Acknowledged,
                "Rejected ticks spike on source coinbase",
                ("mda", "validate"),
                3 * HOUR + 5 * MIN,
                2,
                (true, true),
            ),
            incident(
                Sev3,
                Triggered,
                "Prometheus target mda down",
                ("prometheus", ""),
                2 * 24 * HOUR + 4 * HOUR,
                1,
                (false, false),
            ),
            incident(
                Sev4,
                Acknowledged,
                "Backup volume 81% full",
                ("", "backups"),
                12 * MIN,
                1,
                (false, true),
            ),
        ]
    }

    /// A resolved row, shown when resolved rows are.
    pub fn resolved_row() -> IncidentRowModel<'static> {
        incident(
            SeverityModel::Sev3,
            IncidentStatusModel::Resolved,
            "WebSocket clients disconnected",
            ("mda", "ws"),
            5 * HOUR,
            1,
            (true, false),
        )
    }

    /// Detail of the stale-feed incident (row 0): an agent incident and two
    /// alerts, its timeline, and two silences (one an ACK).
    pub fn detail() -> IncidentDetailModel<'static> {
        IncidentDetailModel {
            title: "Feed stale: BTC-USD, ETH-USD",
            facts: vec![
                ("id", "inc-0042".to_string()),
                ("severity", "SEV1".to_string()),
                ("status", "triggered".to_string()),
                ("started", "14:00:02 UTC (3m ago)".to_string()),
                ("service", "mda/feed".to_string()),
                ("dedup", "feed_stale:simulator".to_string()),
            ],
            signals: vec![
                SignalModel {
                    kind: "agent",
                    name: "Feed stale: BTC-USD",
                    severity: SeverityModel::Sev1,
                    state: "firing",
                    labels: vec![("symbol", "BTC-USD"), ("source", "simulator")],
                    annotations: vec![],
                },
                SignalModel {
                    kind: "alert",
                    name: "MdaFeedStale",
                    severity: SeverityModel::Sev1,
                    state: "firing",
                    labels: vec![
                        ("alertname", "MdaFeedStale"),
                        ("service", "mda"),
                        ("component", "feed"),
                        ("severity", "page"),
                        ("symbol", "BTC-USD"),
                        ("instance", "127.0.0.1:8080"),
                        ("job", "mda"),
                    ],
                    annotations: vec![
                        ("summary", "No accepted ticks for BTC-USD for 95s"),
                        (
                            "description",
                            "The agent accepted no tick for BTC-USD from source simulator for longer \
                             than the 30s threshold; quotes served for it are stale.",
                        ),
                        ("runbook_url", "https://runbooks.example/mda/feed-stale"),
                    ],
                },
                SignalModel {
                    kind: "alert",
                    name: "MdaFeedStale",
                    severity: SeverityModel::Sev2,
                    state: "silenced",
                    labels: vec![("alertname", "MdaFeedStale"), ("symbol", "ETH-USD")],
                    annotations: vec![("summary", "No accepted ticks for ETH-USD for 70s")],
                },
            ],
            timeline: vec![
                TimelineLine {
                    at: "14:00:02".to_string(),
                    text: "detected: no accepted ticks for BTC-USD for 30s",
                },
                TimelineLine {
                    at: "14:01:10".to_string(),
                    text: "value changed: 98s without ticks",
                },
                TimelineLine {
                    at: "14:02:40".to_string(),
                    text: "alert MdaFeedStale firing in Alertmanager",
                },
            ],
            silences: vec![
                SilenceLine {
                    id: "6f1c2a9e-81b2-4c55-9d1e-2f0b7a6c3d10",
                    state: "active",
                    matchers: "alertname=\"MdaFeedStale\", symbol=\"ETH-USD\"".to_string(),
                    until: "until 14:33:07 UTC (in 30m)".to_string(),
                    created_by: "alice",
                    comment: "ETH feed vendor maintenance, ticket #4411",
                    ack: false,
                },
                SilenceLine {
                    id: "0b9e77d4-5a21-4f0e-8c3b-6d2a1e9f4b87",
                    state: "pending",
                    matchers: "alertname=\"MdaFeedStale\", service=\"mda\"".to_string(),
                    until: "until 14:18:07 UTC (in 15m)".to_string(),
                    created_by: "bob",
                    comment: "ACK! bob",
                    ack: true,
                },
            ],
        }
    }

    /// The open rows, the first selected, 1 resolved row hidden.
    pub fn model(&self) -> IncidentsModel<'static> {
        let rows = Self::open_rows();
        IncidentsModel {
            source: "agent incidents + Alertmanager http://127.0.0.1:9093",
            problems: vec![],
            total: rows.len() + 1,
            rows,
            hidden_resolved: 1,
            show_resolved: false,
            selected: Some(0),
            detail: Some(Self::detail()),
            loading: false,
        }
    }

    /// `n` generated anomaly rows, row `selected` selected.
    pub fn many_rows(&self, selected: usize) -> IncidentsModel<'_> {
        let base = Self::open_rows();
        let rows: Vec<IncidentRowModel> = self
            .many
            .iter()
            .enumerate()
            .map(|(i, title)| IncidentRowModel {
                title,
                age: Duration::from_secs(30 + i as u64 * 97),
                ..base[i % base.len()].clone()
            })
            .collect();
        let mut detail = Self::detail();
        detail.title = &self.many[selected];
        IncidentsModel {
            total: rows.len(),
            rows,
            hidden_resolved: 0,
            selected: Some(selected),
            detail: Some(detail),
            ..self.model()
        }
    }

    /// No row: `total` rows before the filter and toggle.
    pub fn empty(total: usize) -> IncidentsModel<'static> {
        IncidentsModel {
            source: "agent incidents + Alertmanager http://127.0.0.1:9093",
            problems: vec![],
            rows: vec![],
            total,
            hidden_resolved: 0,
            show_resolved: false,
            selected: None,
            detail: None,
            loading: false,
        }
    }
}

pub const INCIDENT_HINTS: &[(&str, &str)] = &[
    ("q", "quit"),
    ("a", "ack"),
    ("s", "silence"),
    ("R", "resolve"),
    ("r", "resolved"),
    ("?", "help"),
];

/// Open incidents by severity as the header shows them: two SEV1, one SEV3.
pub const HEADER_COUNTS: [usize; 4] = [2, 0, 1, 0];

pub fn incidents_app(m: IncidentsModel<'_>) -> AppView<'_> {
    let mut header = header_all_connected();
    header.incidents = Some(HEADER_COUNTS);
    let mut view = app(header, BodyModel::Incidents(m));
    view.tabs.selected = 3;
    view.status.hints = INCIDENT_HINTS.to_vec();
    view
}

pub const CONFIRM_HINTS: &[(&str, &str)] = &[("Enter", "confirm"), ("Esc", "cancel")];

/// Acknowledging the stale-feed incident: an agent ack and a short ACK
/// silence for its alert group.
pub fn ack_dialog() -> DialogModel<'static> {
    DialogModel {
        title: "Acknowledge",
        lines: vec![
            "Acknowledge \"Feed stale: BTC-USD, ETH-USD\" as alice:".to_string(),
            "agent incident inc-0042: acknowledged through the agent's API".to_string(),
            "alert group MdaFeedStale {service=\"mda\", component=\"feed\"}: silenced for 15m \
             with the comment \"ACK! alice\""
                .to_string(),
        ],
        fields: vec![],
        error: None,
        busy: false,
        hints: CONFIRM_HINTS,
    }
}

/// Silencing the stale-feed alerts: three fields, the duration focused and
/// refused.
pub fn silence_dialog() -> DialogModel<'static> {
    DialogModel {
        title: "Silence alerts",
        lines: vec![
            "Silence the 2 alerts of \"Feed stale: BTC-USD, ETH-USD\" in Alertmanager \
             http://127.0.0.1:9093 as alice."
                .to_string(),
        ],
        fields: vec![
            FieldModel {
                label: "matchers",
                value: "alertname=\"MdaFeedStale\", service=\"mda\", component=\"feed\"",
                focused: false,
            },
            FieldModel {
                label: "duration",
                value: "2x",
                focused: true,
            },
            FieldModel {
                label: "comment",
                value: "feed vendor maintenance",
                focused: false,
            },
        ],
        error: Some("invalid duration \"2x\": use a number and a unit, e.g. 30m, 2h or 1d"),
        busy: false,
        hints: &[("Tab", "next field"), ("Enter", "silence"), ("Esc", "cancel")],
    }
}

const DAY: u64 = 86_400;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub const CLUSTER_CONTEXT: &str = "context prod-eu, namespace mda";

pub const CLUSTER_HINTS: &[(&str, &str)] = &[
    ("q", "quit"),
    ("Tab", "next pane"),
    ("↑↓", "select"),
    (":", "actions"),
    ("?", "help"),
];

fn deployment(
    name: &'static str,
    [desired, ready, updated, available]: [i32; 4],
    rollout: &'static str,
    age: Duration,
) -> DeploymentRow<'static> {
    DeploymentRow {
        name,
        desired,
        ready,
        updated,
        available,
        rollout,
        healthy: rollout == "complete" && available == desired,
        age,
    }
}

#[allow(clippy::too_many_arguments)]
fn pod(
    name: &'static str,
    phase: &'static str,
    ready: (u32, u32),
    restarts: u32,
    age: Duration,
    node: &'static str,
    reason: &'static str,
) -> PodRow<'static> {
    PodRow {
        name,
        phase,
        ready,
        restarts,
        age,
        node,
        reason,
        healthy: (phase == "Running" && ready.0 == ready.1) || phase == "Succeeded",
    }
}

fn event(
    age: Duration,
    reason: &'static str,
    object: &'static str,
    message: &'static str,
    count: u32,
) -> EventRow<'static> {
    EventRow {
        age,
        kind: "Warning",
        reason,
        object,
        message,
        count,
    }
}

/// Namespace `mda`: the agent rolling out with one new pod in
/// CrashLoopBackOff, the replay deployment stalled on ImagePullBackOff, the
/// rest healthy; the pods pane focused on the crashing pod.
pub fn cluster_model() -> ClusterModel<'static> {
    const NODE_A: &str = "ip-10-0-1-23.eu-west-1.compute.internal";
    const NODE_B: &str = "ip-10-0-2-41.eu-west-1.compute.internal";
    const NODE_C: &str = "ip-10-0-3-17.eu-west-1.compute.internal";
    ClusterModel {
        context: CLUSTER_CONTEXT,
        problem: None,
        loading: false,
        deployments: vec![
            deployment("mda-agent", [3, 2, 1, 2], "progressing", secs(12 * DAY)),
            deployment("mda-gateway", [2, 2, 2, 2], "complete", secs(40 * DAY)),
            deployment(
                "mda-replay",
                [1, 0, 1, 0],
                "stalled: ProgressDeadlineExceeded",
                secs(40 * DAY),
            ),
            deployment("prometheus", [1, 1, 1, 1], "complete", secs(40 * DAY)),
        ],
        pods: vec![
            pod(
                "mda-agent-7d9f8c6b5-x2k4q",
                "Running",
                (1, 1),
                0,
                secs(2 * HOUR),
                NODE_A,
                "",
            ),
            pod(
                "mda-agent-7d9f8c6b5-p8m2z",
                "Running",
                (1, 1),
                0,
                secs(2 * HOUR),
                NODE_B,
                "",
            ),
            pod(
                "mda-agent-5c4b7f9d8-qw7rt",
                "Running",
                (0, 1),
                7,
                secs(14 * MIN),
                NODE_B,
                "CrashLoopBackOff",
            ),
            pod(
                "mda-gateway-6f8d9c7b4-lk3jd",
                "Running",
                (1, 1),
                0,
                secs(3 * DAY),
                NODE_A,
                "",
            ),
            pod(
                "mda-gateway-6f8d9c7b4-zz91x",
                "Running",
                (1, 1),
                2,
                secs(3 * DAY),
                NODE_C,
                "",
            ),
            pod(
                "mda-replay-84c6d5f7b9-t5v8n",
                "Pending",
                (0, 1),
                0,
                secs(9 * MIN),
                NODE_C,
                "ImagePullBackOff",
            ),
            pod("prometheus-0", "Running", (2, 2), 0, secs(40 * DAY), NODE_A, ""),
            pod(
                "mda-backup-28813920-fj4ks",
                "Succeeded",
                (0, 1),
                0,
                secs(HOUR),
                NODE_C,
                "",
            ),
        ],
        events: vec![
            event(
                secs(20),
                "BackOff",
                "Pod/mda-agent-5c4b7f9d8-qw7rt",
                "Back-off restarting failed container agent in pod mda-agent-5c4b7f9d8-qw7rt_mda",
                31,
            ),
            event(
                secs(45),
                "Failed",
                "Pod/mda-replay-84c6d5f7b9-t5v8n",
                "Failed to pull image \"registry.example/mda-replay:1.9.0\": rpc error: code = \
                 NotFound desc = failed to pull and unpack image: not found",
                4,
            ),
            event(
                secs(70),
                "Unhealthy",
                "Pod/mda-agent-5c4b7f9d8-qw7rt",
                "Readiness probe failed: Get \"http://10.0.2.17:8080/ready\": dial tcp \
                 10.0.2.17:8080: connect: connection refused",
                12,
            ),
            event(
                secs(8 * MIN),
                "BackOff",
                "Pod/mda-replay-84c6d5f7b9-t5v8n",
                "Back-off pulling image \"registry.example/mda-replay:1.9.0\"",
                37,
            ),
            event(
                secs(15 * MIN),
                "FailedScheduling",
                "Pod/mda-agent-5c4b7f9d8-qw7rt",
                "0/3 nodes are available: 3 Insufficient memory",
                1,
            ),
        ],
        focus: ClusterPane::Pods,
        selected: Some(2),
    }
}

/// A namespace whose lists answered empty.
pub fn empty_cluster() -> ClusterModel<'static> {
    ClusterModel {
        deployments: vec![],
        pods: vec![],
        events: vec![],
        focus: ClusterPane::Deployments,
        selected: None,
        ..cluster_model()
    }
}

/// `n` generated pod names, for scrolling.
pub fn pod_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("mda-agent-7d9f8c6b5-{i:05}")).collect()
}

/// One healthy pod per name, every fifth crashing.
pub fn many_pods(names: &[String]) -> Vec<PodRow<'_>> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let crashing = i % 5 == 4;
            PodRow {
                name,
                phase: "Running",
                ready: (u32::from(!crashing), 1),
                restarts: if crashing { 3 } else { 0 },
                age: secs(HOUR + i as u64 * MIN),
                node: "ip-10-0-1-23.eu-west-1.compute.internal",
                reason: if crashing { "CrashLoopBackOff" } else { "" },
                healthy: !crashing,
            }
        })
        .collect()
}

pub fn cluster_app(m: ClusterModel<'_>) -> AppView<'_> {
    let mut view = app(header_all_connected(), BodyModel::Cluster(m));
    view.tabs.selected = 6;
    view.status.hints = CLUSTER_HINTS.to_vec();
    view
}

/// The actions for the selected deployment: two destructive, two that
/// cannot run now.
pub fn palette() -> PaletteModel<'static> {
    let item = |key, name, description, destructive, disabled| PaletteItem {
        key,
        name,
        description,
        destructive,
        disabled,
    };
    PaletteModel {
        query: "",
        target: Some("deployment mda-agent"),
        items: vec![
            item(
                "R",
                "restart",
                "Rollout restart of the deployment (as kubectl rollout restart)",
                true,
                None,
            ),
            item("+", "scale-up", "Add one replica (at most 10)", false, None),
            item("-", "scale-down", "Remove one replica (at least 2)", true, None),
            item(
                "f",
                "failover",
                "Switch the active feed to the next source",
                false,
                None,
            ),
            item(
                "ctrl-l",
                "chaos-latency",
                "Inject 500ms of latency into the feed",
                false,
                Some("needs the admin role; your token is operator"),
            ),
            item(
                "l",
                "logs",
                "Last 200 log lines of the selected pod",
                false,
                Some("applies to a pod; a deployment is selected"),
            ),
        ],
        selected: Some(0),
    }
}

pub const EXEC_TITLE: &str = "kubectl -n mda rollout status deploy/mda-agent --timeout=120s";

/// Output lines of a rollout that never finishes: `n` progress lines, then
/// the error on stderr.
pub fn rollout_lines(n: usize) -> Vec<String> {
    let mut lines: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "Waiting for deployment \"mda-agent\" rollout to finish: {} of 3 updated replicas \
                 are available (check {})...",
                1 + i % 2,
                i + 1
            )
        })
        .collect();
    lines.push("! error: deployment \"mda-agent\" exceeded its progress deadline".to_string());
    lines
}

pub fn output<'a>(lines: &'a [String], running: bool, outcome: Option<&'a str>) -> OutputModel<'a> {
    OutputModel {
        title: EXEC_TITLE,
        lines: lines.iter().map(String::as_str).collect(),
        running,
        outcome,
    }
}

pub fn status_watching() -> ActionStatusModel<'static> {
    ActionStatusModel {
        action: "restart deployment mda-agent",
        result: "done in 0.4s",
        failed: false,
        verification: VerificationState::Watching { remaining: secs(45) },
        checks: vec![
            ("rollout", None, "2 of 3 updated, 2 available"),
            ("pods ready", None, "2/3 ready"),
            ("agent /ready", Some(true), "200 OK"),
        ],
    }
}

pub fn status_recovered() -> ActionStatusModel<'static> {
    ActionStatusModel {
        verification: VerificationState::Recovered { after: secs(12) },
        checks: vec![
            ("rollout", Some(true), "3/3 updated and available"),
            ("pods ready", Some(true), "3/3 ready, 0 restarts"),
            ("agent /ready", Some(true), "200 OK"),
        ],
        ..status_watching()
    }
}

pub fn status_not_recovered() -> ActionStatusModel<'static> {
    ActionStatusModel {
        action: "restart deployment mda-replay",
        result: "done in 0.3s",
        failed: false,
        verification: VerificationState::NotRecovered,
        checks: vec![
            (
                "rollout",
                Some(false),
                "stalled: ProgressDeadlineExceeded after 120s",
            ),
            ("pods ready", Some(false), "0/1 ready: ImagePullBackOff"),
            ("agent /ready", Some(true), "200 OK"),
            ("SLI burn 5m", None, "no data yet"),
            ("feed source", Some(true), "simulator connected"),
        ],
    }
}
