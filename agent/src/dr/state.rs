//! The state a backup holds: what is captured from a running agent, how it
//! is encoded into files, and the content checks a restore relies on.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::api::{Bar, Incident, IncidentStatus, Quote};
use crate::book::Book;
use crate::config::{BarsConfig, SymbolSpec};
use crate::incidents::{Filter, IncidentStore};

/// Data files of a backup, in the order they are written.
pub(crate) const QUOTES_FILE: &str = "quotes.json";
pub(crate) const BARS_FILE: &str = "bars.json";
pub(crate) const INCIDENTS_FILE: &str = "incidents.json";

/// Bars of one served symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SymbolBars {
    pub symbol: String,
    pub bars_1s: Vec<Bar>,
    pub bars_1m: Vec<Bar>,
}

#[derive(Serialize, Deserialize)]
struct QuotesFile {
    quotes: Vec<Quote>,
}

#[derive(Serialize, Deserialize)]
struct BarsFile {
    symbols: Vec<SymbolBars>,
}

#[derive(Serialize, Deserialize)]
struct IncidentsFile {
    incidents: Vec<Incident>,
}

/// The agent's state at one moment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    /// Latest quote of each symbol that had a tick.
    pub quotes: Vec<Quote>,
    /// Every served symbol, with its bars (possibly none).
    pub bars: Vec<SymbolBars>,
    /// Open incidents only: resolved ones are history, not state.
    pub incidents: Vec<Incident>,
}

impl State {
    /// Takes the state of a book (each symbol's quote and bars under one
    /// lock, so they agree) with the given open incidents.
    pub fn capture(book: &Book, incidents: Vec<Incident>) -> State {
        let mut quotes = Vec::new();
        let mut bars = Vec::with_capacity(book.symbols().len());
        for (id, symbol) in book.symbols().iter().enumerate() {
            let Some((quote, bars_1s, bars_1m)) = book.capture(id) else {
                continue;
            };
            quotes.extend(quote);
            bars.push(SymbolBars {
                symbol: symbol.to_string(),
                bars_1s,
                bars_1m,
            });
        }
        State {
            quotes,
            bars,
            incidents,
        }
    }

    /// The open incidents of a store: resolved ones are history, not state.
    pub fn open_incidents(store: &IncidentStore) -> Vec<Incident> {
        store.list(&Filter {
            statuses: Some(IncidentStatus::ALL.into_iter().filter(|s| s.is_open()).collect()),
            severities: None,
        })
    }

    /// The data files, by name.
    pub fn encode(&self) -> Result<Vec<(&'static str, Vec<u8>)>, serde_json::Error> {
        Ok(vec![
            (
                QUOTES_FILE,
                serde_json::to_vec(&QuotesFile {
                    quotes: self.quotes.clone(),
                })?,
            ),
            (
                BARS_FILE,
                serde_json::to_vec(&BarsFile {
                    symbols: self.bars.clone(),
                })?,
            ),
            (
                INCIDENTS_FILE,
                serde_json::to_vec(&IncidentsFile {
                    incidents: self.incidents.clone(),
                })?,
            ),
        ])
    }

    /// Parses the data files; the error names the file at fault.
    pub fn decode(files: &BTreeMap<String, Vec<u8>>) -> Result<State, String> {
        fn parse<T: serde::de::DeserializeOwned>(
            files: &BTreeMap<String, Vec<u8>>,
            name: &str,
        ) -> Result<T, String> {
            let bytes = files.get(name).ok_or_else(|| format!("{name} is missing"))?;
            serde_json::from_slice(bytes).map_err(|e| format!("{name} does not parse: {e}"))
        }
        let quotes: QuotesFile = parse(files, QUOTES_FILE)?;
        let bars: BarsFile = parse(files, BARS_FILE)?;
        let incidents: IncidentsFile = parse(files, INCIDENTS_FILE)?;
        Ok(State {
            quotes: quotes.quotes,
            bars: bars.symbols,
            incidents: incidents.incidents,
        })
    }

