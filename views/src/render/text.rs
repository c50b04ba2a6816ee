//! Text measuring, truncation, wrapping and number formatting.

use std::time::Duration;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What the number formatters return for a missing or non-finite value.
pub(crate) const MISSING: &str = "—";

/// Display width in terminal cells.
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `ellipsis` when cut.
pub(crate) fn truncate(s: &str, max: usize, ellipsis: &str) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let ell = width(ellipsis);
    if max <= ell {
        return s.chars().take(max).collect();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - ell {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push_str(ellipsis);
    out
}

/// `s` cut to at most `max` cells by taking out its middle: for generated
/// names (`mda-agent-7d9f8c6b5-x2k4q`) whose end tells them apart.
pub(crate) fn truncate_middle(s: &str, max: usize, ellipsis: &str) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let ell = width(ellipsis);
    if max <= ell + 1 {
        return truncate(s, max, ellipsis);
    }
    let room = max - ell;
    let tail_room = room / 2;
    let mut tail: Vec<char> = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if w + cw > tail_room {
            break;
        }
        tail.push(c);
        w += cw;
    }
    let head_room = room - w;
    let mut out = String::new();
    let mut hw = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if hw + cw > head_room {
            break;
        }
        out.push(c);
        hw += cw;
    }
    out.push_str(ellipsis);
    out.extend(tail.into_iter().rev());
    out
}

/// Replaces control characters (which would corrupt the screen) by spaces.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Greedy word wrap to `max` cells; words longer than a line are cut.
pub(crate) fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let sep = usize::from(!line.is_empty());
            if width(&line) + sep + width(&word) <= max {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A single word wider than the line: hard cut.
            let mut head = String::new();
            let mut w = 0;
            let mut rest = word.chars();
            for c in rest.by_ref() {
                let cw = c.width().unwrap_or(0);
                if w + cw > max && !head.is_empty() {
                    let mut tail = String::from(c);
                    tail.extend(rest);
                    lines.push(head);
                    word = tail;
                    head = String::new();
                    break;
                }
                head.push(c);
                w += cw;
            }
            if !head.is_empty() {
                line = head;
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `s` cut into rows of at most `max` cells with every space kept, for
/// program output whose columns must stay put; rows after the first begin
/// with `indent`.
pub(crate) fn hard_wrap(s: &str, max: usize, indent: &str) -> Vec<String> {
    let max = max.max(1);
    let indent = if width(indent) < max { indent } else { "" };
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        // A row takes at least one character, however wide.
        if w + cw > max && !row.is_empty() {
            rows.push(std::mem::replace(&mut row, indent.to_string()));
            w = width(indent);
        }
        row.push(c);
        w += cw;
    }
    rows.push(row);
    rows
}

/// [`wrap`] kept to `max_lines` lines (1 or more): what does not fit goes
/// on the last line, cut to `max` cells with `ellipsis`.
pub(crate) fn wrap_at_most(s: &str, max: usize, max_lines: usize, ellipsis: &str) -> Vec<String> {
    let mut lines = wrap(s, max);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(truncate(&rest, max, ellipsis));
    }
    lines
}

/// Decimals for a price of this magnitude: 2 above 1, more below.
pub(crate) fn price_decimals(v: f64) -> usize {
    let a = v.abs();
    if a >= 1.0 || a == 0.0 || !a.is_finite() {
        2
    } else if a >= 0.01 {
        4
    } else if a >= 0.0001 {
        6
    } else {
        8
    }
}

pub(crate) fn price(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        fixed(v, decimals, false)
    } else {
        MISSING.to_string()
    }
}

/// `format!("{v:.d$}")` (or `{v:+.d$}` with `plus`), about ten times faster
/// for the everyday case: the value scaled to an integer and its digits
/// written out. Values whose rounding is close to a tie, very large ones,
/// and negative zeros take the exact (standard library) path, so the text
/// is the same as `format!`'s.
pub(crate) fn fixed(v: f64, d: usize, plus: bool) -> String {
    const POW10: [f64; 9] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
    let exact = || {
        if plus {
            format!("{v:+.d$}")
        } else {
            format!("{v:.d$}")
        }
    };
    if d >= POW10.len() || !v.is_finite() {
        return exact();
    }
    let scaled = v.abs() * POW10[d];
    let frac = scaled.fract();
    if scaled >= 1e12 || (frac - 0.5).abs() < 1e-3 {
        return exact();
    }
    let n = scaled.round() as u64;
    if n == 0 && v.is_sign_negative() {
        return exact();
    }
    let mut digits = [0u8; 24];
    let mut len = 0;
    let mut rest = n;
    while rest > 0 || len <= d {
        digits[len] = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
    }
    let mut out = String::with_capacity(len + 2);
    if v < 0.0 {
        out.push('-');
    } else if plus {
        out.push('+');
    }
    for i in (0..len).rev() {
        out.push(digits[i] as char);
        if i == d && d > 0 {
            out.push('.');
        }
    }
    out
}

pub(crate) fn change_pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => {
            let a = v.abs();
            let d = if a >= 1000.0 {
                0
            } else if a >= 100.0 {
                1
            } else {
                2
            };
            let mut s = fixed(v, d, true);
            s.push('%');
            s
        }
        _ => MISSING.to_string(),
    }
}

