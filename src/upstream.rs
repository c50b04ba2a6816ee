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
use crate::app::environments::{EnvStart, SloStart};
use crate::app::slos::SlosState;
use crate::app::{Command, Msg, SourceId};
use crate::cli::GlobalArgs;
use crate::config::Config;
use crate::domain::backoff::Backoff;
use crate::environments::Environment;
use crate::slo::SloSet;
use crate::sources::agent::{self, AgentClient};
use crate::sources::alertmanager::AlertmanagerClient;
use crate::sources::environments::SummaryPoller;
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
    /// Every environment, in config order; the sources read `active`.
    pub environments: Vec<Environment>,
    pub active: usize,
    /// Each environment's agent client (an embedded agent's resolved).
    clients: Vec<AgentClient>,
    embedded: Vec<AgentHandle>,
    config: Config,
    slos: Arc<SloSet>,
    /// The active environment's source tasks, stopped by a switch.
    env_tasks: JoinSet<()>,
    /// Commands' tasks and the summary pollers.
    tasks: JoinSet<()>,
    /// Where a switch hands over the environment it started.
    switched: mpsc::UnboundedSender<Session>,
    switches: Option<mpsc::UnboundedReceiver<Session>>,
    /// A switch is under way; a further one waits for it (the newest wins).
    switching: bool,
    queued: Option<String>,
}

/// The active environment's connections and source tasks.
pub struct Session {
    active: usize,
    client: AgentClient,
    kube: Option<KubeConnection>,
    alertmanager: Option<AlertmanagerClient>,
    target: String,
    sources: Vec<SourceId>,
    env_tasks: JoinSet<()>,
}

/// An environment's sources, built but not started yet.
struct Plan {
    alertmanager: Option<AlertmanagerClient>,
    prometheus: Option<PrometheusClient>,
    sources: Vec<SourceId>,
    slo: SloStart,
}

impl Upstream {
    /// Resolves the environments (starting embedded agents where no URL is
    /// given), starts every environment's summary poller when there are
    /// several, starts the active one's source tasks reporting on `tx`,
    /// and returns the SLO state matching its SLO source.
    pub async fn start(
        global: &GlobalArgs,
        config: &Config,
        slos: Arc<SloSet>,
        tx: mpsc::Sender<Msg>,
    ) -> anyhow::Result<(Upstream, SlosState)> {
        let (environments, active) = crate::environments::resolve(global, config)?;
        let timeout = Duration::from_millis(config.agent.request_timeout_ms);
        let mut clients = Vec::new();
        let mut embedded = Vec::new();
        for env in &environments {
            let (base, token) = match &env.agent {
                Some(url) => (url.clone(), environment_token(env)?),
                None => {
                    let (handle, token) = spawn_embedded(env).await?;
                    let base = format!("http://{}", handle.addr());
                    embedded.push(handle);
                    (base, Some(token))
                }
            };
            clients.push(AgentClient::new(&base, timeout)?.with_token(token));
        }
        let mut tasks = JoinSet::new();
        if environments.len() > 1 {
            for (env, client) in environments.iter().zip(&clients) {
                let prometheus = match &env.prometheus {
                    Some(url) => Some((url.clone(), prometheus_client(url, config)?)),
                    None => None,
                };
                let poller = SummaryPoller {
                    environment: env.name.clone(),
                    agent: client.clone(),
                    timeout,
                    prometheus,
                    slos: Arc::clone(&slos),
                    every: Duration::from_millis(config.console.summary_interval_ms),
                    slo_every: Duration::from_millis(config.prometheus.interval_ms),
                };
                tasks.spawn(poller.run(tx.clone()));
            }
        }
        let env = &environments[active];
        let plan = Plan::new(env, config)?;
        let slo_source = plan.slo.source(&slos);
        let kube = match &env.kube {
            Some(target) => Some(kube::connect(target).await.context("Kubernetes")?),
            None => None,
        };
        let client = clients[active].clone();
        let mut env_tasks = JoinSet::new();
        let sources = plan.spawn(&client, kube.as_ref(), config, &slos, &tx, &mut env_tasks);
        // The console's own audit log, whatever the environment.
        tasks.spawn(audit::run_audit(
            audit::Tail::new(config.actions.audit_path(), crate::domain::timeline::DEFAULT_CAP),
            audit::AUDIT_INTERVAL,
            tx.clone(),
        ));
        let engine = Engine {
            agent: client.clone(),
            alertmanager: plan.alertmanager.clone(),
            kube: kube.clone(),
            audit: AuditLog::open(&config.actions.audit_path())?,
        };
        let (switched, switches) = mpsc::unbounded_channel();
        let upstream = Upstream {
            target: target_text(env, &client, !embedded.is_empty() && env.agent.is_none()),
            client,
            kube,
            engine,
            alertmanager: plan.alertmanager,
            sources,
            environments,
            active,
            clients,
            embedded,
            config: config.clone(),
            slos: Arc::clone(&slos),
            env_tasks,
            tasks,
            switched,
            switches: Some(switches),
            switching: false,
            queued: None,
        };
        Ok((upstream, SlosState::new(slos, slo_source)))
    }

