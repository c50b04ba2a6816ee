//! Snapshot tests of the timeline screen: wide (detail right), 120x30
//! (detail below), 80x24 (columns dropped), ASCII monochrome, empty and
//! filtered.

mod common;

use std::time::Duration;

use common::*;
use insta::assert_snapshot;
use mdops_views::model::*;
use mdops_views::{Theme, render_to_text};

/// 08:20:00 UTC on the fixture's day.
const NOW: i64 = 1_800_001_200_000;

fn row(
    ago_s: u64,
    kind: TimelineKind,
    environment: &'static str,
    level: TimelineLevel,
    title: &'static str,
) -> TimelineRow<'static> {
    TimelineRow {
        at_ms: NOW - ago_s as i64 * 1000,
        age: Duration::from_secs(ago_s),
        kind,
        environment,
        level,
        title,
    }
}

/// An incident story, newest first: the cause (a rollout) below the effect.
fn rows() -> Vec<TimelineRow<'static>> {
    use TimelineKind::*;
    use TimelineLevel::*;
    vec![
        row(20, Action, "prod-eu", Info, "rollback mda-agent by ana: ok"),
        row(95, Slo, "prod-eu", Critical, "SLO quote-freshness page (was ok)"),
        row(
            130,
            Alert,
            "prod-eu",
            Critical,
            "MdaFeedStale: quotes older than 5s on 3 symbols firing",
        ),
        row(
            140,
            Incident,
            "prod-eu",
            Critical,
            "SEV2 Price anomaly on AAPL opened",
        ),
        row(
            260,
            Kube,
            "prod-eu",
            Warning,
            "pod mda-agent-7d9f8-x2 restarted (0 -> 1)",
        ),
        row(300, Kube, "prod-eu", Info, "rollout of mda-agent started"),
        row(900, Alert, "prod-us", Ok, "MdaHighLatency resolved"),
        row(
            3_700,
            Incident,
            "prod-us",
            Ok,
            "SEV3 Feed stale on MSFT resolved by auto",
        ),
    ]
}

fn kinds(hidden: &[TimelineKind]) -> Vec<(TimelineKind, &'static str, bool)> {
    use TimelineKind::*;
    [
        (Slo, "s"),
        (Alert, "a"),
        (Incident, "i"),
        (Kube, "c"),
        (Action, "u"),
    ]
    .into_iter()
    .map(|(kind, key)| (kind, key, !hidden.contains(&kind)))
    .collect()
}

fn detail() -> TimelineDetail<'static> {
    TimelineDetail {
        when: "2027-01-15T08:17:50.000Z (2m ago)".to_string(),
        kind: TimelineKind::Alert,
        level: TimelineLevel::Critical,
        environment: "prod-eu",
        title: "MdaFeedStale: quotes older than 5s on 3 symbols firing",
        detail: "alertname=MdaFeedStale service=market-data-agent component=feed severity=critical",
        subject: "alert:4f1c9d0e2b7a",
        related: "Incidents",
    }
}

fn model(rows: Vec<TimelineRow<'static>>, selected: Option<usize>) -> TimelineModel<'static> {
    TimelineModel {
        total: 8,
        dropped: 0,
        selected,
        kinds: kinds(&[]),
        environment: None,
        several_environments: true,
        detail: selected.map(|_| detail()),
        rows,
    }
}

fn timeline_app(m: TimelineModel<'static>, filter: Option<(&'static str, bool)>) -> AppView<'static> {
    let mut view = app(header_all_connected(), BodyModel::Timeline(m));
    view.tabs.selected = 7;
    view.status.hints = vec![
        ("q", "quit"),
        ("s a i c u", "kinds"),
        ("e", "env"),
        ("/", "filter"),
    ];
    view.status.filter = filter.map(|(text, editing)| FilterModel {
        text,
        editing,
        error: None,
    });
    view
}

#[test]
fn timeline_wide_200x40_detail_right() {
    let view = timeline_app(model(rows(), Some(2)), None);
    assert_snapshot!(draw(&view, &Theme::default(), 200, 40).backend());
}

#[test]
fn timeline_120x30_detail_below() {
    let view = timeline_app(model(rows(), Some(2)), None);
    assert_snapshot!(draw(&view, &Theme::default(), 120, 30).backend());
}

#[test]
fn timeline_80x24() {
    let view = timeline_app(model(rows(), Some(0)), None);
    let text = render_to_text(&view, &Theme::default(), 80, 24);
    assert!(text.contains("rollback mda-agent by ana: ok"), "{text}");
    assert_snapshot!(text);
}

/// Narrower, the environment goes first, then the age; time, level and
/// the title stay.
#[test]
fn timeline_columns_drop_by_priority() {
    let view = timeline_app(model(rows(), Some(0)), None);
    let header = |width: u16| {
        let text = render_to_text(&view, &Theme::default(), width, 24);
        text.lines()
            .find(|l| l.contains("What changed"))
            .unwrap_or_default()
            .to_string()
    };
    let h = header(66);
    assert!(
        !h.contains("Env") && h.contains("Age") && h.contains("Kind"),
        "{h}"
    );
    let h = header(58);
    assert!(
        !h.contains("Age") && h.contains("Kind") && h.contains("Lvl"),
        "{h}"
    );
    let h = header(50);
    assert!(
        !h.contains("Kind") && h.contains("Time") && h.contains("Lvl"),
        "{h}"
    );
}

#[test]
fn timeline_ascii_monochrome_80x24() {
    let view = timeline_app(model(rows(), Some(1)), None);
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let text = render_to_text(&view, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn timeline_empty() {
    let mut m = model(Vec::new(), None);
    m.total = 0;
    m.several_environments = false;
    let view = timeline_app(m, None);
    assert_snapshot!(render_to_text(&view, &Theme::default(), 100, 20));
}

/// Kube and action events hidden, prod-eu only, and a text filter: the bar
/// names what is hidden, the title counts what is left.
#[test]
fn timeline_filtered() {
    let shown: Vec<TimelineRow<'static>> = rows()
        .into_iter()
        .filter(|r| {
            r.environment == "prod-eu" && !matches!(r.kind, TimelineKind::Kube | TimelineKind::Action)
        })
        .collect();
    let mut m = model(shown, Some(0));
    m.kinds = kinds(&[TimelineKind::Kube, TimelineKind::Action]);
    m.environment = Some("prod-eu");
    m.dropped = 12;
    let view = timeline_app(m, Some(("a", false)));
    let text = render_to_text(&view, &Theme::default(), 120, 30);
    assert!(text.contains("hiding kube,action"), "{text}");
    assert!(
        text.contains("3 of 8") && text.contains("12 oldest dropped"),
        "{text}"
    );
    assert_snapshot!(text);
}

#[test]
fn timeline_no_event_matches_the_filters() {
    let mut m = model(Vec::new(), None);
    m.kinds = kinds(&[TimelineKind::Slo]);
    let view = timeline_app(m, Some(("zzz", true)));
    let text = render_to_text(&view, &Theme::default(), 80, 24);
    assert!(text.contains("no event of 8 matches the filters"), "{text}");
}
