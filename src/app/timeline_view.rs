//! The timeline screen's view model: the visible events newest first, the
//! filters, and the selected event's detail.

use std::time::Duration;

use mdops_views::model::{TimelineDetail, TimelineKind, TimelineLevel, TimelineModel, TimelineRow};

use super::timeline::KIND_KEYS;
use super::{App, Screen};
use crate::domain::timeline::{Kind, Level, Related};

/// The toggle keys as the bar draws them.
const KEY_TEXT: [&str; 5] = ["s", "a", "i", "c", "u"];

impl App {
    pub(super) fn timeline_model(&self) -> TimelineModel<'_> {
        let timeline = &self.timeline;
        let visible = timeline.visible();
        let selected = timeline.selected_index(&visible);
        let age = |at_ms: i64| Duration::from_millis(u64::try_from(self.now_ms - at_ms).unwrap_or(0));
        let detail = selected.map(|i| {
            let e = visible[i];
            TimelineDetail {
                when: format!(
                    "{} ({} ago)",
                    crate::snapshot::rfc3339(e.at_ms),
                    super::incidents::compact_duration(age(e.at_ms))
                ),
                kind: kind_model(e.kind),
                level: level_model(e.level),
                environment: &e.environment,
                title: &e.title,
                detail: &e.detail,
                subject: &e.subject,
                related: related_screen(e.related).title(),
            }
        });
        let rows = visible
            .iter()
            .map(|e| TimelineRow {
                at_ms: e.at_ms,
                age: age(e.at_ms),
                kind: kind_model(e.kind),
                environment: &e.environment,
                level: level_model(e.level),
                title: &e.title,
            })
            .collect();
        TimelineModel {
            rows,
            total: timeline.log.len(),
            dropped: timeline.log.dropped(),
            selected,
            kinds: KIND_KEYS
                .iter()
                .zip(KEY_TEXT)
                .map(|(&(kind, _), key)| (kind_model(kind), key, timeline.filter.shows_kind(kind)))
                .collect(),
            environment: timeline.filter.environment.as_deref(),
            several_environments: timeline.log.environments().len() > 1,
            detail,
        }
    }
}

/// The screen Enter goes to for `related`.
pub fn related_screen(related: Related) -> Screen {
    match related {
        Related::Prices => Screen::Prices,
        Related::Slos => Screen::Slos,
        Related::Incidents => Screen::Incidents,
        Related::Dr => Screen::Dr,
        Related::Cluster => Screen::Cluster,
    }
}

fn kind_model(kind: Kind) -> TimelineKind {
    match kind {
        Kind::Slo => TimelineKind::Slo,
        Kind::Alert => TimelineKind::Alert,
        Kind::Incident => TimelineKind::Incident,
        Kind::Kube => TimelineKind::Kube,
        Kind::Action => TimelineKind::Action,
    }
}

fn level_model(level: Level) -> TimelineLevel {
    match level {
        Level::Critical => TimelineLevel::Critical,
        Level::Warning => TimelineLevel::Warning,
        Level::Info => TimelineLevel::Info,
        Level::Ok => TimelineLevel::Ok,
    }
}
