//! What the pipeline records per accepted tick for the detectors: when each
//! symbol last had an accepted tick ([`SymbolActivity`], one relaxed store),
//! and whether the tick's price move is an anomaly ([`PriceWatch`], one log
//! and one comparison, the statistics refreshed every few ticks). Anomalies
//! go to the detector task as [`AnomalyEvent`]s without ever blocking.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use prometheus::IntCounter;
use tokio::sync::mpsc;

use super::mad::{MadParams, RollingMad, Scratch};
use crate::book::SymbolId;
use crate::config::PriceAnomalyConfig;
use crate::feed::RawTick;

const NEVER: i64 = i64::MIN;

/// Wall-clock time of each symbol's newest accepted tick, by book id.
#[derive(Debug)]
pub(crate) struct SymbolActivity {
    last_ms: Box<[AtomicI64]>,
}

impl SymbolActivity {
    pub fn new(symbols: usize) -> SymbolActivity {
        SymbolActivity {
            last_ms: (0..symbols).map(|_| AtomicI64::new(NEVER)).collect(),
        }
    }

    #[inline]
    pub fn mark(&self, id: SymbolId, now_ms: i64) {
        if let Some(slot) = self.last_ms.get(id) {
            slot.store(now_ms, Ordering::Relaxed);
        }
    }

    /// Writes each symbol's last accepted time (`None` before the first)
    /// into `out`, by id.
    pub fn read_into(&self, out: &mut Vec<Option<i64>>) {
        out.clear();
        out.extend(self.last_ms.iter().map(|slot| {
            let ms = slot.load(Ordering::Relaxed);
            (ms != NEVER).then_some(ms)
        }));
    }
}

/// One anomalous tick, as the pipeline saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AnomalyEvent {
    pub symbol: SymbolId,
    pub source: Arc<str>,
    /// Wall clock when it was seen, Unix ms.
    pub at_ms: i64,
    /// Mid price before and at the anomalous tick.
    pub from: f64,
    pub to: f64,
    /// Distance of the log return from the median, in robust standard
    /// deviations (signed).
    pub z: f64,
}

/// Per-symbol rolling statistics of mid-price log returns.
pub(crate) struct PriceWatch {
    params: MadParams,
    max_gap_ms: u64,
    tracks: Vec<Track>,
    scratch: Scratch,
    /// `mda_anomalies_total{symbol}`, by id.
    counters: Vec<IntCounter>,
    events: mpsc::Sender<AnomalyEvent>,
}

#[derive(Default)]
struct Track {
    /// Mid price of the previous tick; 0 before the first.
    mid: f64,
    ts: i64,
    returns: RollingMad,
}

impl PriceWatch {
    /// `counters` holds one counter per book id.
    pub fn new(
        config: &PriceAnomalyConfig,
        counters: Vec<IntCounter>,
        events: mpsc::Sender<AnomalyEvent>,
    ) -> PriceWatch {
        PriceWatch {
            params: MadParams::new(config.window, config.k, config.min_scale_bps / 10_000.0),
            max_gap_ms: config.max_gap_ms,
            tracks: (0..counters.len()).map(|_| Track::default()).collect(),
            scratch: Scratch::default(),
            counters,
            events,
        }
    }

