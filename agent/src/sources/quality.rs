//! Data-quality checks of one source's ticks, per symbol: pure, so every
//! rule is tested directly. Validation ([`crate::validate`]) has already
//! rejected impossible values (crossed books among them); these rules need
//! the symbol's previous ticks from the same source. Duplicates are found
//! by the adapters, which know what identifies a tick (an exchange's trade
//! id, a replay file's line): two real trades may well share a millisecond,
//! a price and a size.

use crate::feed::RawTick;
use crate::sources::config::QualityConfig;

/// A quality problem; `as_str` is the `kind` label of
/// `mda_source_quality_issues_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Issue {
    /// Older than the symbol's last good tick from this source.
    OutOfOrder,
    /// The same tick again (a repeated trade id, a repeated replay line).
    Duplicate,
    /// A hole in the stream: more than `max_gap_ms` between two ticks of a
    /// symbol, or exchange sequence numbers skipped. The tick is served.
    Gap,
    /// Too far from the last good price, and not confirmed by the ticks
    /// after it.
    PriceJump,
    /// Bid above ask (found by validation, counted here too).
    Crossed,
}

impl Issue {
    pub const ALL: [Issue; 5] = [
        Issue::OutOfOrder,
        Issue::Duplicate,
        Issue::Gap,
        Issue::PriceJump,
        Issue::Crossed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Issue::OutOfOrder => "out_of_order",
            Issue::Duplicate => "duplicate",
            Issue::Gap => "gap",
            Issue::PriceJump => "price_jump",
            Issue::Crossed => "crossed",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What to do with a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Good,
    /// Served, but the stream had a hole before it.
    GoodAfterGap,
    Reject(Issue),
}

/// What one source has shown of one symbol.
#[derive(Debug, Clone, Default)]
pub(crate) struct SymbolQuality {
    /// The last good tick: ts and price.
    last: Option<(i64, f64)>,
    /// A new price level seen after a jump, and how many ticks agree on it.
    pending: Option<(f64, u32)>,
}

fn moved(from: f64, to: f64) -> f64 {
    (to / from - 1.0).abs()
}

impl SymbolQuality {
    pub fn check(&mut self, tick: &RawTick, config: &QualityConfig) -> Verdict {
        let Some((ts, price)) = self.last else {
            self.accept(tick);
            return Verdict::Good;
        };
        if tick.ts < ts {
            return Verdict::Reject(Issue::OutOfOrder);
        }
        if moved(price, tick.price) > config.max_jump {
            let agreeing = match self.pending {
                Some((level, n)) if moved(level, tick.price) <= config.max_jump => n + 1,
                _ => 1,
            };
            if agreeing < config.jump_confirm_ticks {
                self.pending = Some((tick.price, agreeing));
                return Verdict::Reject(Issue::PriceJump);
            }
        }
        self.accept(tick);
        if tick.ts - ts > config.max_gap_ms as i64 {
            Verdict::GoodAfterGap
        } else {
            Verdict::Good
        }
    }

    fn accept(&mut self, tick: &RawTick) {
        self.last = Some((tick.ts, tick.price));
        self.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    fn tick(ts: i64, price: f64) -> RawTick {
        RawTick {
            symbol: "A".into(),
            price,
            bid: price - 0.01,
            ask: price + 0.01,
            size: 1.0,
            ts,
        }
    }

    fn config() -> QualityConfig {
        QualityConfig {
            max_jump: 0.1,
            jump_confirm_ticks: 3,
            max_gap_ms: 1_000,
        }
    }

    #[test]
    fn in_order_ticks_pass_and_reordered_ones_do_not() {
        let mut q = SymbolQuality::default();
        let c = config();
        assert_eq!(q.check(&tick(100, 10.0), &c), Good);
        assert_eq!(q.check(&tick(100, 10.01), &c), Good, "same ms, new price");
        assert_eq!(
            q.check(&tick(100, 10.01), &c),
            Good,
            "same ms, same trade again: a real possibility"
        );
        assert_eq!(q.check(&tick(99, 10.02), &c), Reject(Issue::OutOfOrder));
        assert_eq!(q.check(&tick(150, 10.02), &c), Good);
        assert_eq!(q.check(&tick(1_150, 10.03), &c), Good);
        assert_eq!(q.check(&tick(2_152, 10.03), &c), GoodAfterGap);
    }

    #[test]
    fn a_lone_jump_is_rejected_and_a_confirmed_move_accepted() {
        let mut q = SymbolQuality::default();
        let c = config();
        q.check(&tick(1, 100.0), &c);
        assert_eq!(q.check(&tick(2, 150.0), &c), Reject(Issue::PriceJump));
        assert_eq!(q.check(&tick(3, 100.5), &c), Good, "back to normal");
        assert_eq!(q.check(&tick(4, 80.0), &c), Reject(Issue::PriceJump));
        assert_eq!(q.check(&tick(5, 80.5), &c), Reject(Issue::PriceJump));
        assert_eq!(
            q.check(&tick(6, 79.9), &c),
            Good,
            "three ticks agree: a real move"
        );
        assert_eq!(q.check(&tick(7, 80.2), &c), Good);
        assert_eq!(q.check(&tick(8, 100.0), &c), Reject(Issue::PriceJump));
    }

    #[test]
    fn issue_indexes_match_the_table() {
        for (i, issue) in Issue::ALL.iter().enumerate() {
            assert_eq!(issue.index(), i);
        }
    }
}
