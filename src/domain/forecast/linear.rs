//! A straight line by least squares, as Prometheus' `predict_linear()`
//! draws it, with the classic prediction interval of a regression around
//! it (which `predict_linear` lacks): the residual spread, widened by how
//! far from the fitted data the prediction lies.

use super::{Band, Level};

/// Fewest points a line is fitted to.
pub const MIN_POINTS: usize = 10;

/// A fitted line over x = 0, 1, 2, ... (grid indexes).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub intercept: f64,
    /// Per grid step.
    pub slope: f64,
    residual_sd: f64,
    n: usize,
    x_mean: f64,
    sxx: f64,
}

/// Fits `values`; `None` with fewer than [`MIN_POINTS`].
pub fn fit(values: &[f64]) -> Option<Line> {
    let n = values.len();
    if n < MIN_POINTS {
        return None;
    }
    let nf = n as f64;
    let x_mean = (nf - 1.0) / 2.0;
    let y_mean = values.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - x_mean;
        sxy += dx * (y - y_mean);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    let intercept = y_mean - slope * x_mean;
    let sse: f64 = values
        .iter()
        .enumerate()
        .map(|(i, y)| (y - (intercept + slope * i as f64)).powi(2))
        .sum();
    Some(Line {
        intercept,
        slope,
        residual_sd: (sse / (nf - 2.0)).sqrt(),
        n,
        x_mean,
        sxx,
    })
}

impl Line {
    /// The `horizon` values after the fitted ones, with their bands.
    pub fn predict(&self, horizon: usize) -> (Vec<f64>, [Band; 2]) {
        let xs = (self.n..self.n + horizon).map(|i| i as f64);
        let point: Vec<f64> = xs.clone().map(|x| self.intercept + self.slope * x).collect();
        let spread: Vec<f64> = xs
            .map(|x| {
                let leverage = 1.0 + 1.0 / self.n as f64 + (x - self.x_mean).powi(2) / self.sxx;
                self.residual_sd * leverage.sqrt()
            })
            .collect();
        let band = |level: Level| Band {
            lower: point
                .iter()
                .zip(&spread)
                .map(|(p, s)| p - level.z() * s)
                .collect(),
            upper: point
                .iter()
                .zip(&spread)
                .map(|(p, s)| p + level.z() * s)
                .collect(),
        };
        let bands = [band(Level::P80), band(Level::P95)];
        (point, bands)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_line_is_recovered_with_no_spread() {
        let values: Vec<f64> = (0..20).map(|i| 3.0 + 0.5 * i as f64).collect();
        let line = fit(&values).unwrap();
        assert!((line.slope - 0.5).abs() < 1e-12 && (line.intercept - 3.0).abs() < 1e-12);
        let (point, bands) = line.predict(2);
        assert!((point[0] - 13.0).abs() < 1e-9 && (point[1] - 13.5).abs() < 1e-9);
        assert!((bands[1].upper[1] - bands[1].lower[1]).abs() < 1e-9);
        assert!(fit(&values[..9]).is_none());
    }

    #[test]
    fn bands_widen_with_distance_and_level() {
        let values: Vec<f64> = (0..50)
            .map(|i| i as f64 + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let (_, bands) = fit(&values).unwrap().predict(100);
        let width = |b: &Band, i: usize| b.upper[i] - b.lower[i];
        assert!(width(&bands[0], 99) > width(&bands[0], 0));
        assert!(width(&bands[1], 0) > width(&bands[0], 0));
        // Residuals are ±1: the 95% half-width near the data is about 1.96.
        assert!(
            (width(&bands[1], 0) / 2.0 - 1.96 * 1.02).abs() < 0.15,
            "{}",
            width(&bands[1], 0)
        );
    }
}
