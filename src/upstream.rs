//! Which upstreams the console talks to, and the source tasks that feed the
//! app. With no agent URL the agent library runs in-process on 127.0.0.1,
//! reached through the same client code as a remote one. With no Prometheus
//! URL the console scrapes the agent's /metrics for its SLO figures.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use market_data_agent::{AgentConfig, AgentHandle};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::app::slos::{SloSource, SlosState};
use crate::app::{Command, Msg, SourceId};
use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::domain::backoff::Backoff;
use crate::slo::SloSet;
use crate::sources::agent::{self, AgentClient};
use crate::sources::prometheus::PrometheusClient;
use crate::sources::{scrape, slo_poller};

pub struct Upstream {
    pub client: AgentClient,
    /// Header text describing the target.
    pub target: String,
    /// The sources started, in header order.
    pub sources: Vec<SourceId>,
    embedded: Option<AgentHandle>,
    tasks: JoinSet<()>,
}

impl Upstream {
    /// Resolves the agent (starting the embedded one when no URL is given),
    /// starts the source tasks reporting on `tx`, and returns the SLO state
    /// matching the SLO source chosen.
    pub async fn start(
        global: &GlobalArgs,
        config: &Config,
        slos: Arc<SloSet>,
        tx: mpsc::Sender<Msg>,
    ) -> anyhow::Result<(Upstream, SlosState)> {
        let url = first_set(&[global.agent.as_deref(), Some(config.agent.url.as_str())]);
        let (base, target, embedded) = match url {
            Some(url) => (url.to_string(), format!("agent {url}"), None),
            None => {
                let mut agent_config = AgentConfig::embedded();
                agent_config.listen = "127.0.0.1:0".to_string();
                let handle = market_data_agent::spawn(agent_config)
                    .await
                    .context("starting the embedded agent")?;
                let addr = handle.addr();
                (
                    format!("http://{addr}"),
                    format!("agent {addr} (embedded)"),
                    Some(handle),
                )
            }
        };
        let timeout = Duration::from_millis(config.agent.request_timeout_ms);
        let client = AgentClient::new(&base, timeout)?;
        let health_every = Duration::from_millis(config.agent.health_interval_ms);
        let mut tasks = JoinSet::new();
        tasks.spawn(agent::run_api(
            client.clone(),
            tx.clone(),
            health_every,
            Backoff::default(),
        ));
        tasks.spawn(agent::run_stream(client.clone(), tx.clone(), Backoff::default()));
        let mut sources = vec![SourceId::AgentApi, SourceId::AgentStream];

        let prometheus = first_set(&[global.prometheus.as_deref(), Some(config.prometheus.url.as_str())]);
        let slo_source = match prometheus {
            Some(url) => {
                let timeout = Duration::from_millis(config.prometheus.request_timeout_ms);
                let prometheus = PrometheusClient::new(url, timeout)?;
                let every = Duration::from_millis(config.prometheus.interval_ms);
                let poller = slo_poller::run_prometheus_slos(
                    prometheus,
                    Arc::clone(&slos),
                    every,
                    tx,
                    Backoff::default(),
                );
                tasks.spawn(poller);
                sources.push(SourceId::Prometheus);
                SloSource::Prometheus { url: url.to_string() }
            }
            None => {
                let every = Duration::from_millis(config.slo.scrape_interval_ms);
                tasks.spawn(scrape::run_scrape(client.clone(), every, tx, Backoff::default()));
                sources.push(SourceId::AgentMetrics);
                let retention = Duration::from_secs(config.slo.retention_hours * 3600);
                SlosState::local(&slos, retention, config.slo.max_series, every)
            }
        };
        let upstream = Upstream {
            client,
            target,
            sources,
            embedded,
            tasks,
        };
        Ok((upstream, SlosState::new(slos, slo_source)))
    }

    /// Runs a command from the app in the background; its result comes back as a `Msg`.
    pub fn execute(&mut self, command: Command, tx: &mpsc::Sender<Msg>) {
        let client = self.client.clone();
        let tx = tx.clone();
        match command {
            Command::FetchBars { symbol, interval } => {
                self.tasks.spawn(async move {
                    let result = client.bars(&symbol, interval, crate::app::BARS_LIMIT).await;
                    let _ = tx
                        .send(Msg::Bars {
                            symbol,
                            interval,
                            result,
                        })
                        .await;
                });
            }
        }
    }

    /// Stops the source tasks and the embedded agent, if any.
    pub async fn shutdown(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        if let Some(agent) = self.embedded.take()
            && let Err(error) = agent.shutdown().await
        {
            tracing::warn!(%error, "embedded agent did not shut down cleanly");
        }
    }
}

/// The first non-empty value: a flag beats the config file.
fn first_set<'a>(candidates: &[Option<&'a str>]) -> Option<&'a str> {
    candidates
        .iter()
        .flatten()
        .copied()
        .find(|value| !value.is_empty())
}
