//! Bounded in-memory time-series store: the console's own Prometheus when
//! none is configured. Each scrape of the agent's `/metrics` is ingested
//! whole; SLIs ask for counter increases over windows up to 3 days, computed
//! as PromQL's `increase()` computes them, and learn how much of the window
//! the store actually saw.
//!
//! # Memory bound
//!
//! Each series keeps its points in three tiers, newest first:
//!
//! | tier | holds | resolution | at most |
//! |---|---|---|---|
//! | raw | the last hour | every sample | 1,024 points |
//! | minute | up to 6 hours old | last sample of each minute | 362 points |
//! | coarse | up to the retention | last sample of each 5 minutes | retention / resolution + 2 |
//!
//! Points move down a tier as they age (or as a tier fills up, if samples
//! come faster than every 3.5 s), merging into the last point of their
//! minute or 5-minute bucket. The coarse resolution is 5 minutes up to 3.5
//! days of retention and grows beyond that (in 5-minute steps) so the coarse
//! tier never needs more than about 1,024 points. Each tier's buffer grows
//! with the data but never past its cap.
//!
//! A point is 24 bytes, so a series holds at most 2,252 points (54 KB) with
//! 3 days of retention, whatever the scrape interval. With 5-second scrapes
//! it holds 720 + 300 + 792 = 1,812 points after 3 days: 500 series take
//! about 27 MB allocated (22 MB used), plus their names and labels. The
//! number of series is capped by `max_series`; new series beyond it are
//! refused and counted, and series not scraped for longer than the retention
//! are forgotten, which frees their place.
//!
//! # Counters across thinning
//!
//! Each point keeps its raw value and the counter-reset correction
//! accumulated before it (the sum of the values before each drop, which is
//! what `increase()` adds for a reset). The increase between any two kept
//! points is therefore exactly what the samples in between gave, resets
//! included, however many samples were merged away.
//!
//! # `increase()` as Prometheus computes it
//!
//! Over the window `(now - window, now]` (left-open, as in Prometheus 3; 2.x
//! also takes a sample exactly at `now - window`), per series with at least
//! two points in the window, summed. Only points at or before `now` are used.
//!
//! When the window lies in the raw tier (windows up to an hour, ending now),
//! this is Prometheus' `extrapolatedRate` on the same samples, to the bit
//! when the window holds no reset:
//!
//! 1. `result = last - first`, plus the value before each drop (reset);
//! 2. `to_start`, `to_end`: seconds from the window's edges to the first and
//!    last sample; `sampled`: seconds from the first to the last sample;
//!    `avg = sampled / (samples - 1)`;
//! 3. an edge farther than `1.1 * avg` is taken as where the series starts
//!    or ends, and the extrapolation there is cut to `avg / 2`;
//! 4. counters do not go below zero: when `result > 0` and `first >= 0`, the
//!    start extrapolation is cut to `sampled * first / result`, where the
//!    counter would reach zero (after step 3, as current Prometheus does;
//!    older releases, 2.42 among them, made this cut before step 3, which
//!    differs only for a series starting in the window with its zero point
//!    between `avg / 2` and `1.1 * avg` before its first sample);
//! 5. `result * (sampled + to_start + to_end) / sampled`.
//!
//! When the window starts among thinned points, the samples Prometheus would
//! have used are gone, and the store estimates what it would have answered:
//!
//! - from the first to the last point in the window: the exact growth, resets
//!   included (see above);
//! - before the first point: when a kept point lies before the window, one
//!   bucket away (the series was being scraped), the growth between the two
//!   is shared in proportion to time, since Prometheus' first sample would
//!   lie just after the window's start; otherwise the series starts in the
//!   window (or after a gap), and steps 3 and 4 apply, with the bucket
//!   spacing for `avg` and the rate between the first two points;
//! - after the last point: step 3 with, at a raw end, the raw points'
//!   average spacing and rate, and at a thinned end, the spacing and rate of
//!   the last two points (nothing after `now` is looked at).
//!
//! Against Prometheus on the full samples the difference is the counter's
//! departure from a straight line within about one bucket at each edge. In
//! the tests (noisy, daily-cycling counters) it stays under 0.1% for 1- to
//! 3-day windows, 0.5% for 6-hour ones, and 2% for 30-minute and 1-hour
//! windows hours or days in the past.
//!
//! Values that are not finite are ignored, and so are samples not newer than
//! the series' last one (Prometheus rejects out-of-order and duplicate
//! samples the same way). Everything here is pure: the caller passes the
//! scrape time and `now`.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::time::Duration;

use super::selector::Selector;
use crate::metrics_text::Exposition;

const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;
/// Every sample younger than this is kept as it is.
const RAW_SPAN_MS: i64 = HOUR_MS;
/// An hour at one sample every 3.5 s.
const RAW_CAP: usize = 1024;
/// Minute tier: up to this old.
const MINUTE_SPAN_MS: i64 = 6 * HOUR_MS;
/// Coarse tier resolution: at least this, and a multiple of it.
const COARSE_STEP_MS: i64 = 5 * MINUTE_MS;
/// The coarse resolution grows with the retention to keep about this many
/// coarse points.
const COARSE_POINTS: i64 = 1024;
const TIERS: usize = 3;

/// A window's counter increase (or any figure over a window) and how much of
/// the window the store has seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage<T> {
    pub value: T,
    /// History actually available within the window: the window itself, or
    /// less when the store has not been watching that long (partial).
    pub covered: Duration,
    /// Series that contributed (had at least two samples in the window).
    pub series: usize,
}

