//! Number formatting for the SLO screen. Every function returns
//! [`text::MISSING`] for a value it cannot show honestly (NaN), and rounds
//! the conservative way where rounding could hide a problem: an SLI below
//! its objective never prints as meeting it, a remaining budget never
//! prints larger than it is.

use std::time::Duration;

use crate::render::text::{self, fixed};

/// What a window with no events shows instead of a burn rate (the ratio is
/// undefined). Explained in the legend line.
pub(crate) const NO_TRAFFIC: &str = "idle";
/// Marks a window longer than the history behind it. Explained in the legend.
pub(crate) const PARTIAL: &str = "~";

/// A burn rate: `0.42`, `15.2`, `1234`, `12.3k`, `inf`.
pub(crate) fn burn(v: f64) -> String {
    if v.is_nan() {
        return text::MISSING.to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let a = v.abs();
    if a < 9.995 {
        fixed(v, 2, false)
    } else if a < 99.95 {
        fixed(v, 1, false)
    } else if a < 9999.5 {
        fixed(v, 0, false)
    } else {
        text::volume(v)
    }
}

/// A threshold or axis value with no trailing zeros: `14.4`, `6`, `0.5`.
pub(crate) fn compact(v: f64) -> String {
    if !v.is_finite() {
        return burn(v);
    }
    if v.abs() >= 9999.5 {
        return text::volume(v);
    }
    let s = fixed(v, 2, false);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// Decimals an objective needs: `99.9` -> 1, `99.95` -> 2, `99` -> 0 (at most 3).
fn objective_decimals(objective_pct: f64) -> usize {
    let s = fixed(objective_pct, 3, false);
    let frac = s.split('.').nth(1).unwrap_or("");
    frac.trim_end_matches('0').len()
}

/// An objective: `99.9%`, `99.95%`, `99%`.
pub(crate) fn objective(objective_pct: f64) -> String {
    if !objective_pct.is_finite() {
        return text::MISSING.to_string();
    }
    let mut s = fixed(objective_pct, objective_decimals(objective_pct), false);
    s.push('%');
    s
}

/// An SLI with two more decimals than its objective (2 to 4): `99.932%`
/// beside `99.9%`. Below the objective it is rounded down, so it never
/// prints as meeting the objective when it does not.
pub(crate) fn sli(sli_pct: Option<f64>, objective_pct: f64) -> String {
    let Some(v) = sli_pct.filter(|v| v.is_finite()) else {
        return text::MISSING.to_string();
    };
    let d = if objective_pct.is_finite() {
        (objective_decimals(objective_pct) + 2).clamp(2, 4)
    } else {
        2
    };
    let shown = if objective_pct.is_finite() && v < objective_pct {
        let scale = 10f64.powi(d as i32);
        (v * scale).floor() / scale
    } else {
        v
    };
    let mut s = fixed(shown, d, false);
    s.push('%');
    s
}

/// Remaining error budget (a fraction) as a percentage, rounded down:
/// `100%`, `73%`, `4.2%`, `0.0%`, `-37%`, `<-999%`.
pub(crate) fn budget_pct(remaining: Option<f64>) -> String {
    let Some(b) = remaining.filter(|v| !v.is_nan()) else {
        return text::MISSING.to_string();
    };
    let pct = b * 100.0;
    if pct < -999.0 {
        return "<-999%".to_string();
    }
    if pct > 999.0 {
        return ">999%".to_string();
    }
    let mut s = if (0.0..10.0).contains(&pct) {
        fixed((pct * 10.0).floor() / 10.0, 1, false)
    } else {
        fixed(pct.floor(), 0, false)
    };
    s.push('%');
    s
}

/// Cells of the budget bar.
pub(crate) const BAR_CELLS: usize = 5;

/// The remaining budget as a bar of [`BAR_CELLS`] cells: whole cells, an
/// eighth-block for the remainder, `empty` for the rest (ASCII: whole
/// cells only). `full` and `partial` come from the glyph set.
pub(crate) fn budget_bar(remaining: f64, full: &str, partial: &[&str], empty: &str) -> String {
    let frac = if remaining.is_nan() {
        0.0
    } else {
        remaining.clamp(0.0, 1.0)
    };
    let steps = partial.len() + 1;
    let units = (frac * (BAR_CELLS * steps) as f64).round() as usize;
    let (whole, rest) = (units / steps, units % steps);
    let mut s = full.repeat(whole);
    let mut cells = whole;
    if rest > 0 && cells < BAR_CELLS {
        s.push_str(partial[rest - 1]);
        cells += 1;
    }
    for _ in cells..BAR_CELLS {
        s.push_str(empty);
    }
    s
}

/// Time to budget exhaustion: `now`, `<1m`, `45m`, `5h12m`, `3d4h`,
/// `123d`, `>999d`.
pub(crate) fn exhaustion(d: Option<Duration>) -> String {
    match d {
        None => text::MISSING.to_string(),
        Some(d) if d.is_zero() => "now".to_string(),
        Some(d) if d.as_secs() < 60 => "<1m".to_string(),
        Some(d) => text::span(d),
    }
}

/// Events over the period: `0`, `950`, `12.3k`, `4.5M`.
pub(crate) fn events(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => text::volume(v),
        _ => text::MISSING.to_string(),
    }
}

/// A query for one line: runs of whitespace that hold a line break or a
/// tab (multi-line PromQL) become one space; other control characters
/// become spaces. Plain spaces are kept, so the text pastes as the same
/// query.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' || c == '\t' {
            while out.ends_with(' ') {
                out.pop();
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if !out.is_empty() && chars.peek().is_some() {
                out.push(' ');
            }
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burn_rates() {
        assert_eq!(burn(0.0), "0.00");
        assert_eq!(burn(0.424), "0.42");
        assert_eq!(burn(9.994), "9.99");
        assert_eq!(burn(9.996), "10.0");
        assert_eq!(burn(15.24), "15.2");
        assert_eq!(burn(99.96), "100");
        assert_eq!(burn(1234.4), "1234");
        assert_eq!(burn(12_345.0), "12.3k");
        assert_eq!(burn(f64::NAN), "—");
        assert_eq!(burn(f64::INFINITY), "inf");
        assert_eq!(burn(-0.5), "-0.50");
    }

    #[test]
    fn compact_values() {
        assert_eq!(compact(14.4), "14.4");
        assert_eq!(compact(6.0), "6");
        assert_eq!(compact(0.5), "0.5");
        assert_eq!(compact(0.1 + 0.2), "0.3");
        assert_eq!(compact(-0.001), "0");
        assert_eq!(compact(1e6), "1.0M");
    }

    #[test]
    fn objectives_and_slis() {
        assert_eq!(objective(99.9), "99.9%");
        assert_eq!(objective(99.95), "99.95%");
        assert_eq!(objective(99.0), "99%");
        assert_eq!(objective(f64::NAN), "—");
        assert_eq!(sli(Some(99.9321), 99.9), "99.932%");
        assert_eq!(sli(Some(100.0), 99.9), "100.000%");
        assert_eq!(sli(Some(99.5), 99.0), "99.50%");
        assert_eq!(sli(Some(99.99123), 99.99), "99.9912%");
        // Just below the objective: rounded down, never shown as meeting it.
        assert_eq!(sli(Some(99.89996), 99.9), "99.899%");
        // Just above: ordinary rounding.
        assert_eq!(sli(Some(99.90004), 99.9), "99.900%");
        assert_eq!(sli(None, 99.9), "—");
        assert_eq!(sli(Some(f64::NAN), 99.9), "—");
    }

    #[test]
    fn budgets() {
        assert_eq!(budget_pct(Some(1.0)), "100%");
        assert_eq!(budget_pct(Some(0.996)), "99%");
        assert_eq!(budget_pct(Some(0.73)), "73%");
        assert_eq!(budget_pct(Some(0.0429)), "4.2%");
        assert_eq!(budget_pct(Some(0.0004)), "0.0%");
        assert_eq!(budget_pct(Some(-0.364)), "-37%");
        assert_eq!(budget_pct(Some(-12.0)), "<-999%");
        assert_eq!(budget_pct(Some(f64::INFINITY)), ">999%");
        assert_eq!(budget_pct(None), "—");
        let eighths = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"];
        assert_eq!(budget_bar(1.0, "█", &eighths, "░"), "█████");
        assert_eq!(budget_bar(0.5, "█", &eighths, "░"), "██▌░░");
        assert_eq!(budget_bar(0.0, "█", &eighths, "░"), "░░░░░");
        assert_eq!(budget_bar(-3.0, "█", &eighths, "░"), "░░░░░");
        assert_eq!(budget_bar(f64::NAN, "█", &eighths, "░"), "░░░░░");
        assert_eq!(budget_bar(0.5, "#", &[], "."), "###..");
        assert_eq!(budget_bar(0.39, "#", &[], "."), "##...");
    }

    #[test]
    fn exhaustion_times() {
        let h = |h: u64| Some(Duration::from_secs(h * 3600));
        assert_eq!(exhaustion(None), "—");
        assert_eq!(exhaustion(Some(Duration::ZERO)), "now");
        assert_eq!(exhaustion(Some(Duration::from_secs(30))), "<1m");
        assert_eq!(exhaustion(Some(Duration::from_secs(45 * 60))), "45m");
        assert_eq!(exhaustion(Some(Duration::from_secs(5 * 3600 + 12 * 60))), "5h12m");
        assert_eq!(exhaustion(h(76)), "3d4h");
        assert_eq!(exhaustion(h(24 * 123)), "123d");
        assert_eq!(exhaustion(Some(Duration::MAX)), ">999d");
    }

    #[test]
    fn queries_on_one_line() {
        assert_eq!(
            one_line("sum(rate(x[5m]))\n  /\n\tsum(rate(y[5m]))\n"),
            "sum(rate(x[5m])) / sum(rate(y[5m]))"
        );
        assert_eq!(one_line(r#"x{a="two  spaces"}"#), r#"x{a="two  spaces"}"#);
        assert_eq!(one_line("a\u{1b}b"), "a b");
    }
}
