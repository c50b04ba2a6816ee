//! Increase of cumulative counters over a sliding time window, from samples
//! taken on each detector pass (as Prometheus' `increase()` does from
//! scrapes).

use std::collections::VecDeque;

/// Samples of `N` cumulative counters.
#[derive(Debug, Clone)]
pub(crate) struct Window<const N: usize> {
    span_ms: i64,
    samples: VecDeque<(i64, [u64; N])>,
}

impl<const N: usize> Window<N> {
    /// A window of `span_ms` whose counters start from zero at `start_ms`.
    pub fn new(span_ms: u64, start_ms: i64) -> Window<N> {
        Window {
            span_ms: i64::try_from(span_ms).unwrap_or(i64::MAX),
            samples: VecDeque::from([(start_ms, [0; N])]),
        }
    }

    /// Records the counters at `at_ms` and returns their increase over the
    /// last `span_ms` (over less while the window is younger than that).
    /// A counter that went down (reset) counts from zero.
    pub fn push(&mut self, at_ms: i64, values: [u64; N]) -> [u64; N] {
        self.samples.push_back((at_ms, values));
        let start = at_ms.saturating_sub(self.span_ms);
        // Keep the newest sample at or before the window's start as the base.
        while self.samples.len() >= 2 && self.samples[1].0 <= start {
            self.samples.pop_front();
        }
        let base = self.samples.front().map_or([0; N], |s| s.1);
        std::array::from_fn(|i| {
            if values[i] >= base[i] {
                values[i] - base[i]
            } else {
                values[i]
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increase_over_the_window() {
        let mut w = Window::<2>::new(1_000, 0);
        assert_eq!(w.push(500, [5, 1]), [5, 1]);
        assert_eq!(w.push(1_000, [10, 1]), [10, 1]);
        // base is now the sample at 500
        assert_eq!(w.push(1_500, [12, 4]), [7, 3]);
        assert_eq!(w.push(2_000, [12, 4]), [2, 3]);
        assert_eq!(w.push(2_500, [12, 4]), [0, 0]);
        assert!(w.samples.len() <= 3);
        // a reset counts from zero
        assert_eq!(w.push(3_000, [1, 0]), [1, 0]);
    }
}
