//! Proof against a real Prometheus: `promtool tsdb create-blocks-from
//! openmetrics` backfills 14 days of the agent's metrics (known trends and
//! a daily wave), a real Prometheus serves them, and the console's capacity
//! source gathers them with range queries and forecasts them: memory must
//! reach its limit when its trend says, with accuracy figures from both
//! models. Prints how long the six forecasts took.

mod common;

use std::f64::consts::TAU;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Daemon, free_port, run_tool_ok, scratch_dir};
use mdops::app::slos::{SloSource, SlosState};
use mdops::app::{App, AppConfig, Screen, SourceId};
use mdops::capacity_config::CapacitySection;
use mdops::slo::SloSet;
use mdops::sources::prometheus::PrometheusClient;
use mdops_views::model::BodyModel;

const DAY_S: i64 = 86_400;
const MIB: f64 = 1_048_576.0;
const STEP_S: i64 = 60;

/// Memory: 200 MiB rising 20 MiB a day, a daily wave of 4 MiB.
fn memory(days: f64) -> f64 {
    (200.0 + 20.0 * days + 4.0 * (TAU * days).sin()) * MIB
}

/// CPU cores in use: 0.2 rising 0.01 a day, a daily wave of 0.05.
fn cpu_rate(days: f64) -> f64 {
    0.2 + 0.01 * days + 0.05 * (TAU * days).sin()
}

/// A metric's name, type and samples `(Unix s, value)`.
type Family = (&'static str, &'static str, Vec<(i64, f64)>);

/// 14 days of the six metrics, one sample a minute, ending `end_s`.
fn openmetrics(end_s: i64) -> String {
    let start_s = end_s - 14 * DAY_S;
    let mut families: Vec<Family> = vec![
        ("mda_process_cpu_seconds_total", "counter", Vec::new()),
        ("mda_process_resident_memory_bytes", "gauge", Vec::new()),
        ("mda_http_requests_total", "counter", Vec::new()),
        ("mda_ws_clients", "gauge", Vec::new()),
        ("mda_ticks_accepted_total", "counter", Vec::new()),
        ("mda_backup_storage_bytes", "gauge", Vec::new()),
    ];
    let (mut cpu, mut requests, mut ticks) = (0.0, 0.0, 0.0);
    for t in (start_s..=end_s).step_by(STEP_S as usize) {
        let days = (t - start_s) as f64 / DAY_S as f64;
        let wave = (TAU * days).sin();
        cpu += cpu_rate(days) * STEP_S as f64;
        requests += (100.0 + 5.0 * days + 30.0 * wave) * STEP_S as f64;
        ticks += (400.0 + 50.0 * wave) * STEP_S as f64;
        let values = [
            cpu,
            memory(days),
            requests,
            (40.0 + days + 10.0 * wave).round(),
            ticks,
            1e8 + 5e6 * days.floor(),
        ];
        for (family, value) in families.iter_mut().zip(values) {
            family.2.push((t, value));
        }
    }
    let mut out = String::new();
    for (name, kind, samples) in families {
        let family = name.strip_suffix("_total").unwrap_or(name);
        let _ = writeln!(out, "# TYPE {family} {kind}");
        for (t, v) in samples {
            let _ = writeln!(out, "{name} {v} {t}");
        }
    }
    out.push_str("# EOF\n");
    out
}

fn app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SloSource::Prometheus {
        url: "prometheus".to_string(),
    };
    let config = AppConfig {
        target: "agent test".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::Capacity],
        incidents: mdops::app::IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    };
    App::new(config, SlosState::new(set, source), mdops::sources::now_ms())
}

/// A real Prometheus serving 14 days backfilled by promtool, ending at
/// `end_s`; killed (its data removed) on drop.
fn backfilled(end_s: i64) -> (Daemon, String) {
    let dir = scratch_dir("mdops-capacity-prom");
    std::fs::write(dir.join("history.om"), openmetrics(end_s)).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    run_tool_ok(
        "promtool",
        "prometheus",
        &dir,
        &["tsdb", "create-blocks-from", "openmetrics", "history.om", "data"],
    );
    std::fs::write(dir.join("prometheus.yml"), "global:\n  scrape_interval: 1m\n").unwrap();
    let port = free_port();
    let args = [
        format!("--config.file={}", dir.join("prometheus.yml").display()),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
        "--storage.tsdb.retention.time=30d".to_string(),
        format!("--web.listen-address=127.0.0.1:{port}"),
    ];
    let daemon = Daemon::start("prometheus", "prometheus", dir, &args);
    (daemon, format!("http://127.0.0.1:{port}/"))
}

