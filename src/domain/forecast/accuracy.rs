//! How well a model forecast held-out history: MAPE, and how much of it
//! fell inside each band (near the nominal 80% and 95% when the bands are
//! honest). Pure.

use super::Band;

/// Mean absolute percentage error, in percent, over the actual values that
/// are not zero (a percentage of zero means nothing); `None` when all are.
pub fn mape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let errors: Vec<f64> = actual
        .iter()
        .zip(forecast)
        .filter(|(a, _)| a.abs() > 1e-12)
        .map(|(a, f)| ((a - f) / a).abs())
        .collect();
    (!errors.is_empty()).then(|| 100.0 * errors.iter().sum::<f64>() / errors.len() as f64)
}

/// Share of `actual` within `band` (bounds included); 0 for no values.
pub fn coverage(actual: &[f64], band: &Band) -> f64 {
    if actual.is_empty() {
        return 0.0;
    }
    let inside = actual
        .iter()
        .zip(band.lower.iter().zip(&band.upper))
        .filter(|(a, (lo, hi))| (*lo..=*hi).contains(a))
        .count();
    inside as f64 / actual.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mape_skips_zero_actuals() {
        assert_eq!(mape(&[100.0, 200.0], &[110.0, 180.0]), Some(10.0));
        assert_eq!(mape(&[0.0, 50.0], &[5.0, 55.0]), Some(10.0));
        assert_eq!(mape(&[0.0], &[1.0]), None);
    }

    #[test]
    fn coverage_counts_values_inside_the_band() {
        let band = Band {
            lower: vec![0.0, 0.0, 0.0, 0.0],
            upper: vec![1.0, 1.0, 1.0, 1.0],
        };
        assert_eq!(coverage(&[0.5, 1.0, 1.5, -0.1], &band), 0.5);
        assert_eq!(coverage(&[], &band), 0.0);
    }
}
