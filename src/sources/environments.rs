//! The overview's summary poller: one task per environment reads its
//! agent's /health, /api/v1/dr, /api/v1/incidents and one snapshot of
//! latest quotes (a WebSocket subscribe, then close), plus its SLO states
//! from its Prometheus, and reports one `Msg::EnvironmentSummary` a round.
//! Every read has the client's timeout; a failed read is reported in its
//! part and the app keeps that part's last value.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use market_data_agent::api::{ClientFrame, Quote, ServerFrame};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::agent::AgentClient;
use super::prometheus::PrometheusClient;
use super::{innermost, now_ms};
use crate::app::Msg;
use crate::app::slos::{SloSource, SlosState};
use crate::domain::env_summary::{
    EnvSummary, SloCounts, TOP_MOVERS, health_summary, open_by_severity, slo_counts, top_movers,
};
use crate::slo::SloSet;

/// What the poller of one environment reads.
pub struct SummaryPoller {
    pub environment: String,
    pub agent: AgentClient,
    /// The agent's timeout, for the WebSocket read.
    pub timeout: Duration,
    /// Its Prometheus: base URL (as the SLO screen names it) and client.
    pub prometheus: Option<(String, PrometheusClient)>,
    pub slos: Arc<SloSet>,
    pub every: Duration,
    /// SLO figures are read this often (Prometheus' own interval).
    pub slo_every: Duration,
}

impl SummaryPoller {
    /// Polls until the app goes away.
    pub async fn run(self, tx: mpsc::Sender<Msg>) {
        let mut slos: Option<(tokio::time::Instant, Result<SloCounts, String>)> = None;
        loop {
            let due = slos.as_ref().is_none_or(|(at, _)| at.elapsed() >= self.slo_every);
            let (mut summary, fresh_slos) = tokio::join!(self.read_agent(), async {
                match (&self.prometheus, due) {
                    (Some((url, prometheus)), true) => Some(read_slos(url, prometheus, &self.slos).await),
                    _ => None,
                }
            });
            if let Some(counts) = fresh_slos {
                slos = Some((tokio::time::Instant::now(), counts));
            }
            summary.slos = self
                .prometheus
                .as_ref()
                .and(slos.as_ref().map(|(_, counts)| counts.clone()));
            let msg = Msg::EnvironmentSummary {
                environment: self.environment.clone(),
                summary: Box::new(summary),
                at_ms: now_ms(),
            };
            if tx.send(msg).await.is_err() {
                return;
            }
            tokio::time::sleep(self.every).await;
        }
    }

    /// The agent's parts, read at once; `slos` left for the caller.
    async fn read_agent(&self) -> EnvSummary {
        let stream_url = self.agent.stream_url();
        let (health, dr, incidents, quotes) = tokio::join!(
            self.agent.health(),
            self.agent.dr(),
            self.agent.incidents(),
            latest_quotes(&stream_url, self.timeout),
        );
        EnvSummary {
            health: health.map(|h| health_summary(&h)),
            dr: dr.map(Box::new),
            incidents: incidents.map(|i| open_by_severity(&i)),
            movers: quotes.map(|q| top_movers(&q, TOP_MOVERS)),
            slos: None,
        }
    }
}

/// Every SLO's alert level by the SLO screen's own evaluation of the
/// figures Prometheus gives.
pub async fn read_slos(
    url: &str,
    prometheus: &PrometheusClient,
    set: &Arc<SloSet>,
) -> Result<SloCounts, String> {
    let at_ms = now_ms();
    let figures = super::slo_poller::poll(prometheus, set, at_ms as f64 / 1000.0)
        .await
        .map_err(|e| e.to_string())?;
    let source = SloSource::Prometheus { url: url.to_string() };
    let mut state = SlosState::new(Arc::clone(set), source);
    state.on_figures(figures, at_ms);
    Ok(slo_counts(
        state.summaries.iter().map(|s| s.as_ref().map(|s| s.alert.level)),
    ))
}

/// The latest quote of every symbol: subscribe to all, take the snapshot
/// the agent answers with, close. All within `timeout`.
pub async fn latest_quotes(url: &str, timeout: Duration) -> Result<Vec<Quote>, String> {
    let read = async {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| innermost(&e))?;
        let subscribe = ClientFrame::Subscribe {
            symbols: vec!["*".to_string()],
        };
        let text = serde_json::to_string(&subscribe).map_err(|e| e.to_string())?;
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| innermost(&e))?;
        while let Some(message) = socket.next().await {
            let Message::Text(text) = message.map_err(|e| innermost(&e))? else {
                continue;
            };
            if let Ok(ServerFrame::Snapshot { quotes, .. }) = ServerFrame::from_json(&text) {
                let _ = socket.close(None).await;
                return Ok(quotes);
            }
        }
        Err("stream closed before the snapshot".to_string())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| Err(format!("quotes timed out after {:.1}s", timeout.as_secs_f64())))
}
