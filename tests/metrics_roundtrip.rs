//! The console's metrics reader against the real agent's `/metrics`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use market_data_agent::AgentConfig;
use market_data_agent::api::SymbolsResponse;
use mdops::metrics_text::{self, MetricKind};

const QUOTES_ROUTE: &str = "/api/v1/quotes/{symbol}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_metrics_read_completely() -> anyhow::Result<()> {
    let mut config = AgentConfig::embedded();
    config.listen = "127.0.0.1:0".to_string();
    let agent = market_data_agent::spawn(config).await?;
    let result = check(&format!("http://{}", agent.addr())).await;
    let stopped = agent.shutdown().await;
    result.and(stopped)
}

async fn check(base: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let symbols: SymbolsResponse = http
        .get(format!("{base}/api/v1/symbols"))
        .send()
        .await?
        .json()
        .await?;
    let symbol = symbols.symbols.first().context("the agent serves no symbols")?;

    // A quote exists once the feed has delivered ticks for the symbol.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = http
            .get(format!("{base}/api/v1/quotes/{symbol}"))
            .send()
            .await?
            .status();
        if status == reqwest::StatusCode::OK {
            break;
        }
        if Instant::now() > deadline {
            bail!("no quote for {symbol} after 10 s (last status {status})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let unknown = http
        .get(format!("{base}/api/v1/quotes/NO_SUCH_SYMBOL"))
        .send()
        .await?
        .status();
    ensure!(
        unknown == reqwest::StatusCode::NOT_FOUND,
        "unknown symbol answered {unknown}"
    );

    let body = http
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let exp = metrics_text::parse_bytes(&body);
    ensure!(
        exp.unreadable.is_empty(),
        "unreadable lines: {:#?}",
        exp.unreadable
    );

    // What the raw text declares and holds, by a scan that shares nothing with the parser.
    let raw = std::str::from_utf8(&body)?;
    let declared: BTreeMap<&str, &str> = raw
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    let sample_lines = raw
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();

    let parsed: BTreeMap<&str, &str> = exp
        .families
        .iter()
        .map(|f| {
            let kind = match f.kind {
                MetricKind::Counter => "counter",
                MetricKind::Gauge => "gauge",
                MetricKind::Histogram => "histogram",
                MetricKind::Summary => "summary",
                MetricKind::Untyped => "untyped",
            };
            (f.name.as_str(), kind)
        })
        .collect();
    ensure!(!declared.is_empty(), "no TYPE lines in:\n{raw}");
    ensure!(
        parsed == declared,
        "parsed families {parsed:#?}\ndiffer from TYPE lines {declared:#?}"
    );
    let samples: usize = exp.families.iter().map(|f| f.samples.len()).sum();
    ensure!(
        samples == sample_lines,
        "{samples} samples parsed from {sample_lines} sample lines"
    );
    for family in &exp.families {
        ensure!(
            family.name.starts_with("mda_"),
            "family {} lacks the mda_ prefix",
            family.name
        );
    }

    let requests = |code: &str| {
        exp.samples(
            "mda_http_requests_total",
            &[("route", QUOTES_ROUTE), ("method", "GET"), ("code", code)],
        )
        .iter()
        .map(|s| s.value)
        .sum::<f64>()
    };
    ensure!(requests("200") >= 1.0, "no 200 for {QUOTES_ROUTE} in:\n{raw}");
    ensure!(requests("404") >= 1.0, "no 404 for {QUOTES_ROUTE} in:\n{raw}");
    let ticks: f64 = exp
        .samples("mda_ticks_accepted_total", &[])
        .iter()
        .map(|s| s.value)
        .sum();
    ensure!(ticks > 0.0, "no accepted ticks counted");

    let mut histogram_families = 0;
    for family in exp.families.iter().filter(|f| f.kind == MetricKind::Histogram) {
        histogram_families += 1;
        let series = family.histograms();
        ensure!(!series.is_empty(), "histogram {} has no series", family.name);
        for h in series {
            let inf = h
                .buckets
                .last()
                .filter(|b| b.le == f64::INFINITY)
                .map(|b| b.count);
            ensure!(
                h.buckets.len() > 1,
                "{} {:?}: too few buckets",
                family.name,
                h.labels
            );
            ensure!(h.sum.is_some(), "{} {:?}: no _sum", family.name, h.labels);
            ensure!(
                inf.is_some() && inf == h.count,
                "{} {:?}: +Inf bucket {inf:?} and _count {:?} differ",
                family.name,
                h.labels,
                h.count
            );
        }
    }
    ensure!(histogram_families > 0, "no histogram family");
    let quotes_latency = exp
        .family("mda_http_request_duration_seconds")
        .map(|f| f.histograms())
        .unwrap_or_default()
        .into_iter()
        .find(|h| h.labels.get("route").map(String::as_str) == Some(QUOTES_ROUTE));
    ensure!(
        quotes_latency.and_then(|h| h.count).is_some_and(|c| c >= 2.0),
        "request latency of {QUOTES_ROUTE} not counted"
    );
    Ok(())
}
