//! Fake exchanges on loopback that speak Binance's combined market streams
//! and Coinbase Exchange's feed, so the agent's adapters are tested against
//! the real wire protocols, including how those servers ping, time out,
//! report errors and disconnect.
//!
//! Binance: `GET /stream?streams=<sym>@trade/<sym>@bookTicker/...`; events
//! wrapped as `{"stream":..,"data":..}`; a ping frame every `ping_every`
//! (20 s there) and a disconnect when no pong came within `pong_within` (a
//! minute there); every connection is closed after `max_session` (24 h
//! there). Coinbase: the client must send a `subscribe` within
//! `subscribe_within` (5 s there) or is disconnected; a bad subscription
//! gets `{"type":"error","message":"Failed to subscribe","reason":..}`;
//! `subscriptions` confirms; `ticker` per trade and `heartbeat` per product
//! every second.
//!
//! Tests steer a fake with [`Mode`] (live, stalled, dead) and inject frames
//! (garbage, huge frames, abrupt drops) into its open connections.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Binance,
    Coinbase,
}

/// How the fake behaves towards every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Trades flow, pings or heartbeats go out.
    Live,
    /// Connections stay open but nothing at all is sent.
    Stalled,
    /// Open connections are dropped and new ones refused.
    Dead,
}

/// Something sent once into every open connection.
#[derive(Debug, Clone)]
pub enum Inject {
    Text(String),
    /// Several text frames back to back, nothing in between.
    Burst(Vec<String>),
    Binary(Vec<u8>),
    /// A close frame, as the server sends at its 24 h limit.
    Close,
    /// The TCP connection is dropped without a close frame.
    Drop,
}

#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Exchange symbol and start price.
    pub symbols: Vec<(String, f64)>,
    /// One trade per symbol this often.
    pub trade_every: Duration,
    pub ping_every: Duration,
    pub pong_within: Duration,
    pub max_session: Duration,
    pub subscribe_within: Duration,
    pub heartbeat_every: Duration,
}

impl FakeConfig {
    pub fn new(symbols: &[(&str, f64)]) -> FakeConfig {
        FakeConfig {
            symbols: symbols.iter().map(|(s, p)| (s.to_string(), *p)).collect(),
            trade_every: Duration::from_millis(20),
            ping_every: Duration::from_secs(20),
            pong_within: Duration::from_secs(60),
            max_session: Duration::from_secs(86_400),
            subscribe_within: Duration::from_secs(5),
            heartbeat_every: Duration::from_secs(1),
        }
    }
}

struct Shared {
    dialect: Dialect,
    config: FakeConfig,
    mode: watch::Sender<Mode>,
    inject: broadcast::Sender<Inject>,
    /// Next trade id per symbol, continuous across connections.
    trade_ids: Mutex<HashMap<String, u64>>,
    trades: AtomicU64,
    connections: AtomicUsize,
    accepted: AtomicUsize,
    pongs: AtomicU64,
    /// The request target (Binance) or subscribe message (Coinbase) of
    /// each connection.
    requests: Mutex<Vec<String>>,
}

pub struct FakeExchange {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeExchange {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.mode.send_replace(Mode::Dead);
    }
}

impl FakeExchange {
    pub async fn start(dialect: Dialect, config: FakeConfig) -> FakeExchange {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Live);
        let (inject, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            dialect,
            config,
            mode,
            inject,
            trade_ids: Mutex::new(HashMap::new()),
            trades: AtomicU64::new(0),
            connections: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            pongs: AtomicU64::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        FakeExchange { addr, shared, task }
    }

