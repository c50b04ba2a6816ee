//! Source benchmarks, a load generator on loopback:
//!
//! 1. Ticks/s through the pipeline from each source kind: the simulator at a
//!    high rate, a replay file at unbounded speed, and Binance and Coinbase
//!    adapters reading a burst of frames from the fake exchanges the tests
//!    use. Counted from `mda_ticks_accepted_total` (ticks served); an
//!    exchange adapter drops what a full queue cannot take, and that is
//!    reported too.
//! 2. Failover time: from the primary exchange dying (connections dropped,
//!    new ones refused) to the first tick of the secondary reaching a
//!    WebSocket client; and from the primary stalling without closing
//!    (bounded by the breaker's `stale_after_ms`).
//!
//! Run: `cargo bench -p market-data-agent --bench sources`

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::fake::{Dialect, FakeConfig, FakeExchange, Inject, Mode};
use common::{config_with_sources, get, now_ms};
use futures_util::StreamExt;
use market_data_agent::AgentConfig;
use market_data_agent::api::ServerFrame;
use tokio_tungstenite::tungstenite::Message;

const BURST: u64 = 300_000;
const REPLAY_TICKS: u64 = 1_000_000;
const FAILOVER_ROUNDS: usize = 10;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!("ticks/s through the pipeline, by source kind");
        simulator().await;
        replay().await;
        exchange(Dialect::Binance).await;
        exchange(Dialect::Coinbase).await;
        println!();
        println!("failover time, primary to the secondary's first tick at a WebSocket client ({FAILOVER_ROUNDS} rounds)");
        failover(Mode::Dead, "[failover]\ncheck_interval_ms = 100\nfailback_after_ms = 200\n", 5_000).await;
        failover(Mode::Stalled, "[failover]\ncheck_interval_ms = 100\nfailback_after_ms = 200\n", 500).await;
    });
}

