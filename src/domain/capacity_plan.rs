//! From forecasts to what the capacity screen and `mdops snapshot` show:
//! a compact, recordable outlook per resource (the history and forecasts
//! thinned for a chart), the limit each resource is measured against (pod
//! specs, else config), time to limit, the replica recommendation, and the
//! tightest headroom. Pure.

use serde::{Deserialize, Serialize};

use super::capacity::RESOURCES;
use super::cluster::PodInfo;
use super::forecast::replicas::{CostModel, PodLimits, Recommendation, recommend};
use super::forecast::{
    Accuracy, Band, Crossing, ForecastError, Kind, Level, MIN_LINEAR_POINTS, Model, ModelRun, Prediction,
    Sample, Settings, TimeToLimit, Unavailable, forecast, latest, time_to_limit,
};

/// Most points kept of a history or of a forecast: more than a chart's
/// columns, few enough to record every minute.
pub const CHART_POINTS: usize = 480;

/// Histories to forecast, per resource in [`RESOURCES`] order, each with
/// how to read it (Prometheus answers a counter as a rate already), then
/// per pod for the resources in [`PER_POD`](super::capacity::PER_POD).
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityJob {
    pub histories: Vec<(Kind, Vec<Sample>)>,
    pub pods: Vec<PodHistory>,
    pub settings: Settings,
    pub origin: Origin,
}

/// One pod's history of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct PodHistory {
    /// Index in [`RESOURCES`].
    pub resource: usize,
    pub pod: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

impl CapacityJob {
    /// Runs every forecast: CPU-bound, so off the UI thread. The totals in
    /// [`RESOURCES`] order, then one outlook per pod history.
    pub fn run(&self) -> Vec<Outlook> {
        let totals = RESOURCES
            .iter()
            .zip(&self.histories)
            .map(|(r, (kind, samples))| outlook(r.name, samples, *kind, &self.settings));
        let pods = self.pods.iter().map(|h| Outlook {
            pod: Some(h.pod.clone()),
            ..outlook(RESOURCES[h.resource].name, &h.samples, h.kind, &self.settings)
        });
        totals.chain(pods).collect()
    }
}

/// Where the histories came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Origin {
    Prometheus {
        url: String,
        lookback_ms: i64,
    },
    /// The console's own store of the agent's scrapes.
    Local,
}

/// One resource's forecast as the console keeps it, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlook {
    pub resource: String,
    /// Set on one pod's outlook; `None` on the total over the agent's pods.
    pub pod: Option<String>,
    /// The newest value, shown even when there is no forecast yet.
    pub current: Option<f64>,
    pub result: Result<Modelled, Unavailable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Modelled {
    /// The last observed value.
    pub current: f64,
    /// The regular history the models saw, thinned: `(Unix ms, value)`.
    pub history: Vec<(i64, f64)>,
    pub history_span_ms: i64,
    /// The models' grid step.
    pub step_ms: i64,
    /// Slope of the least-squares line per second.
    pub trend_per_s: f64,
    pub linear: ModelOutlook,
    pub seasonal: Result<ModelOutlook, Unavailable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOutlook {
    /// Thinned to [`CHART_POINTS`]: each point the highest median and
    /// upper bounds and the lowest lower bound of the steps it stands for,
    /// so a crossing found on it is never later than the full forecast's.
    pub prediction: Prediction,
    pub accuracy: Result<Accuracy, Unavailable>,
}

impl Modelled {
    /// The model the screen leads with: the seasonal one when it ran.
    pub fn primary(&self) -> &ModelOutlook {
        self.seasonal.as_ref().unwrap_or(&self.linear)
    }
}

/// Forecasts one resource's history.
pub fn outlook(resource: &str, samples: &[Sample], kind: Kind, settings: &Settings) -> Outlook {
    let result = forecast(samples, kind, settings)
        .map_err(|error| match error {
            ForecastError::TooShort(why) => why,
            // A counter's single sample gives no rate yet.
            ForecastError::NoData if !samples.is_empty() => Unavailable {
                reason: "history too short: no rate from a single sample".to_string(),
                need_more_ms: settings.step_ms.map(|s| s * MIN_LINEAR_POINTS as i64),
            },
            ForecastError::NoData => Unavailable {
                reason: "no data: the agent has not reported this metric".to_string(),
                need_more_ms: None,
            },
            ForecastError::Invalid(why) => Unavailable {
                reason: why,
                need_more_ms: None,
            },
        })
        .map(|f| {
            let history = &f.history;
            let points: Vec<(i64, f64)> = history
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (history.start_ms + i as i64 * history.step_ms, *v))
                .collect();
            Modelled {
                current: f.current(),
                history: thin_history(&points),
                history_span_ms: history.span_ms(),
                step_ms: history.step_ms,
                trend_per_s: f.trend_per_s,
                linear: model_outlook(&f.linear),
                seasonal: f.seasonal.as_ref().map(model_outlook).map_err(Clone::clone),
            }
        });
    Outlook {
        resource: resource.to_string(),
        pod: None,
        current: latest(samples, kind, settings.max_gap_ms),
        result,
    }
}

