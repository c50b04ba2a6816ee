//! Capacity forecasting over plain `(timestamp, value)` series: "when do we
//! run out?" answered with a range, and with how far to trust it.
//!
//! ```text
//! samples --prepare--> regular history --+--> linear (least squares, as predict_linear)
//!  (gauge, or counter -> rate)           +--> seasonal (augurs MSTL + AutoETS)
//!                                        each: forecast over the horizon with 80% / 95% bands,
//!                                              backtest on the held-out last part (MAPE, coverage)
//! time_to_limit(prediction) -> median / earliest / latest crossing
//! replicas::recommend(rps) -> replicas from the per-request cost model
//! step::range_step(span) -> Prometheus range-query step within 11,000 points
//! ```
//!
//! Pure: no clock (times come with the samples), no I/O. Bad input is an
//! error or a note, never a panic.

mod accuracy;
mod crossing;
mod linear;
mod prepare;
pub mod replicas;
mod seasonal;
pub mod step;

pub use crossing::{Crossing, TimeToLimit, time_to_limit};
pub use linear::MIN_POINTS as MIN_LINEAR_POINTS;
pub use prepare::{History, MAX_GRID_POINTS, Preparation};

/// One sample: Unix ms and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub ts_ms: i64,
    pub value: f64,
}

/// How to read the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A level (memory, clients): forecast as it is.
    Gauge,
    /// An ever-growing count (requests): forecast as a per-second rate.
    Counter,
}

/// The two prediction-interval levels every forecast carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Level {
    P80,
    P95,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::P80, Level::P95];

    /// The nominal coverage, 0 to 1.
    pub fn share(self) -> f64 {
        match self {
            Level::P80 => 0.80,
            Level::P95 => 0.95,
        }
    }

    /// Two-sided standard normal quantile of the level.
    fn z(self) -> f64 {
        match self {
            Level::P80 => 1.281_551_565_544_600_4,
            Level::P95 => 1.959_963_984_540_054,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Bounds of a prediction interval, one per forecast point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Band {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Model {
    /// Daily pattern (MSTL) plus exponential smoothing of the rest (AutoETS).
    Seasonal,
    /// Least-squares line, as Prometheus' `predict_linear`.
    Linear,
}

/// A forecast: `point[i]` at `start_ms + i * step_ms`, with its bands in
/// [`Level::ALL`] order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    pub model: Model,
    pub start_ms: i64,
    pub step_ms: i64,
    pub point: Vec<f64>,
    pub bands: [Band; 2],
}

impl Prediction {
    pub fn band(&self, level: Level) -> &Band {
        &self.bands[level.index()]
    }

    /// Time of the `i`th point, Unix ms.
    pub fn time_of(&self, i: usize) -> i64 {
        self.start_ms
            .saturating_add((i as i64).saturating_mul(self.step_ms))
    }
}

/// A model's forecast of history it was not shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Accuracy {
    /// Points held out.
    pub held_out: usize,
    /// Mean absolute percentage error, percent; `None` when every held-out
    /// value is zero.
    pub mape: Option<f64>,
    /// Share of held-out values inside each band, in [`Level::ALL`] order.
    pub coverage: [f64; 2],
}

/// Why a model (or its backtest) did not run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unavailable {
    pub reason: String,
    /// More history needed, when that is the reason.
    pub need_more_ms: Option<i64>,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.need_more_ms {
            Some(ms) => write!(f, "{}: need {} more", self.reason, human(ms)),
            None => f.write_str(&self.reason),
        }
    }
}

/// One model's forecast and backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRun {
    pub prediction: Prediction,
    pub backtest: Result<Accuracy, Unavailable>,
}

/// What to forecast and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub horizon_ms: i64,
    /// Length of the seasonal pattern.
    pub season_ms: i64,
    /// Grid step; `None`: the median spacing of the samples.
    pub step_ms: Option<i64>,
    /// Holes up to this long are interpolated; at a longer one the older
    /// history is dropped.
    pub max_gap_ms: i64,
    /// Share of the history held out for the backtest, above 0 and at most 0.5.
    pub holdout: f64,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            horizon_ms: 7 * DAY_MS,
            season_ms: DAY_MS,
            step_ms: None,
            max_gap_ms: HOUR_MS,
            holdout: 0.2,
        }
    }
}

