//! The simulated feed: geometric Brownian motion per symbol.
//!
//! [`Simulator`] is pure and deterministic: each symbol has its own generator
//! seeded from the seed and the symbol's name, so a symbol's price path
//! depends only on the seed, not on timing or on which other symbols run.
//! [`run`] is the thin timer loop that drives it into a [`Feed`].
//!
//! Faults can be injected for tests and demos ([`Simulator::inject`]): a
//! price jump that stays, or a stall during which a symbol emits nothing and
//! its price does not move.

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use crate::api::Injection;
use crate::clock::now_ms;
use crate::config::{ScheduledInjection, SimulatorConfig};
use crate::feed::{Feed, RawTick};

/// Trading seconds in a year (252 days of 6.5 hours): the unit of the
/// annualised volatility and drift.
const TRADING_SECONDS_PER_YEAR: f64 = 252.0 * 6.5 * 3600.0;

/// Longest stretch of time one step catches up on; after a stall (a full
/// queue, a suspended process) the feed resumes instead of flooding.
const MAX_CATCH_UP: Duration = Duration::from_millis(250);

/// Most ticks one step emits over all symbols; beyond it (an extreme rate
/// times many symbols) the step emits this many and the rest is skipped, so
/// memory stays bounded.
const MAX_TICKS_PER_STEP: f64 = 262_144.0;

/// Price jump factors accepted: from a 99% fall to a 100x rise.
const JUMP_FACTORS: std::ops::RangeInclusive<f64> = 0.01..=100.0;
/// Longest stall, seconds.
const MAX_STALL_S: f64 = 3600.0;

/// Checks an injection's values (not its symbol, which depends on the
/// symbols served), naming the field at fault.
pub(crate) fn check_injection(injection: &Injection) -> Result<(), String> {
    match *injection {
        Injection::PriceJump { factor, .. } if !JUMP_FACTORS.contains(&factor) => Err(format!(
            "factor: must be from {} to {}, got {factor}",
            JUMP_FACTORS.start(),
            JUMP_FACTORS.end()
        )),
        Injection::Stall { seconds, .. } if !(seconds > 0.0 && seconds <= MAX_STALL_S) => Err(format!(
            "seconds: must be above 0 and at most {MAX_STALL_S}, got {seconds}"
        )),
        _ => Ok(()),
    }
}

/// The mid price never falls below this many ticks.
const MIN_MID_TICKS: f64 = 10.0;

#[derive(Debug, Clone)]
struct Params {
    /// Ticks per second per symbol.
    rate: f64,
    /// Log-price drift per tick, `(mu - sigma^2/2) dt`.
    drift_per_tick: f64,
    /// Log-price standard deviation per tick, `sigma sqrt(dt)`.
    sigma_per_tick: f64,
    /// Half the spread as a fraction of the mid.
    half_spread: f64,
    tick_size: f64,
    /// 10^decimals of the tick size, to print rounded prices exactly.
    decimal_scale: f64,
    mean_trade_size: f64,
    min_log_mid: f64,
}

#[derive(Debug, Clone)]
struct SymbolPath {
    symbol: Arc<str>,
    log_mid: f64,
    rng: SmallRng,
    /// Second normal of the last Box-Muller pair.
    spare_normal: Option<f64>,
    /// Fraction of a tick carried over to the next step.
    carry: f64,
    /// Seconds of an injected stall still to go.
    stalled_for: f64,
}

/// Deterministic generator of simulated ticks for a set of symbols.
#[derive(Debug, Clone)]
pub(crate) struct Simulator {
    params: Params,
    paths: Vec<SymbolPath>,
    /// Per-step tick counts, kept to avoid an allocation per step.
    due: Vec<u32>,
}

impl Simulator {
    pub fn new(config: &SimulatorConfig, seed: u64) -> Simulator {
        let dt = 1.0 / config.tick_rate * config.time_scale / TRADING_SECONDS_PER_YEAR;
        let sigma = config.volatility;
        let params = Params {
            rate: config.tick_rate,
            drift_per_tick: (config.drift - 0.5 * sigma * sigma) * dt,
            sigma_per_tick: sigma * dt.sqrt(),
            half_spread: config.spread_bps / 20_000.0,
            tick_size: config.tick_size,
            decimal_scale: decimal_scale(config.tick_size),
            mean_trade_size: config.mean_trade_size,
            min_log_mid: (config.tick_size * MIN_MID_TICKS).ln(),
        };
        let paths = config
            .symbols
            .iter()
            .map(|spec| SymbolPath {
                symbol: Arc::from(spec.symbol.as_str()),
                log_mid: spec.price.ln().max(params.min_log_mid),
                rng: SmallRng::seed_from_u64(seed ^ fnv1a(&spec.symbol)),
                spare_normal: None,
                carry: 0.0,
                stalled_for: 0.0,
            })
            .collect();
        Simulator {
            params,
            due: vec![0; config.symbols.len()],
            paths,
        }
    }

