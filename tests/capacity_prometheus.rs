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

use common::fake_kube::{self, FakeKube, NAMESPACE, Resource};
use common::{Daemon, free_port, run_tool_ok, scratch_dir};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mdops::app::slos::{SloSource, SlosState};
use mdops::app::{App, AppConfig, Msg, Screen, SourceId};
use mdops::capacity_config::CapacitySection;
use mdops::domain::cluster::{ClusterSnapshot, PodResources};
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

/// One series of a family: its labels (`{pod="market-data-agent-5d8c7-a"}` or empty) and
/// samples `(Unix s, value)`.
type Series = (&'static str, Vec<(i64, f64)>);

/// A metric's name, type and series.
type Family = (&'static str, &'static str, Vec<Series>);

/// Memory below the first pod's: the second pod's, flat.
const POD_B_MEMORY: f64 = 100.0 * MIB;

/// 14 days of the six metrics, one sample a minute, ending `end_s`. CPU and
/// memory come per pod, as Kubernetes service discovery labels them: pod
/// `market-data-agent-5d8c7-a` uses all the CPU and the memory above `POD_B_MEMORY`, pod
/// `market-data-agent-5d8c7-b` that much memory; `market-data-agent-5d8c7-old`, replaced on day 3, used a
/// little CPU before.
fn openmetrics(end_s: i64) -> String {
    let start_s = end_s - 14 * DAY_S;
    let series =
        |labels: &'static [&'static str]| labels.iter().map(|l| (*l, Vec::new())).collect::<Vec<Series>>();
    let mut families: Vec<Family> = vec![
        (
            "mda_process_cpu_seconds_total",
            "counter",
            series(&[
                "{pod=\"market-data-agent-5d8c7-a\"}",
                "{pod=\"market-data-agent-5d8c7-old\"}",
            ]),
        ),
        (
            "mda_process_resident_memory_bytes",
            "gauge",
            series(&[
                "{pod=\"market-data-agent-5d8c7-a\"}",
                "{pod=\"market-data-agent-5d8c7-b\"}",
            ]),
        ),
        ("mda_http_requests_total", "counter", series(&[""])),
        ("mda_ws_clients", "gauge", series(&[""])),
        ("mda_ticks_accepted_total", "counter", series(&[""])),
        ("mda_backup_storage_bytes", "gauge", series(&[""])),
    ];
    let (mut cpu, mut requests, mut ticks) = (0.0, 0.0, 0.0);
    for t in (start_s..=end_s).step_by(STEP_S as usize) {
        let days = (t - start_s) as f64 / DAY_S as f64;
        let wave = (TAU * days).sin();
        cpu += cpu_rate(days) * STEP_S as f64;
        requests += (100.0 + 5.0 * days + 30.0 * wave) * STEP_S as f64;
        ticks += (400.0 + 50.0 * wave) * STEP_S as f64;
        let values: [&[f64]; 6] = [
            &[cpu, 0.05 * (t - start_s) as f64],
            &[memory(days) - POD_B_MEMORY, POD_B_MEMORY],
            &[requests],
            &[(40.0 + days + 10.0 * wave).round()],
            &[ticks],
            &[1e8 + 5e6 * days.floor()],
        ];
        for (family, values) in families.iter_mut().zip(values) {
            for (series, value) in family.2.iter_mut().zip(values) {
                if series.0.contains("market-data-agent-5d8c7-old") && days > 3.0 {
                    continue;
                }
                series.1.push((t, *value));
            }
        }
    }
    let mut out = String::new();
    for (name, kind, all) in families {
        let family = name.strip_suffix("_total").unwrap_or(name);
        let _ = writeln!(out, "# TYPE {family} {kind}");
        for (labels, samples) in all {
            for (t, v) in samples {
                let _ = writeln!(out, "{name}{labels} {v} {t}");
            }
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
        sources: vec![SourceId::Capacity],
        ..common::app_config()
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

    // Per pod, the pods running now by their `pod` label: market-data-agent-5d8c7-old's
    // series ended on day 3.
    let pods: Vec<(usize, &str)> = job.pods.iter().map(|p| (p.resource, p.pod.as_str())).collect();
    assert_eq!(
        pods,
        [
            (0, "market-data-agent-5d8c7-a"),
            (1, "market-data-agent-5d8c7-a"),
            (1, "market-data-agent-5d8c7-b")
        ]
    );
    assert!(job.pods.iter().all(|p| p.samples.len() > 1_900));

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

    per_pod_rows_against_each_pods_limit(&mut app);
}

/// With the cluster watched, each pod's CPU and memory against the pod's
/// own limit (else request): market-data-agent-5d8c7-a has 20 MiB left below 400 MiB and
/// gains 20 MiB a day, sooner full than the total is.
fn per_pod_rows_against_each_pods_limit(app: &mut App) {
    let pod = |name: &str, cpu: (Option<u64>, Option<u64>), memory: (Option<u64>, Option<u64>)| {
        common::agent_pod(
            name,
            PodResources {
                cpu_request_millis: cpu.0,
                cpu_limit_millis: cpu.1,
                memory_request_bytes: memory.0,
                memory_limit_bytes: memory.1,
            },
        )
    };
    app.cluster = Some(mdops::app::cluster::ClusterState::new("ctx", "mda"));
    app.update(Msg::Cluster {
        snapshot: Box::new(ClusterSnapshot {
            deployments: Vec::new(),
            pods: vec![
                pod(
                    "market-data-agent-5d8c7-b",
                    (Some(100), None),
                    (Some(256 << 20), None),
                ),
                pod(
                    "market-data-agent-5d8c7-a",
                    (None, Some(1_000)),
                    (None, Some(400 << 20)),
                ),
            ],
            events: Vec::new(),
        }),
        at_ms: mdops::sources::now_ms(),
    });
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    let names: Vec<(&str, bool)> = model.rows.iter().map(|r| (r.name, r.pod)).collect();
    assert_eq!(
        names[..7],
        [
            ("cpu", false),
            ("market-data-agent-5d8c7-a", true),
            ("market-data-agent-5d8c7-b", true),
            ("memory", false),
            ("market-data-agent-5d8c7-a", true),
            ("market-data-agent-5d8c7-b", true),
            ("http requests/s", false)
        ]
    );
    let cpu_b = &model.rows[2];
    assert_eq!(
        cpu_b.unavailable.unwrap().brief,
        "no data",
        "no CPU series for market-data-agent-5d8c7-b"
    );
    assert_eq!((cpu_b.limit, cpu_b.limit_source), (Some(0.1), "reqs"));
    let memory_a = &model.rows[4];
    assert!(
        (memory_a.current.unwrap() / MIB - 380.0).abs() < 6.0,
        "{:?}",
        memory_a.current
    );
    assert_eq!(
        (memory_a.limit, memory_a.limit_source),
        (Some(400.0 * MIB), "pod")
    );
    let days = memory_a
        .time_to_limit
        .unwrap()
        .median
        .expect("within 7 days")
        .as_secs_f64()
        / 86_400.0;
    assert!(
        (0.5..1.5).contains(&days),
        "market-data-agent-5d8c7-a reaches 400 MiB in {days} days"
    );
    let memory_b = &model.rows[5];
    assert_eq!(memory_b.limit, Some(256.0 * MIB), "its request");
    assert_eq!(memory_b.time_to_limit.unwrap().median, None, "flat");

    let headroom = app.tightest_headroom().unwrap();
    assert_eq!(
        (headroom.resource, headroom.pod),
        ("memory", Some("market-data-agent-5d8c7-a"))
    );
    for _ in 0..4 {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
    }
    let BodyModel::Capacity(model) = app.view().body else {
        panic!("capacity screen");
    };
    assert_eq!(model.selected, Some(4));
    assert_eq!(model.chart.unwrap().name, "market-data-agent-5d8c7-a");

    let json: serde_json::Value =
        serde_json::from_str(&mdops::snapshot::Report::from_app(app).to_json()).unwrap();
    let pods = json["capacity"]["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 4, "{pods:?}");
    let memory_a = pods
        .iter()
        .find(|p| p["resource"] == "memory" && p["pod"] == "market-data-agent-5d8c7-a")
        .unwrap();
    assert_eq!(memory_a["limit_from"], "limits");
    let days = memory_a["time_to_limit"][0]["median_s"].as_f64().unwrap() / 86_400.0;
    assert!((0.5..1.5).contains(&days), "{memory_a}");
    let markdown = mdops::snapshot::Report::from_app(app).to_markdown();
    assert!(
        markdown.contains("| memory · pod market-data-agent-5d8c7-a |"),
        "{markdown}"
    );
}

/// A pod of the agent's deployment with these container resources.
fn agent_pod(suffix: &str, resources: serde_json::Value) -> serde_json::Value {
    let mut pod = fake_kube::pod("market-data-agent", suffix, None);
    pod["spec"]["containers"][0]["resources"] = resources;
    pod
}

/// The real binary against the backfilled Prometheus and a (fake) cluster
/// running pods a and b, in a terminal: screen 4 shows the six rows with
/// use, forecast, time to limit and accuracy, each pod's rows against its
/// own limit, and the chart; the overview names the pod closest to its
/// limit. Three days at 5-minute steps keep the forecasts quick in a debug
/// build.
#[test]
fn the_console_shows_the_capacity_screen_from_prometheus() {
    let (prometheus, url) = backfilled(recent_end_s());
    let cluster = FakeKube::start();
    cluster.put(
        Resource::Pods,
        agent_pod(
            "a",
            serde_json::json!({"limits": {"cpu": "1", "memory": "400Mi"}}),
        ),
    );
    cluster.put(
        Resource::Pods,
        agent_pod(
            "b",
            serde_json::json!({"requests": {"cpu": "100m", "memory": "256Mi"}}),
        ),
    );
    let dir = scratch_dir("mdops-capacity-config");
    let config = dir.join("mdops.toml");
    std::fs::write(&config, "[capacity]\nlookback_hours = 72\nmin_step_ms = 300000\n").unwrap();
    let command = format!(
        "KUBECONFIG='{}' {} --fps 10 --prometheus {url} --config {} --namespace {NAMESPACE}",
        cluster.write_kubeconfig(&dir).display(),
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
    // Pod a's memory: ~380 MiB of its own 400 MiB; pod b has no CPU series.
    let screen = tmux.wait_for("the pods' rows", Duration::from_secs(60), |s| {
        s.lines().any(|l| l.contains("8c7-a") && l.contains("95%"))
    });
    // It reaches 400 MiB in about a day: by the seasonal model, or, where
    // three days make it damp the trend out, by the straight line (`lin`).
    let pod_a_memory = screen
        .lines()
        .find(|l| l.contains("8c7-a") && l.contains("95%"))
        .unwrap();
    assert!(!pod_a_memory.contains("not within"), "{pod_a_memory}");
    let pod_b_cpu = screen.lines().find(|l| l.contains("8c7-b")).unwrap();
    assert!(
        pod_b_cpu.contains("100m") || pod_b_cpu.contains("0.10"),
        "{pod_b_cpu}"
    );
    assert!(pod_b_cpu.contains("no data"), "{pod_b_cpu}");
    tmux.keys(&["j", "j", "j"]);
    tmux.wait_for("memory's chart", Duration::from_secs(10), |s| {
        s.contains("memory · ETS/MSTL forecast")
    });
    tmux.keys(&["0"]);
    let overview = tmux.wait_for("the tightest pod on the overview", Duration::from_secs(10), |s| {
        s.contains("of pod limit") && s.contains("pod market-data-agent-5d8c7-a")
    });
    assert!(
        overview.contains("memory 95% of pod limit, full in"),
        "{overview}"
    );
    tmux.keys(&["q"]);
}
