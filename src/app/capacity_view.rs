//! The capacity screen's view model, built from `CapacityState`.

use std::time::Duration;

use mdops_views::model::{
    AccuracyCell, CapacityChartModel, CapacityModel, CapacityRowModel, CapacityUnit, ForecastCell,
    NoForecast, TimeToLimitCell,
};

use super::App;
use super::capacity::{CapacityRow, CapacityState, WhyText};
use crate::domain::capacity::RESOURCES;
use crate::domain::capacity_plan::{Assessment, Limit, LimitOrigin, Modelled, model_name, until};
use crate::domain::forecast::replicas::Resource as Bound;
use crate::domain::forecast::{Accuracy, Crossing, Prediction, TimeToLimit};

/// Units of the resources, in `RESOURCES` order.
const UNITS: [CapacityUnit; 6] = [
    CapacityUnit::Cores,
    CapacityUnit::Bytes,
    CapacityUnit::PerSecond,
    CapacityUnit::Count,
    CapacityUnit::PerSecond,
    CapacityUnit::Bytes,
];

/// What one row of the table is built from.
struct RowParts<'a> {
    /// Index in `RESOURCES`.
    resource: usize,
    name: &'a str,
    pod: bool,
    modelled: Option<&'a Modelled>,
    assessment: Option<&'a Assessment>,
    limit: Option<&'a Limit>,
    why: Option<&'a WhyText>,
}

impl CapacityState {
    fn row_parts(&self, row: CapacityRow) -> RowParts<'_> {
        match row {
            CapacityRow::Total(i) => RowParts {
                resource: i,
                name: RESOURCES[i].name,
                pod: false,
                modelled: self.outlooks.get(i).and_then(|o| o.result.as_ref().ok()),
                assessment: self.assessments.get(i).and_then(Option::as_ref),
                limit: self.limits.per_resource.get(i).and_then(Option::as_ref),
                why: self.why_text.get(i),
            },
            CapacityRow::Pod(p) => {
                let pod = &self.pod_rows[p];
                RowParts {
                    resource: pod.resource,
                    name: &pod.pod,
                    pod: true,
                    modelled: pod
                        .outlook
                        .and_then(|o| self.pods.get(o))
                        .and_then(|o| o.result.as_ref().ok()),
                    assessment: pod.assessment.as_ref(),
                    limit: pod.limit.as_ref(),
                    why: Some(&pod.why),
                }
            }
        }
    }
}

impl App {
    pub(super) fn capacity_model(&self) -> CapacityModel<'_> {
        let c = &self.capacity;
        let table = c.rows();
        let rows = table
            .iter()
            .map(|&row| self.capacity_row(row, c.row_parts(row)))
            .collect();
        let selected = c.selected.min(table.len() - 1);
        let parts = c.row_parts(table[selected]);
        let chart = parts.modelled.map(|m| chart(&parts, m));
        CapacityModel {
            source: &c.source_text,
            problem: c.problem.as_deref(),
            loading: c.updated_at_ms.is_none(),
            horizon: c.horizon(),
            rows,
            selected: Some(selected),
            chart,
        }
    }

    fn capacity_row<'a>(&'a self, row: CapacityRow, parts: RowParts<'a>) -> CapacityRowModel<'a> {
        let limit_source = match parts.limit.map(|l| &l.origin) {
            Some(LimitOrigin::Pods {
                count: 1,
                field: "limits",
            }) if parts.pod => "pod",
            Some(LimitOrigin::Pods { field: "limits", .. }) => "pods",
            Some(LimitOrigin::Pods { .. }) => "reqs",
            Some(LimitOrigin::Config) => "config",
            None => "",
        };
        let now = self.now_ms;
        let duration = |c: Crossing| until(c, now).map(|ms| Duration::from_millis(ms as u64));
        let (current, used) = self.capacity.current_use(row);
        let assessment = parts.assessment;
        let outlook = parts.modelled;
        CapacityRowModel {
            name: parts.name,
            pod: parts.pod,
            unit: UNITS[parts.resource],
            current,
            limit: parts.limit.map(|l| l.value),
            limit_source,
            used,
            forecast: assessment.and_then(|a| a.at_horizon).map(|h| ForecastCell {
                median: h.median,
                p80: h.bands[0],
                p95: h.bands[1],
            }),
            time_to_limit: assessment.and_then(|a| a.time_to_limit).map(|t| TimeToLimitCell {
                median: duration(t[0].median),
                earliest: duration(t[0].earliest),
                latest: duration(t[0].latest),
                linear: assessment
                    .and_then(|a| a.linear_time_to_limit)
                    .and_then(|l| duration(l[0].median)),
            }),
            accuracy: [
                outlook
                    .and_then(|m| m.seasonal.as_ref().ok())
                    .and_then(|s| cell(&s.accuracy)),
                outlook.and_then(|m| cell(&m.linear.accuracy)),
            ],
            replicas: assessment
                .and_then(|a| a.recommendation.as_ref())
                .map(|r| match r {
                    Ok(r) => Ok((
                        r.replicas,
                        match r.bound_by {
                            Bound::Cpu => "cpu",
                            Bound::Memory => "mem",
                        },
                    )),
                    Err(why) => Err(why.as_str()),
                }),
            unavailable: parts
                .why
                .and_then(|w| w.no_forecast.as_ref())
                .map(|(brief, why)| NoForecast { brief, why }),
        }
    }
}

fn cell(accuracy: &Result<Accuracy, crate::domain::forecast::Unavailable>) -> Option<AccuracyCell> {
    accuracy.as_ref().ok().map(|a| AccuracyCell {
        mape: a.mape,
        coverage80: a.coverage[0],
        coverage95: a.coverage[1],
    })
}

fn points(p: &Prediction, values: &[f64]) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (p.time_of(i) as f64, *v))
        .collect()
}

fn chart<'a>(parts: &RowParts<'a>, m: &Modelled) -> CapacityChartModel<'a> {
    let primary = &m.primary().prediction;
    let [p80, p95] = &primary.bands;
    let assessment = parts.assessment;
    CapacityChartModel {
        name: parts.name,
        unit: UNITS[parts.resource],
        model: model_name(primary.model),
        history: m.history.iter().map(|&(t, v)| (t as f64, v)).collect(),
        median: points(primary, &primary.point),
        bands: [
            points(primary, &p80.lower),
            points(primary, &p80.upper),
            points(primary, &p95.lower),
            points(primary, &p95.upper),
        ],
        linear: points(&m.linear.prediction, &m.linear.prediction.point),
        limit: assessment.and_then(|a| a.limit.as_ref()).map(|l| l.value),
        crossing_ms: assessment.and_then(|a| a.time_to_limit).and_then(median_crossing),
        linear_crossing_ms: assessment
            .and_then(|a| a.linear_time_to_limit)
            .and_then(median_crossing),
        note: parts.why.and_then(|w| w.seasonal.as_deref()),
    }
}

/// When the median forecast crosses the limit, as a chart x value.
fn median_crossing(t: [TimeToLimit; 2]) -> Option<f64> {
    match t[0].median {
        Crossing::At(t) => Some(t as f64),
        Crossing::Now | Crossing::NotWithin => None,
    }
}
