//! Forecasts of synthetic series whose trend and daily pattern are known,
//! and the edge cases: constant, too short, gaps, counter resets.

use std::f64::consts::TAU;

use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};

use super::*;

const MIN_MS: i64 = 60_000;
const STEP_MS: i64 = 5 * MIN_MS;
/// Start of the synthetic histories: a Monday, 00:00 UTC.
const T0: i64 = 1_795_996_800_000;

/// The known series: level 100, rising 0.5 per hour, a daily wave of
/// amplitude 20 peaking at 06:00.
fn truth(ts_ms: i64) -> f64 {
    let hours = (ts_ms - T0) as f64 / HOUR_MS as f64;
    100.0 + 0.5 * hours + 20.0 * (TAU * hours / 24.0).sin()
}

/// Standard normal noise (Box-Muller), repeatable.
fn noise(rng: &mut SmallRng, sd: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    sd * (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// `days` of 5-minute samples of [`truth`] plus noise of sd 2.
fn synthetic(days: i64, seed: u64) -> Vec<Sample> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..days * DAY_MS / STEP_MS)
        .map(|i| {
            let ts_ms = T0 + i * STEP_MS;
            Sample {
                ts_ms,
                value: truth(ts_ms) + noise(&mut rng, 2.0),
            }
        })
        .collect()
}

