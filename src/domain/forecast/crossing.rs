//! When a forecast reaches a limit: the median (point forecast) and the
//! band around it (the upper bound reaches it first, the lower bound last).
//! Resolution is one step of the forecast. Limits are upper limits: a
//! resource runs out by growing into them.

use super::{Level, Prediction};

/// When a series reaches the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    /// It is at or over the limit already.
    Now,
    /// At this time, Unix ms.
    At(i64),
    /// Not within the forecast horizon.
    NotWithin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeToLimit {
    pub level: Level,
    /// When the point forecast reaches the limit.
    pub median: Crossing,
    /// When the band's upper bound does: the earliest plausible time.
    pub earliest: Crossing,
    /// When the band's lower bound does: by then it has almost surely happened.
    pub latest: Crossing,
}

/// `current` is the last observed value.
pub fn time_to_limit(prediction: &Prediction, current: f64, limit: f64, level: Level) -> TimeToLimit {
    let band = prediction.band(level);
    let first = |values: &[f64]| {
        if current >= limit {
            return Crossing::Now;
        }
        values
            .iter()
            .position(|v| *v >= limit)
            .map_or(Crossing::NotWithin, |i| Crossing::At(prediction.time_of(i)))
    };
    TimeToLimit {
        level,
        median: first(&prediction.point),
        earliest: first(&band.upper),
        latest: first(&band.lower),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Band, Model};
    use super::*;

    fn prediction() -> Prediction {
        let point: Vec<f64> = (0..10).map(f64::from).collect();
        let band = |d: f64| Band {
            lower: point.iter().map(|p| p - d).collect(),
            upper: point.iter().map(|p| p + d).collect(),
        };
        Prediction {
            model: Model::Linear,
            start_ms: 1_000,
            step_ms: 100,
            bands: [band(1.0), band(2.0)],
            point,
        }
    }

    #[test]
    fn median_and_band_of_the_crossing() {
        let p = prediction();
        let t = time_to_limit(&p, 0.0, 5.0, Level::P80);
        assert_eq!(
            (t.earliest, t.median, t.latest),
            (Crossing::At(1_400), Crossing::At(1_500), Crossing::At(1_600))
        );
        let t = time_to_limit(&p, 0.0, 8.5, Level::P95);
        assert_eq!(
            (t.earliest, t.median, t.latest),
            (Crossing::At(1_700), Crossing::At(1_900), Crossing::NotWithin)
        );
        let t = time_to_limit(&p, 9.0, 5.0, Level::P80);
        assert_eq!(t.median, Crossing::Now);
    }
}
