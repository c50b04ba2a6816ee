//! Which upstreams the console talks to, and the source tasks that feed the
//! app. With no agent URL the agent library runs in-process on 127.0.0.1,
//! reached through the same client code as a remote one. With no Prometheus
//! URL the console scrapes the agent's /metrics for its SLO figures.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use market_data_agent::{AdminToken, AgentConfig, AgentHandle};
use rand::Rng;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::actions::audit::AuditLog;
use crate::actions::engine::Engine;
use crate::app::slos::{SloSource, SlosState};
use crate::app::{Command, Msg, SourceId};
use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::domain::backoff::Backoff;
use crate::slo::SloSet;
use crate::sources::agent::{self, AgentClient};
use crate::sources::alertmanager::AlertmanagerClient;
use crate::sources::kube::{self, ClusterUpdate, KubeConnection, KubeTarget};
use crate::sources::prometheus::PrometheusClient;
use crate::sources::{audit, dr, incidents, now_ms, scrape, slo_poller};

/// Environment variable holding the token for a remote agent's acting routes.
pub const AGENT_TOKEN_VAR: &str = "MDOPS_AGENT_TOKEN";

pub struct Upstream {
    pub client: AgentClient,
    /// The cluster, when one is configured.
    pub kube: Option<KubeConnection>,
    pub alertmanager: Option<AlertmanagerClient>,
    /// Runs runbook actions, audited.
    pub engine: Engine,
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
        let (base, target, embedded, token) = match url {
            Some(url) => (
                url.to_string(),
                format!("agent {url}"),
                None,
                remote_agent_token(&config.agent.token_file)?,
            ),
            None => {
                // The embedded agent's acting routes get a token of this run,
                // known to nobody but this process.
                let token = format!("{:032x}", rand::rng().random::<u128>());
                let mut agent_config = AgentConfig::embedded();
                agent_config.listen = "127.0.0.1:0".to_string();
                // Its backups live with the console's own state, not in the
                // home of a standalone agent.
                agent_config.dr.dir = crate::config::state_dir()
                    .join("embedded-agent-backups")
                    .display()
                    .to_string();
                agent_config.audit.file = crate::config::state_dir()
                    .join("embedded-agent-audit.jsonl")
                    .display()
                    .to_string();
                agent_config.admin_token = Some(AdminToken::new(token.clone()).map_err(anyhow::Error::msg)?);
                let handle = market_data_agent::spawn(agent_config)
                    .await
                    .context("starting the embedded agent")?;
                let addr = handle.addr();
                (
                    format!("http://{addr}"),
                    format!("agent {addr} (embedded)"),
                    Some(handle),
                    Some(token),
                )
            }
        };
        let timeout = Duration::from_millis(config.agent.request_timeout_ms);
        let client = AgentClient::new(&base, timeout)?.with_token(token);
        let health_every = Duration::from_millis(config.agent.health_interval_ms);
        let mut tasks = JoinSet::new();
        tasks.spawn(agent::run_api(
            client.clone(),
            tx.clone(),
            health_every,
            Backoff::default(),
        ));
        tasks.spawn(agent::run_stream(client.clone(), tx.clone(), Backoff::default()));
        tasks.spawn(incidents::run_agent_incidents(
            client.clone(),
            Duration::from_millis(config.incidents.interval_ms),
            tx.clone(),
            Backoff::default(),
        ));
        tasks.spawn(dr::run_dr(
            client.clone(),
            Duration::from_millis(config.dr.interval_ms),
            tx.clone(),
            Backoff::default(),
        ));
        let mut sources = vec![
            SourceId::AgentApi,
            SourceId::AgentStream,
            SourceId::AgentIncidents,
            SourceId::AgentDr,
        ];

        let alertmanager_url = first_set(&[
            global.alertmanager.as_deref(),
            Some(config.alertmanager.url.as_str()),
        ]);
        let alertmanager = match alertmanager_url {
            Some(url) => {
                let timeout = Duration::from_millis(config.alertmanager.request_timeout_ms);
                let client = AlertmanagerClient::new(url, timeout)?;
                tasks.spawn(incidents::run_alertmanager(
                    client.clone(),
                    Duration::from_millis(config.alertmanager.interval_ms),
                    tx.clone(),
                    Backoff::default(),
                ));
                sources.push(SourceId::Alertmanager);
                Some(client)
            }
            None => None,
        };

