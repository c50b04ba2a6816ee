//! SLI figures per window, from either source: the console's local store of
//! scraped samples, or Prometheus. Both produce the same `SloFigures`, and
//! the SLO maths runs on them alike.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::selector::Selector;
use crate::domain::series::SeriesStore;
use crate::slo::{Indicator, Slo};

/// One window's figures for one SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowFigure {
    pub window: Duration,
    /// Error ratio in [0, 1]; `None` when nothing happened in the window
    /// ("no traffic": neither 0% errors nor 100% good).
    pub ratio: Option<f64>,
    /// Events (requests, ticks ...) counted in the window.
    pub events: f64,
    /// History actually behind the figure when it is shorter than the window.
    pub partial_history: Option<Duration>,
    /// Why the figure could not be computed (a failed query).
    pub error: Option<String>,
}

impl WindowFigure {
    pub fn failed(window: Duration, error: String) -> WindowFigure {
        WindowFigure {
            window,
            ratio: None,
            events: 0.0,
            partial_history: None,
            error: Some(error),
        }
    }

    /// A figure from error and event counts.
    pub fn from_counts(window: Duration, errors: f64, events: f64, covered: Duration) -> WindowFigure {
        let ratio = (events > 0.0).then(|| (errors / events).clamp(0.0, 1.0));
        let partial_history = (covered < window).then_some(covered);
        WindowFigure {
            window,
            ratio,
            events,
            partial_history,
            error: None,
        }
    }
}

/// Everything the SLO screen shows for one SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloFigures {
    /// One per policy window, ascending.
    pub windows: Vec<WindowFigure>,
    /// Over the SLO period.
    pub period: WindowFigure,
    /// 1h burn rate history: (Unix ms, burn), oldest first.
    pub history: Vec<(f64, f64)>,
}

/// An SLO's indicator compiled to selectors over the local store.
#[derive(Debug, Clone)]
pub struct LocalSli {
    /// Selectors whose increases add up to the bad events; for a latency
    /// indicator, the events above the threshold are `total - good`.
    errors: Vec<Selector>,
    good: Vec<Selector>,
    total: Vec<Selector>,
}

impl LocalSli {
    pub fn compile(slo: &Slo) -> Result<LocalSli, String> {
        let parse_all = |selectors: &[String]| -> Result<Vec<Selector>, String> {
            selectors
                .iter()
                .map(|s| Selector::parse(s).map_err(|e| format!("slo `{}`: selector {s:?}: {e}", slo.name)))
                .collect()
        };
        match &slo.indicator {
            Indicator::Ratio { errors, total } => Ok(LocalSli {
                errors: parse_all(errors)?,
                good: Vec::new(),
                total: parse_all(total)?,
            }),
            Indicator::Latency { .. } => {
                let (total, good) = slo.latency_selectors();
                Ok(LocalSli {
                    errors: Vec::new(),
                    good: parse_all(&[good])?,
                    total: parse_all(&[total])?,
                })
            }
        }
    }

    /// Errors and events over `window` ending at `now_ms`.
    pub fn figure(&self, store: &SeriesStore, window: Duration, now_ms: i64) -> WindowFigure {
        let sum = |selectors: &[Selector]| {
            selectors
                .iter()
                .fold((0.0, window), |(value, covered), selector| {
                    let increase = store.increase(selector, window, now_ms);
                    (value + increase.value, covered.min(increase.covered))
                })
        };
        let (total, covered) = sum(&self.total);
        let errors = if self.good.is_empty() {
            sum(&self.errors).0
        } else {
            (total - sum(&self.good).0).max(0.0)
        };
        WindowFigure::from_counts(window, errors, total, covered)
    }

    /// Figures for every window and the period, plus a 1h burn history of
    /// `points` samples over the history the store holds (at most a day).
    pub fn figures(
        &self,
        store: &SeriesStore,
        windows: &[Duration],
        period: Duration,
        objective: f64,
        now_ms: i64,
    ) -> SloFigures {
        const HISTORY_POINTS: i64 = 60;
        let hour = Duration::from_secs(3600);
        let span_ms = store.history(now_ms).min(Duration::from_secs(86_400)).as_millis() as i64;
        let history = (0..=HISTORY_POINTS)
            .map(|i| now_ms - span_ms + span_ms * i / HISTORY_POINTS)
            .filter_map(|at| {
                let ratio = self.figure(store, hour, at).ratio?;
                Some((at as f64, crate::domain::slo::burn_rate(ratio, objective)))
            })
            .collect();
        SloFigures {
            windows: windows.iter().map(|&w| self.figure(store, w, now_ms)).collect(),
            period: self.figure(store, period, now_ms),
            history,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_events_is_no_traffic_not_zero_errors() {
        let figure = WindowFigure::from_counts(Duration::from_secs(300), 0.0, 0.0, Duration::from_secs(300));
        assert_eq!(figure.ratio, None);
        assert_eq!(figure.partial_history, None);
    }

    #[test]
    fn short_history_marks_the_figure_partial() {
        let figure =
            WindowFigure::from_counts(Duration::from_secs(3600), 1.0, 100.0, Duration::from_secs(600));
        assert_eq!(figure.ratio, Some(0.01));
        assert_eq!(figure.partial_history, Some(Duration::from_secs(600)));
    }
}