fn model_outlook(run: &ModelRun) -> ModelOutlook {
    ModelOutlook {
        prediction: thin_prediction(&run.prediction),
        accuracy: run.backtest.clone(),
    }
}

/// Every `k`th point, averaged over its bucket, to at most [`CHART_POINTS`].
fn thin_history(points: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let k = points.len().div_ceil(CHART_POINTS).max(1);
    points
        .chunks(k)
        .map(|c| (c[0].0, c.iter().map(|p| p.1).sum::<f64>() / c.len() as f64))
        .collect()
}

fn thin_prediction(p: &Prediction) -> Prediction {
    let k = p.point.len().div_ceil(CHART_POINTS).max(1);
    let fold = |values: &[f64], f: fn(f64, f64) -> f64| -> Vec<f64> {
        values
            .chunks(k)
            .map(|c| c.iter().copied().reduce(f).unwrap_or(f64::NAN))
            .collect()
    };
    let band = |b: &Band| Band {
        lower: fold(&b.lower, f64::min),
        upper: fold(&b.upper, f64::max),
    };
    Prediction {
        model: p.model,
        start_ms: p.start_ms,
        step_ms: p.step_ms.saturating_mul(k as i64),
        point: fold(&p.point, f64::max),
        bands: [band(&p.bands[0]), band(&p.bands[1])],
    }
}

/// Where a limit comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitOrigin {
    /// Summed over this many pods' specs; `limits` or `requests`.
    Pods {
        count: usize,
        field: &'static str,
    },
    Config,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub value: f64,
    pub origin: LimitOrigin,
}

/// What the limits resolve to, per resource in [`RESOURCES`] order, and
/// the one pod's CPU and memory the replica recommendation sizes with.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub per_resource: Vec<Option<Limit>>,
    pub pod: Option<PodLimits>,
}

/// CPU and memory from the pod specs of `deployment`'s pods (every pod
/// when it is empty) when the cluster is watched and they state limits
/// (else requests) on every pod; otherwise, and for the other resources,
/// `configured` (by resource, 0 meaning none).
pub fn resolve_limits(pods: Option<&[PodInfo]>, deployment: &str, configured: [f64; 6]) -> Limits {
    let pods = measured_pods(pods.unwrap_or_default(), deployment);
    let from_pods = |limit: fn(&PodInfo) -> Option<f64>, request: fn(&PodInfo) -> Option<f64>| {
        if pods.is_empty() {
            return None;
        }
        let sum = |pick: fn(&PodInfo) -> Option<f64>| pods.iter().map(|p| pick(p)).sum::<Option<f64>>();
        let (value, field) = match sum(limit) {
            Some(v) => (v, "limits"),
            None => (sum(request)?, "requests"),
        };
        (value > 0.0).then_some(Limit {
            value,
            origin: LimitOrigin::Pods {
                count: pods.len(),
                field,
            },
        })
    };
    let configured_limit = |i: usize| {
        (configured[i] > 0.0).then_some(Limit {
            value: configured[i],
            origin: LimitOrigin::Config,
        })
    };
    let cpu = from_pods(
        |p| p.resources.cpu_limit_cores(),
        |p| p.resources.cpu_request_cores(),
    );
    let memory = from_pods(|p| p.resources.memory_limit(), |p| p.resources.memory_request());
    let pod = match (&cpu, &memory) {
        (Some(c), Some(m)) => Some(PodLimits {
            cpu_cores: c.value / pods.len() as f64,
            memory_bytes: m.value / pods.len() as f64,
        }),
        _ => (configured[0] > 0.0 && configured[1] > 0.0).then_some(PodLimits {
            cpu_cores: configured[0],
            memory_bytes: configured[1],
        }),
    };
    let per_resource = (0..RESOURCES.len())
        .map(|i| match i {
            0 => cpu.clone().or_else(|| configured_limit(0)),
            1 => memory.clone().or_else(|| configured_limit(1)),
            _ => configured_limit(i),
        })
        .collect();
    Limits { per_resource, pod }
}

