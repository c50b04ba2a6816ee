//! The step of a Prometheus range query: Prometheus refuses a query whose
//! `(end - start) / step` exceeds 11,000 points, and a step below the
//! scrape interval only repeats samples.

/// Most points Prometheus returns per series in one range query.
pub const MAX_POINTS: i64 = 11_000;

/// Steps people read at a glance, ms: 1s up to a week.
const NICE_STEPS_MS: [i64; 21] = [
    1_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    900_000,
    1_800_000,
    3_600_000,
    7_200_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    172_800_000,
    259_200_000,
    432_000_000,
    604_800_000,
];

/// The smallest nice step, at least `min_step_ms` (the scrape interval),
/// that keeps a range of `span_ms` within [`MAX_POINTS`]. Beyond the nicest
/// step it returns the exact minimum, rounded up to a whole second.
pub fn range_step(span_ms: i64, min_step_ms: i64) -> i64 {
    let span_ms = span_ms.max(0);
    let needed = span_ms.saturating_add(MAX_POINTS - 1) / MAX_POINTS;
    let floor = needed.max(min_step_ms).max(1);
    NICE_STEPS_MS
        .into_iter()
        .find(|&step| step >= floor)
        .unwrap_or_else(|| floor.saturating_add(999) / 1_000 * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MIN;

    #[test]
    fn steps_stay_within_the_point_limit_and_above_the_scrape_interval() {
        for (span, min_step, expected) in [
            (DAY, 15_000, 15_000),
            (7 * DAY, 15_000, MIN),
            (30 * DAY, 15_000, 5 * MIN),
            (90 * DAY, 15_000, 15 * MIN),
            (7 * DAY, 10 * MIN, 10 * MIN),
            (0, 15_000, 15_000),
            (3_650 * DAY, 15_000, 43_200_000),
        ] {
            let step = range_step(span, min_step);
            assert_eq!(step, expected, "span {span} ms, min {min_step} ms");
            assert!(span / step <= MAX_POINTS);
        }
        let huge = range_step(i64::MAX / 2, 1);
        assert!(i64::MAX / 2 / huge <= MAX_POINTS);
        assert_eq!(huge % 1_000, 0);
        assert_eq!(range_step(-5, 0), 1_000);
    }
}
