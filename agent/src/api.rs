//! Wire types of the agent's HTTP and WebSocket contract.
//!
//! The console deserializes exactly these types, so the contract has one
//! definition. Timestamps are Unix milliseconds (UTC) throughout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Latest state of one symbol after an accepted tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub symbol: String,
    /// Last trade price.
    pub price: f64,
    pub bid: f64,
    pub ask: f64,
    /// Size of the last trade.
    pub size: f64,
    /// Volume traded since the session opened (agent start or UTC midnight).
    pub volume: f64,
    /// First price of the session, for "change since open".
    pub open: f64,
    /// Exchange (or simulator) timestamp of the tick, Unix ms.
    pub ts: i64,
    /// Name of the source that produced the tick.
    pub source: String,
}

/// One OHLCV bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Start of the bar's interval, Unix ms.
    pub start: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    /// Number of ticks folded into the bar.
    pub ticks: u64,
}

/// Bar interval served by `/api/v1/bars/{symbol}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BarInterval {
    #[serde(rename = "1s")]
    OneSecond,
    #[serde(rename = "1m")]
    OneMinute,
}

impl BarInterval {
    pub fn as_str(self) -> &'static str {
        match self {
            BarInterval::OneSecond => "1s",
            BarInterval::OneMinute => "1m",
        }
    }

    pub fn millis(self) -> i64 {
        match self {
            BarInterval::OneSecond => 1_000,
            BarInterval::OneMinute => 60_000,
        }
    }
}

/// `GET /api/v1/bars/{symbol}` response, oldest bar first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarsResponse {
    pub symbol: String,
    pub interval: BarInterval,
    pub bars: Vec<Bar>,
}

/// `GET /api/v1/symbols` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolsResponse {
    pub symbols: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
    Degraded,
    Down,
}

/// State of one data source as `/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceState {
    /// Delivering fresh ticks.
    Up,
    /// Connected but no accepted tick within the staleness threshold.
    Stale,
    /// Not delivering (stopped, disconnected, or never started).
    Down,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub name: String,
    pub state: SourceState,
    /// Age of the newest accepted tick; `None` before the first one.
    pub last_tick_age_ms: Option<u64>,
    /// `sim`, `feed` (an embedding program's), `replay`, `binance`, `coinbase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Failover group of a configured source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Lower is preferred within the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// Whether its ticks are served (a group serves one source at a time;
    /// the others are hot standbys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<BreakerState>,
    /// Whether an operator holds the breaker in its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker_forced: Option<bool>,
    /// 0 (unusable) to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_score: Option<f64>,
    /// Times the group's active role moved away from this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failovers: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_age_ms: Option<u64>,
}

/// A configured source's circuit breaker, as `/health` reports it.
pub use crate::sources::BreakerState;

/// `GET /health` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    pub version: String,
    pub uptime_s: f64,
    pub sources: Vec<SourceHealth>,
}

/// Body of every error response: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unknown_symbol`, `bad_request`.
    pub code: String,
    pub message: String,
}

/// `GET /api/v1/admin/chaos` response, and the answer to a `PUT`: the
/// fault injection in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaosSettings {
    /// Share of matching requests answered with HTTP 500 (`chaos_injected`).
    pub error_rate: f64,
    /// Added before answering each matching request, ms.
    pub extra_latency_ms: u64,
    /// Route templates the injection applies to, e.g. `/api/v1/quotes/{symbol}`.
    pub routes: Vec<String>,
}

/// `PUT /api/v1/admin/chaos` body; a field left out keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<String>>,
}

/// How bad an incident is: SEV1 (the worst: no fresh data served) to SEV4.
/// Serialized `"SEV1"` to `"SEV4"`; ordered from the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    /// `SEV1` to `SEV4`, in any letter case.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// Where an incident is in its life: `triggered` (open, nobody on it yet),
/// `acknowledged` (open, an operator is on it), `resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    Triggered,
    Acknowledged,
    Resolved,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 3] = [
        IncidentStatus::Triggered,
        IncidentStatus::Acknowledged,
        IncidentStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Triggered => "triggered",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Resolved => "resolved",
        }
    }

    /// `triggered`, `acknowledged` or `resolved`, in any letter case.
    pub fn parse(text: &str) -> Option<IncidentStatus> {
        IncidentStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }

    /// Triggered or acknowledged.
    pub fn is_open(self) -> bool {
        self != IncidentStatus::Resolved
    }
}

/// One event in an incident's history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Unix ms.
    pub at: i64,
    /// One of the `TimelineEntry::*` kinds; a client should show unknown
    /// kinds as they are rather than fail.
    pub kind: String,
    pub text: String,
    /// The operator, for acknowledgements and manual resolutions.
    pub author: Option<String>,
}

