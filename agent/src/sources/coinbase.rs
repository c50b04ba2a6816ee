//! Coinbase Exchange market data feed: after connecting, the client must
//! subscribe within 5 seconds:
//! `{"type":"subscribe","product_ids":[...],"channels":["ticker","heartbeat"]}`.
//! The server confirms with a `subscriptions` message, then sends a
//! `ticker` message per match (price, best bid and ask, last size, time,
//! trade id) and a `heartbeat` per product every second, which keeps the
//! idle timeout from firing on quiet products. An `error` message
//! (`message`, `reason`) ends the session; it is replaced after backoff.
//! Unknown message types are ignored, as the protocol asks.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::config::ExchangeSpec;
use super::exchange::{Decoded, Problem, Protocol, preview, sequence};
use crate::feed::RawTick;

struct Product {
    served: Arc<str>,
    last_trade_id: Option<u64>,
}

pub(crate) struct Coinbase {
    subscribe: String,
    products: HashMap<String, Product>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    product_id: Option<&'a str>,
    #[serde(borrow)]
    price: Option<&'a str>,
    #[serde(borrow)]
    best_bid: Option<&'a str>,
    #[serde(borrow)]
    best_ask: Option<&'a str>,
    #[serde(borrow)]
    last_size: Option<&'a str>,
    #[serde(borrow)]
    time: Option<&'a str>,
    trade_id: Option<u64>,
    #[serde(borrow)]
    message: Option<&'a str>,
    #[serde(borrow)]
    reason: Option<&'a str>,
}

fn number(field: &str, value: Option<&str>) -> Result<f64, Problem> {
    let text = value.ok_or_else(|| Problem::Garbage(format!("ticker without `{field}`")))?;
    text.parse::<f64>()
        .map_err(|_| Problem::Garbage(format!("`{field}` is not a number: {text:?}")))
}

/// An RFC 3339 time (`2017-09-02T17:05:49.250000Z`) as Unix ms.
fn unix_ms(time: Option<&str>) -> Result<i64, Problem> {
    let text = time.ok_or_else(|| Problem::Garbage("ticker without `time`".to_string()))?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| Problem::Garbage(format!("`time` {text:?}: {e}")))
}

impl Coinbase {
    pub fn new(spec: &ExchangeSpec) -> Coinbase {
        let ids: Vec<&str> = spec.symbols.iter().map(|(ex, _)| ex.as_str()).collect();
        let subscribe = serde_json::json!({
            "type": "subscribe",
            "product_ids": ids,
            "channels": ["ticker", "heartbeat"],
        })
        .to_string();
        let products = spec
            .symbols
            .iter()
            .map(|(ex, ours)| {
                let product = Product {
                    served: Arc::from(ours.as_str()),
                    last_trade_id: None,
                };
                (ex.clone(), product)
            })
            .collect();
        Coinbase { subscribe, products }
    }

