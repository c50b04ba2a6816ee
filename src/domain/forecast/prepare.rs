//! From raw samples to what the models need: a regular grid with no holes.
//!
//! - non-finite values are dropped and counted;
//! - samples are ordered; several at one instant keep the last;
//! - a counter becomes a per-second rate, a drop being a reset (the value
//!   after it is the increase since the reset, as Prometheus' `rate()`
//!   takes it); no rate is made across a gap longer than `max_gap_ms`;
//! - samples are averaged into buckets of `step_ms`;
//! - holes up to `max_gap_ms` are filled by linear interpolation; at a
//!   longer hole the older history is dropped, since what comes before an
//!   outage says little about what comes after it.

use super::{Kind, Sample};

/// A regular series: `values[i]` is at `start_ms + i * step_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub start_ms: i64,
    pub step_ms: i64,
    pub values: Vec<f64>,
}

impl History {
    /// Time of the last value.
    pub fn end_ms(&self) -> i64 {
        let steps = (self.values.len() as i64 - 1).max(0);
        self.start_ms.saturating_add(steps.saturating_mul(self.step_ms))
    }

    /// Time covered, first to last value.
    pub fn span_ms(&self) -> i64 {
        self.end_ms() - self.start_ms
    }
}

/// What preparing the samples did, for the operator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preparation {
    pub dropped_non_finite: usize,
    pub counter_resets: usize,
    /// Grid points filled by interpolation.
    pub filled_points: usize,
    /// When history was cut at a long gap: the first time kept and the gap.
    pub cut_at_gap: Option<(i64, i64)>,
}

/// Orders and cleans the samples, turning a counter into a rate.
pub fn clean(samples: &[Sample], kind: Kind, max_gap_ms: i64, report: &mut Preparation) -> Vec<Sample> {
    let mut finite: Vec<Sample> = samples.iter().copied().filter(|s| s.value.is_finite()).collect();
    report.dropped_non_finite = samples.len() - finite.len();
    finite.sort_by_key(|s| s.ts_ms);
    let mut ordered: Vec<Sample> = Vec::with_capacity(finite.len());
    for sample in finite {
        match ordered.last_mut() {
            Some(last) if last.ts_ms == sample.ts_ms => *last = sample,
            _ => ordered.push(sample),
        }
    }
    match kind {
        Kind::Gauge => ordered,
        Kind::Counter => rates(&ordered, max_gap_ms, report),
    }
}

fn rates(counter: &[Sample], max_gap_ms: i64, report: &mut Preparation) -> Vec<Sample> {
    let mut out = Vec::with_capacity(counter.len().saturating_sub(1));
    for pair in counter.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let dt_ms = after.ts_ms.saturating_sub(before.ts_ms);
        let increase = if after.value >= before.value {
            after.value - before.value
        } else {
            report.counter_resets += 1;
            after.value.max(0.0)
        };
        if dt_ms <= max_gap_ms {
            out.push(Sample {
                ts_ms: after.ts_ms,
                value: increase * 1000.0 / dt_ms as f64,
            });
        }
    }
    out
}

/// The median spacing of ordered samples (at least 1 ms); `None` for fewer
/// than two.
pub fn median_spacing(samples: &[Sample]) -> Option<i64> {
    let mut gaps: Vec<i64> = samples
        .windows(2)
        .map(|p| p[1].ts_ms.saturating_sub(p[0].ts_ms))
        .collect();
    if gaps.is_empty() {
        return None;
    }
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable(mid);
    Some((*median).max(1))
}

/// Most grid points a series may span: far more than any useful history
/// (a year at one-minute steps), and a bound on memory for odd input.
pub const MAX_GRID_POINTS: usize = 600_000;

