//! Without Prometheus, the console scrapes the agent's `/metrics` itself on
//! an interval; the app keeps the samples in its bounded local store and
//! computes the same SLIs from them.

use std::time::Duration;

use tokio::sync::mpsc;

use super::agent::AgentClient;
use super::{now_ms, poll_every};
use crate::app::{Msg, SourceId};
use crate::domain::backoff::Backoff;
use crate::metrics_text;

/// Scrapes the agent's `/metrics` every `every`; on failure reports the
/// error and retries with backoff (never faster than the interval would).
pub async fn run_scrape(client: AgentClient, every: Duration, tx: mpsc::Sender<Msg>, backoff: Backoff) {
    poll_every(SourceId::AgentMetrics, every, backoff, tx, || async {
        let exposition = metrics_text::parse_bytes(&client.metrics().await?);
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
