//! Exchange adapters against fake exchanges on loopback, with faults
//! injected: disconnects, garbage, truncated JSON, a 10 MB frame, a stall
//! without a close, out-of-order ticks and bad prints, and a primary that
//! dies and recovers. Each test checks what is served (REST and WebSocket),
//! the metrics, and that memory stays bounded.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::fake::{Dialect, FakeConfig, FakeExchange, Inject, Mode};
use common::*;
use market_data_agent::AdminToken;
use market_data_agent::api::{Health, Quote, SourceHealth, SourceState};

const BTC: &str = "BTC-USD";
/// The fakes' prices stay within base + 0.09.
const BINANCE_BASE: f64 = 37_000.0;
const COINBASE_BASE: f64 = 37_010.0;

/// Failover is judged every 20 ms; a silent source is stale after 400 ms.
const FAILOVER: &str = "[failover]\ncheck_interval_ms = 20\nfailback_after_ms = 500\n";

fn source(name: &str, kind: &str, priority: u32, url: &str, symbols: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\nkind = \"{kind}\"\ngroup = \"crypto\"\npriority = {priority}\nurl = \"{url}\"\nsymbols = {symbols}\nidle_timeout_ms = 1500\nreconnect_min_ms = 50\nreconnect_max_ms = 200\n[sources.breaker]\nstale_after_ms = 400\ncooldown_ms = 300\nprobe_ticks = 3\n"
    )
}

fn binance_source(fake: &FakeExchange, priority: u32) -> String {
    source(
        "binance",
        "binance",
        priority,
        &fake.url(),
        "{ BTCUSDT = \"BTC-USD\" }",
    )
}

fn coinbase_source(fake: &FakeExchange, priority: u32) -> String {
    source(
        "coinbase",
        "coinbase",
        priority,
        &fake.url(),
        "{ BTC-USD = \"BTC-USD\" }",
    )
}

async fn binance_fake(edit: impl FnOnce(&mut FakeConfig)) -> FakeExchange {
    let mut config = FakeConfig::new(&[("BTCUSDT", BINANCE_BASE), ("ETHUSDT", 2_000.0)]);
    edit(&mut config);
    FakeExchange::start(Dialect::Binance, config).await
}

async fn coinbase_fake(edit: impl FnOnce(&mut FakeConfig)) -> FakeExchange {
    let mut config = FakeConfig::new(&[("BTC-USD", COINBASE_BASE)]);
    edit(&mut config);
    FakeExchange::start(Dialect::Coinbase, config).await
}

async fn source_health(addr: SocketAddr, name: &str) -> SourceHealth {
    let (_, health): (u16, Health) = get_json(addr, "/health").await;
    health.sources.into_iter().find(|s| s.name == name).unwrap()
}

async fn quote(addr: SocketAddr) -> Option<Quote> {
    let (status, body) = get(addr, &format!("/api/v1/quotes/{BTC}")).await;
    (status == 200).then(|| serde_json::from_str(&body).unwrap())
}

