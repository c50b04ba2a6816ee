//! Replay of recorded ticks from a CSV or JSONL file, at the recorded pace
//! or a multiple of it, once or in a loop.
//!
//! CSV: a header naming the columns `symbol,ts,price,bid,ask,size` (in any
//! order), then one tick per line. JSONL: one object per line with the same
//! keys. `ts` is Unix milliseconds or an RFC 3339 time. Blank lines and lines
//! starting with `#` are skipped. A line that cannot be read is reported
//! with its number (a `bad_line` error) and skipped; the others still play.
//!
//! Ticks are stamped with the time they are played (the file's spacing
//! divided by `speed`), so recorded data passes the agent's freshness rules;
//! lines out of time order stay out of order and are caught by the quality
//! checks. A line repeating the symbol's previous line exactly (time,
//! prices, size) is a duplicate: counted and skipped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::sync::watch;

use super::config::{ReplayFormat, ReplaySpec};
use super::{Failure, FeedOpener, Issue, SourceControl};
use crate::clock::now_ms;
use crate::feed::RawTick;

/// Ticks handed to the pipeline at once.
const CHUNK: usize = 512;
/// Longest line read; a longer one is a bad line.
const MAX_LINE: usize = 64 * 1024;
/// Wait before trying again to open a file that cannot be opened.
const REOPEN_DELAY: Duration = Duration::from_secs(1);

const COLUMNS: [&str; 6] = ["symbol", "ts", "price", "bid", "ask", "size"];

/// Reads lines of one file into ticks (with the file's own timestamps).
pub(crate) struct Parser {
    format: ReplayFormat,
    /// CSV: where each of [`COLUMNS`] is, once the header was read.
    columns: Option<[usize; 6]>,
    width: usize,
    /// One shared name per symbol.
    symbols: HashMap<String, Arc<str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTick<'a> {
    #[serde(borrow)]
    symbol: &'a str,
    ts: JsonTs<'a>,
    price: f64,
    bid: f64,
    ask: f64,
    size: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonTs<'a> {
    Ms(i64),
    Text(&'a str),
}

fn timestamp(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("ts: {text:?} is neither Unix milliseconds nor an RFC 3339 time"))
}

impl Parser {
    pub fn new(format: ReplayFormat) -> Parser {
        Parser {
            format,
            columns: None,
            width: 0,
            symbols: HashMap::new(),
        }
    }

    fn symbol(&mut self, name: &str) -> Result<Arc<str>, String> {
        if name.is_empty() {
            return Err("symbol: empty".to_string());
        }
        if let Some(s) = self.symbols.get(name) {
            return Ok(Arc::clone(s));
        }
        let s: Arc<str> = Arc::from(name);
        self.symbols.insert(name.to_string(), Arc::clone(&s));
        Ok(s)
    }

    /// One line: a tick, `None` for a blank line, a comment or the CSV
    /// header, or why it cannot be read.
    pub fn line(&mut self, line: &str) -> Result<Option<RawTick>, String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(None);
        }
        match self.format {
            ReplayFormat::Jsonl => {
                let t: JsonTick<'_> =
                    serde_json::from_str(line).map_err(|e| format!("not a tick object: {e}"))?;
                let ts = match t.ts {
                    JsonTs::Ms(ms) => ms,
                    JsonTs::Text(text) => timestamp(text)?,
                };
                Ok(Some(RawTick {
                    symbol: self.symbol(t.symbol)?,
                    price: t.price,
                    bid: t.bid,
                    ask: t.ask,
                    size: t.size,
                    ts,
                }))
            }
            ReplayFormat::Csv => match self.columns {
                None => self.header(line).map(|()| None),
                Some(columns) => self.csv_tick(line, columns).map(Some),
            },
        }
    }

    fn header(&mut self, line: &str) -> Result<(), String> {
        let names: Vec<&str> = line.split(',').map(str::trim).collect();
        let mut columns = [0; 6];
        for (slot, wanted) in columns.iter_mut().zip(COLUMNS) {
            *slot = names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(wanted))
                .ok_or_else(|| {
                    format!(
                        "the header must name the columns {}; {wanted:?} is missing from {line:?}",
                        COLUMNS.join(",")
                    )
                })?;
        }
        if let Some(extra) = names
            .iter()
            .find(|n| !COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(n)))
        {
            return Err(format!(
                "unknown column {extra:?}; the columns are {}",
                COLUMNS.join(",")
            ));
        }
        self.columns = Some(columns);
        self.width = names.len();
        Ok(())
    }

    fn csv_tick(&mut self, line: &str, columns: [usize; 6]) -> Result<RawTick, String> {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != self.width {
            return Err(format!("{} fields, the header has {}", fields.len(), self.width));
        }
        let number = |i: usize| {
            let (name, text) = (COLUMNS[i], fields[columns[i]]);
            text.parse::<f64>()
                .map_err(|_| format!("{name}: {text:?} is not a number"))
        };
        Ok(RawTick {
            symbol: self.symbol(fields[columns[0]])?,
            ts: timestamp(fields[columns[1]])?,
            price: number(2)?,
            bid: number(3)?,
            ask: number(4)?,
            size: number(5)?,
        })
    }
}

