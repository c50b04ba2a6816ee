//! Helpers shared by the integration tests: a small fast agent on loopback,
//! HTTP and WebSocket clients, and metric lookups.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

pub mod fake;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use market_data_agent::api::ServerFrame;
use market_data_agent::{AgentConfig, RawTick};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type RawWs = WebSocketStream<TcpStream>;

/// A fast, small agent: 5 symbols at 200 ticks/s each, short timers.
pub fn config() -> AgentConfig {
    let mut config = AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").unwrap();
    config.set_symbols("5").unwrap();
    config.set_seed(7);
    config.set_tick_rate(200.0).unwrap();
    config.ws.heartbeat_interval_ms = 200;
    config.ws.batch_interval_ms = 10;
    config.health.stale_after_ms = 1_000;
    config
}

/// The same without the simulator, for tests that feed ticks themselves.
pub fn quiet_config() -> AgentConfig {
    let mut config = config();
    config.simulator.enabled = false;
    config
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

pub fn tick(symbol: &str, price: f64) -> RawTick {
    RawTick {
        symbol: symbol.into(),
        price,
        bid: price - 0.01,
        ask: price + 0.01,
        size: 100.0,
        ts: now_ms(),
    }
}

pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// GET with status and body text.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(url(addr, path)).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// GET expecting JSON of type `T`, with the status.
pub async fn get_json<T: serde::de::DeserializeOwned>(addr: SocketAddr, path: &str) -> (u16, T) {
    let (status, body) = get(addr, path).await;
    let value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, value)
}

/// Polls `path` until it answers `status`, for at most 5 s.
pub async fn wait_for_status(addr: SocketAddr, path: &str, status: u16) {
    for _ in 0..100 {
        if get(addr, path).await.0 == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never answered {status}");
}

/// The value of one sample of `/metrics`, e.g.
/// `mda_ticks_rejected_total{reason="crossed",source="test"}`; 0 if absent.
pub async fn metric(addr: SocketAddr, sample: &str) -> f64 {
    let (_, text) = get(addr, "/metrics").await;
    text.lines()
        .filter_map(|line| line.strip_prefix(sample))
        .find_map(|rest| rest.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Polls a metric until `accept` holds, for at most 10 s.
pub async fn wait_for_metric(addr: SocketAddr, sample: &str, accept: impl Fn(f64) -> bool) -> f64 {
    let mut last = 0.0;
    for _ in 0..200 {
        last = metric(addr, sample).await;
        if accept(last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{sample} stayed at {last}");
}

pub async fn connect(addr: SocketAddr) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    ws
}

/// A client with a tiny receive buffer, so that not reading backs up the
/// server quickly.
pub async fn connect_small_buffer(addr: SocketAddr) -> RawWs {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
        .await
        .unwrap();
    ws
}

pub async fn send_text<S>(ws: &mut WebSocketStream<S>, text: &str)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    ws.send(Message::text(text)).await.unwrap();
}

pub async fn subscribe<S>(ws: &mut WebSocketStream<S>, symbols: &[&str])
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let frame = serde_json::json!({ "op": "subscribe", "symbols": symbols });
    send_text(ws, &frame.to_string()).await;
}

/// The next server frame (pings and pongs skipped), within `within`.
pub async fn next_frame_within<S>(ws: &mut WebSocketStream<S>, within: Duration) -> ServerFrame
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("no frame in time")
            .expect("connection ended")
            .expect("read failed");
        match msg {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .unwrap_or_else(|e| panic!("not a ServerFrame: {e}: {text}"));
            }
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected message {other:?}"),
        }
    }
}

pub async fn next_frame<S>(ws: &mut WebSocketStream<S>) -> ServerFrame
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    next_frame_within(ws, Duration::from_secs(5)).await
}

/// The config of [`quiet_config`] with `[[sources]]` and `[failover]`
/// tables from `toml`.
pub fn config_with_sources(toml: &str) -> AgentConfig {
    let mut config = AgentConfig::from_toml_str(toml, "test.toml").unwrap();
    let base = quiet_config();
    config.listen = base.listen;
    config.simulator = base.simulator;
    config.ws = base.ws;
    config.health = base.health;
    config
}

/// Resident memory of this process (the agent runs in it), bytes.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Every tick a `*` WebSocket subscriber receives, and whether its
/// connection ended.
pub struct Collector {
    pub ticks: std::sync::Arc<std::sync::Mutex<Vec<market_data_agent::api::Quote>>>,
    pub ended: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Collector {
    pub async fn start(addr: SocketAddr) -> Collector {
        let mut ws = connect(addr).await;
        subscribe(&mut ws, &["*"]).await;
        let ticks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let ended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (t, e) = (ticks.clone(), ended.clone());
        let task = tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(text) = msg
                    && let Ok(ServerFrame::Ticks { ticks, .. } | ServerFrame::Snapshot { quotes: ticks, .. }) =
                        ServerFrame::from_json(text.as_str())
                {
                    t.lock().unwrap().extend(ticks);
                }
            }
            e.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Collector { ticks, ended, task }
    }

    pub fn prices(&self, symbol: &str) -> Vec<f64> {
        self.ticks
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.symbol == symbol)
            .map(|q| q.price)
            .collect()
    }

    pub fn sources(&self, symbol: &str) -> Vec<String> {
        self.ticks
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.symbol == symbol)
            .map(|q| q.source.clone())
            .collect()
    }

    pub fn is_open(&self) -> bool {
        !self.ended.load(std::sync::atomic::Ordering::SeqCst)
    }
}
