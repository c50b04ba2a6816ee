//! The capacity screen's state: the last forecasts, the limits they are
//! measured against (pod specs when the cluster is watched, else config),
//! and, without Prometheus, when to forecast the local store's history
//! next. The overview reads the tightest headroom.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::slos::SloSource;
use super::{App, Command, SourceId};
use crate::capacity_config::CapacitySection;
use crate::domain::capacity::{MAX_PODS, PER_POD, RESOURCES};
use crate::domain::capacity_plan::{
    Assessment, CapacityJob, Limit, Limits, Origin, Outlook, assess, assess_against, measured_pods,
    pod_limit, resolve_limits, tightest,
};
use crate::domain::cluster::PodInfo;
use crate::domain::forecast::Settings;

/// The resource closest to its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom<'a> {
    /// e.g. `memory`.
    pub resource: &'static str,
    /// Set when one pod is closer to its own limit than the total is.
    pub pod: Option<&'a str>,
    /// Current use as a share of the limit (0.83 is 83 %).
    pub used: f64,
    /// When the median forecast crosses the limit, if it does in the horizon.
    pub time_to_limit: Option<Duration>,
}

/// One watched pod's row of a resource in `PER_POD`.
#[derive(Debug, Clone, PartialEq)]
pub struct PodRow {
    /// Index in `RESOURCES`.
    pub resource: usize,
    pub pod: String,
    /// Index in `CapacityState::pods`, when Prometheus has the pod's history.
    pub outlook: Option<usize>,
    /// The pod's own limit (else request).
    pub limit: Option<Limit>,
    pub assessment: Option<Assessment>,
    pub why: WhyText,
}

/// A row of the capacity table, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityRow {
    /// Index in `RESOURCES`.
    Total(usize),
    /// Index in `CapacityState::pod_rows`.
    Pod(usize),
}

/// An outlook's shortcomings, worded once per round for the screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhyText {
    /// Why there is no forecast: briefly for its row (how much more history
    /// is needed, when that is the reason), then in full.
    pub no_forecast: Option<(String, String)>,
    pub seasonal: Option<String>,
}

impl WhyText {
    fn of(outlook: &Outlook) -> WhyText {
        match &outlook.result {
            Err(why) => {
                let brief = why.need_more_ms.map_or_else(
                    || why.reason.clone(),
                    |ms| format!("need {} more history", crate::domain::forecast::human(ms)),
                );
                WhyText {
                    no_forecast: Some((brief, why.to_string())),
                    seasonal: None,
                }
            }
            Ok(m) => WhyText {
                no_forecast: None,
                seasonal: m.seasonal.as_ref().err().map(|why| format!("ETS/MSTL: {why}")),
            },
        }
    }

    /// No history at all, for the reason given.
    fn missing(why: &str) -> WhyText {
        WhyText {
            no_forecast: Some(("no data".to_string(), format!("no data: {why}"))),
            seasonal: None,
        }
    }
}

/// The local store's grid: its history older than an hour is kept a point
/// a minute, so a finer step would only interpolate.
const LOCAL_STEP_MS: i64 = 60_000;

#[derive(Debug)]
pub struct CapacityState {
    pub settings: CapacitySection,
    /// Per resource in `RESOURCES` order; empty until the first round.
    pub outlooks: Vec<Outlook>,
    /// Per pod, for the resources in `PER_POD` (Prometheus only).
    pub pods: Vec<Outlook>,
    /// The watched pods' rows under their resource's, with the Prometheus
    /// outlook matched by name; derived like `assessments`.
    pub pod_rows: Vec<PodRow>,
    pub origin: Option<Origin>,
    pub updated_at_ms: Option<i64>,
    /// Derived from `outlooks` and the limits whenever either changes.
    pub assessments: Vec<Option<Assessment>>,
    pub limits: Limits,
    pub selected: usize,
    /// Why the source fails, worded for the banner.
    pub problem: Option<String>,
    /// Where the history comes from, for the screen.
    pub source_text: String,
    /// Per outlook, in words: why it has no forecast, or why the seasonal
    /// model did not run.
    pub why_text: Vec<WhyText>,
    /// A local forecast is running.
    pending: bool,
    next_due_ms: Option<i64>,
}

impl CapacityState {
    pub fn new(settings: CapacitySection) -> CapacityState {
        let limits = resolve_limits(None, &settings.deployment, settings.limits().map(|l| l.1));
        CapacityState {
            settings,
            outlooks: Vec::new(),
            pods: Vec::new(),
            pod_rows: Vec::new(),
            origin: None,
            updated_at_ms: None,
            assessments: Vec::new(),
            limits,
            selected: 0,
            problem: None,
            source_text: "waiting for the first forecast".to_string(),
            why_text: Vec::new(),
            pending: false,
            next_due_ms: None,
        }
    }

