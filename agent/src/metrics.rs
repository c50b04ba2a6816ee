//! The agent's Prometheus metrics. Every family is named `mda_*` and lives in
//! a registry of its own, so several agents in one process (tests, the
//! console's embedded agent) never collide.
//!
//! Hot paths hold pre-resolved handles ([`SourceCounters`], [`WsCounters`])
//! instead of looking labels up per tick or per frame.

use prometheus::core::Collector as _;
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::api::{Severity, SourceState};
use crate::incidents::Kind;
use crate::validate::RejectReason;

/// Request-duration buckets in seconds, 50 µs to 5 s: the agent's own routes
/// answer in microseconds, so the default buckets (5 ms and up) would hide
/// everything in the first one. Latency SLOs count requests under
/// `le="0.1"`, so 0.1 must stay a boundary (a test keeps it).
const HTTP_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0,
];

pub(crate) struct Metrics {
    registry: Registry,
    ticks_accepted: IntCounterVec,
    ticks_rejected: IntCounterVec,
    pub batches_published: IntCounter,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub ws_clients: IntGauge,
    ws_frames_sent: IntCounterVec,
    pub ws_conflated: IntCounter,
    ws_dropped: IntCounterVec,
    source_state: IntGaugeVec,
    source_last_tick_age: prometheus::GaugeVec,
    chaos_injected: IntCounterVec,
    chaos_error_rate: Gauge,
    chaos_extra_latency: Gauge,
    incidents_open: IntGaugeVec,
    incidents_opened: IntCounterVec,
    anomalies: IntCounterVec,
}

/// Counter handles of one source: accepted per symbol id, rejected per reason.
pub(crate) struct SourceCounters {
    pub accepted: Vec<IntCounter>,
    pub rejected: Vec<IntCounter>,
}

/// Frame kinds the WebSocket sends, the `type` label of `mda_ws_frames_sent_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    Subscribed,
    Ticks,
    Snapshot,
    Heartbeat,
    Error,
}

impl FrameKind {
    const ALL: [FrameKind; 5] = [
        FrameKind::Subscribed,
        FrameKind::Ticks,
        FrameKind::Snapshot,
        FrameKind::Heartbeat,
        FrameKind::Error,
    ];

    fn as_str(self) -> &'static str {
        match self {
            FrameKind::Subscribed => "subscribed",
            FrameKind::Ticks => "ticks",
            FrameKind::Snapshot => "snapshot",
            FrameKind::Heartbeat => "heartbeat",
            FrameKind::Error => "error",
        }
    }
}

/// Why the agent disconnected a WebSocket client, the `reason` label of
/// `mda_ws_clients_dropped_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// A send did not complete within `send_timeout_ms`.
    SendTimeout,
    /// More than `max_resyncs` resyncs within `resync_window_ms`.
    TooManyResyncs,
    /// The client broke the protocol, e.g. sent a frame over `max_frame_bytes`.
    ProtocolError,
}

impl DropReason {
    const ALL: [DropReason; 3] = [
        DropReason::SendTimeout,
        DropReason::TooManyResyncs,
        DropReason::ProtocolError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::SendTimeout => "send_timeout",
            DropReason::TooManyResyncs => "too_many_resyncs",
            DropReason::ProtocolError => "protocol_error",
        }
    }
}

/// What chaos injected, the `kind` label of `mda_chaos_injected_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChaosKind {
    /// A request answered with HTTP 500 instead of by its handler.
    Error,
    /// A request delayed by `extra_latency_ms`.
    Latency,
}

impl ChaosKind {
    const ALL: [ChaosKind; 2] = [ChaosKind::Error, ChaosKind::Latency];

    fn as_str(self) -> &'static str {
        match self {
            ChaosKind::Error => "error",
            ChaosKind::Latency => "latency",
        }
    }
}

/// Resolved chaos metrics: the injection counters and the current settings.
pub(crate) struct ChaosMetrics {
    injected: Vec<IntCounter>,
    error_rate: Gauge,
    extra_latency: Gauge,
}

