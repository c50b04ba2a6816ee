//! Which backups retention removes. Pure, so the rules are tested without
//! a disk:
//! - good backups: the newest `keep`, and none older than `max_age_ms`;
//! - the newest good backup is always kept, however old: it is the only
//!   way back;
//! - a corrupt backup does not count towards `keep` (it cannot push a good
//!   one out) and stays for inspection until older than `max_age_ms`.

/// A backup as retention sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    pub id: String,
    pub created_at: i64,
    /// Whether it passed its checks (restorable).
    pub good: bool,
}

/// Ids to remove, oldest first.
pub(crate) fn to_remove(candidates: &[Candidate], now: i64, keep: usize, max_age_ms: i64) -> Vec<String> {
    let mut sorted: Vec<&Candidate> = candidates.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.created_at));
    let too_old = |c: &Candidate| now.saturating_sub(c.created_at) > max_age_ms;
    let mut good_seen = 0;
    let mut remove = Vec::new();
    for candidate in sorted {
        let drop = if candidate.good {
            good_seen += 1;
            good_seen > 1 && (good_seen > keep || too_old(candidate))
        } else {
            too_old(candidate)
        };
        if drop {
            remove.push(candidate.id.clone());
        }
    }
    remove.reverse();
    remove
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn c(id: &str, age_min: i64, good: bool) -> Candidate {
        Candidate {
            id: id.into(),
            created_at: 1_000 * MIN - age_min * MIN,
            good,
        }
    }

    fn run(candidates: &[Candidate], keep: usize, max_age_min: i64) -> Vec<String> {
        to_remove(candidates, 1_000 * MIN, keep, max_age_min * MIN)
    }

    #[test]
    fn keeps_the_newest_by_count() {
        let all = [
            c("a", 5, true),
            c("b", 10, true),
            c("c", 15, true),
            c("d", 20, true),
        ];
        assert_eq!(run(&all, 2, 600), ["d", "c"]);
        assert_eq!(run(&all, 4, 600), Vec::<String>::new());
        assert_eq!(
            run(&all, 1, 600),
            ["d", "c", "b"],
            "order of the input does not matter"
        );
    }

    #[test]
    fn removes_by_age_but_never_the_newest_good_one() {
        let all = [c("a", 5, true), c("b", 70, true), c("c", 80, true)];
        assert_eq!(run(&all, 10, 60), ["c", "b"]);
        let old = [c("b", 70, true), c("c", 80, true)];
        assert_eq!(run(&old, 10, 60), ["c"], "the newest good backup stays");
    }

    #[test]
    fn corrupt_backups_do_not_count_and_age_out() {
        let all = [
            c("bad-new", 1, false),
            c("a", 5, true),
            c("bad-old", 90, false),
            c("b", 10, true),
        ];
        assert_eq!(
            run(&all, 2, 60),
            ["bad-old"],
            "two good ones kept despite the corrupt newest"
        );
        let only_bad = [c("x", 1, false), c("y", 61, false)];
        assert_eq!(run(&only_bad, 1, 60), ["y"]);
        assert!(run(&[], 1, 60).is_empty());
    }
}
