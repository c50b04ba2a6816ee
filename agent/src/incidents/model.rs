//! What the detectors report ([`Condition`]) and the small pure rules of an
//! incident's timeline.

use std::collections::BTreeMap;

use crate::api::{Severity, TimelineEntry};

/// `service` label of every incident.
pub(crate) const SERVICE: &str = "market-data-agent";

/// The detector behind a condition: the `kind` label of incidents and of
/// `mda_incidents_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    SourceDown,
    SourceStale,
    SymbolStale,
    RejectedTicks,
    PriceAnomaly,
    HttpErrors,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::SourceDown,
        Kind::SourceStale,
        Kind::SymbolStale,
        Kind::RejectedTicks,
        Kind::PriceAnomaly,
        Kind::HttpErrors,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SourceDown => "source_down",
            Kind::SourceStale => "source_stale",
            Kind::SymbolStale => "symbol_stale",
            Kind::RejectedTicks => "rejected_ticks",
            Kind::PriceAnomaly => "price_anomaly",
            Kind::HttpErrors => "http_errors",
        }
    }

    /// The `component` label: which part of the agent is affected.
    pub fn component(self) -> &'static str {
        match self {
            Kind::SourceDown | Kind::SourceStale | Kind::SymbolStale | Kind::RejectedTicks => "feed",
            Kind::PriceAnomaly => "pricing",
            Kind::HttpErrors => "http",
        }
    }

    /// Position in [`Kind::ALL`], for per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A condition a detector sees right now. Reported on every detector pass
/// while it lasts; its absence is what clears it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub kind: Kind,
    /// One ongoing condition, one key: `kind` or `kind:subject`.
    pub key: String,
    pub severity: Severity,
    /// Fixed for the incident's life.
    pub title: String,
    /// `symbol` and/or `source`, when the condition is about one.
    pub subject: Vec<(&'static str, String)>,
    /// The current figures, in words; written to the timeline (coalesced).
    pub summary: String,
    /// Discrete events behind the condition so far (anomalies); 0 for a
    /// state. More events after a manual resolution reopen the incident.
    pub events: u64,
}

impl Condition {
    pub fn new(
        kind: Kind,
        subject: Option<&str>,
        severity: Severity,
        title: String,
        summary: String,
    ) -> Condition {
        let key = match subject {
            Some(subject) => format!("{}:{subject}", kind.as_str()),
            None => kind.as_str().to_string(),
        };
        Condition {
            kind,
            key,
            severity,
            title,
            subject: Vec::new(),
            summary,
            events: 0,
        }
    }

    pub fn label(mut self, name: &'static str, value: impl Into<String>) -> Condition {
        self.subject.push((name, value.into()));
        self
    }

    /// Every label of the incident: service, component, kind, subject.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([
            ("service".to_string(), SERVICE.to_string()),
            ("component".to_string(), self.kind.component().to_string()),
            ("kind".to_string(), self.kind.as_str().to_string()),
        ]);
        for (name, value) in &self.subject {
            labels.insert((*name).to_string(), value.clone());
        }
        labels
    }
}

/// Appends an entry, keeping at most `max` (at least 2): the first entry
/// (how the incident started) and the newest ones.
pub(crate) fn push_entry(timeline: &mut Vec<TimelineEntry>, entry: TimelineEntry, max: usize) {
    let max = max.max(2);
    if timeline.len() >= max {
        let excess = timeline.len() + 1 - max;
        timeline.drain(1..1 + excess);
    }
    timeline.push(entry);
}

pub(crate) fn entry(at: i64, kind: &str, text: impl Into<String>, author: Option<&str>) -> TimelineEntry {
    TimelineEntry {
        at,
        kind: kind.to_string(),
        text: text.into(),
        author: author.map(str::to_string),
    }
}

/// Milliseconds as seconds for people: `12.5 s`, `3 s`.
pub(crate) fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_labels() {
        let c = Condition::new(
            Kind::SymbolStale,
            Some("AAPL"),
            Severity::Sev3,
            "t".into(),
            "s".into(),
        )
        .label("symbol", "AAPL")
        .label("source", "sim");
        assert_eq!(c.key, "symbol_stale:AAPL");
        let labels = c.labels();
        assert_eq!(labels["service"], "market-data-agent");
        assert_eq!(labels["component"], "feed");
        assert_eq!(labels["kind"], "symbol_stale");
        assert_eq!(labels["symbol"], "AAPL");
        assert_eq!(labels["source"], "sim");
        let http = Condition::new(Kind::HttpErrors, None, Severity::Sev2, "t".into(), "s".into());
        assert_eq!(http.key, "http_errors");
        assert_eq!(http.labels()["component"], "http");
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
    }

    #[test]
    fn timeline_keeps_the_first_and_the_newest_entries() {
        let mut timeline = Vec::new();
        for i in 0..10 {
            push_entry(&mut timeline, entry(i, "updated", i.to_string(), None), 4);
        }
        let ats: Vec<i64> = timeline.iter().map(|e| e.at).collect();
        assert_eq!(ats, [0, 7, 8, 9]);
    }

    #[test]
    fn seconds_for_people() {
        assert_eq!(secs(3_000), "3 s");
        assert_eq!(secs(12_345), "12.3 s");
    }
}
