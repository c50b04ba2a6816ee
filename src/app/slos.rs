//! State of the SLO screen: the definitions, the latest figures from
//! whichever source feeds them, and the selection. The SLO maths itself
//! lives in `domain::slo`.

use std::sync::Arc;
use std::time::Duration;

use super::filter::FilterInput;
use crate::domain::series::SeriesStore;
use crate::domain::sli::{LocalSli, SloFigures};
use crate::domain::slo::{AlertState, budget_remaining, burn_rate, evaluate, time_to_exhaustion};
use crate::metrics_text::Exposition;
use crate::slo::SloSet;

/// Where the figures come from.
#[derive(Debug)]
pub enum SloSource {
    /// The console's own scrapes of the agent's /metrics.
    Local {
        store: Box<SeriesStore>,
        slis: Vec<Result<LocalSli, String>>,
        every: Duration,
    },
    Prometheus {
        url: String,
    },
}

#[derive(Debug)]
pub struct SlosState {
    pub set: Arc<SloSet>,
    pub source: SloSource,
    /// Per SLO, in definition order; `None` until the first figures.
    pub figures: Vec<Option<SloFigures>>,
    pub updated_at_ms: Option<i64>,
    pub selected: usize,
    /// Window labels ("5m", "1h" ...) in column order.
    pub window_labels: Vec<String>,
    /// Thresholds drawn on the burn chart, from the alert policy.
    pub thresholds: Vec<(f64, String)>,
    /// Per SLO, derived from `figures` whenever they change.
    pub summaries: Vec<Option<SloSummary>>,
    /// Per SLO, the PromQL behind every figure: (label, query).
    pub queries: Vec<Vec<(String, String)>>,
    /// How the source is described on screen, refreshed with the figures.
    pub source_text: String,
    /// Set while the source fails: what and since when.
    pub problem: Option<String>,
    /// Narrows the table by name and service.
    pub filter: FilterInput,
    pub filter_editing: bool,
}

/// Derived figures of one SLO, as the screen and the snapshot show them.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSummary {
    pub sli: Option<f64>,
    pub budget_remaining: Option<f64>,
    /// Per window: burn rate, `None` with no traffic or a failed query.
    pub burns: Vec<Option<f64>>,
    pub alert: AlertState,
    pub exhaustion: Option<Duration>,
    pub events: Option<f64>,
}

impl SlosState {
    pub fn new(set: Arc<SloSet>, source: SloSource) -> SlosState {
        let window_labels = set
            .windows()
            .iter()
            .map(|&w| crate::slo::format_window(w))
            .collect();
        let mut thresholds: Vec<(f64, String)> = Vec::new();
        for (severity, pairs) in [("page", &set.policy.page), ("ticket", &set.policy.ticket)] {
            for pair in pairs {
                let label = format!("{severity} {}", crate::slo::format_window(pair.long));
                thresholds.push((pair.factor, label));
            }
        }
        let figures = vec![None; set.slos.len()];
        let queries = set.slos.iter().map(|slo| queries(slo, &set.windows())).collect();
        let summaries = vec![None; set.slos.len()];
        let mut state = SlosState {
            set,
            source,
            figures,
            updated_at_ms: None,
            selected: 0,
            window_labels,
            thresholds,
            summaries,
            queries,
            source_text: String::new(),
            problem: None,
            filter: FilterInput::default(),
            filter_editing: false,
        };
        state.source_text = state.describe_source(0);
        state
    }

    /// Local store compiled for `set`: every SLO's selectors, or why not.
    pub fn local(set: &SloSet, retention: Duration, max_series: usize, every: Duration) -> SloSource {
        let slis = set.slos.iter().map(LocalSli::compile).collect();
        SloSource::Local {
            store: Box::new(SeriesStore::new(retention, max_series)),
            slis,
            every,
        }
    }

    /// A scrape of the agent's metrics: stored, then every SLO recomputed.
    pub fn on_scrape(&mut self, exposition: &Exposition, at_ms: i64) {
        let SloSource::Local { store, slis, .. } = &mut self.source else {
            return;
        };
        store.ingest_exposition(at_ms, exposition);
        let store = &**store;
        let windows = self.set.windows();
        self.figures = self
            .set
            .slos
            .iter()
            .zip(slis.iter())
            .map(|(slo, sli)| {
                sli.as_ref()
                    .ok()
                    .map(|sli| sli.figures(store, &windows, slo.period, slo.objective, at_ms))
            })
            .collect();
        self.refresh(at_ms);
    }

