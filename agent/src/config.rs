//! Agent configuration: the embedded default file, user TOML files, and the
//! `MDA_*` environment and command-line overrides on top of them.
//!
//! Every value is checked while it is deserialized, so an invalid one is
//! reported with the file, line and key it came from, like a typo is.

use std::ffi::OsString;
use std::path::Path;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer};

/// The shipped default configuration, embedded so the binary and the console
/// run with no files around them.
const EMBEDDED_TOML: &str = include_str!("../../config/agent.toml");
const EMBEDDED_ORIGIN: &str = "agent.toml (embedded)";

/// The whole agent configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// `host:port` of the HTTP and WebSocket listener; port 0 picks a free one.
    #[serde(default = "default_listen", deserialize_with = "listen_addr")]
    pub listen: String,
    #[serde(default)]
    pub simulator: SimulatorConfig,
    #[serde(default)]
    pub pipeline: PipelineConfig,
    #[serde(default)]
    pub validation: ValidationConfig,
    #[serde(default)]
    pub bars: BarsConfig,
    #[serde(default)]
    pub ws: WsConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub health: HealthConfig,
}

/// The simulated feed (source `sim`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorConfig {
    pub enabled: bool,
    /// Ticks per second for each symbol.
    #[serde(deserialize_with = "tick_rate")]
    pub tick_rate: f64,
    /// Period of the generation timer, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 1000>")]
    pub step_ms: u64,
    /// Annualised volatility of the mid price.
    #[serde(deserialize_with = "non_negative_f64")]
    pub volatility: f64,
    /// Annualised drift of the mid price.
    #[serde(deserialize_with = "finite_f64")]
    pub drift: f64,
    /// Simulated market seconds per wall-clock second.
    #[serde(deserialize_with = "positive_f64")]
    pub time_scale: f64,
    #[serde(deserialize_with = "non_negative_f64")]
    pub spread_bps: f64,
    #[serde(deserialize_with = "positive_f64")]
    pub tick_size: f64,
    #[serde(deserialize_with = "positive_f64")]
    pub mean_trade_size: f64,
    pub seed: Option<u64>,
    #[serde(deserialize_with = "symbol_list")]
    pub symbols: Vec<SymbolSpec>,
}

/// One simulated symbol and its start price.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolSpec {
    #[serde(deserialize_with = "symbol_name")]
    pub symbol: String,
    #[serde(deserialize_with = "positive_f64")]
    pub price: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Bound of the feed-to-pipeline queue, in chunks of ticks.
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub queue_capacity: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidationConfig {
    pub max_future_ms: u64,
    pub max_age_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BarsConfig {
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub ring_1s: usize,
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub ring_1m: usize,
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub default_limit: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsConfig {
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub max_clients: usize,
    /// Largest frame or message a client may send, bytes.
    #[serde(deserialize_with = "range_usize::<_, 64, 1_073_741_824>")]
    pub max_frame_bytes: usize,
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub batch_max_ticks: usize,
    #[serde(deserialize_with = "range_u64::<_, 1, 60_000>")]
    pub batch_interval_ms: u64,
    #[serde(deserialize_with = "range_u64::<_, 1, 3_600_000>")]
    pub heartbeat_interval_ms: u64,
    /// A send not completed within this time disconnects the client.
    #[serde(deserialize_with = "range_u64::<_, 1, 3_600_000>")]
    pub send_timeout_ms: u64,
    /// Tick frames buffered for clients that fall behind.
    #[serde(deserialize_with = "range_usize::<_, 1, 1_000_000>")]
    pub broadcast_capacity: usize,
    pub max_resyncs: usize,
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub resync_window_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(deserialize_with = "range_usize::<_, 1, 1_073_741_824>")]
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub stale_after_ms: u64,
}

// The defaults below equal the values in config/agent.toml; a test keeps the
// two in step, so a user file may leave out any key.

fn default_listen() -> String {
    "127.0.0.1:8080".to_string()
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            enabled: true,
            tick_rate: 20.0,
            step_ms: 10,
            volatility: 0.6,
            drift: 0.0,
            time_scale: 60.0,
            spread_bps: 2.0,
            tick_size: 0.01,
            mean_trade_size: 200.0,
            seed: None,
            symbols: DEFAULT_SYMBOLS.clone(),
        }
    }
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig { queue_capacity: 1024 }
    }
}

impl Default for ValidationConfig {
    fn default() -> Self {
        ValidationConfig {
            max_future_ms: 2_000,
            max_age_ms: 60_000,
        }
    }
}