/// `950`, `12.3k`, `123k`, `4.5M`, `1.2B`.
pub(crate) fn volume(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.to_string();
    }
    let a = v.abs();
    if a < 1000.0 {
        return fixed(v, 0, false);
    }
    for (scale, suffix) in [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")] {
        let x = v / scale;
        if x.abs() < 999.95 {
            let mut s = fixed(x, usize::from(x.abs() < 99.95), false);
            s.push_str(suffix);
            return s;
        }
    }
    format!("{:.0}T", v / 1e12)
}

pub(crate) fn rate(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => fixed(v, usize::from(v.abs() < 99.95), false),
        _ => MISSING.to_string(),
    }
}

/// Data age: `0.4s`, `12s`, `4m05s`, `2h10m`.
pub(crate) fn age(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 9.95 {
        format!("{s:.1}s")
    } else if s < 60.0 {
        format!("{}s", d.as_secs())
    } else if s < 3600.0 {
        let t = d.as_secs();
        format!("{}m{:02}s", t / 60, t % 60)
    } else {
        let m = d.as_secs() / 60;
        format!("{}h{:02}m", m / 60, m % 60)
    }
}

/// A span of time in at most two units, for ages and time left: `45s`,
/// `12m`, `3h05m`, `2d4h`, `123d`, `>999d`.
pub(crate) fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, s / 60 % 60)
    } else if s < 100 * 86_400 {
        format!("{}d{}h", s / 86_400, s / 3600 % 24)
    } else if s < 1000 * 86_400 {
        format!("{}d", s / 86_400)
    } else {
        ">999d".to_string()
    }
}

/// `HH:MM:SS` (UTC) of a Unix time in milliseconds.
pub(crate) fn clock_of_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "--:--:--".to_string();
    }
    let secs = (ms / 1000.0).floor() as i64;
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day / 60 % 60, day % 60)
}

/// An x-axis label for a time on a chart spanning `span_ms`: the clock
/// within a day, the date and minute (UTC) beyond, where a clock alone
/// would not say which day.
pub(crate) fn time_label(ms: f64, span_ms: f64) -> String {
    const DAY_MS: f64 = 86_400_000.0;
    if span_ms <= DAY_MS || !ms.is_finite() {
        return clock_of_ms(ms);
    }
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map_or_else(|| clock_of_ms(ms), |t| t.format("%b %d %H:%M").to_string())
}

/// A connection error shortened for the header: the first line, without
/// `(os error N)`, keeping the most specific (last) `a: b: c` parts that fit.
pub(crate) fn short_error(e: &str, max: usize, ellipsis: &str) -> String {
    let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut s = sanitize(first.trim());
    if let Some(i) = s.find(" (os error") {
        s.truncate(i);
    }
    if width(&s) > max {
        let parts: Vec<&str> = s.split(": ").collect();
        let mut kept = String::new();
        for p in parts.iter().rev() {
            let candidate = if kept.is_empty() {
                p.to_string()
            } else {
                format!("{p}: {kept}")
            };
            if width(&candidate) > max && !kept.is_empty() {
                break;
            }
            kept = candidate;
        }
        s = kept;
    }
    // "Connection refused" -> "connection refused", but keep "HTTP 500".
    let mut chars = s.chars();
    if let (Some(a), Some(b)) = (chars.next(), chars.next())
        && a.is_uppercase()
        && b.is_lowercase()
    {
        s = a.to_lowercase().chain(s.chars().skip(1)).collect();
    }
    truncate(&s, max, ellipsis)
}

