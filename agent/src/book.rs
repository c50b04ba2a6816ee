//! The book: per served symbol, the latest quote and its bar rings.
//!
//! The symbol set is fixed at start, so lookups need no lock and each symbol
//! has its own mutex: the pipeline's writes and the HTTP/WebSocket reads of
//! different symbols never contend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::api::{Bar, BarInterval, Quote};
use crate::bars::BarRing;
use crate::config::{BarsConfig, SymbolSpec};
use crate::feed::RawTick;

const DAY_MS: i64 = 86_400_000;

/// Index of a served symbol in the book.
pub(crate) type SymbolId = usize;

pub(crate) struct Book {
    symbols: Vec<Arc<str>>,
    index: HashMap<Arc<str>, SymbolId>,
    slots: Vec<Mutex<Slot>>,
}

struct Slot {
    session: Session,
    bars_1s: BarRing,
    bars_1m: BarRing,
}

/// Latest quote of one symbol plus the UTC day its session started.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub quote: Option<Quote>,
    pub day: i64,
}

impl Session {
    /// A session that has seen no tick yet.
    pub fn new() -> Session {
        Session {
            quote: None,
            day: i64::MIN,
        }
    }

    /// Applies an accepted tick. The session (open price, cumulative volume)
    /// starts with the first tick and again with the first tick of each UTC
    /// day.
    pub fn apply(&mut self, symbol: &str, source: &str, tick: &RawTick) -> &Quote {
        let day = tick.ts.div_euclid(DAY_MS);
        let new_session = day > self.day;
        let quote = self.quote.get_or_insert_with(|| Quote {
            symbol: symbol.to_string(),
            price: tick.price,
            bid: tick.bid,
            ask: tick.ask,
            size: 0.0,
            volume: 0.0,
            open: tick.price,
            ts: tick.ts,
            source: source.to_string(),
        });
        if new_session {
            self.day = day;
            quote.open = tick.price;
            quote.volume = 0.0;
        }
        quote.price = tick.price;
        quote.bid = tick.bid;
        quote.ask = tick.ask;
        quote.size = tick.size;
        quote.volume += tick.size;
        quote.ts = tick.ts;
        if quote.source != source {
            source.clone_into(&mut quote.source);
        }
        quote
    }
}

impl Book {
    pub fn new(symbols: &[SymbolSpec], bars: &BarsConfig) -> Book {
        let symbols: Vec<Arc<str>> = symbols.iter().map(|s| Arc::from(s.symbol.as_str())).collect();
        let index = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (Arc::clone(s), i))
            .collect();
        let slots = symbols
            .iter()
            .map(|_| {
                Mutex::new(Slot {
                    session: Session::new(),
                    bars_1s: BarRing::new(BarInterval::OneSecond, bars.ring_1s),
                    bars_1m: BarRing::new(BarInterval::OneMinute, bars.ring_1m),
                })
            })
            .collect();
        Book {
            symbols,
            index,
            slots,
        }
    }

    pub fn id(&self, symbol: &str) -> Option<SymbolId> {
        self.index.get(symbol).copied()
    }

    /// Served symbols, in configuration order.
    pub fn symbols(&self) -> &[Arc<str>] {
        &self.symbols
    }

    fn slot(&self, id: SymbolId) -> Option<MutexGuard<'_, Slot>> {
        self.slots
            .get(id)
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies an accepted tick and hands the symbol's new quote to `then`
    /// (under the symbol's lock, so no copy is needed); `None` for an id
    /// outside the book.
    pub fn apply<R>(
        &self,
        id: SymbolId,
        source: &str,
        tick: &RawTick,
        then: impl FnOnce(&Quote) -> R,
    ) -> Option<R> {
        let symbol = self.symbols.get(id)?;
        let mut slot = self.slot(id)?;
        slot.bars_1s.fold(tick.ts, tick.price, tick.size);
        slot.bars_1m.fold(tick.ts, tick.price, tick.size);
        Some(then(slot.session.apply(symbol, source, tick)))
    }

    pub fn quote(&self, id: SymbolId) -> Option<Quote> {
        self.with_quote(id, Quote::clone)
    }

    /// Runs `f` on the symbol's latest quote under its lock, without a copy.
    pub fn with_quote<R>(&self, id: SymbolId, f: impl FnOnce(&Quote) -> R) -> Option<R> {
        self.slot(id)?.session.quote.as_ref().map(f)
    }

    pub fn bars(&self, id: SymbolId, interval: BarInterval, limit: usize) -> Vec<Bar> {
        let Some(slot) = self.slot(id) else {
            return Vec::new();
        };
        match interval {
            BarInterval::OneSecond => slot.bars_1s.latest(limit),
            BarInterval::OneMinute => slot.bars_1m.latest(limit),
        }
    }

    /// Latest quotes of the given symbols (those that have one), in order.
    pub fn snapshot(&self, ids: impl Iterator<Item = SymbolId>) -> Vec<Quote> {
        ids.filter_map(|id| self.quote(id)).collect()
    }

    /// The symbol's quote and both bar rings, taken under one lock so the
    /// quote and its bars agree (a backup checks that they do).
    pub fn capture(&self, id: SymbolId) -> Option<(Option<Quote>, Vec<Bar>, Vec<Bar>)> {
        let slot = self.slot(id)?;
        Some((
            slot.session.quote.clone(),
            slot.bars_1s.latest(usize::MAX),
            slot.bars_1m.latest(usize::MAX),
        ))
    }

    /// Puts a symbol's state back from a backup; the session's day is the
    /// quote's, so volume keeps adding up within the same UTC day.
    pub fn restore(&self, id: SymbolId, quote: Option<Quote>, bars_1s: Vec<Bar>, bars_1m: Vec<Bar>) {
        let Some(mut slot) = self.slot(id) else {
            return;
        };
        slot.session.day = quote.as_ref().map_or(i64::MIN, |q| q.ts.div_euclid(DAY_MS));
        slot.session.quote = quote;
        slot.bars_1s.restore(bars_1s);
        slot.bars_1m.restore(bars_1m);
    }
}

