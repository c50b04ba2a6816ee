//! SLO figures from Prometheus: for every SLO and window, the error ratio
//! by the exact PromQL the screen shows, the events behind it, and a day of
//! 1h burn history. Reports as one `Msg::SloFigures` per round.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::mpsc;

use super::prometheus::{PrometheusClient, QueryError, Sample};
use super::{now_ms, poll_every};
use crate::app::slos::burn_promql;
use crate::app::{Msg, SourceId};
use crate::domain::backoff::Backoff;
use crate::domain::sli::{SloFigures, WindowFigure};
use crate::slo::{Slo, SloSet};

/// The 1h burn history covers this much time.
const HISTORY_SPAN: Duration = Duration::from_secs(86_400);
const HISTORY_STEP: Duration = Duration::from_secs(300);

pub async fn run_prometheus_slos(
    client: PrometheusClient,
    set: Arc<SloSet>,
    every: Duration,
    tx: mpsc::Sender<Msg>,
    backoff: Backoff,
) {
    poll_every(SourceId::Prometheus, every, backoff, tx, || async {
        let at_ms = now_ms();
        let figures = poll(&client, &set, at_ms as f64 / 1000.0)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Msg::SloFigures { figures, at_ms })
    })
    .await;
}

/// One round over every SLO, every query evaluated at `time` (Unix
/// seconds) so the figures agree with each other. Fails as a whole only
/// when Prometheus could not be reached at all; a query that Prometheus
/// rejects shows on its own cell.
pub async fn poll(client: &PrometheusClient, set: &SloSet, time: f64) -> Result<Vec<SloFigures>, QueryError> {
    let windows = set.windows();
    client.query_at("vector(1)", Some(time)).await?;
    let rounds = set
        .slos
        .iter()
        .map(|slo| slo_figures(client, slo, &windows, time));
    Ok(join_all(rounds).await)
}

async fn slo_figures(client: &PrometheusClient, slo: &Slo, windows: &[Duration], time: f64) -> SloFigures {
    let window_figures = join_all(windows.iter().map(|&w| window_figure(client, slo, w, time)));
    let period = window_figure(client, slo, slo.period, time);
    let history = burn_history(client, slo, time);
    let (windows, period, history) = tokio::join!(window_figures, period, history);
    SloFigures {
        windows,
        period,
        history,
    }
}

async fn window_figure(client: &PrometheusClient, slo: &Slo, window: Duration, time: f64) -> WindowFigure {
    let ratio_query = slo.error_ratio_promql(window);
    let (_, total_query) = slo.error_and_total_promql(window);
    let (ratio, total) = tokio::join!(
        client.query_at(&ratio_query, Some(time)),
        client.query_at(&total_query, Some(time))
    );
    match (ratio, total) {
        (Ok(ratio), Ok(total)) => {
            let events = sum(&total).unwrap_or(0.0);
            let ratio = sum(&ratio).filter(|r| r.is_finite() && events > 0.0);
            WindowFigure {
                window,
                ratio,
                events,
                partial_history: None,
                error: None,
            }
        }
        (Err(error), _) | (_, Err(error)) => WindowFigure::failed(window, error.to_string()),
    }
}

/// The 1h burn rate over the last day, by a range query.
async fn burn_history(client: &PrometheusClient, slo: &Slo, end: f64) -> Vec<(f64, f64)> {
    let query = burn_promql(slo, Duration::from_secs(3600));
    match client.query_range(&query, end, HISTORY_SPAN, HISTORY_STEP).await {
        Ok(series) => series
            .first()
            .map(|s| {
                s.points
                    .iter()
                    .filter(|(_, v)| v.is_finite())
                    .map(|&(t, v)| (t * 1000.0, v))
                    .collect()
            })
            .unwrap_or_default(),
        Err(error) => {
            tracing::warn!(%error, "burn history query failed");
            Vec::new()
        }
    }
}

/// Sum of an instant vector; `None` for an empty result (no series).
fn sum(samples: &[Sample]) -> Option<f64> {
    (!samples.is_empty()).then(|| samples.iter().map(|s| s.value).sum())
}