impl Default for BarsConfig {
    fn default() -> Self {
        BarsConfig {
            ring_1s: 600,
            ring_1m: 1440,
            default_limit: 100,
        }
    }
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            max_clients: 256,
            max_frame_bytes: 65_536,
            batch_max_ticks: 64,
            batch_interval_ms: 20,
            heartbeat_interval_ms: 5_000,
            send_timeout_ms: 3_000,
            broadcast_capacity: 1024,
            max_resyncs: 10,
            resync_window_ms: 60_000,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 65_536,
        }
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            stale_after_ms: 5_000,
        }
    }
}

/// The default symbol list lives only in the embedded file; this reads just
/// that list (a different type, so it never recurses into the defaults).
static DEFAULT_SYMBOLS: LazyLock<Vec<SymbolSpec>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct File {
        simulator: Symbols,
    }
    #[derive(Deserialize)]
    struct Symbols {
        #[serde(deserialize_with = "symbol_list")]
        symbols: Vec<SymbolSpec>,
    }
    match toml::from_str::<File>(EMBEDDED_TOML) {
        Ok(file) => file.simulator.symbols,
        Err(e) => panic!("the embedded agent.toml has no valid symbol list: {e}"),
    }
});

/// A configuration that cannot be used, with where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{}", fmt_invalid(.origin, *.line, .key.as_deref(), .reason))]
    Invalid {
        /// File name the text came from.
        origin: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// Dotted key path, e.g. `ws.max_clients`; `None` for syntax errors
        /// outside any key.
        key: Option<String>,
        reason: String,
    },
    #[error("environment variable {var}={value:?}: {reason}")]
    Env {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error("{flag} {value:?}: {reason}")]
    Flag {
        flag: &'static str,
        value: String,
        reason: String,
    },
}

fn fmt_invalid(origin: &str, line: usize, key: Option<&str>, reason: &str) -> String {
    match key {
        Some(key) => format!("{origin}:{line}: key `{key}`: {reason}"),
        None => format!("{origin}:{line}: {reason}"),
    }
}

impl AgentConfig {
    /// The shipped default (config/agent.toml, embedded at build time).
    pub fn embedded() -> AgentConfig {
        match AgentConfig::from_toml_str(EMBEDDED_TOML, EMBEDDED_ORIGIN) {
            Ok(config) => config,
            Err(e) => panic!("the embedded agent.toml is invalid: {e}"),
        }
    }

    /// Parses TOML text; `origin` names the file in errors. Keys left out
    /// keep their default.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<AgentConfig, ConfigError> {
        let invalid = |err: toml::de::Error, key: Option<String>| ConfigError::Invalid {
            origin: origin.to_string(),
            line: err.span().map_or(1, |span| line_of(src, span.start)),
            key,
            reason: err.message().trim().to_string(),
        };
        let deserializer = toml::Deserializer::parse(src).map_err(|e| invalid(e, None))?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = key_of(&e.path().to_string());
            invalid(e.into_inner(), key)
        })
    }

    /// Reads and parses a TOML file.
    pub fn load(path: &Path) -> Result<AgentConfig, ConfigError> {
        let src = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let origin = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        AgentConfig::from_toml_str(&src, &origin)
    }

    /// Applies `MDA_LISTEN`, `MDA_SYMBOLS`, `MDA_SEED` and `MDA_TICK_RATE`
    /// from the process environment.
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        self.apply_env_from(|name| std::env::var_os(name))
    }

    /// [`AgentConfig::apply_env`] with an explicit variable lookup.
    pub fn apply_env_from(&mut self, lookup: impl Fn(&str) -> Option<OsString>) -> Result<(), ConfigError> {
        type Setter = fn(&mut AgentConfig, &str) -> Result<(), String>;
        const VARS: [(&str, Setter); 4] = [
            ("MDA_LISTEN", AgentConfig::set_listen),
            ("MDA_SYMBOLS", AgentConfig::set_symbols),
            ("MDA_SEED", AgentConfig::set_seed_str),
            ("MDA_TICK_RATE", AgentConfig::set_tick_rate_str),
        ];
        for (var, set) in VARS {
            let Some(raw) = lookup(var) else { continue };
            let value = raw.into_string().map_err(|raw| ConfigError::Env {
                var,
                value: raw.to_string_lossy().into_owned(),
                reason: "not valid UTF-8".to_string(),
            })?;
            set(self, &value).map_err(|reason| ConfigError::Env {
                var,
                value: value.clone(),
                reason,
            })?;
        }
        Ok(())
    }

    /// Sets the listen address (`host:port`).
    pub fn set_listen(&mut self, addr: &str) -> Result<(), String> {
        check_listen(addr)?;
        self.listen = addr.to_string();
        Ok(())
    }

    /// Sets the simulated symbols from `LIST|N`: a comma-separated list, or a
    /// number N meaning the first N configured symbols, with synthetic ones
    /// (`SYN0057`, ...) added when N exceeds the list. Listed symbols that
    /// are configured keep their start price; others get a synthetic one.
    pub fn set_symbols(&mut self, spec: &str) -> Result<(), String> {
        self.simulator.symbols = parse_symbols_spec(spec, &self.simulator.symbols)?;
        Ok(())
    }

    /// Sets the simulator seed.
    pub fn set_seed(&mut self, seed: u64) {
        self.simulator.seed = Some(seed);
    }

    /// Sets the simulated ticks per second per symbol.
    pub fn set_tick_rate(&mut self, rate: f64) -> Result<(), String> {
        check_tick_rate(rate)?;
        self.simulator.tick_rate = rate;
        Ok(())
    }

    fn set_seed_str(&mut self, value: &str) -> Result<(), String> {
        let seed = value
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("expected an unsigned integer: {e}"))?;
        self.set_seed(seed);
        Ok(())
    }

    fn set_tick_rate_str(&mut self, value: &str) -> Result<(), String> {
        let rate = value
            .trim()
            .parse::<f64>()
            .map_err(|e| format!("expected a number: {e}"))?;
        self.set_tick_rate(rate)
    }
}

