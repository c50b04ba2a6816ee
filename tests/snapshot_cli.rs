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
        3,
        "agent api, agent ws and the console's own metrics scrape"
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
    assert_eq!(screens.len(), 6);
    assert_eq!(screens[0]["status"], "live");
    assert_eq!(screens[1]["status"], "live");
    assert!(screens[2..].iter().all(|s| s["status"] == "not_configured"));

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
    assert!(text.contains("Incidents: not configured"), "{text}");

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
