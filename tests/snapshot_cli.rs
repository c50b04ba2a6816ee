//! `mdops snapshot` against the embedded agent and against an agent that
//! cannot be reached.

use std::net::TcpListener;
use std::process::{Command, Output};

fn mdops(args: &[&str]) -> Output {
    let state = std::env::temp_dir().join(format!("mdops-snapshot-test-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_mdops"))
        .args(args)
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .expect("mdops runs")
}

#[test]
fn json_snapshot_of_the_embedded_agent_has_every_panel() {
    let output = mdops(&["snapshot", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {stderr}", output.status);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");

    let sources = report["sources"].as_array().unwrap();
    assert_eq!(
        sources.len(),
        5,
        "agent api, agent ws, agent incidents, agent dr and the console's own metrics scrape"
    );
    assert!(sources.iter().all(|s| s["state"] == "connected"), "{sources:?}");
    assert_eq!(report["agent_status"], "ok");

    let prices = report["prices"].as_array().unwrap();
    assert!(prices.len() >= 50, "the simulator serves at least 50 symbols");
    for price in prices {
        let last = price["last"].as_f64().expect("every symbol has a quote");
        let (bid, ask) = (price["bid"].as_f64().unwrap(), price["ask"].as_f64().unwrap());
        assert!(last > 0.0 && bid <= ask, "{price}");
        assert_eq!(price["stale"], false);
        assert_eq!(price["source"], "sim");
    }
    let screens = report["screens"].as_array().unwrap();
    assert_eq!(screens.len(), 8, "one per tab");
    let status = |name: &str| {
        screens
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no screen {name}"))["status"]
            .clone()
    };
    for live in [
        "Overview",
        "Prices",
        "SLOs",
        "Incidents",
        "Capacity",
        "DR",
        "Timeline",
    ] {
        assert_eq!(status(live), "live", "{live}");
    }
    assert_eq!(status("Cluster"), "not_configured", "no cluster is configured");
    let environments = report["environments"].as_array().unwrap();
    assert_eq!(environments.len(), 1, "one implicit environment");
    assert_eq!(environments[0]["name"], "local");
    assert_eq!(environments[0]["active"], true);
    assert_eq!(environments[0]["health"], "ok");
    assert!(report["recent_actions"].is_array());
    assert_eq!(
        report["capacity"]["resources"].as_array().map(Vec::len),
        Some(6),
        "{}",
        report["capacity"]
    );
    assert!(report["timeline"]["held"].is_u64(), "{}", report["timeline"]);
    assert!(report["timeline"]["events"].is_array());
    assert!(
        report["dr"]["rpo_target_s"].as_f64().is_some(),
        "{}",
        report["dr"]
    );
    assert!(report["incidents"].is_array());
    assert!(report["incidents_open"]["sev1"].is_u64());

    let slos = report["slos"].as_array().unwrap();
    assert_eq!(slos.len(), 4);
    for slo in slos {
        let windows = slo["windows"].as_array().unwrap();
        assert_eq!(windows.len(), 7, "{slo}");
        assert!(
            windows
                .iter()
                .all(|w| w["promql"].as_str().is_some_and(|q| q.contains("rate(")))
        );
        assert!(["ok", "ticket", "page"].contains(&slo["alert"].as_str().unwrap()));
    }
    assert!(report["slo_source"].as_str().unwrap().starts_with("local scrape"));
}

/// An action in the audit log shows on the report's timeline, at its time.
#[test]
fn json_snapshot_has_the_audit_logs_actions_on_its_timeline() {
    let state = std::env::temp_dir().join(format!("mdops-snapshot-audit-{}", std::process::id()));
    std::fs::create_dir_all(state.join("mdops")).unwrap();
    std::fs::write(
        state.join("mdops").join("audit.jsonl"),
        "{\"time\":\"2027-01-15T08:00:01.000Z\",\"phase\":\"finished\",\"user\":\"ann\",\"context\":{},\
         \"action\":\"failover\",\"kind\":\"agent.failover\",\"target\":null,\"params\":{},\"dry_run\":false,\
         \"result\":\"ok\",\"error\":null,\"duration_ms\":30,\"message\":null}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mdops"))
        .args(["snapshot", "--format", "json"])
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .expect("mdops runs");
    let _ = std::fs::remove_dir_all(&state);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let events = report["timeline"]["events"].as_array().unwrap();
    let action = events
        .iter()
        .find(|e| e["kind"] == "action")
        .unwrap_or_else(|| panic!("no action on the timeline: {}", report["timeline"]));
    assert_eq!(action["title"], "failover by ann: ok");
    assert_eq!(action["at"], "2027-01-15T08:00:01.000Z");
    assert_eq!(action["environment"], "local");
    assert_eq!(action["screen"], "Prices");
}

