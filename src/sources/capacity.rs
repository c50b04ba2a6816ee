//! The capacity forecasts' source. With Prometheus: every interval, one
//! range query per resource over the lookback (step within the
//! 11,000-point limit), then the forecasts off the async runtime. Without
//! it the app hands over its store's histories (`Command::ForecastCapacity`)
//! and [`forecast`] runs them the same way. Either way one `Msg::Capacity`
//! per round.

use std::time::Duration;

use tokio::sync::mpsc;

use super::prometheus::PrometheusClient;
use super::{now_ms, poll_every};
use crate::app::{Msg, SourceId};
use crate::capacity_config::CapacitySection;
use crate::domain::backoff::Backoff;
use crate::domain::capacity::{RESOURCES, from_matrix};
use crate::domain::capacity_plan::{CapacityJob, Origin};
use crate::domain::forecast::{Kind, Sample, Settings};

/// Polls Prometheus every `interval_ms`, the first round at once; a failed
/// query fails the round (banner, last forecasts kept) and is retried with
/// backoff.
pub async fn run_prometheus(
    client: PrometheusClient,
    url: String,
    settings: CapacitySection,
    tx: mpsc::Sender<Msg>,
    backoff: Backoff,
) {
    let every = Duration::from_millis(settings.interval_ms);
    poll_every(SourceId::Capacity, every, backoff, tx, || {
        let (client, url, settings) = (client.clone(), url.clone(), settings.clone());
        async move {
            let job = gather(&client, url, &settings, now_ms()).await?;
            Ok(forecast(job).await)
        }
    })
    .await;
}

/// Each resource's history as of `now_ms`, one range query each.
pub async fn gather(
    client: &PrometheusClient,
    url: String,
    settings: &CapacitySection,
    now_ms: i64,
) -> Result<CapacityJob, String> {
    let lookback_ms = settings.lookback_ms();
    let min_step_ms = settings.min_step_ms as i64;
    let mut histories: Vec<(Kind, Vec<Sample>)> = Vec::with_capacity(RESOURCES.len());
    let mut step_ms = min_step_ms;
    for resource in RESOURCES {
        let query = resource.range_query(lookback_ms, min_step_ms);
        step_ms = query.step_ms;
        // On the step's grid, so successive rounds see the same points.
        let end_ms = now_ms - now_ms.rem_euclid(query.step_ms);
        let series = client
            .query_range(
                &query.promql,
                end_ms as f64 / 1000.0,
                Duration::from_millis(query.span_ms as u64),
                Duration::from_millis(query.step_ms as u64),
            )
            .await
            .map_err(|e| e.to_string())?;
        histories.push((
            query.kind,
            from_matrix(series.iter().map(|s| s.points.as_slice())),
        ));
    }
    Ok(CapacityJob {
        histories,
        settings: Settings {
            horizon_ms: settings.horizon_ms(),
            step_ms: Some(step_ms),
            ..Settings::default()
        },
        origin: Origin::Prometheus { url, lookback_ms },
    })
}

/// Runs the job's forecasts on the blocking pool and wraps them as the
/// message the app takes.
pub async fn forecast(job: CapacityJob) -> Msg {
    let origin = job.origin.clone();
    let outlooks = match tokio::task::spawn_blocking(move || job.run()).await {
        Ok(outlooks) => outlooks,
        Err(error) => {
            let why = crate::domain::forecast::Unavailable {
                reason: format!("the forecast task failed: {error}"),
                need_more_ms: None,
            };
            RESOURCES
                .iter()
                .map(|r| crate::domain::capacity_plan::Outlook {
                    resource: r.name.to_string(),
                    current: None,
                    result: Err(why.clone()),
                })
                .collect()
        }
    };
    Msg::Capacity {
        outlooks,
        origin,
        at_ms: now_ms(),
    }
}
