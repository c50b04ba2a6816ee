//! Configuration of the real data sources (`[[sources]]`) and of failover
//! between them (`[failover]`).
//!
//! Each `[[sources]]` entry is read into a flat table first and then checked
//! as a whole ([`SourceSpec`]'s `TryFrom`), so a key that does not belong to
//! the entry's `kind`, or a bad value, is reported with the entry's line and
//! the key named in the message.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use crate::config::{SymbolSpec, check_symbol};

/// `[failover]`: how often sources are judged and when the agent moves back
/// to a preferred source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailoverConfig {
    /// Period of the supervisor that runs the breakers and picks the active
    /// source of each group, ms. A disconnect is acted on at once.
    pub check_interval_ms: u64,
    /// Whether to move back to a better (lower `priority`) source once its
    /// breaker has been closed for `failback_after_ms`.
    pub failback: bool,
    pub failback_after_ms: u64,
}

impl Default for FailoverConfig {
    fn default() -> Self {
        FailoverConfig {
            check_interval_ms: 100,
            failback: true,
            failback_after_ms: 5_000,
        }
    }
}

impl FailoverConfig {
    fn check(&self) -> Result<(), String> {
        in_range("check_interval_ms", self.check_interval_ms, 10, 60_000)?;
        in_range("failback_after_ms", self.failback_after_ms, 0, 86_400_000)
    }
}

/// `[failover]` as read from a file, checked while deserializing.
pub(crate) fn failover<'de, D: Deserializer<'de>>(d: D) -> Result<FailoverConfig, D::Error> {
    let config = FailoverConfig::deserialize(d)?;
    config.check().map_err(serde::de::Error::custom)?;
    Ok(config)
}

/// A source's circuit breaker (`[sources.breaker]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Failures in a row (disconnects, failed connects, unreadable frames,
    /// rejected ticks) without a good tick between them that open it.
    pub consecutive_failures: u32,
    /// Share of bad events (failures and rejected ticks) among all events
    /// within `window_ms` above which it opens, once the window holds
    /// `min_events`.
    pub max_error_rate: f64,
    pub min_events: u64,
    pub window_ms: u64,
    /// No good tick for this long opens it (a silent or stalled feed).
    pub stale_after_ms: u64,
    /// Time open before it lets the source prove itself (half-open).
    pub cooldown_ms: u64,
    /// Good ticks in a row in half-open that close it again.
    pub probe_ticks: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            consecutive_failures: 5,
            max_error_rate: 0.5,
            min_events: 20,
            window_ms: 10_000,
            stale_after_ms: 5_000,
            cooldown_ms: 5_000,
            probe_ticks: 5,
        }
    }
}

impl BreakerConfig {
    fn check(&self) -> Result<(), String> {
        in_range(
            "breaker.consecutive_failures",
            u64::from(self.consecutive_failures),
            1,
            1_000_000,
        )?;
        share("breaker.max_error_rate", self.max_error_rate)?;
        in_range("breaker.min_events", self.min_events, 1, 1_000_000_000)?;
        in_range("breaker.window_ms", self.window_ms, 100, 86_400_000)?;
        in_range("breaker.stale_after_ms", self.stale_after_ms, 10, 86_400_000)?;
        in_range("breaker.cooldown_ms", self.cooldown_ms, 10, 86_400_000)?;
        in_range("breaker.probe_ticks", self.probe_ticks, 1, 1_000_000)
    }
}

/// Data-quality checks of a source's ticks (`[sources.quality]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// A price further than this share from the symbol's last good price is
    /// a jump and not served (0.1: 10%) ...
    pub max_jump: f64,
    /// ... unless this many ticks in a row agree on the new level, which
    /// then becomes the reference (a real move, not a bad print).
    pub jump_confirm_ticks: u32,
    /// More than this between two ticks of a symbol is counted as a gap
    /// (the tick is still served), ms.
    pub max_gap_ms: u64,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            max_jump: 0.1,
            jump_confirm_ticks: 3,
            max_gap_ms: 10_000,
        }
    }
}