/// Plays the file until its end (or forever with `loop`), then holds until
/// shutdown.
pub(crate) async fn run(
    spec: ReplaySpec,
    control: Arc<SourceControl>,
    opener: FeedOpener,
    mut stop: watch::Receiver<bool>,
) {
    let mut start_ms = now_ms();
    // Kept open from one pass of a loop to the next: dropping it between
    // passes would show the source as down for the moment of the reopen.
    let mut open_feed = None;
    loop {
        let file = match tokio::fs::File::open(&spec.path).await {
            Ok(file) => file,
            Err(e) => {
                open_feed = None;
                opener.register(&control.name);
                control.fail(
                    Failure::ConnectFailed,
                    format!("cannot open {}: {e}", spec.path.display()),
                );
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    () = tokio::time::sleep(REOPEN_DELAY) => continue,
                }
            }
        };
        let feed = open_feed.get_or_insert_with(|| opener.open(&control.name));
        control.set_connected(true);
        let Some(last_ms) = play(file, &spec, &control, feed, start_ms, &mut stop).await else {
            return;
        };
        if !spec.looped {
            drop(open_feed.take());
            control.set_connected(false);
            tracing::info!(source = &*control.name, "replay finished");
            let _ = stop.wait_for(|s| *s).await;
            return;
        }
        start_ms = last_ms.saturating_add(1).max(now_ms());
    }
}

/// One pass over the file; the play time of its last tick, or `None` on
/// shutdown or when the pipeline has stopped.
async fn play(
    file: tokio::fs::File,
    spec: &ReplaySpec,
    control: &SourceControl,
    feed: &crate::feed::Feed,
    start_ms: i64,
    stop: &mut watch::Receiver<bool>,
) -> Option<i64> {
    let mut reader = BufReader::new(file);
    let mut parser = Parser::new(spec.format);
    let mut first_ts = None;
    let mut last_ms = start_ms;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut buf = Vec::new();
    let mut number = 0_u64;
    let mut previous: HashMap<Arc<str>, (i64, f64, f64, f64, f64)> = HashMap::new();
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .await;
        number += 1;
        let where_ = || format!("{}:{number}", spec.path.display());
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                control.fail(Failure::BadLine, format!("{}: cannot read: {e}", where_()));
                break;
            }
        }
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            control.fail(
                Failure::BadLine,
                format!("{}: longer than {MAX_LINE} bytes; skipped", where_()),
            );
            skip_rest_of_line(&mut reader).await;
            continue;
        }
        let parsed = std::str::from_utf8(&buf)
            .map_err(|e| format!("not UTF-8: {e}"))
            .and_then(|line| parser.line(line));
        let mut tick = match parsed {
            Ok(Some(tick)) => tick,
            Ok(None) => continue,
            Err(reason) => {
                control.fail(Failure::BadLine, format!("{}: {reason}; skipped", where_()));
                continue;
            }
        };
        let line = (tick.ts, tick.price, tick.bid, tick.ask, tick.size);
        if previous.insert(Arc::clone(&tick.symbol), line) == Some(line) {
            control.issue(Issue::Duplicate);
            continue;
        }
        let t0 = *first_ts.get_or_insert(tick.ts);
        let offset = (tick.ts.saturating_sub(t0) as f64 / spec.speed) as i64;
        let due = start_ms.saturating_add(offset);
        tick.ts = due;
        last_ms = last_ms.max(due);
        let wait = due - now_ms();
        if wait > 0 && !chunk.is_empty() {
            feed.send(std::mem::take(&mut chunk)).await.ok()?;
        }
        if wait > 0 {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return None,
                () = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
        chunk.push(tick);
        if chunk.len() >= CHUNK {
            feed.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))
                .await
                .ok()?;
        }
    }
    feed.send(chunk).await.ok()?;
    Some(last_ms)
}

