//! Replay sources end to end: CSV and JSONL files played through a real
//! agent, at a speed multiple, once or looping; bad lines are reported with
//! their number and lose nothing else.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use market_data_agent::AgentConfig;
use market_data_agent::api::{Health, Quote, ServerFrame};

/// A file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("mda-replay-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn config_with(sources_toml: &str) -> AgentConfig {
    config_with_sources(sources_toml)
}

fn replay_source(name: &str, path: &std::path::Path, extra: &str) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\nkind = \"replay\"\npath = {:?}\n{extra}\n",
        path.display().to_string()
    )
}

async fn accepted(addr: std::net::SocketAddr, source: &str) -> f64 {
    let (_, text) = get(addr, "/metrics").await;
    text.lines()
        .filter(|l| l.starts_with("mda_ticks_accepted_total{") && l.contains(&format!("source=\"{source}\"")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

async fn wait_accepted(addr: std::net::SocketAddr, source: &str, want: f64) {
    for _ in 0..200 {
        if accepted(addr, source).await >= want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, text) = get(addr, "/metrics").await;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(source) && !l.ends_with(" 0"))
        .collect();
    panic!(
        "{source}: accepted stayed at {}: {lines:#?}",
        accepted(addr, source).await
    );
}

#[tokio::test]
async fn the_shipped_sample_plays_every_tick_at_a_speed_multiple() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/replay/sample.csv");
    let ticks = std::fs::read_to_string(&sample)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count()
        - 1;
    let config = config_with(&replay_source("tape", &sample, "speed = 100"));
    let agent = market_data_agent::spawn(config).await.unwrap();
    wait_accepted(agent.addr(), "tape", ticks as f64).await;
    let (status, quote): (u16, Quote) = get_json(agent.addr(), "/api/v1/quotes/AAPL").await;
    assert_eq!((status, quote.source.as_str()), (200, "tape"));
    // Played once: the source ends up down, with nothing rejected.
    for _ in 0..100 {
        let (_, health): (u16, Health) = get_json(agent.addr(), "/health").await;
        let tape = health.sources.iter().find(|s| s.name == "tape").unwrap();
        if tape.state == market_data_agent::api::SourceState::Down {
            assert_eq!(tape.kind.as_deref(), Some("replay"));
            assert_eq!(tape.active, Some(true));
            assert_eq!(tape.last_error, None);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        accepted(agent.addr(), "tape").await,
        ticks as f64,
        "nothing more, nothing less"
    );
    assert_eq!(
        metric(
            agent.addr(),
            "mda_source_errors_total{kind=\"bad_line\",source=\"tape\"}"
        )
        .await,
        0.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn jsonl_bad_lines_are_reported_by_number_and_skipped() {
    let now = now_ms();
    let line = |i: i64, price: f64| {
        format!(
            r#"{{"symbol":"MSFT","ts":{},"price":{price},"bid":{},"ask":{},"size":10}}"#,
            now + i * 10,
            price - 0.01,
            price + 0.01
        )
    };
    let text = [
        line(0, 100.0),
        line(1, 100.1),
        "{\"symbol\":\"MSFT\",\"ts\":".to_string(),
        "# a comment".to_string(),
        line(2, 100.2),
        line(2, 100.2),
        r#"{"symbol":"MSFT","ts":1,"price":"high","bid":1,"ask":2,"size":1}"#.to_string(),
        line(3, 100.3),
    ]
    .join("\n");
    let file = TempFile::new("bad.jsonl", &text);
    let config = config_with(&replay_source("tape", &file.0, "speed = 50"));
    let agent = market_data_agent::spawn(config).await.unwrap();
    wait_accepted(agent.addr(), "tape", 4.0).await;
    let (_, quote): (u16, Quote) = get_json(agent.addr(), "/api/v1/quotes/MSFT").await;
    assert_eq!(quote.price, 100.3);
    assert_eq!(
        metric(
            agent.addr(),
            "mda_source_errors_total{kind=\"bad_line\",source=\"tape\"}"
        )
        .await,
        2.0
    );
    let (_, health): (u16, Health) = get_json(agent.addr(), "/health").await;
    let tape = health.sources.iter().find(|s| s.name == "tape").unwrap();
    let error = tape.last_error.as_deref().unwrap();
    assert!(error.contains("bad.jsonl:7: not a tick object"), "{error}");
    assert_eq!(
        metric(
            agent.addr(),
            "mda_source_quality_issues_total{kind=\"duplicate\",source=\"tape\"}"
        )
        .await,
        1.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn csv_speed_multiple_spaces_ticks_and_out_of_order_lines_are_not_served() {
    // 2 s of recorded time at speed 4: played over 500 ms.
    let text = "symbol,ts,price,bid,ask,size\nAAPL,1000,10.00,9.99,10.01,1\nAAPL,1500,10.01,10.00,10.02,1\nAAPL,1400,10.50,10.49,10.51,1\nAAPL,3000,10.02,10.01,10.03,1\n";
    let file = TempFile::new("speed.csv", text);
    let config = config_with(&replay_source("tape", &file.0, "speed = 4"));
    let agent = market_data_agent::spawn(config).await.unwrap();
    let mut ws = connect(agent.addr()).await;
    subscribe(&mut ws, &["AAPL"]).await;
    let mut served = Vec::new();
    while served.len() < 3 {
        if let ServerFrame::Ticks { ticks, .. } = next_frame(&mut ws).await {
            served.extend(ticks);
        }
    }
    let prices: Vec<f64> = served.iter().map(|q| q.price).collect();
    assert_eq!(
        prices,
        [10.0, 10.01, 10.02],
        "the out-of-order line is not served"
    );
    assert_eq!(served[1].ts - served[0].ts, 125);
    assert_eq!(served[2].ts - served[0].ts, 500);
    assert_eq!(
        metric(
            agent.addr(),
            "mda_source_quality_issues_total{kind=\"out_of_order\",source=\"tape\"}"
        )
        .await,
        1.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_looping_replay_keeps_playing_in_order() {
    let now = now_ms();
    let text: String = (0..5)
        .map(|i| {
            format!(
                "NVDA,{},{}.00,{}.99,{}.01,1\n",
                now + i * 20,
                100 + i,
                99 + i,
                100 + i
            )
        })
        .collect();
    let file = TempFile::new("loop.csv", &format!("symbol,ts,price,bid,ask,size\n{text}"));
    let config = config_with(&replay_source("tape", &file.0, "speed = 10\nloop = true"));
    let agent = market_data_agent::spawn(config).await.unwrap();
    wait_accepted(agent.addr(), "tape", 20.0).await;
    let (_, health): (u16, Health) = get_json(agent.addr(), "/health").await;
    assert_eq!(health.sources[0].state, market_data_agent::api::SourceState::Up);
    for kind in ["out_of_order", "duplicate"] {
        let sample = format!("mda_source_quality_issues_total{{kind=\"{kind}\",source=\"tape\"}}");
        assert_eq!(metric(agent.addr(), &sample).await, 0.0, "{kind}");
    }
    // Each pass starts over from the first price: a 4% move, within the bound.
    assert_eq!(
        metric(
            agent.addr(),
            "mda_source_quality_issues_total{kind=\"price_jump\",source=\"tape\"}"
        )
        .await,
        0.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_file_stops_the_start_with_its_path() {
    let config = config_with(&replay_source(
        "tape",
        std::path::Path::new("no/such/ticks.csv"),
        "",
    ));
    let err = market_data_agent::spawn(config).await.err().unwrap();
    let shown = format!("{err:#}");
    assert!(
        shown.contains("source \"tape\": cannot read the replay file no/such/ticks.csv"),
        "{shown}"
    );
}