impl<T> Coverage<T> {
    /// True when the store saw less than `window`: the figure covers only
    /// the last `covered` of it.
    pub fn is_partial(&self, window: Duration) -> bool {
        self.covered < window
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    ts: i64,
    raw: f64,
    /// Sum of the values before each drop up to and including this point.
    offset: f64,
}

#[derive(Debug, Clone, Copy)]
struct Tier {
    /// Bucket width; 0 for the raw tier, which keeps every sample.
    resolution_ms: i64,
    /// Points this old or older (against the store's clock) move down.
    span_ms: i64,
    cap: usize,
}

/// Tier 0 is raw and newest; every point of a tier is newer than every
/// point of the tiers after it.
#[derive(Debug, Clone, Default)]
struct Series {
    tiers: [VecDeque<Point>; TIERS],
}

#[derive(Debug, Clone)]
pub struct SeriesStore {
    retention_ms: i64,
    max_series: usize,
    tiers: [Tier; TIERS],
    /// Metric name, then labels: ordered, so sums are always taken in the
    /// same order and come out the same.
    families: BTreeMap<String, BTreeMap<BTreeMap<String, String>, Series>>,
    series_count: usize,
    /// Latest scrape time ingested.
    clock_ms: Option<i64>,
    oldest_ms: Option<i64>,
    refused_series: u64,
    refused_samples: u64,
    dropped_samples: u64,
}

impl SeriesStore {
    pub fn new(retention: Duration, max_series: usize) -> SeriesStore {
        let retention_ms = duration_ms(retention);
        let per_step = COARSE_STEP_MS * COARSE_POINTS;
        let coarse_ms =
            COARSE_STEP_MS * ((retention_ms / per_step) + i64::from(retention_ms % per_step != 0)).max(1);
        SeriesStore {
            retention_ms,
            max_series,
            tiers: [
                Tier {
                    resolution_ms: 0,
                    span_ms: RAW_SPAN_MS.min(retention_ms),
                    cap: RAW_CAP,
                },
                Tier {
                    resolution_ms: MINUTE_MS,
                    span_ms: MINUTE_SPAN_MS.min(retention_ms),
                    cap: (MINUTE_SPAN_MS / MINUTE_MS) as usize + 2,
                },
                Tier {
                    resolution_ms: coarse_ms,
                    span_ms: retention_ms,
                    cap: (retention_ms / coarse_ms) as usize + 2,
                },
            ],
            families: BTreeMap::new(),
            series_count: 0,
            clock_ms: None,
            oldest_ms: None,
            refused_series: 0,
            refused_samples: 0,
            dropped_samples: 0,
        }
    }

    /// One scrape taken at `ts_ms`: every sample of every family (counters,
    /// gauges, histogram buckets, `_sum`, `_count`, ...). Series not seen
    /// before are created up to `max_series`; samples older than the
    /// retention, not finite, or not newer than their series' last sample
    /// are dropped. First, what is held ages against `ts_ms`: points move to
    /// coarser tiers, points older than the retention go, and so do series
    /// left with none.
    pub fn ingest<'a>(
        &mut self,
        ts_ms: i64,
        samples: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, String>, f64)>,
    ) {
        self.begin(ts_ms);
        for (name, labels, value) in samples {
            self.insert(ts_ms, name, labels, value);
        }
    }

    /// [`ingest`](Self::ingest) for a parsed scrape; a sample with its own
    /// timestamp is stored at that time (which does not move the clock).
    pub fn ingest_exposition(&mut self, ts_ms: i64, exposition: &Exposition) {
        self.begin(ts_ms);
        for sample in exposition.families.iter().flat_map(|f| &f.samples) {
            let ts = sample.timestamp_ms.unwrap_or(ts_ms);
            self.insert(ts, &sample.name, &sample.labels, sample.value);
        }
    }

    /// Counter increase of every series `selector` matches, summed, over
    /// `(now - window, now]`; see the module documentation. Only samples at
    /// or before `now_ms` count, so a past `now` gives the figure as it was
    /// then (for burn-rate history).
    pub fn increase(&self, selector: &Selector, window: Duration, now_ms: i64) -> Coverage<f64> {
        let window_ms = duration_ms(window);
        let start = now_ms.saturating_sub(window_ms);
        let mut value = 0.0;
        let mut series = 0;
        for s in self.select(selector) {
            if let Some(increase) = s.increase(start, now_ms, &self.tiers) {
                value += increase;
                series += 1;
            }
        }
        Coverage {
            value,
            covered: self.covered(window_ms, now_ms),
            series,
        }
    }

    /// Age of the oldest sample held: how much history there is.
    pub fn history(&self, now_ms: i64) -> Duration {
        self.covered(i64::MAX, now_ms)
    }

    pub fn series_count(&self) -> usize {
        self.series_count
    }

    /// New series the latest scrape brought that the store did not take
    /// because it holds `max_series` already: how much it is not tracking.
    pub fn refused_series(&self) -> u64 {
        self.refused_series
    }

    /// Samples refused for want of room for their series, since the start.
    pub fn refused_samples(&self) -> u64 {
        self.refused_samples
    }

    /// Samples dropped since the start: not finite, older than the
    /// retention, or not newer than their series' last sample.
    pub fn dropped_samples(&self) -> u64 {
        self.dropped_samples
    }

    /// Every point held of the series `selector` matches, oldest first,
    /// summed by time. With `counter`, each point carries its reset
    /// correction, so the sum only drops where the series themselves
    /// were not scraped (the forecast's counter handling reads such a drop
    /// as a reset, as `rate()` does).
    pub fn points(&self, selector: &Selector, counter: bool) -> Vec<(i64, f64)> {
        let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
        for series in self.select(selector) {
            for point in series.tiers.iter().rev().flatten() {
                let value = if counter {
                    point.raw + point.offset
                } else {
                    point.raw
                };
                *sums.entry(point.ts).or_insert(0.0) += value;
            }
        }
        sums.into_iter().collect()
    }

    /// The latest scrape time ingested.
    pub fn latest_ms(&self) -> Option<i64> {
        self.clock_ms
    }

    pub fn retention(&self) -> Duration {
        Duration::from_millis(self.retention_ms as u64)
    }

    /// Points held, all series together.
    pub fn point_count(&self) -> usize {
        self.all_series()
            .map(|s| s.tiers.iter().map(VecDeque::len).sum::<usize>())
            .sum()
    }

    /// The most points one series can hold, whatever the scrape interval.
    pub fn max_points_per_series(&self) -> usize {
        self.tiers.iter().map(|t| t.cap).sum()
    }

    /// Bytes allocated for points, plus names and labels (an estimate of the
    /// heap the store uses, for the console's own status).
    pub fn allocated_bytes(&self) -> usize {
        let points: usize = self
            .all_series()
            .map(|s| s.tiers.iter().map(VecDeque::capacity).sum::<usize>())
            .sum();
        let keys: usize = self
            .families
            .iter()
            .map(|(name, family)| {
                name.len()
                    + family
                        .keys()
                        .map(|labels| {
                            labels.iter().map(|(k, v)| k.len() + v.len() + 64).sum::<usize>()
                                + std::mem::size_of::<Series>()
                                + 64
                        })
                        .sum::<usize>()
            })
            .sum();
        points * std::mem::size_of::<Point>() + keys
    }

    fn all_series(&self) -> impl Iterator<Item = &Series> {
        self.families.values().flat_map(BTreeMap::values)
    }

    fn select<'s>(&'s self, selector: &'s Selector) -> impl Iterator<Item = &'s Series> + 's {
        let bounds = match selector.metric_name() {
            Some(name) => (Bound::Included(name), Bound::Included(name)),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        self.families
            .range::<str, _>(bounds)
            .flat_map(move |(name, family)| {
                family
                    .iter()
                    .filter(move |(labels, _)| selector.matches(name, labels))
                    .map(|(_, series)| series)
            })
    }

    /// Time between the oldest sample held and `now_ms`, at most `window_ms`.
    fn covered(&self, window_ms: i64, now_ms: i64) -> Duration {
        let held = self.oldest_ms.map_or(0, |oldest| now_ms.saturating_sub(oldest));
        Duration::from_millis(held.clamp(0, window_ms) as u64)
    }

    /// Moves the clock to a new scrape and ages what is held against it
    /// (before the scrape's samples come in, so that a series gone for longer
    /// than the retention frees its place for a new one).
    fn begin(&mut self, ts_ms: i64) {
        self.clock_ms = Some(self.clock_ms.map_or(ts_ms, |clock| clock.max(ts_ms)));
        self.refused_series = 0;
        self.maintain();
    }

    fn insert(&mut self, ts_ms: i64, name: &str, labels: &BTreeMap<String, String>, value: f64) {
        let expired = self
            .clock_ms
            .is_some_and(|clock| ts_ms <= clock.saturating_sub(self.retention_ms));
        if !value.is_finite() || expired {
            self.dropped_samples += 1;
            return;
        }
        let tiers = self.tiers;
        if let Some(series) = self.families.get_mut(name).and_then(|f| f.get_mut(labels)) {
            if series.push(ts_ms, value, &tiers) {
                self.note_sample(ts_ms);
            } else {
                self.dropped_samples += 1;
            }
            return;
        }
        if self.series_count >= self.max_series {
            self.refused_series += 1;
            self.refused_samples += 1;
            return;
        }
        let mut series = Series::default();
        series.push(ts_ms, value, &tiers);
        self.families
            .entry(name.to_string())
            .or_default()
            .insert(labels.clone(), series);
        self.series_count += 1;
        self.note_sample(ts_ms);
    }

    fn note_sample(&mut self, ts_ms: i64) {
        self.oldest_ms = Some(self.oldest_ms.map_or(ts_ms, |oldest| oldest.min(ts_ms)));
    }

    /// Ages every series against the clock, forgets empty ones, and notes
    /// the oldest sample held.
    fn maintain(&mut self) {
        let Some(clock) = self.clock_ms else {
            return;
        };
        let cutoff = clock.saturating_sub(self.retention_ms);
        let tiers = self.tiers;
        let mut oldest: Option<i64> = None;
        let mut count = 0;
        for family in self.families.values_mut() {
            family.retain(|_, series| {
                series.age(clock, cutoff, &tiers);
                let Some(first) = series.first() else {
                    return false;
                };
                oldest = Some(oldest.map_or(first.ts, |o| o.min(first.ts)));
                count += 1;
                true
            });
        }
        self.families.retain(|_, family| !family.is_empty());
        self.series_count = count;
        self.oldest_ms = oldest;
    }
}