/// Ending a few minutes ago: the backfilled blocks lie wholly in the past.
fn recent_end_s() -> i64 {
    let now_s = mdops::sources::now_ms() / 1000;
    now_s - now_s % STEP_S - 5 * STEP_S
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fourteen_days_in_prometheus_forecast_to_a_plausible_time_to_limit() {
    let end_s = recent_end_s();
    let (prometheus, url) = backfilled(end_s);
    let client = PrometheusClient::new(&url, Duration::from_secs(30)).unwrap();
    let settings = CapacitySection::default();

    // Prometheus loads the blocks, then answers.
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        match mdops::sources::capacity::gather(&client, url.clone(), &settings, end_s * 1000).await {
            Ok(job) if job.histories.iter().all(|h| h.1.len() > 1_900) => break job,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "no history from Prometheus: {:?}\n{}",
                    other.map(|j| j.histories.iter().map(|h| h.1.len()).collect::<Vec<_>>()),
                    prometheus.log("prometheus")
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    assert_eq!(
        job.settings.step_ms,
        Some(600_000),
        "the configured finest step, well within 11,000 points"
    );
    assert!(
        job.histories
            .iter()
            .all(|h| h.0 == mdops::domain::forecast::Kind::Gauge),
        "rates and gauges"
    );

    let started = Instant::now();
    let msg = mdops::sources::capacity::forecast(job).await;
    eprintln!(
        "forecast of the six resources over 14 days at 10m steps: {:.2}s (this build)",
        started.elapsed().as_secs_f64()
    );
    let mut app = app();
    app.update(msg);
    app.screen = Screen::Capacity;
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    assert!(
        model.rows.iter().all(|r| r.unavailable.is_none()),
        "{:?}",
        model.rows
    );

    // Memory: ~480 MiB now, 20 MiB a day towards 512 MiB: about 1.6 days,
    // a little sooner at the daily peaks.
    let memory = &model.rows[1];
    assert!(
        (memory.current.unwrap() / MIB - 480.0).abs() < 6.0,
        "{:?}",
        memory.current
    );
    let ttl = memory.time_to_limit.unwrap();
    let days = ttl.median.expect("within 7 days").as_secs_f64() / 86_400.0;
    assert!(
        (1.0..2.2).contains(&days),
        "memory reaches 512 MiB in {days} days"
    );
    assert!(ttl.earliest.unwrap() <= ttl.median.unwrap());
    let [seasonal, linear] = memory.accuracy;
    let seasonal = seasonal.expect("14 days are enough for the daily season");
    assert!(seasonal.mape.unwrap() < 5.0, "{seasonal:?}");
    assert!(linear.unwrap().mape.unwrap() < 5.0, "{linear:?}");

    // CPU comes back from rate(): ~0.34 cores at the end, the wave around it.
    let cpu = &model.rows[0];
    assert!((0.25..0.45).contains(&cpu.current.unwrap()), "{:?}", cpu.current);
    assert_eq!(cpu.time_to_limit.unwrap().median, None, "1 core is far off");
    let chart = model.chart.unwrap();
    assert!(chart.history.len() > 100 && chart.median.len() > 100);

    let report = mdops::snapshot::Report::from_app(&app).to_json();
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let memory = &json["capacity"]["resources"][1];
    assert_eq!(memory["name"], "memory");
    assert!(
        memory["time_to_limit"][0]["median_s"].as_f64().unwrap() > 86_400.0,
        "{memory}"
    );
    assert!(memory["accuracy"][0]["mape_pct"].as_f64().is_some(), "{memory}");
    // The straight line's answer beside the seasonal one: the same trend.
    let linear_days = memory["linear_time_to_limit"][0]["median_s"].as_f64().unwrap() / 86_400.0;
    assert!((1.0..2.2).contains(&linear_days), "{memory}");
}

/// The real binary against the backfilled Prometheus, in a terminal: screen
/// 4 shows the six rows with use, forecast, time to limit and accuracy, and
/// the chart. Three days at 5-minute steps keep the forecasts quick in a
/// debug build.
#[test]
fn the_console_shows_the_capacity_screen_from_prometheus() {
    let (prometheus, url) = backfilled(recent_end_s());
    let dir = scratch_dir("mdops-capacity-config");
    let config = dir.join("mdops.toml");
    std::fs::write(&config, "[capacity]\nlookback_hours = 72\nmin_step_ms = 300000\n").unwrap();
    let command = format!(
        "{} --fps 10 --prometheus {url} --config {}",
        common::tmux::mdops_bin().display(),
        config.display()
    );
    let tmux = common::tmux::Tmux::start(&command, 140, 36);
    tmux.wait_for("the console", Duration::from_secs(30), |s| {
        s.contains("4 Capacity")
    });
    tmux.keys(&["4"]);
    let screen = tmux.wait_for("a forecast from Prometheus", Duration::from_secs(120), |s| {
        s.contains("ETS/MSTL forecast") && s.contains("range queries over 3d")
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        screen.contains("Prometheus http://127.0.0.1"),
        "{screen}\n{}",
        prometheus.log("prometheus")
    );
    // ~480 MiB of 512 MiB, its accuracy (MAPE) beside it.
    let memory = screen.lines().find(|l| l.contains("memory ")).unwrap();
    assert!(memory.contains("480.0 MiB") && memory.contains("94%"), "{memory}");
    assert!(
        memory.contains("512.0 MiB") && memory.matches('%').count() >= 2,
        "{memory}"
    );
    assert!(
        screen.contains("linear") && screen.contains("limit 1.00 cores"),
        "{screen}"
    );
    tmux.keys(&["j"]);
    tmux.wait_for("memory's chart", Duration::from_secs(10), |s| {
        s.contains("memory · ETS/MSTL forecast")
    });
    tmux.keys(&["q"]);
}