    /// The environments switched to, for the run loop to `adopt` (once).
    pub fn take_switches(&mut self) -> Option<mpsc::UnboundedReceiver<Session>> {
        self.switches.take()
    }

    /// Makes a switched-to environment the one commands act on; runs a
    /// switch asked for meanwhile.
    pub fn adopt(&mut self, session: Session, tx: &mpsc::Sender<Msg>) {
        self.active = session.active;
        self.client = session.client;
        self.kube = session.kube;
        self.alertmanager = session.alertmanager;
        self.target = session.target;
        self.sources = session.sources;
        self.env_tasks = session.env_tasks;
        self.engine.agent = self.client.clone();
        self.engine.alertmanager = self.alertmanager.clone();
        self.engine.kube = self.kube.clone();
        self.switching = false;
        if let Some(name) = self.queued.take() {
            self.switch_to(name, tx);
        }
    }

    /// Stops the active environment's sources and starts `name`'s, in the
    /// background: the old tasks end first, then `Msg::EnvironmentSwitched`
    /// goes out, then the new tasks start, so the app never mixes the two.
    fn switch_to(&mut self, name: String, tx: &mpsc::Sender<Msg>) {
        let Some(index) = self.environments.iter().position(|e| e.name == name) else {
            let known: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            let msg = Msg::ActionDone {
                label: format!("switch to {name}"),
                result: Err(format!(
                    "unknown environment; configured are {}",
                    known.join(", ")
                )),
            };
            let _ = tx.try_send(msg);
            return;
        };
        if self.switching {
            self.queued = Some(name);
            return;
        }
        self.switching = true;
        let mut old = std::mem::take(&mut self.env_tasks);
        let env = self.environments[index].clone();
        let client = self.clients[index].clone();
        let embedded = env.agent.is_none();
        let config = self.config.clone();
        let slos = Arc::clone(&self.slos);
        let back = self.switched.clone();
        let tx = tx.clone();
        self.tasks.spawn(async move {
            old.abort_all();
            while old.join_next().await.is_some() {}
            let (kube, kube_error) = match &env.kube {
                None => (None, None),
                Some(target) => match kube::connect(target).await {
                    Ok(connection) => (Some(connection), None),
                    Err(error) => (None, Some(format!("{error:#}"))),
                },
            };
            let plan = match Plan::new(&env, &config) {
                Ok(plan) => plan,
                Err(error) => {
                    let msg = Msg::ActionDone {
                        label: format!("switch to {}", env.name),
                        result: Err(format!("{error:#}")),
                    };
                    let _ = tx.send(msg).await;
                    return;
                }
            };
            let mut sources = plan.sources.clone();
            if kube.is_some() {
                sources.push(SourceId::Kubernetes);
            }
            let target = target_text(&env, &client, embedded);
            let start = EnvStart {
                name: env.name.clone(),
                target: target.clone(),
                sources,
                alertmanager: plan.alertmanager.as_ref().map(|c| c.base().to_string()),
                kube: kube.as_ref().map(|k| (k.context.clone(), k.namespace.clone())),
                kube_error,
                agent_url: client.base().to_string(),
                slo: plan.slo.clone(),
            };
            let switched = Msg::EnvironmentSwitched {
                start: Box::new(start),
                at_ms: now_ms(),
            };
            if tx.send(switched).await.is_err() {
                return;
            }
            let mut env_tasks = JoinSet::new();
            let sources = plan.spawn(&client, kube.as_ref(), &config, &slos, &tx, &mut env_tasks);
            let _ = back.send(Session {
                active: index,
                client,
                kube,
                alertmanager: plan.alertmanager,
                target,
                sources,
                env_tasks,
            });
        });
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
            Command::SwitchEnvironment(name) => self.switch_to(name, &tx),
            Command::ForecastCapacity(job) => {
                self.tasks.spawn(async move {
                    let _ = tx.send(crate::sources::capacity::forecast(*job).await).await;
                });
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

    /// Stops the source tasks and the embedded agents, if any.
    pub async fn shutdown(mut self) {
        self.env_tasks.abort_all();
        self.tasks.abort_all();
        while self.env_tasks.join_next().await.is_some() {}
        while self.tasks.join_next().await.is_some() {}
        for agent in self.embedded {
            if let Err(error) = agent.shutdown().await {
                tracing::warn!(%error, "embedded agent did not shut down cleanly");
            }
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

/// Reads the cluster's backups every `every`. A failure is carried in the
/// message (per part), and the API server's reachability already shows
/// through the cluster watch.
async fn poll_kube_backups(
    connection: KubeConnection,
    sources: kube::BackupSources,
    every: Duration,
    tx: mpsc::Sender<Msg>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let backups = kube::read_backups(&connection, &sources).await;
        let msg = Msg::KubeBackups {
            backups: Box::new(backups),
            at_ms: now_ms(),
        };
        if tx.send(msg).await.is_err() {
            return;
        }
    }
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
    token_from_file(token_file).map(Some)
}

/// The token in `token_file`, which must be readable by its owner only.
fn token_from_file(token_file: &str) -> anyhow::Result<String> {
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
    Ok(token.to_string())
}

/// The first non-empty value: a flag beats the config file.
pub fn first_set<'a>(candidates: &[Option<&'a str>]) -> Option<&'a str> {
    candidates
        .iter()
        .flatten()
        .copied()
        .find(|value| !value.is_empty())
}

impl Plan {
    /// The clients of `env`'s upstreams besides its agent, and the sources
    /// they will feed.
    fn new(env: &Environment, config: &Config) -> anyhow::Result<Plan> {
        let mut sources = vec![
            SourceId::AgentApi,
            SourceId::AgentStream,
            SourceId::AgentIncidents,
            SourceId::AgentDr,
        ];
        let alertmanager = match &env.alertmanager {
            Some(url) => {
                let timeout = Duration::from_millis(config.alertmanager.request_timeout_ms);
                sources.push(SourceId::Alertmanager);
                Some(AlertmanagerClient::new(url, timeout)?)
            }
            None => None,
        };
        let (prometheus, slo) = match &env.prometheus {
            Some(url) => {
                sources.push(SourceId::Prometheus);
                sources.push(SourceId::Capacity);
                (
                    Some(prometheus_client(url, config)?),
                    SloStart::Prometheus { url: url.clone() },
                )
            }
            None => {
                sources.push(SourceId::AgentMetrics);
                let slo = SloStart::Local {
                    every_ms: config.slo.scrape_interval_ms,
                    retention_ms: config.slo.retention_hours * 3_600_000,
                    max_series: config.slo.max_series,
                };
                (None, slo)
            }
        };
        Ok(Plan {
            alertmanager,
            prometheus,
            sources,
            slo,
        })
    }

