//! WebSocket fan-out: the agent's simulator at a high tick rate (two runs,
//! 10k and 14k ticks/s for each of 50 symbols) and 10 clients subscribed to
//! `*` on loopback. Reports ticks/s delivered in total
//! and per client, and checks by `seq` that clients that kept up (no resync
//! snapshot) lost no batch.
//!
//! Clients count ticks without parsing whole frames (the ticks frame is
//! `{"type":"ticks","seq":N,"ticks":[{"symbol":...},...]}`), so the client
//! side costs little next to the agent.
//!
//! Run: `cargo bench -p market-data-agent --bench ws_fanout`

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use market_data_agent::AgentConfig;
use memchr::memmem;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const CLIENTS: usize = 10;
const SYMBOLS: &str = "50";
/// Ticks per second per symbol; each rate is one run.
const TICK_RATES: [f64; 2] = [10_000.0, 14_000.0];
const WARMUP: Duration = Duration::from_secs(1);
const DURATION: Duration = Duration::from_secs(5);
const CLIENT_READ_BUFFER: usize = 32 * 1024;

#[derive(Debug, Default, Clone, Copy)]
struct ClientReport {
    ticks: u64,
    frames: u64,
    /// Batches missing between consecutive `seq`s.
    missed: u64,
    resyncs: u64,
    /// The agent closed the connection (a client too far behind).
    dropped: bool,
}

fn main() {
    for rate in TICK_RATES {
        run(rate);
    }
}

fn run(tick_rate: f64) {
    let agent_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("agent runtime");
    let mut config = AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").expect("listen");
    config.set_symbols(SYMBOLS).expect("symbols");
    config.set_tick_rate(tick_rate).expect("rate");
    config.set_seed(1);
    let agent = agent_rt
        .block_on(market_data_agent::spawn(config))
        .expect("agent");
    let addr = agent.addr();

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let (reports, published) = client_rt.block_on(async move {
        let start = Instant::now() + Duration::from_millis(200);
        let measure_from = start + WARMUP;
        let until = measure_from + DURATION;
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(client(addr, measure_from, until)))
            .collect();
        tokio::time::sleep_until(measure_from).await;
        let before = accepted_ticks(addr).await;
        tokio::time::sleep_until(until).await;
        let after = accepted_ticks(addr).await;
        let mut reports = Vec::new();
        for c in clients {
            reports.push(c.await.expect("client task"));
        }
        (reports, after - before)
    });

    let secs = DURATION.as_secs_f64();
    println!(
        "ws fan-out: {CLIENTS} clients subscribed to *, {SYMBOLS} symbols x {tick_rate} ticks/s offered, {} s measured",
        DURATION.as_secs()
    );
    println!("  agent accepted      {:>12.0} ticks/s", published / secs);
    let total: u64 = reports.iter().map(|r| r.ticks).sum();
    println!(
        "  delivered in total  {:>12.0} ticks/s to {CLIENTS} clients",
        total as f64 / secs
    );
    for (i, r) in reports.iter().enumerate() {
        let verdict = match (r.dropped, r.resyncs, r.missed) {
            (true, _, _) => "disconnected by the agent (too far behind)",
            (false, 0, 0) => "kept up, lost nothing",
            (false, 0, _) => "LOST BATCHES WITHOUT A RESYNC",
            (false, _, _) => "fell behind (conflated)",
        };
        println!(
            "  client {i:>2}: {:>10.0} ticks/s  {:>6.0} frames/s  {:>5.1} ticks/frame  missed batches {}  resyncs {}  {verdict}",
            r.ticks as f64 / secs,
            r.frames as f64 / secs,
            r.ticks as f64 / r.frames.max(1) as f64,
            r.missed,
            r.resyncs,
        );
    }
    let kept_up = reports.iter().filter(|r| !r.dropped && r.resyncs == 0);
    let lossless = kept_up.clone().filter(|r| r.missed == 0).count();
    println!(
        "  {}/{CLIENTS} clients kept up; {lossless} of them lost nothing\n",
        kept_up.count()
    );

    agent_rt.block_on(async { agent.shutdown().await.expect("shutdown") });
}

/// Sum of `mda_ticks_accepted_total` over all series.
async fn accepted_ticks(addr: SocketAddr) -> f64 {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    text.lines()
        .filter(|l| l.starts_with("mda_ticks_accepted_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn client(addr: SocketAddr, measure_from: Instant, until: Instant) -> ClientReport {
    // A smaller read buffer than the default 128 KiB: the client zeroes its
    // whole free buffer before every read.
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/ws"), Some(config), true)
            .await
            .expect("connect");
    ws.send(Message::text(r#"{"op":"subscribe","symbols":["*"]}"#))
        .await
        .expect("subscribe");
    let symbol = memmem::Finder::new(br#""symbol":"#);
    let mut report = ClientReport::default();
    let mut last_seq: Option<u64> = None;
    loop {
        let msg = match tokio::time::timeout_at(until, ws.next()).await {
            Ok(Some(Ok(msg))) => msg,
            Ok(_) => {
                report.dropped = true;
                return report;
            }
            Err(_) => break,
        };
        let Message::Text(text) = msg else { continue };
        let bytes = text.as_bytes();
        let measuring = Instant::now() >= measure_from;
        if let Some(seq) = ticks_seq(bytes) {
            if let Some(last) = last_seq
                && measuring
            {
                report.missed += seq.saturating_sub(last + 1);
            }
            last_seq = Some(seq);
            if measuring {
                report.frames += 1;
                report.ticks += symbol.find_iter(bytes).count() as u64;
            }
        } else if bytes.starts_with(br#"{"type":"snapshot","reason":"resync""#) {
            // Batches skipped before a resync are conflated, not lost.
            last_seq = None;
            if measuring {
                report.resyncs += 1;
            }
        }
    }
    let _ = ws.close(None).await;
    report
}

/// `seq` of a ticks frame, read from its fixed prefix.
fn ticks_seq(frame: &[u8]) -> Option<u64> {
    let rest = frame.strip_prefix(br#"{"type":"ticks","seq":"#)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}