/// Polls the served quote until `accept` holds, for at most 10 s.
async fn wait_quote(addr: SocketAddr, accept: impl Fn(&Quote) -> bool) -> Quote {
    for _ in 0..1000 {
        if let Some(q) = quote(addr).await
            && accept(&q)
        {
            return q;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_, health) = get(addr, "/health").await;
    panic!(
        "no quote as wanted; last {:?}; health {health}",
        quote(addr).await
    );
}

fn sample(family: &str, source: &str, kind: &str) -> String {
    format!("{family}{{kind=\"{kind}\",source=\"{source}\"}}")
}

/// Every served price came from a fake's normal range.
fn assert_only_normal_prices(collector: &Collector) {
    for price in collector.prices(BTC) {
        let normal = (BINANCE_BASE..BINANCE_BASE + 0.1).contains(&price)
            || (COINBASE_BASE..COINBASE_BASE + 0.1).contains(&price);
        assert!(normal, "a bad tick was served: {price}");
    }
}

/// Memory stays within a generous bound of where it started.
fn assert_memory_bounded(before: u64) {
    let after = rss_bytes();
    assert!(
        after < before + 64 * 1024 * 1024,
        "resident memory grew from {} MB to {} MB",
        before >> 20,
        after >> 20
    );
}

#[tokio::test]
async fn binance_trades_are_served_pings_answered_and_the_session_limit_reconnects() {
    let fake = binance_fake(|c| {
        c.ping_every = Duration::from_millis(100);
        c.pong_within = Duration::from_millis(300);
        c.max_session = Duration::from_millis(800);
    })
    .await;
    let config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let collector = Collector::start(agent.addr()).await;
    let q = wait_quote(agent.addr(), |q| q.source == "binance").await;
    assert!((BINANCE_BASE..BINANCE_BASE + 0.1).contains(&q.price), "{q:?}");
    assert!(
        (q.ask - q.bid - 0.02).abs() < 1e-6,
        "bid and ask from bookTicker: {q:?}"
    );
    assert_eq!(
        fake.requests()[0],
        "/stream?streams=btcusdt@trade/btcusdt@bookTicker"
    );
    // Pings answered: the fake would have closed the session otherwise, and
    // the 24 h limit (800 ms here) closes it anyway; the adapter comes back.
    for _ in 0..100 {
        if fake.accepted() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fake.pongs() >= 3, "pongs {}", fake.pongs());
    assert!(fake.accepted() >= 3, "sessions {}", fake.accepted());
    let disconnects = metric(
        agent.addr(),
        &sample("mda_source_errors_total", "binance", "disconnected"),
    )
    .await;
    assert!(disconnects >= 2.0, "{disconnects}");
    let before = quote(agent.addr()).await.unwrap();
    let after = wait_quote(agent.addr(), |q| q.ts > before.ts).await;
    assert_eq!(after.source, "binance");
    let h = source_health(agent.addr(), "binance").await;
    assert_eq!(h.kind.as_deref(), Some("binance"));
    assert_eq!(
        (h.group.as_deref(), h.priority, h.active),
        (Some("crypto"), Some(1), Some(true))
    );
    assert!(
        h.last_error.as_deref().unwrap().contains("session limit"),
        "{h:?}"
    );
    assert_only_normal_prices(&collector);
    assert!(collector.is_open());
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn coinbase_subscribes_serves_tickers_and_retries_a_refused_subscription() {
    let fake = coinbase_fake(|c| c.heartbeat_every = Duration::from_millis(100)).await;
    let config = config_with_sources(&format!("{FAILOVER}{}", coinbase_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let q = wait_quote(agent.addr(), |q| q.source == "coinbase").await;
    assert!((COINBASE_BASE..COINBASE_BASE + 0.1).contains(&q.price), "{q:?}");
    assert!((q.ask - q.bid - 0.02).abs() < 1e-6, "{q:?}");
    assert_eq!(
        fake.requests()[0],
        r#"{"channels":["ticker","heartbeat"],"product_ids":["BTC-USD"],"type":"subscribe"}"#
    );
    agent.shutdown().await.unwrap();

    // A product the exchange does not list: error, close, retried with backoff.
    let symbols = "{ BTC-USD = \"BTC-USD\", DOGE-USD = \"DOGE-USD\" }";
    let config = config_with_sources(&format!(
        "{FAILOVER}{}",
        source("coinbase", "coinbase", 1, &fake.url(), symbols)
    ));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let errors = sample("mda_source_errors_total", "coinbase", "exchange_error");
    wait_for_metric(agent.addr(), &errors, |n| n >= 2.0).await;
    let h = source_health(agent.addr(), "coinbase").await;
    let error = h.last_error.unwrap();
    assert!(
        error.contains("Failed to subscribe: DOGE-USD is not a valid product"),
        "{error}"
    );
    assert_ne!(h.state, SourceState::Up);
    let (status, _) = get(agent.addr(), "/api/v1/quotes/DOGE-USD").await;
    assert_eq!(status, 503, "served, but never had a tick");
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_disconnect_mid_stream_reconnects_and_the_stream_resumes() {
    let fake = binance_fake(|_| {}).await;
    let config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let collector = Collector::start(agent.addr()).await;
    wait_quote(agent.addr(), |q| q.source == "binance").await;
    let rss = rss_bytes();
    fake.inject(Inject::Drop);
    let errors = sample("mda_source_errors_total", "binance", "disconnected");
    wait_for_metric(agent.addr(), &errors, |n| n >= 1.0).await;
    fake.wait_connections(1).await;
    assert_eq!(fake.accepted(), 2);
    let before = quote(agent.addr()).await.unwrap();
    wait_quote(agent.addr(), |q| q.ts > before.ts).await;
    wait_for_metric(
        agent.addr(),
        "mda_source_state{source=\"binance\",state=\"up\"}",
        |n| n == 1.0,
    )
    .await;
    assert_only_normal_prices(&collector);
    assert!(
        collector.is_open(),
        "the client's connection survives the source's"
    );
    assert_memory_bounded(rss);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn garbage_truncated_json_and_binary_frames_are_counted_not_served() {
    let fake = binance_fake(|_| {}).await;
    let config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let collector = Collector::start(agent.addr()).await;
    wait_quote(agent.addr(), |q| q.source == "binance").await;
    let rss = rss_bytes();
    let trade = fake.trade_text("BTCUSDT", 1, 99_999.0, now_ms());
    fake.inject(Inject::Text("garbage".into()));
    fake.inject(Inject::Text(trade[..trade.len() / 2].to_string()));
    fake.inject(Inject::Text(trade.replace("99999.00000000", "NaN-ish")));
    fake.inject(Inject::Binary(vec![0xff, 0x00, 0x13]));
    let bad = sample("mda_source_errors_total", "binance", "bad_frame");
    wait_for_metric(agent.addr(), &bad, |n| n == 4.0).await;
    // The connection stays, and good ticks keep coming.
    let before = quote(agent.addr()).await.unwrap();
    wait_quote(agent.addr(), |q| q.ts > before.ts).await;
    assert_eq!(fake.accepted(), 1);
    assert_eq!(
        metric(
            agent.addr(),
            &sample("mda_source_errors_total", "binance", "disconnected")
        )
        .await,
        0.0
    );
    assert_only_normal_prices(&collector);
    let h = source_health(agent.addr(), "binance").await;
    assert!(h.last_error.as_deref().unwrap().contains("binary frame"), "{h:?}");
    assert_eq!(h.breaker, Some(market_data_agent::api::BreakerState::Closed));
    assert_memory_bounded(rss);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_10_mb_frame_drops_the_connection_and_memory_stays_bounded() {
    let fake = binance_fake(|_| {}).await;
    let config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let collector = Collector::start(agent.addr()).await;
    wait_quote(agent.addr(), |q| q.source == "binance").await;
    let before = rss_bytes();
    for _ in 0..3 {
        let connections = fake.accepted();
        fake.inject(Inject::Text("x".repeat(10 * 1024 * 1024)));
        for _ in 0..200 {
            if fake.accepted() > connections {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let too_large = sample("mda_source_errors_total", "binance", "frame_too_large");
    wait_for_metric(agent.addr(), &too_large, |n| n == 3.0).await;
    fake.wait_connections(1).await;
    let now = quote(agent.addr()).await.unwrap();
    wait_quote(agent.addr(), |q| q.ts > now.ts).await;
    assert_memory_bounded(before);
    assert_only_normal_prices(&collector);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn out_of_order_ticks_and_bad_prints_are_not_served() {
    let fake = binance_fake(|_| {}).await;
    let config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let collector = Collector::start(agent.addr()).await;
    wait_quote(agent.addr(), |q| q.source == "binance").await;
    let rss = rss_bytes();
    // A trade from 5 s ago at a price the fake never trades at, a bad print
    // 50% away, and a crossed book before a trade.
    fake.inject(Inject::Text(fake.trade_text(
        "BTCUSDT",
        1_000_000,
        BINANCE_BASE + 0.5,
        now_ms() - 5_000,
    )));
    fake.inject(Inject::Text(fake.trade_text(
        "BTCUSDT",
        1_000_001,
        BINANCE_BASE * 1.5,
        now_ms(),
    )));
    let crossed_book = r#"{"stream":"btcusdt@bookTicker","data":{"u":9,"s":"BTCUSDT","b":"37100.0","B":"1","a":"36900.0","A":"1"}}"#;
    let trade = fake.trade_text("BTCUSDT", 1_000_002, BINANCE_BASE, now_ms());
    fake.inject(Inject::Burst(vec![crossed_book.to_string(), trade]));
    let quality = |kind: &'static str| sample("mda_source_quality_issues_total", "binance", kind);
    wait_for_metric(agent.addr(), &quality("out_of_order"), |n| n == 1.0).await;
    wait_for_metric(agent.addr(), &quality("price_jump"), |n| n == 1.0).await;
    wait_for_metric(agent.addr(), &quality("crossed"), |n| n >= 1.0).await;
    // Trade ids jumped ahead of the fake's: a gap; its next trades repeat ids
    // below them, which the timestamps show to be in order.
    assert!(metric(agent.addr(), &quality("gap")).await >= 1.0);
    let before = quote(agent.addr()).await.unwrap();
    wait_quote(agent.addr(), |q| q.ts > before.ts).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_only_normal_prices(&collector);
    let rejected = metric(
        agent.addr(),
        "mda_ticks_rejected_total{reason=\"crossed\",source=\"binance\"}",
    )
    .await;
    assert!(rejected >= 1.0);
    assert_memory_bounded(rss);
    agent.shutdown().await.unwrap();
}

/// Primary and secondary serving the same symbol, both live.
async fn pair() -> (FakeExchange, FakeExchange, market_data_agent::AgentHandle) {
    let primary = binance_fake(|_| {}).await;
    let secondary = coinbase_fake(|c| c.heartbeat_every = Duration::from_millis(100)).await;
    let config = config_with_sources(&format!(
        "{FAILOVER}{}{}",
        binance_source(&primary, 1),
        coinbase_source(&secondary, 2)
    ));
    let agent = market_data_agent::spawn(config).await.unwrap();
    wait_quote(agent.addr(), |q| q.source == "binance").await;
    secondary.wait_connections(1).await;
    (primary, secondary, agent)
}

#[tokio::test]
async fn the_primary_dies_and_recovers_failover_within_the_bound_then_failback() {
    let (primary, _secondary, agent) = pair().await;
    let addr = agent.addr();
    let collector = Collector::start(addr).await;
    let before = rss_bytes();
    // Standby ticks are checked but not served.
    assert!(collector.sources(BTC).iter().all(|s| s == "binance"));
    wait_for_metric(addr, "mda_source_state{source=\"coinbase\",state=\"up\"}", |n| {
        n == 1.0
    })
    .await;
    assert_eq!(source_health(addr, "coinbase").await.active, Some(false));

    let died = Instant::now();
    primary.set_mode(Mode::Dead);
    wait_quote(addr, |q| q.source == "coinbase").await;
    let failover = died.elapsed();
    // The bound: a lost connection is acted on at once; the secondary trades
    // every 20 ms. Generous for a loaded machine.
    assert!(failover < Duration::from_secs(2), "failover took {failover:?}");
    let failovers =
        "mda_failovers_total{from=\"binance\",group=\"crypto\",reason=\"failover\",to=\"coinbase\"}";
    assert_eq!(metric(addr, failovers).await, 1.0);
    let h = source_health(addr, "binance").await;
    assert_eq!(
        (h.state, h.active, h.failovers),
        (SourceState::Down, Some(false), Some(1))
    );
    assert!(h.last_error.is_some());
    wait_for_metric(addr, "mda_source_state{source=\"binance\",state=\"down\"}", |n| {
        n == 1.0
    })
    .await;

    // It stays away while dead: failed connects open its breaker.
    let opened = "mda_circuit_transitions_total{from=\"closed\",source=\"binance\",to=\"open\"}";
    wait_for_metric(addr, opened, |n| n >= 1.0).await;

    primary.set_mode(Mode::Live);
    let back = Instant::now();
    wait_quote(addr, |q| q.source == "binance").await;
    // Cool-down (300 ms), probe, then failback_after_ms (500 ms) of health.
    assert!(
        back.elapsed() >= Duration::from_millis(500),
        "failed back too early"
    );
    let failbacks =
        "mda_failovers_total{from=\"coinbase\",group=\"crypto\",reason=\"failback\",to=\"binance\"}";
    assert_eq!(metric(addr, failbacks).await, 1.0);
    let closed = "mda_circuit_transitions_total{from=\"half_open\",source=\"binance\",to=\"closed\"}";
    assert!(metric(addr, closed).await >= 1.0);
    assert_eq!(metric(addr, "mda_source_active{source=\"binance\"}").await, 1.0);
    assert_eq!(metric(addr, "mda_source_active{source=\"coinbase\"}").await, 0.0);

    // The client saw binance, then coinbase, then binance again, and never
    // a bad price; its connection never dropped.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut runs = collector.sources(BTC);
    runs.dedup();
    assert_eq!(runs, ["binance", "coinbase", "binance"]);
    assert_only_normal_prices(&collector);
    assert!(collector.is_open());
    assert_memory_bounded(before);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stall_without_close_opens_the_breaker_fails_over_and_the_connection_is_replaced() {
    let (primary, _secondary, agent) = pair().await;
    let addr = agent.addr();
    primary.set_mode(Mode::Stalled);
    let stalled = Instant::now();
    wait_quote(addr, |q| q.source == "coinbase").await;
    // Staleness bound: stale_after_ms (400) + check_interval_ms (20), plus slack.
    assert!(
        stalled.elapsed() < Duration::from_secs(2),
        "{:?}",
        stalled.elapsed()
    );
    let opened = "mda_circuit_transitions_total{from=\"closed\",source=\"binance\",to=\"open\"}";
    assert_eq!(metric(addr, opened).await, 1.0);
    let h = source_health(addr, "binance").await;
    assert_eq!(
        (h.breaker, h.health_score),
        (Some(market_data_agent::api::BreakerState::Open), Some(0.0))
    );
    // After idle_timeout_ms (1500) the adapter gives up on the silent
    // connection and opens a new one.
    let stalls = sample("mda_source_errors_total", "binance", "stalled");
    wait_for_metric(addr, &stalls, |n| n >= 1.0).await;
    primary.set_mode(Mode::Live);
    wait_quote(addr, |q| q.source == "binance").await;
    assert!(primary.accepted() >= 2);
    agent.shutdown().await.unwrap();
}

async fn action(
    addr: SocketAddr,
    name: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(url(addr, &format!("/api/v1/actions/{name}")))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn operators_force_breakers_and_switch_sources() {
    let primary = binance_fake(|_| {}).await;
    let secondary = coinbase_fake(|c| c.heartbeat_every = Duration::from_millis(100)).await;
    let mut config = config_with_sources(&format!(
        "{FAILOVER}{}{}",
        binance_source(&primary, 1),
        coinbase_source(&secondary, 2)
    ));
    config.admin_token = Some(AdminToken::new("t0ken").unwrap());
    // This test runs more actions than the default rate allows a caller.
    config.auth.actions_per_minute = 0;
    let agent = market_data_agent::spawn(config).await.unwrap();
    let addr = agent.addr();
    wait_quote(addr, |q| q.source == "binance").await;
    secondary.wait_connections(1).await;
    let token = Some("t0ken");
    let open = serde_json::json!({"params": {"source": "binance", "state": "open"}, "author": "ann", "comment": "drill"});

    let (status, body) = action(addr, "circuit", open.clone(), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );

    let (status, body) = action(addr, "circuit", open, token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["action"].as_str(), body["ok"].as_bool()),
        (Some("circuit"), Some(true))
    );
    assert_eq!(body["details"]["breaker"], "open");
    assert_eq!(body["details"]["forced"], true);
    wait_quote(addr, |q| q.source == "coinbase").await;
    let h = source_health(addr, "binance").await;
    assert_eq!((h.breaker_forced, h.active), (Some(true), Some(false)));
    // Held open: healthy ticks do not bring it back.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(quote(addr).await.unwrap().source, "coinbase");

    let auto = serde_json::json!({"params": {"source": "binance", "state": "auto"}});
    let (status, _) = action(addr, "circuit", auto, token).await;
    assert_eq!(status, 200);
    wait_quote(addr, |q| q.source == "binance").await;

    // A manual failover pins the group to the secondary...
    let (status, body) = action(addr, "failover", serde_json::json!({}), token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["details"]["active"].as_str(),
            body["details"]["pinned"].as_bool()
        ),
        (Some("coinbase"), Some(true))
    );
    wait_quote(addr, |q| q.source == "coinbase").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        quote(addr).await.unwrap().source,
        "coinbase",
        "no failback while pinned"
    );
    let manual = "mda_failovers_total{from=\"binance\",group=\"crypto\",reason=\"manual\",to=\"coinbase\"}";
    assert_eq!(metric(addr, manual).await, 1.0);
    // ... until the operator picks the preferred source again.
    let back = serde_json::json!({"params": {"source": "binance"}});
    let (status, body) = action(addr, "failover", back.clone(), token).await;
    assert_eq!((status, body["details"]["pinned"].as_bool()), (200, Some(false)));
    wait_quote(addr, |q| q.source == "binance").await;
    let (status, body) = action(addr, "failover", back, token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("action_refused"))
    );

    for (name, body, status, code) in [
        ("reboot", serde_json::json!({}), 404, "unknown_action"),
        (
            "circuit",
            serde_json::json!({"params": {"source": "nope", "state": "open"}}),
            400,
            "bad_request",
        ),
        (
            "circuit",
            serde_json::json!({"params": {"source": "binance", "state": "ajar"}}),
            400,
            "bad_request",
        ),
        (
            "circuit",
            serde_json::json!({"params": {"source": "binance"}}),
            400,
            "bad_request",
        ),
        (
            "failover",
            serde_json::json!({"params": {"group": "equities"}}),
            400,
            "bad_request",
        ),
        (
            "failover",
            serde_json::json!({"params": {"source": 3}}),
            400,
            "bad_request",
        ),
        (
            "failover",
            serde_json::json!({"parameters": {}}),
            400,
            "bad_request",
        ),
    ] {
        let (got, answer) = action(addr, name, body.clone(), token).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{name} {body}: {answer}"
        );
    }
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn sources_are_listed_from_the_start_and_a_start_opens_no_incident() {
    let fake = binance_fake(|_| {}).await;
    // A port nothing listens on: refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = config_with_sources(&format!(
        "{FAILOVER}{}{}",
        binance_source(&fake, 1),
        source(
            "nowhere",
            "binance",
            2,
            &format!("ws://{closed}"),
            "{ BTCUSDT = \"BTC-USD\" }"
        )
    ));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let addr = agent.addr();
    let (_, health): (u16, Health) = get_json(addr, "/health").await;
    let names: Vec<&str> = health.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let nowhere = health.sources.iter().find(|s| s.name == "nowhere").unwrap();
    assert_eq!(
        (nowhere.kind.as_deref(), nowhere.priority),
        (Some("binance"), Some(2))
    );
    wait_quote(addr, |q| q.source == "binance").await;
    let refused = sample("mda_source_errors_total", "nowhere", "connect_failed");
    wait_for_metric(addr, &refused, |n| n >= 1.0).await;
    let h = source_health(addr, "nowhere").await;
    assert_eq!((h.state, h.active), (SourceState::Down, Some(false)));
    assert!(h.last_error.unwrap().starts_with("cannot connect to ws://"));
    let (_, health): (u16, Health) = get_json(addr, "/health").await;
    assert_eq!(health.status, market_data_agent::api::HealthStatus::Degraded);
    // The detectors run every 500 ms: the unreachable source has its
    // incident, the one that connected at start has none.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let (_, incidents) = get(addr, "/api/v1/incidents").await;
    assert!(incidents.contains("source_down:nowhere"), "{incidents}");
    assert!(!incidents.contains("source_down:binance"), "{incidents}");
    agent.shutdown().await.unwrap();
}

/// `wss://` goes through TLS (rustls, ring provider): against a plain
/// WebSocket server the handshake fails cleanly, is counted and retried.
#[tokio::test]
async fn wss_endpoints_go_through_tls() {
    let fake = binance_fake(|_| {}).await;
    let url = format!("wss://{}", fake.addr);
    let config = config_with_sources(&format!(
        "{FAILOVER}{}",
        source("binance", "binance", 1, &url, "{ BTCUSDT = \"BTC-USD\" }")
    ));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let refused = sample("mda_source_errors_total", "binance", "connect_failed");
    wait_for_metric(agent.addr(), &refused, |n| n >= 2.0).await;
    let h = source_health(agent.addr(), "binance").await;
    let error = h.last_error.unwrap();
    assert!(
        error.starts_with(&format!("cannot connect to {url}/stream?")),
        "{error}"
    );
    assert_eq!(fake.accepted(), 0, "no WebSocket session without TLS");
    agent.shutdown().await.unwrap();
}

/// The adapter never waits on the pipeline: with a one-chunk queue, a burst
/// is either served or counted as dropped, nothing is lost silently, and
/// the connection is never held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pipeline_queue_drops_and_counts_instead_of_blocking() {
    let fake = binance_fake(|c| c.trade_every = Duration::from_secs(3_600)).await;
    let mut config = config_with_sources(&format!("{FAILOVER}{}", binance_source(&fake, 1)));
    config.pipeline.queue_capacity = 1;
    let agent = market_data_agent::spawn(config).await.unwrap();
    let addr = agent.addr();
    wait_quote(addr, |q| q.source == "binance").await;
    let ts = now_ms();
    let burst = 50_000;
    let frames: Vec<String> = (0..burst)
        .map(|i| fake.trade_text("BTCUSDT", 100 + i, BINANCE_BASE + (i % 7) as f64 * 0.01, ts))
        .collect();
    fake.inject(Inject::Burst(frames));
    let dropped_sample = "mda_source_ticks_dropped_total{source=\"binance\"}";
    let mut accounted = 0.0;
    for _ in 0..400 {
        let (_, text) = get(addr, "/metrics").await;
        let value = |prefix: &str| -> f64 {
            text.lines()
                .filter(|l| l.starts_with(prefix))
                .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
                .sum()
        };
        accounted = value("mda_ticks_accepted_total{source=\"binance\"") + value(dropped_sample);
        if accounted >= burst as f64 + 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        accounted,
        burst as f64 + 1.0,
        "served + dropped = every trade sent"
    );
    assert!(
        metric(addr, dropped_sample).await > 0.0,
        "a one-chunk queue cannot take a 50k burst"
    );
    assert_eq!(fake.accepted(), 1, "one connection all along");
    agent.shutdown().await.unwrap();
}