/// 1-based line number of a byte offset.
fn line_of(src: &str, offset: usize) -> usize {
    let end = offset.min(src.len());
    src.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The dotted key an error is about (serde's path, which for an unknown
/// key ends with that key); `None` when the error is about the document.
fn key_of(path: &str) -> Option<String> {
    (path != ".").then(|| path.to_string())
}

fn check_listen(addr: &str) -> Result<(), String> {
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| "expected host:port, e.g. 127.0.0.1:8080".to_string())?;
    if host.is_empty() {
        return Err("expected host:port, the host is missing".to_string());
    }
    port.parse::<u16>()
        .map_err(|_| format!("port {port:?} is not a number from 0 to 65535"))?;
    Ok(())
}

/// Highest accepted tick rate per symbol; above it one step's chunk would
/// get unreasonably large.
const MAX_TICK_RATE: f64 = 1_000_000.0;

fn check_tick_rate(rate: f64) -> Result<(), String> {
    if rate.is_finite() && rate > 0.0 && rate <= MAX_TICK_RATE {
        Ok(())
    } else {
        Err(format!("must be a number above 0 and at most {MAX_TICK_RATE}"))
    }
}

/// Longest accepted symbol name.
const MAX_SYMBOL_LEN: usize = 24;

/// Symbols are short ASCII names like `AAPL` or `BRK.B`; commas, spaces and
/// `*` are excluded because they are separators or wildcards elsewhere.
fn check_symbol(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_SYMBOL_LEN {
        return Err(format!(
            "symbol {name:?} must be 1 to {MAX_SYMBOL_LEN} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | ':' | '^')))
    {
        return Err(format!(
            "symbol {name:?} contains {c:?}; use letters, digits and . - _ / : ^"
        ));
    }
    Ok(())
}

/// Most symbols `--symbols N` may ask for.
const MAX_SYMBOLS: usize = 100_000;

fn parse_symbols_spec(spec: &str, configured: &[SymbolSpec]) -> Result<Vec<SymbolSpec>, String> {
    let spec = spec.trim();
    if let Ok(n) = spec.parse::<usize>() {
        if n == 0 || n > MAX_SYMBOLS {
            return Err(format!("the number of symbols must be 1 to {MAX_SYMBOLS}"));
        }
        let mut symbols: Vec<SymbolSpec> = configured.iter().take(n).cloned().collect();
        let mut i = symbols.len();
        while symbols.len() < n {
            i += 1;
            let name = format!("SYN{i:04}");
            if !configured.iter().any(|s| s.symbol == name) {
                symbols.push(SymbolSpec {
                    price: synthetic_price(&name),
                    symbol: name,
                });
            }
        }
        return Ok(symbols);
    }
    let mut symbols: Vec<SymbolSpec> = Vec::new();
    for name in spec.split(',').map(str::trim) {
        check_symbol(name)?;
        if symbols.iter().any(|s| s.symbol == name) {
            return Err(format!("symbol {name:?} is listed twice"));
        }
        let price = configured
            .iter()
            .find(|s| s.symbol == name)
            .map_or_else(|| synthetic_price(name), |s| s.price);
        symbols.push(SymbolSpec {
            symbol: name.to_string(),
            price,
        });
    }
    Ok(symbols)
}

/// A stable start price in 10..500 derived from the name (FNV-1a), so a
/// synthetic symbol starts at the same price on every run.
fn synthetic_price(name: &str) -> f64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    10.0 + (hash % 49_000) as f64 / 100.0
}

// Value checks used while deserializing, so errors carry line and key.

fn listen_addr<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let addr = String::deserialize(d)?;
    check_listen(&addr).map_err(serde::de::Error::custom)?;
    Ok(addr)
}

fn tick_rate<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let rate = f64::deserialize(d)?;
    check_tick_rate(rate).map_err(serde::de::Error::custom)?;
    Ok(rate)
}

fn finite_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(serde::de::Error::custom("must be a finite number"))
    }
}

