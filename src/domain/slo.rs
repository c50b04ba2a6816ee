//! SLO maths after the Google SRE workbook ("Alerting on SLOs"): burn rates,
//! the error budget, time to exhaustion and the multiwindow, multi-burn-rate
//! alert decision. Pure functions over plain numbers: no I/O, no clock.
//!
//! Conventions: an *objective* is a fraction (`0.999` for 99.9%), an *error
//! ratio* is bad events over all events in a window (`0.0144` for 1.44%), and
//! the *error budget* is `1 - objective`. A burn rate of 1 spends exactly the
//! whole budget over the SLO period.

use std::time::Duration;

/// When to page and when to open a ticket: pairs of windows whose burn rates
/// must both exceed the pair's factor (strictly) for the pair to fire.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    /// The SLO period the factors were chosen for (30 days by default).
    pub period: Duration,
    pub page: Vec<WindowPair>,
    pub ticket: Vec<WindowPair>,
}

/// One long window and its short companion. The long window says the budget
/// is burning fast enough to matter; the short window (1/12 of the long one
/// in the workbook) says it is still burning, so the alert stops soon after
/// the problem does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowPair {
    pub long: Duration,
    pub short: Duration,
    /// Burn-rate threshold; both windows must be strictly above it.
    pub factor: f64,
}

impl WindowPair {
    /// Share of a `period`'s error budget spent over the long window when
    /// burning at exactly `factor`: 14.4 over 1h of 30d is 0.02 (2%).
    pub fn budget_share(&self, period: Duration) -> f64 {
        if period.is_zero() {
            return f64::NAN;
        }
        self.factor * self.long.as_secs_f64() / period.as_secs_f64()
    }
}

impl AlertPolicy {
    /// The workbook's (and Sloth's) policy for a 30-day period: page on 2% of
    /// the budget in 1h (14.4x, checked over 5m too) or 5% in 6h (6x, with
    /// 30m); ticket on 10% in 1d (3x, with 2h) or 10% in 3d (1x, with 6h).
    pub fn workbook() -> AlertPolicy {
        let pair = |long_min: u64, short_min: u64, factor: f64| WindowPair {
            long: Duration::from_secs(long_min * 60),
            short: Duration::from_secs(short_min * 60),
            factor,
        };
        AlertPolicy {
            period: Duration::from_secs(30 * 86_400),
            page: vec![pair(60, 5, 14.4), pair(360, 30, 6.0)],
            ticket: vec![pair(1440, 120, 3.0), pair(4320, 360, 1.0)],
        }
    }

    /// Every window any pair uses, ascending, without duplicates.
    pub fn windows(&self) -> Vec<Duration> {
        let mut windows: Vec<Duration> = self
            .page
            .iter()
            .chain(&self.ticket)
            .flat_map(|p| [p.long, p.short])
            .collect();
        windows.sort();
        windows.dedup();
        windows
    }
}

impl Default for AlertPolicy {
    fn default() -> AlertPolicy {
        AlertPolicy::workbook()
    }
}

/// Burn rate of an error ratio: how many times faster than "exactly the
/// whole budget over the period" the budget is being spent.
///
/// An objective of 100% leaves no budget: any error is an infinite burn and
/// no error is a burn of 0.
pub fn burn_rate(error_ratio: f64, objective: f64) -> f64 {
    let budget = 1.0 - objective;
    if budget > 0.0 {
        error_ratio / budget
    } else if error_ratio > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// Share of the period's error budget still unspent, given the error ratio
/// over the whole period: `1 - ratio / (1 - objective)`. 1 is untouched, 0 is
/// spent, negative is overspent (-0.5: half a budget too much).
pub fn budget_remaining(period_error_ratio: f64, objective: f64) -> f64 {
    1.0 - burn_rate(period_error_ratio, objective)
}

/// How long until the budget is gone if it keeps burning at `burn`:
/// `remaining * period / burn`.
///
/// - `Some(Duration::ZERO)` when the budget is already spent
///   (`remaining <= 0`), whatever the current burn: it is exhausted now.
/// - `None` when it never runs out at this rate (`burn <= 0`), when an input
///   is NaN, or when the time does not fit in a `Duration`.
pub fn time_to_exhaustion(remaining: f64, period: Duration, burn: f64) -> Option<Duration> {
    if remaining.is_nan() || burn.is_nan() {
        return None;
    }
    if remaining <= 0.0 {
        return Some(Duration::ZERO);
    }
    if burn <= 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(remaining * period.as_secs_f64() / burn).ok()
}

/// Outcome of [`evaluate`], ordered so that the worst level is the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertLevel {
    Ok,
    Ticket,
    Page,
}

