//! CPU use of the real `mdops` binary in a real terminal (tmux), against an
//! agent on loopback: with a live stream of 50 symbols at 20 ticks/s each
//! (30 fps cap), and with nothing changing. Reads the process' CPU time
//! from /proc before and after a fixed window.
//!
//! `cargo bench --bench console_cpu`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use std::sync::Arc;

use market_data_agent::{AgentConfig, AgentHandle, Feed, RawTick};

const WARM_UP: Duration = Duration::from_secs(5);
const WINDOW: Duration = Duration::from_secs(20);

fn clock_ticks_per_second() -> f64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(100.0)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("mdops is running");
    let after_name = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(["-L", socket, "-f", "/dev/null"])
        .args(args)
        .output()
        .expect("tmux");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs mdops against `agent_url` in tmux and returns its CPU use in
/// percent of one core over the window.
fn measure(label: &str, agent_url: &str) -> f64 {
    let socket = format!("mdops-cpu-{}", std::process::id());
    let state = std::env::temp_dir().join(&socket);
    let bin = Path::new(env!("CARGO_BIN_EXE_mdops"));
    let command = format!(
        "XDG_STATE_HOME='{}' XDG_CONFIG_HOME='{}' exec '{}' --agent {agent_url} --fps 30",
        state.display(),
        state.display(),
        bin.display()
    );
    tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "cpu",
            "-x",
            "160",
            "-y",
            "50",
            &command,
        ],
    );
    std::thread::sleep(WARM_UP);
    let pid = tmux(&socket, &["display-message", "-p", "-t", "cpu", "#{pane_pid}"]);
    let start_ticks = cpu_ticks(&pid);
    let started = Instant::now();
    std::thread::sleep(WINDOW);
    let used = (cpu_ticks(&pid) - start_ticks) as f64 / clock_ticks_per_second();
    let percent = used / started.elapsed().as_secs_f64() * 100.0;
    let screen = tmux(&socket, &["capture-pane", "-p", "-t", "cpu"]);
    tmux(&socket, &["kill-server"]);
    let _ = std::fs::remove_dir_all(&state);
    let first_row = screen
        .lines()
        .find(|l| l.contains('▶'))
        .unwrap_or("(no selected row on screen)");
    println!(
        "{label}: {percent:.2}% of a core over {}s; selected row: {}",
        WINDOW.as_secs(),
        first_row.trim()
    );
    percent
}

fn config(symbols: usize) -> AgentConfig {
    let mut config = AgentConfig::embedded();
    config.listen = "127.0.0.1:0".to_string();
    config.simulator.symbols.truncate(symbols);
    config
}

/// The simulator at its default rate of 20 ticks/s per symbol.
async fn live_agent(symbols: usize) -> AgentHandle {
    market_data_agent::spawn(config(symbols))
        .await
        .expect("agent starts")
}

/// One quote per symbol, then silence: the console has data that never changes.
async fn quiet_agent(symbols: usize) -> (AgentHandle, Feed) {
    let mut config = config(symbols);
    config.simulator.enabled = false;
    let names: Vec<Arc<str>> = config
        .simulator
        .symbols
        .iter()
        .map(|s| Arc::from(s.symbol.as_str()))
        .collect();
    let handle = market_data_agent::spawn(config).await.expect("agent starts");
    let feed = handle.feed("bench");
    let ts = chrono::Utc::now().timestamp_millis();
    let ticks = names
        .into_iter()
        .map(|symbol| RawTick {
            symbol,
            price: 100.0,
            bid: 99.99,
            ask: 100.01,
            size: 1.0,
            ts,
        })
        .collect();
    feed.send(ticks).await.expect("the pipeline takes the ticks");
    (handle, feed)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let live = runtime.block_on(live_agent(50));
    measure(
        "live stream, 50 symbols x 20 ticks/s",
        &format!("http://{}", live.addr()),
    );
    runtime.block_on(live.shutdown()).expect("agent stops");

    let (quiet, feed) = runtime.block_on(quiet_agent(50));
    let label = "nothing changing (50 symbols, one quote each, then silence)";
    measure(label, &format!("http://{}", quiet.addr()));
    drop(feed);
    runtime.block_on(quiet.shutdown()).expect("agent stops");
}