/// Largest magnitude forecast: least squares sums squares, which must stay finite.
pub const MAX_MAGNITUDE: f64 = 1e150;

/// Most forecast points: a bound on work and memory for odd settings.
pub const MAX_HORIZON_POINTS: i64 = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub enum ForecastError {
    /// No finite sample (for a counter: no two samples to take a rate from).
    NoData,
    /// Not even the linear model can run.
    TooShort(Unavailable),
    /// Settings or input that cannot be used, in words.
    Invalid(String),
}

impl std::fmt::Display for ForecastError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ForecastError::NoData => f.write_str("no data"),
            ForecastError::TooShort(u) => u.fmt(f),
            ForecastError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ForecastError {}

/// Both models' forecasts over the horizon, and their backtests.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The regular history the models saw.
    pub history: History,
    pub preparation: Preparation,
    /// Every value equal: both forecasts are that value with no spread.
    pub constant: bool,
    /// Slope of the least-squares line per second (as `deriv()`).
    pub trend_per_s: f64,
    pub linear: ModelRun,
    pub seasonal: Result<ModelRun, Unavailable>,
}

impl Forecast {
    /// The last observed value.
    pub fn current(&self) -> f64 {
        self.history.values.last().copied().unwrap_or(0.0)
    }

    /// When `model`'s forecast reaches `limit` (`None` if that model did not run).
    pub fn time_to_limit(&self, model: Model, limit: f64, level: Level) -> Option<TimeToLimit> {
        let run = match model {
            Model::Linear => Some(&self.linear),
            Model::Seasonal => self.seasonal.as_ref().ok(),
        }?;
        Some(time_to_limit(&run.prediction, self.current(), limit, level))
    }
}

/// The newest value as the models would read it (a counter's latest rate),
/// known even when the history is too short to forecast.
pub fn latest(samples: &[Sample], kind: Kind, max_gap_ms: i64) -> Option<f64> {
    let cleaned = prepare::clean(samples, kind, max_gap_ms, &mut Preparation::default());
    cleaned.last().map(|s| s.value)
}

/// Forecasts `samples` (see the module doc).
pub fn forecast(samples: &[Sample], kind: Kind, settings: &Settings) -> Result<Forecast, ForecastError> {
    check(settings)?;
    let mut preparation = Preparation::default();
    let cleaned = prepare::clean(samples, kind, settings.max_gap_ms, &mut preparation);
    if cleaned.is_empty() {
        return Err(ForecastError::NoData);
    }
    if cleaned.iter().any(|s| s.value.abs() > MAX_MAGNITUDE) {
        return Err(ForecastError::Invalid(format!(
            "values beyond ±{MAX_MAGNITUDE:e} cannot be forecast (their squares overflow)"
        )));
    }
    let step_ms = match settings.step_ms {
        Some(step) => step,
        None => prepare::median_spacing(&cleaned).ok_or_else(|| too_short(cleaned.len(), 0))?,
    };
    let history = prepare::regularise(&cleaned, step_ms, settings.max_gap_ms, &mut preparation)
        .map_err(ForecastError::Invalid)?
        .ok_or(ForecastError::NoData)?;
    let values = &history.values;
    let line = linear::fit(values).ok_or_else(|| too_short(values.len(), step_ms))?;
    let horizon = settings.horizon_ms.saturating_add(step_ms - 1) / step_ms;
    if horizon > MAX_HORIZON_POINTS {
        return Err(ForecastError::Invalid(format!(
            "the horizon is {horizon} steps of {}; at most {MAX_HORIZON_POINTS}: use a coarser step",
            human(step_ms)
        )));
    }
    let horizon = horizon as usize;
    let constant = values.windows(2).all(|w| w[0] == w[1]);
    let start_ms = history.end_ms().saturating_add(step_ms);
    let period = usize::try_from((settings.season_ms as f64 / step_ms as f64).round() as i64).unwrap_or(0);
    let run = |model| {
        let prediction =
            predict(model, values, period, horizon, step_ms, constant).map(|(point, bands)| Prediction {
                model,
                start_ms,
                step_ms,
                point,
                bands,
            })?;
        let backtest = backtest(model, values, period, settings.holdout, step_ms, constant);
        Ok::<_, Unavailable>(ModelRun { prediction, backtest })
    };
    let linear = run(Model::Linear).map_err(ForecastError::TooShort)?;
    let seasonal = run(Model::Seasonal);
    Ok(Forecast {
        trend_per_s: line.slope * 1000.0 / step_ms as f64,
        history,
        preparation,
        constant,
        linear,
        seasonal,
    })
}

