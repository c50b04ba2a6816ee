//! Real data sources beside the simulator: replay files and exchange
//! WebSockets (`[[sources]]`), with a circuit breaker and data-quality
//! checks per source and failover between the sources of a group.
//!
//! ```text
//! adapter task (replay, binance, coinbase) --Feed--> pipeline: validate, quality,
//!     | failures, connect state                     serve only the group's active source
//!     v                                                  | good / bad counts
//! SourceControl (shared atomics) <-----------------------+
//!     ^ every check_interval_ms, and at once on a lost connection
//! supervisor: breakers -> tiers -> group choice -> SourceControl::active, metrics
//! ```
//!
//! Every source of a group runs all the time (hot standby), so its health
//! is known before the agent needs it; only the active one's ticks are served.

mod binance;
mod breaker;
mod coinbase;
pub mod config;
mod exchange;
mod failover;
mod metrics;
mod quality;
mod replay;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::api::{Health, SourceHealth, SourceState};
use crate::clock::now_ms;
use crate::feed::{Chunk, Feed, SourceRegistry};
pub use breaker::BreakerState;
use breaker::{Breaker, Sample, health_score};
use config::{FailoverConfig, QualityConfig, SourceKind, SourceSettings, SourceSpec};
use failover::{Group, Member, Tier};
pub(crate) use metrics::Failure;
use metrics::{SourceHandles, SourcesMetrics};
pub(crate) use quality::{Issue, SymbolQuality, Verdict};

const NEVER: i64 = i64::MIN;

/// Live state of one configured source, shared by its adapter task, the
/// pipeline, the supervisor and `/health`.
pub(crate) struct SourceControl {
    pub name: Arc<str>,
    pub kind: SourceKind,
    pub group: Arc<str>,
    pub priority: u32,
    pub quality: QualityConfig,
    /// Whether the pipeline serves this source's ticks.
    active: AtomicBool,
    good: AtomicU64,
    bad: AtomicU64,
    failures: AtomicU64,
    last_good_ms: AtomicI64,
    /// When the current connection (or replay pass) began; `NEVER` while
    /// there is none.
    connected_since_ms: AtomicI64,
    last_error: Mutex<Option<(i64, String)>>,
    handles: SourceHandles,
    wake: Arc<Notify>,
}

