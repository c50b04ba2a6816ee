//! Figures of the capacity screen in their unit, short enough for a column.

use std::time::Duration;

use crate::model::CapacityUnit;
use crate::render::text;

/// `0.42` cores, `412.3 MiB`, `1.2k/s`, `350`.
pub(super) fn value(unit: CapacityUnit, v: f64) -> String {
    if !v.is_finite() {
        return text::MISSING.to_string();
    }
    match unit {
        // An idle agent uses a few thousandths of a core: not `0.00`.
        CapacityUnit::Cores if v.abs() < 0.1 && v != 0.0 => format!("{v:.3}"),
        CapacityUnit::Cores => format!("{v:.2}"),
        CapacityUnit::Bytes => text::bytes(v),
        CapacityUnit::PerSecond => format!("{}/s", compact(v)),
        CapacityUnit::Count => compact(v),
    }
}

/// The unit's name for the chart's limit label.
pub(super) fn unit_name(unit: CapacityUnit) -> &'static str {
    match unit {
        CapacityUnit::Cores => " cores",
        _ => "",
    }
}

/// `3.14`, `42.0`, `512`, `1.2k`, `35k`, `1.5M`.
pub(super) fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A time until the limit: `now`, `3d4h`, or `-` when not within the horizon.
pub(super) fn until(d: Option<Duration>) -> String {
    match d {
        Some(d) if d.is_zero() => "now".to_string(),
        Some(d) => text::span(d),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_fit_their_columns() {
        assert_eq!(value(CapacityUnit::Cores, 0.4236), "0.42");
        assert_eq!(value(CapacityUnit::Cores, 0.0042), "0.004");
        assert_eq!(value(CapacityUnit::Cores, 0.0), "0.00");
        assert_eq!(value(CapacityUnit::Bytes, 268_435_456.0), "256.0 MiB");
        assert_eq!(value(CapacityUnit::PerSecond, 1234.0), "1.2k/s");
        assert_eq!(value(CapacityUnit::Count, 35_000.0), "35k");
        assert_eq!(value(CapacityUnit::Count, f64::NAN), text::MISSING);
        assert_eq!(until(Some(Duration::ZERO)), "now");
        assert_eq!(until(Some(Duration::from_secs(3 * 86_400 + 4 * 3600))), "3d4h");
        assert_eq!(until(None), "-");
    }
}