    /// Starts the source tasks in `tasks`; returns the sources in header order.
    fn spawn(
        &self,
        client: &AgentClient,
        kube: Option<&KubeConnection>,
        config: &Config,
        slos: &Arc<SloSet>,
        tx: &mpsc::Sender<Msg>,
        tasks: &mut JoinSet<()>,
    ) -> Vec<SourceId> {
        let health_every = Duration::from_millis(config.agent.health_interval_ms);
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
        if let Some(alertmanager) = &self.alertmanager {
            tasks.spawn(incidents::run_alertmanager(
                alertmanager.clone(),
                Duration::from_millis(config.alertmanager.interval_ms),
                tx.clone(),
                Backoff::default(),
            ));
        }
        match &self.prometheus {
            Some(prometheus) => {
                if let SloStart::Prometheus { url } = &self.slo {
                    tasks.spawn(crate::sources::capacity::run_prometheus(
                        prometheus.clone(),
                        url.clone(),
                        config.capacity.clone(),
                        tx.clone(),
                        Backoff::default(),
                    ));
                }
                let every = Duration::from_millis(config.prometheus.interval_ms);
                tasks.spawn(slo_poller::run_prometheus_slos(
                    prometheus.clone(),
                    Arc::clone(slos),
                    every,
                    tx.clone(),
                    Backoff::default(),
                ));
            }
            None => {
                let every = Duration::from_millis(config.slo.scrape_interval_ms);
                tasks.spawn(scrape::run_scrape(
                    client.clone(),
                    every,
                    tx.clone(),
                    Backoff::default(),
                ));
            }
        }
        let mut sources = self.sources.clone();
        if let Some(connection) = kube {
            tasks.spawn(watch_cluster(connection.clone(), tx.clone()));
            let backup_sources = kube::BackupSources {
                cronjob_name_match: config.dr.cronjob_name_match.clone(),
                velero_namespace: config.dr.velero_namespace.clone(),
            };
            let every = Duration::from_millis(config.dr.kube_interval_ms);
            tasks.spawn(poll_kube_backups(
                connection.clone(),
                backup_sources,
                every,
                tx.clone(),
            ));
            sources.push(SourceId::Kubernetes);
        }
        sources
    }
}

fn prometheus_client(url: &str, config: &Config) -> anyhow::Result<PrometheusClient> {
    PrometheusClient::new(url, Duration::from_millis(config.prometheus.request_timeout_ms))
}

/// The header's target: the agent, and the environment's name when
/// environments are configured (`environments::named_in_target` reads it
/// back from a recording).
fn target_text(env: &Environment, client: &AgentClient, embedded: bool) -> String {
    let base = client.base().as_str().trim_end_matches('/');
    let agent = if embedded {
        format!("agent {} (embedded)", base.trim_start_matches("http://"))
    } else {
        format!("agent {base}")
    };
    if env.named {
        format!("{}: {agent}", env.name)
    } else {
        agent
    }
}

/// Starts an in-process agent for `env` on 127.0.0.1, with a token of
/// this run known to nobody but this process for its acting routes.
async fn spawn_embedded(env: &Environment) -> anyhow::Result<(AgentHandle, String)> {
    let token = format!("{:032x}", rand::rng().random::<u128>());
    let mut agent_config = AgentConfig::embedded();
    agent_config.listen = "127.0.0.1:0".to_string();
    // Its backups live with the console's own state, not in the home of a
    // standalone agent; each named environment's apart.
    let suffix = if env.named {
        format!("-{}", env.name)
    } else {
        String::new()
    };
    let state = crate::config::state_dir();
    agent_config.dr.dir = state
        .join(format!("embedded-agent-backups{suffix}"))
        .display()
        .to_string();
    agent_config.audit.file = state
        .join(format!("embedded-agent-audit{suffix}.jsonl"))
        .display()
        .to_string();
    agent_config.admin_token = Some(AdminToken::new(token.clone()).map_err(anyhow::Error::msg)?);
    let handle = market_data_agent::spawn(agent_config)
        .await
        .with_context(|| format!("starting the embedded agent of {}", env.name))?;
    Ok((handle, token))
}

/// A remote agent's token. A named environment's own file comes first, so
/// one environment's token is never sent to another's agent; then
/// `MDOPS_AGENT_TOKEN`. The implicit environment keeps the rule of
/// `remote_agent_token`.
pub fn environment_token(env: &Environment) -> anyhow::Result<Option<String>> {
    if env.named && !env.token_file.is_empty() {
        return token_from_file(&env.token_file).map(Some);
    }
    remote_agent_token(&env.token_file)
}
