//! Tick validation: a pure check of one raw tick, so that bad data from any
//! source is rejected before it reaches quotes, bars or clients, and counted
//! by reason.

use crate::config::ValidationConfig;
use crate::feed::RawTick;

/// Why a tick was rejected; `as_str` is the `reason` metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RejectReason {
    /// A price, size or timestamp field is NaN or infinite.
    NonFinite,
    /// Price, bid or ask is zero or negative.
    NonPositive,
    /// Trade size below zero.
    NegativeSize,
    /// Bid above ask.
    Crossed,
    /// Timestamp further in the future than `max_future_ms`.
    Future,
    /// Timestamp older than `max_age_ms`.
    TooOld,
    /// The symbol is not served by this agent.
    UnknownSymbol,
}

impl RejectReason {
    pub const ALL: [RejectReason; 7] = [
        RejectReason::NonFinite,
        RejectReason::NonPositive,
        RejectReason::NegativeSize,
        RejectReason::Crossed,
        RejectReason::Future,
        RejectReason::TooOld,
        RejectReason::UnknownSymbol,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NonFinite => "non_finite",
            RejectReason::NonPositive => "non_positive",
            RejectReason::NegativeSize => "negative_size",
            RejectReason::Crossed => "crossed",
            RejectReason::Future => "future",
            RejectReason::TooOld => "too_old",
            RejectReason::UnknownSymbol => "unknown_symbol",
        }
    }

    /// Position in [`RejectReason::ALL`], for per-reason arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Checks one tick's values against the rules and the wall clock `now_ms`.
/// Whether the symbol is served is the book's question, not this one's.
pub(crate) fn validate(tick: &RawTick, now_ms: i64, rules: &ValidationConfig) -> Result<(), RejectReason> {
    if ![tick.price, tick.bid, tick.ask, tick.size]
        .iter()
        .all(|v| v.is_finite())
    {
        return Err(RejectReason::NonFinite);
    }
    if tick.price <= 0.0 || tick.bid <= 0.0 || tick.ask <= 0.0 {
        return Err(RejectReason::NonPositive);
    }
    if tick.size < 0.0 {
        return Err(RejectReason::NegativeSize);
    }
    if tick.bid > tick.ask {
        return Err(RejectReason::Crossed);
    }
    let max_future = i64::try_from(rules.max_future_ms).unwrap_or(i64::MAX);
    if tick.ts > now_ms.saturating_add(max_future) {
        return Err(RejectReason::Future);
    }
    let max_age = i64::try_from(rules.max_age_ms).unwrap_or(i64::MAX);
    if tick.ts < now_ms.saturating_sub(max_age) {
        return Err(RejectReason::TooOld);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn rules() -> ValidationConfig {
        ValidationConfig {
            max_future_ms: 1_000,
            max_age_ms: 10_000,
        }
    }

    fn tick() -> RawTick {
        RawTick {
            symbol: "AAPL".into(),
            price: 100.0,
            bid: 99.99,
            ask: 100.01,
            size: 10.0,
            ts: NOW,
        }
    }

    fn check(edit: impl FnOnce(&mut RawTick)) -> Result<(), RejectReason> {
        let mut t = tick();
        edit(&mut t);
        validate(&t, NOW, &rules())
    }

    #[test]
    fn accepts_a_sane_tick_and_edge_values() {
        assert_eq!(check(|_| {}), Ok(()));
        assert_eq!(check(|t| t.size = 0.0), Ok(()));
        assert_eq!(check(|t| t.bid = t.ask), Ok(()));
        assert_eq!(check(|t| t.ts = NOW + 1_000), Ok(()));
        assert_eq!(check(|t| t.ts = NOW - 10_000), Ok(()));
    }

    #[test]
    fn rejects_each_reason() {
        use RejectReason::*;
        assert_eq!(check(|t| t.price = f64::NAN), Err(NonFinite));
        assert_eq!(check(|t| t.bid = f64::INFINITY), Err(NonFinite));
        assert_eq!(check(|t| t.size = f64::NEG_INFINITY), Err(NonFinite));
        assert_eq!(check(|t| t.price = 0.0), Err(NonPositive));
        assert_eq!(check(|t| t.ask = -1.0), Err(NonPositive));
        assert_eq!(check(|t| t.size = -1.0), Err(NegativeSize));
        assert_eq!(check(|t| t.bid = 100.02), Err(Crossed));
        assert_eq!(check(|t| t.ts = NOW + 1_001), Err(Future));
        assert_eq!(check(|t| t.ts = NOW - 10_001), Err(TooOld));
        assert_eq!(check(|t| t.ts = i64::MIN), Err(TooOld));
        assert_eq!(check(|t| t.ts = i64::MAX), Err(Future));
    }

    #[test]
    fn reason_indexes_match_the_table() {
        for (i, reason) in RejectReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
        }
    }
}