impl ChaosMetrics {
    pub fn injected(&self, kind: ChaosKind) {
        self.injected[kind as usize].inc();
    }

    pub fn set_settings(&self, error_rate: f64, extra_latency_ms: u64) {
        self.error_rate.set(error_rate);
        self.extra_latency.set(extra_latency_ms as f64 / 1000.0);
    }
}

/// Resolved incident metrics: open incidents by severity, incidents opened
/// by kind.
pub(crate) struct IncidentMetrics {
    open: Vec<IntGauge>,
    opened: Vec<IntCounter>,
}

impl IncidentMetrics {
    pub fn opened(&self, kind: Kind) {
        self.opened[kind.index()].inc();
    }

    /// Open incidents per severity, in [`Severity::ALL`] order.
    pub fn set_open(&self, by_severity: [i64; 4]) {
        for (gauge, n) in self.open.iter().zip(by_severity) {
            gauge.set(n);
        }
    }
}

/// HTTP requests answered since start, and how many of them with a 5xx.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HttpTotals {
    pub requests: u64,
    pub errors: u64,
}

/// Ticks of one source rejected since start, by reason (in
/// [`RejectReason::ALL`] order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RejectedTotals {
    pub source: String,
    pub by_reason: [u64; RejectReason::ALL.len()],
}

/// Resolved WebSocket counters, shared by all client tasks.
pub(crate) struct WsCounters {
    frames: Vec<IntCounter>,
    dropped: Vec<IntCounter>,
}

impl WsCounters {
    pub fn frame_sent(&self, kind: FrameKind) {
        self.frames[kind as usize].inc();
    }

