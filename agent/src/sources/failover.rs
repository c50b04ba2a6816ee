//! Which source of a group is active: pure, stepped by the supervisor with
//! each member's standing.
//!
//! The best member is the one in the best [`Tier`], then with the lowest
//! priority. The group fails over at once when the active member is in a
//! worse tier than the best; it fails back to a better-priority member once
//! that one has been healthy for `failback_after_ms` (if failback is on).
//! An operator's switch pins the group: no automatic failback until the
//! pinned member fails or the operator switches to the preferred member.

/// How usable a member is, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// Breaker closed and delivering fresh data.
    Healthy,
    /// Breaker half-open and delivering: better than nothing.
    Probing,
    /// Breaker open, disconnected or silent.
    Unusable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Member {
    pub priority: u32,
    pub tier: Tier,
}

/// Why the active member changed; `as_str` is the metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Failover,
    Failback,
    Manual,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Failover => "failover",
            Reason::Failback => "failback",
            Reason::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Switch {
    pub from: usize,
    pub to: usize,
    pub reason: Reason,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    active: usize,
    pinned: bool,
    /// Since when each member has been healthy without a break.
    healthy_since: Vec<Option<i64>>,
}

/// The member with the best (tier, priority), the first one on ties.
fn best(members: &[Member], skip: Option<usize>) -> Option<usize> {
    members
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .min_by_key(|(i, m)| (m.tier, m.priority, *i))
        .map(|(i, _)| i)
}

impl Group {
    /// A group starts on its preferred member (so its first ticks are
    /// served), judged from the first step on.
    pub fn new(priorities: &[u32]) -> Group {
        let active = priorities
            .iter()
            .enumerate()
            .min_by_key(|(i, p)| (**p, *i))
            .map_or(0, |(i, _)| i);
        Group {
            active,
            pinned: false,
            healthy_since: vec![None; priorities.len()],
        }
    }

    pub fn active(&self) -> usize {
        self.active
    }

    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// Applies the members' standing at `now_ms`; `failback_after_ms` is
    /// `None` when failback is off.
    pub fn step(
        &mut self,
        members: &[Member],
        now_ms: i64,
        failback_after_ms: Option<u64>,
    ) -> Option<Switch> {
        for (since, m) in self.healthy_since.iter_mut().zip(members) {
            *since = match (m.tier, *since) {
                (Tier::Healthy, Some(t)) => Some(t),
                (Tier::Healthy, None) => Some(now_ms),
                _ => None,
            };
        }
        let best = best(members, None)?;
        let current = members.get(self.active)?;
        if members[best].tier < current.tier {
            return Some(self.switch(best, Reason::Failover, false));
        }
        let after = failback_after_ms?;
        let ready = self.healthy_since[best].is_some_and(|t| now_ms - t >= after as i64);
        let better = members[best].priority < current.priority;
        (!self.pinned && best != self.active && better && ready)
            .then(|| self.switch(best, Reason::Failback, false))
    }

    /// An operator's switch to `target`, or to the best other member.
    pub fn manual(&mut self, members: &[Member], target: Option<usize>) -> Result<Switch, String> {
        let to = match target {
            Some(i) => i,
            None => best(members, Some(self.active)).ok_or("the group has no other source")?,
        };
        let member = members.get(to).ok_or("no such member")?;
        if member.tier == Tier::Unusable {
            return Err("it is not delivering (breaker open, disconnected or silent)".to_string());
        }
        let preferred = members.iter().all(|m| m.priority >= member.priority);
        Ok(self.switch(to, Reason::Manual, !preferred))
    }

    fn switch(&mut self, to: usize, reason: Reason, pin: bool) -> Switch {
        let from = self.active;
        self.active = to;
        self.pinned = pin;
        Switch { from, to, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Tier::*;

    fn members(tiers: &[(u32, Tier)]) -> Vec<Member> {
        tiers
            .iter()
            .map(|&(priority, tier)| Member { priority, tier })
            .collect()
    }

    #[test]
    fn starts_on_the_preferred_member_and_fails_over_at_once() {
        let mut g = Group::new(&[2, 1, 3]);
        assert_eq!(g.active(), 1);
        let all_good = members(&[(2, Healthy), (1, Healthy), (3, Healthy)]);
        assert_eq!(g.step(&all_good, 0, Some(1_000)), None);
        let primary_dead = members(&[(2, Healthy), (1, Unusable), (3, Healthy)]);
        assert_eq!(
            g.step(&primary_dead, 100, Some(1_000)),
            Some(Switch {
                from: 1,
                to: 0,
                reason: Reason::Failover
            })
        );
        // Probing beats unusable.
        let worse = members(&[(2, Unusable), (1, Unusable), (3, Probing)]);
        assert_eq!(g.step(&worse, 200, Some(1_000)).unwrap().to, 2);
        // Nothing usable: stay.
        let none = members(&[(2, Unusable), (1, Unusable), (3, Unusable)]);
        assert_eq!(g.step(&none, 300, Some(1_000)), None);
    }

    #[test]
    fn fails_back_after_the_primary_stays_healthy() {
        let mut g = Group::new(&[1, 2]);
        g.step(&members(&[(1, Unusable), (2, Healthy)]), 0, Some(1_000));
        assert_eq!(g.active(), 1);
        let back = members(&[(1, Healthy), (2, Healthy)]);
        assert_eq!(g.step(&back, 100, Some(1_000)), None);
        assert_eq!(g.step(&back, 1_099, Some(1_000)), None);
        // A blip restarts the clock.
        g.step(&members(&[(1, Probing), (2, Healthy)]), 1_050, Some(1_000));
        assert_eq!(g.step(&back, 1_100, Some(1_000)), None);
        assert_eq!(
            g.step(&back, 2_100, Some(1_000)),
            Some(Switch {
                from: 1,
                to: 0,
                reason: Reason::Failback
            })
        );
        // With failback off it would have stayed.
        let mut g = Group::new(&[1, 2]);
        g.step(&members(&[(1, Unusable), (2, Healthy)]), 0, None);
        assert_eq!(g.step(&back, 100_000, None), None);
        assert_eq!(g.active(), 1);
    }

    #[test]
    fn manual_switch_pins_until_the_member_fails() {
        let mut g = Group::new(&[1, 2, 3]);
        let all = members(&[(1, Healthy), (2, Healthy), (3, Healthy)]);
        g.step(&all, 0, Some(0));
        assert_eq!(
            g.manual(&all, None).unwrap(),
            Switch {
                from: 0,
                to: 1,
                reason: Reason::Manual
            }
        );
        assert!(g.is_pinned());
        assert_eq!(g.step(&all, 10_000, Some(0)), None, "no failback while pinned");
        let second_dead = members(&[(1, Healthy), (2, Unusable), (3, Healthy)]);
        assert_eq!(g.step(&second_dead, 10_100, Some(0)).unwrap().to, 0);
        assert!(!g.is_pinned());
        assert_eq!(
            g.manual(&second_dead, Some(1)).unwrap_err(),
            "it is not delivering (breaker open, disconnected or silent)"
        );
        g.manual(&all, Some(2)).unwrap();
        assert!(g.is_pinned());
        g.manual(&all, Some(0)).unwrap();
        assert!(!g.is_pinned(), "switching to the preferred member unpins");
        let alone = members(&[(1, Healthy)]);
        let mut g = Group::new(&[1]);
        assert!(g.manual(&alone, None).is_err());
    }
}