impl QualityConfig {
    fn check(&self) -> Result<(), String> {
        if !(self.max_jump > 0.0 && self.max_jump <= 100.0) {
            return Err(format!(
                "key `quality.max_jump`: must be above 0 and at most 100, got {}",
                self.max_jump
            ));
        }
        in_range(
            "quality.jump_confirm_ticks",
            u64::from(self.jump_confirm_ticks),
            1,
            1_000,
        )?;
        in_range("quality.max_gap_ms", self.max_gap_ms, 1, 86_400_000)
    }
}

/// The kinds of source, the `kind` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Replay,
    Binance,
    Coinbase,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Replay => "replay",
            SourceKind::Binance => "binance",
            SourceKind::Coinbase => "coinbase",
        }
    }
}

/// Replay file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplayFormat {
    Csv,
    Jsonl,
}

/// One checked `[[sources]]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "SourceFile")]
pub struct SourceSpec {
    pub name: String,
    /// Sources of one group serve the same symbols; one of them at a time
    /// is active.
    pub group: String,
    /// Lower is preferred.
    pub priority: u32,
    pub settings: SourceSettings,
    pub breaker: BreakerConfig,
    pub quality: QualityConfig,
}

impl SourceSpec {
    pub fn kind(&self) -> SourceKind {
        match self.settings {
            SourceSettings::Replay(_) => SourceKind::Replay,
            SourceSettings::Exchange(SourceKind::Binance, _) => SourceKind::Binance,
            SourceSettings::Exchange(_, _) => SourceKind::Coinbase,
        }
    }
}

/// What only some kinds have.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSettings {
    Replay(ReplaySpec),
    Exchange(SourceKind, ExchangeSpec),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplaySpec {
    /// Relative paths are taken from the agent's working directory.
    pub path: PathBuf,
    pub format: ReplayFormat,
    /// Multiple of the recorded pace: 2.0 plays twice as fast.
    pub speed: f64,
    /// Start again from the top at the end of the file.
    pub looped: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeSpec {
    /// `ws://` or `wss://` endpoint, without the stream path.
    pub url: String,
    /// Exchange symbol (`BTCUSDT`, `BTC-USD`) to served symbol, sorted by
    /// exchange symbol.
    pub symbols: Vec<(String, String)>,
    /// No frame at all (data, heartbeat or ping) for this long: the
    /// connection is stalled and is replaced, ms.
    pub idle_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Reconnect delays: doubling from the first to the second, with jitter.
    pub reconnect_min_ms: u64,
    pub reconnect_max_ms: u64,
    /// Largest frame or message accepted; a larger one drops the connection.
    pub max_frame_bytes: usize,
}

/// An entry as written, before the checks that need all of it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    name: String,
    kind: SourceKind,
    group: Option<String>,
    priority: Option<u32>,
    path: Option<String>,
    format: Option<ReplayFormat>,
    speed: Option<f64>,
    #[serde(rename = "loop")]
    looped: Option<bool>,
    url: Option<String>,
    symbols: Option<BTreeMap<String, String>>,
    idle_timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    reconnect_min_ms: Option<u64>,
    reconnect_max_ms: Option<u64>,
    max_frame_bytes: Option<u64>,
    #[serde(default)]
    breaker: BreakerConfig,
    #[serde(default)]
    quality: QualityConfig,
}

/// Default endpoints: Binance's public market-data streams and Coinbase
/// Exchange's public feed.
pub const BINANCE_URL: &str = "wss://stream.binance.com:9443";
pub const COINBASE_URL: &str = "wss://ws-feed.exchange.coinbase.com";

const REPLAY_KEYS: [&str; 4] = ["path", "format", "speed", "loop"];
const EXCHANGE_KEYS: [&str; 7] = [
    "url",
    "symbols",
    "idle_timeout_ms",
    "connect_timeout_ms",
    "reconnect_min_ms",
    "reconnect_max_ms",
    "max_frame_bytes",
];

impl TryFrom<SourceFile> for SourceSpec {
    type Error = String;

    fn try_from(file: SourceFile) -> Result<SourceSpec, String> {
        let name = file.name.clone();
        check_spec(file).map_err(|reason| format!("source {name:?}: {reason}"))
    }
}