impl TimelineEntry {
    /// The condition was first seen; opens the incident.
    pub const DETECTED: &'static str = "detected";
    /// The condition's figures or severity changed (coalesced).
    pub const UPDATED: &'static str = "updated";
    pub const ACKNOWLEDGED: &'static str = "acknowledged";
    /// Resolved by an operator.
    pub const RESOLVED: &'static str = "resolved";
    /// Resolved by the agent: the condition cleared.
    pub const AUTO_RESOLVED: &'static str = "auto_resolved";
    /// Resolved by an operator, then new evidence of the same condition came.
    pub const REOPENED: &'static str = "reopened";
    /// Brought back from a backup when the agent started.
    pub const RESTORED: &'static str = "restored";
}

/// A condition the agent detected, from detection to resolution. One
/// ongoing condition (one `dedup_key`) is one incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique within the agent's run, URL-safe.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    /// `service` (always `market-data-agent`), `component` (`feed`, `http`,
    /// `pricing`), `kind` (the detector), and `symbol` / `source` when the
    /// condition is about one.
    pub labels: BTreeMap<String, String>,
    /// Identifies the condition, e.g. `feed_stale:symbol:AAPL`.
    pub dedup_key: String,
    /// Unix ms.
    pub started_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<i64>,
    /// The operator, or `"auto"` when the condition cleared.
    pub resolved_by: Option<String>,
    /// Bounded: the first entry and the newest ones are kept.
    pub timeline: Vec<TimelineEntry>,
}

/// `resolved_by` of an incident the agent resolved itself.
pub const RESOLVED_BY_AUTO: &str = "auto";

/// `GET /api/v1/incidents` response, newest incident first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentsResponse {
    pub incidents: Vec<Incident>,
}

/// Body of `POST /api/v1/incidents/{id}/ack` and `.../resolve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentActionRequest {
    /// Who acts: 1 to 64 printable characters.
    pub author: String,
    /// Up to 1000 characters; recorded in the timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `POST /api/v1/admin/inject` body: a fault injected into the simulated
/// feed, for tests and demos. `"symbol": "*"` means every symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Injection {
    /// The symbol's price moves by `factor` (e.g. 1.25: up 25%) from its next
    /// tick on, and stays at the new level.
    PriceJump { symbol: String, factor: f64 },
    /// The simulator emits nothing for the symbol for `seconds`; its price
    /// does not move meanwhile.
    Stall { symbol: String, seconds: f64 },
}

/// Answer to an accepted injection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectResponse {
    pub injection: Injection,
    pub message: String,
}

// Disaster recovery: `GET /api/v1/dr` and the details of the `backup_now`
// and `restore_drill` actions. Durations are ms, times Unix ms.

/// One backup in the backup directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrBackup {
    /// Directory name of the backup, e.g. `backup-1795758447463`.
    pub id: String,
    pub created_at: i64,
    /// Bytes of all its files.
    pub size_bytes: u64,
    /// SHA-256 of its manifest (which holds the SHA-256 of every file), hex.
    pub checksum: String,
    /// Whether this agent checked every file against the manifest (when it
    /// wrote, restored or drilled it); otherwise only the manifest and the
    /// file sizes were checked.
    pub verified: bool,
    pub verified_at: Option<i64>,
    /// Why the backup cannot be restored; `None` when it can.
    pub problem: Option<String>,
}

/// A recovery objective against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrObjective {
    /// RPO: age of the newest good backup; RTO: duration of the last
    /// successful drill. `None` when there is none.
    pub current_ms: Option<u64>,
    pub target_ms: u64,
    pub met: bool,
}

/// The last backup attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrBackupRun {
    pub at: i64,
    pub ok: bool,
    pub duration_ms: u64,
    /// `schedule` or `action`.
    pub trigger: String,
    /// The backup written, when `ok`.
    pub backup: Option<DrBackup>,
    pub error: Option<String>,
}

/// A restore drill: the backup restored into a scratch directory and a
/// scratch book, checked, and timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrDrill {
    pub at: i64,
    pub ok: bool,
    /// `None` when there was no backup to drill.
    pub backup_id: Option<String>,
    /// Time from the start of the copy to a verified scratch book: the RTO
    /// this drill measured.
    pub duration_ms: u64,
    /// What was checked, in words.
    pub checks: Vec<String>,
    pub error: Option<String>,
}

/// A backup skipped while restoring, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrSkipped {
    pub id: String,
    pub reason: String,
}

/// What the agent restored when it started (`dr.restore_on_start`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrRestore {
    pub at: i64,
    /// `None` when no backup could be restored.
    pub backup_id: Option<String>,
    pub backup_created_at: Option<i64>,
    pub duration_ms: u64,
    pub quotes: usize,
    pub incidents: usize,
    /// Newer backups that failed verification, newest first.
    pub skipped: Vec<DrSkipped>,
    pub error: Option<String>,
}

