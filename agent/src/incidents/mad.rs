//! A robust outlier test for a stream of numbers: each value is compared
//! with the median and the MAD (median absolute deviation) of the previous
//! `window` values. 1.4826 * MAD estimates the standard deviation of normal
//! data while ignoring the outliers themselves, so one jump neither hides
//! itself nor the next one.
//!
//! On a tick grid most returns can be 0, and so the MAD, while a one-tick
//! move is frequent. Two more estimates cover that: the 90th percentile of
//! the absolute deviations / 1.645 (also the standard deviation for normal
//! data, robust to 10% of outliers), and the grid, the smallest nonzero
//! deviation in the window when two or more values deviate (moves finer
//! than the price grid cannot be judged). A configured floor covers flat
//! series. The scale used is the largest of them.
//!
//! O(1) amortised per value: the statistics are recomputed every
//! `window` values, not per value; between two refreshes a value costs a
//! comparison and a store. A refresh sorts the window once (as integers,
//! which sort faster than floats) and reads the median; the absolute
//! deviations are then the two sides of the median walked outwards, two
//! sorted runs whose merge yields the MAD and the 90th percentile in one
//! pass.

/// Scales the MAD to the standard deviation of normally distributed data.
pub(crate) const MAD_TO_SD: f64 = 1.4826;

/// The 90th percentile of |x - median| of normal data, in standard
/// deviations.
const P90_ABS_SD: f64 = 1.6449;

/// How values are judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MadParams {
    /// Values the statistics are taken over; scoring starts once it is full.
    window: usize,
    /// A value further than `k` robust standard deviations from the median
    /// is an outlier.
    k: f64,
    /// Floor of the robust standard deviation, in the values' unit.
    min_scale: f64,
    /// Values between two recomputations of the statistics.
    refresh_every: usize,
}

impl MadParams {
    pub fn new(window: usize, k: f64, min_scale: f64) -> MadParams {
        let window = window.max(2);
        MadParams {
            window,
            k,
            min_scale,
            refresh_every: window,
        }
    }
}

/// An outlier and how far out it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outlier {
    pub value: f64,
    pub median: f64,
    /// The robust standard deviation used: max(1.4826 * MAD,
    /// P90(|deviation|) / 1.645, smallest nonzero |deviation|, floor).
    pub scale: f64,
}

impl Outlier {
    /// Distance from the median in robust standard deviations (signed).
    pub fn z(&self) -> f64 {
        (self.value - self.median) / self.scale
    }
}

/// Reusable buffers of a refresh, one for all streams.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    keys: Vec<u32>,
    sorted: Vec<f32>,
}

/// The last `window` values of one stream and their cached statistics.
#[derive(Debug, Clone)]
pub(crate) struct RollingMad {
    /// Allocated on the first value; `f32` halves the memory per symbol and
    /// is plenty for returns.
    ring: Vec<f32>,
    next: usize,
    since_refresh: usize,
    median: f64,
    scale: f64,
    /// Whether `median` and `scale` describe a full window.
    ready: bool,
}

impl Default for RollingMad {
    fn default() -> Self {
        RollingMad::new()
    }
}

impl RollingMad {
    pub fn new() -> RollingMad {
        RollingMad {
            ring: Vec::new(),
            next: 0,
            since_refresh: 0,
            median: 0.0,
            scale: 0.0,
            ready: false,
        }
    }

    /// Judges `x` against the values before it, then adds it to the window.
    pub fn push(&mut self, x: f64, params: &MadParams, scratch: &mut Scratch) -> Option<Outlier> {
        let outlier = (self.ready && (x - self.median).abs() > params.k * self.scale).then_some(Outlier {
            value: x,
            median: self.median,
            scale: self.scale,
        });
        if self.ring.len() < params.window {
            if self.ring.capacity() == 0 {
                self.ring.reserve_exact(params.window);
            }
            self.ring.push(x as f32);
        } else {
            self.ring[self.next] = x as f32;
            self.next += 1;
            if self.next == params.window {
                self.next = 0;
            }
        }
        self.since_refresh += 1;
        let full = self.ring.len() >= params.window;
        if full && (!self.ready || self.since_refresh >= params.refresh_every) {
            self.refresh(params, scratch);
        }
        outlier
    }

    fn refresh(&mut self, params: &MadParams, scratch: &mut Scratch) {
        let Scratch { keys, sorted } = scratch;
        keys.clear();
        keys.extend(self.ring.iter().map(|&v| sort_key(v)));
        keys.sort_unstable();
        sorted.clear();
        sorted.extend(keys.iter().map(|&k| from_sort_key(k)));
        let deviations = Deviations::new(sorted);
        self.median = deviations.median;
        self.scale = (MAD_TO_SD * deviations.mad)
            .max(deviations.p90 / P90_ABS_SD)
            .max(deviations.grid)
            .max(params.min_scale);
        self.ready = true;
        self.since_refresh = 0;
    }

    /// The cached median and robust standard deviation, once the window
    /// has filled.
    #[cfg(test)]
    pub fn stats(&self) -> Option<(f64, f64)> {
        self.ready.then_some((self.median, self.scale))
    }
}