    pub fn on_figures(&mut self, figures: Vec<SloFigures>, at_ms: i64) {
        self.figures = figures.into_iter().map(Some).collect();
        self.figures.resize(self.set.slos.len(), None);
        self.refresh(at_ms);
    }

    fn refresh(&mut self, at_ms: i64) {
        self.updated_at_ms = Some(at_ms);
        self.summaries = (0..self.set.slos.len()).map(|i| self.summary(i)).collect();
        self.source_text = self.describe_source(at_ms);
    }

    fn summary(&self, index: usize) -> Option<SloSummary> {
        let slo = self.set.slos.get(index)?;
        let figures = self.figures.get(index)?.as_ref()?;
        let windows = self.set.windows();
        let burns: Vec<Option<f64>> = figures
            .windows
            .iter()
            .map(|f| f.ratio.map(|r| burn_rate(r, slo.objective)))
            .collect();
        let burn_of = |window: Duration| {
            windows
                .iter()
                .position(|&w| w == window)
                .and_then(|i| burns.get(i).copied().flatten())
        };
        let alert = evaluate(&self.set.policy, burn_of);
        let remaining = figures.period.ratio.map(|r| budget_remaining(r, slo.objective));
        let hour_burn = burn_of(Duration::from_secs(3600));
        let exhaustion = remaining
            .zip(hour_burn)
            .and_then(|(remaining, burn)| time_to_exhaustion(remaining, slo.period, burn));
        Some(SloSummary {
            sli: figures.period.ratio.map(|r| (1.0 - r) * 100.0),
            budget_remaining: remaining,
            burns,
            alert,
            exhaustion,
            events: (figures.period.error.is_none()).then_some(figures.period.events),
        })
    }

    /// Indexes into `set.slos` of the SLOs the filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        self.set
            .slos
            .iter()
            .enumerate()
            .filter(|(_, slo)| self.filter.matches_any([slo.name.as_str(), slo.service.as_str()]))
            .map(|(i, _)| i)
            .collect()
    }

    /// Position among the visible SLOs of the selected one: the first
    /// visible one when the filter hides the selection.
    pub fn selected_position(&self, visible: &[usize]) -> Option<usize> {
        (!visible.is_empty()).then(|| visible.iter().position(|&i| i == self.selected).unwrap_or(0))
    }

    /// Moves the selection by `delta` visible rows (`isize::MIN` / `MAX`:
    /// first / last).
    pub fn move_selection(&mut self, delta: isize) {
        let visible = self.visible();
        let Some(current) = self.selected_position(&visible) else {
            return;
        };
        self.selected = visible[super::selection::step(current, delta, visible.len())];
    }

    /// After the filter changed: the selection stays where it still shows,
    /// else goes to the first visible SLO.
    pub fn follow_filter(&mut self) {
        let visible = self.visible();
        if let Some(position) = self.selected_position(&visible) {
            self.selected = visible[position];
        }
    }

    fn describe_source(&self, now_ms: i64) -> String {
        match &self.source {
            SloSource::Prometheus { url } => format!("Prometheus {url}"),
            SloSource::Local { store, every, .. } => format!(
                "local scrape of the agent's /metrics every {}s, {} of history (longer windows are partial)",
                every.as_secs(),
                format_age(store.history(now_ms))
            ),
        }
    }
}

/// The PromQL behind each figure of `slo`, labelled as on screen.
fn queries(slo: &crate::slo::Slo, windows: &[Duration]) -> Vec<(String, String)> {
    let mut queries: Vec<(String, String)> = windows
        .iter()
        .map(|&w| {
            (
                format!("burn {}", crate::slo::format_window(w)),
                burn_promql(slo, w),
            )
        })
        .collect();
    let period = crate::slo::format_window(slo.period);
    queries.push((
        format!("error ratio {period}"),
        slo.error_ratio_promql(slo.period),
    ));
    queries.push((
        format!("events {period}"),
        slo.error_and_total_promql(slo.period).1,
    ));
    queries
}

/// PromQL of the burn rate over `window`: the error ratio over the budget,
/// with the objective written as the console holds it so Prometheus does
/// the very same division.
pub fn burn_promql(slo: &crate::slo::Slo, window: Duration) -> String {
    format!("({}) / (1 - {})", slo.error_ratio_promql(window), slo.objective)
}

/// History held, for people: "45s", "12m", "3h05m", "2d4h".
fn format_age(age: Duration) -> String {
    let secs = age.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h{:02}m", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{}d{}h", secs / 86_400, secs % 86_400 / 3_600),
    }
}