async fn accepted(addr: SocketAddr) -> u64 {
    let (_, text) = get(addr, "/metrics").await;
    text.lines()
        .filter(|l| l.starts_with("mda_ticks_accepted_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap() as u64)
        .sum()
}

async fn dropped(addr: SocketAddr) -> u64 {
    let (_, text) = get(addr, "/metrics").await;
    text.lines()
        .filter(|l| l.starts_with("mda_source_ticks_dropped_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap() as u64)
        .sum()
}

/// Waits until `want` ticks were accepted or dropped (or 60 s passed);
/// returns the rate from `from`.
async fn rate_until(addr: SocketAddr, want: u64, from: Instant) -> (f64, u64, u64) {
    let deadline = from + Duration::from_secs(60);
    loop {
        let (a, d) = (accepted(addr).await, dropped(addr).await);
        if a + d >= want || Instant::now() > deadline {
            return (a as f64 / from.elapsed().as_secs_f64(), a, d);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn report(kind: &str, (rate, accepted, dropped): (f64, u64, u64)) {
    println!(
        "  {kind:<9} {:>10.0} ticks/s   ({accepted} served, {dropped} dropped)",
        rate
    );
}

async fn simulator() {
    let mut config = AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").unwrap();
    config.set_symbols("50").unwrap();
    config.set_tick_rate(40_000.0).unwrap();
    config.set_seed(1);
    let agent = market_data_agent::spawn(config).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = (Instant::now(), accepted(agent.addr()).await);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let n = accepted(agent.addr()).await - start.1;
    report("sim", (n as f64 / start.0.elapsed().as_secs_f64(), n, 0));
    agent.shutdown().await.unwrap();
}

async fn replay() {
    let mut config = config_with_sources("");
    config.set_symbols("50").unwrap();
    let symbols: Vec<String> = config
        .simulator
        .symbols
        .iter()
        .map(|s| s.symbol.clone())
        .collect();
    let path = std::env::temp_dir().join(format!("mda-bench-{}.csv", std::process::id()));
    let mut text = String::from("symbol,ts,price,bid,ask,size\n");
    for i in 0..REPLAY_TICKS {
        let symbol = &symbols[(i % 50) as usize];
        let price = 100.0 + (i % 7) as f64 * 0.01;
        text.push_str(&format!(
            "{symbol},{},{price:.2},{:.2},{:.2},10\n",
            i / 50,
            price - 0.01,
            price + 0.01
        ));
    }
    std::fs::write(&path, text).unwrap();
    let toml = format!(
        "[[sources]]\nname = \"tape\"\nkind = \"replay\"\npath = {:?}\nspeed = 1000000000\n",
        path.display().to_string()
    );
    config.sources = config_with_sources(&toml).sources;
    let start = Instant::now();
    let agent = market_data_agent::spawn(config).await.unwrap();
    report("replay", rate_until(agent.addr(), REPLAY_TICKS, start).await);
    agent.shutdown().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

async fn exchange(dialect: Dialect) {
    let (exchange_symbol, kind) = match dialect {
        Dialect::Binance => ("BTCUSDT", "binance"),
        Dialect::Coinbase => ("BTC-USD", "coinbase"),
    };
    let mut fake_config = FakeConfig::new(&[(exchange_symbol, 37_000.0)]);
    fake_config.trade_every = Duration::from_secs(3_600);
    let fake = FakeExchange::start(dialect, fake_config).await;
    let toml = format!(
        "[[sources]]\nname = \"{kind}\"\nkind = \"{kind}\"\nurl = \"{}\"\nsymbols = {{ {exchange_symbol} = \"BTC-USD\" }}\n",
        fake.url()
    );
    let agent = market_data_agent::spawn(config_with_sources(&toml))
        .await
        .unwrap();
    fake.wait_connections(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = accepted(agent.addr()).await;
    let ts = now_ms();
    let frames: Vec<String> = (0..BURST)
        .map(|i| fake.trade_text(exchange_symbol, 10 + i, 37_000.0 + (i % 7) as f64 * 0.01, ts))
        .collect();
    let start = Instant::now();
    fake.inject(Inject::Burst(frames));
    let (_, a, d) = rate_until(agent.addr(), before + BURST, start).await;
    let served = a - before;
    report(kind, (served as f64 / start.elapsed().as_secs_f64(), served, d));
    agent.shutdown().await.unwrap();
}

async fn failover(how: Mode, failover_toml: &str, stale_after_ms: u64) {
    let primary = FakeExchange::start(Dialect::Binance, {
        let mut c = FakeConfig::new(&[("BTCUSDT", 37_000.0)]);
        c.trade_every = Duration::from_millis(5);
        c
    })
    .await;
    let secondary = FakeExchange::start(Dialect::Coinbase, {
        let mut c = FakeConfig::new(&[("BTC-USD", 37_010.0)]);
        c.trade_every = Duration::from_millis(5);
        c.heartbeat_every = Duration::from_millis(100);
        c
    })
    .await;
    let source = |name: &str, priority: u32, url: String, symbols: &str| {
        format!(
            "[[sources]]\nname = \"{name}\"\nkind = \"{name}\"\ngroup = \"crypto\"\npriority = {priority}\nurl = \"{url}\"\nsymbols = {symbols}\nreconnect_min_ms = 50\nreconnect_max_ms = 200\nidle_timeout_ms = 2000\n[sources.breaker]\nstale_after_ms = {stale_after_ms}\ncooldown_ms = 200\nprobe_ticks = 3\n"
        )
    };
    let toml = format!(
        "{failover_toml}{}{}",
        source("binance", 1, primary.url(), "{ BTCUSDT = \"BTC-USD\" }"),
        source("coinbase", 2, secondary.url(), "{ BTC-USD = \"BTC-USD\" }")
    );
    let agent = market_data_agent::spawn(config_with_sources(&toml))
        .await
        .unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", agent.addr()))
        .await
        .unwrap();
    futures_util::SinkExt::send(
        &mut ws,
        Message::text(r#"{"op":"subscribe","symbols":["BTC-USD"]}"#),
    )
    .await
    .unwrap();
    let mut times = Vec::new();
    for _ in 0..FAILOVER_ROUNDS {
        wait_source(&mut ws, "binance").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let died = Instant::now();
        primary.set_mode(how);
        wait_source(&mut ws, "coinbase").await;
        times.push(died.elapsed());
        primary.set_mode(Mode::Live);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let label = match how {
        Mode::Dead => "primary dies".to_string(),
        _ => format!("primary stalls (stale_after_ms {stale_after_ms})"),
    };
    println!(
        "  {label:<38} min {:>7.1} ms   median {:>7.1} ms   max {:>7.1} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    agent.shutdown().await.unwrap();
}

/// Reads the client's frames until a tick from `source` arrives.
async fn wait_source(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    source: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(Message::Text(text))) = ws.next().await else {
            continue;
        };
        if let Ok(ServerFrame::Ticks { ticks, .. }) = ServerFrame::from_json(text.as_str())
            && ticks.iter().any(|q| q.source == source)
        {
            return;
        }
    }
    panic!("no tick from {source} within 30 s");
}
