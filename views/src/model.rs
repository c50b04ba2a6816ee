//! View models: plain data the console's `App` builds each frame and the
//! renderers draw. Nothing here knows about tokio, HTTP or the app.
//!
//! Models borrow from the app's state so that building one is cheap; the
//! renderers build widgets only for what is visible.

use std::time::Duration;

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct AppView<'a> {
    pub header: HeaderModel<'a>,
    pub tabs: TabsModel<'a>,
    pub body: BodyModel<'a>,
    pub status: StatusModel<'a>,
    /// Help overlay, drawn on top of everything when present.
    pub help: Option<HelpModel<'a>>,
}

/// Top line: what the console is connected to and how fresh the data is.
#[derive(Debug, Clone)]
pub struct HeaderModel<'a> {
    /// Target description, e.g. `agent 127.0.0.1:8080 (embedded)`.
    pub target: &'a str,
    pub sources: Vec<SourceBadge<'a>>,
    /// Wall clock shown at the right, already formatted (`HH:MM:SS UTC`).
    pub clock: &'a str,
}

/// Connection state of one upstream source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceBadge<'a> {
    pub name: &'a str,
    pub state: LinkState<'a>,
    /// Time since the last message from this source; `None` before the first.
    pub data_age: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LinkState<'a> {
    Connecting,
    Connected,
    /// Waiting to retry after a failure.
    Reconnecting {
        attempt: u32,
        last_error: &'a str,
    },
    /// Not configured; the text says how to configure it.
    NotConfigured,
}

#[derive(Debug, Clone)]
pub struct TabsModel<'a> {
    pub titles: &'a [&'a str],
    pub selected: usize,
}

#[derive(Debug, Clone)]
pub enum BodyModel<'a> {
    Prices(PricesModel<'a>),
    NotConfigured(NotConfiguredModel<'a>),
}

/// A screen whose source is not configured: says so and how to fix it.
#[derive(Debug, Clone)]
pub struct NotConfiguredModel<'a> {
    pub screen: &'a str,
    /// What the screen would show once configured.
    pub purpose: &'a str,
    /// Instructions, one per line (flags, config keys).
    pub how_to_configure: &'a [&'a str],
}

/// Columns of the prices table, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PriceColumn {
    Symbol,
    Last,
    ChangePct,
    Bid,
    Ask,
    Spread,
    Volume,
    TicksPerSec,
}

impl PriceColumn {
    pub const ALL: [PriceColumn; 8] = [
        PriceColumn::Symbol,
        PriceColumn::Last,
        PriceColumn::ChangePct,
        PriceColumn::Bid,
        PriceColumn::Ask,
        PriceColumn::Spread,
        PriceColumn::Volume,
        PriceColumn::TicksPerSec,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PriceColumn::Symbol => "Symbol",
            PriceColumn::Last => "Last",
            PriceColumn::ChangePct => "Chg%",
            PriceColumn::Bid => "Bid",
            PriceColumn::Ask => "Ask",
            PriceColumn::Spread => "Spread",
            PriceColumn::Volume => "Volume",
            PriceColumn::TicksPerSec => "Ticks/s",
        }
    }
}

/// Direction of the last price change, for up/down colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    Up,
    Down,
    #[default]
    Flat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow<'a> {
    pub symbol: &'a str,
    pub last: f64,
    /// Change since the session open, in percent; `None` when the open is unknown.
    pub change_pct: Option<f64>,
    pub bid: f64,
    pub ask: f64,
    pub volume: f64,
    /// Arrival rate; `None` until the console has watched long enough to know.
    pub ticks_per_sec: Option<f64>,
    /// Recent prices, oldest first, for the sparkline column.
    pub spark: &'a [f64],
    pub direction: Direction,
    /// The quote is older than the staleness threshold.
    pub stale: bool,
}

#[derive(Debug, Clone)]
pub struct PricesModel<'a> {
    /// Rows after filter and sort, in display order. The renderer builds
    /// widgets only for the visible window.
    pub rows: Vec<PriceRow<'a>>,
    /// Number of symbols before the filter.
    pub total: usize,
    /// Index into `rows` of the selected row.
    pub selected: Option<usize>,
    pub sort: PriceColumn,
    pub descending: bool,
    /// Detail pane for the selected symbol.
    pub detail: Option<DetailModel<'a>>,
}

/// Chart and figures for the selected symbol.
#[derive(Debug, Clone)]
pub struct DetailModel<'a> {
    pub symbol: &'a str,
    /// `1s` or `1m`.
    pub interval: &'a str,
    pub bars: BarsState<'a>,
    /// Label/value pairs shown beside the chart (open, high, low, source, age ...).
    pub facts: Vec<(&'a str, String)>,
}

#[derive(Debug, Clone)]
pub enum BarsState<'a> {
    Loading,
    Failed(&'a str),
    /// `(bar start Unix ms, close)` pairs, oldest first.
    Ready(&'a [(f64, f64)]),
}

/// Bottom line: key hints, the filter being typed, transient messages.
#[derive(Debug, Clone)]
pub struct StatusModel<'a> {
    pub hints: &'a [(&'a str, &'a str)],
    pub filter: Option<FilterModel<'a>>,
    pub message: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct FilterModel<'a> {
    pub text: &'a str,
    /// The user is typing (cursor shown) rather than the filter being applied.
    pub editing: bool,
}

#[derive(Debug, Clone)]
pub struct HelpModel<'a> {
    /// `(section title, [(keys, what they do)])`.
    pub sections: &'a [(&'a str, &'a [(&'a str, &'a str)])],
}