impl Series {
    fn last(&self) -> Option<&Point> {
        self.tiers.iter().find_map(VecDeque::back)
    }

    fn first(&self) -> Option<&Point> {
        self.tiers.iter().rev().find_map(VecDeque::front)
    }

    /// Appends a sample; false (and nothing stored) unless it is newer than
    /// the last one.
    fn push(&mut self, ts: i64, raw: f64, tiers: &[Tier; TIERS]) -> bool {
        let offset = match self.last() {
            Some(last) if ts <= last.ts => return false,
            // A drop is a counter reset: `increase()` adds the value before it.
            Some(last) if raw < last.raw => last.offset + last.raw,
            Some(last) => last.offset,
            None => 0.0,
        };
        if self.tiers[0].len() >= tiers[0].cap {
            self.demote(0, tiers);
        }
        push_within(&mut self.tiers[0], Point { ts, raw, offset }, tiers[0].cap);
        true
    }

    /// Moves the oldest point of tier `k` into tier `k + 1`, where it
    /// replaces a point of the same bucket (it is the later one) or is
    /// appended; the last tier lets it go.
    fn demote(&mut self, k: usize, tiers: &[Tier; TIERS]) {
        let Some(point) = self.tiers[k].pop_front() else {
            return;
        };
        let Some(next) = tiers.get(k + 1) else {
            return;
        };
        let bucket = |ts: i64| ts.div_euclid(next.resolution_ms);
        if let Some(back) = self.tiers[k + 1].back_mut()
            && bucket(back.ts) == bucket(point.ts)
        {
            *back = point;
            return;
        }
        if self.tiers[k + 1].len() >= next.cap {
            self.demote(k + 1, tiers);
        }
        push_within(&mut self.tiers[k + 1], point, next.cap);
    }

    fn age(&mut self, clock: i64, cutoff: i64, tiers: &[Tier; TIERS]) {
        for k in 0..TIERS - 1 {
            let limit = clock.saturating_sub(tiers[k].span_ms);
            while self.tiers[k].front().is_some_and(|p| p.ts <= limit) {
                self.demote(k, tiers);
            }
        }
        for points in self.tiers.iter_mut().rev() {
            while points.front().is_some_and(|p| p.ts <= cutoff) {
                points.pop_front();
            }
            if !points.is_empty() {
                break;
            }
        }
    }

