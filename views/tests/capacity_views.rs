//! Snapshot tests of the capacity screen: wide, 80x24, narrow, ASCII
//! monochrome, too little history, and a failing Prometheus.

mod common;

use std::time::Duration;

use common::*;
use insta::assert_snapshot;
use mdops_views::model::*;
use mdops_views::{Theme, render_to_text};

const T: f64 = 1_800_000_000_000.0;
const HOUR: f64 = 3_600_000.0;
const DAY: Duration = Duration::from_secs(86_400);

/// A line from `t0` for `hours` at one point an hour: `f(hour)`.
fn line(t0: f64, hours: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..hours).map(|h| (t0 + h as f64 * HOUR, f(h as f64))).collect()
}

fn chart() -> CapacityChartModel<'static> {
    let wave = |h: f64| 0.05 * (h / 24.0 * std::f64::consts::TAU).sin();
    let history = line(T - 14.0 * 24.0 * HOUR, 14 * 24, |h| {
        0.4 + 0.02 * h / 24.0 + wave(h)
    });
    let ahead = |d: f64| line(T, 7 * 24, move |h| 0.68 + 0.02 * h / 24.0 + wave(h) + d);
    CapacityChartModel {
        name: "cpu",
        unit: CapacityUnit::Cores,
        model: "ETS/MSTL",
        history,
        median: ahead(0.0),
        bands: [ahead(-0.03), ahead(0.03), ahead(-0.06), ahead(0.06)],
        linear: line(T, 7 * 24, |h| 0.68 + 0.02 * h / 24.0),
        limit: Some(0.8),
        crossing_ms: Some(T + 4.2 * 24.0 * HOUR),
        linear_crossing_ms: Some(T + 6.0 * 24.0 * HOUR),
        note: None,
    }
}

fn row(
    name: &'static str,
    unit: CapacityUnit,
    current: f64,
    limit: Option<f64>,
) -> CapacityRowModel<'static> {
    let at = current * 1.1;
    CapacityRowModel {
        name,
        pod: false,
        unit,
        current: Some(current),
        limit,
        limit_source: if limit.is_some() { "config" } else { "" },
        used: limit.map(|l| current / l),
        forecast: Some(ForecastCell {
            median: at,
            p80: (at * 0.9, at * 1.1),
            p95: (at * 0.8, at * 1.2),
        }),
        time_to_limit: limit.map(|_| TimeToLimitCell {
            median: None,
            earliest: None,
            latest: None,
            linear: None,
        }),
        accuracy: [
            Some(AccuracyCell {
                mape: Some(3.2),
                coverage80: 0.81,
                coverage95: 0.94,
            }),
            Some(AccuracyCell {
                mape: Some(7.9),
                coverage80: 0.66,
                coverage95: 0.88,
            }),
        ],
        replicas: None,
        unavailable: None,
    }
}

fn rows() -> Vec<CapacityRowModel<'static>> {
    let mut cpu = row("cpu", CapacityUnit::Cores, 0.68, Some(0.8));
    cpu.limit_source = "pods";
    cpu.time_to_limit = Some(TimeToLimitCell {
        median: Some(Duration::from_secs(4 * 86_400 + 5 * 3600)),
        earliest: Some(Duration::from_secs(2 * 86_400 + 3 * 3600)),
        latest: None,
        linear: None,
    });
    let mut http = row("http requests/s", CapacityUnit::PerSecond, 412.0, Some(1000.0));
    http.replicas = Some(Ok((3, "mem")));
    let mut storage = row(
        "backup storage",
        CapacityUnit::Bytes,
        7.5e8,
        Some(1.073_741_824e9),
    );
    storage.time_to_limit = Some(TimeToLimitCell {
        median: Some(Duration::ZERO),
        earliest: Some(Duration::ZERO),
        latest: Some(Duration::ZERO),
        linear: None,
    });
    vec![
        cpu,
        row("memory", CapacityUnit::Bytes, 3.1e8, Some(5.36e8)),
        http,
        row("ws clients", CapacityUnit::Count, 42.0, None),
        row("ticks/s", CapacityUnit::PerSecond, 1830.0, Some(5000.0)),
        storage,
    ]
}

