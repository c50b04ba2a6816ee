//! The resources the capacity screen forecasts, and the history behind each
//! forecast: from Prometheus range queries (step chosen for the span within
//! the 11,000-point limit) or from the console's own store of scrapes.
//! Pure: the forecast itself is `domain::forecast`.

use super::forecast::step::range_step;
use super::forecast::{Kind, Sample};
use super::selector::Selector;
use super::series::SeriesStore;

/// One resource of the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// Shown on screen and in the snapshot, e.g. `cpu`.
    pub name: &'static str,
    /// The agent's metric behind it.
    pub metric: &'static str,
    /// Counters are forecast as per-second rates.
    pub kind: Kind,
}

/// Agent CPU (cores), resident memory, HTTP request rate, WebSocket
/// clients, accepted ticks per second and backup storage.
pub const RESOURCES: [Resource; 6] = [
    Resource {
        name: "cpu",
        metric: "mda_process_cpu_seconds_total",
        kind: Kind::Counter,
    },
    Resource {
        name: "memory",
        metric: "mda_process_resident_memory_bytes",
        kind: Kind::Gauge,
    },
    Resource {
        name: "http requests/s",
        metric: "mda_http_requests_total",
        kind: Kind::Counter,
    },
    Resource {
        name: "ws clients",
        metric: "mda_ws_clients",
        kind: Kind::Gauge,
    },
    Resource {
        name: "ticks/s",
        metric: "mda_ticks_accepted_total",
        kind: Kind::Counter,
    },
    Resource {
        name: "backup storage",
        metric: "mda_backup_storage_bytes",
        kind: Kind::Gauge,
    },
];

/// The resources also shown per pod, against each pod's own limit: a
/// total well under the summed limits can hide one pod about to be
/// throttled or OOM-killed.
pub const PER_POD: [usize; 2] = [0, 1];

/// A Prometheus range query for a resource's history.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub promql: String,
    pub span_ms: i64,
    pub step_ms: i64,
    /// How to read the answer: counters come back as rates already.
    pub kind: Kind,
}

impl Resource {
    /// Summed over instances; a counter as `rate()` over four steps (at
    /// least a minute), so each point sees several scrapes and a restarted
    /// pod's reset is handled by Prometheus, not by the sum.
    pub fn range_query(&self, span_ms: i64, scrape_ms: i64) -> RangeQuery {
        self.query_summed_by("", span_ms, scrape_ms)
    }

    /// As [`Resource::range_query`], one series per value of `label` (the
    /// pod, as Kubernetes service discovery labels the scraped series).
    pub fn per_pod_query(&self, label: &str, span_ms: i64, scrape_ms: i64) -> RangeQuery {
        self.query_summed_by(&format!(" by ({label})"), span_ms, scrape_ms)
    }

    fn query_summed_by(&self, by: &str, span_ms: i64, scrape_ms: i64) -> RangeQuery {
        let step_ms = range_step(span_ms, scrape_ms);
        let promql = match self.kind {
            Kind::Gauge => format!("sum{by}({})", self.metric),
            Kind::Counter => {
                let window_s = (4 * step_ms).max(60_000) / 1_000;
                format!("sum{by}(rate({}[{window_s}s]))", self.metric)
            }
        };
        RangeQuery {
            promql,
            span_ms,
            step_ms,
            kind: match self.kind {
                Kind::Counter => Kind::Gauge,
                Kind::Gauge => Kind::Gauge,
            },
        }
    }

    /// The history the console's store holds, summed over series; counters
    /// stay counters (reset-corrected) for the forecast to turn into rates.
    pub fn from_store(&self, store: &SeriesStore) -> Vec<Sample> {
        let Ok(selector) = Selector::parse(self.metric) else {
            return Vec::new();
        };
        store
            .points(&selector, self.kind == Kind::Counter)
            .into_iter()
            .map(|(ts_ms, value)| Sample { ts_ms, value })
            .collect()
    }
}