fn settings() -> Settings {
    Settings {
        step_ms: Some(STEP_MS),
        ..Settings::default()
    }
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

/// Tolerances of the recovery, stated:
/// - trend: the least-squares slope within 0.003 per hour of 0.5 less the
///   bias a sine wave puts on a line fitted over whole cycles,
///   12 A / (w T^2) = 0.0081 per hour for A = 20, w = 2 pi / 24 h, T = 336 h;
/// - level: every point of the 7-day seasonal forecast within 8% of the
///   noiseless truth (the trend is extrapolated 7 days from 14);
/// - daily pattern: forecast minus its own line correlates with the true
///   wave at 0.97 or more;
/// - bands: the noiseless truth inside the 95% band at 90% or more of the
///   points, and the 80% band inside the 95% one;
/// - backtest: seasonal MAPE under 3% and better than the linear model's;
///   95% coverage of the held-out (noisy) values at least 85%.
#[test]
fn the_seasonal_forecast_recovers_trend_and_daily_pattern() {
    let fc = forecast(&synthetic(14, 1), Kind::Gauge, &settings()).unwrap();
    let per_hour = fc.trend_per_s * 3_600.0;
    let bias = 12.0 * 20.0 / (TAU / 24.0 * 336.0_f64.powi(2));
    assert!(
        (per_hour - (0.5 - bias)).abs() < 0.003,
        "slope {per_hour} per hour"
    );

    let run = fc
        .seasonal
        .as_ref()
        .expect("14 days are enough for a daily season");
    let p = &run.prediction;
    assert_eq!(
        (p.model, p.point.len(), p.step_ms),
        (Model::Seasonal, 2016, STEP_MS)
    );
    assert_eq!(p.start_ms, T0 + 14 * DAY_MS);
    let truth_ahead: Vec<f64> = (0..p.point.len()).map(|i| truth(p.time_of(i))).collect();
    for (i, (f, t)) in p.point.iter().zip(&truth_ahead).enumerate() {
        assert!(((f - t) / t).abs() < 0.08, "point {i}: forecast {f}, truth {t}");
    }
    let detrend = |v: &[f64]| {
        let line = linear::fit(v).unwrap();
        v.iter()
            .enumerate()
            .map(|(i, x)| x - line.intercept - line.slope * i as f64)
            .collect::<Vec<f64>>()
    };
    let wave = correlation(&detrend(&p.point), &detrend(&truth_ahead));
    assert!(wave >= 0.97, "daily pattern correlation {wave}");

    let p95 = p.band(Level::P95);
    let inside = truth_ahead
        .iter()
        .enumerate()
        .filter(|(i, t)| (p95.lower[*i]..=p95.upper[*i]).contains(t))
        .count();
    assert!(
        inside as f64 >= 0.9 * truth_ahead.len() as f64,
        "{inside} of {}",
        truth_ahead.len()
    );
    let p80 = p.band(Level::P80);
    assert!((0..p.point.len()).all(|i| p95.lower[i] <= p80.lower[i] && p80.upper[i] <= p95.upper[i]));

    let seasonal = run.backtest.as_ref().unwrap();
    let linear = fc.linear.backtest.as_ref().unwrap();
    assert_eq!(seasonal.held_out, 806);
    let (s_mape, l_mape) = (seasonal.mape.unwrap(), linear.mape.unwrap());
    assert!(
        s_mape < 3.0 && s_mape < l_mape,
        "MAPE seasonal {s_mape}%, linear {l_mape}%"
    );
    assert!(
        seasonal.coverage[1] >= 0.85,
        "95% coverage {:?}",
        seasonal.coverage
    );
}

/// A straight rise with noise: the line (slope within 1%) and when it
/// reaches a limit. The crossing of 300 is due 66.7 h after the start;
/// the median must be within an hour of it, inside [earliest, latest].
#[test]
fn the_linear_model_recovers_a_trend_and_times_the_limit() {
    let mut rng = SmallRng::seed_from_u64(2);
    let samples: Vec<Sample> = (0..2 * DAY_MS / STEP_MS)
        .map(|i| {
            let hours = (i * STEP_MS) as f64 / HOUR_MS as f64;
            Sample {
                ts_ms: T0 + i * STEP_MS,
                value: 100.0 + 3.0 * hours + noise(&mut rng, 1.0),
            }
        })
        .collect();
    let fc = forecast(&samples, Kind::Gauge, &settings()).unwrap();
    assert!(
        (fc.trend_per_s * 3_600.0 / 3.0 - 1.0).abs() < 0.01,
        "{}",
        fc.trend_per_s * 3_600.0
    );
    let t = fc.time_to_limit(Model::Linear, 300.0, Level::P95).unwrap();
    let due = T0 + (200.0 / 3.0 * HOUR_MS as f64) as i64;
    let Crossing::At(median) = t.median else {
        panic!("{t:?}")
    };
    assert!((median - due).abs() <= HOUR_MS, "median {median}, due {due}");
    match (t.earliest, t.latest) {
        (Crossing::At(e), Crossing::At(l)) => assert!(e <= median && median <= l),
        other => panic!("{other:?}"),
    }
    let far = fc.time_to_limit(Model::Linear, 1e9, Level::P80).unwrap();
    assert_eq!(far.median, Crossing::NotWithin);
    assert_eq!(
        fc.time_to_limit(Model::Linear, 50.0, Level::P80).unwrap().median,
        Crossing::Now
    );
    let seasonal = fc.seasonal.as_ref().unwrap();
    assert!(
        seasonal.backtest.is_err(),
        "2 days: enough to forecast, not to backtest"
    );
}

#[test]
fn a_constant_series_forecasts_itself_with_no_spread() {
    let samples: Vec<Sample> = (0..3 * DAY_MS / STEP_MS)
        .map(|i| Sample {
            ts_ms: T0 + i * STEP_MS,
            value: 42.0,
        })
        .collect();
    let fc = forecast(&samples, Kind::Gauge, &settings()).unwrap();
    assert!(fc.constant);
    assert_eq!(fc.trend_per_s, 0.0);
    for run in [&fc.linear, fc.seasonal.as_ref().unwrap()] {
        let p = &run.prediction;
        assert!(
            p.point
                .iter()
                .chain(&p.band(Level::P95).lower)
                .all(|v| *v == 42.0)
        );
        let accuracy = run.backtest.as_ref().unwrap();
        assert_eq!((accuracy.mape, accuracy.coverage), (Some(0.0), [1.0, 1.0]));
    }
    let t = fc.time_to_limit(Model::Seasonal, 50.0, Level::P95).unwrap();
    assert_eq!(
        (t.median, t.earliest, t.latest),
        (Crossing::NotWithin, Crossing::NotWithin, Crossing::NotWithin)
    );
}

#[test]
fn too_short_history_says_how_much_more_is_needed() {
    let few: Vec<Sample> = synthetic(1, 3).into_iter().take(6).collect();
    match forecast(&few, Kind::Gauge, &settings()) {
        Err(ForecastError::TooShort(u)) => {
            assert_eq!(u.need_more_ms, Some(4 * STEP_MS));
            assert!(u.to_string().ends_with("need 20m more"), "{u}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        forecast(&[], Kind::Gauge, &Settings::default()),
        Err(ForecastError::NoData)
    );
    let one = [Sample {
        ts_ms: T0,
        value: 1.0,
    }];
    match forecast(&one, Kind::Gauge, &Settings::default()) {
        Err(ForecastError::TooShort(u)) => {
            assert_eq!(
                u.reason,
                "history too short: 1 of the 10 points the linear model needs"
            );
            assert_eq!(u.need_more_ms, None, "no spacing to count in");
        }
        other => panic!("{other:?}"),
    }

    let fc = forecast(&synthetic(1, 3), Kind::Gauge, &settings()).unwrap();
    assert!(fc.linear.backtest.is_ok());
    let seasonal = fc.seasonal.unwrap_err();
    assert_eq!(seasonal.need_more_ms, Some(DAY_MS), "{seasonal}");
    assert_eq!(
        seasonal.to_string(),
        "history too short for the seasonal model: need 1d more"
    );

    let coarse = Settings {
        step_ms: Some(DAY_MS),
        ..Settings::default()
    };
    let daily: Vec<Sample> = (0..20)
        .map(|i| Sample {
            ts_ms: T0 + i * DAY_MS,
            value: i as f64,
        })
        .collect();
    let fc = forecast(&daily, Kind::Gauge, &coarse).unwrap();
    assert!(fc.seasonal.unwrap_err().reason.contains("too coarse"));
}

#[test]
fn the_latest_value_is_known_before_a_forecast_is() {
    let s = |ts_ms, value| Sample { ts_ms, value };
    let gauge = [s(T0 + 10_000, 7.0), s(T0, 5.0), s(T0 + 5_000, f64::NAN)];
    assert_eq!(latest(&gauge, Kind::Gauge, DAY_MS), Some(7.0), "newest finite");
    assert_eq!(latest(&[], Kind::Gauge, DAY_MS), None);
    // A counter's latest rate, also across a reset; one sample has none.
    let counter = [s(T0, 100.0), s(T0 + 10_000, 150.0), s(T0 + 20_000, 20.0)];
    assert_eq!(latest(&counter[..2], Kind::Counter, DAY_MS), Some(5.0));
    assert_eq!(latest(&counter, Kind::Counter, DAY_MS), Some(2.0));
    assert_eq!(latest(&counter[..1], Kind::Counter, DAY_MS), None);
}

#[test]
fn short_gaps_are_filled_and_a_long_one_cuts_the_history() {
    let mut samples = synthetic(10, 4);
    // A 30-minute hole (5 points) on day 9, a 3-hour one on day 2.
    let day9 = (9 * DAY_MS / STEP_MS) as usize;
    samples.drain(day9..day9 + 5);
    let day2 = (2 * DAY_MS / STEP_MS) as usize;
    samples.drain(day2..day2 + 36);
    let fc = forecast(&samples, Kind::Gauge, &settings()).unwrap();
    assert_eq!(fc.preparation.filled_points, 5);
    let (kept_from, gap) = fc.preparation.cut_at_gap.unwrap();
    assert_eq!((kept_from, gap), (T0 + 2 * DAY_MS + 36 * STEP_MS, 37 * STEP_MS));
    assert_eq!(fc.history.start_ms, kept_from);
    assert_eq!(
        fc.history.values.len() as i64,
        (T0 + 10 * DAY_MS - STEP_MS - kept_from) / STEP_MS + 1
    );
    let filled = fc.history.values[((T0 + 9 * DAY_MS - kept_from) / STEP_MS) as usize + 2];
    let expected = truth(T0 + 9 * DAY_MS + 2 * STEP_MS);
    assert!(
        (filled - expected).abs() < 8.0,
        "interpolated {filled}, truth {expected}"
    );
    assert!(fc.seasonal.is_ok(), "7.6 days after the cut are enough");
}

/// A request counter whose rate follows a daily wave (40 to 60 per second)
/// and resets to zero every two days (restarts): the rate is recovered
/// within 1% everywhere, resets included, and forecast like a gauge.
#[test]
fn counters_are_forecast_as_rates_across_resets() {
    let rate = |ts_ms: i64| 50.0 + 10.0 * (TAU * (ts_ms - T0) as f64 / DAY_MS as f64).sin();
    let mut total = 0.0;
    let samples: Vec<Sample> = (0..8 * DAY_MS / STEP_MS)
        .map(|i| {
            let ts_ms = T0 + i * STEP_MS;
            if i > 0 && i % (2 * DAY_MS / STEP_MS) == 0 {
                total = 0.0;
            }
            total += rate(ts_ms) * (STEP_MS / 1000) as f64;
            Sample { ts_ms, value: total }
        })
        .collect();
    let fc = forecast(&samples, Kind::Counter, &settings()).unwrap();
    assert_eq!(fc.preparation.counter_resets, 3);
    for (i, v) in fc.history.values.iter().enumerate() {
        let ts = fc.history.start_ms + i as i64 * STEP_MS;
        assert!(
            (v - rate(ts)).abs() / rate(ts) < 0.01,
            "{ts}: {v} vs {}",
            rate(ts)
        );
    }
    let p = &fc.seasonal.as_ref().unwrap().prediction;
    let low = p.point.iter().copied().fold(f64::MAX, f64::min);
    let high = p.point.iter().copied().fold(f64::MIN, f64::max);
    assert!(
        (37.0..43.0).contains(&low) && (57.0..63.0).contains(&high),
        "{low} .. {high}"
    );
}

#[test]
fn bad_settings_and_input_are_errors_not_panics() {
    let samples = synthetic(1, 5);
    for bad in [
        Settings {
            step_ms: Some(0),
            ..settings()
        },
        Settings {
            horizon_ms: 0,
            ..settings()
        },
        Settings {
            holdout: 0.9,
            ..settings()
        },
        Settings {
            holdout: f64::NAN,
            ..settings()
        },
        Settings {
            step_ms: Some(1),
            ..settings()
        },
    ] {
        assert!(
            matches!(
                forecast(&samples, Kind::Gauge, &bad),
                Err(ForecastError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    let garbage = [
        Sample {
            ts_ms: 0,
            value: f64::NAN,
        },
        Sample {
            ts_ms: i64::MIN,
            value: 1.0,
        },
        Sample {
            ts_ms: i64::MAX,
            value: 1.0,
        },
    ];
    assert!(forecast(&garbage, Kind::Gauge, &settings()).is_err());
    assert!(forecast(&garbage, Kind::Counter, &Settings::default()).is_err());
}

/// Odd but valid series give finite forecasts (or a reason), never a panic
/// nor a NaN: a lone spike, a step, alternating extremes, tiny values,
/// negative values, as gauges and as counters.
#[test]
fn odd_series_give_finite_forecasts() {
    let series = |f: &dyn Fn(i64) -> f64| -> Vec<Sample> {
        (0..=2 * DAY_MS / STEP_MS)
            .map(|i| Sample {
                ts_ms: T0 + i * STEP_MS,
                value: f(i),
            })
            .collect()
    };
    let odd: [&dyn Fn(i64) -> f64; 6] = [
        &|i| if i == 400 { 1e6 } else { 0.0 },
        &|i| if i < 500 { 0.0 } else { 1000.0 },
        &|i| if i % 2 == 0 { 1e9 } else { -1e9 },
        &|i| 1e-300 * (i % 5) as f64,
        &|i| -100.0 - (i % 13) as f64,
        &|i| (i == 863) as i64 as f64,
    ];
    for (n, f) in odd.iter().enumerate() {
        for kind in [Kind::Gauge, Kind::Counter] {
            let short = Settings {
                horizon_ms: DAY_MS,
                ..settings()
            };
            let fc = forecast(&series(f), kind, &short).unwrap();
            assert!(fc.seasonal.is_ok(), "series {n} {kind:?}: {:?}", fc.seasonal);
            let runs = std::iter::once(&fc.linear).chain(fc.seasonal.as_ref().ok());
            for run in runs {
                let p = &run.prediction;
                let values = p
                    .point
                    .iter()
                    .chain(p.bands.iter().flat_map(|b| b.lower.iter().chain(&b.upper)));
                assert!(
                    values.into_iter().all(|v| v.is_finite()),
                    "series {n} {kind:?} {:?}",
                    p.model
                );
            }
        }
    }
    let huge = series(&|i| 1e300 * (1 + i % 7) as f64);
    let err = forecast(&huge, Kind::Gauge, &settings()).unwrap_err();
    assert!(err.to_string().contains("cannot be forecast"), "{err}");
}

#[test]
fn durations_read_like_people_write_them() {
    for (ms, text) in [
        (0, "0s"),
        (12_000, "12s"),
        (35 * MIN_MS, "35m"),
        (2 * HOUR_MS, "2h"),
        (2 * HOUR_MS + 5 * MIN_MS, "2h 5m"),
        (DAY_MS, "1d"),
        (2 * DAY_MS + 4 * HOUR_MS + 7 * MIN_MS, "2d 4h"),
    ] {
        assert_eq!(human(ms), text);
    }
}

/// The time one forecast takes for a week of 5-minute samples (2,016
/// points, both models and both backtests). Reported, not asserted:
/// `cargo test --release --lib forecast_time -- --nocapture`.
#[test]
fn forecast_time_for_a_week_of_5_minute_samples() {
    let samples = synthetic(7, 6);
    let started = std::time::Instant::now();
    let fc = forecast(&samples, Kind::Gauge, &settings()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(fc.history.values.len(), 2016);
    assert!(fc.seasonal.is_ok());
    println!("forecast of 2016 points (7 days at 5 min), both models and backtests: {elapsed:?}");
}
