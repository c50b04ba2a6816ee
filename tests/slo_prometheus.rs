//! Proof against a real Prometheus: the agent runs with the chaos knob at a
//! known error rate under load, a real Prometheus scrapes it every second
//! with the generated rules, and the console's figures for the short
//! windows must equal what Prometheus answers for the same PromQL, and its
//! alert state must match the alert Prometheus evaluates; the overview's
//! summary of the environment counts the same alert levels.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Daemon, free_port, scratch_dir};
use market_data_agent::AgentConfig;
use mdops::app::slos::{SlosState, burn_promql};
use mdops::app::{App, AppConfig, Msg, SourceId};
use mdops::domain::slo::AlertLevel;
use mdops::slo::{SloSet, render_rules};
use mdops::sources::prometheus::PrometheusClient;
use mdops::sources::slo_poller;

/// A Prometheus server on a free loopback port, killed on drop.
struct Prometheus {
    _daemon: Daemon,
    url: String,
}

impl Prometheus {
    fn start(agent: std::net::SocketAddr, rules: &str) -> Prometheus {
        let dir = scratch_dir("mdops-prom");
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("slo.rules.yml"), rules).unwrap();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - '{}'\n\
             scrape_configs:\n  - job_name: market-data-agent\n    static_configs:\n      - targets: ['{agent}']\n",
            dir.join("slo.rules.yml").display()
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = free_port();
        let args = [
            format!("--config.file={}", dir.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
        ];
        let daemon = Daemon::start("prometheus", "prometheus", dir, &args);
        Prometheus {
            _daemon: daemon,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

/// Requests to the quotes route until `stop`, a few hundred a second.
async fn load(base: String, stop: Arc<std::sync::atomic::AtomicBool>) -> u64 {
    let http = reqwest::Client::new();
    let mut sent = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = http.get(format!("{base}/api/v1/quotes/AAPL")).send().await;
        sent += 1;
        tokio::time::sleep(Duration::from_millis(4)).await;
    }
    sent
}

async fn firing_alerts(client: &reqwest::Client, url: &str) -> Vec<serde_json::Value> {
    let Ok(response) = client.get(format!("{url}/api/v1/alerts")).send().await else {
        return Vec::new();
    };
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    body["data"]["alerts"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_burn_rates_and_alerts_match_prometheus() {
    let mut config = AgentConfig::embedded();
    config.listen = "127.0.0.1:0".to_string();
    config.chaos.error_rate = 0.2;
    let agent = market_data_agent::spawn(config).await.expect("agent starts");
    let base = format!("http://{}", agent.addr());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let generator = tokio::spawn(load(base.clone(), Arc::clone(&stop)));

    let set = Arc::new(SloSet::embedded());
    let prometheus = Prometheus::start(agent.addr(), &render_rules(&set));
    let client = PrometheusClient::new(&prometheus.url, Duration::from_secs(5)).unwrap();
    let http = reqwest::Client::new();
    let availability = set
        .slos
        .iter()
        .position(|s| s.name.contains("availability"))
        .expect("a quotes availability SLO is defined");
    let slo = &set.slos[availability];

    // Wait until Prometheus itself pages for the availability SLO.
    let deadline = Instant::now() + Duration::from_secs(90);
    let page_alert = loop {
        let alerts = firing_alerts(&http, &prometheus.url).await;
        let page = alerts.into_iter().find(|a| {
            a["labels"]["severity"] == "page"
                && a["labels"]["sloth_slo"] == slo.name.as_str()
                && a["state"] == "firing"
        });
        if let Some(page) = page {
            break page;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never paged for {}",
            slo.name
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(generator.await.unwrap() > 100, "the load generator ran");

    // The console's figures, through its own poller and app, at one time...
    let time = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let figures = slo_poller::poll(&client, &set, time)
        .await
        .expect("Prometheus answers");
    let source = mdops::app::slos::SloSource::Prometheus {
        url: prometheus.url.clone(),
    };
    let app_config = AppConfig {
        target: base.clone(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::Prometheus],
        incidents: mdops::app::IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    };
    let mut app = App::new(app_config, SlosState::new(Arc::clone(&set), source), 0);
    app.update(Msg::SloFigures {
        figures,
        at_ms: (time * 1000.0) as i64,
    });
    let summary = app.slos.summaries[availability]
        .clone()
        .expect("figures for the SLO");

    // ... equal Prometheus' own answer for the same PromQL at that time.
    let windows = set.windows();
    for (i, window) in windows.iter().enumerate().filter(|(_, w)| w.as_secs() <= 3600) {
        let query = burn_promql(slo, *window);
        let answer = client
            .query_at(&query, Some(time))
            .await
            .expect("the burn query runs");
        let expected = answer.iter().map(|s| s.value).sum::<f64>();
        let console = summary.burns[i].expect("traffic in every short window");
        assert!(
            (console - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "window {window:?}: console {console} vs Prometheus {expected} for {query}"
        );
        assert!(
            console > 14.4,
            "a 20% error rate burns far above the page threshold: {console}"
        );
    }
    assert_eq!(
        summary.alert.level,
        AlertLevel::Page,
        "Prometheus pages: {page_alert}"
    );

    // The latency SLO has no added latency: neither side alerts.
    let latency = set
        .slos
        .iter()
        .position(|s| s.name.contains("latency"))
        .expect("a latency SLO");
    let latency_summary = app.slos.summaries[latency].clone().expect("latency figures");
    assert_eq!(latency_summary.alert.level, AlertLevel::Ok);
    let alerts = firing_alerts(&http, &prometheus.url).await;
    assert!(
        !alerts
            .iter()
            .any(|a| a["labels"]["sloth_slo"] == set.slos[latency].name.as_str()),
        "Prometheus agrees the latency SLO is fine: {alerts:?}"
    );

    // The overview's summary of an environment with this Prometheus: the
    // SLO screen's evaluation, counted by level.
    let counts = mdops::sources::environments::read_slos(&prometheus.url, &client, &set)
        .await
        .expect("Prometheus answers");
    assert!(counts.page >= 1, "the availability SLO pages: {counts:?}");
    assert_eq!(
        counts.page + counts.ticket + counts.ok + counts.unknown,
        set.slos.len()
    );
    assert!(counts.ok >= 1, "the latency SLO is fine: {counts:?}");

    drop(prometheus);
    agent.shutdown().await.unwrap();
}
