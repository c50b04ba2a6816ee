//! Events per second over a short sliding window, in one-second buckets.
//! Used for the per-symbol ticks/s column.

/// Buckets kept: the current, partly filled second and the three before it.
const BUCKETS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    /// Counts per second, indexed by `second % BUCKETS`.
    counts: [u32; BUCKETS],
    /// The second (Unix) each bucket currently holds.
    seconds: [i64; BUCKETS],
    /// When the first event was recorded: a young meter averages over the
    /// time it has actually watched, so it never under-reports at start.
    first_ms: Option<i64>,
}

impl RateMeter {
    pub fn record(&mut self, now_ms: i64, count: u32) {
        self.first_ms.get_or_insert(now_ms);
        let second = now_ms.div_euclid(1000);
        let slot = second.rem_euclid(BUCKETS as i64) as usize;
        if self.seconds[slot] != second {
            self.seconds[slot] = second;
            self.counts[slot] = 0;
        }
        self.counts[slot] = self.counts[slot].saturating_add(count);
    }

    /// Average rate over the window ending at `now_ms`: the last three full
    /// seconds plus the current partial one, or less while the meter is young.
    pub fn per_second(&self, now_ms: i64) -> f64 {
        let Some(first_ms) = self.first_ms else { return 0.0 };
        let current = now_ms.div_euclid(1000);
        let total: u64 = (0..BUCKETS)
            .filter(|&slot| (0..BUCKETS as i64).contains(&(current - self.seconds[slot])))
            .map(|slot| u64::from(self.counts[slot]))
            .sum();
        let window_ms = (BUCKETS as i64 - 1) * 1000 + now_ms.rem_euclid(1000);
        let span_ms = window_ms.min(now_ms - first_ms);
        if span_ms <= 0 {
            return 0.0;
        }
        total as f64 * 1000.0 / span_ms as f64
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
        assert_eq!(meter.per_second(110_000), 20.0);
    }

    #[test]
    fn young_meter_averages_over_time_watched() {
        let mut meter = RateMeter::default();
        for tick in 0..10 {
            meter.record(50_000 + tick * 50, 1);
        }
        assert_eq!(meter.per_second(50_500), 20.0);
    }

    #[test]
    fn rate_decays_to_zero_when_events_stop() {
        let mut meter = RateMeter::default();
        for second in 0..4 {
            meter.record(second * 1000, 10);
        }
        assert_eq!(meter.per_second(4_000), 10.0);
        assert_eq!(meter.per_second(9_000), 0.0);
    }

    #[test]
    fn empty_meter_reads_zero() {
        assert_eq!(RateMeter::default().per_second(1_000), 0.0);
    }
}
