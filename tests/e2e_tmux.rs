//! End to end: the real `mdops` binary in a real terminal (tmux), with the
//! embedded agent. Waits for prices to move, switches screens, opens help,
//! quits, and checks the exit code and that the terminal was restored.

mod common;

use std::process::Command;
use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};

/// The table lines that carry a price for AAPL..., i.e. rows with digits.
fn price_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|line| line.contains('.') && line.split_whitespace().count() >= 4)
        .map(str::to_string)
        .collect()
}

#[test]
fn console_shows_moving_prices_switches_screens_and_restores_terminal() {
    let tmux = Tmux::start(&format!("'{}'", mdops_bin().display()), 140, 40);

    tmux.wait_for("the overview, the landing screen", Duration::from_secs(30), |s| {
        s.contains("local") && s.contains("active") && s.contains("Top movers")
    });
    tmux.keys(&["1"]);
    let first = tmux.wait_for("live prices", Duration::from_secs(30), |s| {
        s.contains("Prices") && s.contains("AAPL") && price_lines(s).len() >= 10
    });
    tmux.wait_for("prices to move", Duration::from_secs(15), |s| {
        price_lines(s) != price_lines(&first)
    });
    assert!(
        tmux.pane_flag("#{alternate_on}") == "1",
        "the console draws on the alternate screen"
    );

    tmux.keys(&["2"]);
    tmux.wait_for("the SLO screen", Duration::from_secs(10), |s| {
        s.contains("quotes-availability") && s.contains("local scrape")
    });
    tmux.keys(&["Tab"]);
    tmux.wait_for("the incidents screen", Duration::from_secs(5), |s| {
        s.contains("agent incidents") && !s.contains("not configured")
    });
    tmux.keys(&["1"]);
    tmux.wait_for("prices again", Duration::from_secs(5), |s| s.contains("AAPL"));

    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", Duration::from_secs(5), |s| {
        s.contains("toggle this help")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("toggle this help")
    });

    tmux.keys(&["q"]);
    let exit = tmux.wait_for_file("exit", Duration::from_secs(15));
    assert_eq!(exit.trim(), "0", "mdops exits 0 on q");
    let stty = tmux.wait_for_file("stty", Duration::from_secs(5));
    assert!(
        stty.contains(" icanon") && stty.contains(" echo"),
        "raw mode left on: {stty}"
    );
    assert_eq!(tmux.pane_flag("#{alternate_on}"), "0", "alternate screen left");
    assert_eq!(tmux.pane_flag("#{cursor_flag}"), "1", "cursor shown again");
}

#[test]
fn ctrl_c_quits_cleanly_too() {
    let tmux = Tmux::start(&format!("'{}' --screen prices", mdops_bin().display()), 100, 30);
    tmux.wait_for("live prices", Duration::from_secs(30), |s| s.contains("AAPL"));
    tmux.keys(&["C-c"]);
    let exit = tmux.wait_for_file("exit", Duration::from_secs(15));
    assert_eq!(exit.trim(), "0");
    assert_eq!(tmux.pane_flag("#{alternate_on}"), "0");
}

#[test]
fn bad_config_fails_before_touching_the_terminal() {
    let dir = std::env::temp_dir().join(format!("mdops-badcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, "[console]\nfps = 30\nstale_after = 5\n").unwrap();
    let output = Command::new(mdops_bin())
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.toml:3") && stderr.contains("stale_after"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_restores_the_terminal_and_exits_zero() {
    let tmux = Tmux::start(&format!("'{}' --screen prices", mdops_bin().display()), 100, 30);
    tmux.wait_for("live prices", Duration::from_secs(30), |s| s.contains("AAPL"));
    let pid = tmux.pane_flag("#{pane_pid}");
    let children = Command::new("pgrep")
        .args(["-P", &pid, "-x", "mdops"])
        .output()
        .unwrap();
    let mdops_pid = String::from_utf8_lossy(&children.stdout).trim().to_string();
    assert!(!mdops_pid.is_empty(), "mdops runs under the pane's shell");
    assert!(
        Command::new("kill")
            .args(["-TERM", &mdops_pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = tmux.wait_for_file("exit", Duration::from_secs(15));
    assert_eq!(exit.trim(), "0");
    let stty = tmux.wait_for_file("stty", Duration::from_secs(5));
    assert!(
        stty.contains(" icanon") && stty.contains(" echo"),
        "raw mode left on: {stty}"
    );
    assert_eq!(tmux.pane_flag("#{alternate_on}"), "0");
}

#[test]
fn acknowledging_an_incident_with_a_changes_its_status_on_screen() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let agent = common::agent_with_an_incident(&runtime, "e2e-token");
    let command = format!(
        "MDOPS_AGENT_TOKEN=e2e-token USER=e2e-operator '{}' --agent http://{}",
        mdops_bin().display(),
        agent.addr()
    );
    let tmux = Tmux::start(&command, 140, 40);
    common::tmux::acknowledge_the_anomaly(&tmux);

    tmux.keys(&["q"]);
    let exit = tmux.wait_for_file("exit", Duration::from_secs(15));
    assert_eq!(exit.trim(), "0");
    runtime.block_on(agent.shutdown()).unwrap();
}

#[test]
fn read_only_refuses_to_acknowledge() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let agent = common::agent_with_an_incident(&runtime, "e2e-token");
    let command = format!(
        "'{}' --read-only --agent http://{}",
        mdops_bin().display(),
        agent.addr()
    );
    let tmux = Tmux::start(&command, 140, 40);
    tmux.keys(&["3"]);
    tmux.wait_for("the triggered anomaly", Duration::from_secs(30), |s| {
        s.contains("Price anomaly on AAPL") && s.contains("triggered")
    });
    tmux.keys(&["a"]);
    tmux.wait_for("the refusal", Duration::from_secs(5), |s| s.contains("read-only"));
    assert!(!tmux.screen().contains("Enter confirm"));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
    runtime.block_on(agent.shutdown()).unwrap();
}
