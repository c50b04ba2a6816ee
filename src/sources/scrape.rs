//! Without Prometheus, the console scrapes the agent's `/metrics` itself on
//! an interval; the app keeps the samples in its bounded local store and
//! computes the same SLIs from them.

use std::time::Duration;

use rand::Rng;
use reqwest::Url;
use tokio::sync::mpsc;

use super::{describe_http_error, now_ms};
use crate::app::{Link, Msg, SourceId};
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
    let mut attempt = 0u32;
    loop {
        let wait = match scrape_once(&http, &metrics_url, timeout).await {
            Ok(text) => {
                attempt = 0;
                let exposition = metrics_text::parse(&text);
                if !exposition.unreadable.is_empty() {
                    tracing::warn!(lines = exposition.unreadable.len(), "unreadable metrics lines");
                }
                let msg = Msg::Scrape {
                    exposition: Box::new(exposition),
                    at_ms: now_ms(),
                };
                if tx.send(msg).await.is_err() {
                    return;
                }
                every
            }
            Err(error) => {
                attempt += 1;
                let link = Link::Reconnecting {
                    attempt,
                    last_error: error,
                };
                let msg = Msg::Link {
                    source: SourceId::AgentMetrics,
                    link,
                    at_ms: now_ms(),
                };
                if tx.send(msg).await.is_err() {
                    return;
                }
                backoff.delay(attempt, rand::rng().random::<f64>()).max(every)
            }
        };
        tokio::time::sleep(wait).await;
    }
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