impl SourceControl {
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Counts ticks that passed validation and the quality checks.
    pub fn good_ticks(&self, n: u64, now_ms: i64) {
        self.good.fetch_add(n, Ordering::Relaxed);
        self.last_good_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Counts a rejected tick of a quality `issue`, or a gap (not rejected).
    pub fn issue(&self, issue: Issue) {
        self.handles.quality[issue.index()].inc();
        if issue != Issue::Gap {
            self.bad.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a tick rejected by validation for another reason than a
    /// crossed book.
    pub fn rejected(&self) {
        self.bad.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a failure; a lost connection wakes the supervisor at once.
    pub fn fail(&self, failure: Failure, message: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.handles.errors[failure as usize].inc();
        if failure == Failure::BadFrame || failure == Failure::BadLine {
            tracing::debug!(source = &*self.name, kind = failure.as_str(), "{message}");
        } else {
            tracing::warn!(source = &*self.name, kind = failure.as_str(), "{message}");
        }
        *self.last_error.lock().unwrap_or_else(PoisonError::into_inner) = Some((now_ms(), message));
        if failure.is_connection_loss() {
            self.wake.notify_one();
        }
    }

    pub fn dropped(&self, ticks: u64) {
        self.handles.dropped.inc_by(ticks);
    }

    /// Marks the source connected (or a replay pass started) or not.
    pub fn set_connected(&self, connected: bool) {
        let since = if connected { now_ms() } else { NEVER };
        self.connected_since_ms.store(since, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn connected_since(&self) -> Option<i64> {
        let t = self.connected_since_ms.load(Ordering::Relaxed);
        (t != NEVER).then_some(t)
    }

    fn last_good(&self) -> Option<i64> {
        let t = self.last_good_ms.load(Ordering::Relaxed);
        (t != NEVER).then_some(t)
    }
}

/// Opens the [`Feed`] a session sends through: the source shows as
/// connected in `/health` while it lives.
#[derive(Clone)]
pub(crate) struct FeedOpener {
    registry: Arc<SourceRegistry>,
    tx: mpsc::Sender<Chunk>,
}

impl FeedOpener {
    pub fn new(registry: Arc<SourceRegistry>, tx: mpsc::Sender<Chunk>) -> FeedOpener {
        FeedOpener { registry, tx }
    }

    pub fn open(&self, name: &str) -> Feed {
        Feed::open(&self.registry, name, self.tx.clone())
    }

    /// Makes a source that failed to start known to the incident
    /// detectors (as down) without a feed. Until a source connects or
    /// fails, `/health` alone lists it, so a start does not open incidents.
    pub fn register(&self, name: &str) {
        self.registry.entry(name);
    }
}

/// What the supervisor keeps per source.
struct Judged {
    breaker: Breaker,
    /// Counters read at the previous step: good, bad, failures.
    seen: [u64; 3],
    stale_after_ms: u64,
    score: f64,
    failovers: u64,
}

struct GroupState {
    name: Arc<str>,
    /// Indexes into `Sources::controls`.
    members: Vec<usize>,
    group: Group,
}

struct Supervised {
    judged: Vec<Judged>,
    groups: Vec<GroupState>,
}

/// All configured sources and the failover state between them.
pub(crate) struct Sources {
    controls: Vec<Arc<SourceControl>>,
    specs: Vec<SourceSpec>,
    config: FailoverConfig,
    state: Mutex<Supervised>,
    metrics: SourcesMetrics,
    wake: Arc<Notify>,
}

/// Why an operator action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionError {
    /// A parameter names nothing that exists, or has a bad value (400).
    BadParams(String),
    /// The action cannot be done now (409).
    Refused(String),
}

impl Sources {
    pub fn new(
        specs: &[SourceSpec],
        config: &FailoverConfig,
        registry: &prometheus::Registry,
        now_ms: i64,
    ) -> Result<Sources, prometheus::Error> {
        let metrics = SourcesMetrics::new(registry)?;
        let wake = Arc::new(Notify::new());
        let controls: Vec<Arc<SourceControl>> = specs
            .iter()
            .map(|spec| {
                Arc::new(SourceControl {
                    name: Arc::from(spec.name.as_str()),
                    kind: spec.kind(),
                    group: Arc::from(spec.group.as_str()),
                    priority: spec.priority,
                    quality: spec.quality.clone(),
                    active: AtomicBool::new(false),
                    good: AtomicU64::new(0),
                    bad: AtomicU64::new(0),
                    failures: AtomicU64::new(0),
                    last_good_ms: AtomicI64::new(NEVER),
                    connected_since_ms: AtomicI64::new(NEVER),
                    last_error: Mutex::new(None),
                    handles: metrics.handles(&spec.name),
                    wake: Arc::clone(&wake),
                })
            })
            .collect();
        let judged = specs
            .iter()
            .map(|spec| Judged {
                breaker: Breaker::new(spec.breaker.clone(), now_ms),
                seen: [0; 3],
                stale_after_ms: spec.breaker.stale_after_ms,
                score: 0.0,
                failovers: 0,
            })
            .collect();
        let mut groups: Vec<GroupState> = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            match groups.iter_mut().find(|g| *g.name == *spec.group) {
                Some(g) => g.members.push(i),
                None => groups.push(GroupState {
                    name: Arc::from(spec.group.as_str()),
                    members: vec![i],
                    group: Group::new(&[]),
                }),
            }
        }
        for g in &mut groups {
            let priorities: Vec<u32> = g.members.iter().map(|&i| specs[i].priority).collect();
            g.group = Group::new(&priorities);
            let active = g.members[g.group.active()];
            controls[active].active.store(true, Ordering::Relaxed);
            controls[active].handles.active.set(1);
        }
        Ok(Sources {
            controls,
            specs: specs.to_vec(),
            config: config.clone(),
            state: Mutex::new(Supervised { judged, groups }),
            metrics,
            wake,
        })
    }

    pub fn controls(&self) -> &[Arc<SourceControl>] {
        &self.controls
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Supervised> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts every source's task and the supervisor.
    pub fn spawn(
        self: &Arc<Sources>,
        opener: &FeedOpener,
        shutdown: &watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        for (spec, control) in self.specs.iter().zip(&self.controls) {
            let control = Arc::clone(control);
            let opener = opener.clone();
            let stop = shutdown.clone();
            tasks.push(match &spec.settings {
                SourceSettings::Replay(replay) => {
                    tokio::spawn(replay::run(replay.clone(), control, opener, stop))
                }
                SourceSettings::Exchange(SourceKind::Binance, ex) => {
                    let protocol = binance::Binance::new(ex);
                    tokio::spawn(exchange::run(protocol, ex.clone(), control, opener, stop))
                }
                SourceSettings::Exchange(_, ex) => {
                    let protocol = coinbase::Coinbase::new(ex);
                    tokio::spawn(exchange::run(protocol, ex.clone(), control, opener, stop))
                }
            });
        }
        if !self.controls.is_empty() {
            tasks.push(tokio::spawn(Arc::clone(self).supervise(shutdown.clone())));
        }
        tasks
    }

    /// Judges the sources every `check_interval_ms`, and at once when one
    /// loses its connection.
    async fn supervise(self: Arc<Sources>, mut shutdown: watch::Receiver<bool>) {
        let mut timer = tokio::time::interval(Duration::from_millis(self.config.check_interval_ms));
        timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                biased;
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = timer.tick() => {}
                () = self.wake.notified() => {}
            }
            self.evaluate(now_ms());
        }
    }

    /// One supervisor pass: breakers first, then each group's choice.
    pub fn evaluate(&self, now_ms: i64) {
        let mut state = self.lock();
        let Supervised { judged, groups } = &mut *state;
        let mut tiers = Vec::with_capacity(judged.len());
        for (control, j) in self.controls.iter().zip(judged.iter_mut()) {
            let counts = [
                control.good.load(Ordering::Relaxed),
                control.bad.load(Ordering::Relaxed),
                control.failures.load(Ordering::Relaxed),
            ];
            let [good, bad, failures] = std::array::from_fn(|i| counts[i].saturating_sub(j.seen[i]));
            j.seen = counts;
            let sample = Sample {
                now_ms,
                last_good_ms: control.last_good(),
                good,
                bad,
                failures,
            };
            if let Some(t) = j.breaker.step(&sample) {
                self.log_transition(control, &t);
            }
            let delivering = delivering(control, j.stale_after_ms, now_ms);
            j.score = health_score(j.breaker.state(), delivering, j.breaker.error_rate());
            control.handles.score.set(j.score);
            tiers.push(tier(j.breaker.state(), delivering));
        }
        let failback = self.config.failback.then_some(self.config.failback_after_ms);
        for g in groups.iter_mut() {
            let members: Vec<Member> = g
                .members
                .iter()
                .map(|&i| Member {
                    priority: self.controls[i].priority,
                    tier: tiers[i],
                })
                .collect();
            if let Some(switch) = g.group.step(&members, now_ms, failback) {
                self.apply_switch(g, judged, switch);
            }
        }
    }

    fn log_transition(&self, control: &SourceControl, t: &breaker::Transition) {
        tracing::warn!(
            source = &*control.name,
            from = t.from.as_str(),
            to = t.to.as_str(),
            "circuit breaker: {}",
            t.reason
        );
        self.metrics.transition(&control.name, t.from, t.to);
    }

    fn apply_switch(&self, g: &GroupState, judged: &mut [Judged], switch: failover::Switch) {
        let from = &self.controls[g.members[switch.from]];
        let to = &self.controls[g.members[switch.to]];
        from.active.store(false, Ordering::Relaxed);
        from.handles.active.set(0);
        to.active.store(true, Ordering::Relaxed);
        to.handles.active.set(1);
        judged[g.members[switch.from]].failovers += 1;
        self.metrics
            .failover(&g.name, &from.name, &to.name, switch.reason);
        tracing::warn!(
            group = &*g.name,
            from = &*from.name,
            to = &*to.name,
            reason = switch.reason.as_str(),
            "active source changed"
        );
    }

    /// The `circuit` action: holds `source`'s breaker open or closed, or
    /// returns it to the automatic rules.
    pub fn force_breaker(
        &self,
        source: &str,
        state: &str,
    ) -> Result<(String, serde_json::Value), ActionError> {
        let forced = match state {
            "open" => Some(BreakerState::Open),
            "closed" => Some(BreakerState::Closed),
            "auto" => None,
            other => {
                return Err(ActionError::BadParams(format!(
                    "state: must be open, closed or auto, got {other:?}"
                )));
            }
        };
        let i = self.index(source)?;
        {
            let mut state = self.lock();
            if let Some(t) = state.judged[i].breaker.force(forced, now_ms()) {
                self.log_transition(&self.controls[i], &t);
            }
        }
        self.evaluate(now_ms());
        let message = match forced {
            Some(s) => format!("the breaker of {source} is held {}", s.as_str()),
            None => format!("the breaker of {source} follows its automatic rules again"),
        };
        let state = self.lock();
        let breaker = &state.judged[i].breaker;
        let details = serde_json::json!({
            "source": source,
            "breaker": breaker.state().as_str(),
            "forced": breaker.is_forced(),
            "active": self.controls[i].is_active(),
        });
        Ok((message, details))
    }

    /// The `failover` action: makes `source` (or the best other source of
    /// `group`) the active one.
    pub fn failover(
        &self,
        group: Option<&str>,
        source: Option<&str>,
    ) -> Result<(String, serde_json::Value), ActionError> {
        let target = source.map(|s| self.index(s)).transpose()?;
        let group = match (group, target) {
            (Some(g), _) => g.to_string(),
            (None, Some(i)) => self.controls[i].group.to_string(),
            (None, None) => {
                let state = self.lock();
                match state.groups.as_slice() {
                    [only] => only.name.to_string(),
                    [] => return Err(ActionError::Refused("no source is configured".to_string())),
                    _ => {
                        return Err(ActionError::BadParams(format!(
                            "group: required with several groups ({})",
                            state
                                .groups
                                .iter()
                                .map(|g| &*g.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                    }
                }
            }
        };
        self.evaluate(now_ms());
        let mut state = self.lock();
        let Supervised { judged, groups } = &mut *state;
        let g = groups
            .iter_mut()
            .find(|g| *g.name == *group)
            .ok_or_else(|| ActionError::BadParams(format!("group: no group named {group:?}")))?;
        let position = match target {
            Some(i) => Some(g.members.iter().position(|&m| m == i).ok_or_else(|| {
                ActionError::BadParams(format!(
                    "source: {:?} is not in group {group:?}",
                    &*self.controls[i].name
                ))
            })?),
            None => None,
        };
        let members: Vec<Member> = g
            .members
            .iter()
            .map(|&i| Member {
                priority: self.controls[i].priority,
                tier: tier(
                    judged[i].breaker.state(),
                    delivering(&self.controls[i], judged[i].stale_after_ms, now_ms()),
                ),
            })
            .collect();
        if position == Some(g.group.active()) {
            return Err(ActionError::Refused(format!(
                "{} is already the active source of {group}",
                &*self.controls[g.members[g.group.active()]].name
            )));
        }
        let switch = g.group.manual(&members, position).map_err(|reason| {
            let name = position.map_or("no other source", |p| &*self.controls[g.members[p]].name);
            ActionError::Refused(format!("cannot fail over to {name}: {reason}"))
        })?;
        self.apply_switch(g, judged, switch);
        let from = &self.controls[g.members[switch.from]].name;
        let to = &self.controls[g.members[switch.to]].name;
        let pinned = if g.group.is_pinned() {
            "; automatic failback is suspended until it fails or the preferred source is chosen"
        } else {
            ""
        };
        let details = serde_json::json!({
            "group": group,
            "from": &**from,
            "active": &**to,
            "pinned": g.group.is_pinned(),
        });
        Ok((format!("group {group} now serves {to}{pinned}"), details))
    }

    fn index(&self, source: &str) -> Result<usize, ActionError> {
        self.controls
            .iter()
            .position(|c| &*c.name == source)
            .ok_or_else(|| {
                ActionError::BadParams(format!(
                    "source: no configured source named {source:?} (configured: {})",
                    self.controls
                        .iter()
                        .map(|c| &*c.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Adds what `/health` tells of configured sources to their entries (and
    /// lists those that have not connected yet, as down); the others (the
    /// simulator, embedded feeds) are always served.
    pub fn annotate(&self, health: &mut Health, now_ms: i64) {
        let state = self.lock();
        for control in &self.controls {
            if !health.sources.iter().any(|s| *s.name == *control.name) {
                health.sources.push(SourceHealth {
                    name: control.name.to_string(),
                    state: SourceState::Down,
                    last_tick_age_ms: None,
                    kind: None,
                    group: None,
                    priority: None,
                    active: None,
                    breaker: None,
                    breaker_forced: None,
                    health_score: None,
                    failovers: None,
                    last_error: None,
                    last_error_age_ms: None,
                });
            }
        }
        let states: Vec<SourceState> = health.sources.iter().map(|s| s.state).collect();
        health.status = crate::health::overall(&states);
        for entry in health.sources.iter_mut() {
            let Some(i) = self.controls.iter().position(|c| *c.name == *entry.name) else {
                entry.kind = Some(
                    if entry.name == crate::server::SIM_SOURCE {
                        "sim"
                    } else {
                        "feed"
                    }
                    .to_string(),
                );
                entry.active = Some(true);
                continue;
            };
            let control = &self.controls[i];
            let judged = &state.judged[i];
            entry.kind = Some(control.kind.as_str().to_string());
            entry.group = Some(control.group.to_string());
            entry.priority = Some(control.priority);
            entry.active = Some(control.is_active());
            entry.breaker = Some(judged.breaker.state());
            entry.breaker_forced = Some(judged.breaker.is_forced());
            entry.health_score = Some(judged.score);
            entry.failovers = Some(judged.failovers);
            let last_error = control
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some((at, message)) = last_error {
                entry.last_error = Some(message);
                entry.last_error_age_ms = Some(u64::try_from(now_ms.saturating_sub(at)).unwrap_or(0));
            }
        }
    }
}

/// Checks at start that every replay file can be read, so a wrong path is
/// a clear start-up error rather than a source that never plays.
pub(crate) fn check_files(specs: &[SourceSpec]) -> anyhow::Result<()> {
    for spec in specs {
        if let SourceSettings::Replay(replay) = &spec.settings {
            std::fs::File::open(&replay.path).map_err(|e| {
                anyhow::anyhow!(
                    "source {:?}: cannot read the replay file {}: {e}",
                    spec.name,
                    replay.path.display()
                )
            })?;
        }
    }
    Ok(())
}

/// How usable a source is for failover.
fn tier(breaker: BreakerState, delivering: bool) -> Tier {
    match (breaker, delivering) {
        (_, false) | (BreakerState::Open, _) => Tier::Unusable,
        (BreakerState::HalfOpen, true) => Tier::Probing,
        (BreakerState::Closed, true) => Tier::Healthy,
    }
}

/// Connected (or playing) and not silent for longer than the breaker's
/// staleness bound; a fresh connection gets that long for its first tick.
fn delivering(control: &SourceControl, stale_after_ms: u64, now_ms: i64) -> bool {
    let Some(since) = control.connected_since() else {
        return false;
    };
    let last = control.last_good().map_or(since, |t| t.max(since));
    now_ms - last <= stale_after_ms as i64
}
