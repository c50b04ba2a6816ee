//! End to end: the real `mdops` in tmux against a real agent with a
//! configured replay source. `O` on a quote of that source opens its
//! circuit breaker through the agent's action API (the source's name typed
//! to confirm), the sources panel shows the breaker held open, the console
//! verifies it, and the audit log has the attempt.

mod common;

use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};
use common::{root, scratch_dir};
use mdops::actions::audit::{Phase, read_entries};

const TOKEN: &str = "circuit-e2e-token";

#[test]
fn opening_a_circuit_from_a_key_shows_on_screen_and_is_audited() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sample = root().join("config/replay/sample.csv");
    let config = format!(
        "listen = \"127.0.0.1:0\"\n[simulator]\nenabled = false\n\
         [[sources]]\nname = \"tape\"\nkind = \"replay\"\npath = \"{}\"\nspeed = 4.0\nloop = true\n",
        sample.display()
    );
    let mut config = market_data_agent::AgentConfig::from_toml_str(&config, "test.toml").unwrap();
    config.admin_token = Some(market_data_agent::AdminToken::new(TOKEN).unwrap());
    let agent = runtime.block_on(market_data_agent::spawn(config)).unwrap();

    let dir = scratch_dir("mdops-circuit-e2e");
    let audit = dir.join("audit.jsonl");
    let console_config = dir.join("config.toml");
    std::fs::write(
        &console_config,
        format!(
            "[incidents]\nauthor = \"e2e-operator\"\n[actions]\naudit_file = \"{}\"\n",
            audit.display()
        ),
    )
    .unwrap();
    let command = format!(
        "MDOPS_AGENT_TOKEN={TOKEN} '{}' --config '{}' --agent http://{}",
        mdops_bin().display(),
        console_config.display(),
        agent.addr()
    );
    let tmux = Tmux::start(&command, 140, 40);
    tmux.keys(&["1"]);
    tmux.wait_for(
        "replayed quotes and the sources panel",
        Duration::from_secs(30),
        |s| s.contains("AAPL") && s.contains("Sources") && s.contains("breaker closed"),
    );

    tmux.keys(&["O"]);
    tmux.wait_for("the confirmation", Duration::from_secs(5), |s| {
        s.contains("circuit breaker of source tape") && s.contains("type the name")
    });
    tmux.keys(&["t", "a", "p", "e", "Enter"]);
    tmux.wait_for("the breaker held open, verified", Duration::from_secs(20), |s| {
        s.contains("open (held)") && s.contains("RECOVERED")
    });

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
    let entries = read_entries(&audit).unwrap();
    let phases: Vec<(Phase, Option<&str>)> = entries
        .iter()
        .filter(|e| e.action == "open-circuit")
        .map(|e| (e.phase, e.result.as_deref()))
        .collect();
    assert_eq!(
        phases,
        [
            (Phase::Started, None),
            (Phase::Finished, Some("ok")),
            (Phase::Verified, Some("recovered")),
        ]
    );
    assert_eq!(entries[0].params["source"], "tape");
    assert_eq!(entries[0].params["state"], "open");
    assert_eq!(entries[0].user, "e2e-operator");
    runtime.block_on(agent.shutdown()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