/// A byte count in binary units: `512 B`, `4.1 KiB`, `1.3 GiB`.
pub(crate) fn bytes(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.to_string();
    }
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = v;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A measured duration (drills, backup runs, RPO): `35ms`, `1.5s`, then
/// as [`age`] (`3m10s`, `1h01m`), precise enough to compare with a target.
pub(crate) fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d < Duration::from_secs(10) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        age(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_adapt_to_magnitude() {
        let f = |v: f64| price(v, price_decimals(v));
        assert_eq!(f(65012.345), "65012.35");
        assert_eq!(f(1.5), "1.50");
        assert_eq!(f(0.5), "0.5000");
        assert_eq!(f(0.012345), "0.0123");
        assert_eq!(f(0.00123456), "0.001235");
        assert_eq!(f(0.0000123456), "0.00001235");
        assert_eq!(f(0.0), "0.00");
        assert_eq!(f(f64::NAN), "—");
    }

    #[test]
    fn fixed_matches_format() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.125,
            0.375,
            1.005,
            2.675,
            189.23,
            64012.505,
            0.15478,
            0.0000245,
            -0.004,
            -0.005,
            -0.006,
            99.995,
            999.9999,
            1e11,
            1.5e12,
            123456789.987,
            -42.4242,
            7.0e-9,
            0.045,
            0.055,
        ];
        for v in values {
            for d in 0..=9 {
                assert_eq!(fixed(v, d, false), format!("{v:.d$}"), "{v} {d}");
                assert_eq!(fixed(v, d, true), format!("{v:+.d$}"), "{v} {d}");
            }
        }
        // A sweep of everyday prices.
        let mut v = 0.0001;
        while v < 1e7 {
            for d in [2, 4, 6, 8] {
                assert_eq!(fixed(v, d, false), format!("{v:.d$}"), "{v} {d}");
                assert_eq!(fixed(-v, d, true), format!("{:+.d$}", -v), "{v} {d}");
            }
            v = v * 1.0137 + 0.00013;
        }
    }

    #[test]
    fn changes_volumes_rates() {
        assert_eq!(change_pct(Some(1.234)), "+1.23%");
        assert_eq!(change_pct(Some(-0.5)), "-0.50%");
        assert_eq!(change_pct(Some(0.0)), "+0.00%");
        assert_eq!(change_pct(Some(123.45)), "+123.5%");
        assert_eq!(change_pct(Some(-2500.0)), "-2500%");
        assert_eq!(change_pct(None), "—");
        assert_eq!(volume(950.0), "950");
        assert_eq!(volume(12_345.0), "12.3k");
        assert_eq!(volume(123_456.0), "123k");
        assert_eq!(volume(999_960.0), "1.0M");
        assert_eq!(volume(4_500_000.0), "4.5M");
        assert_eq!(volume(1.2e9), "1.2B");
        assert_eq!(volume(3.0e15), "3000T");
        assert_eq!(rate(Some(12.34)), "12.3");
        assert_eq!(rate(Some(1234.0)), "1234");
        assert_eq!(rate(None), "—");
    }

    #[test]
    fn ages_and_clock() {
        assert_eq!(age(Duration::from_millis(400)), "0.4s");
        assert_eq!(age(Duration::from_millis(12_300)), "12s");
        assert_eq!(age(Duration::from_secs(245)), "4m05s");
        assert_eq!(age(Duration::from_secs(7800)), "2h10m");
        assert_eq!(clock_of_ms(1_700_000_000_000.0), "22:13:20");
        assert_eq!(time_label(1_700_000_000_000.0, 3_600_000.0), "22:13:20");
        assert_eq!(
            time_label(1_700_000_000_000.0, 7.0 * 86_400_000.0),
            "Nov 14 22:13"
        );
        let secs = |s: u64| span(Duration::from_secs(s));
        assert_eq!(secs(0), "0s");
        assert_eq!(secs(45), "45s");
        assert_eq!(secs(12 * 60 + 59), "12m");
        assert_eq!(secs(3 * 3600 + 5 * 60), "3h05m");
        assert_eq!(secs(2 * 86_400 + 4 * 3600 + 59), "2d4h");
        assert_eq!(secs(123 * 86_400), "123d");
        assert_eq!(span(Duration::MAX), ">999d");
    }

    #[test]
    fn errors_are_shortened() {
        let e = "error sending request for url (http://127.0.0.1:9090/api/v1/query): \
                 client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(short_error(e, 32, "…"), "connection refused");
        assert_eq!(short_error("HTTP 500: boom", 32, "…"), "HTTP 500: boom");
        assert_eq!(short_error("timed out\nmore", 32, "…"), "timed out");
        assert_eq!(short_error("averyveryverylongsingleword", 10, "…"), "averyvery…");
        assert_eq!(short_error("bad\u{1b}[31m", 20, "…"), "bad [31m");
    }

    #[test]
    fn wrapping_and_truncation() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("日本", 1), vec!["日", "本"]);
        assert_eq!(hard_wrap("NAME   READY", 20, "  "), vec!["NAME   READY"]);
        assert_eq!(hard_wrap("abcdefgh", 4, "  "), vec!["abcd", "  ef", "  gh"]);
        assert_eq!(hard_wrap("日本語", 3, ""), vec!["日", "本", "語"]);
        assert_eq!(hard_wrap("abc", 1, "  "), vec!["a", "b", "c"]);
        assert_eq!(hard_wrap("", 5, "  "), vec![""]);
        assert_eq!(truncate("abcdef", 4, "…"), "abc…");
        assert_eq!(truncate("abc", 4, "…"), "abc");
        assert_eq!(truncate("abcdef", 5, "..."), "ab...");
        assert_eq!(
            truncate_middle("mda-agent-7d9f8c6b5-x2k4q", 16, "…"),
            "mda-agen…5-x2k4q"
        );
        assert_eq!(truncate_middle("abcdef", 6, "…"), "abcdef");
        assert_eq!(truncate_middle("abcdefgh", 5, "..."), "a...h");
        assert_eq!(truncate_middle("abcdef", 2, "…"), "a…");
        assert_eq!(truncate_middle("日本語の名前", 7, "…"), "日本…前");
        // Kept to two lines: the rest joins the last one, cut.
        assert_eq!(
            wrap_at_most("one two three four", 9, 2, "…"),
            vec!["one two", "three fo…"]
        );
        assert_eq!(wrap_at_most("one two three", 9, 2, "…"), vec!["one two", "three"]);
        assert_eq!(wrap_at_most("one two three", 9, 1, "…"), vec!["one two …"]);
    }
}