/// State of the standby agent, as its own `/api/v1/dr` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationState {
    NotConfigured,
    /// Not polled yet.
    Unknown,
    Ok,
    /// The standby has no good backup.
    NoBackup,
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrReplication {
    pub state: ReplicationState,
    pub standby: Option<String>,
    pub last_poll_at: Option<i64>,
    pub standby_newest_backup_at: Option<i64>,
    /// How far the standby's newest good backup is behind this agent's.
    pub lag_ms: Option<u64>,
    pub error: Option<String>,
}

/// `GET /api/v1/dr` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrStatus {
    pub now: i64,
    /// `None` when no backup directory could be found; then `backup_dir_error`
    /// says why (backups are off until it is configured).
    pub backup_dir: Option<String>,
    pub backup_dir_error: Option<String>,
    pub schedule_enabled: bool,
    pub interval_s: u64,
    /// Newest first.
    pub backups: Vec<DrBackup>,
    pub storage_bytes: u64,
    pub rpo: DrObjective,
    pub rto: DrObjective,
    pub last_backup: Option<DrBackupRun>,
    pub last_drill: Option<DrDrill>,
    pub restored_at_start: Option<DrRestore>,
    pub replication: DrReplication,
}

// Actions: `POST /api/v1/actions/{name}`.

/// Body of an action request; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Answer of an action that ran; `ok` says whether it achieved its aim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub action: String,
    pub ok: bool,
    pub message: String,
    pub details: serde_json::Value,
}

/// One line of the agent's audit log: a request to a route that acts,
/// accepted or not. `GET /api/v1/audit` serves the newest ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When the request arrived, RFC 3339 UTC.
    pub ts: String,
    /// Who asked: the token's name or JWT `sub`; `None` without a known token.
    pub principal: Option<String>,
    pub role: Option<String>,
    /// How the caller proved who it is: `admin_token`, `static_token`, `jwt`.
    pub via: Option<String>,
    pub method: String,
    /// The route template, e.g. `/api/v1/actions/{name}`.
    pub route: String,
    /// The action (`circuit`, `incident_ack`, `admin_chaos`, ...).
    pub action: String,
    /// Its parameters as sent (the body's `params`, the incident id, the
    /// chaos settings); `null` when the request was refused before the body.
    pub params: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// `ok`, `failed` (ran, did not achieve its aim) or the error code.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: f64,
}

/// `GET /api/v1/audit?limit=N`: the newest entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditResponse {
    pub entries: Vec<AuditEntry>,
}

/// Frames a WebSocket client sends. `"*"` in `symbols` means every symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientFrame {
    Subscribe { symbols: Vec<String> },
    Unsubscribe { symbols: Vec<String> },
}

/// Why the server sent a snapshot of latest quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotReason {
    /// Right after a subscription: the current state to start from.
    Subscribe,
    /// The client fell behind; updates in between were conflated into this.
    Resync,
}

/// Frames the server sends on `/ws`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Acknowledges a subscribe/unsubscribe with the resulting subscription.
    Subscribed { symbols: Vec<String> },
    /// A batch of accepted ticks, in pipeline order. `seq` increases by one per
    /// batch published, so a gap tells the client it missed batches.
    Ticks { seq: u64, ticks: Vec<Quote> },
    /// Latest quote of every subscribed symbol.
    Snapshot {
        reason: SnapshotReason,
        quotes: Vec<Quote>,
    },
    /// Sent when no other frame went out for the heartbeat interval.
    Heartbeat { ts: i64 },
    /// The client's last frame could not be handled; the connection stays open.
    Error { error: ErrorDetail },
}

impl ServerFrame {
    /// Decodes a frame. Faster than `serde_json::from_str::<ServerFrame>`:
    /// serde buffers every field of an internally tagged enum into an
    /// intermediate tree before picking the variant, which costs more than
    /// parsing the ticks themselves. A flat struct of optional fields avoids it.
    pub fn from_json(text: &str) -> Result<ServerFrame, serde_json::Error> {
        use serde::de::Error as _;
        let flat: FlatServerFrame = serde_json::from_str(text)?;
        let missing =
            |field: &str| serde_json::Error::custom(format!("{} frame without `{field}`", flat.kind));
        Ok(match flat.kind.as_str() {
            "subscribed" => ServerFrame::Subscribed {
                symbols: flat.symbols.ok_or_else(|| missing("symbols"))?,
            },
            "ticks" => ServerFrame::Ticks {
                seq: flat.seq.ok_or_else(|| missing("seq"))?,
                ticks: flat.ticks.ok_or_else(|| missing("ticks"))?,
            },
            "snapshot" => ServerFrame::Snapshot {
                reason: flat.reason.ok_or_else(|| missing("reason"))?,
                quotes: flat.quotes.ok_or_else(|| missing("quotes"))?,
            },
            "heartbeat" => ServerFrame::Heartbeat {
                ts: flat.ts.ok_or_else(|| missing("ts"))?,
            },
            "error" => ServerFrame::Error {
                error: flat.error.ok_or_else(|| missing("error"))?,
            },
            other => return Err(serde_json::Error::custom(format!("unknown frame type `{other}`"))),
        })
    }
}

