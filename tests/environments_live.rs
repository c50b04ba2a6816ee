//! Two real agents on loopback configured as prod-us and prod-eu. prod-us
//! opens a price-anomaly incident a second in; prod-eu serves other
//! symbols. Proves: the summary pollers feed the overview through the App;
//! the real binary in tmux lands on the overview with both, switches to
//! prod-eu from its tile and shows its prices, and the DR screen lists
//! both; `mdops action --env prod-eu` acts on prod-eu's agent alone;
//! `mdops snapshot --format markdown` has both environments, the firing
//! incident and the action just audited.

mod common;

use std::process::Command as Process;
use std::sync::Arc;
use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};
use market_data_agent::api::{IncidentsResponse, Injection};
use market_data_agent::config::ScheduledInjection;
use market_data_agent::{AdminToken, AgentConfig, AgentHandle};
use mdops::app::slos::SlosState;
use mdops::app::{ActionSettings, App, AppConfig, IncidentSettings, Msg, Screen};
use mdops::slo::SloSet;
use mdops::sources::agent::AgentClient;
use mdops::sources::environments::SummaryPoller;
use mdops_views::model::{BodyModel, OverviewTile, TileBody};
use tokio::runtime::Runtime;

const TOKEN: &str = "environments-test-token-0123456789";

struct Agents {
    runtime: Runtime,
    us: AgentHandle,
    eu: AgentHandle,
    scratch: std::path::PathBuf,
}

impl Agents {
    fn start() -> Agents {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let scratch = common::scratch_dir("mdops-environments");
        let agent = |name: &str, symbols: &str, jump: Option<&str>| {
            let mut config = AgentConfig::embedded();
            config.set_listen("127.0.0.1:0").unwrap();
            config.set_symbols(symbols).unwrap();
            config.set_tick_rate(100.0).unwrap();
            config.dr.dir = scratch.join(name).display().to_string();
            config.dr.enabled = false;
            config.admin_token = Some(AdminToken::new(TOKEN).unwrap());
            if let Some(symbol) = jump {
                config.simulator.inject = vec![ScheduledInjection {
                    after_s: 1.0,
                    injection: Injection::PriceJump {
                        symbol: symbol.into(),
                        factor: 1.3,
                    },
                }];
            }
            runtime.block_on(market_data_agent::spawn(config)).unwrap()
        };
        let us = agent("us", "AAPL,MSFT,NVDA", Some("AAPL"));
        let eu = agent("eu", "SAPDE,ASMLNL,SIEDE", None);
        let agents = Agents {
            runtime,
            us,
            eu,
            scratch,
        };
        agents.wait_for_the_incident();
        agents
    }

    fn url(agent: &AgentHandle) -> String {
        format!("http://{}", agent.addr())
    }