fn check_spec(file: SourceFile) -> Result<SourceSpec, String> {
    check_symbol(&file.name).map_err(|e| format!("key `name`: {}", e.replacen("symbol", "name", 1)))?;
    let group = file.group.clone().unwrap_or_else(|| "default".to_string());
    check_symbol(&group).map_err(|e| format!("key `group`: {}", e.replacen("symbol", "group", 1)))?;
    file.breaker.check().map_err(|e| prefix_key(&e))?;
    file.quality.check()?;
    let present = |key: &str| match key {
        "path" => file.path.is_some(),
        "format" => file.format.is_some(),
        "speed" => file.speed.is_some(),
        "loop" => file.looped.is_some(),
        "url" => file.url.is_some(),
        "symbols" => file.symbols.is_some(),
        "idle_timeout_ms" => file.idle_timeout_ms.is_some(),
        "connect_timeout_ms" => file.connect_timeout_ms.is_some(),
        "reconnect_min_ms" => file.reconnect_min_ms.is_some(),
        "reconnect_max_ms" => file.reconnect_max_ms.is_some(),
        "max_frame_bytes" => file.max_frame_bytes.is_some(),
        _ => false,
    };
    let foreign: &[&str] = match file.kind {
        SourceKind::Replay => &EXCHANGE_KEYS,
        SourceKind::Binance | SourceKind::Coinbase => &REPLAY_KEYS,
    };
    if let Some(key) = foreign.iter().find(|k| present(k)) {
        return Err(format!(
            "key `{key}` does not apply to kind \"{}\"",
            file.kind.as_str()
        ));
    }
    let settings = match file.kind {
        SourceKind::Replay => SourceSettings::Replay(replay_spec(&file)?),
        kind => SourceSettings::Exchange(kind, exchange_spec(kind, &file)?),
    };
    Ok(SourceSpec {
        name: file.name,
        group,
        priority: file.priority.unwrap_or(1),
        settings,
        breaker: file.breaker,
        quality: file.quality,
    })
}

fn prefix_key(reason: &str) -> String {
    match reason.split_once(':') {
        Some((key, rest)) if !key.contains(' ') => format!("key `{key}`:{rest}"),
        _ => reason.to_string(),
    }
}

fn replay_spec(file: &SourceFile) -> Result<ReplaySpec, String> {
    let path = file
        .path
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .ok_or("key `path` is required for kind \"replay\" (a CSV or JSONL file of ticks)")?;
    let format = match file.format {
        Some(format) => format,
        None => match path.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()) {
            Some(ext) if ext == "csv" => ReplayFormat::Csv,
            Some(ext) if ext == "jsonl" || ext == "ndjson" => ReplayFormat::Jsonl,
            _ => {
                return Err(format!(
                    "key `format`: cannot tell the format of {path:?} from its extension; set format = \"csv\" or \"jsonl\""
                ));
            }
        },
    };
    let speed = file.speed.unwrap_or(1.0);
    if !(speed.is_finite() && speed > 0.0) {
        return Err(format!("key `speed`: must be a number above 0, got {speed}"));
    }
    Ok(ReplaySpec {
        path: PathBuf::from(path),
        format,
        speed,
        looped: file.looped.unwrap_or(false),
    })
}