/// The pods `resolve_limits` measures: running, not terminating, owned by
/// `deployment` (every pod when it is empty).
pub fn measured_pods<'a>(pods: &'a [PodInfo], deployment: &str) -> Vec<&'a PodInfo> {
    pods.iter()
        .filter(|p| !p.terminating && p.phase == "Running")
        .filter(|p| deployment.is_empty() || p.owner.as_deref() == Some(deployment))
        .collect()
}

/// One pod's own limit (else request) of a resource in [`PER_POD`](super::capacity::PER_POD).
pub fn pod_limit(pod: &PodInfo, resource: usize) -> Option<Limit> {
    let r = &pod.resources;
    let (limit, request) = match resource {
        0 => (r.cpu_limit_cores(), r.cpu_request_cores()),
        1 => (r.memory_limit(), r.memory_request()),
        _ => return None,
    };
    let (value, field) = match (limit, request) {
        (Some(v), _) => (v, "limits"),
        (None, Some(v)) => (v, "requests"),
        (None, None) => return None,
    };
    (value > 0.0).then_some(Limit {
        value,
        origin: LimitOrigin::Pods { count: 1, field },
    })
}

/// A forecast value at the horizon with its bands, `(lower, upper)` in
/// [`Level::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtHorizon {
    pub median: f64,
    pub bands: [(f64, f64); 2],
}

/// One resource as the screen's row and the snapshot read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub limit: Option<Limit>,
    /// Current use over the limit.
    pub used: Option<f64>,
    pub at_horizon: Option<AtHorizon>,
    /// Of the primary model, at 80% and 95%; `None` without a limit.
    pub time_to_limit: Option<[TimeToLimit; 2]>,
    /// Of the linear model (Prometheus' `predict_linear`) when the seasonal
    /// one leads, for comparison: a seasonal fit without a trend can see
    /// no crossing where the straight line does.
    pub linear_time_to_limit: Option<[TimeToLimit; 2]>,
    /// Replicas for the peak forecast request rate (the request-rate row only).
    pub recommendation: Option<Result<Recommendation, String>>,
}

impl Assessment {
    /// Milliseconds until the limit is reached: by the lead model's median,
    /// else by the linear model's (a damped seasonal trend can flatten out
    /// where the straight line does not). `None` when neither reaches it.
    pub fn until_limit(&self, now_ms: i64) -> Option<i64> {
        let median = |t: Option<[TimeToLimit; 2]>| t.and_then(|t| until(t[0].median, now_ms));
        median(self.time_to_limit).or_else(|| median(self.linear_time_to_limit))
    }
}

/// The request-rate resource, whose forecast sizes the replicas.
pub const REQUESTS: usize = 2;

