//! The HTTP API over loopback: every route, the JSON errors, readiness,
//! metrics, and validation of ticks fed through `AgentHandle::feed`.

mod common;

use common::*;
use market_data_agent::api::{
    BarInterval, BarsResponse, ErrorBody, Health, HealthStatus, Quote, SourceState, SymbolsResponse,
};
use market_data_agent::{RawTick, spawn};

#[tokio::test]
async fn routes_answer_with_data_and_json_errors() {
    let agent = spawn(config()).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/ready", 200).await;

    let (status, health) = get_json::<Health>(addr, "/health").await;
    assert_eq!(status, 200);
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.sources.len(), 1);
    assert_eq!(health.sources[0].name, "sim");
    assert_eq!(health.sources[0].state, SourceState::Up);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));

    let (_, ready) = get_json::<serde_json::Value>(addr, "/ready").await;
    assert_eq!(ready, serde_json::json!({ "ready": true }));

    let (status, symbols) = get_json::<SymbolsResponse>(addr, "/api/v1/symbols").await;
    assert_eq!(status, 200);
    assert_eq!(symbols.symbols, ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL"]);

    wait_for_status(addr, "/api/v1/quotes/GOOGL", 200).await;
    let (status, quote) = get_json::<Quote>(addr, "/api/v1/quotes/AAPL").await;
    assert_eq!(status, 200);
    assert_eq!((quote.symbol.as_str(), quote.source.as_str()), ("AAPL", "sim"));
    assert!(quote.bid > 0.0 && quote.bid < quote.ask, "{quote:?}");
    assert!(quote.volume >= quote.size && quote.open > 0.0);
    assert!((quote.ts - now_ms()).abs() < 5_000);

    let (status, bars) = get_json::<BarsResponse>(addr, "/api/v1/bars/MSFT?interval=1s&limit=2").await;
    assert_eq!(status, 200);
    assert_eq!(
        (bars.symbol.as_str(), bars.interval),
        ("MSFT", BarInterval::OneSecond)
    );
    assert!(!bars.bars.is_empty() && bars.bars.len() <= 2);
    for bar in &bars.bars {
        assert!(bar.low <= bar.open && bar.open <= bar.high && bar.ticks > 0);
        assert_eq!(bar.start % 1_000, 0);
    }
    let (status, bars) = get_json::<BarsResponse>(addr, "/api/v1/bars/MSFT").await;
    assert_eq!((status, bars.interval), (200, BarInterval::OneMinute));

    let errors = [
        ("/api/v1/quotes/NOPE", 404, "unknown_symbol"),
        ("/api/v1/bars/NOPE?interval=1s", 404, "unknown_symbol"),
        ("/api/v1/bars/AAPL?interval=5m", 400, "bad_request"),
        ("/api/v1/bars/AAPL?limit=abc", 400, "bad_request"),
        ("/api/v1/bars/AAPL?limit=0", 400, "bad_request"),
        ("/api/v1/bars/AAPL?limt=5", 400, "bad_request"),
        ("/nope", 404, "not_found"),
        ("/api/v1/quotes", 404, "not_found"),
        ("/ws", 400, "upgrade_required"),
    ];
    for (path, want_status, want_code) in errors {
        let (status, body) = get_json::<ErrorBody>(addr, path).await;
        assert_eq!(
            (status, body.error.code.as_str()),
            (want_status, want_code),
            "{path}"
        );
        assert!(!body.error.message.is_empty());
    }
    let (_, body) = get_json::<ErrorBody>(addr, "/api/v1/bars/AAPL?interval=5m").await;
    assert!(body.error.message.contains("5m"), "{}", body.error.message);

    let client = reqwest::Client::new();
    let response = client.post(url(addr, "/health")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.code, "method_not_allowed");

    let response = client
        .get(url(addr, "/health"))
        .body(vec![b'x'; 70_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.code, "payload_too_large");

    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_mda_families() {
    let agent = spawn(config()).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/ready", 200).await;
    get(addr, "/api/v1/quotes/NOPE").await;

    let response = reqwest::get(url(addr, "/metrics")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let name = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "))
            .unwrap_or(line);
        assert!(name.starts_with("mda_"), "{line}");
    }
    for family in [
        "mda_ticks_accepted_total counter",
        "mda_ticks_rejected_total counter",
        "mda_batches_published_total counter",
        "mda_http_requests_total counter",
        "mda_http_request_duration_seconds histogram",
        "mda_ws_clients gauge",
        "mda_ws_frames_sent_total counter",
        "mda_ws_updates_conflated_total counter",
        "mda_ws_clients_dropped_total counter",
        "mda_source_state gauge",
        "mda_source_last_tick_age_seconds gauge",
        "mda_build_info gauge",
        "mda_process_cpu_seconds_total counter",
        "mda_process_resident_memory_bytes gauge",
    ] {
        assert!(text.contains(&format!("# TYPE {family}\n")), "missing {family}");
        let name = family.split(' ').next().unwrap();
        assert!(text.contains(&format!("# HELP {name} ")), "no HELP for {name}");
    }
    assert!(text.contains(
        "mda_http_requests_total{code=\"404\",method=\"GET\",route=\"/api/v1/quotes/{symbol}\"} 1\n"
    ));
    assert!(text.contains("mda_source_state{source=\"sim\",state=\"up\"} 1\n"));
    assert!(metric(addr, "mda_ticks_accepted_total{source=\"sim\",symbol=\"AAPL\"}").await > 0.0);
    assert!(metric(addr, "mda_batches_published_total").await > 0.0);

    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn fed_ticks_are_validated_counted_and_drive_readiness() {
    let agent = spawn(quiet_config()).await.unwrap();
    let addr = agent.addr();

    let (status, body) = get_json::<ErrorBody>(addr, "/ready").await;
    assert_eq!((status, body.error.code.as_str()), (503, "not_ready"));
    let (_, health) = get_json::<Health>(addr, "/health").await;
    assert_eq!(health.status, HealthStatus::Down);
    assert!(health.sources.is_empty());

    let feed = agent.feed("test");
    assert_eq!(feed.name(), "test");
    let (_, health) = get_json::<Health>(addr, "/health").await;
    assert_eq!(health.sources[0].state, SourceState::Stale);
    assert_eq!(health.sources[0].last_tick_age_ms, None);

    feed.send(vec![tick("AAPL", 100.0)]).await.unwrap();
    wait_for_status(addr, "/ready", 200).await;
    let (_, quote) = get_json::<Quote>(addr, "/api/v1/quotes/AAPL").await;
    assert_eq!((quote.price, quote.source.as_str()), (100.0, "test"));
    let (status, body) = get_json::<ErrorBody>(addr, "/api/v1/quotes/MSFT").await;
    assert_eq!((status, body.error.code.as_str()), (503, "no_data"));

    let bad = |edit: fn(&mut RawTick)| {
        let mut t = tick("AAPL", 101.0);
        edit(&mut t);
        t
    };
    feed.send(vec![
        bad(|t| t.price = f64::NAN),
        bad(|t| t.bid = 0.0),
        bad(|t| t.size = -5.0),
        bad(|t| t.bid = t.ask + 1.0),
        bad(|t| t.ts += 60_000),
        bad(|t| t.ts -= 3_600_000),
        bad(|t| t.symbol = "NOPE".into()),
        tick("MSFT", 50.0),
    ])
    .await
    .unwrap();
    wait_for_metric(
        addr,
        "mda_ticks_accepted_total{source=\"test\",symbol=\"MSFT\"}",
        |v| v == 1.0,
    )
    .await;
    for reason in [
        "non_finite",
        "non_positive",
        "negative_size",
        "crossed",
        "future",
        "too_old",
        "unknown_symbol",
    ] {
        let sample = format!("mda_ticks_rejected_total{{reason=\"{reason}\",source=\"test\"}}");
        assert_eq!(metric(addr, &sample).await, 1.0, "{sample}");
    }
    let (_, quote) = get_json::<Quote>(addr, "/api/v1/quotes/AAPL").await;
    assert_eq!(quote.price, 100.0, "rejected ticks must not touch the quote");

    drop(feed);
    let (_, health) = get_json::<Health>(addr, "/health").await;
    assert_eq!(health.sources[0].state, SourceState::Down);
    assert_eq!(health.status, HealthStatus::Down);
    assert_eq!(get(addr, "/ready").await.0, 503);

    agent.shutdown().await.unwrap();
}