    fn ticker(&mut self, m: &Message<'_>, out: &mut Vec<RawTick>) -> Result<Decoded, Problem> {
        let price = number("price", m.price)?;
        let bid = number("best_bid", m.best_bid)?;
        let ask = number("best_ask", m.best_ask)?;
        let size = number("last_size", m.last_size)?;
        let ts = unix_ms(m.time)?;
        let id = m
            .product_id
            .ok_or_else(|| Problem::Garbage("ticker without `product_id`".to_string()))?;
        let product = self
            .products
            .get_mut(id)
            .ok_or_else(|| Problem::Garbage(format!("ticker for {id:?}, which was not subscribed")))?;
        let (gaps, duplicates) = sequence(&mut product.last_trade_id, m.trade_id);
        if duplicates > 0 {
            return Ok(Decoded {
                duplicates,
                ..Decoded::default()
            });
        }
        out.push(RawTick {
            symbol: Arc::clone(&product.served),
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
}

impl Protocol for Coinbase {
    fn url(&self, endpoint: &str) -> String {
        endpoint.to_string()
    }

    fn subscribe(&self) -> Option<String> {
        Some(self.subscribe.clone())
    }

    fn reset(&mut self) {
        for product in self.products.values_mut() {
            product.last_trade_id = None;
        }
    }

    fn decode(&mut self, text: &str, out: &mut Vec<RawTick>) -> Result<Decoded, Problem> {
        let m: Message<'_> = serde_json::from_str(text)
            .map_err(|e| Problem::Garbage(format!("unreadable frame {}: {e}", preview(text))))?;
        match m.kind {
            "ticker" => self.ticker(&m, out),
            "error" => Err(Problem::Exchange(format!(
                "{}: {}",
                m.message.unwrap_or("error"),
                m.reason.unwrap_or("no reason given")
            ))),
            _ => Ok(Decoded::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coinbase() -> Coinbase {
        Coinbase::new(&ExchangeSpec {
            url: "wss://ws-feed.exchange.coinbase.com".into(),
            symbols: vec![
                ("BTC-USD".into(), "BTC-USD".into()),
                ("ETH-USD".into(), "ETH".into()),
            ],
            idle_timeout_ms: 1,
            connect_timeout_ms: 1,
            reconnect_min_ms: 1,
            reconnect_max_ms: 1,
            max_frame_bytes: 1024,
        })
    }

    const TICKER: &str = r#"{"type":"ticker","sequence":3262786978,"product_id":"ETH-USD","price":"4388.01000000","open_24h":"4300","volume_24h":"1000","low_24h":"4200","high_24h":"4400","volume_30d":"30000","best_bid":"4388","best_bid_size":"1.2","best_ask":"4388.01","best_ask_size":"0.5","side":"buy","time":"2017-09-02T17:05:49.250000Z","trade_id":20153558,"last_size":"0.03000000"}"#;

    #[test]
    fn subscribes_to_ticker_and_heartbeat() {
        let c = coinbase();
        assert_eq!(
            c.subscribe().unwrap(),
            r#"{"channels":["ticker","heartbeat"],"product_ids":["BTC-USD","ETH-USD"],"type":"subscribe"}"#
        );
        assert_eq!(
            c.url("wss://ws-feed.exchange.coinbase.com"),
            "wss://ws-feed.exchange.coinbase.com"
        );
    }

    #[test]
    fn tickers_become_ticks_and_trade_id_holes_gaps() {
        let mut c = coinbase();
        let mut out = Vec::new();
        assert_eq!(c.decode(TICKER, &mut out), Ok(Decoded::default()));
        let t = &out[0];
        assert_eq!(
            (&*t.symbol, t.price, t.bid, t.ask, t.size),
            ("ETH", 4388.01, 4388.0, 4388.01, 0.03)
        );
        assert_eq!(t.ts, 1_504_371_949_250);
        assert_eq!(
            c.decode(&TICKER.replace("20153558", "20153560"), &mut out)
                .unwrap()
                .gaps,
            1
        );
        assert_eq!(
            c.decode(&TICKER.replace("20153558", "20153560"), &mut out)
                .unwrap()
                .duplicates,
            1
        );
        for quiet in [
            r#"{"type":"subscriptions","channels":[{"name":"ticker","product_ids":["ETH-USD"]}]}"#,
            r#"{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"ETH-USD","time":"2014-11-07T08:19:28.464459Z"}"#,
            r#"{"type":"status","products":[]}"#,
        ] {
            assert_eq!(c.decode(quiet, &mut out), Ok(Decoded::default()));
        }
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn errors_and_garbage() {
        let mut c = coinbase();
        let mut out = Vec::new();
        assert_eq!(
            c.decode(r#"{"type":"error","message":"Failed to subscribe","reason":"FOO-USD is not a valid product"}"#, &mut out),
            Err(Problem::Exchange("Failed to subscribe: FOO-USD is not a valid product".into()))
        );
        for bad in [
            "{\"type\":",
            "[]",
            &TICKER.replace("\"4388\"", "\"x\""),
            &TICKER.replace("2017-09-02T17:05:49.250000Z", "yesterday"),
            &TICKER.replace("ETH-USD", "DOGE-USD"),
        ] {
            assert!(
                matches!(c.decode(bad, &mut out), Err(Problem::Garbage(_))),
                "{bad}"
            );
        }
        assert!(out.is_empty());
    }
}
