//! Which agent the console talks to, and the source tasks that feed the app.
//! With no agent URL the agent library runs in-process on 127.0.0.1, reached
//! through the same client code as a remote one.

use std::time::Duration;

use anyhow::Context;
use market_data_agent::{AgentConfig, AgentHandle};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::app::{Command, Msg};
use crate::config::Config;
use crate::domain::backoff::Backoff;
use crate::sources::agent::{self, AgentClient};

pub struct Upstream {
    pub client: AgentClient,
    /// Header text describing the target.
    pub target: String,
    embedded: Option<AgentHandle>,
    tasks: JoinSet<()>,
}

impl Upstream {
    /// Resolves the agent (starting the embedded one when no URL is given)
    /// and starts the source tasks, which report on `tx`.
    pub async fn start(
        agent_url: Option<&str>,
        config: &Config,
        tx: mpsc::Sender<Msg>,
    ) -> anyhow::Result<Upstream> {
        let url = agent_url.map(str::to_string).filter(|u| !u.is_empty());
        let url = url.or_else(|| Some(config.agent.url.clone()).filter(|u| !u.is_empty()));
        let (base, target, embedded) = match url {
            Some(url) => (url.clone(), format!("agent {url}"), None),
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
        tasks.spawn(agent::run_stream(client.clone(), tx, Backoff::default()));
        Ok(Upstream {
            client,
            target,
            embedded,
            tasks,
        })
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
