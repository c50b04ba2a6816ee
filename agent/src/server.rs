//! Starting and stopping an agent: wires the feeds, the pipeline and the
//! HTTP server together, and takes them down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::api::Injection;
use crate::book::Book;
use crate::clock::now_ms;
use crate::config::{AgentConfig, ScheduledInjection};
use crate::feed::{Chunk, Feed, SourceRegistry};
use crate::http::{AppState, Chaos, Shared};
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;
use crate::sim::{self, Simulator};

/// Source name of the simulated feed.
pub const SIM_SOURCE: &str = "sim";

/// How long shutdown waits for open HTTP requests to finish.
const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// Injections queued for the simulator between two of its steps.
const SIM_INJECTIONS: usize = 64;

/// Extra time WebSocket clients get to take their close frame, beyond the
/// send timeout.
const WS_DRAIN_GRACE: Duration = Duration::from_secs(2);

/// A running agent. Dropping it also stops the agent, without waiting;
/// [`AgentHandle::shutdown`] stops it and waits.
pub struct AgentHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    feeds: mpsc::Sender<Chunk>,
    sources: Arc<SourceRegistry>,
    ws_slots: Arc<Semaphore>,
    max_clients: u32,
    ws_drain: Duration,
    server: Option<JoinHandle<std::io::Result<()>>>,
    workers: Vec<JoinHandle<()>>,
}

/// Starts an agent with `config`: binds `config.listen`, starts the pipeline
/// and (if enabled) the simulator, and returns once the listener accepts.
pub async fn spawn(mut config: AgentConfig) -> anyhow::Result<AgentHandle> {
    // Of the configuration as given, before a restore moves the start prices.
    let fingerprint = crate::dr::fingerprint(&config);
    let restored = crate::dr::restore_on_start(&mut config).await;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;

    let auth = crate::auth::Authenticator::load(&config)?;
    if config.auth.protect_reads && !auth.is_configured() {
        anyhow::bail!(
            "auth.protect_reads = true needs a way to authenticate: an admin token, auth.tokens_file or auth.jwt"
        );
    }
    let audit = Arc::new(crate::audit::AuditLog::open(&config.audit));
    let metrics = Arc::new(Metrics::new().context("cannot set up metrics")?);
    let auth_metrics = crate::http::AuthMetrics::new(&metrics).context("cannot set up auth metrics")?;
    let served = crate::sources::config::served_symbols(&config.simulator.symbols, &config.sources);
    let book = Arc::new(Book::new(&served, &config.bars));
    let sources = Arc::new(SourceRegistry::default());
    crate::sources::check_files(&config.sources)?;
    let configured = Arc::new(
        crate::sources::Sources::new(&config.sources, &config.failover, metrics.registry(), now_ms())
            .context("cannot set up the sources' metrics")?,
    );
    let (stop, stopped) = watch::channel(false);
    let (feeds, queue) = mpsc::channel(config.pipeline.queue_capacity);
    let (batches, _) = broadcast::channel(config.ws.broadcast_capacity);

    let mut workers = Vec::new();
    let incidents = crate::incidents::setup(&config, &book, &metrics, &sources, now_ms());
    let restored = restored.map(|r| r.apply(&book, &incidents.store));
    let dr = Arc::new(
        crate::dr::Dr::new(
            &config,
            fingerprint,
            Arc::clone(&book),
            Arc::clone(&incidents.store),
            &metrics,
            restored,
        )
        .context("cannot set up backup metrics")?,
    );
    // The listing is known before the first request asks for it.
    dr.refresh().await;
    workers.push(tokio::spawn(Arc::clone(&dr).run(stopped.clone())));
    workers.push(tokio::spawn(Arc::clone(&dr).poll_standby(stopped.clone())));
    let pipeline = Pipeline::new(
        Arc::clone(&book),
        Arc::clone(&metrics),
        config.validation.clone(),
        &config.ws,
        batches.clone(),
        incidents.signals,
        &configured,
    );
    workers.push(tokio::spawn(pipeline.run(queue, stopped.clone())));
    if !config.sources.is_empty() {
        let opener = crate::sources::FeedOpener::new(Arc::clone(&sources), feeds.clone());
        workers.extend(configured.spawn(&opener, &stopped));
        tracing::info!(sources = config.sources.len(), "configured sources started");
    }
    workers.push(tokio::spawn(incidents.task.run(stopped.clone())));

    // Without a configured seed one is drawn; it also seeds the chaos draws.
    let seed = config.simulator.seed.unwrap_or_else(random_seed);
    let mut simulator_control = None;
    if config.simulator.enabled {
        tracing::info!(
            seed,
            symbols = config.simulator.symbols.len(),
            tick_rate = config.simulator.tick_rate,
            "simulated feed started"
        );
        let simulator = Simulator::new(&config.simulator, seed);
        let feed = Feed::open(&sources, SIM_SOURCE, feeds.clone());
        let step = Duration::from_millis(config.simulator.step_ms);
        let (control, injections) = mpsc::channel(SIM_INJECTIONS);
        simulator_control = Some(control);
        let schedule = scheduled_injections(&config);
        workers.push(tokio::spawn(sim::run(
            simulator,
            feed,
            step,
            injections,
            schedule,
            stopped.clone(),
        )));
    }

    let max_clients = u32::try_from(config.ws.max_clients).unwrap_or(u32::MAX);
    let ws_slots = Arc::new(Semaphore::new(max_clients as usize));
    let ws_drain =
        Duration::from_millis(config.ws.send_timeout_ms).min(Duration::from_secs(10)) + WS_DRAIN_GRACE;
    let ws_counters = metrics.ws_counters();
    let chaos = Arc::new(Chaos::new(&config.chaos, seed, metrics.chaos_metrics()));
    log_chaos_and_access(&chaos, &config, &auth, &audit);
    let rate = std::sync::Mutex::new(crate::auth::rate::RateLimiter::new(
        config.auth.actions_per_minute,
    ));
    let state = AppState::new(Shared {
        config,
        book,
        sources: Arc::clone(&sources),
        metrics,
        ws_counters,
        batches,
        ws_slots: Arc::clone(&ws_slots),
        shutdown: stopped.clone(),
        started: Instant::now(),
        chaos,
        incidents: incidents.store,
        simulator: simulator_control,
        configured,
        dr,
        auth,
        auth_metrics,
        rate,
        audit,
    });
    let app = crate::http::router(state);
    let listener = listener.tap_io(|tcp| {
        // Small frames and responses must not wait for Nagle's algorithm.
        let _ = tcp.set_nodelay(true);
    });
    let mut stopped_http = stopped;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped_http.wait_for(|stop| *stop).await;
            })
            .await
    });

    Ok(AgentHandle {
        addr,
        stop,
        feeds,
        sources,
        ws_slots,
        max_clients,
        ws_drain,
        server: Some(server),
        workers,
    })
}

