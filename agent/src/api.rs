//! Wire types of the agent's HTTP and WebSocket contract.
//!
//! The console deserializes exactly these types, so the contract has one
//! definition. Timestamps are Unix milliseconds (UTC) throughout.

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
}

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
