//! Without Prometheus, the console scrapes the agent's `/metrics` itself on
//! an interval; the app keeps the samples in its bounded local store and
//! computes the same SLIs from them.

use std::time::Duration;

use reqwest::Url;
use tokio::sync::mpsc;

use super::{describe_http_error, now_ms, poll_every};
use crate::app::{Msg, SourceId};
use crate::domain::backoff::Backoff;
use crate::metrics_text;

/// Scrapes `metrics_url` every `every`; on failure reports the error and
/// retries with backoff (never faster than the interval would).
pub async fn run_scrape(
    http: reqwest::Client,
    timeout: Duration,
    metrics_url: Url,
    every: Duration,
    tx: mpsc::Sender<Msg>,
    backoff: Backoff,
) {
    poll_every(SourceId::AgentMetrics, every, backoff, tx, || async {
        let text = scrape_once(&http, &metrics_url, timeout).await?;
        let exposition = metrics_text::parse(&text);
        if !exposition.unreadable.is_empty() {
            tracing::warn!(lines = exposition.unreadable.len(), "unreadable metrics lines");
        }
        Ok(Msg::Scrape {
            exposition: Box::new(exposition),
            at_ms: now_ms(),
        })
    })
    .await;
}

async fn scrape_once(http: &reqwest::Client, url: &Url, timeout: Duration) -> Result<String, String> {
    let response = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| describe_http_error(&e, timeout))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| describe_http_error(&e, timeout))?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {}: {}",
            status.as_u16(),
            text.chars().take(120).collect::<String>()
        ));
    }
    Ok(text)
}
