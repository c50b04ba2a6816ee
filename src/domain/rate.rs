//! Events per second over a short sliding window, in one-second buckets.
//! Used for the per-symbol ticks/s column.

/// Buckets kept: the current, partly filled second and the three before it.
const BUCKETS: usize = 4;
/// A meter that has watched for less than this gives no figure: a rate over
/// a few milliseconds is noise, and under-reporting would be a lie.
const MIN_SPAN_MS: i64 = 1_000;

#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    /// Counts per second, indexed by `second % BUCKETS`.
    counts: [u32; BUCKETS],
    /// The second (Unix) each bucket currently holds.
    seconds: [i64; BUCKETS],
    /// When watching started: a young meter averages over the time it has
    /// actually watched.
    since_ms: Option<i64>,
}

impl RateMeter {
    /// Starts the observation window without an event (the source connected).
    pub fn watch_from(&mut self, now_ms: i64) {
        self.since_ms.get_or_insert(now_ms);
    }

    pub fn record(&mut self, now_ms: i64, count: u32) {
        self.watch_from(now_ms);
        let second = now_ms.div_euclid(1000);
        let slot = second.rem_euclid(BUCKETS as i64) as usize;
        if self.seconds[slot] != second {
            self.seconds[slot] = second;
            self.counts[slot] = 0;
        }
        self.counts[slot] = self.counts[slot].saturating_add(count);
    }

    /// Average rate over the window ending at `now_ms` (the last three full
    /// seconds plus the current partial one, or less while the meter is
    /// young); `None` until the meter has watched for a second.
    pub fn per_second(&self, now_ms: i64) -> Option<f64> {
        let span_ms = now_ms - self.since_ms?;
        if span_ms < MIN_SPAN_MS {
            return None;
        }
        let current = now_ms.div_euclid(1000);
        let total: u64 = (0..BUCKETS)
            .filter(|&slot| (0..BUCKETS as i64).contains(&(current - self.seconds[slot])))
            .map(|slot| u64::from(self.counts[slot]))
            .sum();
        let window_ms = (BUCKETS as i64 - 1) * 1000 + now_ms.rem_euclid(1000);
        Some(total as f64 * 1000.0 / window_ms.min(span_ms) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_rate_is_reported_exactly() {
        let mut meter = RateMeter::default();
        for second in 100..110 {
            for tick in 0..20 {
                meter.record(second * 1000 + tick * 50, 1);
            }
        }
        assert_eq!(meter.per_second(110_000), Some(20.0));
    }

    #[test]
    fn young_meter_averages_over_time_watched() {
        let mut meter = RateMeter::default();
        for tick in 0..30 {
            meter.record(50_000 + tick * 50, 1);
        }
        assert_eq!(meter.per_second(51_500), Some(20.0));
    }

    #[test]
    fn no_figure_before_a_second_of_watching() {
        let mut meter = RateMeter::default();
        assert_eq!(meter.per_second(1_000), None);
        meter.record(1_000, 50);
        assert_eq!(meter.per_second(1_999), None);
        assert_eq!(meter.per_second(2_000), Some(50.0));
    }

    #[test]
    fn quiet_symbol_reads_zero_once_watched() {
        let mut meter = RateMeter::default();
        meter.watch_from(1_000);
        assert_eq!(meter.per_second(2_500), Some(0.0));
    }

    #[test]
    fn rate_decays_to_zero_when_events_stop() {
        let mut meter = RateMeter::default();
        for second in 0..4 {
            meter.record(second * 1000, 10);
        }
        assert_eq!(meter.per_second(4_000), Some(10.0));
        assert_eq!(meter.per_second(9_000), Some(0.0));
    }
}
