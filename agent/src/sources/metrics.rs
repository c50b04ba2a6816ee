//! Metrics of the real sources, registered in the agent's registry:
//! breakers, failovers, data quality, errors and drops.

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use super::breaker::BreakerState;
use super::failover::Reason;
use super::quality::Issue;

/// Source failures; `as_str` is the `kind` label of `mda_source_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A connection attempt failed (refused, timed out, handshake error).
    ConnectFailed,
    /// The connection ended (closed by the peer or broken).
    Disconnected,
    /// A frame that is not a valid message of the protocol.
    BadFrame,
    /// A frame or message over `max_frame_bytes`; the connection is dropped.
    FrameTooLarge,
    /// Nothing at all received for `idle_timeout_ms`; the connection is
    /// replaced.
    Stalled,
    /// The exchange reported an error.
    ExchangeError,
    /// A replay line that cannot be read; it is skipped.
    BadLine,
}

impl Failure {
    pub const ALL: [Failure; 7] = [
        Failure::ConnectFailed,
        Failure::Disconnected,
        Failure::BadFrame,
        Failure::FrameTooLarge,
        Failure::Stalled,
        Failure::ExchangeError,
        Failure::BadLine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Failure::ConnectFailed => "connect_failed",
            Failure::Disconnected => "disconnected",
            Failure::BadFrame => "bad_frame",
            Failure::FrameTooLarge => "frame_too_large",
            Failure::Stalled => "stalled",
            Failure::ExchangeError => "exchange_error",
            Failure::BadLine => "bad_line",
        }
    }

    /// Whether the source lost its connection (the supervisor acts at once).
    pub fn is_connection_loss(self) -> bool {
        matches!(
            self,
            Failure::ConnectFailed | Failure::Disconnected | Failure::FrameTooLarge | Failure::Stalled
        )
    }
}

pub(crate) struct SourcesMetrics {
    failovers: IntCounterVec,
    transitions: IntCounterVec,
    breaker_state: IntGaugeVec,
    score: prometheus::GaugeVec,
    active: IntGaugeVec,
    quality: IntCounterVec,
    errors: IntCounterVec,
    dropped: IntCounterVec,
}

/// Pre-resolved handles of one source, for the hot paths.
pub(crate) struct SourceHandles {
    pub quality: Vec<IntCounter>,
    pub errors: Vec<IntCounter>,
    pub dropped: IntCounter,
    pub active: IntGauge,
    pub score: prometheus::Gauge,
}

impl SourcesMetrics {
    pub fn new(registry: &Registry) -> Result<SourcesMetrics, prometheus::Error> {
        let failovers = IntCounterVec::new(
            Opts::new(
                "mda_failovers_total",
                "Changes of the active source of a group, by reason: failover, failback or manual.",
            ),
            &["group", "from", "to", "reason"],
        )?;
        let transitions = IntCounterVec::new(
            Opts::new(
                "mda_circuit_transitions_total",
                "Circuit breaker state changes of each source.",
            ),
            &["source", "from", "to"],
        )?;
        let breaker_state = IntGaugeVec::new(
            Opts::new(
                "mda_circuit_state",
                "Circuit breaker of each source: 1 for its current state, 0 for the others.",
            ),
            &["source", "state"],
        )?;
        let score = prometheus::GaugeVec::new(
            Opts::new(
                "mda_source_health_score",
                "Health of each source from 0 (unusable) to 1.",
            ),
            &["source"],
        )?;
        let active = IntGaugeVec::new(
            Opts::new(
                "mda_source_active",
                "1 for the source a group currently serves, 0 for its standbys.",
            ),
            &["source"],
        )?;
        let quality = IntCounterVec::new(
            Opts::new(
                "mda_source_quality_issues_total",
                "Data-quality problems by kind; all but gaps are rejected ticks, never served.",
            ),
            &["source", "kind"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new("mda_source_errors_total", "Source failures by kind."),
            &["source", "kind"],
        )?;
        let dropped = IntCounterVec::new(
            Opts::new(
                "mda_source_ticks_dropped_total",
                "Ticks an exchange source dropped because the pipeline's queue was full.",
            ),
            &["source"],
        )?;
        for family in [&failovers, &transitions, &quality, &errors, &dropped] {
            registry.register(Box::new(family.clone()))?;
        }
        registry.register(Box::new(breaker_state.clone()))?;
        registry.register(Box::new(score.clone()))?;
        registry.register(Box::new(active.clone()))?;
        Ok(SourcesMetrics {
            failovers,
            transitions,
            breaker_state,
            score,
            active,
            quality,
            errors,
            dropped,
        })
    }

    /// Handles of one source; its series exist (at 0) from the start.
    pub fn handles(&self, source: &str) -> SourceHandles {
        self.set_breaker(source, BreakerState::Closed);
        SourceHandles {
            quality: Issue::ALL
                .iter()
                .map(|i| self.quality.with_label_values(&[source, i.as_str()]))
                .collect(),
            errors: Failure::ALL
                .iter()
                .map(|f| self.errors.with_label_values(&[source, f.as_str()]))
                .collect(),
            dropped: self.dropped.with_label_values(&[source]),
            active: self.active.with_label_values(&[source]),
            score: self.score.with_label_values(&[source]),
        }
    }

    pub fn set_breaker(&self, source: &str, state: BreakerState) {
        for s in BreakerState::ALL {
            self.breaker_state
                .with_label_values(&[source, s.as_str()])
                .set(i64::from(s == state));
        }
    }

    pub fn transition(&self, source: &str, from: BreakerState, to: BreakerState) {
        self.transitions
            .with_label_values(&[source, from.as_str(), to.as_str()])
            .inc();
        self.set_breaker(source, to);
    }

    pub fn failover(&self, group: &str, from: &str, to: &str, reason: Reason) {
        self.failovers
            .with_label_values(&[group, from, to, reason.as_str()])
            .inc();
    }
}
