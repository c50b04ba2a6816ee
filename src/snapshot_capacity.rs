//! The `capacity` section of `mdops snapshot`: per resource its use, limit,
//! forecast at the horizon with bands, time to the limit, each model's
//! backtest and the replica recommendation, or why there is no forecast.

use std::fmt::Write as _;

use serde::Serialize;

use crate::app::App;
use crate::app::capacity::CapacityRow;
use crate::domain::capacity::RESOURCES;
use crate::domain::capacity_plan::{LimitOrigin, model_name, until};
use crate::domain::forecast::{Accuracy, Crossing, Level, TimeToLimit, human};

#[derive(Debug, Serialize)]
pub struct CapacityReport {
    /// Where the history came from.
    pub source: String,
    pub horizon_s: f64,
    pub resources: Vec<ResourceReport>,
    /// Per watched pod, for CPU and memory: against each pod's own limit.
    pub pods: Vec<PodReport>,
}

#[derive(Debug, Serialize)]
pub struct PodReport {
    pub resource: &'static str,
    pub pod: String,
    pub current: Option<f64>,
    pub limit: Option<f64>,
    /// `limits` or `requests` of the pod's spec; null without either.
    pub limit_from: Option<&'static str>,
    pub used: Option<f64>,
    /// At 80% and 95%; null without a limit or a forecast.
    pub time_to_limit: Option<Vec<TimeToLimitReport>>,
    /// Why there is no forecast, in words.
    pub unavailable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ResourceReport {
    pub name: &'static str,
    pub current: Option<f64>,
    pub limit: Option<f64>,
    /// `pods (limits)`, `pods (requests)`, `config`; null without a limit.
    pub limit_from: Option<String>,
    /// Current over limit, 0 to 1 (and beyond).
    pub used: Option<f64>,
    /// The model behind `forecast` and `time_to_limit`: `ETS/MSTL` or `linear`.
    pub model: Option<&'static str>,
    pub forecast: Option<ForecastReport>,
    /// At 80% and 95%; null without a limit.
    pub time_to_limit: Option<Vec<TimeToLimitReport>>,
    /// The linear model's, when `model` is the seasonal one: for comparison.
    pub linear_time_to_limit: Option<Vec<TimeToLimitReport>>,
    pub accuracy: Vec<AccuracyReport>,
    pub recommendation: Option<RecommendationReport>,
    /// Why there is no forecast, in words.
    pub unavailable: Option<String>,
    /// More history needed, seconds, when that is why.
    pub need_more_s: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct ForecastReport {
    /// At the end of the horizon.
    pub median: f64,
    pub p80: [f64; 2],
    pub p95: [f64; 2],
    /// Slope of the least-squares line, per second.
    pub trend_per_s: f64,
}

#[derive(Debug, Serialize)]
pub struct TimeToLimitReport {
    pub level: f64,
    /// Seconds from the report; 0 when already reached; null when not
    /// within the horizon.
    pub median_s: Option<f64>,
    pub earliest_s: Option<f64>,
    pub latest_s: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct AccuracyReport {
    pub model: &'static str,
    pub mape_pct: Option<f64>,
    pub coverage80: Option<f64>,
    pub coverage95: Option<f64>,
    /// Why there is no backtest.
    pub unavailable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RecommendationReport {
    pub replicas: Option<u32>,
    pub bound_by: Option<&'static str>,
    pub error: Option<String>,
}

impl CapacityReport {
    /// `None` until the first forecast round.
    pub fn from_app(app: &App) -> Option<CapacityReport> {
        let c = &app.capacity;
        c.updated_at_ms?;
        let seconds = |ms: i64| ms as f64 / 1000.0;
        let resources = RESOURCES
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let outlook = c.outlooks.get(i).map(|o| &o.result);
                let modelled = outlook.and_then(|o| o.as_ref().ok());
                let assessment = c.assessments.get(i).and_then(Option::as_ref);
                let limit = c.limits.per_resource.get(i).and_then(Option::as_ref);
                let (current, used) = c.current_use(CapacityRow::Total(i));
                let why = outlook.and_then(|o| o.as_ref().err());
                let ttl = |t: &TimeToLimit| ttl_report(t, app.now_ms);
                ResourceReport {
                    name: r.name,
                    current,
                    limit: limit.map(|l| l.value),
                    limit_from: limit.map(|l| match l.origin {
                        LimitOrigin::Pods { field, count } => format!("pods ({field}, {count} pods)"),
                        LimitOrigin::Config => "config".to_string(),
                    }),
                    used,
                    model: modelled.map(|m| model_name(m.primary().prediction.model)),
                    forecast: modelled.zip(assessment.and_then(|a| a.at_horizon)).map(|(m, h)| {
                        ForecastReport {
                            median: h.median,
                            p80: [h.bands[0].0, h.bands[0].1],
                            p95: [h.bands[1].0, h.bands[1].1],
                            trend_per_s: m.trend_per_s,
                        }
                    }),
                    time_to_limit: assessment
                        .and_then(|a| a.time_to_limit)
                        .map(|t| t.iter().map(ttl).collect()),
                    linear_time_to_limit: assessment
                        .and_then(|a| a.linear_time_to_limit)
                        .map(|t| t.iter().map(ttl).collect()),
                    accuracy: modelled.map_or_else(Vec::new, |m| {
                        let seasonal = m.seasonal.as_ref().map_err(|why| why.to_string());
                        vec![
                            accuracy("ETS/MSTL", seasonal.map(|s| &s.accuracy)),
                            accuracy("linear", Ok(&m.linear.accuracy)),
                        ]
                    }),
                    recommendation: assessment
                        .and_then(|a| a.recommendation.as_ref())
                        .map(|r| match r {
                            Ok(r) => RecommendationReport {
                                replicas: Some(r.replicas),
                                bound_by: Some(match r.bound_by {
                                    crate::domain::forecast::replicas::Resource::Cpu => "cpu",
                                    crate::domain::forecast::replicas::Resource::Memory => "memory",
                                }),
                                error: None,
                            },
                            Err(e) => RecommendationReport {
                                replicas: None,
                                bound_by: None,
                                error: Some(e.clone()),
                            },
                        }),
                    unavailable: why.map(ToString::to_string),
                    need_more_s: why.and_then(|w| w.need_more_ms).map(seconds),
                }
            })
            .collect();
        let pods = c
            .rows()
            .into_iter()
            .filter_map(|row| match row {
                CapacityRow::Pod(p) => Some((row, &c.pod_rows[p])),
                CapacityRow::Total(_) => None,
            })
            .map(|(row, pod)| {
                let (current, used) = c.current_use(row);
                PodReport {
                    resource: RESOURCES[pod.resource].name,
                    pod: pod.pod.clone(),
                    current,
                    limit: pod.limit.as_ref().map(|l| l.value),
                    limit_from: pod.limit.as_ref().and_then(|l| match l.origin {
                        LimitOrigin::Pods { field, .. } => Some(field),
                        LimitOrigin::Config => None,
                    }),
                    used,
                    time_to_limit: pod
                        .assessment
                        .as_ref()
                        .and_then(|a| a.time_to_limit)
                        .map(|t| t.iter().map(|t| ttl_report(t, app.now_ms)).collect()),
                    unavailable: pod.why.no_forecast.as_ref().map(|(_, why)| why.clone()),
                }
            })
            .collect();
        Some(CapacityReport {
            source: c.source_text.clone(),
            horizon_s: seconds(c.settings.horizon_ms()),
            resources,
            pods,
        })
    }

    /// The Markdown section: one table row per resource, then per pod.
    pub fn markdown(report: Option<&CapacityReport>) -> String {
        let mut out = String::from("\n### Capacity\n\n");
        let Some(r) = report else {
            out.push_str("No forecast yet.\n");
            return out;
        };
        let _ = writeln!(out, "{}.\n", r.source);
        let horizon = human((r.horizon_s * 1000.0) as i64);
        let _ = writeln!(
            out,
            "| resource | now | limit | use | in {horizon} (80% band) | to limit (80% band) | accuracy | replicas |\n|---|--:|--:|--:|--:|--:|---|--:|"
        );
        let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        let span = |s: Option<f64>| s.map_or("-".to_string(), |s| human((s * 1000.0) as i64));
        for res in &r.resources {
            if let Some(why) = &res.unavailable {
                let _ = writeln!(
                    out,
                    "| {} | {} | | | {} | | | |",
                    res.name,
                    num(res.current),
                    why.replace('|', "/")
                );
                continue;
            }
            let forecast = res.forecast.as_ref().map_or("-".to_string(), |f| {
                format!("{:.3} ({:.3}–{:.3})", f.median, f.p80[0], f.p80[1])
            });
            let ttl = match res.time_to_limit.as_ref().and_then(|t| t.first()) {
                None => "no limit".to_string(),
                Some(t) if t.median_s.is_none() && t.earliest_s.is_none() => format!("not within {horizon}"),
                Some(t) => format!(
                    "{} ({}–{})",
                    span(t.median_s),
                    span(t.earliest_s),
                    span(t.latest_s)
                ),
            };
            let accuracy: Vec<String> = res
                .accuracy
                .iter()
                .map(|a| match a.mape_pct {
                    Some(m) => format!(
                        "{} MAPE {m:.1}%, {:.0}/{:.0}%",
                        a.model,
                        a.coverage80.unwrap_or(0.0) * 100.0,
                        a.coverage95.unwrap_or(0.0) * 100.0
                    ),
                    None => format!("{} n/a", a.model),
                })
                .collect();
            let replicas = res
                .recommendation
                .as_ref()
                .map_or(String::new(), |r| match r.replicas {
                    Some(n) => format!("{n} ({})", r.bound_by.unwrap_or("")),
                    None => "unknown".to_string(),
                });
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                res.name,
                num(res.current),
                num(res.limit),
                res.used.map_or("-".to_string(), |u| format!("{:.0}%", u * 100.0)),
                forecast,
                ttl,
                accuracy.join("; "),
                replicas
            );
        }
        for pod in &r.pods {
            let ttl = match (
                &pod.unavailable,
                pod.time_to_limit.as_ref().and_then(|t| t.first()),
            ) {
                (Some(why), _) => why.replace('|', "/"),
                (None, None) => "no limit".to_string(),
                (None, Some(t)) if t.median_s.is_none() && t.earliest_s.is_none() => {
                    format!("not within {horizon}")
                }
                (None, Some(t)) => format!(
                    "{} ({}–{})",
                    span(t.median_s),
                    span(t.earliest_s),
                    span(t.latest_s)
                ),
            };
            let _ = writeln!(
                out,
                "| {} · pod {} | {} | {} | {} | | {} | | |",
                pod.resource,
                pod.pod.replace('|', "/"),
                num(pod.current),
                num(pod.limit),
                pod.used.map_or("-".to_string(), |u| format!("{:.0}%", u * 100.0)),
                ttl
            );
        }
        out
    }
}

fn accuracy(
    model: &'static str,
    backtest: Result<&Result<Accuracy, crate::domain::forecast::Unavailable>, String>,
) -> AccuracyReport {
    let backtest = backtest.and_then(|b| b.as_ref().map_err(ToString::to_string));
    match backtest {
        Ok(a) => AccuracyReport {
            model,
            mape_pct: a.mape,
            coverage80: Some(a.coverage[Level::P80 as usize]),
            coverage95: Some(a.coverage[Level::P95 as usize]),
            unavailable: None,
        },
        Err(why) => AccuracyReport {
            model,
            mape_pct: None,
            coverage80: None,
            coverage95: None,
            unavailable: Some(why),
        },
    }
}

/// A crossing as seconds from `now_ms`.
fn ttl_report(t: &TimeToLimit, now_ms: i64) -> TimeToLimitReport {
    let s = |c: Crossing| until(c, now_ms).map(|ms| ms as f64 / 1000.0);
    TimeToLimitReport {
        level: t.level.share(),
        median_s: s(t.median),
        earliest_s: s(t.earliest),
        latest_s: s(t.latest),
    }
}