fn model(rows: Vec<CapacityRowModel<'static>>, problem: Option<&'static str>) -> CapacityModel<'static> {
    CapacityModel {
        source: "Prometheus http://prometheus:9090/: range queries over 14d, 14d of history at 2m steps",
        problem,
        loading: false,
        horizon: 7 * DAY,
        rows,
        selected: Some(0),
        chart: Some(chart()),
    }
}

fn view(m: CapacityModel<'static>) -> AppView<'static> {
    let mut v = app(header_all_connected(), BodyModel::Capacity(m));
    v.tabs.selected = 4;
    v
}

#[test]
fn capacity_200x40_wide() {
    assert_snapshot!(draw(&view(model(rows(), None)), &Theme::default(), 200, 40).backend());
}

#[test]
fn capacity_80x24() {
    assert_snapshot!(draw(&view(model(rows(), None)), &Theme::default(), 80, 24).backend());
}

#[test]
fn capacity_50x20_narrow() {
    assert_snapshot!(draw(&view(model(rows(), None)), &Theme::default(), 50, 20).backend());
}

#[test]
fn capacity_ascii_monochrome_80x24() {
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let mut v = view(model(rows(), None));
    v.status.hints = vec![("q", "quit"), ("j/k", "select"), ("?", "help")];
    let text = render_to_text(&v, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn capacity_pod_rows_under_their_resource() {
    let pod = |name, current: f64, limit: f64| CapacityRowModel {
        pod: true,
        limit_source: "pod",
        ..row(name, CapacityUnit::Bytes, current, Some(limit))
    };
    let mut tight = pod("market-data-agent-7d9f8c5b4-x2x9z", 3.8e8, 4.0e8);
    tight.time_to_limit = Some(TimeToLimitCell {
        median: Some(Duration::from_secs(86_400)),
        earliest: Some(Duration::from_secs(20 * 3600)),
        latest: Some(Duration::from_secs(30 * 3600)),
        linear: None,
    });
    let mut fresh = pod("market-data-agent-7d9f8c5b4-k8q2m", 0.9e8, 4.0e8);
    fresh.forecast = None;
    fresh.time_to_limit = None;
    fresh.accuracy = [None, None];
    fresh.unavailable = Some(NoForecast {
        brief: "need 1h40m more history",
        why: "history too short: 3 of the 10 points the linear model needs: need 1h40m more",
    });
    let mut rows = rows();
    // The seasonal median damps out below the limit; the line crosses.
    rows[1].time_to_limit = Some(TimeToLimitCell {
        median: None,
        earliest: Some(Duration::from_secs(3 * 86_400)),
        latest: None,
        linear: Some(Duration::from_secs(36 * 3600)),
    });
    rows.splice(2..2, [tight, fresh]);
    let mut m = model(rows, None);
    m.selected = Some(2);
    let text = render_to_text(&view(m), &Theme::default(), 120, 30);
    assert!(text.contains("  market…-x2x9z"), "{text}");
    assert!(text.contains("1d12h lin"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn capacity_too_little_history() {
    let why = "history too short: 2 of the 10 points the linear model needs: need 8m more";
    let rows = rows()
        .into_iter()
        .map(|mut r| {
            r.forecast = None;
            r.time_to_limit = None;
            r.accuracy = [None, None];
            r.unavailable = Some(NoForecast {
                brief: "need 8m more history",
                why,
            });
            r
        })
        .collect();
    let mut m = model(rows, None);
    m.chart = None;
    m.source = "the console's own scrapes of the agent (no Prometheus): no history yet";
    let text = render_to_text(&view(m), &Theme::default(), 100, 24);
    assert!(text.contains("need 8m more"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn capacity_prometheus_failing_keeps_the_last_forecasts() {
    let problem =
        "Prometheus (capacity) unreachable since 11:58:02 UTC (HTTP 500; attempt 3): last forecasts shown";
    assert_snapshot!(draw(&view(model(rows(), Some(problem))), &Theme::default(), 120, 30).backend());
}