/// Puts ordered samples on a grid of `step_ms` (see the module doc).
/// `Ok(None)` without samples; an error when the grid would be too large.
pub fn regularise(
    samples: &[Sample],
    step_ms: i64,
    max_gap_ms: i64,
    report: &mut Preparation,
) -> Result<Option<History>, String> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Ok(None);
    };
    let first = first.ts_ms;
    let index = |ts: i64| (ts.saturating_sub(first) as f64 / step_ms as f64).round() as usize;
    let len = index(last.ts_ms).saturating_add(1);
    if len > MAX_GRID_POINTS {
        return Err(format!(
            "{len} points at a step of {step_ms} ms is more than {MAX_GRID_POINTS}; use a coarser step"
        ));
    }
    let mut sums = vec![(0.0, 0_u32); len];
    for sample in samples {
        let slot = &mut sums[index(sample.ts_ms)];
        slot.0 += sample.value;
        slot.1 += 1;
    }
    let mut values: Vec<Option<f64>> = sums
        .into_iter()
        .map(|(sum, n)| (n > 0).then(|| sum / f64::from(n)))
        .collect();
    let max_hole = usize::try_from(max_gap_ms / step_ms).unwrap_or(0);
    let mut start = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i].is_some() {
            i += 1;
            continue;
        }
        let hole_start = i;
        while values[i].is_none() {
            i += 1;
        }
        let hole = i - hole_start;
        if hole > max_hole {
            start = i;
            report.cut_at_gap = Some((
                first.saturating_add((i as i64).saturating_mul(step_ms)),
                (hole as i64 + 1).saturating_mul(step_ms),
            ));
            report.filled_points = 0;
            continue;
        }
        let (Some(a), Some(b)) = (values[hole_start - 1], values[i]) else {
            continue;
        };
        for k in 0..hole {
            let t = (k + 1) as f64 / (hole + 1) as f64;
            values[hole_start + k] = Some(a + (b - a) * t);
        }
        report.filled_points += hole;
    }
    Ok(Some(History {
        start_ms: first.saturating_add((start as i64).saturating_mul(step_ms)),
        step_ms,
        values: values[start..].iter().map(|v| v.unwrap_or(0.0)).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ts_ms: i64, value: f64) -> Sample {
        Sample { ts_ms, value }
    }

    #[test]
    fn cleaning_orders_dedups_and_drops_non_finite() {
        let mut report = Preparation::default();
        let out = clean(
            &[
                s(30, 3.0),
                s(10, 1.0),
                s(20, f64::NAN),
                s(10, 1.5),
                s(40, f64::INFINITY),
            ],
            Kind::Gauge,
            1_000,
            &mut report,
        );
        assert_eq!(out, [s(10, 1.5), s(30, 3.0)]);
        assert_eq!(report.dropped_non_finite, 2);
    }

    #[test]
    fn counters_become_rates_across_resets_but_not_across_long_gaps() {
        let mut report = Preparation::default();
        let counter = [
            s(0, 100.0),
            s(10_000, 150.0),
            s(20_000, 30.0), // reset: 30 since
            s(30_000, 80.0),
            s(400_000, 90.0), // a gap of 370 s > 300 s: no rate
            s(410_000, 110.0),
        ];
        let out = clean(&counter, Kind::Counter, 300_000, &mut report);
        assert_eq!(
            out,
            [s(10_000, 5.0), s(20_000, 3.0), s(30_000, 5.0), s(410_000, 2.0)]
        );
        assert_eq!(report.counter_resets, 1);
    }

    #[test]
    fn the_grid_fills_short_holes_and_cuts_at_long_ones() {
        let mut report = Preparation::default();
        let samples = [s(0, 1.0), s(60, 2.0), s(240, 5.0), s(300, 6.0)];
        let history = regularise(&samples, 60, 180, &mut report).unwrap().unwrap();
        assert_eq!(history.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(
            (history.start_ms, history.end_ms(), history.span_ms()),
            (0, 300, 300)
        );
        assert_eq!(report.filled_points, 2);

        let mut report = Preparation::default();
        let samples = [s(0, 1.0), s(60, 2.0), s(600, 9.0), s(660, 10.0), s(780, 12.0)];
        let history = regularise(&samples, 60, 180, &mut report).unwrap().unwrap();
        assert_eq!(
            history.start_ms, 600,
            "history before the 8-point hole is dropped"
        );
        assert_eq!(history.values, [9.0, 10.0, 11.0, 12.0]);
        assert_eq!(report.cut_at_gap, Some((600, 540)));
        assert_eq!(report.filled_points, 1);
    }

    #[test]
    fn jittered_samples_average_into_their_bucket() {
        let mut report = Preparation::default();
        let samples = [s(0, 1.0), s(29, 3.0), s(61, 5.0), s(118, 7.0)];
        let history = regularise(&samples, 60, 600, &mut report).unwrap().unwrap();
        assert_eq!(history.values, [2.0, 5.0, 7.0]);
        assert_eq!(median_spacing(&samples), Some(32));
        assert_eq!(median_spacing(&samples[..1]), None);
        assert_eq!(regularise(&[], 60, 600, &mut report), Ok(None));
        let far = [s(0, 1.0), s(i64::MAX / 4, 2.0)];
        assert!(
            regularise(&far, 1, 600, &mut report)
                .unwrap_err()
                .contains("coarser step")
        );
    }
}