fn exchange_spec(kind: SourceKind, file: &SourceFile) -> Result<ExchangeSpec, String> {
    let default_url = match kind {
        SourceKind::Binance => BINANCE_URL,
        _ => COINBASE_URL,
    };
    let url = file.url.clone().unwrap_or_else(|| default_url.to_string());
    if !(url.starts_with("ws://") || url.starts_with("wss://")) {
        return Err(format!("key `url`: must start with ws:// or wss://, got {url:?}"));
    }
    let symbols = file.symbols.clone().unwrap_or_default();
    if symbols.is_empty() {
        return Err(
            "key `symbols` is required: a table of exchange symbol to served symbol, e.g. { BTCUSDT = \"BTC-USD\" }"
                .to_string(),
        );
    }
    let mut served = HashSet::new();
    for (exchange, ours) in &symbols {
        if exchange.is_empty() || !exchange.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!(
                "key `symbols`: exchange symbol {exchange:?} must be letters, digits and -"
            ));
        }
        check_symbol(ours).map_err(|e| format!("key `symbols`: {e}"))?;
        if !served.insert(ours.as_str()) {
            return Err(format!("key `symbols`: served symbol {ours:?} is mapped twice"));
        }
    }
    let ms = |key: &str, value: Option<u64>, default: u64, lo: u64, hi: u64| {
        let v = value.unwrap_or(default);
        in_range(key, v, lo, hi).map_err(|e| prefix_key(&e))?;
        Ok::<u64, String>(v)
    };
    let idle_default = match kind {
        // Binance pings every 20 s; Coinbase heartbeats every second.
        SourceKind::Binance => 60_000,
        _ => 10_000,
    };
    let reconnect_min_ms = ms("reconnect_min_ms", file.reconnect_min_ms, 500, 1, 3_600_000)?;
    let reconnect_max_ms = ms("reconnect_max_ms", file.reconnect_max_ms, 30_000, 1, 3_600_000)?;
    if reconnect_max_ms < reconnect_min_ms {
        return Err(format!(
            "key `reconnect_max_ms`: must be at least reconnect_min_ms ({reconnect_min_ms}), got {reconnect_max_ms}"
        ));
    }
    let max_frame_bytes = ms(
        "max_frame_bytes",
        file.max_frame_bytes,
        1_048_576,
        1_024,
        67_108_864,
    )?;
    Ok(ExchangeSpec {
        url,
        symbols: symbols.into_iter().collect(),
        idle_timeout_ms: ms(
            "idle_timeout_ms",
            file.idle_timeout_ms,
            idle_default,
            10,
            3_600_000,
        )?,
        connect_timeout_ms: ms("connect_timeout_ms", file.connect_timeout_ms, 10_000, 10, 600_000)?,
        reconnect_min_ms,
        reconnect_max_ms,
        max_frame_bytes: usize::try_from(max_frame_bytes).unwrap_or(usize::MAX),
    })
}

fn in_range(key: &str, v: u64, lo: u64, hi: u64) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("{key}: must be from {lo} to {hi}, got {v}"))
    }
}

fn share(key: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("{key}: must be a number from 0 to 1, got {v}"))
    }
}

/// The `sources` list: each entry checked, names unique (and not the
/// simulator's).
pub(crate) fn source_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SourceSpec>, D::Error> {
    let sources = Vec::<SourceSpec>::deserialize(d)?;
    let mut names = HashSet::new();
    for spec in &sources {
        if spec.name == crate::server::SIM_SOURCE {
            return Err(serde::de::Error::custom(format!(
                "source name {:?} is the simulator's; pick another",
                spec.name
            )));
        }
        if !names.insert(spec.name.as_str()) {
            return Err(serde::de::Error::custom(format!(
                "source name {:?} is used twice",
                spec.name
            )));
        }
    }
    Ok(sources)
}

/// The symbols the agent serves: the simulator's list, then each symbol an
/// exchange source maps to that is not in it yet.
pub(crate) fn served_symbols(simulated: &[SymbolSpec], sources: &[SourceSpec]) -> Vec<SymbolSpec> {
    let mut symbols = simulated.to_vec();
    for spec in sources {
        if let SourceSettings::Exchange(_, exchange) = &spec.settings {
            for (_, ours) in &exchange.symbols {
                if !symbols.iter().any(|s| &s.symbol == ours) {
                    symbols.push(SymbolSpec {
                        symbol: ours.clone(),
                        // Only the simulator uses start prices.
                        price: 1.0,
                    });
                }
            }
        }
    }
    symbols
}

#[cfg(test)]
mod tests {
    use crate::config::{AgentConfig, ConfigError};

    use super::*;

    fn parse(src: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::from_toml_str(src, "test.toml")
    }