    /// Appends the ticks that fell due in `elapsed` seconds, stamped `ts`,
    /// interleaved across symbols as an exchange feed would be.
    pub fn step(&mut self, elapsed: f64, ts: i64, out: &mut Vec<RawTick>) {
        let per_symbol = MAX_TICKS_PER_STEP / self.paths.len().max(1) as f64;
        let ticks = (self.params.rate * elapsed.max(0.0)).min(per_symbol);
        let mut most = 0;
        for (path, due) in self.paths.iter_mut().zip(self.due.iter_mut()) {
            // A nanosecond left of a stall is float rounding, not a stall.
            if path.stalled_for > 1e-9 {
                path.stalled_for -= elapsed.max(0.0);
                path.carry = 0.0;
                *due = 0;
                continue;
            }
            let exact = path.carry + ticks;
            let whole = exact.floor();
            path.carry = exact - whole;
            *due = whole.min(f64::from(u32::MAX)) as u32;
            most = most.max(*due);
        }
        for round in 0..most {
            for (path, due) in self.paths.iter_mut().zip(&self.due) {
                if *due > round {
                    out.push(path.next_tick(&self.params, ts));
                }
            }
        }
    }

    pub fn symbols(&self) -> usize {
        self.paths.len()
    }

    /// Applies an injected fault to its symbol (`"*"`: every symbol) and
    /// returns how many symbols it touched. A price jump moves the mid by
    /// the factor from the next tick on; a stall replaces any stall under
    /// way.
    pub fn inject(&mut self, injection: &Injection) -> usize {
        let (Injection::PriceJump { symbol, .. } | Injection::Stall { symbol, .. }) = injection;
        let min_log_mid = self.params.min_log_mid;
        let mut touched = 0;
        for path in self
            .paths
            .iter_mut()
            .filter(|p| symbol == "*" || *p.symbol == **symbol)
        {
            match *injection {
                Injection::PriceJump { factor, .. } => {
                    path.log_mid = (path.log_mid + factor.ln()).max(min_log_mid);
                }
                Injection::Stall { seconds, .. } => {
                    path.stalled_for = seconds;
                    path.carry = 0.0;
                }
            }
            touched += 1;
        }
        touched
    }

    pub fn rate(&self) -> f64 {
        self.params.rate
    }
}

impl SymbolPath {
    fn next_tick(&mut self, p: &Params, ts: i64) -> RawTick {
        let z = self.normal();
        self.log_mid = (self.log_mid + p.drift_per_tick + p.sigma_per_tick * z).max(p.min_log_mid);
        let mid = self.log_mid.exp();
        let half = mid * p.half_spread;
        let bid = round_to_tick((mid - half) / p.tick_size, f64::floor, p).max(p.tick_size);
        let mut ask = round_to_tick((mid + half) / p.tick_size, f64::ceil, p);
        if ask <= bid {
            ask = round_to_tick(bid / p.tick_size + 1.0, f64::round, p);
        }
        let price = if self.rng.random_bool(0.5) { bid } else { ask };
        let u: f64 = self.rng.random();
        let size = (-p.mean_trade_size * (1.0 - u).ln()).round().max(1.0);
        RawTick {
            symbol: Arc::clone(&self.symbol),
            price,
            bid,
            ask,
            size,
            ts,
        }
    }

    /// Standard normal by Box-Muller, using both values of each pair.
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let u1 = 1.0 - self.rng.random::<f64>(); // (0, 1]: ln is finite
        let u2: f64 = self.rng.random();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        self.spare_normal = Some(r * theta.sin());
        r * theta.cos()
    }
}

/// `ticks` (a price in tick units) rounded with `mode`, back in price units,
/// rounded to the tick size's decimals so it prints as e.g. 189.23.
fn round_to_tick(ticks: f64, mode: fn(f64) -> f64, p: &Params) -> f64 {
    (mode(ticks) * p.tick_size * p.decimal_scale).round() / p.decimal_scale
}