#[test]
fn text_and_markdown_snapshots_render_the_prices_panel() {
    let text = mdops(&["snapshot", "--format", "text"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("AAPL") && text.contains("Prices"), "{text}");
    assert!(
        text.contains("quotes-availability"),
        "the SLO screen is drawn: {text}"
    );
    assert!(
        text.contains("Capacity · horizon 7d"),
        "the capacity screen is drawn: {text}"
    );
    assert!(
        text.contains("agent incidents"),
        "the incidents screen is drawn: {text}"
    );

    let markdown = mdops(&["snapshot", "--format", "markdown"]);
    assert!(markdown.status.success());
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.contains("| symbol | last |") && markdown.contains("| AAPL |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("### SLOs") && markdown.contains("| quotes-availability |"),
        "{markdown}"
    );
    assert!(markdown.contains("### Incidents"), "{markdown}");
}

#[test]
fn json_snapshot_includes_the_agents_incidents() {
    use market_data_agent::api::{IncidentsResponse, Injection};
    use market_data_agent::config::ScheduledInjection;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut config = market_data_agent::AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").unwrap();
    config.set_symbols("5").unwrap();
    config.set_tick_rate(200.0).unwrap();
    config.simulator.inject = vec![ScheduledInjection {
        after_s: 1.0,
        injection: Injection::PriceJump {
            symbol: "AAPL".into(),
            factor: 0.7,
        },
    }];
    let agent = runtime.block_on(market_data_agent::spawn(config)).unwrap();
    let url = format!("http://{}", agent.addr());
    let opened = runtime.block_on(async {
        for _ in 0..100 {
            let listed: IncidentsResponse = reqwest::get(format!("{url}/api/v1/incidents"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if !listed.incidents.is_empty() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    });
    assert!(opened, "the injected jump opens an incident");

    let output = mdops(&["snapshot", "--format", "json", "--agent", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {stderr}", output.status);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let incidents = report["incidents"].as_array().unwrap();
    let anomaly = incidents
        .iter()
        .find(|i| i["title"].as_str().is_some_and(|t| t.contains("AAPL")))
        .unwrap_or_else(|| panic!("no AAPL incident in {incidents:#?}"));
    assert_eq!(anomaly["status"], "triggered");
    assert_eq!(anomaly["severity"], "SEV3");
    assert_eq!(anomaly["service"], "market-data-agent");
    assert_eq!(anomaly["component"], "pricing");
    assert_eq!(anomaly["signals"][0]["kind"], "agent");
    assert_eq!(anomaly["signals"][0]["labels"]["symbol"], "AAPL");
    assert!(report["incidents_open"]["sev3"].as_u64().unwrap() >= 1);
    runtime.block_on(agent.shutdown()).unwrap();
}

#[test]
fn unreachable_agent_fails_and_names_the_source() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let output = mdops(&["snapshot", "--format", "json", "--wait", "1.5", "--agent", &url]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("agent api") && stderr.contains("agent ws") && stderr.contains("metrics"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("still a JSON report");
    assert!(
        report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] != "connected")
    );
}
