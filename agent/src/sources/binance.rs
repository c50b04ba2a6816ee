//! Binance spot market streams: one combined-stream connection
//! (`/stream?streams=<sym>@trade/<sym>@bookTicker/...`) whose events come
//! wrapped as `{"stream":"<name>","data":<event>}`.
//!
//! A tick is emitted per trade (`e: "trade"`: price `p`, quantity `q`,
//! trade time `T`), with the best bid and ask from the symbol's latest
//! `bookTicker` update (`b`, `a`; until one came, the trade price). Trade
//! ids (`t`) that skip numbers count as gaps. A `serverShutdown` event means
//! the server is about to drop the connection: the adapter reconnects at
//! once. The server pings every 20 s (the WebSocket layer answers) and drops
//! every connection after 24 h; both are handled by the shared loop.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::config::ExchangeSpec;
use super::exchange::{Decoded, Problem, Protocol, preview, sequence};
use crate::feed::RawTick;

struct Symbol {
    served: Arc<str>,
    /// Best bid and ask from the latest `bookTicker`.
    book: Option<(f64, f64)>,
    last_trade_id: Option<u64>,
}

pub(crate) struct Binance {
    streams: String,
    /// By exchange symbol, upper case as events carry it.
    symbols: HashMap<String, Symbol>,
}

/// Every field of the events read, flat: a combined-stream wrapper, a trade,
/// a book ticker, a server shutdown or an error answer.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    data: Option<Box<Event<'a>>>,
    #[serde(borrow)]
    e: Option<&'a str>,
    #[serde(borrow)]
    s: Option<&'a str>,
    #[serde(borrow)]
    p: Option<&'a str>,
    #[serde(borrow)]
    q: Option<&'a str>,
    #[serde(rename = "T")]
    trade_time: Option<i64>,
    t: Option<u64>,
    #[serde(borrow)]
    b: Option<&'a str>,
    #[serde(borrow)]
    a: Option<&'a str>,
    u: Option<u64>,
    code: Option<i64>,
    #[serde(borrow)]
    msg: Option<&'a str>,
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    code: Option<i64>,
    #[serde(borrow)]
    msg: Option<&'a str>,
}

fn number(field: &str, value: Option<&str>) -> Result<f64, Problem> {
    let text = value.ok_or_else(|| Problem::Garbage(format!("trade without `{field}`")))?;
    text.parse::<f64>()
        .map_err(|_| Problem::Garbage(format!("`{field}` is not a number: {text:?}")))
}

impl Binance {
    pub fn new(spec: &ExchangeSpec) -> Binance {
        let streams = spec
            .symbols
            .iter()
            .map(|(ex, _)| {
                let s = ex.to_ascii_lowercase();
                format!("{s}@trade/{s}@bookTicker")
            })
            .collect::<Vec<_>>()
            .join("/");
        let symbols = spec
            .symbols
            .iter()
            .map(|(ex, ours)| {
                let symbol = Symbol {
                    served: Arc::from(ours.as_str()),
                    book: None,
                    last_trade_id: None,
                };
                (ex.to_ascii_uppercase(), symbol)
            })
            .collect();
        Binance { streams, symbols }
    }

    fn event(&mut self, ev: &Event<'_>, out: &mut Vec<RawTick>) -> Result<Decoded, Problem> {
        if let Some(err) = &ev.error {
            return Err(Problem::Exchange(format!(
                "error {}: {}",
                err.code.unwrap_or(0),
                err.msg.unwrap_or("")
            )));
        }
        if let (Some(code), Some(msg)) = (ev.code, ev.msg) {
            return Err(Problem::Exchange(format!("error {code}: {msg}")));
        }
        match ev.e {
            Some("trade") => self.trade(ev, out),
            Some("serverShutdown") => Ok(Decoded {
                reconnect: Some("the exchange announced a server shutdown".to_string()),
                ..Decoded::default()
            }),
            Some(_) => Ok(Decoded::default()),
            None if ev.u.is_some() => self.book(ev),
            None => Err(Problem::Garbage("not a Binance event".to_string())),
        }
    }

    fn symbol(&mut self, ev: &Event<'_>) -> Result<&mut Symbol, Problem> {
        let name =
            ev.s.ok_or_else(|| Problem::Garbage("event without `s`".to_string()))?;
        self.symbols
            .get_mut(name)
            .ok_or_else(|| Problem::Garbage(format!("event for {name:?}, which was not subscribed")))
    }

    fn trade(&mut self, ev: &Event<'_>, out: &mut Vec<RawTick>) -> Result<Decoded, Problem> {
        let price = number("p", ev.p)?;
        let size = number("q", ev.q)?;
        let ts = ev
            .trade_time
            .ok_or_else(|| Problem::Garbage("trade without `T`".to_string()))?;
        let symbol = self.symbol(ev)?;
        let (gaps, duplicates) = sequence(&mut symbol.last_trade_id, ev.t);
        if duplicates > 0 {
            return Ok(Decoded {
                duplicates,
                ..Decoded::default()
            });
        }
        let (bid, ask) = symbol.book.unwrap_or((price, price));
        out.push(RawTick {
            symbol: Arc::clone(&symbol.served),
            price,
            bid,
            ask,
            size,
            ts,
        });
        Ok(Decoded {
            gaps,
            ..Decoded::default()
        })
    }