pub fn assess(index: usize, modelled: &Modelled, limits: &Limits, cost: &CostModel) -> Assessment {
    let limit = limits.per_resource.get(index).cloned().flatten();
    let mut assessment = assess_against(modelled, limit);
    assessment.recommendation = (index == REQUESTS).then(|| {
        let primary = &modelled.primary().prediction;
        let peak = primary.point.iter().copied().fold(modelled.current, f64::max);
        match limits.pod {
            Some(pod) => recommend(peak, pod, cost),
            None => Err("no pod CPU and memory limits to size replicas with".to_string()),
        }
    });
    assessment
}

/// One resource's forecast against `limit`: its use, the forecast at the
/// horizon and when each model reaches the limit. No replica advice.
pub fn assess_against(modelled: &Modelled, limit: Option<Limit>) -> Assessment {
    let primary = &modelled.primary().prediction;
    let last = primary.point.len().checked_sub(1);
    let at_horizon = last.map(|i| AtHorizon {
        median: primary.point[i],
        bands: Level::ALL.map(|l| (primary.band(l).lower[i], primary.band(l).upper[i])),
    });
    let crossings = |p: &Prediction| {
        limit
            .as_ref()
            .map(|l| Level::ALL.map(|level| time_to_limit(p, modelled.current, l.value, level)))
    };
    let time_to_limit = crossings(primary);
    let linear_time_to_limit = modelled
        .seasonal
        .is_ok()
        .then(|| crossings(&modelled.linear.prediction))
        .flatten();
    Assessment {
        used: limit.as_ref().map(|l| modelled.current / l.value),
        limit,
        at_horizon,
        time_to_limit,
        linear_time_to_limit,
        recommendation: None,
    }
}

/// Milliseconds from `now_ms` until a crossing: 0 for `Now`, `None` when
/// not within the horizon.
pub fn until(crossing: Crossing, now_ms: i64) -> Option<i64> {
    match crossing {
        Crossing::Now => Some(0),
        Crossing::At(t) => Some((t - now_ms).max(0)),
        Crossing::NotWithin => None,
    }
}

/// The resource with the least headroom: the one whose median forecast
/// reaches its limit soonest, else the one using most of its limit.
pub fn tightest(assessments: &[Option<&Assessment>], now_ms: i64) -> Option<usize> {
    let key = |a: &Assessment| (a.until_limit(now_ms).unwrap_or(i64::MAX), a.used.unwrap_or(0.0));
    assessments
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.filter(|a| a.used.is_some()).map(|a| (i, key(a))))
        .min_by(|(_, a), (_, b)| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(i, _)| i)
}