    /// Content checks: what a restore relies on beyond the checksums. Returns
    /// what was checked, in words, or the first inconsistency.
    pub fn check(&self) -> Result<Vec<String>, String> {
        let mut symbols = HashSet::with_capacity(self.bars.len());
        let mut bar_count = 0;
        for entry in &self.bars {
            if !symbols.insert(entry.symbol.as_str()) {
                return Err(format!("symbol {} appears twice in the bars", entry.symbol));
            }
            for (name, bars) in [("1s", &entry.bars_1s), ("1m", &entry.bars_1m)] {
                check_bars(bars).map_err(|e| format!("{} {name} bars: {e}", entry.symbol))?;
                bar_count += bars.len();
            }
        }
        let mut quoted = HashSet::with_capacity(self.quotes.len());
        for quote in &self.quotes {
            if !quoted.insert(quote.symbol.as_str()) {
                return Err(format!("symbol {} has two quotes", quote.symbol));
            }
            if !symbols.contains(quote.symbol.as_str()) {
                return Err(format!("quote of {} but no bars entry for it", quote.symbol));
            }
            check_quote(quote, &self.bars)?;
        }
        let mut keys = HashSet::with_capacity(self.incidents.len());
        for incident in &self.incidents {
            if !incident.status.is_open() {
                return Err(format!("incident {} is not open", incident.id));
            }
            if !keys.insert(incident.dedup_key.as_str()) {
                return Err(format!("condition {} has two open incidents", incident.dedup_key));
            }
        }
        Ok(vec![
            format!(
                "{} symbols, {bar_count} bars ordered and OHLC-consistent",
                symbols.len()
            ),
            format!(
                "{} quotes: bid <= ask and price = close of the 1s bar holding their tick",
                self.quotes.len()
            ),
            format!("{} open incidents, one per condition", self.incidents.len()),
        ])
    }

    /// A book of this state's symbols holding exactly this state.
    pub fn to_book(&self, bars: &BarsConfig) -> Book {
        let specs: Vec<SymbolSpec> = self
            .bars
            .iter()
            .map(|b| SymbolSpec {
                symbol: b.symbol.clone(),
                price: 1.0,
            })
            .collect();
        let book = Book::new(&specs, bars);
        self.apply_to(&book);
        book
    }

    /// Puts the quotes and bars of the symbols `book` serves back into it;
    /// returns how many quotes were restored.
    pub fn apply_to(&self, book: &Book) -> usize {
        let quotes: BTreeMap<&str, &Quote> = self.quotes.iter().map(|q| (q.symbol.as_str(), q)).collect();
        let mut restored = 0;
        for entry in &self.bars {
            let Some(id) = book.id(&entry.symbol) else {
                continue;
            };
            let quote = quotes.get(entry.symbol.as_str()).map(|q| (*q).clone());
            restored += usize::from(quote.is_some());
            book.restore(id, quote, entry.bars_1s.clone(), entry.bars_1m.clone());
        }
        restored
    }
}

fn check_bars(bars: &[Bar]) -> Result<(), String> {
    for pair in bars.windows(2) {
        if pair[0].start >= pair[1].start {
            return Err(format!("not ordered at start {}", pair[1].start));
        }
    }
    for bar in bars {
        let values = [bar.open, bar.high, bar.low, bar.close, bar.volume];
        let sane = values.iter().all(|v| v.is_finite())
            && bar.low <= bar.open.min(bar.close)
            && bar.high >= bar.open.max(bar.close)
            && bar.volume >= 0.0
            && bar.ticks > 0;
        if !sane {
            return Err(format!("bar at {} is not a valid OHLCV bar", bar.start));
        }
    }
    Ok(())
}