/// Says loudly when faults are injected from the start, whether the acting
/// routes are on, and where they are audited.
fn log_chaos_and_access(
    chaos: &Chaos,
    config: &AgentConfig,
    auth: &crate::auth::Authenticator,
    audit: &crate::audit::AuditLog,
) {
    if chaos.is_on() {
        let settings = &config.chaos;
        tracing::warn!(
            error_rate = settings.error_rate,
            extra_latency_ms = settings.extra_latency_ms,
            routes = ?settings.routes,
            "chaos is on: faults are injected on purpose"
        );
    }
    if auth.is_configured() {
        tracing::info!(accepted = auth.describe(), "acting routes on (bearer tokens)");
    } else {
        tracing::info!("acting routes off: no admin token, auth.tokens_file or auth.jwt");
    }
    match (audit.path(), audit.unavailable()) {
        (Some(path), _) => tracing::info!(path = %path.display(), "audit log"),
        (None, Some(why)) => tracing::error!("audit log unavailable, acting routes answer 503: {why}"),
        (None, None) => {}
    }
}

/// The configured demo injections whose symbol is served (the symbol list
/// can change after the file is read, with `--symbols`); the others are
/// logged and dropped.
fn scheduled_injections(config: &AgentConfig) -> Vec<ScheduledInjection> {
    let served = |symbol: &str| symbol == "*" || config.simulator.symbols.iter().any(|s| s.symbol == symbol);
    let mut schedule = config.simulator.inject.clone();
    schedule.retain(|entry| {
        let (Injection::PriceJump { symbol, .. } | Injection::Stall { symbol, .. }) = &entry.injection;
        let keep = served(symbol);
        if !keep {
            tracing::warn!(symbol, "simulator.inject: symbol not simulated; entry ignored");
        }
        keep
    });
    if !schedule.is_empty() {
        tracing::info!(
            entries = schedule.len(),
            "scheduled fault injections armed (simulator.inject)"
        );
    }
    schedule
}

/// A seed for runs that did not ask for one; logged so the run can be
/// repeated.
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

impl AgentHandle {
    /// The address the agent listens on (the real port when configured
    /// with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Opens a feed named `name` into this agent's pipeline: a replay, an
    /// exchange adapter of an embedding program, or a test injecting raw
    /// ticks. Its ticks are validated and served like the simulator's, and
    /// the source appears in `/health` and in the `source` metric labels.
    pub fn feed(&self, name: &str) -> Feed {
        Feed::open(&self.sources, name, self.feeds.clone())
    }

    /// Stops gracefully, as on SIGTERM: stops accepting connections, sends
    /// every WebSocket client a close frame (1001, going away), lets open
    /// HTTP requests finish, stops the feeds and the pipeline.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let mut result = Ok(());
        if let Some(mut server) = self.server.take() {
            match tokio::time::timeout(HTTP_DRAIN, &mut server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => result = Err(anyhow::Error::new(e).context("HTTP server failed")),
                Ok(Err(e)) => result = Err(anyhow::Error::new(e).context("HTTP server task failed")),
                Err(_) => {
                    tracing::warn!("open HTTP requests did not finish in time; closing them");
                    server.abort();
                }
            }
        }
        let drained = tokio::time::timeout(self.ws_drain, self.ws_slots.acquire_many(self.max_clients)).await;
        if drained.is_err() {
            tracing::warn!("some WebSocket clients did not close in time");
        }
        self.ws_slots.close();
        for worker in std::mem::take(&mut self.workers) {
            if let Err(e) = worker.await {
                result = result.and(Err(anyhow::Error::new(e).context("agent task failed")));
            }
        }
        tracing::info!("agent stopped");
        result
    }
}

impl Drop for AgentHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