    pub fn dropped(&self, reason: DropReason) {
        self.dropped[reason as usize].inc();
    }
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let ticks_accepted = IntCounterVec::new(
            Opts::new("mda_ticks_accepted_total", "Ticks accepted by validation."),
            &["source", "symbol"],
        )?;
        let ticks_rejected = IntCounterVec::new(
            Opts::new("mda_ticks_rejected_total", "Ticks rejected by validation."),
            &["source", "reason"],
        )?;
        let batches_published = IntCounter::new(
            "mda_batches_published_total",
            "Tick batches published to WebSocket clients.",
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new("mda_http_requests_total", "HTTP requests answered."),
            &["route", "method", "code"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "mda_http_request_duration_seconds",
                "Time to produce an HTTP response.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["route"],
        )?;
        let ws_clients = IntGauge::new("mda_ws_clients", "WebSocket clients connected.")?;
        let ws_frames_sent = IntCounterVec::new(
            Opts::new(
                "mda_ws_frames_sent_total",
                "WebSocket frames sent, by frame type.",
            ),
            &["type"],
        )?;
        let ws_conflated = IntCounter::new(
            "mda_ws_updates_conflated_total",
            "Tick batches a slow WebSocket client skipped; it got a resync snapshot instead.",
        )?;
        let ws_dropped = IntCounterVec::new(
            Opts::new(
                "mda_ws_clients_dropped_total",
                "WebSocket clients disconnected by the agent.",
            ),
            &["reason"],
        )?;
        let source_state = IntGaugeVec::new(
            Opts::new(
                "mda_source_state",
                "State of each data source: 1 for its current state, 0 for the others.",
            ),
            &["source", "state"],
        )?;
        let source_last_tick_age = prometheus::GaugeVec::new(
            Opts::new(
                "mda_source_last_tick_age_seconds",
                "Age of the newest tick accepted from each source.",
            ),
            &["source"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new("mda_build_info", "Version of the running agent; always 1."),
            &["version"],
        )?;
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let chaos_injected = IntCounterVec::new(
            Opts::new(
                "mda_chaos_injected_total",
                "Faults injected on purpose by the chaos settings: error (HTTP 500) or latency.",
            ),
            &["kind"],
        )?;
        let chaos_error_rate = Gauge::new(
            "mda_chaos_error_rate",
            "Share of chaos-matching requests currently answered with HTTP 500 on purpose.",
        )?;
        let chaos_extra_latency = Gauge::new(
            "mda_chaos_extra_latency_seconds",
            "Latency currently added on purpose to chaos-matching requests.",
        )?;

        let incidents_open = IntGaugeVec::new(
            Opts::new(
                "mda_incidents_open",
                "Incidents open (triggered or acknowledged), by severity.",
            ),
            &["severity"],
        )?;
        let incidents_opened = IntCounterVec::new(
            Opts::new(
                "mda_incidents_total",
                "Incidents opened, by the kind of condition detected.",
            ),
            &["kind"],
        )?;
        let anomalies = IntCounterVec::new(
            Opts::new(
                "mda_anomalies_total",
                "Accepted ticks whose price move was an anomaly (robust median/MAD test); they are still served.",
            ),
            &["symbol"],
        )?;

        registry.register(Box::new(ticks_accepted.clone()))?;
        registry.register(Box::new(ticks_rejected.clone()))?;
        registry.register(Box::new(batches_published.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(ws_clients.clone()))?;
        registry.register(Box::new(ws_frames_sent.clone()))?;
        registry.register(Box::new(ws_conflated.clone()))?;
        registry.register(Box::new(ws_dropped.clone()))?;
        registry.register(Box::new(source_state.clone()))?;
        registry.register(Box::new(source_last_tick_age.clone()))?;
        registry.register(Box::new(build_info))?;
        registry.register(Box::new(chaos_injected.clone()))?;
        registry.register(Box::new(chaos_error_rate.clone()))?;
        registry.register(Box::new(chaos_extra_latency.clone()))?;
        registry.register(Box::new(incidents_open.clone()))?;
        registry.register(Box::new(incidents_opened.clone()))?;
        registry.register(Box::new(anomalies.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(prometheus::process_collector::ProcessCollector::new(
            std::process::id() as prometheus::process_collector::pid_t,
            "mda",
        )))?;

        Ok(Metrics {
            registry,
            ticks_accepted,
            ticks_rejected,
            batches_published,
            http_requests,
            http_duration,
            ws_clients,
            ws_frames_sent,
            ws_conflated,
            ws_dropped,
            source_state,
            source_last_tick_age,
            chaos_injected,
            chaos_error_rate,
            chaos_extra_latency,
            incidents_open,
            incidents_opened,
            anomalies,
        })
    }

    /// The registry, for the families other modules keep (sources).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Incident handles; every severity and kind exists (at 0) from the start.
    pub fn incident_metrics(&self) -> IncidentMetrics {
        IncidentMetrics {
            open: Severity::ALL
                .iter()
                .map(|s| self.incidents_open.with_label_values(&[s.as_str()]))
                .collect(),
            opened: Kind::ALL
                .iter()
                .map(|k| self.incidents_opened.with_label_values(&[k.as_str()]))
                .collect(),
        }
    }

    /// `mda_anomalies_total` of each symbol, by book id, at 0 from the start.
    pub fn anomaly_counters(&self, symbols: &[std::sync::Arc<str>]) -> Vec<IntCounter> {
        symbols
            .iter()
            .map(|s| self.anomalies.with_label_values(&[s]))
            .collect()
    }

    /// Requests and 5xx answers so far, summed from `mda_http_requests_total`
    /// (read by the detectors, so the request path pays nothing extra).
    pub fn http_totals(&self) -> HttpTotals {
        let mut totals = HttpTotals::default();
        for family in self.http_requests.collect() {
            for metric in family.get_metric() {
                let n = metric.get_counter().get_value() as u64;
                totals.requests += n;
                let server_error = metric
                    .get_label()
                    .iter()
                    .any(|l| l.name() == "code" && l.value().starts_with('5'));
                if server_error {
                    totals.errors += n;
                }
            }
        }
        totals
    }

    /// Rejected ticks so far per source, from `mda_ticks_rejected_total`.
    pub fn rejected_totals(&self) -> Vec<RejectedTotals> {
        let mut out: Vec<RejectedTotals> = Vec::new();
        for family in self.ticks_rejected.collect() {
            for metric in family.get_metric() {
                let label = |name: &str| {
                    metric
                        .get_label()
                        .iter()
                        .find(|l| l.name() == name)
                        .map(|l| l.value())
                };
                let (Some(source), Some(reason)) = (label("source"), label("reason")) else {
                    continue;
                };
                let Some(index) = RejectReason::ALL.iter().position(|r| r.as_str() == reason) else {
                    continue;
                };
                let n = metric.get_counter().get_value() as u64;
                match out.iter_mut().find(|t| t.source == source) {
                    Some(totals) => totals.by_reason[index] = n,
                    None => {
                        let mut by_reason = [0; RejectReason::ALL.len()];
                        by_reason[index] = n;
                        out.push(RejectedTotals {
                            source: source.to_string(),
                            by_reason,
                        });
                    }
                }
            }
        }
        out
    }

    /// Chaos handles; every `kind` series exists (at 0) from the start.
    pub fn chaos_metrics(&self) -> ChaosMetrics {
        ChaosMetrics {
            injected: ChaosKind::ALL
                .iter()
                .map(|k| self.chaos_injected.with_label_values(&[k.as_str()]))
                .collect(),
            error_rate: self.chaos_error_rate.clone(),
            extra_latency: self.chaos_extra_latency.clone(),
        }
    }

    /// Handles for one source over the served symbols; every series exists
    /// (at 0) from the source's first chunk on, so rates are defined.
    pub fn source_counters(&self, source: &str, symbols: &[std::sync::Arc<str>]) -> SourceCounters {
        SourceCounters {
            accepted: symbols
                .iter()
                .map(|s| self.ticks_accepted.with_label_values(&[source, s]))
                .collect(),
            rejected: RejectReason::ALL
                .iter()
                .map(|r| self.ticks_rejected.with_label_values(&[source, r.as_str()]))
                .collect(),
        }
    }

    pub fn ws_counters(&self) -> WsCounters {
        WsCounters {
            frames: FrameKind::ALL
                .iter()
                .map(|k| self.ws_frames_sent.with_label_values(&[k.as_str()]))
                .collect(),
            dropped: DropReason::ALL
                .iter()
                .map(|r| self.ws_dropped.with_label_values(&[r.as_str()]))
                .collect(),
        }
    }

    /// Records a source's state and tick age, as computed for `/health`.
    pub fn set_source(&self, source: &str, state: SourceState, last_tick_age_ms: Option<u64>) {
        for s in [SourceState::Up, SourceState::Stale, SourceState::Down] {
            self.source_state
                .with_label_values(&[source, source_state_label(s)])
                .set(i64::from(s == state));
        }
        if let Some(age) = last_tick_age_ms {
            self.source_last_tick_age
                .with_label_values(&[source])
                .set(age as f64 / 1000.0);
        }
    }

    /// Registers a family a feature module owns (its handles stay with it).
    pub fn register(&self, collector: Box<dyn prometheus::core::Collector>) -> Result<(), prometheus::Error> {
        self.registry.register(collector)
    }

    /// The text exposition format 0.0.4.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::with_capacity(16 * 1024);
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

fn source_state_label(state: SourceState) -> &'static str {
    match state {
        SourceState::Up => "up",
        SourceState::Stale => "stale",
        SourceState::Down => "down",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_prefixed_and_documented() {
        let metrics = Metrics::new().unwrap();
        metrics.source_counters("sim", &["AAPL".into()]);
        metrics.ws_counters();
        metrics.set_source("sim", SourceState::Up, Some(10));
        metrics
            .http_requests
            .with_label_values(&["/health", "GET", "200"])
            .inc();
        metrics
            .http_duration
            .with_label_values(&["/health"])
            .observe(0.001);
        let text = metrics.render().unwrap();
        let mut families = 0;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                families += 1;
                let name = rest.split(' ').next().unwrap();
                assert!(name.starts_with("mda_"), "{line}");
                assert!(text.contains(&format!("# HELP {name} ")), "no HELP for {name}");
            } else if !line.starts_with('#') {
                assert!(line.starts_with("mda_"), "{line}");
            }
        }
        assert!(families >= 12, "{text}");
        assert!(text.contains("mda_source_state{source=\"sim\",state=\"up\"} 1"));
        assert!(text.contains("mda_source_state{source=\"sim\",state=\"down\"} 0"));
        #[cfg(target_os = "linux")]
        assert!(text.contains("# TYPE mda_process_resident_memory_bytes gauge"));
    }

    #[test]
    fn latency_slo_boundary_is_a_bucket() {
        assert!(HTTP_BUCKETS.contains(&0.1));
        let metrics = Metrics::new().unwrap();
        metrics.http_duration.with_label_values(&["/health"]).observe(0.1);
        let text = metrics.render().unwrap();
        assert!(
            text.contains("mda_http_request_duration_seconds_bucket{route=\"/health\",le=\"0.1\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn totals_for_the_detectors() {
        let metrics = Metrics::new().unwrap();
        for (code, n) in [("200", 5), ("500", 2), ("503", 1), ("404", 3)] {
            metrics
                .http_requests
                .with_label_values(&["/x", "GET", code])
                .inc_by(n);
        }
        assert_eq!(
            metrics.http_totals(),
            HttpTotals {
                requests: 11,
                errors: 3
            }
        );
        let sim = metrics.source_counters("sim", &["A".into()]);
        sim.rejected[RejectReason::Crossed.index()].inc_by(4);
        metrics.source_counters("test", &["A".into()]).rejected[0].inc();
        let mut totals = metrics.rejected_totals();
        totals.sort_by(|a, b| a.source.cmp(&b.source));
        assert_eq!(totals.len(), 2);
        assert_eq!(totals[0].source, "sim");
        assert_eq!(totals[0].by_reason[RejectReason::Crossed.index()], 4);
        assert_eq!(totals[0].by_reason.iter().sum::<u64>(), 4);
        assert_eq!(totals[1].by_reason[0], 1);
    }

    #[test]
    fn incident_series_exist_from_the_start() {
        let metrics = Metrics::new().unwrap();
        let incidents = metrics.incident_metrics();
        metrics.anomaly_counters(&["AAPL".into()]);
        incidents.opened(Kind::PriceAnomaly);
        incidents.set_open([1, 0, 2, 0]);
        let text = metrics.render().unwrap();
        for needle in [
            "mda_incidents_open{severity=\"SEV1\"} 1\n",
            "mda_incidents_open{severity=\"SEV2\"} 0\n",
            "mda_incidents_open{severity=\"SEV3\"} 2\n",
            "mda_incidents_open{severity=\"SEV4\"} 0\n",
            "mda_incidents_total{kind=\"price_anomaly\"} 1\n",
            "mda_incidents_total{kind=\"source_down\"} 0\n",
            "mda_anomalies_total{symbol=\"AAPL\"} 0\n",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }

    #[test]
    fn chaos_series_exist_from_the_start() {
        let metrics = Metrics::new().unwrap();
        let chaos = metrics.chaos_metrics();
        chaos.injected(ChaosKind::Latency);
        chaos.set_settings(0.25, 150);
        let text = metrics.render().unwrap();
        assert!(
            text.contains("mda_chaos_injected_total{kind=\"error\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("mda_chaos_injected_total{kind=\"latency\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("mda_chaos_error_rate 0.25\n"), "{text}");
        assert!(text.contains("mda_chaos_extra_latency_seconds 0.15\n"), "{text}");
    }
}