/// The alert decision and, unless [`AlertLevel::Ok`], which pairs fired and
/// with what burn rates, e.g. `1h 15.2 > 14.4 and 5m 16.1 > 14.4` (pairs
/// joined with `; ` when several of the winning level fire).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertState {
    pub level: AlertLevel,
    pub reason: Option<String>,
}

impl AlertState {
    pub fn ok() -> AlertState {
        AlertState {
            level: AlertLevel::Ok,
            reason: None,
        }
    }
}

/// Applies the policy to the burn rates `burn` gives per window, as the
/// Prometheus alert rules do: a pair fires when both of its windows are
/// strictly above its factor; page pairs are checked first and win over
/// ticket pairs. `burn` returns `None` for a window with no traffic or no
/// data: a pair with such a window cannot fire.
pub fn evaluate(policy: &AlertPolicy, burn: impl Fn(Duration) -> Option<f64>) -> AlertState {
    for (level, pairs) in [
        (AlertLevel::Page, &policy.page),
        (AlertLevel::Ticket, &policy.ticket),
    ] {
        let reasons: Vec<String> = pairs.iter().filter_map(|pair| fires(pair, &burn)).collect();
        if !reasons.is_empty() {
            return AlertState {
                level,
                reason: Some(reasons.join("; ")),
            };
        }
    }
    AlertState::ok()
}

/// The reason text of a firing pair, `None` when it does not fire.
fn fires(pair: &WindowPair, burn: &impl Fn(Duration) -> Option<f64>) -> Option<String> {
    let long = burn(pair.long)?;
    let short = burn(pair.short)?;
    (long > pair.factor && short > pair.factor).then(|| {
        format!(
            "{} {} > {} and {} {} > {}",
            format_window(pair.long),
            format_above(long, pair.factor),
            pair.factor,
            format_window(pair.short),
            format_above(short, pair.factor),
            pair.factor
        )
    })
}

/// `value` (known to be above `threshold`) with one decimal, or more when one
/// decimal would not show it above: 14.41 against 14.4 reads "14.41".
fn format_above(value: f64, threshold: f64) -> String {
    if value.is_infinite() {
        return "inf".to_string();
    }
    for decimals in 1..=6 {
        let text = format!("{value:.decimals$}");
        if text.parse::<f64>().is_ok_and(|shown| shown > threshold) {
            return text;
        }
    }
    value.to_string()
}