/// Maps an `f32` to a `u32` with the same order (for finite values).
fn sort_key(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

fn from_sort_key(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

/// The median of sorted values and statistics of their absolute
/// deviations from it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Deviations {
    median: f64,
    /// Median absolute deviation.
    mad: f64,
    /// 90th percentile of the absolute deviations.
    p90: f64,
    /// Smallest nonzero absolute deviation, when at least two values differ
    /// from the median (a lone outlier in a flat window is not the grid);
    /// else 0.
    grid: f64,
}

impl Deviations {
    /// `sorted` is in ascending order. The deviations below the median,
    /// walked downwards, and those above it, walked upwards, are two
    /// ascending runs; merging them visits the deviations in order.
    fn new(sorted: &[f32]) -> Deviations {
        let n = sorted.len();
        if n == 0 {
            return Deviations {
                median: 0.0,
                mad: 0.0,
                p90: 0.0,
                grid: 0.0,
            };
        }
        let center = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        // Values below the center are sorted[..below]; above it, sorted[above..].
        let below = sorted.partition_point(|&v| v < center);
        let above = sorted.partition_point(|&v| v <= center);
        let grid = if below + (n - above) < 2 {
            0.0
        } else if below == 0 {
            sorted[above] - center
        } else if above == n {
            center - sorted[below - 1]
        } else {
            (center - sorted[below - 1]).min(sorted[above] - center)
        };
        let (mad_lo, mad_hi) = ((n - 1) / 2, n / 2);
        let p90_at = (n * 9).div_ceil(10) - 1;
        let (mut down, mut up) = (below, below);
        let (mut mad, mut p90) = (0.0, 0.0);
        for rank in 0..=p90_at {
            let take_below = down > 0 && (up == n || center - sorted[down - 1] <= sorted[up] - center);
            let d = if take_below {
                down -= 1;
                center - sorted[down]
            } else {
                up += 1;
                sorted[up - 1] - center
            };
            if rank == mad_lo {
                mad += d / 2.0;
            }
            if rank == mad_hi {
                mad += d / 2.0;
            }
            if rank == p90_at {
                p90 = d;
            }
        }
        Deviations {
            median: f64::from(center),
            mad: f64::from(mad),
            p90: f64::from(p90),
            grid: f64::from(grid),
        }
    }
}

/// Median of `values` (reordered); 0 for none.
#[cfg(test)]
fn median(values: &mut [f32]) -> f32 {
    let mut keys: Vec<u32> = values.iter().map(|&v| sort_key(v)).collect();
    keys.sort_unstable();
    let n = keys.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => from_sort_key(keys[n / 2]),
        _ => (from_sort_key(keys[n / 2 - 1]) + from_sort_key(keys[n / 2])) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// The agent's defaults: 64 returns, k = 10, floor 5 bp.
    fn defaults() -> MadParams {
        MadParams::new(64, 10.0, 5e-4)
    }

    fn normal(rng: &mut SmallRng) -> f64 {
        let u1 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log returns of a GBM-like price path on a 0.01 tick grid: `sigma`
    /// per step.
    fn gbm_returns(seed: u64, start: f64, sigma: f64, n: usize) -> Vec<f64> {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut log_price = start.ln();
        let mut prev = start;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            log_price += sigma * normal(&mut rng) - 0.5 * sigma * sigma;
            let price = (log_price.exp() * 100.0).round() / 100.0;
            out.push((price / prev).ln());
            prev = price;
        }
        out
    }

    fn outliers(returns: &[f64], params: &MadParams) -> Vec<(usize, Outlier)> {
        let mut mad = RollingMad::new();
        let mut scratch = Scratch::default();
        returns
            .iter()
            .enumerate()
            .filter_map(|(i, &r)| mad.push(r, params, &mut scratch).map(|o| (i, o)))
            .collect()
    }

    #[test]
    fn sort_keys_keep_the_order() {
        let values = [-1e9f32, -2.5, -1e-30, -0.0, 0.0, 1e-30, 0.5, 3.0, 1e9];
        let keys: Vec<u32> = values.iter().map(|&v| sort_key(v)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        for v in values {
            assert_eq!(from_sort_key(sort_key(v)), v);
        }
    }

    #[test]
    fn deviations_from_the_merge() {
        let stats = |values: &[f32]| {
            let mut sorted = values.to_vec();
            sorted.sort_by(f32::total_cmp);
            let d = Deviations::new(&sorted);
            (d.median, d.mad, d.p90, d.grid)
        };
        // deviations 3.5 2.5 1.5 0.5 0.5 1.5 2.5 3.5: MAD 2, P90 (8th) 3.5
        assert_eq!(
            stats(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
            (4.5, 2.0, 3.5, 0.5)
        );
        // odd count, zeros: deviations 0 0 0 1 2 -> MAD 0, P90 (5th) 2
        assert_eq!(stats(&[0.0, 0.0, -1.0, 0.0, 2.0]), (0.0, 0.0, 2.0, 1.0));
        // mostly zeros, two moves: the grid is the smaller one
        let mut sparse = [0.0; 20];
        sparse[3] = -0.25;
        sparse[9] = 0.5;
        assert_eq!(stats(&sparse), (0.0, 0.0, 0.0, 0.25));
        // a lone move is not a grid
        assert_eq!(stats(&[0.0, 0.0, 0.0, 0.0, 3.0]), (0.0, 0.0, 3.0, 0.0));
        assert_eq!(stats(&[0.0; 6]), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(stats(&[]), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), 0.0);
        assert_eq!(median(&mut [3.0]), 3.0);
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn stats_of_a_known_window() {
        let params = MadParams::new(8, 3.0, 1e-9);
        let mut mad = RollingMad::new();
        let mut scratch = Scratch::default();
        for v in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] {
            assert_eq!(mad.push(v, &params, &mut scratch), None);
            assert_eq!(mad.stats(), None, "no stats before the window fills");
        }
        mad.push(8.0, &params, &mut scratch);
        // median 4.5; deviations 3.5 2.5 1.5 0.5 0.5 1.5 2.5 3.5 -> MAD 2,
        // P90 (the 8th of 8) 3.5: 1.4826 * 2 = 2.965 > 3.5 / 1.645 = 2.128
        let (median, scale) = mad.stats().unwrap();
        assert_eq!(median, 4.5);
        assert!((scale - 2.0 * MAD_TO_SD).abs() < 1e-6);
        // 4.5 + 3 * 2.9652 = 13.4: 13 passes, 14 does not
        assert_eq!(mad.push(13.0, &params, &mut scratch), None);
        let out = mad.push(-20.0, &params, &mut scratch).unwrap();
        assert!(out.z() < -3.0);
    }

    #[test]
    fn no_false_positive_on_gbm_series_with_the_defaults() {
        // Per-tick sigma of 0.1 to 40 bp (the simulator's default is about
        // 4 bp) at several price levels, some where a tick is 10 to 50 bp
        // so most returns are 0 or one tick.
        for (seed, start, sigma, n) in [
            (1, 229.87, 4.3e-4, 200_000),
            (2, 25.56, 4.3e-4, 200_000),
            (3, 1051.22, 1e-4, 200_000),
            (4, 10.0, 1e-3, 200_000),
            (5, 88.74, 1e-5, 200_000),
            (6, 2.0, 2e-3, 50_000),
            (7, 150.0, 4e-3, 20_000),
            (8, 20.0, 1e-4, 200_000),
        ] {
            let returns = gbm_returns(seed, start, sigma, n);
            let found = outliers(&returns, &defaults());
            assert!(
                found.is_empty(),
                "start {start} sigma {sigma}: {} false positives, first {:?}",
                found.len(),
                found.first()
            );
        }
    }

    #[test]
    fn detects_a_ten_percent_jump_once() {
        let mut returns = gbm_returns(9, 229.87, 4.3e-4, 5_000);
        // The price jumps 10% at 3000 and stays there: one large return.
        returns[3_000] += 1.1f64.ln();
        let found = outliers(&returns, &defaults());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 3_000);
        assert!(found[0].1.z() > 10.0);
        // Down as well.
        let mut returns = gbm_returns(10, 25.56, 4.3e-4, 5_000);
        returns[4_000] += 0.9f64.ln();
        let found = outliers(&returns, &defaults());
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [4_000]);
        assert!(found[0].1.z() < -10.0);
    }

    #[test]
    fn a_flat_series_uses_the_floor() {
        let params = defaults();
        let mut returns = vec![0.0; 300];
        returns[150] = 4e-3; // 40 bp: under 10 x 5 bp
        returns[250] = 6e-3; // 60 bp: over it (150 has left the window)
        let found = outliers(&returns, &params);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [250]);
        assert_eq!(found[0].1.scale, params.min_scale);
    }

    #[test]
    fn a_sparse_tick_grid_sets_the_scale() {
        // A $1.50 stock on a 0.01 grid (67 bp a tick): a one-tick move every
        // 20 returns, MAD and P90 both 0. Moves under 10 ticks pass, a 10%
        // jump (15 ticks) does not.
        let tick = (1.51f64 / 1.50).ln();
        let mut returns: Vec<f64> = (0..400)
            .map(|i| match i % 40 {
                0 => tick,
                20 => -tick,
                _ => 0.0,
            })
            .collect();
        returns[200] = 5.0 * tick;
        returns[300] = 1.1f64.ln();
        let found = outliers(&returns, &defaults());
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [300]);
        assert!((found[0].1.scale - tick).abs() < 1e-6);
    }

    #[test]
    fn repeated_jumps_inside_one_window_are_each_flagged() {
        let mut returns = gbm_returns(11, 100.0, 4.3e-4, 2_000);
        for i in [1_000, 1_005, 1_010] {
            returns[i] += 0.2;
        }
        let found = outliers(&returns, &defaults());
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            [1_000, 1_005, 1_010]
        );
    }
}
