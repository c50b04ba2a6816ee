//! The seasonal model: MSTL (augurs) splits off the daily pattern, AutoETS
//! (augurs) forecasts what is left (trend plus noise) with its prediction
//! intervals, and the pattern is added back on top.

use augurs_core::{Fit as _, Predict as _};
use augurs_ets::AutoETS;
use augurs_mstl::MSTLModel;

use super::{Band, Level};

/// Full seasons of history the decomposition needs.
pub const MIN_SEASONS: usize = 2;

/// Forecasts `horizon` values after `values`, whose season is `period`
/// points long. The error is the library's, in words.
pub fn predict(values: &[f64], period: usize, horizon: usize) -> Result<(Vec<f64>, [Band; 2]), String> {
    let model = MSTLModel::new(vec![period], AutoETS::non_seasonal().into_trend_model());
    let fitted = model.fit(values).map_err(|e| e.to_string())?;
    let mut point = Vec::new();
    let mut bands = Vec::with_capacity(2);
    for level in Level::ALL {
        let forecast = fitted
            .predict(horizon, level.share())
            .map_err(|e| e.to_string())?;
        let intervals = forecast
            .intervals
            .ok_or_else(|| "the model gave no prediction intervals".to_string())?;
        point = forecast.point;
        bands.push(Band {
            lower: intervals.lower,
            upper: intervals.upper,
        });
    }
    let all_finite = point
        .iter()
        .chain(bands.iter().flat_map(|b| b.lower.iter().chain(&b.upper)))
        .all(|v| v.is_finite());
    if !all_finite || point.len() != horizon {
        return Err("the model gave non-finite or missing values".to_string());
    }
    let [p80, p95]: [Band; 2] = bands
        .try_into()
        .map_err(|_| "the model gave no prediction intervals".to_string())?;
    Ok((point, [p80, p95]))
}