/// A range query's matrix (each series' `(Unix seconds, value)` points) as
/// one series: points summed by time, in ms; values that are not finite
/// (`NaN`, `±Inf`) left out.
pub fn from_matrix<'a>(series: impl IntoIterator<Item = &'a [(f64, f64)]>) -> Vec<Sample> {
    let mut sums = std::collections::BTreeMap::<i64, f64>::new();
    for points in series {
        for &(ts_s, value) in points {
            if value.is_finite() && ts_s.is_finite() {
                *sums.entry((ts_s * 1000.0).round() as i64).or_insert(0.0) += value;
            }
        }
    }
    sums.into_iter()
        .map(|(ts_ms, value)| Sample { ts_ms, value })
        .collect()
}

/// Most pods forecast per resource: each costs a forecast per round.
pub const MAX_PODS: usize = 16;

/// A per-pod range query's series (the pod label's value, the points) as
/// one history per pod running now: series whose newest point is older
/// than `alive_after_ms` belong to pods already replaced. In name order, at
/// most [`MAX_PODS`].
pub fn live_pods<'a>(
    series: impl IntoIterator<Item = (Option<&'a str>, &'a [(f64, f64)])>,
    alive_after_ms: i64,
) -> Vec<(String, Vec<Sample>)> {
    let mut pods: Vec<(String, Vec<Sample>)> = series
        .into_iter()
        .filter_map(|(pod, points)| {
            let pod = pod.filter(|p| !p.is_empty())?;
            let samples = from_matrix([points]);
            let alive = samples.last().is_some_and(|s| s.ts_ms >= alive_after_ms);
            alive.then(|| (pod.to_string(), samples))
        })
        .collect();
    pods.sort_by(|a, b| a.0.cmp(&b.0));
    pods.truncate(MAX_PODS);
    pods
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::domain::forecast::{Settings, forecast};

    fn cpu() -> Resource {
        RESOURCES[0]
    }

    #[test]
    fn range_queries_stay_within_the_point_limit_and_rate_counters() {
        let week = 7 * 86_400_000;
        let q = cpu().range_query(week, 15_000);
        assert!(week / q.step_ms <= 11_000, "step {}", q.step_ms);
        assert_eq!(q.step_ms, 60_000);
        assert_eq!(q.promql, "sum(rate(mda_process_cpu_seconds_total[240s]))");
        assert_eq!(q.kind, Kind::Gauge, "Prometheus answers rates");
        let q = RESOURCES[1].range_query(3_600_000, 15_000);
        assert_eq!(q.promql, "sum(mda_process_resident_memory_bytes)");
        assert_eq!(q.step_ms, 15_000, "never finer than the scrape");
        let q = cpu().per_pod_query("pod", week, 15_000);
        assert_eq!(
            q.promql,
            "sum by (pod)(rate(mda_process_cpu_seconds_total[240s]))"
        );
        let q = RESOURCES[1].per_pod_query("kubernetes_pod_name", 3_600_000, 15_000);
        assert_eq!(
            q.promql,
            "sum by (kubernetes_pod_name)(mda_process_resident_memory_bytes)"
        );
    }

    #[test]
    fn a_matrix_is_summed_by_time_without_nan_or_inf() {
        let matrix = [
            vec![(100.0, 1.0), (115.0, 2.0), (130.0, f64::NAN)],
            vec![(100.0, 0.5), (115.0, f64::INFINITY), (130.0, 4.0)],
        ];
        let samples = from_matrix(matrix.iter().map(Vec::as_slice));
        let got: Vec<(i64, f64)> = samples.iter().map(|s| (s.ts_ms, s.value)).collect();
        assert_eq!(got, [(100_000, 1.5), (115_000, 2.0), (130_000, 4.0)]);
    }

    /// Two pods' request counters, scraped every 15 s for two hours at
    /// 10 and 30 requests/s, the second restarting half way: the store's
    /// history forecasts a steady 40 requests/s.
    #[test]
    fn store_history_of_counters_with_a_reset_forecasts_the_true_rate() {
        let mut store = SeriesStore::new(Duration::from_secs(6 * 3600), 100);
        let pod = |name: &str| BTreeMap::from([("pod".to_string(), name.to_string())]);
        let (a, b) = (pod("a"), pod("b"));
        let step_s = 15;
        let n = 2 * 3600 / step_s;
        for i in 0..=n {
            let t = i * step_s;
            let ts = 1_800_000_000_000 + t * 1000;
            let b_value = if i < n / 2 {
                30.0 * t as f64
            } else {
                30.0 * (t - n / 2 * step_s) as f64
            };
            let samples = [
                ("mda_http_requests_total", &a, 10.0 * t as f64),
                ("mda_http_requests_total", &b, b_value),
            ];
            store.ingest(ts, samples);
        }
        let http = RESOURCES[2];
        let samples = http.from_store(&store);
        // The older hour is thinned to a point a minute; the last is raw.
        assert_eq!(samples.len() as i64, 60 + 3600 / step_s + 1);
        assert_eq!(
            samples.last().unwrap().ts_ms,
            1_800_000_000_000 + n * step_s * 1000
        );
        assert!(
            samples.windows(2).all(|w| w[1].value >= w[0].value),
            "reset-corrected counters never drop"
        );
        let settings = Settings {
            horizon_ms: 3_600_000,
            ..Settings::default()
        };
        let f = forecast(&samples, http.kind, &settings).unwrap();
        assert!((f.current() - 40.0).abs() < 1e-6, "rate {}", f.current());
        // Flat but for the one interval the restarted pod's counter lost
        // (it restarts from zero), as `rate()` would show it.
        assert!(f.trend_per_s.abs() < 1e-5, "flat: {}", f.trend_per_s);
        let last = *f.linear.prediction.point.last().unwrap();
        assert!((last - 40.0).abs() < 0.1, "{last}");
    }

    #[test]
    fn gauges_are_read_as_they_are() {
        let mut store = SeriesStore::new(Duration::from_secs(3600), 100);
        let none = BTreeMap::new();
        for (i, v) in [100.0, 90.0, 120.0].into_iter().enumerate() {
            store.ingest(
                1_000 + i as i64 * 5_000,
                [("mda_process_resident_memory_bytes", &none, v)],
            );
        }
        let got: Vec<f64> = RESOURCES[1].from_store(&store).iter().map(|s| s.value).collect();
        assert_eq!(got, [100.0, 90.0, 120.0], "a drop in a gauge is kept");
    }

    #[test]
    fn per_pod_series_are_kept_for_the_pods_running_now() {
        let (old, b, a) = (
            [(100.0, 1.0), (160.0, 2.0)],
            [(100.0, 3.0), (500.0, f64::NAN), (560.0, 4.0)],
            [(500.0, 5.0), (560.0, 6.0)],
        );
        let series = [
            (Some("agent-old"), &old[..]),
            (Some("agent-b"), &b[..]),
            (None, &a[..]),
            (Some("agent-a"), &a[..]),
        ];
        let pods = live_pods(series, 500_000);
        let names: Vec<&str> = pods.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            names,
            ["agent-a", "agent-b"],
            "replaced and unlabelled series left out"
        );
        assert_eq!(
            pods[1].1,
            [
                Sample {
                    ts_ms: 100_000,
                    value: 3.0
                },
                Sample {
                    ts_ms: 560_000,
                    value: 4.0
                }
            ]
        );
        let many: Vec<(String, [(f64, f64); 1])> = (0..40)
            .map(|i| (format!("agent-{i:02}"), [(600.0, 1.0)]))
            .collect();
        let kept = live_pods(many.iter().map(|(n, p)| (Some(n.as_str()), &p[..])), 0);
        assert_eq!(kept.len(), MAX_PODS);
        assert_eq!(kept[0].0, "agent-00");
    }
}