    /// Scores an accepted tick of symbol `id`. An anomaly is counted and
    /// reported; the tick itself is served either way.
    #[inline]
    pub fn observe(&mut self, id: SymbolId, tick: &RawTick, source: &Arc<str>, now_ms: i64) {
        let Some(track) = self.tracks.get_mut(id) else {
            return;
        };
        let mid = 0.5 * (tick.bid + tick.ask);
        let (prev, prev_ts) = (track.mid, track.ts);
        track.mid = mid;
        track.ts = tick.ts;
        if prev <= 0.0 || tick.ts.abs_diff(prev_ts) > self.max_gap_ms {
            return;
        }
        let Some(outlier) = track
            .returns
            .push((mid / prev).ln(), &self.params, &mut self.scratch)
        else {
            return;
        };
        self.counters[id].inc();
        // A full queue drops the event, never the tick: the counter above
        // still has it.
        let _ = self.events.try_send(AnomalyEvent {
            symbol: id,
            source: Arc::clone(source),
            at_ms: now_ms,
            from: prev,
            to: mid,
            z: outlier.z(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AgentConfig, SymbolSpec};
    use crate::metrics::Metrics;
    use crate::sim::Simulator;

    fn tick(price: f64, ts: i64) -> RawTick {
        RawTick {
            symbol: "A".into(),
            price,
            bid: price - 0.01,
            ask: price + 0.01,
            size: 1.0,
            ts,
        }
    }

    fn watch(symbols: &[&str]) -> (PriceWatch, mpsc::Receiver<AnomalyEvent>, Metrics) {
        let metrics = Metrics::new().unwrap();
        let names: Vec<Arc<str>> = symbols.iter().map(|s| Arc::from(*s)).collect();
        let (tx, rx) = mpsc::channel(16);
        let config = PriceAnomalyConfig::default();
        let watch = PriceWatch::new(&config, metrics.anomaly_counters(&names), tx);
        (watch, rx, metrics)
    }

    #[test]
    fn activity_records_the_last_accepted_time() {
        let activity = SymbolActivity::new(2);
        let mut out = Vec::new();
        activity.read_into(&mut out);
        assert_eq!(out, [None, None]);
        activity.mark(1, 42);
        activity.mark(7, 1); // outside the book: ignored
        activity.read_into(&mut out);
        assert_eq!(out, [None, Some(42)]);
    }

    #[test]
    fn a_jump_is_counted_and_reported_once() {
        let (mut watch, mut rx, metrics) = watch(&["A"]);
        let source: Arc<str> = Arc::from("test");
        let mut price = 100.0;
        for i in 0..200 {
            // a small zig-zag: returns of a few bp
            price += if i % 3 == 0 { 0.05 } else { -0.02 };
            if i == 150 {
                price *= 1.25;
            }
            watch.observe(0, &tick(price, i * 10), &source, 1_000 + i);
        }
        let event = rx.try_recv().unwrap();
        assert_eq!((event.symbol, &*event.source, event.at_ms), (0, "test", 1_150));
        assert!((event.to / event.from - 1.25).abs() < 0.01, "{event:?}");
        assert!(event.z > 10.0);
        assert!(rx.try_recv().is_err());
        let text = metrics.render().unwrap();
        assert!(text.contains("mda_anomalies_total{symbol=\"A\"} 1\n"), "{text}");
    }

    #[test]
    fn a_move_across_a_gap_is_not_scored() {
        let (mut watch, mut rx, _metrics) = watch(&["A"]);
        let source: Arc<str> = Arc::from("test");
        for i in 0..100 {
            watch.observe(0, &tick(100.0 + (i % 2) as f64 * 0.03, i * 10), &source, 0);
        }
        // 10 s later, 30% higher: a reopening, not a bad tick.
        watch.observe(0, &tick(130.0, 990 + 10_000), &source, 0);
        assert!(rx.try_recv().is_err());
    }

    /// The simulator itself, at the default and at a high tick rate (where
    /// moves are mostly tick-size quantisation), raises no anomaly.
    #[test]
    fn the_simulated_feed_raises_no_anomaly() {
        for rate in [20.0, 14_000.0] {
            let mut config = AgentConfig::embedded().simulator;
            config.tick_rate = rate;
            config.symbols = [("AAPL", 229.87), ("PFE", 25.56), ("NOW", 1051.22), ("LOW", 10.0)]
                .iter()
                .map(|(s, p)| SymbolSpec {
                    symbol: s.to_string(),
                    price: *p,
                })
                .collect();
            let names: Vec<&str> = config.symbols.iter().map(|s| s.symbol.as_str()).collect();
            let (mut watch, mut rx, _metrics) = watch(&names);
            let mut sim = Simulator::new(&config, 5);
            let source: Arc<str> = Arc::from("sim");
            let mut ticks = Vec::new();
            let steps = (50_000.0 / (rate * 0.01)).ceil() as i64;
            for step in 0..steps {
                ticks.clear();
                sim.step(0.01, step * 10, &mut ticks);
                for t in &ticks {
                    let id = names.iter().position(|n| **n == *t.symbol).unwrap();
                    watch.observe(id, t, &source, 0);
                }
            }
            assert!(rx.try_recv().is_err(), "rate {rate}: false anomaly");
        }
    }
}
