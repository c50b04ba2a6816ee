//! The capacity forecasts' source. With Prometheus: every interval, one
//! range query per resource over the lookback (step within the
//! 11,000-point limit), then the forecasts off the async runtime. Without
//! it the app hands over its store's histories (`Command::ForecastCapacity`)
//! and [`forecast`] runs them the same way. Either way one `Msg::Capacity`
//! per round.

use std::time::Duration;

use tokio::sync::mpsc;

use super::prometheus::{PrometheusClient, RangeSeries};
use super::{now_ms, poll_every};
use crate::app::{Msg, SourceId};
use crate::capacity_config::CapacitySection;
use crate::domain::backoff::Backoff;
use crate::domain::capacity::{PER_POD, RESOURCES, RangeQuery, from_matrix, live_pods};
use crate::domain::capacity_plan::{CapacityJob, Origin, PodHistory};
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

/// Each resource's history as of `now_ms`, one range query each; then, for
/// the resources in `PER_POD`, one query by the pod label for the pods
/// running now.
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
        let (series, _) = run_query(client, &query, now_ms).await?;
        histories.push((
            query.kind,
            from_matrix(series.iter().map(|s| s.points.as_slice())),
        ));
    }
    let mut pods = Vec::new();
    let label = settings.pod_label.as_str();
    for index in PER_POD.into_iter().filter(|_| !label.is_empty()) {
        let query = RESOURCES[index].per_pod_query(label, lookback_ms, min_step_ms);
        let (series, end_ms) = run_query(client, &query, now_ms).await?;
        let labelled = series
            .iter()
            .map(|s| (s.labels.get(label).map(String::as_str), s.points.as_slice()));
        // Alive: a point within the last two steps.
        let alive_after_ms = end_ms - 2 * query.step_ms;
        pods.extend(
            live_pods(labelled, alive_after_ms)
                .into_iter()
                .map(|(pod, samples)| PodHistory {
                    resource: index,
                    pod,
                    kind: query.kind,
                    samples,
                }),
        );
    }
    Ok(CapacityJob {
        histories,
        pods,
        settings: Settings {
            horizon_ms: settings.horizon_ms(),
            step_ms: Some(step_ms),
            ..Settings::default()
        },
        origin: Origin::Prometheus { url, lookback_ms },
    })
}

/// One range query ending at `now_ms` put on the step's grid, so that
/// successive rounds see the same points; the series and that end.
async fn run_query(
    client: &PrometheusClient,
    query: &RangeQuery,
    now_ms: i64,
) -> Result<(Vec<RangeSeries>, i64), String> {
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
    Ok((series, end_ms))
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
                    pod: None,
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