    /// The endpoint to configure in the agent.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.send_replace(mode);
    }

    pub fn inject(&self, what: Inject) {
        let _ = self.shared.inject.send(what);
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections accepted (WebSocket handshakes done) so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    pub fn trades(&self) -> u64 {
        self.shared.trades.load(Ordering::SeqCst)
    }

    pub fn pongs(&self) -> u64 {
        self.shared.pongs.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until `n` connections are open, for at most 10 s.
    pub async fn wait_connections(&self, n: usize) {
        for _ in 0..200 {
            if self.connections() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{:?}: {} connections, wanted {n}",
            self.shared.dialect,
            self.connections()
        );
    }

    /// Text of a trade event in the dialect, for injecting odd ones.
    pub fn trade_text(&self, symbol: &str, id: u64, price: f64, ts: i64) -> String {
        trade(self.shared.dialect, symbol, id, price, ts)
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        if *shared.mode.borrow() == Mode::Dead {
            drop(tcp);
            continue;
        }
        tokio::spawn(connection(tcp, Arc::clone(&shared)));
    }
}

fn trade(dialect: Dialect, symbol: &str, id: u64, price: f64, ts: i64) -> String {
    match dialect {
        Dialect::Binance => {
            let stream = format!("{}@trade", symbol.to_ascii_lowercase());
            format!(
                r#"{{"stream":"{stream}","data":{{"e":"trade","E":{},"s":"{symbol}","t":{id},"p":"{price:.8}","q":"0.01000000","T":{ts},"m":true,"M":true}}}}"#,
                ts + 1
            )
        }
        Dialect::Coinbase => {
            let time = chrono::DateTime::from_timestamp_millis(ts)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ");
            format!(
                r#"{{"type":"ticker","sequence":{},"product_id":"{symbol}","price":"{price:.2}","open_24h":"{price:.2}","volume_24h":"100.0","low_24h":"{price:.2}","high_24h":"{price:.2}","volume_30d":"3000.0","best_bid":"{:.2}","best_bid_size":"1.0","best_ask":"{:.2}","best_ask_size":"1.0","side":"buy","time":"{time}","trade_id":{id},"last_size":"0.01"}}"#,
                id * 3,
                price - 0.01,
                price + 0.01
            )
        }
    }
}

fn book(symbol: &str, id: u64, price: f64) -> String {
    let stream = format!("{}@bookTicker", symbol.to_ascii_lowercase());
    format!(
        r#"{{"stream":"{stream}","data":{{"u":{id},"s":"{symbol}","b":"{:.8}","B":"1.00000000","a":"{:.8}","A":"1.00000000"}}}}"#,
        price - 0.01,
        price + 0.01
    )
}

/// Symbols a Binance client asked for in `?streams=`.
fn binance_symbols(target: &str) -> Vec<String> {
    let query = target.split_once("streams=").map_or("", |(_, q)| q);
    query
        .split('&')
        .next()
        .unwrap_or("")
        .split('/')
        .filter_map(|s| s.strip_suffix("@trade"))
        .map(str::to_ascii_uppercase)
        .collect()
}

// The handshake callback's error type is tungstenite's HTTP response.
#[allow(clippy::result_large_err)]
async fn connection(tcp: TcpStream, shared: Arc<Shared>) {
    let mut target = String::new();
    let callback = |request: &Request, response: Response| {
        target = request.uri().to_string();
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    shared.accepted.fetch_add(1, Ordering::SeqCst);
    shared.connections.fetch_add(1, Ordering::SeqCst);
    run_connection(ws, target, &shared).await;
    shared.connections.fetch_sub(1, Ordering::SeqCst);
}

async fn run_connection(
    mut ws: tokio_tungstenite::WebSocketStream<TcpStream>,
    target: String,
    shared: &Shared,
) {
    let config = &shared.config;
    let symbols: Vec<(String, f64)> = match shared.dialect {
        Dialect::Binance => {
            shared.requests.lock().unwrap().push(target.clone());
            let asked = binance_symbols(&target);
            config
                .symbols
                .iter()
                .filter(|(s, _)| asked.contains(s))
                .cloned()
                .collect()
        }
        Dialect::Coinbase => match coinbase_subscribe(&mut ws, shared).await {
            Some(symbols) => symbols,
            None => return,
        },
    };
    let mut mode = shared.mode.subscribe();
    let mut inject = shared.inject.subscribe();
    let mut trades = tokio::time::interval(config.trade_every);
    let mut pings = tokio::time::interval(config.ping_every);
    pings.tick().await;
    let mut heartbeats = tokio::time::interval(config.heartbeat_every);
    let session_end = tokio::time::sleep(config.max_session);
    tokio::pin!(session_end);
    let mut last_pong = tokio::time::Instant::now();
    let mut step = 0_u64;
    loop {
        let live = *mode.borrow() == Mode::Live;
        tokio::select! {
            _ = mode.changed() => {
                if *mode.borrow() == Mode::Dead {
                    return;
                }
            }
            _ = trades.tick(), if live => {
                step += 1;
                for (symbol, base) in &symbols {
                    let price = base + (step % 10) as f64 * 0.01;
                    let id = {
                        let mut ids = shared.trade_ids.lock().unwrap();
                        let next = ids.entry(symbol.clone()).or_insert(1);
                        *next += 1;
                        *next - 1
                    };
                    if shared.dialect == Dialect::Binance
                        && ws.send(Message::text(book(symbol, id, price))).await.is_err()
                    {
                        return;
                    }
                    let text = trade(shared.dialect, symbol, id, price, now_ms());
                    if ws.send(Message::text(text)).await.is_err() {
                        return;
                    }
                    shared.trades.fetch_add(1, Ordering::SeqCst);
                }
            }
            _ = pings.tick(), if live && shared.dialect == Dialect::Binance => {
                if last_pong.elapsed() > config.pong_within {
                    let _ = ws.close(None).await;
                    return;
                }
                if ws.send(Message::Ping(b"fake".to_vec().into())).await.is_err() {
                    return;
                }
            }
            _ = heartbeats.tick(), if live && shared.dialect == Dialect::Coinbase => {
                for (symbol, _) in &symbols {
                    let last = shared.trade_ids.lock().unwrap().get(symbol).copied().unwrap_or(1) - 1;
                    let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
                    let text = format!(
                        r#"{{"type":"heartbeat","sequence":{},"last_trade_id":{last},"product_id":"{symbol}","time":"{time}"}}"#,
                        last * 3
                    );
                    if ws.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
            }
            () = &mut session_end => {
                let frame = CloseFrame { code: CloseCode::Away, reason: Utf8Bytes::from_static("session limit") };
                let _ = ws.close(Some(frame)).await;
                return;
            }
            what = inject.recv() => match what {
                Ok(Inject::Text(text)) => { let _ = ws.send(Message::text(text)).await; }
                Ok(Inject::Burst(texts)) => {
                    for text in texts {
                        let _ = ws.send(Message::text(text)).await;
                    }
                }
                Ok(Inject::Binary(bytes)) => { let _ = ws.send(Message::binary(bytes)).await; }
                Ok(Inject::Close) => { let _ = ws.close(None).await; return; }
                Ok(Inject::Drop) | Err(broadcast::error::RecvError::Closed) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Pong(_))) => {
                    last_pong = tokio::time::Instant::now();
                    shared.pongs.fetch_add(1, Ordering::SeqCst);
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// Waits for a Coinbase `subscribe`; answers it with `subscriptions` and
/// returns the products, or with an error (and closes) when it is bad.
async fn coinbase_subscribe(
    ws: &mut tokio_tungstenite::WebSocketStream<TcpStream>,
    shared: &Shared,
) -> Option<Vec<(String, f64)>> {
    let deadline = tokio::time::sleep(shared.config.subscribe_within);
    tokio::pin!(deadline);
    let text = loop {
        tokio::select! {
            () = &mut deadline => {
                let _ = ws.close(None).await;
                return None;
            }
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => break text.to_string(),
                Some(Ok(_)) => {}
                _ => return None,
            },
        }
    };
    shared.requests.lock().unwrap().push(text.clone());
    let error =
        |reason: &str| format!(r#"{{"type":"error","message":"Failed to subscribe","reason":"{reason}"}}"#);
    let request: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => {
            let _ = ws
                .send(Message::text(r#"{"type":"error","message":"Malformed JSON"}"#))
                .await;
            let _ = ws.close(None).await;
            return None;
        }
    };
    let ids: Vec<String> = request["product_ids"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let reply = if request["type"] != "subscribe" {
        Err(error("type must be subscribe"))
    } else if ids.is_empty() {
        Err(error(
            "You need to specify at least one product ID for channel ticker",
        ))
    } else if let Some(bad) = ids
        .iter()
        .find(|id| !shared.config.symbols.iter().any(|(s, _)| s == *id))
    {
        Err(error(&format!("{bad} is not a valid product")))
    } else {
        Ok(())
    };
    if let Err(text) = reply {
        let _ = ws.send(Message::text(text)).await;
        let _ = ws.close(None).await;
        return None;
    }
    let channels: Vec<serde_json::Value> = request["channels"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| serde_json::json!({"name": c, "product_ids": ids}))
        .collect();
    let confirm = serde_json::json!({"type": "subscriptions", "channels": channels}).to_string();
    ws.send(Message::text(confirm)).await.ok()?;
    Some(
        shared
            .config
            .symbols
            .iter()
            .filter(|(s, _)| ids.contains(s))
            .cloned()
            .collect(),
    )
}