    /// `increase()` over `(start, end]`, or `None` with fewer than two points.
    fn increase(&self, start: i64, end: i64, tiers: &[Tier; TIERS]) -> Option<f64> {
        let view = Chrono::new(self);
        let lo = view.partition_point(|p| p.ts <= start);
        let hi = view.partition_point(|p| p.ts <= end);
        if hi < lo + 2 {
            return None;
        }
        let (first, first_tier) = view.get(lo);
        let (last, last_tier) = view.get(hi - 1);
        if first_tier == 0 {
            return Some(prometheus_increase(&view, lo, hi, start, end));
        }

        // The window starts among thinned points: estimate what Prometheus
        // would give on the samples that were merged away.
        let result = growth(first, last);
        let second = view.get(lo + 1).0;
        let spacing = tiers[first_tier]
            .resolution_ms
            .max(second.ts.saturating_sub(first.ts));
        let before = view.before(lo).filter(|prev| {
            // Kept points one bucket apart: the series was scraped between
            // them, and Prometheus' first sample would lie just after `start`.
            seconds_between(first.ts, prev.ts) <= seconds(spacing) * 1.1
        });
        let to_start = match before {
            Some(prev) => {
                growth(prev, first) * (seconds_between(first.ts, start) / seconds_between(first.ts, prev.ts))
            }
            None => {
                // The series starts in the window, or after a gap.
                let rate = growth(first, second) / seconds_between(second.ts, first.ts);
                let mut span = seconds_between(first.ts, start);
                if span >= seconds(spacing) * 1.1 {
                    span = seconds(spacing) / 2.0;
                }
                if rate > 0.0 && first.raw >= 0.0 {
                    span = span.min(first.raw / rate);
                }
                span * rate
            }
        };

        // The end, from points up to `end` only: the rate over the raw
        // points in the window if there are two, else over the last two.
        let raw_from = view.raw_start().max(lo);
        let (from, spacing) = if last_tier == 0 && hi > raw_from + 1 {
            let from = view.get(raw_from).0;
            (
                from,
                seconds_between(last.ts, from.ts) / (hi - raw_from - 1) as f64,
            )
        } else {
            let prev = view.get(hi - 2).0;
            let gap = seconds_between(last.ts, prev.ts);
            (prev, gap.max(seconds(tiers[last_tier].resolution_ms)))
        };
        let rate = growth(from, last) / seconds_between(last.ts, from.ts);
        let mut span = seconds_between(end, last.ts);
        if span >= spacing * 1.1 {
            span = spacing / 2.0;
        }
        Some(result + to_start + span * rate)
    }
}

/// How much a counter grew from `a` to `b` (an earlier and a later point),
/// resets included.
fn growth(a: Point, b: Point) -> f64 {
    (b.raw - a.raw) + (b.offset - a.offset)
}

