//! Incidents the agent detects in itself: stale or down feeds, spikes of
//! rejected ticks, price anomalies and HTTP error spikes.
//!
//! ```text
//! pipeline (per tick): SymbolActivity (last accepted), PriceWatch (MAD test) --events--+
//!                                                                                       v
//! detector task (every interval_ms): sources, activity, metrics counters ---> Detectors ---> IncidentStore
//!                                                                      conditions     |
//!                         HTTP: GET /api/v1/incidents, POST .../{id}/ack|resolve -----+
//! ```

mod detectors;
mod mad;
mod model;
mod signals;
mod store;
mod task;
mod window;

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::book::Book;
use crate::config::AgentConfig;
use crate::feed::SourceRegistry;
use crate::metrics::Metrics;

pub(crate) use model::Kind;
pub(crate) use signals::{PriceWatch, SymbolActivity};
pub(crate) use store::{ActionError, Filter, IncidentStore};
pub(crate) use task::DetectorTask;
pub(crate) use window::Window;

/// Anomaly events queued between the pipeline and the detector task; more
/// within one detector pass are dropped (still counted in the metric).
const ANOMALY_QUEUE: usize = 1024;

/// What the pipeline records for the detectors.
pub(crate) struct PipelineSignals {
    pub activity: Arc<SymbolActivity>,
    /// `None` when the price anomaly detector is off.
    pub prices: Option<PriceWatch>,
}

pub(crate) struct Incidents {
    pub signals: PipelineSignals,
    pub store: Arc<IncidentStore>,
    pub task: DetectorTask,
}

/// Builds the incident machinery for an agent; the task is to be spawned.
pub(crate) fn setup(
    config: &AgentConfig,
    book: &Arc<Book>,
    metrics: &Arc<Metrics>,
    sources: &Arc<SourceRegistry>,
    now_ms: i64,
) -> Incidents {
    let incidents = &config.incidents;
    let activity = Arc::new(SymbolActivity::new(book.symbols().len()));
    let (events, anomalies) = mpsc::channel(ANOMALY_QUEUE);
    let prices = incidents.price_anomaly.enabled.then(|| {
        PriceWatch::new(
            &incidents.price_anomaly,
            metrics.anomaly_counters(book.symbols()),
            events,
        )
    });
    let store = Arc::new(IncidentStore::new(
        incidents,
        metrics.incident_metrics(),
        run_tag(now_ms),
    ));
    let task = DetectorTask {
        detectors: detectors::Detectors::new(incidents, config.health.stale_after_ms),
        store: Arc::clone(&store),
        sources: Arc::clone(sources),
        book: Arc::clone(book),
        activity: Arc::clone(&activity),
        metrics: Arc::clone(metrics),
        anomalies,
        interval: std::time::Duration::from_millis(incidents.interval_ms),
    };
    Incidents {
        signals: PipelineSignals { activity, prices },
        store,
        task,
    }
}

/// Prefix of this run's incident ids: the start second in base 36, so ids
/// of different runs differ and stay short.
fn run_tag(now_ms: i64) -> String {
    let mut n = u64::try_from(now_ms / 1000).unwrap_or(0);
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_tags_are_short_base36() {
        assert_eq!(run_tag(0), "0");
        assert_eq!(run_tag(35_999), "z");
        assert_eq!(run_tag(36_000), "10");
        assert_eq!(run_tag(1_767_225_600_000).len(), 6);
    }
}
