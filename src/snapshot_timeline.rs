//! The `timeline` section of `mdops snapshot`: the most recent events of
//! the "what changed" log, newest first, as the timeline screen lists them.

use serde::Serialize;

use crate::app::App;
use crate::app::timeline_view::related_screen;

/// Events in a report: the recent past, not the whole log.
const RECENT: usize = 50;

#[derive(Debug, Serialize)]
pub struct TimelineReport {
    /// Events the console holds.
    pub held: usize,
    /// Events dropped because the log was full (the oldest first).
    pub dropped: u64,
    /// The newest events, newest first, at most 50.
    pub events: Vec<TimelineEventReport>,
}

#[derive(Debug, Serialize)]
pub struct TimelineEventReport {
    /// RFC 3339 UTC.
    pub at: String,
    pub environment: String,
    /// `slo`, `alert`, `incident`, `kube` or `action`.
    pub kind: &'static str,
    /// `crit`, `warn`, `info` or `ok`.
    pub level: &'static str,
    pub title: String,
    pub detail: String,
    pub subject: String,
    /// The screen that shows its subject.
    pub screen: &'static str,
}

impl TimelineReport {
    pub fn from_app(app: &App) -> TimelineReport {
        let log = &app.timeline.log;
        TimelineReport {
            held: log.len(),
            dropped: log.dropped(),
            events: log
                .events()
                .iter()
                .rev()
                .take(RECENT)
                .map(|e| TimelineEventReport {
                    at: crate::snapshot::rfc3339(e.at_ms),
                    environment: e.environment.clone(),
                    kind: e.kind.as_str(),
                    level: e.level.as_str(),
                    title: e.title.clone(),
                    detail: e.detail.clone(),
                    subject: e.subject.clone(),
                    screen: related_screen(e.related).title(),
                })
                .collect(),
        }
    }
}
