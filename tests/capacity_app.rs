//! The capacity screen through the app: without Prometheus a scrape asks
//! for a forecast of the local store (at most once an interval), a round of
//! outlooks becomes rows, a chart and the tightest headroom; limits follow
//! the pod specs of a watched cluster; a failing Prometheus shows as a
//! banner over the last forecasts.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mdops::app::slos::{SloSource, SlosState};
use mdops::app::{App, AppConfig, Command, Link, Msg, Screen, SourceId};
use mdops::domain::capacity_plan::{Origin, Outlook, outlook};
use mdops::domain::cluster::{ClusterSnapshot, PodResources};
use mdops::domain::forecast::{Kind, Sample, Settings};
use mdops::metrics_text;
use mdops::slo::SloSet;
use mdops_views::model::BodyModel;

const T0: i64 = 1_795_996_800_000;
const MIN: i64 = 60_000;
const DAY: i64 = 1_440 * MIN;

fn app(prometheus: bool) -> App {
    let set = Arc::new(SloSet::embedded());
    let source = if prometheus {
        SloSource::Prometheus {
            url: "http://127.0.0.1:9/".to_string(),
        }
    } else {
        SlosState::local(&set, Duration::from_secs(86_400), 10_000, Duration::from_secs(5))
    };
    let mut sources = vec![SourceId::AgentApi];
    if prometheus {
        sources.push(SourceId::Capacity);
    }
    let config = AppConfig {
        sources,
        ..common::app_config()
    };
    App::new(config, SlosState::new(set, source), T0)
}

fn scrape(at_ms: i64, requests: f64) -> Msg {
    let text = format!(
        "mda_http_requests_total{{route=\"quotes\"}} {requests}\nmda_process_resident_memory_bytes 1.0e8\nmda_ws_clients 3\n"
    );
    Msg::Scrape {
        exposition: Box::new(metrics_text::parse(&text)),
        at_ms,
    }
}

/// Four days of history per resource: CPU rising to a limit of 1 core
/// about two days ahead, memory flat well under its limit.
fn outlooks() -> Vec<Outlook> {
    let series = |f: &dyn Fn(f64) -> f64| -> Vec<Sample> {
        (0..4 * DAY / (5 * MIN))
            .map(|i| {
                let days = (i * 5 * MIN) as f64 / DAY as f64;
                Sample {
                    ts_ms: T0 - 4 * DAY + i * 5 * MIN,
                    value: f(days) + (i % 3) as f64 * 0.001,
                }
            })
            .collect()
    };
    let settings = Settings::default();
    vec![
        outlook("cpu", &series(&|d| 0.2 + 0.13 * d), Kind::Gauge, &settings),
        outlook("memory", &series(&|_| 1.0e8), Kind::Gauge, &settings),
        outlook(
            "http requests/s",
            &series(&|d| 100.0 + 10.0 * d),
            Kind::Gauge,
            &settings,
        ),
        outlook("ws clients", &series(&|_| 3.0)[..3], Kind::Gauge, &settings),
        outlook("ticks/s", &series(&|_| 50.0), Kind::Gauge, &settings),
        outlook("backup storage", &[], Kind::Gauge, &settings),
    ]
}