    fn book(&mut self, ev: &Event<'_>) -> Result<Decoded, Problem> {
        let bid = number("b", ev.b)?;
        let ask = number("a", ev.a)?;
        self.symbol(ev)?.book = Some((bid, ask));
        Ok(Decoded::default())
    }
}

impl Protocol for Binance {
    fn url(&self, endpoint: &str) -> String {
        format!(
            "{}/stream?streams={}",
            endpoint.trim_end_matches('/'),
            self.streams
        )
    }

    fn subscribe(&self) -> Option<String> {
        None
    }

    fn reset(&mut self) {
        for symbol in self.symbols.values_mut() {
            symbol.book = None;
            symbol.last_trade_id = None;
        }
    }

    fn decode(&mut self, text: &str, out: &mut Vec<RawTick>) -> Result<Decoded, Problem> {
        let ev: Event<'_> = serde_json::from_str(text)
            .map_err(|e| Problem::Garbage(format!("unreadable frame {}: {e}", preview(text))))?;
        match &ev.data {
            Some(data) => self.event(data, out),
            None => self.event(&ev, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binance() -> Binance {
        Binance::new(&ExchangeSpec {
            url: "wss://stream.binance.com:9443".into(),
            symbols: vec![
                ("BTCUSDT".into(), "BTC-USD".into()),
                ("ETHUSDT".into(), "ETH-USD".into()),
            ],
            idle_timeout_ms: 1,
            connect_timeout_ms: 1,
            reconnect_min_ms: 1,
            reconnect_max_ms: 1,
            max_frame_bytes: 1024,
        })
    }

    const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000001,"s":"BTCUSDT","t":12345,"p":"37000.10000000","q":"0.01200000","T":1700000000000,"m":true,"M":true}}"#;

    #[test]
    fn combined_stream_url() {
        assert_eq!(
            binance().url("wss://stream.binance.com:9443/"),
            "wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/ethusdt@bookTicker"
        );
        assert_eq!(binance().subscribe(), None);
    }

    #[test]
    fn trades_take_the_latest_book() {
        let mut b = binance();
        let mut out = Vec::new();
        assert_eq!(b.decode(TRADE, &mut out), Ok(Decoded::default()));
        assert_eq!(
            (&*out[0].symbol, out[0].price, out[0].bid, out[0].ask),
            ("BTC-USD", 37000.1, 37000.1, 37000.1)
        );
        assert_eq!((out[0].size, out[0].ts), (0.012, 1_700_000_000_000));
        let book = r#"{"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"36999.90000000","B":"31.21000000","a":"37000.20000000","A":"40.66000000"}}"#;
        assert_eq!(b.decode(book, &mut out), Ok(Decoded::default()));
        assert_eq!(out.len(), 1, "a book update is not a tick");
        let next = TRADE.replace("12345", "12346");
        b.decode(&next, &mut out).unwrap();
        assert_eq!((out[1].bid, out[1].ask), (36999.9, 37000.2));
        let skipped = TRADE.replace("12345", "12350");
        assert_eq!(b.decode(&skipped, &mut out).unwrap().gaps, 1);
        assert_eq!(
            b.decode(&skipped, &mut out).unwrap().duplicates,
            1,
            "the same trade again"
        );
        b.reset();
        b.decode(TRADE, &mut out).unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(out[3].bid, 37000.1, "the book is per connection");
    }

    #[test]
    fn shutdown_errors_and_garbage() {
        let mut b = binance();
        let mut out = Vec::new();
        let shutdown = b
            .decode(r#"{"e":"serverShutdown","E":1700000000000}"#, &mut out)
            .unwrap();
        assert!(shutdown.reconnect.is_some());
        assert_eq!(
            b.decode(r#"{"result":null,"id":1}"#, &mut out),
            Err(Problem::Garbage("not a Binance event".into()))
        );
        assert!(matches!(
            b.decode(r#"{"code":2,"msg":"Invalid request: unknown variant"}"#, &mut out),
            Err(Problem::Exchange(m)) if m == "error 2: Invalid request: unknown variant"
        ));
        assert!(matches!(
            b.decode(r#"{"error":{"code":-1121,"msg":"Invalid symbol."},"id":1}"#, &mut out),
            Err(Problem::Exchange(m)) if m.contains("-1121")
        ));
        for bad in [
            "garbage",
            &TRADE[..TRADE.len() / 2],
            &TRADE.replace("\"37000.10000000\"", "\"lots\""),
            &TRADE.replace("BTCUSDT", "DOGEUSDT"),
            &TRADE.replace(",\"T\":1700000000000", ""),
        ] {
            assert!(
                matches!(b.decode(bad, &mut out), Err(Problem::Garbage(_))),
                "{bad}"
            );
        }
        assert!(out.is_empty());
    }
}