/// The model's name as shown.
pub fn model_name(model: Model) -> &'static str {
    match model {
        Model::Seasonal => "ETS/MSTL",
        Model::Linear => "linear",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::forecast::Settings;

    const T0: i64 = 1_795_996_800_000;
    const MIN: i64 = 60_000;
    const DAY: i64 = 1_440 * MIN;

    /// `days` of a gauge at one point a minute rising `per_day` from 100.
    fn rising(days: i64, per_day: f64) -> Vec<Sample> {
        (0..days * DAY / (5 * MIN))
            .map(|i| {
                let t = i * 5 * MIN;
                Sample {
                    ts_ms: T0 + t,
                    value: 100.0 + per_day * t as f64 / DAY as f64 + (i % 3) as f64 * 0.01,
                }
            })
            .collect()
    }

    fn pod(owner: &str, cpu: Option<u64>, memory: Option<u64>, request_cpu: Option<u64>) -> PodInfo {
        PodInfo {
            name: format!("{owner}-x"),
            phase: "Running".to_string(),
            ready_containers: 1,
            containers: 1,
            restarts: 0,
            node: None,
            reason: None,
            created_at_ms: None,
            healthy: true,
            terminating: false,
            owner: Some(owner.to_string()),
            restarted_at_ms: None,
            resources: crate::domain::cluster::PodResources {
                cpu_request_millis: request_cpu,
                cpu_limit_millis: cpu,
                memory_request_bytes: None,
                memory_limit_bytes: memory,
            },
        }
    }

    const CONFIGURED: [f64; 6] = [1.0, 512.0, 1000.0, 0.0, 5000.0, 1e9];

    #[test]
    fn outlooks_are_thinned_but_keep_the_crossing_early() {
        let settings = Settings::default();
        let o = outlook("memory", &rising(4, 10.0), Kind::Gauge, &settings);
        let m = o.result.unwrap();
        assert!(m.history.len() <= CHART_POINTS && m.history.len() > CHART_POINTS / 2);
        let p = &m.linear.prediction;
        assert!(p.point.len() <= CHART_POINTS);
        assert_eq!(p.step_ms % (5 * MIN), 0);
        // 7 days ahead of ~140: ~210 at the end of the horizon.
        let last = *p.point.last().unwrap();
        assert!((last - 210.0).abs() < 2.0, "{last}");
        // The limit 160 is reached ~2 days after the last sample.
        let end = T0 + 4 * DAY - 5 * MIN;
        let t = time_to_limit(p, m.current, 160.0, Level::P80);
        let Crossing::At(at) = t.median else {
            panic!("{t:?}")
        };
        let error_h = (at - (end + 2 * DAY)) as f64 / 3_600_000.0;
        assert!(
            (-(p.step_ms as f64) / 3.6e6..=0.1).contains(&error_h),
            "{error_h}h"
        );
    }

    #[test]
    fn too_little_history_says_how_much_more_is_needed() {
        let settings = Settings {
            step_ms: Some(MIN),
            ..Settings::default()
        };
        let samples: Vec<Sample> = (0..3)
            .map(|i| Sample {
                ts_ms: T0 + i * MIN,
                value: 1.0,
            })
            .collect();
        let o = outlook("ws clients", &samples, Kind::Gauge, &settings);
        let why = o.result.unwrap_err();
        assert_eq!(why.need_more_ms, Some(7 * MIN), "{why}");
        let o = outlook("ws clients", &[], Kind::Gauge, &settings);
        assert!(o.result.unwrap_err().reason.starts_with("no data"));
        let o = outlook("ticks/s", &samples[..1], Kind::Counter, &settings);
        assert_eq!(o.result.unwrap_err().need_more_ms, Some(10 * MIN), "no rate yet");
    }

    #[test]
    fn limits_come_from_the_deployments_pods_else_from_config() {
        let pods = [
            pod("market-data-agent", Some(500), Some(256), None),
            pod("market-data-agent", Some(500), Some(256), None),
            pod("other", Some(8000), Some(1 << 40), None),
        ];
        let l = resolve_limits(Some(&pods), "market-data-agent", CONFIGURED);
        assert_eq!(l.per_resource[0].as_ref().unwrap().value, 1.0);
        assert_eq!(
            l.per_resource[1].as_ref().unwrap().origin,
            LimitOrigin::Pods {
                count: 2,
                field: "limits"
            }
        );
        assert_eq!(
            l.pod,
            Some(PodLimits {
                cpu_cores: 0.5,
                memory_bytes: 256.0
            })
        );
        assert_eq!(l.per_resource[3], None, "0 configured: no limit");
        assert_eq!(l.per_resource[4].as_ref().unwrap().origin, LimitOrigin::Config);
        // No limit on a pod: requests; nothing either: config.
        let pods = [pod("a", None, None, Some(250))];
        let l = resolve_limits(Some(&pods), "", CONFIGURED);
        assert_eq!(
            l.per_resource[0],
            Some(Limit {
                value: 0.25,
                origin: LimitOrigin::Pods {
                    count: 1,
                    field: "requests"
                }
            })
        );
        assert_eq!(l.per_resource[1].as_ref().unwrap().origin, LimitOrigin::Config);
        let l = resolve_limits(None, "market-data-agent", CONFIGURED);
        assert_eq!(
            l.pod,
            Some(PodLimits {
                cpu_cores: 1.0,
                memory_bytes: 512.0
            })
        );
        assert!(
            l.per_resource[..2]
                .iter()
                .all(|l| l.as_ref().unwrap().origin == LimitOrigin::Config)
        );
    }

    #[test]
    fn a_pods_own_limit_else_its_request() {
        let limited = pod("agent", Some(500), Some(256 << 20), Some(100));
        assert_eq!(
            pod_limit(&limited, 0),
            Some(Limit {
                value: 0.5,
                origin: LimitOrigin::Pods {
                    count: 1,
                    field: "limits"
                }
            })
        );
        let requested = pod("agent", None, None, Some(100));
        let cpu = pod_limit(&requested, 0).unwrap();
        assert_eq!(
            (cpu.value, &cpu.origin),
            (
                0.1,
                &LimitOrigin::Pods {
                    count: 1,
                    field: "requests"
                }
            )
        );
        assert_eq!(pod_limit(&requested, 1), None, "no memory limit nor request");
        assert_eq!(pod_limit(&limited, 2), None, "requests/s are not per pod");
        let mut done = pod("agent", None, None, None);
        done.phase = "Succeeded".to_string();
        let pods = [limited, done, pod("other", None, None, None)];
        let names: Vec<&str> = measured_pods(&pods, "agent")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names.len(), 1, "running pods of the deployment only");
    }

    #[test]
    fn assessment_and_the_tightest_headroom() {
        let settings = Settings::default();
        let limits = resolve_limits(None, "", [200.0, 1e9, 1000.0, 0.0, 0.0, 0.0]);
        let cost = CostModel::default();
        let m = outlook("cpu", &rising(4, 10.0), Kind::Gauge, &settings)
            .result
            .unwrap();
        let now = T0 + 4 * DAY;
        let cpu = assess(0, &m, &limits, &cost);
        assert!((cpu.used.unwrap() - m.current / 200.0).abs() < 1e-12);
        let ttl = cpu.time_to_limit.unwrap();
        let days = until(ttl[0].median, now).unwrap() as f64 / DAY as f64;
        assert!((5.0..7.0).contains(&days), "~6 days to 200: {days}");
        // The straight line's crossing beside it, for comparison.
        let linear = cpu.linear_time_to_limit.expect("the seasonal model leads");
        let days = until(linear[0].median, now).unwrap() as f64 / DAY as f64;
        assert!((5.0..7.0).contains(&days), "linear: {days}");
        let short = outlook("cpu", &rising(1, 10.0), Kind::Gauge, &settings)
            .result
            .unwrap();
        assert!(short.seasonal.is_err());
        let alone = assess(0, &short, &limits, &cost);
        assert!(alone.time_to_limit.is_some());
        assert!(alone.linear_time_to_limit.is_none(), "linear leads already");
        // Until the limit: the lead model's median, else the line's.
        assert_eq!(cpu.until_limit(now), until(ttl[0].median, now));
        let at = |median| {
            Level::ALL.map(|level| TimeToLimit {
                level,
                median,
                earliest: median,
                latest: Crossing::NotWithin,
            })
        };
        let damped = Assessment {
            time_to_limit: Some(at(Crossing::NotWithin)),
            linear_time_to_limit: Some(at(Crossing::At(now + DAY))),
            ..cpu.clone()
        };
        assert_eq!(damped.until_limit(now), Some(DAY));
        let neither = Assessment {
            linear_time_to_limit: Some(at(Crossing::NotWithin)),
            ..damped
        };
        assert_eq!(neither.until_limit(now), None);
        assert!(cpu.recommendation.is_none());
        let memory = assess(1, &m, &limits, &cost);
        assert_eq!(memory.time_to_limit.unwrap()[0].median, Crossing::NotWithin);
        let ws = assess(3, &m, &limits, &cost);
        assert!(ws.used.is_none() && ws.time_to_limit.is_none());
        assert_eq!(
            tightest(&[Some(&memory), Some(&cpu), Some(&ws), None], now),
            Some(1)
        );
        assert_eq!(tightest(&[Some(&memory), Some(&ws)], now), Some(0), "most used");
        assert_eq!(tightest(&[Some(&ws), None], now), None);
        // The request rate row sizes replicas for its peak (~170 req/s).
        let http = assess(REQUESTS, &m, &limits, &cost);
        let r = http.recommendation.unwrap().unwrap();
        assert_eq!(r.replicas, 1, "{r:?}");
    }
}