async fn skip_rest_of_line(reader: &mut BufReader<tokio::fs::File>) {
    let mut sink = Vec::new();
    loop {
        sink.clear();
        match reader.take(MAX_LINE as u64).read_until(b'\n', &mut sink).await {
            Ok(0) | Err(_) => return,
            Ok(_) if sink.last() == Some(&b'\n') => return,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_header_in_any_order_and_both_time_forms() {
        let mut p = Parser::new(ReplayFormat::Csv);
        assert_eq!(p.line("# recorded ticks").unwrap(), None);
        assert_eq!(p.line("ts,symbol,price,bid,ask,size").unwrap(), None);
        let t = p
            .line("1700000000000,AAPL,229.5,229.49,229.51,100")
            .unwrap()
            .unwrap();
        assert_eq!(
            (&*t.symbol, t.ts, t.price, t.bid, t.ask, t.size),
            ("AAPL", 1_700_000_000_000, 229.5, 229.49, 229.51, 100.0)
        );
        let t = p
            .line(" 2023-11-14T22:13:20.5Z , AAPL,1,1,1,1 ")
            .unwrap()
            .unwrap();
        assert_eq!(t.ts, 1_700_000_000_500);
        assert_eq!(p.line("").unwrap(), None);
    }

    #[test]
    fn bad_csv_lines_say_why() {
        let mut p = Parser::new(ReplayFormat::Csv);
        assert!(
            p.line("symbol,ts,price,bid,ask")
                .unwrap_err()
                .contains("\"size\" is missing")
        );
        assert!(
            p.line("symbol,ts,price,bid,ask,size,venue")
                .unwrap_err()
                .contains("unknown column \"venue\"")
        );
        p.line("symbol,ts,price,bid,ask,size").unwrap();
        for (line, needle) in [
            ("AAPL,1,2,3", "4 fields, the header has 6"),
            ("AAPL,1,x,3,4,5", "price: \"x\" is not a number"),
            ("AAPL,noon,1,1,1,1", "ts: \"noon\" is neither"),
            (",1,1,1,1,1", "symbol: empty"),
        ] {
            let err = p.line(line).unwrap_err();
            assert!(err.contains(needle), "{line}: {err}");
        }
    }

    #[test]
    fn the_shipped_sample_reads_cleanly_in_time_order() {
        let mut p = Parser::new(ReplayFormat::Csv);
        let mut last = i64::MIN;
        let mut ticks = 0;
        for line in include_str!("../../../config/replay/sample.csv").lines() {
            if let Some(t) = p.line(line).unwrap() {
                assert!(t.ts >= last && t.bid <= t.ask, "{line}");
                last = t.ts;
                ticks += 1;
            }
        }
        assert!(ticks > 500, "{ticks}");
    }

    #[test]
    fn jsonl_lines() {
        let mut p = Parser::new(ReplayFormat::Jsonl);
        let t = p
            .line(r#"{"symbol":"MSFT","ts":"2023-11-14T22:13:20Z","price":1.5,"bid":1.4,"ask":1.6,"size":3}"#)
            .unwrap()
            .unwrap();
        assert_eq!((&*t.symbol, t.ts, t.size), ("MSFT", 1_700_000_000_000, 3.0));
        assert!(
            p.line(r#"{"symbol":"MSFT","ts":1,"price":1}"#)
                .unwrap_err()
                .contains("missing field")
        );
        assert!(
            p.line(r#"{"symbol":"MSFT","ts":1,"price":1,"bid":1,"ask":1,"size":1"#)
                .unwrap_err()
                .contains("not a tick object")
        );
        assert!(
            p.line(r#"{"symbol":"MSFT","ts":1,"price":1,"bid":1,"ask":1,"size":1,"x":2}"#)
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
