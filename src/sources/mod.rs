//! Upstream sources. Each runs as a tokio task that owns its reconnect loop
//! and reports data and its own health as `Msg`s on one channel.

use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;

use crate::app::{Link, Msg, SourceId};
use crate::domain::backoff::Backoff;

pub mod agent;
pub mod alertmanager;
pub mod audit;
pub mod capacity;
pub mod dr;
pub mod environments;
pub mod incidents;
pub mod kube;
pub mod prometheus;
pub mod scrape;
pub mod slo_poller;

/// Wall clock in Unix milliseconds, the time base of every `Msg`.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The innermost cause of an error chain: for reqwest and tungstenite that
/// is the part worth reading on screen ("Connection refused").
pub(crate) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// A reqwest failure as one short line: "timed out after 3.0s" or its cause.
pub(crate) fn describe_http_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out after {:.1}s", timeout.as_secs_f64());
    }
    innermost(error)
}

/// The loop of a polling source: `fetch` every `every`; a failure is
/// reported as `Reconnecting` on `source` and retried with backoff, never
/// faster than the interval. Ends when the app has gone away.
pub(crate) async fn poll_every<F, Fut>(
    source: SourceId,
    every: Duration,
    backoff: Backoff,
    tx: mpsc::Sender<Msg>,
    mut fetch: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Msg, String>>,
{
    let mut attempt = 0u32;
    loop {
        let (msg, wait) = match fetch().await {
            Ok(msg) => {
                attempt = 0;
                (msg, every)
            }
            Err(last_error) => {
                attempt += 1;
                let link = Link::Reconnecting { attempt, last_error };
                let msg = Msg::Link {
                    source,
                    link,
                    at_ms: now_ms(),
                };
                (
                    msg,
                    backoff.delay(attempt, rand::rng().random::<f64>()).max(every),
                )
            }
        };
        if tx.send(msg).await.is_err() {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// What every HTTP upstream client needs: its base URL (always ending in
/// `/`, so relative paths join under it) and a reqwest client with
/// timeouts.
pub(crate) struct HttpEndpoint {
    pub base: reqwest::Url,
    pub http: reqwest::Client,
    pub timeout: Duration,
}

impl HttpEndpoint {
    /// `what` names the upstream in errors ("invalid Prometheus URL ...").
    pub fn new(what: &str, base: &str, timeout: Duration) -> anyhow::Result<HttpEndpoint> {
        use anyhow::Context;
        let mut base = reqwest::Url::parse(base).with_context(|| format!("invalid {what} URL {base:?}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            anyhow::bail!("invalid {what} URL {base}: scheme must be http or https");
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .context("building the HTTP client")?;
        Ok(HttpEndpoint { base, http, timeout })
    }
}