        let tx_cluster = tx.clone();
        let tx_audit = tx.clone();
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
        let kube = match kube_target(global, config) {
            Some(target) => {
                let connection = kube::connect(&target).await.context("Kubernetes")?;
                tasks.spawn(watch_cluster(connection.clone(), tx_cluster));
                sources.push(SourceId::Kubernetes);
                Some(connection)
            }
            None => None,
        };
        tasks.spawn(audit::run_audit(
            audit::Tail::new(config.actions.audit_path(), crate::domain::timeline::DEFAULT_CAP),
            audit::AUDIT_INTERVAL,
            tx_audit,
        ));
        let engine = Engine {
            agent: client.clone(),
            alertmanager: alertmanager.clone(),
            kube: kube.clone(),
            audit: AuditLog::open(&config.actions.audit_path())?,
        };
        let upstream = Upstream {
            client,
            kube,
            engine,
            alertmanager,
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
            Command::Act(plan) => {
                let alertmanager = self.alertmanager.clone();
                let audit = Some(self.engine.audit.clone());
                self.tasks
                    .spawn(incidents::execute(plan, client, alertmanager, audit, tx));
            }
            Command::Run { id, request } => {
                let engine = self.engine.clone();
                self.tasks.spawn(async move {
                    let (lines, mut received) = mpsc::channel(64);
                    let forward_to = tx.clone();
                    let forward = tokio::spawn(async move {
                        while let Some(line) = received.recv().await {
                            if forward_to.send(Msg::RunOutput { id, line }).await.is_err() {
                                return;
                            }
                        }
                    });
                    let outcome = engine.run(&request, lines).await;
                    let _ = forward.await;
                    let _ = tx.send(Msg::RunDone { id, outcome }).await;
                });
            }
            Command::RecordVerification {
                request,
                recovered,
                detail,
            } => {
                if let Err(error) = self.engine.record_verification(&request, recovered, &detail) {
                    tracing::error!(error = format!("{error:#}"), "could not audit a verification");
                }
            }
            Command::SwitchEnvironment(name) => {
                tracing::warn!(%name, "switching environments is not built yet");
            }
            Command::FetchDr => {
                self.tasks.spawn(async move {
                    // A failure here shows at the next poll; this read only
                    // makes a success show sooner.
                    if let Ok(msg) = dr::read(&client).await {
                        let _ = tx.send(msg).await;
                    }
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

/// The cluster to watch: from flags or `[kube]`, or the pod's own when
/// running in one; `None` when nothing asks for one.
pub fn kube_target(global: &GlobalArgs, config: &Config) -> Option<KubeTarget> {
    let section = &config.kube;
    let asked = global.kube_context.is_some()
        || global.namespace.is_some()
        || !section.kubeconfig.is_empty()
        || !section.context.is_empty()
        || !section.namespace.is_empty()
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    asked.then(|| KubeTarget {
        kubeconfig: nonempty(&section.kubeconfig).map(std::path::PathBuf::from),
        context: global.kube_context.clone().or_else(|| nonempty(&section.context)),
        namespace: global.namespace.clone().or_else(|| nonempty(&section.namespace)),
    })
}

/// Runs the cluster watch and turns its updates into messages: snapshots,
/// and the failing / recovered link of the `kubernetes` source.
async fn watch_cluster(connection: KubeConnection, tx: mpsc::Sender<Msg>) {
    let (updates_tx, mut updates) = mpsc::channel(16);
    let watch = tokio::spawn(kube::run_cluster(connection, updates_tx));
    let mut attempt = 0u32;
    while let Some(update) = updates.recv().await {
        let msg = match update {
            ClusterUpdate::Snapshot(snapshot) => Msg::Cluster {
                snapshot: Box::new(snapshot),
                at_ms: now_ms(),
            },
            ClusterUpdate::Failing { error, .. } => {
                attempt += 1;
                Msg::Link {
                    source: SourceId::Kubernetes,
                    link: crate::app::Link::Reconnecting {
                        attempt,
                        last_error: error,
                    },
                    at_ms: now_ms(),
                }
            }
            ClusterUpdate::Recovered => {
                attempt = 0;
                Msg::Link {
                    source: SourceId::Kubernetes,
                    link: crate::app::Link::Connected,
                    at_ms: now_ms(),
                }
            }
        };
        if tx.send(msg).await.is_err() {
            break;
        }
    }
    watch.abort();
}

/// The token for a remote agent: `MDOPS_AGENT_TOKEN`, else the configured
/// file, which must be readable by its owner only (as ssh insists for keys).
/// `None` when neither is set: reading works, acting is refused by the agent.
pub fn remote_agent_token(token_file: &str) -> anyhow::Result<Option<String>> {
    if let Some(token) = std::env::var(AGENT_TOKEN_VAR)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(Some(token.trim().to_string()));
    }
    if token_file.is_empty() {
        return Ok(None);
    }
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(token_file)
        .with_context(|| format!("agent.token_file {token_file}: cannot read"))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        anyhow::bail!("agent.token_file {token_file}: mode {mode:o} lets others read it; chmod 600 it");
    }
    let token = std::fs::read_to_string(token_file)
        .with_context(|| format!("agent.token_file {token_file}: cannot read"))?;
    let token = token.trim();
    if token.is_empty() {
        anyhow::bail!("agent.token_file {token_file}: empty");
    }
    Ok(Some(token.to_string()))
}

/// The first non-empty value: a flag beats the config file.
pub fn first_set<'a>(candidates: &[Option<&'a str>]) -> Option<&'a str> {
    candidates
        .iter()
        .flatten()
        .copied()
        .find(|value| !value.is_empty())
}
