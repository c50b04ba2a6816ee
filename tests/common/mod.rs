//! Helpers shared by the integration tests that drive real tools and
//! servers (promtool, amtool, Prometheus, Alertmanager). Each test file uses
//! a part of them.
#![allow(dead_code)]

pub mod fake_kube;

use std::net::TcpListener;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The workspace root, where the shipped config lives.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the system temp dir, unique to this process and call.
pub fn scratch_dir(prefix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn not_installed(tool: &str, package: &str) -> String {
    format!(
        "{tool} is not installed: it comes with the Debian package `{package}`, \
         which ./.ci/run installs (or: sudo apt-get install {package})"
    )
}

/// Runs `tool` in `dir`; fails the test (never skips) when it is missing,
/// saying which Debian package brings it.
pub fn run_tool(tool: &str, package: &str, dir: &Path, args: &[&str]) -> Output {
    match Command::new(tool).args(args).current_dir(dir).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{}", not_installed(tool, package)),
        Err(e) => panic!("cannot run {tool}: {e}"),
    }
}

/// The tool's output (stdout then stderr), which must be a success.
pub fn run_tool_ok(tool: &str, package: &str, dir: &Path, args: &[&str]) -> String {
    let output = run_tool(tool, package, dir, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{tool} {} failed ({}):\n{text}",
        args.join(" "),
        output.status
    );
    text
}

/// A server process with its scratch directory; killed and removed on drop.
pub struct Daemon {
    pub child: Child,
    pub dir: PathBuf,
}

impl Daemon {
    /// Starts `program` with `args`, its stderr in `dir/<program>.log`.
    pub fn start(program: &str, package: &str, dir: PathBuf, args: &[String]) -> Daemon {
        let log = std::fs::File::create(dir.join(format!("{program}.log"))).unwrap();
        let spawned = Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        match spawned {
            Ok(child) => Daemon { child, dir },
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                if e.kind() == std::io::ErrorKind::NotFound {
                    panic!("{}", not_installed(program, package));
                }
                panic!("cannot start {program}: {e}");
            }
        }
    }

    /// What the server wrote to stderr, for failure messages.
    pub fn log(&self, program: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{program}.log"))).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The settings of a pure `App` under test: one local environment reading
/// the agent's API, stream and metrics; tests change what they need.
pub fn app_config() -> mdops::app::AppConfig {
    use mdops::app::SourceId;
    mdops::app::AppConfig {
        target: "agent test".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentStream, SourceId::AgentMetrics],
        incidents: mdops::app::IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    }
}

/// A loopback agent whose simulator jumps AAPL's price by 30 % after a
/// second, so it opens a price-anomaly incident; its admin token is `token`.
pub fn incident_agent_config(token: &str) -> market_data_agent::AgentConfig {
    use market_data_agent::api::Injection;
    use market_data_agent::config::ScheduledInjection;
    let mut config = market_data_agent::AgentConfig::embedded();
    config.set_listen("127.0.0.1:0").unwrap();
    config.set_symbols("5").unwrap();
    config.set_tick_rate(200.0).unwrap();
    config.admin_token = Some(market_data_agent::AdminToken::new(token).unwrap());
    config.simulator.inject = vec![ScheduledInjection {
        after_s: 1.0,
        injection: Injection::PriceJump {
            symbol: "AAPL".into(),
            factor: 1.3,
        },
    }];
    config
}

/// A simulator quote of `symbol` at `price` (a cent either side), at `ts`.
pub fn quote(symbol: &str, price: f64, ts: i64) -> market_data_agent::api::Quote {
    market_data_agent::api::Quote {
        symbol: symbol.to_string(),
        price,
        bid: price - 0.01,
        ask: price + 0.01,
        size: 1.0,
        volume: 100.0,
        open: 100.0,
        ts,
        source: "sim".to_string(),
    }
}

/// [`incident_agent_config`]'s agent, started on `runtime`.
pub fn agent_with_an_incident(
    runtime: &tokio::runtime::Runtime,
    token: &str,
) -> market_data_agent::AgentHandle {
    runtime
        .block_on(market_data_agent::spawn(incident_agent_config(token)))
        .unwrap()
}

/// A running pod of the agent's deployment (`market-data-agent`) with
/// these container resources, as the cluster watch reports it.
pub fn agent_pod(
    name: &str,
    resources: mdops::domain::cluster::PodResources,
) -> mdops::domain::cluster::PodInfo {
    mdops::domain::cluster::PodInfo {
        name: name.to_string(),
        phase: "Running".to_string(),
        ready_containers: 1,
        containers: 1,
        restarts: 0,
        node: None,
        reason: None,
        created_at_ms: None,
        healthy: true,
        terminating: false,
        owner: Some("market-data-agent".to_string()),
        restarted_at_ms: None,
        resources,
    }
}

/// An `App` at `now_ms` with the built-in SLOs computed from local scrapes.
pub fn local_app(config: mdops::app::AppConfig, now_ms: i64) -> mdops::app::App {
    use mdops::app::slos::SlosState;
    let set = std::sync::Arc::new(mdops::slo::SloSet::embedded());
    let source = SlosState::local(
        &set,
        std::time::Duration::from_secs(3 * 86_400),
        10_000,
        std::time::Duration::from_secs(5),
    );
    mdops::app::App::new(config, SlosState::new(set, source), now_ms)
}