/// The 1s bar holding the quote's tick (when still in the ring) closed at
/// the quote's price: both come from the same tick.
fn check_quote(quote: &Quote, bars: &[SymbolBars]) -> Result<(), String> {
    if !(quote.price.is_finite() && quote.bid.is_finite() && quote.ask.is_finite()) || quote.bid > quote.ask {
        return Err(format!("quote of {} is not a valid quote", quote.symbol));
    }
    let start = quote.ts - quote.ts.rem_euclid(1_000);
    let bar = bars
        .iter()
        .find(|b| b.symbol == quote.symbol)
        .and_then(|b| b.bars_1s.iter().find(|bar| bar.start == start));
    match bar {
        Some(bar) if bar.close != quote.price => Err(format!(
            "quote of {} at {} has price {} but its 1s bar closed at {}",
            quote.symbol, quote.ts, quote.price, bar.close
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::RawTick;

    fn book() -> Book {
        let specs: Vec<SymbolSpec> = ["A", "B", "C"]
            .iter()
            .map(|s| SymbolSpec {
                symbol: s.to_string(),
                price: 10.0,
            })
            .collect();
        let book = Book::new(&specs, &BarsConfig::default());
        for (i, ts) in [1_000_i64, 1_500, 2_200, 62_000].into_iter().enumerate() {
            let price = 10.0 + i as f64;
            for id in 0..2 {
                let tick = RawTick {
                    symbol: "X".into(),
                    price,
                    bid: price - 0.01,
                    ask: price + 0.01,
                    size: 5.0,
                    ts,
                };
                book.apply(id, "sim", &tick, |_| ());
            }
        }
        book
    }

    fn state() -> State {
        State::capture(&book(), Vec::new())
    }

    #[test]
    fn capture_encode_decode_round_trip() {
        let state = state();
        assert_eq!(state.quotes.len(), 2, "C had no tick");
        assert_eq!(state.bars.len(), 3);
        assert_eq!(state.bars[0].bars_1s.len(), 3);
        let files: BTreeMap<String, Vec<u8>> = state
            .encode()
            .unwrap()
            .into_iter()
            .map(|(n, b)| (n.to_string(), b))
            .collect();
        assert_eq!(State::decode(&files).unwrap(), state);
        let checks = state.check().unwrap();
        assert!(checks[0].starts_with("3 symbols, 10 bars"), "{checks:?}");

        let copy = state.to_book(&BarsConfig::default());
        let again = State {
            incidents: Vec::new(),
            ..state.clone()
        };
        assert_eq!(copy.quote(0), Some(state.quotes[0].clone()));
        assert_eq!(
            copy.bars(1, crate::api::BarInterval::OneMinute, 10),
            state.bars[1].bars_1m
        );
        assert_eq!(again.apply_to(&copy), 2);
    }

    #[test]
    fn decode_names_the_file_at_fault() {
        let files: BTreeMap<String, Vec<u8>> = state()
            .encode()
            .unwrap()
            .into_iter()
            .map(|(n, b)| (n.to_string(), b))
            .collect();
        let mut broken = files.clone();
        broken.insert(BARS_FILE.into(), b"{\"symbols\":[".to_vec());
        assert!(
            State::decode(&broken)
                .unwrap_err()
                .starts_with("bars.json does not parse")
        );
        let mut missing = files;
        missing.remove(INCIDENTS_FILE);
        assert_eq!(State::decode(&missing).unwrap_err(), "incidents.json is missing");
    }

    #[test]
    fn inconsistent_content_is_refused() {
        let good = state();
        let mut price = good.clone();
        price.quotes[0].price += 1.0;
        assert!(price.check().unwrap_err().contains("its 1s bar closed at"));
        let mut orphan = good.clone();
        orphan.bars.remove(0);
        assert!(orphan.check().unwrap_err().contains("no bars entry"));
        let mut unordered = good.clone();
        unordered.bars[0].bars_1s.swap(0, 1);
        assert!(unordered.check().unwrap_err().contains("not ordered"));
        let mut ohlc = good.clone();
        ohlc.bars[1].bars_1m[0].high = 0.0;
        assert!(ohlc.check().unwrap_err().contains("not a valid OHLCV bar"));
        let mut twice = good;
        twice.quotes.push(twice.quotes[0].clone());
        assert!(twice.check().unwrap_err().contains("two quotes"));
    }
}