/// 10^d for the fewest decimals d (up to 12) that represent `tick` exactly.
fn decimal_scale(tick: f64) -> f64 {
    let mut scale = 1.0;
    for _ in 0..12 {
        let scaled = tick * scale;
        if (scaled - scaled.round()).abs() < 1e-9 {
            break;
        }
        scale *= 10.0;
    }
    scale
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Drives the simulator on a timer, every `step` emitting the ticks that
/// fell due and applying the injections received and those `schedule` says
/// are due, until shutdown or until the pipeline is gone.
pub(crate) async fn run(
    mut sim: Simulator,
    feed: Feed,
    step: Duration,
    mut injections: mpsc::Receiver<Injection>,
    mut schedule: Vec<ScheduledInjection>,
    mut shutdown: watch::Receiver<bool>,
) {
    schedule.sort_by(|a, b| a.after_s.total_cmp(&b.after_s));
    let mut schedule = schedule.into_iter().peekable();
    let started = Instant::now();
    let mut timer = tokio::time::interval(step);
    timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last = Instant::now();
    let per_step = ((sim.rate() * step.as_secs_f64()).ceil() as usize + 1)
        .saturating_mul(sim.symbols())
        .min(MAX_TICKS_PER_STEP as usize);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = timer.tick() => {}
        }
        while let Ok(injection) = injections.try_recv() {
            let touched = sim.inject(&injection);
            tracing::debug!(?injection, touched, "simulator fault injected");
        }
        let since_start = started.elapsed().as_secs_f64();
        while let Some(due) = schedule.next_if(|s| s.after_s <= since_start) {
            let touched = sim.inject(&due.injection);
            tracing::info!(
                injection = ?due.injection,
                after_s = due.after_s,
                touched,
                "scheduled fault injected into the simulated feed (simulator.inject)"
            );
        }
        let now = Instant::now();
        let elapsed = now.duration_since(last).min(MAX_CATCH_UP);
        last = now;
        let mut ticks = Vec::with_capacity(per_step);
        sim.step(elapsed.as_secs_f64(), now_ms(), &mut ticks);
        tokio::select! {
            biased;
            _ = shutdown.wait_for(|stop| *stop) => break,
            sent = feed.send(ticks) => if sent.is_err() { break },
        }
    }
    tracing::debug!(source = feed.name(), "simulator stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AgentConfig, SymbolSpec};

    fn config(rate: f64) -> SimulatorConfig {
        let mut config = AgentConfig::embedded().simulator;
        config.tick_rate = rate;
        config.symbols = vec![
            SymbolSpec {
                symbol: "AAA".into(),
                price: 100.0,
            },
            SymbolSpec {
                symbol: "BBB".into(),
                price: 20.0,
            },
        ];
        config
    }

    fn run_steps(sim: &mut Simulator, steps: &[f64]) -> Vec<RawTick> {
        let mut out = Vec::new();
        for (i, &dt) in steps.iter().enumerate() {
            sim.step(dt, i as i64, &mut out);
        }
        out
    }

    #[test]
    fn same_seed_same_ticks() {
        let steps = [0.01, 0.013, 0.5, 0.002, 0.1];
        let a = run_steps(&mut Simulator::new(&config(1_000.0), 42), &steps);
        let b = run_steps(&mut Simulator::new(&config(1_000.0), 42), &steps);
        assert_eq!(a.len(), 1_250); // 2 symbols x 1000/s x 0.625 s
        assert_eq!(a, b);
        let c = run_steps(&mut Simulator::new(&config(1_000.0), 43), &steps);
        assert_ne!(a, c);
    }

    #[test]
    fn a_symbols_path_does_not_depend_on_timing_or_other_symbols() {
        let aaa = |ticks: Vec<RawTick>| -> Vec<f64> {
            ticks
                .into_iter()
                .filter(|t| &*t.symbol == "AAA")
                .map(|t| t.price)
                .collect()
        };
        let coarse = aaa(run_steps(&mut Simulator::new(&config(100.0), 7), &[1.0]));
        let fine = aaa(run_steps(&mut Simulator::new(&config(100.0), 7), &[0.25; 4]));
        assert_eq!(coarse, fine);
        let mut alone = config(100.0);
        alone.symbols.truncate(1);
        let solo = aaa(run_steps(&mut Simulator::new(&alone, 7), &[1.0]));
        assert_eq!(coarse, solo);
    }

    #[test]
    fn carries_fractional_ticks_and_interleaves_symbols() {
        let mut sim = Simulator::new(&config(10.0), 1);
        let ticks = run_steps(&mut sim, &[0.05, 0.05, 0.05, 0.05]);
        assert_eq!(ticks.len(), 4); // 2 symbols x 2 whole ticks in 0.2 s
        let names: Vec<&str> = ticks.iter().map(|t| &*t.symbol).collect();
        assert_eq!(names, ["AAA", "BBB", "AAA", "BBB"]);
    }

    #[test]
    fn ticks_are_valid_and_on_the_tick_grid() {
        let mut sim = Simulator::new(&config(10_000.0), 3);
        let ticks = run_steps(&mut sim, &[1.0]);
        assert_eq!(ticks.len(), 20_000);
        for t in &ticks {
            assert!(t.bid > 0.0 && t.bid < t.ask, "{t:?}");
            assert!(t.price == t.bid || t.price == t.ask);
            assert!(t.size >= 1.0 && t.size.fract() == 0.0);
            for v in [t.bid, t.ask] {
                let cents = v * 100.0;
                assert!((cents - cents.round()).abs() < 1e-6, "{v}");
                assert!(v.to_string().len() <= 8, "{v} prints exactly");
            }
        }
    }

    #[test]
    fn a_huge_step_is_bounded() {
        let mut sim = Simulator::new(&config(1_000_000.0), 1);
        let ticks = run_steps(&mut sim, &[1_000.0]);
        assert_eq!(ticks.len(), MAX_TICKS_PER_STEP as usize);
    }

    fn mids(ticks: &[RawTick], symbol: &str) -> Vec<f64> {
        ticks
            .iter()
            .filter(|t| &*t.symbol == symbol)
            .map(|t| (t.bid + t.ask) / 2.0)
            .collect()
    }

    #[test]
    fn a_price_jump_moves_the_next_ticks_and_stays() {
        let mut sim = Simulator::new(&config(100.0), 3);
        let before = mids(&run_steps(&mut sim, &[0.1]), "AAA");
        let jump = Injection::PriceJump {
            symbol: "AAA".into(),
            factor: 1.25,
        };
        assert_eq!(sim.inject(&jump), 1);
        let after = mids(&run_steps(&mut sim, &[1.0]), "AAA");
        let first = after[0] / before[before.len() - 1];
        assert!((first - 1.25).abs() < 0.01, "{first}");
        let last = after[after.len() - 1] / before[before.len() - 1];
        assert!((last - 1.25).abs() < 0.05, "stays at the new level: {last}");
        let all = Injection::PriceJump {
            symbol: "*".into(),
            factor: 0.5,
        };
        assert_eq!(sim.inject(&all), 2);
        let none = Injection::PriceJump {
            symbol: "ZZZ".into(),
            factor: 2.0,
        };
        assert_eq!(sim.inject(&none), 0);
    }

    #[test]
    fn a_stall_emits_nothing_for_its_time_and_freezes_the_price() {
        let mut sim = Simulator::new(&config(100.0), 3);
        let before = mids(&run_steps(&mut sim, &[0.1]), "AAA");
        let stall = Injection::Stall {
            symbol: "AAA".into(),
            seconds: 0.5,
        };
        assert_eq!(sim.inject(&stall), 1);
        let during = run_steps(&mut sim, &[0.1; 5]);
        assert!(mids(&during, "AAA").is_empty());
        assert_eq!(mids(&during, "BBB").len(), 50, "other symbols go on");
        let after = mids(&run_steps(&mut sim, &[0.1]), "AAA");
        assert_eq!(after.len(), 10);
        let moved = (after[0] / before[before.len() - 1] - 1.0).abs();
        assert!(moved < 0.01, "no catch-up jump: {moved}");
        let whole = Injection::Stall {
            symbol: "*".into(),
            seconds: 1.0,
        };
        assert_eq!(sim.inject(&whole), 2);
        assert!(run_steps(&mut sim, &[0.5, 0.4]).is_empty());
    }

    #[test]
    fn decimal_scales() {
        assert_eq!(decimal_scale(0.01), 100.0);
        assert_eq!(decimal_scale(0.05), 100.0);
        assert_eq!(decimal_scale(1.0), 1.0);
        assert_eq!(decimal_scale(0.0001), 10_000.0);
    }
}
