//! The capacity screen's view model, built from `CapacityState`.

use std::time::Duration;

use mdops_views::model::{
    AccuracyCell, CapacityChartModel, CapacityModel, CapacityRowModel, CapacityUnit, ForecastCell,
    NoForecast, TimeToLimitCell,
};

use super::App;
use crate::domain::capacity::RESOURCES;
use crate::domain::capacity_plan::{Assessment, LimitOrigin, Modelled, model_name, until};
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

impl App {
    pub(super) fn capacity_model(&self) -> CapacityModel<'_> {
        let c = &self.capacity;
        let rows = RESOURCES
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let outlook = c.outlooks.get(i).and_then(|o| o.result.as_ref().ok());
                let assessment = c.assessments.get(i).and_then(Option::as_ref);
                let unavailable = c
                    .why_text
                    .get(i)
                    .and_then(|w| w.no_forecast.as_ref())
                    .map(|(brief, why)| NoForecast { brief, why });
                self.capacity_row(i, r.name, outlook, assessment, unavailable)
            })
            .collect();
        let selected = c.selected.min(RESOURCES.len() - 1);
        let chart = c
            .outlooks
            .get(selected)
            .and_then(|o| o.result.as_ref().ok())
            .map(|m| {
                let assessment = c.assessments.get(selected).and_then(Option::as_ref);
                chart(
                    selected,
                    m,
                    assessment,
                    c.why_text.get(selected).and_then(|w| w.seasonal.as_deref()),
                )
            });
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

    fn capacity_row<'a>(
        &'a self,
        i: usize,
        name: &'static str,
        outlook: Option<&Modelled>,
        assessment: Option<&'a Assessment>,
        unavailable: Option<NoForecast<'a>>,
    ) -> CapacityRowModel<'a> {
        let limit = self.capacity.limits.per_resource.get(i).cloned().flatten();
        let limit_source = match limit.as_ref().map(|l| &l.origin) {
            Some(LimitOrigin::Pods { field: "limits", .. }) => "pods",
            Some(LimitOrigin::Pods { .. }) => "reqs",
            Some(LimitOrigin::Config) => "config",
            None => "",
        };
        let now = self.now_ms;
        let duration = |c: Crossing| until(c, now).map(|ms| Duration::from_millis(ms as u64));
        let (current, used) = self.capacity.current_use(i);
        CapacityRowModel {
            name,
            unit: UNITS[i],
            current,
            limit: limit.as_ref().map(|l| l.value),
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
            unavailable,
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

fn chart<'a>(
    i: usize,
    m: &Modelled,
    assessment: Option<&Assessment>,
    note: Option<&'a str>,
) -> CapacityChartModel<'a> {
    let primary = &m.primary().prediction;
    let [p80, p95] = &primary.bands;
    CapacityChartModel {
        name: RESOURCES[i].name,
        unit: UNITS[i],
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
        note,
    }
}

/// When the median forecast crosses the limit, as a chart x value.
fn median_crossing(t: [TimeToLimit; 2]) -> Option<f64> {
    match t[0].median {
        Crossing::At(t) => Some(t as f64),
        Crossing::Now | Crossing::NotWithin => None,
    }
}