    pub fn horizon(&self) -> Duration {
        Duration::from_millis(self.settings.horizon_ms() as u64)
    }

    /// A row's newest value and its share of the limit: known from the
    /// first samples, before there is history enough to forecast.
    pub fn current_use(&self, row: CapacityRow) -> (Option<f64>, Option<f64>) {
        let (outlook, limit) = match row {
            CapacityRow::Total(i) => (
                self.outlooks.get(i),
                self.limits.per_resource.get(i).and_then(Option::as_ref),
            ),
            CapacityRow::Pod(p) => {
                let pod = &self.pod_rows[p];
                (pod.outlook.and_then(|o| self.pods.get(o)), pod.limit.as_ref())
            }
        };
        let current = outlook.and_then(|o| o.current);
        let used = current.zip(limit).map(|(value, limit)| value / limit.value);
        (current, used)
    }

    /// Every row in table order: each resource, its pods' rows under it.
    pub fn rows(&self) -> Vec<CapacityRow> {
        let mut rows = Vec::with_capacity(RESOURCES.len() + self.pod_rows.len());
        for i in 0..RESOURCES.len() {
            rows.push(CapacityRow::Total(i));
            let pods = self.pod_rows.iter().enumerate().filter(|(_, p)| p.resource == i);
            rows.extend(pods.map(|(p, _)| CapacityRow::Pod(p)));
        }
        rows
    }

    /// The watched pods' rows, from the cluster's pods and the per-pod
    /// outlooks; none without both (the local store has no pods).
    fn derive_pod_rows(&self, pods: Option<&[PodInfo]>) -> Vec<PodRow> {
        let prometheus = matches!(self.origin, Some(Origin::Prometheus { .. }));
        let (Some(pods), true) = (pods, prometheus && !self.settings.pod_label.is_empty()) else {
            return Vec::new();
        };
        let mut measured = measured_pods(pods, &self.settings.deployment);
        measured.sort_by(|a, b| a.name.cmp(&b.name));
        let mut rows = Vec::new();
        for resource in PER_POD {
            let name = RESOURCES[resource].name;
            for pod in measured.iter().take(MAX_PODS) {
                let outlook = self
                    .pods
                    .iter()
                    .position(|o| o.resource == name && o.pod.as_deref() == Some(pod.name.as_str()));
                let limit = pod_limit(pod, resource);
                let modelled = outlook.and_then(|o| self.pods[o].result.as_ref().ok());
                let why = match outlook {
                    Some(o) => WhyText::of(&self.pods[o]),
                    None => WhyText::missing(&format!(
                        "Prometheus has no {} series with {}=\"{}\" up to now",
                        RESOURCES[resource].metric, self.settings.pod_label, pod.name
                    )),
                };
                rows.push(PodRow {
                    resource,
                    pod: pod.name.clone(),
                    outlook,
                    assessment: modelled.map(|m| assess_against(m, limit.clone())),
                    limit,
                    why,
                });
            }
        }
        rows
    }
}

impl Default for CapacityState {
    fn default() -> Self {
        CapacityState::new(CapacitySection::default())
    }
}

/// Where the histories came from and how much there was.
fn describe(origin: &Origin, outlooks: &[Outlook], at_ms: i64) -> String {
    use crate::domain::forecast::human;
    let longest = outlooks
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .max_by_key(|m| m.history_span_ms);
    let held = longest.map_or("no history yet".to_string(), |m| {
        format!(
            "{} of history at {} steps",
            human(m.history_span_ms),
            human(m.step_ms)
        )
    });
    let when = super::format_clock(at_ms);
    match origin {
        Origin::Prometheus { url, lookback_ms } => format!(
            "Prometheus {url}: range queries over {}, {held}; forecast at {when}",
            human(*lookback_ms)
        ),
        Origin::Local => {
            format!("the console's own scrapes of the agent (no Prometheus): {held}; forecast at {when}")
        }
    }
}

impl App {
    pub(super) fn on_capacity(&mut self, outlooks: Vec<Outlook>, origin: Origin, at_ms: i64) {
        if matches!(origin, Origin::Prometheus { .. }) {
            self.touch(SourceId::Capacity, at_ms);
        }
        let capacity = &mut self.capacity;
        let (pods, totals): (Vec<Outlook>, Vec<Outlook>) =
            outlooks.into_iter().partition(|o| o.pod.is_some());
        capacity.why_text = totals.iter().map(WhyText::of).collect();
        capacity.source_text = describe(&origin, &totals, at_ms);
        capacity.outlooks = totals;
        capacity.pods = pods;
        capacity.origin = Some(origin);
        capacity.updated_at_ms = Some(at_ms);
        capacity.pending = false;
        capacity.problem = None;
        self.reassess_capacity();
    }