    fn wait_for_the_incident(&self) {
        let url = Agents::url(&self.us);
        self.runtime.block_on(async {
            for _ in 0..100 {
                let listed: IncidentsResponse = reqwest::get(format!("{url}/api/v1/incidents"))
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if !listed.incidents.is_empty() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("prod-us opened no incident");
        });
    }

    /// How many backups `agent` lists.
    fn backups(&self, agent: &AgentHandle) -> usize {
        let url = format!("{}/api/v1/dr", Agents::url(agent));
        self.runtime.block_on(async {
            let status: market_data_agent::api::DrStatus =
                reqwest::get(url).await.unwrap().json().await.unwrap();
            status.backups.len()
        })
    }

    /// The console's config naming both agents.
    fn config_file(&self) -> std::path::PathBuf {
        let path = self.scratch.join("mdops.toml");
        let text = format!(
            "[console]\nsummary_interval_ms = 1000\n\n\
             [[environments]]\nname = \"prod-us\"\nagent = \"{}\"\n\n\
             [[environments]]\nname = \"prod-eu\"\nagent = \"{}\"\n",
            Agents::url(&self.us),
            Agents::url(&self.eu)
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    fn stop(self) {
        self.runtime.block_on(async {
            self.us.shutdown().await.unwrap();
            self.eu.shutdown().await.unwrap();
        });
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

fn app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "prod-us".to_string(),
        environment: "prod-us".to_string(),
        environments: vec!["prod-us".to_string(), "prod-eu".to_string()],
        stale_after_ms: 5_000,
        sources: Vec::new(),
        incidents: IncidentSettings::default(),
        actions: ActionSettings::default(),
    };
    let mut app = App::new(config, SlosState::new(set, source), mdops::sources::now_ms());
    app.screen = Screen::Overview;
    app
}

/// The incidents tile of environment `env`, and the movers' symbols.
fn tiles(app: &App, env: usize) -> (Option<[usize; 4]>, Vec<String>) {
    let BodyModel::Overview(m) = app.view().body else {
        panic!("not the overview");
    };
    let tiles = &m.environments[env].tiles;
    let incidents = match tiles[OverviewTile::Incidents.index()].body {
        TileBody::Incidents(counts) => Some(counts),
        _ => None,
    };
    let movers = match &tiles[OverviewTile::Movers.index()].body {
        TileBody::Movers(movers) => movers.iter().map(|m| m.symbol.to_string()).collect(),
        _ => Vec::new(),
    };
    (incidents, movers)
}

#[test]
fn summary_pollers_of_two_agents_feed_the_overview() {
    let agents = Agents::start();
    let mut app = app();
    agents.runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let mut pollers = tokio::task::JoinSet::new();
        for (name, agent) in [("prod-us", &agents.us), ("prod-eu", &agents.eu)] {
            let client = AgentClient::new(&Agents::url(agent), Duration::from_secs(3)).unwrap();
            let poller = SummaryPoller {
                environment: name.to_string(),
                agent: client,
                timeout: Duration::from_secs(3),
                prometheus: None,
                slos: Arc::new(SloSet::embedded()),
                every: Duration::from_millis(200),
                slo_every: Duration::from_secs(15),
            };
            pollers.spawn(poller.run(tx.clone()));
        }
        while app.environments.entries.iter().any(|e| e.polled_at_ms.is_none()) {
            let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("a summary within 10 s")
                .unwrap();
            assert!(matches!(msg, Msg::EnvironmentSummary { .. }));
            app.update(msg);
        }
        pollers.abort_all();
    });
    // prod-us's summary (as the active one, its tiles read its sources).
    let us = app.environments.entry("prod-us").unwrap();
    let open = us.incidents.value.unwrap();
    assert_eq!(open.iter().sum::<usize>(), 1, "prod-us's anomaly: {open:?}");
    assert_eq!(
        us.movers.value.as_ref().unwrap()[0].symbol,
        "AAPL",
        "a 30 % jump leads"
    );
    let (incidents, movers) = tiles(&app, 1);
    assert_eq!(incidents, Some([0, 0, 0, 0]), "prod-eu has none");
    assert!(
        movers.iter().all(|s| s.ends_with("DE") || s.ends_with("NL")),
        "{movers:?}"
    );
    assert_eq!(movers.len(), 3);
    let eu = app.environments.entry("prod-eu").unwrap();
    assert!(eu.dr.value.is_some() && eu.health.value.is_some());
    assert_eq!(eu.slos, Some(None), "no Prometheus configured");
    agents.stop();
}

#[test]
fn the_console_and_the_snapshot_show_both_environments() {
    let agents = Agents::start();
    let config = agents.config_file();
    let command = format!(
        "MDOPS_AGENT_TOKEN={TOKEN} '{}' --config '{}'",
        mdops_bin().display(),
        config.display()
    );
    let tmux = Tmux::start(&command, 120, 36);
    let screen = tmux.wait_for(
        "both environments on the overview",
        Duration::from_secs(30),
        |s| s.contains("prod-us") && s.contains("prod-eu") && s.contains("SEV") && s.contains("none open"),
    );
    assert!(
        screen.contains("Overview") && screen.contains("active"),
        "{screen}"
    );
    assert!(
        screen.contains("mdops prod-us: agent"),
        "the header names it: {screen}"
    );

    // prod-eu's agent tile, Enter: switch, then its prices.
    tmux.keys(&["l", "Enter"]);
    let screen = tmux.wait_for("prod-eu's prices", Duration::from_secs(20), |s| {
        s.contains("prod-eu: agent") && s.contains("SAPDE") && s.contains("Prices")
    });
    assert!(!screen.contains("NVDA"), "prod-us's prices are gone: {screen}");

    tmux.keys(&["5"]);
    tmux.wait_for("both DR columns", Duration::from_secs(15), |s| {
        s.contains("DR · prod-us") && s.contains("DR · prod-eu") && s.matches("RPO").count() == 2
    });
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");

    // An action on the environment named by --env, audited in the
    // console's state directory.
    let state = agents.scratch.join("state");
    let action = Process::new(mdops_bin())
        .args(["action", "backup-now", "--yes", "--env", "prod-eu", "--config"])
        .arg(&config)
        .env("MDOPS_AGENT_TOKEN", TOKEN)
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .unwrap();
    assert!(
        action.status.success(),
        "{}",
        String::from_utf8_lossy(&action.stderr)
    );
    assert_eq!(agents.backups(&agents.eu), 1, "the backup ran on prod-eu");
    assert_eq!(agents.backups(&agents.us), 0, "and not on prod-us");

    let snapshot = Process::new(mdops_bin())
        .args(["snapshot", "--format", "markdown", "--config"])
        .arg(&config)
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&snapshot.stdout);
    assert!(
        snapshot.status.success(),
        "{}\n{markdown}",
        String::from_utf8_lossy(&snapshot.stderr)
    );
    assert!(markdown.starts_with("## Incident status update"), "{markdown}");
    let us_row = markdown
        .lines()
        .find(|l| l.starts_with("| **prod-us**"))
        .expect(&markdown);
    let eu_row = markdown
        .lines()
        .find(|l| l.starts_with("| prod-eu |"))
        .expect(&markdown);
    assert!(us_row.contains("**SEV"), "prod-us's open incident: {us_row}");
    assert!(eu_row.contains("| none |"), "prod-eu has none: {eu_row}");
    assert!(us_row.contains("NO FIGURE") || us_row.contains("MET"), "{us_row}");
    let firing = markdown
        .lines()
        .find(|l| l.contains("Price anomaly on AAPL"))
        .expect(&markdown);
    assert!(
        firing.contains("(prod-us)") && firing.contains("not acked"),
        "{firing}"
    );
    assert!(markdown.contains("backup-now"), "recent actions: {markdown}");

    let json = Process::new(mdops_bin())
        .args(["snapshot", "--format", "json", "--config"])
        .arg(&config)
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let environments = report["environments"].as_array().unwrap();
    assert_eq!(environments.len(), 2);
    assert_eq!(environments[0]["name"], "prod-us");
    assert_eq!(environments[0]["active"], true);
    assert_eq!(environments[1]["health"], "ok");
    assert_eq!(environments[1]["slo_note"], "no Prometheus");
    assert!(environments[1]["rpo"]["target_s"].as_f64().is_some());
    agents.stop();
}