/// Every field any `ServerFrame` variant has, for `ServerFrame::from_json`.
#[derive(Deserialize)]
struct FlatServerFrame {
    #[serde(rename = "type")]
    kind: String,
    symbols: Option<Vec<String>>,
    seq: Option<u64>,
    ticks: Option<Vec<Quote>>,
    reason: Option<SnapshotReason>,
    quotes: Option<Vec<Quote>>,
    ts: Option<i64>,
    error: Option<ErrorDetail>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote() -> Quote {
        Quote {
            symbol: "AAPL".into(),
            price: 229.43,
            bid: 229.37,
            ask: 229.43,
            size: 41.0,
            volume: 3683.0,
            open: 229.66,
            ts: 1_795_758_447_463,
            source: "sim".into(),
        }
    }

    #[test]
    fn from_json_decodes_every_variant_like_serde() {
        let frames = [
            ServerFrame::Subscribed {
                symbols: vec!["*".into()],
            },
            ServerFrame::Ticks {
                seq: 7,
                ticks: vec![quote(), quote()],
            },
            ServerFrame::Snapshot {
                reason: SnapshotReason::Resync,
                quotes: vec![quote()],
            },
            ServerFrame::Heartbeat { ts: 5 },
            ServerFrame::Error {
                error: ErrorDetail {
                    code: "bad_request".into(),
                    message: "no".into(),
                },
            },
        ];
        for frame in frames {
            let text = serde_json::to_string(&frame).unwrap();
            assert_eq!(ServerFrame::from_json(&text).unwrap(), frame, "{text}");
        }
    }

    #[test]
    fn incident_wire_forms() {
        assert_eq!(serde_json::to_string(&Severity::Sev2).unwrap(), "\"SEV2\"");
        assert_eq!(Severity::parse("sev3"), Some(Severity::Sev3));
        assert_eq!(Severity::parse("SEV5"), None);
        assert!(Severity::Sev1 < Severity::Sev4);
        assert_eq!(
            serde_json::to_string(&IncidentStatus::Acknowledged).unwrap(),
            "\"acknowledged\""
        );
        assert_eq!(IncidentStatus::parse("Resolved"), Some(IncidentStatus::Resolved));
        assert!(!IncidentStatus::Resolved.is_open());
        let injection: Injection =
            serde_json::from_str(r#"{"kind":"price_jump","symbol":"AAPL","factor":1.25}"#).unwrap();
        assert_eq!(
            injection,
            Injection::PriceJump {
                symbol: "AAPL".into(),
                factor: 1.25
            }
        );
        let stall: Injection = serde_json::from_str(r#"{"kind":"stall","symbol":"*","seconds":10}"#).unwrap();
        assert_eq!(
            stall,
            Injection::Stall {
                symbol: "*".into(),
                seconds: 10.0
            }
        );
        for bad in [
            r#"{"kind":"stall","symbol":"A","seconds":1,"extra":1}"#,
            r#"{"kind":"melt","symbol":"A"}"#,
            r#"{"symbol":"A","factor":2}"#,
        ] {
            assert!(serde_json::from_str::<Injection>(bad).is_err(), "{bad}");
        }
        let request: IncidentActionRequest = serde_json::from_str(r#"{"author":"ann"}"#).unwrap();
        assert_eq!(request.comment, None);
        assert!(serde_json::from_str::<IncidentActionRequest>(r#"{"author":"a","note":"x"}"#).is_err());
    }

    #[test]
    fn from_json_rejects_what_serde_rejects() {
        for bad in [
            r#"{"type":"ticks","ticks":[]}"#,
            r#"{"type":"warp","seq":1}"#,
            r#"{"seq":1,"ticks":[]}"#,
            r#"{"type":"snapshot","reason":"because","quotes":[]}"#,
            r#"{"type":"ticks","seq":1,"ticks":[{"symbol":"A"}]}"#,
            "garbage",
        ] {
            assert!(serde_json::from_str::<ServerFrame>(bad).is_err(), "{bad}");
            assert!(ServerFrame::from_json(bad).is_err(), "{bad}");
        }
    }
}