    fn err(src: &str) -> (usize, String) {
        match parse(src).expect_err("should be rejected") {
            ConfigError::Invalid { line, reason, .. } => (line, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sources_parse_with_defaults() {
        let config = parse(
            "[failover]\nfailback_after_ms = 100\n\n[[sources]]\nname = \"bn\"\nkind = \"binance\"\ngroup = \"crypto\"\nsymbols = { BTCUSDT = \"BTC-USD\", ETHUSDT = \"ETH-USD\" }\n\n[[sources]]\nname = \"tape\"\nkind = \"replay\"\npath = \"ticks.jsonl\"\nspeed = 4\nloop = true\npriority = 2\n[sources.breaker]\ncooldown_ms = 50\n",
        )
        .unwrap();
        assert_eq!(config.failover.failback_after_ms, 100);
        assert_eq!(config.sources.len(), 2);
        let bn = &config.sources[0];
        assert_eq!(
            (bn.kind(), bn.group.as_str(), bn.priority),
            (SourceKind::Binance, "crypto", 1)
        );
        let SourceSettings::Exchange(_, ex) = &bn.settings else {
            panic!()
        };
        assert_eq!(ex.url, BINANCE_URL);
        assert_eq!(ex.symbols[0], ("BTCUSDT".to_string(), "BTC-USD".to_string()));
        assert_eq!(ex.idle_timeout_ms, 60_000);
        let tape = &config.sources[1];
        assert_eq!(tape.group, "default");
        assert_eq!(tape.breaker.cooldown_ms, 50);
        assert_eq!(tape.breaker.probe_ticks, 5);
        let SourceSettings::Replay(r) = &tape.settings else {
            panic!()
        };
        assert_eq!((r.format, r.speed, r.looped), (ReplayFormat::Jsonl, 4.0, true));
        let served = served_symbols(&config.simulator.symbols, &config.sources);
        assert_eq!(served.len(), config.simulator.symbols.len() + 2);
        assert_eq!(served.last().unwrap().symbol, "ETH-USD");
    }

    #[test]
    fn bad_entries_name_the_line_source_and_key() {
        for (src, line, needle) in [
            (
                "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"x.csv\"\nurl = \"ws://h\"\n",
                1,
                "source \"r\": key `url` does not apply to kind \"replay\"",
            ),
            (
                "[[sources]]\nname = \"r\"\nkind = \"replay\"\n",
                1,
                "key `path` is required",
            ),
            (
                "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"x.txt\"\n",
                1,
                "key `format`",
            ),
            (
                "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"x.csv\"\nspeed = 0\n",
                1,
                "key `speed`: must be a number above 0",
            ),
            (
                "[[sources]]\nname = \"c\"\nkind = \"coinbase\"\n",
                1,
                "key `symbols` is required",
            ),
            (
                "[[sources]]\nname = \"c\"\nkind = \"coinbase\"\nurl = \"http://x\"\nsymbols = { A-B = \"A\" }\n",
                1,
                "key `url`: must start with ws://",
            ),
            (
                "[[sources]]\nname = \"c\"\nkind = \"coinbase\"\nsymbols = { A-B = \"A\" }\n[sources.breaker]\nmax_error_rate = 2\n",
                1,
                "key `breaker.max_error_rate`: must be a number from 0 to 1",
            ),
            (
                "[[sources]]\nname = \"c\"\nkind = \"coinbase\"\nsymbols = { A-B = \"A\", C-D = \"A\" }\n",
                1,
                "mapped twice",
            ),
            (
                "[[sources]]\nname = \"x\"\nkind = \"kraken\"\n",
                3,
                "unknown variant `kraken`",
            ),
            (
                "\n[[sources]]\nname = \"x\"\nkind = \"replay\"\npath = \"a.csv\"\nspeeed = 2\n",
                6,
                "unknown field `speeed`",
            ),
            (
                "[[sources]]\nname = \"a\"\nkind = \"replay\"\npath = \"a.csv\"\n[[sources]]\nname = \"a\"\nkind = \"replay\"\npath = \"b.csv\"\n",
                1,
                "used twice",
            ),
            (
                "[failover]\ncheck_interval_ms = 1\n",
                1,
                "check_interval_ms: must be from 10",
            ),
        ] {
            let (got_line, reason) = err(src);
            assert!(reason.contains(needle), "{src}: {reason}");
            assert_eq!(got_line, line, "{src}: {reason}");
        }
    }
}