/// Prometheus' `extrapolatedRate` for `increase()` over points `lo..hi`.
fn prometheus_increase(view: &Chrono, lo: usize, hi: usize, start: i64, end: i64) -> f64 {
    let first = view.get(lo).0;
    let last = view.get(hi - 1).0;
    let mut result = last.raw - first.raw;
    if last.offset != first.offset {
        // Add the value before each drop, as Prometheus does.
        for i in lo + 1..hi {
            let (prev, cur) = (view.get(i - 1).0, view.get(i).0);
            if cur.raw < prev.raw {
                result += prev.raw;
            }
        }
    }
    let mut to_start = seconds_between(first.ts, start);
    let mut to_end = seconds_between(end, last.ts);
    let sampled = seconds_between(last.ts, first.ts);
    let average = sampled / (hi - lo - 1) as f64;
    let threshold = average * 1.1;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if result > 0.0 && first.raw >= 0.0 {
        let to_zero = sampled * (first.raw / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    result * ((sampled + to_start + to_end) / sampled)
}

/// A series' points oldest first, across tiers.
struct Chrono<'s> {
    /// Coarse, minute, raw.
    parts: [&'s VecDeque<Point>; TIERS],
}

impl<'s> Chrono<'s> {
    fn new(series: &'s Series) -> Chrono<'s> {
        let [raw, minute, coarse] = &series.tiers;
        Chrono {
            parts: [coarse, minute, raw],
        }
    }

    /// The point at index `i` (which must exist) and its tier.
    fn get(&self, mut i: usize) -> (Point, usize) {
        for (k, part) in self.parts.iter().enumerate() {
            if let Some(point) = part.get(i) {
                return (*point, TIERS - 1 - k);
            }
            i -= part.len();
        }
        unreachable!("point index out of range")
    }

    /// The point before index `i`, if any.
    fn before(&self, i: usize) -> Option<Point> {
        i.checked_sub(1).map(|i| self.get(i).0)
    }

    /// Index of the first raw point.
    fn raw_start(&self) -> usize {
        self.parts[0].len() + self.parts[1].len()
    }

    /// Number of leading points for which `pred` holds (points are sorted).
    fn partition_point(&self, pred: impl Fn(&Point) -> bool) -> usize {
        let mut index = 0;
        for part in self.parts {
            let n = part.partition_point(&pred);
            index += n;
            if n < part.len() {
                break;
            }
        }
        index
    }
}

/// Appends, growing the buffer by doubling but never past `cap`.
fn push_within(points: &mut VecDeque<Point>, point: Point, cap: usize) {
    if points.len() == points.capacity() {
        let target = (points.capacity() * 2).max(4).min(cap).max(points.len() + 1);
        points.reserve_exact(target - points.len());
    }
    points.push_back(point);
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// `later - earlier` in seconds, as Prometheus computes it (saturating
/// rather than overflowing at the ends of time).
fn seconds_between(later: i64, earlier: i64) -> f64 {
    later.saturating_sub(earlier) as f64 / 1000.0
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1000;
    const DAY: Duration = Duration::from_secs(86_400);

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(text: &str) -> Selector {
        Selector::parse(text).unwrap()
    }

    fn store() -> SeriesStore {
        SeriesStore::new(3 * DAY, 1000)
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Ingests one series' samples, one scrape each.
    fn feed(store: &mut SeriesStore, name: &str, l: &BTreeMap<String, String>, samples: &[(i64, f64)]) {
        for &(ts, value) in samples {
            store.ingest(ts, [(name, l, value)]);
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// Prometheus' `extrapolatedRate` for `increase()`, written out from its
    /// source on plain samples, as the reference.
    fn prometheus_increase(samples: &[(i64, f64)], start: i64, end: i64) -> Option<f64> {
        let s: Vec<_> = samples.iter().filter(|(t, _)| *t > start && *t <= end).collect();
        if s.len() < 2 {
            return None;
        }
        let (first_t, first_v) = *s[0];
        let (last_t, last_v) = *s[s.len() - 1];
        let mut result = last_v - first_v;
        for pair in s.windows(2) {
            if pair[1].1 < pair[0].1 {
                result += pair[0].1;
            }
        }
        let mut to_start = (first_t - start) as f64 / 1000.0;
        let mut to_end = (end - last_t) as f64 / 1000.0;
        let sampled = (last_t - first_t) as f64 / 1000.0;
        let avg = sampled / (s.len() - 1) as f64;
        let threshold = avg * 1.1;
        if to_start >= threshold {
            to_start = avg / 2.0;
        }
        let mut to_zero = to_start;
        if result > 0.0 && first_v >= 0.0 {
            to_zero = sampled * (first_v / result);
        }
        if to_zero < to_start {
            to_start = to_zero;
        }
        if to_end >= threshold {
            to_end = avg / 2.0;
        }
        Some(result * ((sampled + to_start + to_end) / sampled))
    }

    #[test]
    fn steady_counter_extrapolates_to_both_edges() {
        // 100 + 10k at 1 s + 5k s: 2 per second.
        let l = labels(&[]);
        let samples: Vec<_> = (0..20)
            .map(|k| (1_000 + 5_000 * k, 100.0 + 10.0 * k as f64))
            .collect();
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        // Window (1 s, 61 s]: samples at 6..61 s (k = 1..12), 110 to 220.
        // result = 110; sampled = 55 s; avg = 5 s; threshold 5.5 s.
        // to_start = 6 - 1 = 5 s < 5.5: extrapolate all of it; to_zero =
        // 55 * 110 / 110 = 55 s, no cut. to_end = 0.
        // 110 * (55 + 5 + 0) / 55 = 120 = 2/s over 60 s.
        let got = s.increase(&sel("c"), secs(60), 61_000);
        assert!(close(got.value, 120.0), "{got:?}");
        assert_eq!(got.series, 1);
        assert!(!got.is_partial(secs(60)));
        assert_eq!(got.covered, secs(60));
        assert_eq!(Some(got.value), prometheus_increase(&samples, 1_000, 61_000));
        // `now` between scrapes, 3 s after the last one in the window:
        // window (4 s, 64 s]: samples 6..61 s again; to_start = 2, to_end = 3.
        // 110 * (55 + 2 + 3) / 55 = 120.
        assert!(close(s.increase(&sel("c"), secs(60), 64_000).value, 120.0));
    }

    #[test]
    fn series_starting_inside_the_window() {
        let l = labels(&[]);
        // Samples at 100..130 s every 5 s; window (0, 130 s].
        let at = |first: f64| -> Vec<(i64, f64)> {
            (0..7)
                .map(|k| (100_000 + 5_000 * k, first + 2.0 * k as f64))
                .collect()
        };
        for (first, expected) in [
            // result = 12, sampled = 30, avg = 5, to_start = 100 >= 5.5: cut
            // to avg / 2 = 2.5; to_zero = 30 * 3 / 12 = 7.5 > 2.5.
            // 12 * (30 + 2.5) / 30 = 13.
            (3.0, 13.0),
            // to_zero = 30 * 0.6 / 12 = 1.5 < 2.5: the counter was at zero
            // 1.5 s before the first sample. 12 * 31.5 / 30 = 12.6.
            (0.6, 12.6),
            // to_zero = 30 * 1.5 / 12 = 3.75, above avg / 2: the half
            // interval stands (13.0). Prometheus 2.42 cut to zero before the
            // threshold test and gave 12 * 33.75 / 30 = 13.5 here.
            (1.5, 13.0),
        ] {
            let samples = at(first);
            let mut s = store();
            feed(&mut s, "c", &l, &samples);
            let got = s.increase(&sel("c"), secs(130), 130_000);
            assert!(close(got.value, expected), "first {first}: {got:?}");
            assert!(close(
                got.value,
                prometheus_increase(&samples, 0, 130_000).unwrap()
            ));
            // The store has 30 s of history in a 130 s window.
            assert_eq!(got.covered, secs(30));
            assert!(got.is_partial(secs(130)));
        }
    }

    #[test]
    fn series_ending_inside_the_window() {
        let l = labels(&[]);
        // 0, 5, ... 50 at 10..60 s every 5 s (1 per second), then nothing.
        let samples: Vec<_> = (0..11).map(|k| (10_000 + 5_000 * k, 5.0 * k as f64)).collect();
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        // Window (5 s, 120 s]: result 50, sampled 50, avg 5. to_start = 5 <
        // 5.5: all of it, but to_zero = 50 * 0 / 50 = 0 cuts it to 0 (the
        // counter starts at 0). to_end = 60 >= 5.5: avg / 2 = 2.5.
        // 50 * (50 + 0 + 2.5) / 50 = 52.5.
        let got = s.increase(&sel("c"), secs(115), 120_000);
        assert!(close(got.value, 52.5), "{got:?}");
        assert_eq!(Some(got.value), prometheus_increase(&samples, 5_000, 120_000));
    }

    #[test]
    fn reset_in_the_middle() {
        let l = labels(&[]);
        let samples = [
            (5_000, 10.0),
            (10_000, 20.0),
            (15_000, 30.0),
            (20_000, 5.0),
            (25_000, 15.0),
        ];
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        // Window (0, 25 s]: result = 15 - 10 + 30 (value before the drop) = 35.
        // sampled 20, avg 5, to_start = 5 < 5.5; to_zero = 20 * 10 / 35 =
        // 5.71 > 5; to_end = 0. 35 * 25 / 20 = 43.75.
        let got = s.increase(&sel("c"), secs(25), 25_000);
        assert!(close(got.value, 43.75), "{got:?}");
        assert!(close(
            got.value,
            prometheus_increase(&samples, 0, 25_000).unwrap()
        ));
        // A drop just before the window is no reset within it: window
        // (17 s, 25 s] holds 5 and 15 only. result 10, sampled 5, avg 5,
        // to_start = 3; to_zero = 5 * 5 / 10 = 2.5 < 3. 10 * 7.5 / 5 = 15.
        let got = s.increase(&sel("c"), secs(8), 25_000);
        assert!(close(got.value, 15.0), "{got:?}");
    }

    #[test]
    fn window_longer_than_history_is_partial() {
        let l = labels(&[]);
        // 10 minutes of 5 s scrapes, 1 per second, starting at 1000.
        let t0 = 1_000_000;
        let samples: Vec<_> = (0..=120)
            .map(|k| (t0 + 5_000 * k, 1000.0 + 5.0 * k as f64))
            .collect();
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        let now = t0 + 600_000;
        assert_eq!(s.history(now), secs(600));
        let got = s.increase(&sel("c"), secs(3600), now);
        // result 600 over 600 s; to_start = 3000 s: avg / 2 = 2.5 s; to_zero
        // = 600 * 1000 / 600 = 1000 s, no cut; to_end 0. 600 * 602.5 / 600.
        assert!(close(got.value, 602.5), "{got:?}");
        assert_eq!(got.covered, secs(600));
        assert!(got.is_partial(secs(3600)));
        assert!(!got.is_partial(secs(600)));
        // Later `now` with no new scrape: history grows with the clock.
        assert_eq!(s.history(now + 5_000), secs(605));
        assert_eq!(SeriesStore::new(DAY, 10).history(now), Duration::ZERO);
    }

    #[test]
    fn series_are_summed_and_selected() {
        let mut s = store();
        let series = [
            (
                labels(&[("code", "200"), ("route", "/api/v1/quotes/{symbol}")]),
                10.0,
            ),
            (
                labels(&[("code", "503"), ("route", "/api/v1/quotes/{symbol}")]),
                1.0,
            ),
            (labels(&[("code", "500"), ("route", "/metrics")]), 2.0),
            (labels(&[("code", "1500"), ("route", "/metrics")]), 100.0),
        ];
        for k in 0..=12 {
            let scrape: Vec<_> = series
                .iter()
                .map(|(l, rate)| ("req_total", l, rate * 5.0 * k as f64))
                .collect();
            s.ingest(5_000 * k, scrape);
            s.ingest(5_000 * k, [("other_total", &series[0].0, 1e6 * k as f64)]);
        }
        // Each series is steady from 0: over (0, 60 s] its samples run from
        // 5 s to 60 s; to_start = 5 s, but to_zero = 55 * (5 r) / (55 r) = 5 s
        // too; so each gives its rate times 60 s.
        let inc = |text: &str| s.increase(&sel(text), secs(60), 60_000);
        let all = inc("req_total");
        assert!(close(all.value, 113.0 * 60.0), "{all:?}");
        assert_eq!(all.series, 4);
        let errors = inc(r#"req_total{code=~"5.."}"#);
        assert!(close(errors.value, 3.0 * 60.0), "{errors:?}");
        assert_eq!(errors.series, 2);
        let quotes = inc(r#"req_total{code=~"5..",route="/api/v1/quotes/{symbol}"}"#);
        assert!(close(quotes.value, 60.0));
        assert_eq!(inc(r#"{__name__=~".*_total",code="200"}"#).series, 2);
        let none = inc(r#"req_total{code="404"}"#);
        assert_eq!((none.value, none.series), (0.0, 0));
        assert_eq!(none.covered, secs(60));
    }

    #[test]
    fn past_now_sees_only_what_was_there() {
        let l = labels(&[]);
        let samples: Vec<_> = (0..=240)
            .map(|k| (5_000 * k, if k < 120 { 0.0 } else { 10.0 * (k - 120) as f64 }))
            .collect();
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        // Before 600 s the counter stood still.
        let before = s.increase(&sel("c"), secs(300), 500_000);
        assert_eq!((before.value, before.series), (0.0, 1));
        assert_eq!(before.covered, secs(300));
        // At 900 s: 5 m window is all growth at 2/s.
        let during = s.increase(&sel("c"), secs(300), 900_000);
        assert!(close(during.value, 600.0), "{during:?}");
        for now in [300_000, 599_999, 600_000, 700_000, 1_200_000] {
            assert_eq!(
                Some(s.increase(&sel("c"), secs(300), now).value),
                prometheus_increase(&samples, now - 300_000, now),
                "now {now}"
            );
        }
        // Before the first sample there is no history.
        let early = s.increase(&sel("c"), secs(300), -1);
        assert_eq!((early.series, early.covered), (0, Duration::ZERO));
    }

    #[test]
    fn fewer_than_two_samples_contribute_nothing() {
        let l = labels(&[]);
        let mut s = store();
        feed(&mut s, "c", &l, &[(10_000, 5.0), (20_000, 6.0)]);
        let got = s.increase(&sel("c"), secs(5), 20_000);
        assert_eq!((got.value, got.series), (0.0, 0));
        // The window is open on the left: (10 s, 20 s] holds one sample.
        assert_eq!(s.increase(&sel("c"), secs(10), 20_000).series, 0);
        assert_eq!(s.increase(&sel("c"), secs(11), 20_000).series, 1);
        assert_eq!(s.increase(&sel("c"), Duration::ZERO, 20_000).series, 0);
    }

    #[test]
    fn max_series_refusal_is_counted() {
        let mut s = SeriesStore::new(DAY, 3);
        let all: Vec<_> = (0..5).map(|i| labels(&[("i", &i.to_string())])).collect();
        for k in 0..3 {
            s.ingest(5_000 * k, all.iter().map(|l| ("c", l, k as f64)));
        }
        assert_eq!(s.series_count(), 3);
        assert_eq!(s.refused_series(), 2);
        assert_eq!(s.refused_samples(), 6);
        // The first three seen are kept.
        assert_eq!(s.increase(&sel(r#"c{i=~"0|1|2"}"#), secs(60), 10_000).series, 3);
        assert_eq!(s.increase(&sel(r#"c{i=~"3|4"}"#), secs(60), 10_000).series, 0);
        // Samples of known series are still taken.
        s.ingest(15_000, all[..2].iter().map(|l| ("c", l, 3.0)));
        assert_eq!(s.refused_series(), 0);
        assert_eq!(s.point_count(), 3 * 3 + 2);
    }

    #[test]
    fn series_not_scraped_past_retention_are_forgotten() {
        let mut s = SeriesStore::new(secs(600), 1);
        let (a, b) = (labels(&[("s", "a")]), labels(&[("s", "b")]));
        s.ingest(0, [("c", &a, 1.0)]);
        s.ingest(5_000, [("c", &b, 1.0)]);
        assert_eq!((s.series_count(), s.refused_series()), (1, 1));
        // 10 minutes later `a` has aged out and `b` takes its place.
        s.ingest(600_000, [("c", &b, 2.0)]);
        assert_eq!((s.series_count(), s.refused_series()), (1, 0));
        s.ingest(605_000, [("c", &b, 3.0)]);
        assert_eq!(s.increase(&sel(r#"c{s="b"}"#), secs(600), 605_000).series, 1);
        assert_eq!(s.history(605_000), secs(5));
    }

    #[test]
    fn retention_drops_old_samples() {
        let l = labels(&[]);
        let mut s = SeriesStore::new(secs(60), 10);
        for k in 0..=40 {
            s.ingest(5_000 * k, [("c", &l, k as f64)]);
        }
        // Clock at 200 s: only samples after 140 s are kept.
        assert_eq!(s.point_count(), 12);
        assert_eq!(s.history(200_000), secs(55));
        let got = s.increase(&sel("c"), secs(3600), 200_000);
        assert!(got.is_partial(secs(3600)));
        assert_eq!(got.covered, secs(55));
        // A sample timestamped before the retention is dropped.
        s.ingest_exposition(205_000, &crate::metrics_text::parse("d 1 100000\nc 41\n"));
        assert_eq!(s.dropped_samples(), 1);
        assert_eq!(s.series_count(), 1);
    }

    #[test]
    fn out_of_order_duplicates_and_nan_do_not_panic() {
        let l = labels(&[]);
        let mut s = store();
        for (ts, v) in [
            (10_000, 1.0),
            (20_000, 2.0),
            (15_000, 100.0), // out of order
            (20_000, 50.0),  // duplicate timestamp
            (25_000, f64::NAN),
            (30_000, f64::INFINITY),
            (35_000, 3.0),
            (i64::MIN, 4.0),
            (40_000, f64::NEG_INFINITY),
        ] {
            s.ingest(ts, [("c", &l, v)]);
        }
        assert_eq!(s.dropped_samples(), 6);
        assert_eq!(s.point_count(), 3);
        // 1, 2, 3 at 10, 20, 35 s: no resets were made up.
        // result 2, sampled 25, avg 12.5; to_start 10 < 13.75, to_zero =
        // 25 * 1 / 2 = 12.5 > 10; to_end 0. 2 * 35 / 25 = 2.8.
        let got = s.increase(&sel("c"), secs(35), 35_000);
        assert!(close(got.value, 2.8), "{got:?}");
        // The clock never went back.
        assert_eq!(s.latest_ms(), Some(40_000));
        // Extreme times and windows do not overflow.
        let _ = s.increase(&sel("c"), Duration::MAX, i64::MIN);
        let _ = s.increase(&sel("c"), Duration::MAX, i64::MAX);
        let _ = s.history(i64::MIN);
        let mut far = SeriesStore::new(Duration::MAX, 10);
        far.ingest(i64::MAX, [("c", &l, 1.0)]);
        far.ingest(i64::MIN, [("c", &l, 1.0)]);
        assert_eq!(far.point_count(), 1);
    }

    #[test]
    fn exposition_is_ingested_with_its_timestamps() {
        let text = |k: i64| {
            format!(
                concat!(
                    "# TYPE mda_http_requests_total counter\n",
                    "mda_http_requests_total{{route=\"/api/v1/quotes/{{symbol}}\",status=\"200\"}} {}\n",
                    "mda_http_requests_total{{route=\"/api/v1/quotes/{{symbol}}\",status=\"503\"}} {}\n",
                    "# TYPE mda_lat_seconds histogram\n",
                    "mda_lat_seconds_bucket{{le=\"0.1\"}} {}\n",
                    "mda_lat_seconds_bucket{{le=\"+Inf\"}} {}\n",
                    "mda_lat_seconds_sum 1\n",
                    "mda_lat_seconds_count {}\n",
                    "fed:ratio 0.5 {}\n",
                ),
                100 * k,
                k,
                90 * k,
                100 * k,
                100 * k,
                // A federated sample stamped 1 s before the scrape.
                5_000 * k - 1_000,
            )
        };
        let mut s = store();
        for k in 0..=12 {
            s.ingest_exposition(5_000 * k, &crate::metrics_text::parse(&text(k)));
        }
        assert_eq!(s.series_count(), 7);
        let inc = |q: &str| s.increase(&sel(q), secs(60), 60_000).value;
        assert!(close(inc(r#"mda_http_requests_total{status=~"5.."}"#), 12.0));
        assert!(close(inc("mda_http_requests_total"), 101.0 * 12.0));
        assert!(close(inc(r#"mda_lat_seconds_bucket{le="0.1"}"#), 90.0 * 12.0));
        // The federated series: 13 points from -1 s to 59 s; the first is
        // outside (0, 60 s], so 12 remain, 4 to 59 s.
        let fed = s.increase(&sel("fed:ratio"), secs(60), 60_000);
        assert_eq!((fed.value, fed.series), (0.0, 1));
    }

    #[test]
    fn raw_windows_equal_prometheus_exactly() {
        // Jittered scrapes of a noisy counter with resets; every window that
        // lies in the raw tier gives Prometheus' figure.
        let l = labels(&[]);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut samples = Vec::new();
        let (mut t, mut v) = (1_700_000_000_000_i64, 0.0_f64);
        for _ in 0..700 {
            t += 4_500 + (next() % 1_000) as i64;
            v = if next() % 97 == 0 {
                (next() % 5) as f64
            } else {
                v + (next() % 50) as f64 * 0.25
            };
            samples.push((t, v));
        }
        let mut s = store();
        feed(&mut s, "c", &l, &samples);
        let end = t;
        for window in [30, 60, 300, 1_800, 3_000] {
            for back in [0, 1_234, 60_000, 333_333] {
                let now = end - back;
                let start = now - window * SECOND;
                let got = s.increase(&sel("c"), secs(window as u64), now);
                let want = prometheus_increase(&samples, start, now);
                assert_eq!(
                    Some(got.value).filter(|_| got.series == 1),
                    want,
                    "window {window} s, now {now}"
                );
            }
        }
    }

    #[test]
    fn three_days_stay_bounded_and_accurate() {
        // 50 series, a scrape every 5 s (with up to 400 ms of jitter) for 3
        // days. Rates follow a daily cycle with noise; every series restarts
        // from zero at 1.5 days (an agent restart) and series 0 also at 2.9
        // days.
        const SERIES: usize = 50;
        const KEPT: usize = 3;
        let ids: Vec<_> = (0..SERIES)
            .map(|i| labels(&[("i", &format!("{i:02}"))]))
            .collect();
        let mut s = SeriesStore::new(3 * DAY, 1000);
        let mut raw: Vec<Vec<(i64, f64)>> = vec![Vec::new(); KEPT];
        let mut values = [0.0_f64; SERIES];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let scrapes = 3 * 86_400 / 5;
        let t0 = 1_700_000_000_000_i64;
        let mut most_points = 0;
        let mut end = t0;
        for k in 0..scrapes {
            let ts = t0 + 5_000 * k + (next() % 400) as i64;
            let day = (k * 5) as f64 / 86_400.0;
            let cycle = 1.0 + 0.5 * (day * std::f64::consts::TAU).sin();
            for (i, value) in values.iter_mut().enumerate() {
                if k == scrapes / 2 || (i == 0 && k == scrapes * 29 / 30) {
                    *value = 0.0;
                }
                let mean = (1 + i) as f64 * cycle;
                *value += mean * (next() % 2001) as f64 / 1000.0;
            }
            s.ingest(ts, ids.iter().zip(&values).map(|(l, v)| ("c", l, *v)));
            for (i, kept) in raw.iter_mut().enumerate() {
                kept.push((ts, values[i]));
            }
            if k % 1000 == 0 {
                most_points = most_points.max(s.point_count());
            }
            end = ts;
        }
        assert_eq!(s.series_count(), SERIES);
        // The bound: never more than the per-series caps; after 3 days of 5 s
        // scrapes about 720 raw + 300 minute + 792 coarse points a series.
        assert_eq!(s.max_points_per_series(), 1024 + 362 + 866);
        let points = s.point_count();
        assert!(points <= SERIES * 1_815, "{points} points");
        assert!(points >= SERIES * 1_800, "{points} points");
        assert!(most_points <= SERIES * 1_815);
        // Allocated: under 56 KB a series, so 500 series stay under 28 MB.
        let bytes = s.allocated_bytes();
        assert!(bytes <= SERIES * 56 * 1024, "{bytes} bytes");
        assert!(bytes * 10 <= 28 << 20);

        let now = end + 2_000;
        // Windows in the raw tier give Prometheus' figure exactly. Longer or
        // older ones, with an edge among thinned points, differ by the
        // counter's noise within about one bucket at the edges (these
        // counters gain 0 to 2 times their mean each scrape): relative to
        // the window, 5 minutes of it is 1.4% of 6 hours and 0.35% of a day.
        for (window, now, tolerance) in [
            (secs(300), now, 0.0),
            (secs(3_600), now, 0.0),
            (secs(6 * 3_600), now, 0.005),
            (DAY, now, 0.001),
            (2 * DAY, now, 0.001),
            (3 * DAY, now, 0.001),
            // Burn-rate history: past windows in the minute and coarse tiers.
            (secs(1_800), now - 3 * 3_600_000, 0.02),
            (secs(3_600), now - 2 * 86_400_000, 0.02),
            (secs(6 * 3_600), now - 86_400_000, 0.005),
            // Across the restart at 1.5 days.
            (DAY, t0 + 2 * 86_400_000, 0.001),
            (secs(3_600), t0 + 36 * 3_600_000 + 1_000_000, 0.02),
        ] {
            let start = now - duration_ms(window);
            for (i, kept) in raw.iter().enumerate() {
                let want = prometheus_increase(kept, start, now).unwrap();
                let got = s.increase(&sel(&format!(r#"c{{i="{i:02}"}}"#)), window, now);
                if tolerance == 0.0 {
                    assert_eq!(got.value, want, "series {i}, window {window:?} at {now}");
                }
                let error = (got.value - want).abs() / want;
                assert!(
                    error <= tolerance,
                    "series {i}, window {window:?} at {now}: {} vs {want} ({error:e})",
                    got.value
                );
            }
        }
        // The 3-day window is covered from the oldest point kept: the last
        // sample of the first 5 minutes (the first scrape was 200 s into its
        // 5-minute bucket, so about 95 s after it).
        let three = s.increase(&sel("c"), 3 * DAY, now);
        assert_eq!(three.series, SERIES);
        assert!(three.covered < 3 * DAY - secs(90), "{three:?}");
        assert!(three.covered > 3 * DAY - secs(110), "{three:?}");
    }
}