fn positive_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = finite_f64(d)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!("must be above 0, got {v}")))
    }
}

fn non_negative_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = finite_f64(d)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!("must be 0 or more, got {v}")))
    }
}

fn range_u64<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if (LO..=HI).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be from {LO} to {HI}, got {v}"
        )))
    }
}

fn range_usize<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(d: D) -> Result<usize, D::Error> {
    let v = range_u64::<D, LO, HI>(d)?;
    usize::try_from(v).map_err(serde::de::Error::custom)
}

fn symbol_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_symbol(&name).map_err(serde::de::Error::custom)?;
    Ok(name)
}

fn symbol_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SymbolSpec>, D::Error> {
    let symbols = Vec::<SymbolSpec>::deserialize(d)?;
    if symbols.is_empty() {
        return Err(serde::de::Error::custom("at least one symbol is needed"));
    }
    if symbols.len() > MAX_SYMBOLS {
        return Err(serde::de::Error::custom(format!(
            "at most {MAX_SYMBOLS} symbols are supported"
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(symbols.len());
    for spec in &symbols {
        if !seen.insert(spec.symbol.as_str()) {
            return Err(serde::de::Error::custom(format!(
                "symbol {:?} is listed twice",
                spec.symbol
            )));
        }
    }
    Ok(symbols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(src: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::from_toml_str(src, "test.toml")
    }

    fn parse_err(src: &str) -> (usize, Option<String>, String, String) {
        let err = parse(src).expect_err("the config should be rejected");
        let shown = err.to_string();
        match err {
            ConfigError::Invalid {
                line, key, reason, ..
            } => (line, key, reason, shown),
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn embedded_parses_and_ships_enough_symbols() {
        let config = AgentConfig::embedded();
        assert!(config.simulator.symbols.len() >= 50);
        assert_eq!(config.simulator.symbols[0].symbol, "AAPL");
    }

    #[test]
    fn code_defaults_equal_the_embedded_file() {
        assert_eq!(parse("").unwrap(), AgentConfig::embedded());
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let config = parse("listen = \"0.0.0.0:9000\"\n[ws]\nmax_clients = 3\n").unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.ws.max_clients, 3);
        assert_eq!(config.ws.batch_max_ticks, 64);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let (line, key, reason, shown) = parse_err("listen = \"127.0.0.1:1\"\n\n[simulator]\ntick_rat = 5\n");
        assert_eq!(line, 4);
        assert_eq!(key.as_deref(), Some("simulator.tick_rat"));
        assert!(reason.contains("unknown field"), "{reason}");
        assert!(shown.starts_with("test.toml:4: key `simulator.tick_rat`: unknown field"));
    }

    #[test]
    fn unknown_top_level_key() {
        let (line, key, _, _) = parse_err("\nlistn = \"x:1\"\n");
        assert_eq!(line, 2);
        assert_eq!(key.as_deref(), Some("listn"));
    }

    #[test]
    fn wrong_type_names_the_key() {
        let (line, key, reason, _) = parse_err("[ws]\nbatch_max_ticks = 64\nmax_clients = \"many\"\n");
        assert_eq!(line, 3);
        assert_eq!(key.as_deref(), Some("ws.max_clients"));
        assert!(reason.contains("invalid type"), "{reason}");
    }

    #[test]
    fn out_of_range_value_names_the_key() {
        let (line, key, reason, _) = parse_err("[ws]\n\nbroadcast_capacity = 0\n");
        assert_eq!(line, 3);
        assert_eq!(key.as_deref(), Some("ws.broadcast_capacity"));
        assert!(reason.contains("must be from 1"), "{reason}");
    }

    #[test]
    fn bad_symbol_entry_names_the_element() {
        let src = "[simulator]\nsymbols = [\n  { symbol = \"A\", price = 1.0 },\n  { symbol = \"B\", price = -2.0 },\n]\n";
        let (line, key, reason, _) = parse_err(src);
        assert_eq!(line, 4);
        assert_eq!(key.as_deref(), Some("simulator.symbols[1].price"));
        assert!(reason.contains("must be above 0"), "{reason}");
    }

    #[test]
    fn duplicate_and_invalid_symbols_are_rejected() {
        let (_, key, reason, _) = parse_err(
            "[simulator]\nsymbols = [{ symbol = \"A\", price = 1.0 }, { symbol = \"A\", price = 2.0 }]\n",
        );
        assert_eq!(key.as_deref(), Some("simulator.symbols"));
        assert!(reason.contains("listed twice"), "{reason}");
        let (_, _, reason, _) = parse_err("[simulator]\nsymbols = [{ symbol = \"A B\", price = 1.0 }]\n");
        assert!(reason.contains("contains ' '"), "{reason}");
    }

    #[test]
    fn bad_listen_and_syntax_errors() {
        let (line, key, _, _) = parse_err("listen = \"nowhere\"\n");
        assert_eq!((line, key.as_deref()), (1, Some("listen")));
        let (line, key, _, shown) = parse_err("[ws]\nmax_clients = = 3\n");
        assert_eq!((line, key), (2, None));
        assert!(shown.starts_with("test.toml:2: "), "{shown}");
    }

    #[test]
    fn load_reports_missing_file() {
        let err = AgentConfig::load(Path::new("definitely-missing-agent.toml")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("definitely-missing-agent.toml: cannot read")
        );
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).map(OsString::from)
    }

    #[test]
    fn env_overrides_apply() {
        let mut config = AgentConfig::embedded();
        config
            .apply_env_from(env(&[
                ("MDA_LISTEN", "127.0.0.1:0"),
                ("MDA_SYMBOLS", "AAPL,ZZZ"),
                ("MDA_SEED", "7"),
                ("MDA_TICK_RATE", "250.5"),
            ]))
            .unwrap();
        assert_eq!(config.listen, "127.0.0.1:0");
        assert_eq!(config.simulator.seed, Some(7));
        assert_eq!(config.simulator.tick_rate, 250.5);
        let names: Vec<_> = config
            .simulator
            .symbols
            .iter()
            .map(|s| s.symbol.as_str())
            .collect();
        assert_eq!(names, ["AAPL", "ZZZ"]);
        assert_eq!(config.simulator.symbols[0].price, 229.87);
    }

    #[test]
    fn bad_env_value_names_the_variable() {
        for (var, value, needle) in [
            ("MDA_SEED", "abc", "unsigned integer"),
            ("MDA_TICK_RATE", "-1", "above 0"),
            ("MDA_TICK_RATE", "NaN", "above 0"),
            ("MDA_LISTEN", "8080", "host:port"),
            ("MDA_SYMBOLS", "A,,B", "1 to 24"),
            ("MDA_SYMBOLS", "0", "1 to"),
        ] {
            let err = AgentConfig::embedded()
                .apply_env_from(env(&[(var, value)]))
                .unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("environment variable {var}=")),
                "{shown}"
            );
            assert!(shown.contains(needle), "{shown}");
        }
    }

    #[test]
    fn symbols_count_takes_defaults_then_synthesizes() {
        let mut config = AgentConfig::embedded();
        let shipped = config.simulator.symbols.len();
        config.set_symbols("3").unwrap();
        let names: Vec<_> = config
            .simulator
            .symbols
            .iter()
            .map(|s| s.symbol.clone())
            .collect();
        assert_eq!(names, ["AAPL", "MSFT", "NVDA"]);

        let mut config = AgentConfig::embedded();
        config.set_symbols(&(shipped + 2).to_string()).unwrap();
        let symbols = &config.simulator.symbols;
        assert_eq!(symbols.len(), shipped + 2);
        assert_eq!(symbols[shipped].symbol, format!("SYN{:04}", shipped + 1));
        assert!(
            symbols[shipped..]
                .iter()
                .all(|s| (10.0..500.0).contains(&s.price))
        );
        assert_eq!(synthetic_price("SYN0001"), synthetic_price("SYN0001"));
    }
}
