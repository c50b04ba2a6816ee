//! State of the prices screen: per-symbol quotes, rates and history, and the
//! operator's sort, filter and selection.

use std::cmp::Ordering;
use std::collections::HashMap;

use market_data_agent::api::{Bar, BarInterval, Quote};
use mdops_views::model::{Direction, PriceColumn, PriceRow};

use super::filter::FilterInput;
use crate::domain::price_history::PriceHistory;
use crate::domain::rate::RateMeter;

/// Sparkline length: one sample per second.
const HISTORY_SECONDS: usize = 60;

#[derive(Debug, Clone)]
pub struct SymbolState {
    pub quote: Option<Quote>,
    pub direction: Direction,
    pub rate: RateMeter,
    pub history: PriceHistory,
}

impl SymbolState {
    fn new() -> Self {
        SymbolState {
            quote: None,
            direction: Direction::Flat,
            rate: RateMeter::default(),
            history: PriceHistory::new(HISTORY_SECONDS),
        }
    }
}

/// Bars of the selected symbol, as last fetched.
#[derive(Debug, Clone, PartialEq)]
pub enum BarsData {
    Loading,
    Failed(String),
    /// `(start ms, close)` pairs plus the bars themselves for high/low facts.
    Ready {
        points: Vec<(f64, f64)>,
        bars: Vec<Bar>,
    },
}

#[derive(Debug, Clone)]
pub struct Detail {
    pub symbol: String,
    pub interval: BarInterval,
    pub bars: BarsData,
    pub fetched_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct PricesState {
    pub symbols: HashMap<String, SymbolState>,
    pub sort: PriceColumn,
    pub descending: bool,
    pub filter: FilterInput,
    pub filter_editing: bool,
    /// Selected symbol by name, so the selection survives re-sorting.
    pub selected: Option<String>,
    pub detail: Option<Detail>,
    pub interval: BarInterval,
}

impl Default for PricesState {
    fn default() -> Self {
        PricesState {
            symbols: HashMap::new(),
            sort: PriceColumn::Symbol,
            descending: false,
            filter: FilterInput::default(),
            filter_editing: false,
            selected: None,
            detail: None,
            interval: BarInterval::OneSecond,
        }
    }
}

impl PricesState {
    /// Registers symbols the agent serves, so they show before their first tick.
    pub fn add_symbols(&mut self, symbols: Vec<String>) {
        for symbol in symbols {
            self.symbols.entry(symbol).or_insert_with(SymbolState::new);
        }
    }

    /// A new tick: updates the quote, direction, history and rate.
    pub fn apply_tick(&mut self, quote: Quote, received_ms: i64) {
        if let Some(state) = self.update_quote(quote) {
            state.rate.record(received_ms, 1);
        }
    }

    /// A quote from a snapshot: the latest state, not a new tick. The rate
    /// meter starts watching, so a symbol that never ticks reads 0/s, not unknown.
    pub fn apply_snapshot(&mut self, quote: Quote, received_ms: i64) {
        if let Some(state) = self.update_quote(quote) {
            state.rate.watch_from(received_ms);
        }
    }

    /// Stores `quote` unless it is older than the one held; returns the
    /// symbol's state when it was stored.
    fn update_quote(&mut self, quote: Quote) -> Option<&mut SymbolState> {
        if !self.symbols.contains_key(&quote.symbol) {
            self.symbols.insert(quote.symbol.clone(), SymbolState::new());
        }
        let state = self.symbols.get_mut(&quote.symbol)?;
        if let Some(previous) = &state.quote {
            if quote.ts < previous.ts {
                return None;
            }
            state.direction = match quote.price.partial_cmp(&previous.price) {
                Some(Ordering::Greater) => Direction::Up,
                Some(Ordering::Less) => Direction::Down,
                _ => state.direction,
            };
        }
        state.history.record(quote.ts, quote.price);
        state.quote = Some(quote);
        Some(state)
    }

    /// Rows after filter and sort, in display order.
    pub fn rows(&self, now_ms: i64, stale_after_ms: u64) -> Vec<PriceRow<'_>> {
        let mut rows: Vec<PriceRow<'_>> = self
            .symbols
            .iter()
            .filter(|(symbol, _)| self.filter.matches(symbol))
            .map(|(symbol, state)| row(symbol, state, now_ms, stale_after_ms))
            .collect();
        let column = self.sort;
        rows.sort_by(|a, b| {
            let order = compare(a, b, column).then_with(|| a.symbol.cmp(b.symbol));
            if self.descending { order.reverse() } else { order }
        });
        rows
    }

    /// Index of the selected symbol in `rows`; the first row when the
    /// selection is filtered out.
    pub fn selected_index(&self, rows: &[PriceRow<'_>]) -> Option<usize> {
        if rows.is_empty() {
            return None;
        }
        let found = self
            .selected
            .as_deref()
            .and_then(|selected| rows.iter().position(|row| row.symbol == selected));
        Some(found.unwrap_or(0))
    }
}

fn row<'a>(symbol: &'a str, state: &'a SymbolState, now_ms: i64, stale_after_ms: u64) -> PriceRow<'a> {
    let spark = state.history.as_slice();
    match &state.quote {
        Some(quote) => PriceRow {
            symbol,
            last: quote.price,
            change_pct: (quote.open > 0.0).then(|| (quote.price - quote.open) / quote.open * 100.0),
            bid: quote.bid,
            ask: quote.ask,
            volume: quote.volume,
            ticks_per_sec: state.rate.per_second(now_ms),
            spark,
            direction: state.direction,
            stale: now_ms.saturating_sub(quote.ts) > stale_after_ms as i64,
        },
        None => PriceRow {
            symbol,
            last: f64::NAN,
            change_pct: None,
            bid: f64::NAN,
            ask: f64::NAN,
            volume: 0.0,
            ticks_per_sec: None,
            spark,
            direction: Direction::Flat,
            stale: true,
        },
    }
}

fn compare(a: &PriceRow<'_>, b: &PriceRow<'_>, column: PriceColumn) -> Ordering {
    let key = |row: &PriceRow<'_>| match column {
        PriceColumn::Symbol => 0.0,
        PriceColumn::Last => row.last,
        PriceColumn::ChangePct => row.change_pct.unwrap_or(f64::NAN),
        PriceColumn::Bid => row.bid,
        PriceColumn::Ask => row.ask,
        PriceColumn::Spread => row.ask - row.bid,
        PriceColumn::Volume => row.volume,
        PriceColumn::TicksPerSec => row.ticks_per_sec.unwrap_or(f64::NAN),
    };
    match column {
        PriceColumn::Symbol => a.symbol.cmp(b.symbol),
        _ => key(a).total_cmp(&key(b)),
    }
}
