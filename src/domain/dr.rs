//! DR compliance: where a recovery objective stands now, from the agent's
//! last answer. The RPO keeps ageing between reads, so it is aged by the
//! time since the answer was received (the console's clock, not the
//! agent's, so clock skew between the two does not matter).

use market_data_agent::api::DrObjective;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// Nothing to measure: no good backup (RPO) or no good drill (RTO).
    NoFigure,
}

/// The RPO now: the age the agent reported plus the time since its answer.
pub fn rpo_now_ms(rpo: &DrObjective, received_at_ms: i64, now_ms: i64) -> Option<u64> {
    let since = u64::try_from(now_ms.saturating_sub(received_at_ms)).unwrap_or(0);
    rpo.current_ms.map(|age| age.saturating_add(since))
}

/// Met when the figure is within the target (the target itself included).
pub fn verdict(current_ms: Option<u64>, target_ms: u64) -> Verdict {
    match current_ms {
        None => Verdict::NoFigure,
        Some(current) if current <= target_ms => Verdict::Met,
        Some(_) => Verdict::Missed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpo(current_ms: Option<u64>) -> DrObjective {
        DrObjective {
            current_ms,
            target_ms: 900_000,
            met: true,
        }
    }

    #[test]
    fn rpo_ages_from_the_answer_and_crosses_its_target() {
        let answer = rpo(Some(899_000));
        let now = rpo_now_ms(&answer, 10_000, 10_000);
        assert_eq!(now, Some(899_000));
        assert_eq!(verdict(now, 900_000), Verdict::Met);
        let later = rpo_now_ms(&answer, 10_000, 11_000);
        assert_eq!(verdict(later, 900_000), Verdict::Met, "exactly at target is met");
        let later = rpo_now_ms(&answer, 10_000, 11_001);
        assert_eq!(later, Some(900_001));
        assert_eq!(verdict(later, 900_000), Verdict::Missed);
    }

    #[test]
    fn no_backup_has_no_figure_and_a_clock_going_back_does_not_rejuvenate() {
        assert_eq!(rpo_now_ms(&rpo(None), 0, 60_000), None);
        assert_eq!(verdict(None, 900_000), Verdict::NoFigure);
        assert_eq!(rpo_now_ms(&rpo(Some(5_000)), 10_000, 9_000), Some(5_000));
    }
}
