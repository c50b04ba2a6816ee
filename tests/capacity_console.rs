//! The real `mdops` binary with a fresh embedded agent and no Prometheus:
//! the capacity screen (4) and `mdops snapshot --format json` say the
//! history is too short and how much more is needed, and show the current
//! use meanwhile.

mod common;

use std::process::Command as Process;
use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};

#[test]
fn a_fresh_agent_without_prometheus_needs_more_history() {
    let tmux = Tmux::start(&format!("{} --fps 10", mdops_bin().display()), 120, 30);
    tmux.wait_for("the console", Duration::from_secs(30), |s| {
        s.contains("4 Capacity")
    });
    tmux.keys(&["4"]);
    let screen = tmux.wait_for("the capacity rows", Duration::from_secs(30), |s| {
        s.contains("history too short") && s.contains("more")
    });
    assert!(screen.contains("no Prometheus"), "{screen}");
    for name in [
        "cpu",
        "memory",
        "http requests/s",
        "ws clients",
        "ticks/s",
        "backup storage",
    ] {
        assert!(screen.contains(name), "{name} missing:\n{screen}");
    }
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(10)).trim(), "0");

    let state = common::scratch_dir("mdops-capacity-snapshot");
    let output = Process::new(mdops_bin())
        .args(["snapshot", "--format", "json", "--wait", "20"])
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&state);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    // The embedded agent reports its WebSocket clients from the start.
    let clients = &json["capacity"]["resources"][3];
    assert_eq!(clients["name"], "ws clients");
    let why = clients["unavailable"].as_str().unwrap();
    assert!(why.contains("history too short"), "{clients}");
    assert!(clients["need_more_s"].as_f64().unwrap() > 0.0, "{clients}");
    // The agent's own process metrics feed CPU and memory: too short to
    // forecast, yet the current use is known from the first scrapes.
    for (index, name) in [(0, "cpu"), (1, "memory")] {
        let row = &json["capacity"]["resources"][index];
        assert_eq!(row["name"], name);
        let why = row["unavailable"].as_str().unwrap();
        assert!(why.contains("history too short"), "{row}");
    }
    let memory = &json["capacity"]["resources"][1];
    assert!(memory["current"].as_f64().unwrap() > 1e6, "{memory}");
}