    /// The limits from the latest cluster snapshot (or config), and every
    /// resource assessed against them.
    pub(super) fn reassess_capacity(&mut self) {
        let pods = self
            .cluster
            .as_ref()
            .and_then(|c| c.snapshot.as_ref())
            .map(|s| s.pods.as_slice());
        let settings = &self.capacity.settings;
        let limits = resolve_limits(pods, &settings.deployment, settings.limits().map(|l| l.1));
        let cost = settings.cost_model();
        self.capacity.assessments = self
            .capacity
            .outlooks
            .iter()
            .enumerate()
            .map(|(i, o)| o.result.as_ref().ok().map(|m| assess(i, m, &limits, &cost)))
            .collect();
        self.capacity.limits = limits;
        self.capacity.pod_rows = self.capacity.derive_pod_rows(pods);
    }

    /// Words the banner while Prometheus fails; the last forecasts stay.
    pub(super) fn refresh_capacity_problem(&mut self, source: SourceId) {
        if source != SourceId::Capacity {
            return;
        }
        let shown = if self.capacity.updated_at_ms.is_some() {
            "last forecasts shown"
        } else {
            "no forecast yet"
        };
        self.capacity.problem = self.sources[&source].problem("Prometheus (capacity)", shown);
    }

    /// Without Prometheus, at a scrape (the store has just grown): its
    /// histories to forecast, once the interval has passed since the last
    /// round and none is running.
    pub(super) fn capacity_due(&mut self) -> Option<Command> {
        let SloSource::Local { store, every, .. } = &self.slos.source else {
            return None;
        };
        let capacity = &mut self.capacity;
        if capacity.pending || capacity.next_due_ms.is_some_and(|due| self.now_ms < due) {
            return None;
        }
        capacity.pending = true;
        capacity.next_due_ms = Some(self.now_ms + capacity.settings.interval_ms as i64);
        let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        let settings = Settings {
            horizon_ms: capacity.settings.horizon_ms(),
            step_ms: Some(LOCAL_STEP_MS.max(every_ms)),
            ..Settings::default()
        };
        Some(Command::ForecastCapacity(Box::new(CapacityJob {
            histories: RESOURCES.iter().map(|r| (r.kind, r.from_store(store))).collect(),
            // The console scrapes the agent's service: one pod at a time.
            pods: Vec::new(),
            settings,
            origin: Origin::Local,
        })))
    }

    pub(super) fn on_capacity_key(&mut self, key: KeyEvent) {
        let last = self.capacity.rows().len() - 1;
        let selected = &mut self.capacity.selected;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => *selected = (*selected + 1).min(last),
            KeyCode::Char('k') | KeyCode::Up => *selected = selected.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => *selected = 0,
            KeyCode::Char('G') | KeyCode::End => *selected = last,
            _ => self.dirty = false,
        }
    }

    /// The resource (or one pod's) with the least headroom; `None` until
    /// one is known. Soonest to reach its limit first, else the most used.
    pub fn tightest_headroom(&self) -> Option<Headroom<'_>> {
        let c = &self.capacity;
        let rows: Vec<(CapacityRow, Option<&Assessment>)> = c
            .rows()
            .into_iter()
            .map(|row| {
                let assessment = match row {
                    CapacityRow::Total(i) => c.assessments.get(i).and_then(Option::as_ref),
                    CapacityRow::Pod(p) => c.pod_rows[p].assessment.as_ref(),
                };
                (row, assessment)
            })
            .collect();
        let at_ms = c.updated_at_ms?;
        let assessments: Vec<Option<&Assessment>> = rows.iter().map(|r| r.1).collect();
        let i = tightest(&assessments, at_ms)?;
        let a = assessments[i]?;
        let (resource, pod) = match rows[i].0 {
            CapacityRow::Total(i) => (i, None),
            CapacityRow::Pod(p) => (c.pod_rows[p].resource, Some(c.pod_rows[p].pod.as_str())),
        };
        Some(Headroom {
            resource: RESOURCES[resource].name,
            pod,
            used: a.used?,
            time_to_limit: a
                .until_limit(self.now_ms)
                .map(|ms| Duration::from_millis(ms as u64)),
        })
    }
}