fn capacity(at_ms: i64, origin: Origin) -> Msg {
    Msg::Capacity {
        outlooks: outlooks(),
        origin,
        at_ms,
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn without_prometheus_scrapes_ask_for_a_forecast_once_an_interval() {
    let mut app = app(false);
    let commands = app.update(scrape(T0, 10.0));
    let job = commands
        .iter()
        .find_map(|c| match c {
            Command::ForecastCapacity(job) => Some(job),
            _ => None,
        })
        .expect("the first scrape asks for a forecast");
    assert_eq!(job.origin, Origin::Local);
    assert_eq!(job.histories.len(), 6);
    assert_eq!(job.histories[1].1.len(), 1, "one memory sample so far");
    assert_eq!(job.histories[2].0, Kind::Counter, "the store keeps counters");
    assert_eq!(job.settings.step_ms, Some(60_000));
    // The job, run as the runtime would: too short, and says by how much.
    let outlooks = job.run();
    let why = outlooks[1].result.as_ref().unwrap_err();
    assert_eq!(why.need_more_ms, Some(9 * MIN), "{why}");
    let none = |c: &Vec<Command>| !c.iter().any(|c| matches!(c, Command::ForecastCapacity(_)));
    assert!(none(&app.update(scrape(T0 + 5_000, 20.0))), "one at a time");
    app.update(Msg::Capacity {
        outlooks,
        origin: Origin::Local,
        at_ms: T0 + 6_000,
    });
    assert!(
        none(&app.update(scrape(T0 + 10_000, 30.0))),
        "not before the interval"
    );
    let later = app.update(scrape(T0 + 61_000, 40.0));
    assert!(!none(&later), "due again after the interval");

    app.screen = Screen::Capacity;
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    let memory = &model.rows[1];
    let no = memory.unavailable.unwrap();
    assert_eq!(no.brief, "need 9m more history");
    assert!(
        no.why.contains("history too short") && no.why.ends_with("need 9m more"),
        "{}",
        no.why
    );
    // No forecast yet, but the current use against the limit is known.
    assert_eq!(memory.current, Some(1.0e8));
    assert_eq!(memory.limit, Some(512.0 * 1_048_576.0));
    assert_eq!(memory.used, Some(1.0e8 / (512.0 * 1_048_576.0)));
    assert!(model.source.contains("no Prometheus"), "{}", model.source);
}

#[test]
fn a_round_of_outlooks_becomes_rows_a_chart_and_the_tightest_headroom() {
    let mut app = app(true);
    assert_eq!(app.tightest_headroom(), None);
    let origin = Origin::Prometheus {
        url: "http://127.0.0.1:9/".to_string(),
        lookback_ms: 4 * DAY,
    };
    app.update(capacity(T0, origin));
    app.screen = Screen::Capacity;
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    assert!(!model.loading);
    let cpu = &model.rows[0];
    assert_eq!(cpu.limit, Some(1.0), "config default: 1 core");
    assert_eq!(cpu.limit_source, "config");
    let ttl = cpu.time_to_limit.unwrap();
    let days = ttl.median.unwrap().as_secs_f64() / 86_400.0;
    // 0.72 cores now, rising 0.13 a day: 1 core in ~2.15 days.
    assert!((1.9..2.4).contains(&days), "{days}");
    assert!(ttl.earliest.unwrap() <= ttl.median.unwrap());
    assert!(cpu.accuracy[1].is_some(), "linear backtest");
    assert_eq!(model.rows[1].time_to_limit.unwrap().median, None, "memory flat");
    assert!(model.rows[3].unavailable.unwrap().brief.starts_with("need"));
    let no_data = model.rows[5].unavailable.unwrap();
    assert!(no_data.brief.starts_with("no data") && no_data.brief == no_data.why);
    // ~210 req/s at the peak: 420 MiB over 384 MiB (75% of 512) per pod.
    assert_eq!(model.rows[2].replicas, Some(Ok((2, "mem"))));
    let chart = model.chart.unwrap();
    assert_eq!(chart.name, "cpu");
    assert_eq!(chart.limit, Some(1.0));
    assert!(chart.crossing_ms.is_some() && !chart.history.is_empty() && !chart.median.is_empty());

    let headroom = app.tightest_headroom().unwrap();
    assert_eq!(headroom.resource, "cpu");
    assert!((headroom.used - 0.72).abs() < 0.01, "{}", headroom.used);

    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('G'));
    key(&mut app, KeyCode::Char('k'));
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    assert_eq!(model.selected, Some(4));
    assert_eq!(model.chart.unwrap().name, "ticks/s");
}

#[test]
fn pod_specs_set_cpu_and_memory_limits() {
    let mut app = app(true);
    app.cluster = Some(mdops::app::cluster::ClusterState::new("ctx", "mda"));
    let pod = |name: &str| {
        common::agent_pod(
            name,
            PodResources {
                cpu_request_millis: Some(50),
                cpu_limit_millis: Some(500),
                memory_request_bytes: Some(64 << 20),
                memory_limit_bytes: Some(256 << 20),
            },
        )
    };
    app.update(Msg::Cluster {
        snapshot: Box::new(ClusterSnapshot {
            deployments: Vec::new(),
            pods: vec![pod("a"), pod("b"), pod("c")],
            events: Vec::new(),
        }),
        at_ms: T0,
    });
    app.update(capacity(T0, Origin::Local));
    app.screen = Screen::Capacity;
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    assert_eq!(model.rows.len(), 6, "no per-pod rows from the local store");
    assert_eq!(model.rows[0].limit, Some(1.5));
    assert_eq!(model.rows[0].limit_source, "pods");
    assert_eq!(model.rows[1].limit, Some((768u64 << 20) as f64));
    assert_eq!(model.rows[0].time_to_limit.unwrap().median.map(|_| ()), Some(()));
}

#[test]
fn a_failing_prometheus_is_a_banner_over_the_last_forecasts() {
    let mut app = app(true);
    app.update(Msg::Link {
        source: SourceId::Capacity,
        link: Link::Reconnecting {
            attempt: 1,
            last_error: "HTTP 500".to_string(),
        },
        at_ms: T0,
    });
    let problem = app.capacity.problem.clone().unwrap();
    assert!(
        problem.contains("HTTP 500") && problem.contains("no forecast yet"),
        "{problem}"
    );
    let origin = Origin::Prometheus {
        url: "http://127.0.0.1:9/".to_string(),
        lookback_ms: 4 * DAY,
    };
    app.update(capacity(T0 + 1_000, origin));
    assert_eq!(app.capacity.problem, None);
    app.update(Msg::Link {
        source: SourceId::Capacity,
        link: Link::Reconnecting {
            attempt: 1,
            last_error: "connection refused".to_string(),
        },
        at_ms: T0 + 2_000,
    });
    let problem = app.capacity.problem.clone().unwrap();
    assert!(problem.contains("last forecasts shown"), "{problem}");
    assert_eq!(app.capacity.outlooks.len(), 6, "kept");
    assert!(app.tightest_headroom().is_some());
}