/// What a flush dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flushed {
    pub quotes: usize,
    pub bars_1s: usize,
    pub bars_1m: usize,
}

impl std::ops::Add for Flushed {
    type Output = Flushed;

    fn add(self, other: Flushed) -> Flushed {
        Flushed {
            quotes: self.quotes + other.quotes,
            bars_1s: self.bars_1s + other.bars_1s,
            bars_1m: self.bars_1m + other.bars_1m,
        }
    }
}

impl Book {
    /// Drops a symbol's quote and bars (the `cache_flush` action); its next
    /// tick starts a new session, as the first one did.
    pub fn flush(&self, id: SymbolId) -> Flushed {
        let Some(mut slot) = self.slot(id) else {
            return Flushed::default();
        };
        let flushed = Flushed {
            quotes: usize::from(slot.session.quote.is_some()),
            bars_1s: slot.bars_1s.len(),
            bars_1m: slot.bars_1m.len(),
        };
        slot.session = Session::new();
        slot.bars_1s.restore(Vec::new());
        slot.bars_1m.restore(Vec::new());
        flushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(price: f64, size: f64, ts: i64) -> RawTick {
        RawTick {
            symbol: "X".into(),
            price,
            bid: price - 0.01,
            ask: price + 0.01,
            size,
            ts,
        }
    }

    #[test]
    fn session_tracks_open_and_cumulative_volume() {
        let mut s = Session::new();
        s.apply("X", "sim", &tick(10.0, 5.0, 1_000));
        let q = s.apply("X", "sim", &tick(11.0, 2.0, 2_000)).clone();
        assert_eq!(
            (q.open, q.price, q.size, q.volume, q.ts),
            (10.0, 11.0, 2.0, 7.0, 2_000)
        );
        let q = s.apply("X", "replay", &tick(12.0, 1.0, 3_000)).clone();
        assert_eq!(q.source, "replay");
        assert_eq!(q.volume, 8.0);
    }

    #[test]
    fn session_restarts_at_utc_midnight() {
        let mut s = Session::new();
        s.apply("X", "sim", &tick(10.0, 5.0, DAY_MS - 1));
        let q = s.apply("X", "sim", &tick(20.0, 3.0, DAY_MS)).clone();
        assert_eq!((q.open, q.volume), (20.0, 3.0));
        // a late tick from the previous day does not reopen the session
        let q = s.apply("X", "sim", &tick(19.0, 1.0, DAY_MS - 5)).clone();
        assert_eq!((q.open, q.volume), (20.0, 4.0));
    }

    #[test]
    fn book_serves_quotes_bars_and_snapshots() {
        let specs = [
            SymbolSpec {
                symbol: "A".into(),
                price: 1.0,
            },
            SymbolSpec {
                symbol: "B".into(),
                price: 2.0,
            },
        ];
        let book = Book::new(&specs, &BarsConfig::default());
        assert_eq!(book.id("B"), Some(1));
        assert_eq!(book.id("C"), None);
        assert_eq!(book.quote(0), None);
        let price = book.apply(1, "sim", &tick(2.5, 1.0, 1_500), |q| q.price);
        assert_eq!(price, Some(2.5));
        assert_eq!(book.quote(1).map(|q| q.price), Some(2.5));
        assert_eq!(book.bars(1, BarInterval::OneSecond, 5).len(), 1);
        assert_eq!(book.snapshot(0..2).len(), 1);
        assert_eq!(book.apply(7, "sim", &tick(1.0, 1.0, 0), |_| ()), None);
    }
}