fn check(settings: &Settings) -> Result<(), ForecastError> {
    let invalid = |why: &str| Err(ForecastError::Invalid(why.to_string()));
    if settings.step_ms.is_some_and(|s| s <= 0) {
        return invalid("the step must be above 0");
    }
    if settings.horizon_ms <= 0 || settings.season_ms <= 0 || settings.max_gap_ms < 0 {
        return invalid("the horizon and the season must be above 0, the longest gap 0 or more");
    }
    if !(settings.holdout > 0.0 && settings.holdout <= 0.5) {
        return invalid("the held-out share must be above 0 and at most 0.5");
    }
    Ok(())
}

/// Fewest points `model` needs (with the season `period`).
fn min_points(model: Model, period: usize) -> usize {
    match model {
        Model::Linear => linear::MIN_POINTS,
        Model::Seasonal => (seasonal::MIN_SEASONS * period).max(linear::MIN_POINTS),
    }
}

fn too_short(have: usize, step_ms: i64) -> ForecastError {
    ForecastError::TooShort(Unavailable {
        reason: format!(
            "history too short: {have} of the {} points the linear model needs",
            linear::MIN_POINTS
        ),
        need_more_ms: (step_ms > 0).then(|| (linear::MIN_POINTS.saturating_sub(have)) as i64 * step_ms),
    })
}

fn predict(
    model: Model,
    values: &[f64],
    period: usize,
    horizon: usize,
    step_ms: i64,
    constant: bool,
) -> Result<(Vec<f64>, [Band; 2]), Unavailable> {
    if model == Model::Seasonal && period < 2 {
        return Err(Unavailable {
            reason: format!("the step ({}) is too coarse for the season", human(step_ms)),
            need_more_ms: None,
        });
    }
    let need = min_points(model, period);
    if values.len() < need {
        return Err(Unavailable {
            reason: format!("history too short for the {} model", name(model)),
            need_more_ms: Some((need - values.len()) as i64 * step_ms),
        });
    }
    if constant {
        let flat = vec![values[0]; horizon];
        let band = Band {
            lower: flat.clone(),
            upper: flat.clone(),
        };
        return Ok((flat, [band.clone(), band]));
    }
    match model {
        Model::Linear => linear::fit(values)
            .map(|line| line.predict(horizon))
            .ok_or_else(|| Unavailable {
                reason: "history too short for the linear model".to_string(),
                need_more_ms: Some((linear::MIN_POINTS - values.len()) as i64 * step_ms),
            }),
        Model::Seasonal => seasonal::predict(values, period, horizon).map_err(|e| Unavailable {
            reason: format!("the seasonal model failed: {e}"),
            need_more_ms: None,
        }),
    }
}

/// Fits on all but the last `holdout` share and scores the forecast of it.
fn backtest(
    model: Model,
    values: &[f64],
    period: usize,
    holdout: f64,
    step_ms: i64,
    constant: bool,
) -> Result<Accuracy, Unavailable> {
    let need = min_points(model, period);
    let total_needed = (need as f64 / (1.0 - holdout)).ceil() as usize;
    if values.len() < total_needed {
        return Err(Unavailable {
            reason: format!("history too short to backtest the {} model", name(model)),
            need_more_ms: Some((total_needed - values.len()) as i64 * step_ms),
        });
    }
    let held_out = ((values.len() as f64 * holdout).round() as usize).max(1);
    let (train, test) = values.split_at(values.len() - held_out);
    let (point, bands) = predict(model, train, period, held_out, step_ms, constant)?;
    Ok(Accuracy {
        held_out,
        mape: accuracy::mape(test, &point),
        coverage: [
            accuracy::coverage(test, &bands[0]),
            accuracy::coverage(test, &bands[1]),
        ],
    })
}

fn name(model: Model) -> &'static str {
    match model {
        Model::Seasonal => "seasonal",
        Model::Linear => "linear",
    }
}

/// Milliseconds for people: `2d 4h`, `35m`, `12s`.
pub fn human(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests;