/// A duration in Prometheus syntax with the largest unit that divides it:
/// "5m", "1h", "36h", "3d", "30d"; seconds and milliseconds below a minute
/// ("15s", "250ms"). Sub-millisecond parts are dropped; zero is "0s".
pub fn format_window(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);
    const DAY: Duration = Duration::from_secs(86_400);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn burn_one_spends_exactly_the_budget() {
        // 0.1% errors on a 99.9% SLO for the whole period: burn 1, nothing left.
        assert!(close(burn_rate(0.001, 0.999), 1.0));
        assert!(close(budget_remaining(0.001, 0.999), 0.0));
        assert_eq!(burn_rate(0.0, 0.999), 0.0);
    }

    #[test]
    fn two_percent_of_a_30d_budget_in_an_hour_is_burn_14_4() {
        // 2% of the budget in 1h: the budget lasts 30d = 720h, so the rate is
        // 0.02 * 720 = 14.4 times the sustainable one, an error ratio of 1.44%.
        let burn = 0.02 * (30.0 * 24.0) / 1.0;
        assert!(close(burn, 14.4));
        assert!(close(burn_rate(0.0144, 0.999), 14.4));
        let pair = AlertPolicy::workbook().page[0];
        assert!(close(pair.budget_share(30 * DAY), 0.02));
        // and the other workbook pairs: 5% in 6h, 10% in 1d, 10% in 3d
        let shares: Vec<f64> = AlertPolicy::workbook()
            .page
            .iter()
            .chain(&AlertPolicy::workbook().ticket)
            .map(|p| p.budget_share(30 * DAY))
            .collect();
        for (got, want) in shares.iter().zip([0.02, 0.05, 0.1, 0.1]) {
            assert!(close(*got, want), "{got} != {want}");
        }
    }

    #[test]
    fn burn_rate_with_no_budget() {
        assert_eq!(burn_rate(0.01, 1.0), f64::INFINITY);
        assert_eq!(burn_rate(0.0, 1.0), 0.0);
    }

    #[test]
    fn budget_remaining_cases() {
        // 99% SLO, 0.25% errors over the period: a quarter of the budget spent.
        assert!(close(budget_remaining(0.0025, 0.99), 0.75));
        assert!(close(budget_remaining(0.0, 0.99), 1.0));
        // 1.5% errors on a 99% SLO: half a budget overspent.
        assert!(close(budget_remaining(0.015, 0.99), -0.5));
    }

    #[test]
    fn time_to_exhaustion_cases() {
        let period = 30 * DAY;
        // A whole budget at burn 1 lasts the whole period.
        assert_eq!(time_to_exhaustion(1.0, period, 1.0), Some(period));
        // Half the budget left at burn 14.4: 0.5 * 720h / 14.4 = 25h.
        let t = time_to_exhaustion(0.5, period, 14.4).unwrap();
        assert!(close(t.as_secs_f64(), 25.0 * 3600.0), "{t:?}");
        // 10% left at burn 2: 0.1 * 30d / 2 = 1.5d.
        let t = time_to_exhaustion(0.1, period, 2.0).unwrap();
        assert!(close(t.as_secs_f64(), 1.5 * 86_400.0), "{t:?}");
        // Not burning: never.
        assert_eq!(time_to_exhaustion(0.5, period, 0.0), None);
        assert_eq!(time_to_exhaustion(0.5, period, -1.0), None);
        // Already spent or overspent: now, even with no burn.
        assert_eq!(time_to_exhaustion(0.0, period, 3.0), Some(Duration::ZERO));
        assert_eq!(time_to_exhaustion(-0.2, period, 0.0), Some(Duration::ZERO));
        // Unknowns and absurd figures never panic.
        assert_eq!(time_to_exhaustion(f64::NAN, period, 1.0), None);
        assert_eq!(time_to_exhaustion(0.5, period, f64::NAN), None);
        assert_eq!(
            time_to_exhaustion(0.5, period, f64::INFINITY),
            Some(Duration::ZERO)
        );
        assert_eq!(time_to_exhaustion(f64::INFINITY, period, 1.0), None);
        assert_eq!(time_to_exhaustion(1.0, period, 1e-300), None);
    }

    #[test]
    fn windows_ascending_and_deduplicated() {
        let windows = AlertPolicy::workbook().windows();
        let labels: Vec<String> = windows.iter().map(|&w| format_window(w)).collect();
        assert_eq!(labels, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
    }

    #[test]
    fn format_window_units() {
        assert_eq!(format_window(5 * MIN), "5m");
        assert_eq!(format_window(90 * MIN), "90m");
        assert_eq!(format_window(HOUR), "1h");
        assert_eq!(format_window(36 * HOUR), "36h");
        assert_eq!(format_window(DAY), "1d");
        assert_eq!(format_window(30 * DAY), "30d");
        assert_eq!(format_window(Duration::from_secs(15)), "15s");
        assert_eq!(format_window(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_window(Duration::ZERO), "0s");
    }

    /// Burn rates per window for `evaluate`, by label.
    fn burns(table: &[(&str, f64)]) -> impl Fn(Duration) -> Option<f64> {
        let table: Vec<(String, f64)> = table.iter().map(|(w, b)| (w.to_string(), *b)).collect();
        move |w| {
            table
                .iter()
                .find(|(label, _)| *label == format_window(w))
                .map(|(_, b)| *b)
        }
    }

    #[test]
    fn nothing_burning_is_ok() {
        let state = evaluate(
            &AlertPolicy::workbook(),
            burns(&[("5m", 0.5), ("1h", 0.5), ("3d", 0.9)]),
        );
        assert_eq!(state, AlertState::ok());
    }

    #[test]
    fn each_pair_fires_alone() {
        let policy = AlertPolicy::workbook();
        let state = evaluate(&policy, burns(&[("1h", 15.2), ("5m", 16.1)]));
        assert_eq!(state.level, AlertLevel::Page);
        assert_eq!(state.reason.as_deref(), Some("1h 15.2 > 14.4 and 5m 16.1 > 14.4"));

        let state = evaluate(&policy, burns(&[("6h", 7.0), ("30m", 6.5)]));
        assert_eq!(state.level, AlertLevel::Page);
        assert_eq!(state.reason.as_deref(), Some("6h 7.0 > 6 and 30m 6.5 > 6"));

        let state = evaluate(&policy, burns(&[("1d", 3.5), ("2h", 4.0)]));
        assert_eq!(state.level, AlertLevel::Ticket);
        assert_eq!(state.reason.as_deref(), Some("1d 3.5 > 3 and 2h 4.0 > 3"));

        let state = evaluate(&policy, burns(&[("3d", 1.5), ("6h", 1.5)]));
        assert_eq!(state.level, AlertLevel::Ticket);
        assert_eq!(state.reason.as_deref(), Some("3d 1.5 > 1 and 6h 1.5 > 1"));
    }

    #[test]
    fn short_window_below_threshold_suppresses() {
        // The problem stopped: the hour still shows it, the last 5m do not.
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("1h", 20.0), ("5m", 2.0)]));
        assert_eq!(state, AlertState::ok());
        // A fresh spike the long window has not confirmed does not fire either.
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("1h", 3.0), ("5m", 100.0)]));
        assert_eq!(state, AlertState::ok());
    }

    #[test]
    fn exactly_the_factor_does_not_fire() {
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("3d", 1.0), ("6h", 1.0)]));
        assert_eq!(state, AlertState::ok());
    }

    #[test]
    fn unknown_windows_never_fire() {
        // 5m has no traffic: the 1h/5m pair cannot fire however bad 1h is.
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("1h", 1000.0)]));
        assert_eq!(state, AlertState::ok());
        let state = evaluate(&AlertPolicy::workbook(), |_| None);
        assert_eq!(state, AlertState::ok());
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("1h", f64::NAN), ("5m", 50.0)]));
        assert_eq!(state, AlertState::ok());
    }

    #[test]
    fn page_beats_ticket() {
        let all = burns(&[
            ("5m", 20.0),
            ("30m", 20.0),
            ("1h", 20.0),
            ("2h", 20.0),
            ("6h", 20.0),
            ("1d", 20.0),
            ("3d", 20.0),
        ]);
        let state = evaluate(&AlertPolicy::workbook(), all);
        assert_eq!(state.level, AlertLevel::Page);
        assert_eq!(
            state.reason.as_deref(),
            Some("1h 20.0 > 14.4 and 5m 20.0 > 14.4; 6h 20.0 > 6 and 30m 20.0 > 6")
        );
        assert!(AlertLevel::Page > AlertLevel::Ticket && AlertLevel::Ticket > AlertLevel::Ok);
    }

    #[test]
    fn reasons_show_enough_decimals_to_read_above_the_factor() {
        let state = evaluate(&AlertPolicy::workbook(), burns(&[("1h", 14.41), ("5m", 14.4001)]));
        assert_eq!(
            state.reason.as_deref(),
            Some("1h 14.41 > 14.4 and 5m 14.4001 > 14.4")
        );
        let state = evaluate(
            &AlertPolicy::workbook(),
            burns(&[("1h", f64::INFINITY), ("5m", 30.0)]),
        );
        assert_eq!(state.reason.as_deref(), Some("1h inf > 14.4 and 5m 30.0 > 14.4"));
    }
}
