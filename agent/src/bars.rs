//! OHLCV bars: a bounded ring per symbol and interval, folded tick by tick.
//! Pure data structure; the book owns the rings and the locking.

use std::collections::VecDeque;

use crate::api::{Bar, BarInterval};

/// The newest `capacity` bars of one interval, oldest first; the last bar is
/// the one still forming.
#[derive(Debug, Clone)]
pub(crate) struct BarRing {
    interval_ms: i64,
    capacity: usize,
    bars: VecDeque<Bar>,
}

impl BarRing {
    pub fn new(interval: BarInterval, capacity: usize) -> BarRing {
        BarRing {
            interval_ms: interval.millis(),
            capacity: capacity.max(1),
            bars: VecDeque::new(),
        }
    }

    /// Folds one trade into the bar its timestamp falls in. A late trade
    /// updates (or inserts) its own older bar; one older than the whole ring
    /// is dropped.
    pub fn fold(&mut self, ts: i64, price: f64, size: f64) {
        let start = ts.saturating_sub(ts.rem_euclid(self.interval_ms));
        match self.bars.back_mut() {
            Some(bar) if bar.start == start => update(bar, price, size),
            Some(bar) if bar.start > start => self.fold_late(start, price, size),
            _ => {
                if self.bars.len() == self.capacity {
                    self.bars.pop_front();
                }
                self.bars.push_back(new_bar(start, price, size));
            }
        }
    }

    fn fold_late(&mut self, start: i64, price: f64, size: f64) {
        match self.bars.binary_search_by_key(&start, |b| b.start) {
            Ok(i) => {
                if let Some(bar) = self.bars.get_mut(i) {
                    update(bar, price, size);
                }
            }
            Err(0) if self.bars.len() == self.capacity => {}
            Err(i) => {
                self.bars.insert(i, new_bar(start, price, size));
                if self.bars.len() > self.capacity {
                    self.bars.pop_front();
                }
            }
        }
    }

    /// Bars held.
    pub fn len(&self) -> usize {
        self.bars.len()
    }

    /// The newest `limit` bars, oldest first.
    pub fn latest(&self, limit: usize) -> Vec<Bar> {
        let skip = self.bars.len().saturating_sub(limit);
        self.bars.iter().skip(skip).cloned().collect()
    }

    /// Replaces the ring with restored bars: ordered by start, one per
    /// interval start (the last one given wins), the newest `capacity`.
    pub fn restore(&mut self, mut bars: Vec<Bar>) {
        bars.sort_by_key(|b| b.start);
        let mut kept: VecDeque<Bar> = VecDeque::with_capacity(bars.len().min(self.capacity));
        for bar in bars {
            if kept.back().is_some_and(|last| last.start == bar.start) {
                kept.pop_back();
            }
            kept.push_back(bar);
            if kept.len() > self.capacity {
                kept.pop_front();
            }
        }
        self.bars = kept;
    }
}

fn new_bar(start: i64, price: f64, size: f64) -> Bar {
    Bar {
        start,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: size,
        ticks: 1,
    }
}

fn update(bar: &mut Bar, price: f64, size: f64) {
    bar.high = bar.high.max(price);
    bar.low = bar.low.min(price);
    bar.close = price;
    bar.volume += size;
    bar.ticks += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_ohlcv_within_an_interval() {
        let mut ring = BarRing::new(BarInterval::OneSecond, 10);
        ring.fold(10_100, 5.0, 1.0);
        ring.fold(10_200, 7.0, 2.0);
        ring.fold(10_300, 4.0, 3.0);
        ring.fold(10_999, 6.0, 4.0);
        let bars = ring.latest(10);
        assert_eq!(
            bars,
            [Bar {
                start: 10_000,
                open: 5.0,
                high: 7.0,
                low: 4.0,
                close: 6.0,
                volume: 10.0,
                ticks: 4
            }]
        );
    }

    #[test]
    fn starts_new_bars_and_keeps_only_capacity() {
        let mut ring = BarRing::new(BarInterval::OneSecond, 3);
        for s in 0..5 {
            ring.fold(s * 1_000 + 500, s as f64 + 1.0, 1.0);
        }
        let starts: Vec<i64> = ring.latest(10).iter().map(|b| b.start).collect();
        assert_eq!(starts, [2_000, 3_000, 4_000]);
        let starts: Vec<i64> = ring.latest(2).iter().map(|b| b.start).collect();
        assert_eq!(starts, [3_000, 4_000]);
    }

    #[test]
    fn late_trades_update_or_insert_their_own_bar() {
        let mut ring = BarRing::new(BarInterval::OneMinute, 3);
        ring.fold(0, 1.0, 1.0);
        ring.fold(120_000, 3.0, 1.0);
        ring.fold(60_001, 2.0, 1.0); // fills the gap
        ring.fold(1, 9.0, 1.0); // updates the oldest bar
        let bars = ring.latest(10);
        let starts: Vec<i64> = bars.iter().map(|b| b.start).collect();
        assert_eq!(starts, [0, 60_000, 120_000]);
        assert_eq!((bars[0].high, bars[0].close, bars[0].ticks), (9.0, 9.0, 2));
        assert_eq!(bars[2].close, 3.0);
        ring.fold(180_000, 4.0, 1.0);
        ring.fold(5, 1.0, 1.0); // older than the ring: dropped
        let starts: Vec<i64> = ring.latest(10).iter().map(|b| b.start).collect();
        assert_eq!(starts, [60_000, 120_000, 180_000]);
    }

    #[test]
    fn restore_orders_dedups_and_bounds() {
        let mut ring = BarRing::new(BarInterval::OneSecond, 2);
        ring.fold(0, 1.0, 1.0);
        let bar = |start, close| Bar {
            close,
            ..new_bar(start, close, 1.0)
        };
        ring.restore(vec![
            bar(3_000, 3.0),
            bar(1_000, 1.0),
            bar(2_000, 2.0),
            bar(3_000, 4.0),
        ]);
        let closes: Vec<(i64, f64)> = ring.latest(10).iter().map(|b| (b.start, b.close)).collect();
        assert_eq!(closes, [(2_000, 2.0), (3_000, 4.0)]);
        ring.fold(3_500, 5.0, 1.0);
        assert_eq!(ring.latest(1)[0].ticks, 2, "new ticks fold into restored bars");
    }

    #[test]
    fn negative_timestamps_align_down() {
        let mut ring = BarRing::new(BarInterval::OneSecond, 2);
        ring.fold(-1, 1.0, 1.0);
        assert_eq!(ring.latest(1)[0].start, -1_000);
    }
}
