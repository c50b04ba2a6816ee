//! The "what changed" timeline: one time-ordered, bounded log of events
//! derived from what the sources deliver, so the cause sits next to the
//! effect. Pure: every observer takes the source's answer and when it came.
//!
//! Rules:
//!
//! - Sources deliver state, not changes; each observer diffs an answer
//!   against the previous answer of the same environment (see
//!   [`derive`]), so a poll repeating the same state adds nothing, and a
//!   switch of environment never reads as everything resolving.
//! - Events carry their own time where the source has one (an alert's
//!   `startsAt`, an incident's `acknowledged_at`, an event's last
//!   sighting, an audit entry's time), else the answer's receipt time.
//! - The log holds at most `cap` events, oldest dropped first and counted.
//! - Ties in time keep the order events were derived in.

mod derive;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};

use super::filter::FilterInput;

pub use derive::audit_time_ms;

/// Events held by default: a busy day of a namespace and its alerts, a few
/// MB at most.
pub const DEFAULT_CAP: usize = 5_000;

/// Where an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An SLO moved between ok, ticket and page.
    Slo,
    /// An Alertmanager alert started firing or resolved.
    Alert,
    /// An agent incident opened, was acknowledged or resolved.
    Incident,
    /// A rollout, scaling, restart or warning in the cluster.
    Kube,
    /// An action from the console's audit log.
    Action,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Slo, Kind::Alert, Kind::Incident, Kind::Kube, Kind::Action];

    /// As the screen and the snapshot name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Slo => "slo",
            Kind::Alert => "alert",
            Kind::Incident => "incident",
            Kind::Kube => "kube",
            Kind::Action => "action",
        }
    }

    fn index(self) -> usize {
        Kind::ALL.iter().position(|&k| k == self).unwrap_or(0)
    }
}

/// How much an event matters, most first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A page, a SEV1/SEV2 incident, a critical alert, a failed recovery.
    Critical,
    /// A ticket, a warning, a restart, a failed action.
    Warning,
    Info,
    /// Something recovered or resolved.
    Ok,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Critical => "crit",
            Level::Warning => "warn",
            Level::Info => "info",
            Level::Ok => "ok",
        }
    }
}

/// The screen that shows an event's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Related {
    Prices,
    Slos,
    Incidents,
    Dr,
    Cluster,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix ms.
    pub at_ms: i64,
    /// The environment whose sources delivered it.
    pub environment: String,
    pub kind: Kind,
    pub level: Level,
    pub title: String,
    pub detail: String,
    pub related: Related,
    /// What it is about, to find it on the related screen: an SLO's name,
    /// a signal key (`incident:<id>`, `alert:<fingerprint>`), an object
    /// (`Deployment/mda`), an action's target.
    pub subject: String,
    /// Derivation order: breaks ties in time.
    seq: u64,
}

/// The log, with what each observer saw last per environment.
#[derive(Debug)]
pub struct Timeline {
    /// Oldest first, by (`at_ms`, `seq`).
    events: VecDeque<Event>,
    cap: usize,
    dropped: u64,
    seq: u64,
    seen: HashMap<String, derive::Seen>,
}

impl Timeline {
    pub fn new(cap: usize) -> Timeline {
        Timeline {
            events: VecDeque::new(),
            cap: cap.max(1),
            dropped: 0,
            seq: 0,
            seen: HashMap::new(),
        }
    }

    /// Events oldest first.
    pub fn events(&self) -> &VecDeque<Event> {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events dropped because the log was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Environments of the events held, sorted: what the environment
    /// filter cycles through.
    pub fn environments(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.events.iter().map(|e| e.environment.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Inserts in time order (most events are the newest: a search from the
    /// back), then drops the oldest beyond the cap.
    fn push(&mut self, mut event: Event) {
        self.seq += 1;
        event.seq = self.seq;
        let key = (event.at_ms, event.seq);
        let at = self.events.partition_point(|e| (e.at_ms, e.seq) <= key);
        self.events.insert(at, event);
        while self.events.len() > self.cap {
            self.events.pop_front();
            self.dropped += 1;
        }
    }
}

/// Which events the screen shows: hidden kinds, one environment or all,
/// and a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    hidden: [bool; Kind::ALL.len()],
    /// `None`: every environment.
    pub environment: Option<String>,
    /// The `/` filter every list shares: substring, or `~` regex.
    pub text: FilterInput,
}

impl Filter {
    pub fn shows_kind(&self, kind: Kind) -> bool {
        !self.hidden[kind.index()]
    }

    pub fn toggle_kind(&mut self, kind: Kind) {
        self.hidden[kind.index()] ^= true;
    }

    pub fn matches(&self, event: &Event) -> bool {
        self.shows_kind(event.kind)
            && self
                .environment
                .as_ref()
                .is_none_or(|env| *env == event.environment)
            && self.text.matches_any([
                event.title.as_str(),
                &event.detail,
                &event.subject,
                &event.environment,
                event.kind.as_str(),
                event.level.as_str(),
            ])
    }

    /// The next environment filter: every one, then each of `names` in turn.
    pub fn cycle_environment(&mut self, names: &[&str]) {
        let next = match &self.environment {
            None => names.first(),
            Some(current) => names
                .iter()
                .position(|n| n == current)
                .and_then(|i| names.get(i + 1)),
        };
        self.environment = next.map(|n| n.to_string());
    }
}
