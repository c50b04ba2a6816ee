//! Soak: every source of a group flapping on a schedule (dead, stalled,
//! live, garbage, out-of-order trades) while WebSocket clients stay
//! subscribed. Checks that nothing leaks (memory, sockets, connections to
//! the exchanges), no client connection is lost and no bad tick is served.
//!
//! Short by default (3 s, for CI); `MDA_SOAK_SECS=600` runs it for ten
//! minutes.

mod common;

use std::time::{Duration, Instant};

use common::fake::{Dialect, FakeConfig, FakeExchange, Inject, Mode};
use common::*;

const BTC: &str = "BTC-USD";
const CLIENTS: usize = 5;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// A small deterministic generator, so a failing schedule can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_sources_flapping_leak_nothing_and_lose_no_client() {
    let secs: u64 = std::env::var("MDA_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let binance = FakeExchange::start(Dialect::Binance, FakeConfig::new(&[("BTCUSDT", 37_000.0)])).await;
    let mut cb = FakeConfig::new(&[("BTC-USD", 37_010.0)]);
    cb.heartbeat_every = Duration::from_millis(100);
    let coinbase = FakeExchange::start(Dialect::Coinbase, cb).await;
    let tape = std::env::temp_dir().join(format!("mda-soak-{}.csv", std::process::id()));
    let lines: String = (0..50)
        .map(|i| {
            format!(
                "BTC-USD,{},{:.2},{:.2},{:.2},1\n",
                i * 20,
                37_020.0 + (i % 5) as f64 * 0.01,
                37_019.99,
                37_020.05
            )
        })
        .collect();
    std::fs::write(&tape, format!("symbol,ts,price,bid,ask,size\n{lines}")).unwrap();
    let exchange = |name: &str, kind: &str, priority: u32, url: String, symbols: &str| {
        format!(
            "[[sources]]\nname = \"{name}\"\nkind = \"{kind}\"\ngroup = \"crypto\"\npriority = {priority}\nurl = \"{url}\"\nsymbols = {symbols}\nidle_timeout_ms = 500\nreconnect_min_ms = 20\nreconnect_max_ms = 200\n[sources.breaker]\nstale_after_ms = 200\ncooldown_ms = 200\nprobe_ticks = 3\n"
        )
    };
    let toml = format!(
        "[failover]\ncheck_interval_ms = 20\nfailback_after_ms = 300\n{}{}[[sources]]\nname = \"tape\"\nkind = \"replay\"\ngroup = \"crypto\"\npriority = 3\npath = {:?}\nloop = true\n",
        exchange(
            "binance",
            "binance",
            1,
            binance.url(),
            "{ BTCUSDT = \"BTC-USD\" }"
        ),
        exchange(
            "coinbase",
            "coinbase",
            2,
            coinbase.url(),
            "{ BTC-USD = \"BTC-USD\" }"
        ),
        tape.display().to_string(),
    );
    let agent = market_data_agent::spawn(config_with_sources(&toml))
        .await
        .unwrap();
    let addr = agent.addr();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Collector::start(addr).await);
    }
    wait_for_metric(addr, "mda_source_active{source=\"binance\"}", |n| n == 1.0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (rss_before, fds_before) = (rss_bytes(), open_fds());

    let mut rng = Lcg(42);
    let fakes = [&binance, &coinbase];
    let end = Instant::now() + Duration::from_secs(secs);
    let mut steps = 0;
    while Instant::now() < end {
        let fake = fakes[rng.next(2) as usize];
        match rng.next(6) {
            0 => fake.set_mode(Mode::Dead),
            1 => fake.set_mode(Mode::Stalled),
            2 | 3 => fake.set_mode(Mode::Live),
            4 => fake.inject(Inject::Text("{\"stream\":\"btcusdt@tra".into())),
            _ => {
                let symbol = if std::ptr::eq(fake, &binance) {
                    "BTCUSDT"
                } else {
                    "BTC-USD"
                };
                fake.inject(Inject::Text(fake.trade_text(
                    symbol,
                    1,
                    99_999.0,
                    now_ms() - 10_000,
                )));
            }
        }
        steps += 1;
        tokio::time::sleep(Duration::from_millis(50 + rng.next(150))).await;
    }

    // Calm: everything live again; the group settles on its primary.
    binance.set_mode(Mode::Live);
    coinbase.set_mode(Mode::Live);
    wait_for_metric(addr, "mda_source_active{source=\"binance\"}", |n| n == 1.0).await;
    binance.wait_connections(1).await;
    coinbase.wait_connections(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert!(steps > 5, "{steps} schedule steps");
    assert!(metric(addr, "mda_source_state{source=\"binance\",state=\"up\"}").await == 1.0);
    let (_, text) = get(addr, "/metrics").await;
    let total = |prefix: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!(
        total("mda_circuit_transitions_total{") >= 1.0,
        "no breaker moved in {steps} steps"
    );
    assert_eq!(
        total("mda_ws_clients_dropped_total{"),
        0.0,
        "a client was dropped"
    );
    assert_eq!(metric(addr, "mda_ws_clients").await, CLIENTS as f64);
    for client in &clients {
        assert!(client.is_open(), "a client connection was lost");
        let prices = client.prices(BTC);
        assert!(prices.len() > 10, "{} ticks", prices.len());
        for price in prices {
            let normal = [37_000.0, 37_010.0, 37_020.0]
                .iter()
                .any(|b| (*b..b + 0.1).contains(&price));
            assert!(normal, "a bad tick was served: {price}");
        }
    }
    let (rss_after, fds_after) = (rss_bytes(), open_fds());
    assert!(
        rss_after < rss_before + 64 * 1024 * 1024,
        "RSS {} -> {} MB",
        rss_before >> 20,
        rss_after >> 20
    );
    assert!(
        fds_after <= fds_before + 8,
        "file descriptors {fds_before} -> {fds_after}"
    );
    agent.shutdown().await.unwrap();
    let _ = std::fs::remove_file(&tape);
}
