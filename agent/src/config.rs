//! Agent configuration: the embedded default file, user TOML files, and the
//! `MDA_*` environment and command-line overrides on top of them.
//!
//! Every value is checked while it is deserialized, so an invalid one is
//! reported with the file, line and key it came from, like a typo is.

use std::ffi::OsString;
use std::path::Path;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer};

use crate::api::{Injection, Severity};
pub use crate::dr::DrConfig;

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
    #[serde(default)]
    pub chaos: ChaosConfig,
    #[serde(default)]
    pub incidents: IncidentsConfig,
    /// Real data sources beside the simulator (`[[sources]]`).
    #[serde(default, deserialize_with = "crate::sources::config::source_list")]
    pub sources: Vec<crate::sources::config::SourceSpec>,
    /// Failover between the sources of a group (`[failover]`).
    #[serde(default, deserialize_with = "crate::sources::config::failover")]
    pub failover: crate::sources::config::FailoverConfig,
    #[serde(default)]
    pub dr: DrConfig,
    /// Tokens, roles and the rate limit of the routes that act (`[auth]`).
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// The agent's audit log of those routes (`[audit]`).
    #[serde(default)]
    pub audit: crate::audit::AuditConfig,
    /// Bearer token with the admin role ([`crate::auth`]); with no other
    /// token source configured, `None` turns the acting routes off (403).
    /// Never read from a config file (a TOML key of this name
    /// is rejected like any unknown key): the binary fills it from the
    /// environment with [`AdminToken::from_env`], an embedding program or a
    /// test sets it directly.
    #[serde(skip)]
    pub admin_token: Option<AdminToken>,
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
    /// Faults injected on a schedule, for demos.
    #[serde(deserialize_with = "scheduled_injections")]
    pub inject: Vec<ScheduledInjection>,
}

/// A fault the simulator injects by itself once, `after_s` seconds after
/// start, as `POST /api/v1/admin/inject` would.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScheduledInjection {
    pub after_s: f64,
    #[serde(flatten)]
    pub injection: Injection,
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

/// Fault injection on chosen routes, to produce SLO burn on purpose. The
/// settings can be changed live through `PUT /api/v1/admin/chaos`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChaosConfig {
    /// Share of matching requests answered with HTTP 500, 0 to 1.
    #[serde(deserialize_with = "chaos_error_rate")]
    pub error_rate: f64,
    /// Added before answering each matching request, ms.
    #[serde(deserialize_with = "range_u64::<_, 0, MAX_CHAOS_LATENCY_MS>")]
    pub extra_latency_ms: u64,
    /// Route templates (axum's matched path, as in the `route` label of
    /// `mda_http_requests_total`) the injection applies to.
    #[serde(deserialize_with = "chaos_routes")]
    pub routes: Vec<String>,
}

/// Incident detection and tracking (`[incidents]` and its sub-tables).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Period of the detector task, ms.
    #[serde(deserialize_with = "range_u64::<_, 10, 60_000>")]
    pub interval_ms: u64,
    /// How long a condition must stay clear before its incident resolves
    /// itself, ms.
    #[serde(deserialize_with = "range_u64::<_, 0, 86_400_000>")]
    pub resolve_after_ms: u64,
    /// At most one `updated` timeline entry per incident per this long, ms.
    #[serde(deserialize_with = "range_u64::<_, 0, 86_400_000>")]
    pub update_interval_ms: u64,
    /// Timeline entries kept per incident.
    #[serde(deserialize_with = "range_usize::<_, 2, 10_000>")]
    pub max_timeline: usize,
    /// Open incidents at most; conditions beyond it are logged, not opened.
    #[serde(deserialize_with = "range_usize::<_, 1, 100_000>")]
    pub max_open: usize,
    /// Resolved incidents kept at most.
    #[serde(deserialize_with = "range_usize::<_, 0, 100_000>")]
    pub max_resolved: usize,
    /// Resolved incidents older than this (since resolution) are dropped, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 2_592_000_000>")]
    pub resolved_max_age_ms: u64,
    /// Whether ack and resolve are allowed without a token when no token is
    /// configured at all ([`crate::auth`]). With one they always need it.
    pub open_actions: bool,
    pub source_down: SourceDownConfig,
    pub feed_stale: FeedStaleConfig,
    pub rejected_ticks: RejectedTicksConfig,
    pub price_anomaly: PriceAnomalyConfig,
    pub http_errors: HttpErrorsConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourceDownConfig {
    pub enabled: bool,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedStaleConfig {
    pub enabled: bool,
    /// A connected source with no accepted tick for this long is stale, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub source_after_ms: u64,
    /// A symbol that had ticks and has none for this long is stale, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub symbol_after_ms: u64,
    pub source_severity: Severity,
    pub symbol_severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RejectedTicksConfig {
    pub enabled: bool,
    #[serde(deserialize_with = "range_u64::<_, 100, 86_400_000>")]
    pub window_ms: u64,
    /// More rejections than this from one source within the window open an
    /// incident.
    pub max_rejected: u64,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriceAnomalyConfig {
    pub enabled: bool,
    /// Log returns per symbol the median and MAD are taken over.
    #[serde(deserialize_with = "range_usize::<_, 8, 1024>")]
    pub window: usize,
    /// A return further than `k` robust standard deviations from the
    /// median is an anomaly.
    #[serde(deserialize_with = "positive_f64")]
    pub k: f64,
    /// Floor of the robust standard deviation, basis points of log return.
    #[serde(deserialize_with = "positive_f64")]
    pub min_scale_bps: f64,
    /// A return across a longer gap between ticks is not scored, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub max_gap_ms: u64,
    /// The incident clears after this long without a new anomaly, ms.
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400_000>")]
    pub clear_after_ms: u64,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpErrorsConfig {
    pub enabled: bool,
    #[serde(deserialize_with = "range_u64::<_, 100, 86_400_000>")]
    pub window_ms: u64,
    /// Share of 5xx answers in the window above which an incident opens.
    #[serde(deserialize_with = "share")]
    pub max_error_share: f64,
    /// Requests the window must hold before the share counts.
    #[serde(deserialize_with = "range_u64::<_, 1, 1_000_000_000>")]
    pub min_requests: u64,
    pub severity: Severity,
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
            inject: Vec::new(),
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

impl Default for ChaosConfig {
    fn default() -> Self {
        ChaosConfig {
            error_rate: 0.0,
            extra_latency_ms: 0,
            routes: vec![crate::http::QUOTES.to_string()],
        }
    }
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        IncidentsConfig {
            interval_ms: 500,
            resolve_after_ms: 5_000,
            update_interval_ms: 30_000,
            max_timeline: 50,
            max_open: 500,
            max_resolved: 200,
            resolved_max_age_ms: 86_400_000,
            open_actions: false,
            source_down: SourceDownConfig::default(),
            feed_stale: FeedStaleConfig::default(),
            rejected_ticks: RejectedTicksConfig::default(),
            price_anomaly: PriceAnomalyConfig::default(),
            http_errors: HttpErrorsConfig::default(),
        }
    }
}

impl Default for SourceDownConfig {
    fn default() -> Self {
        SourceDownConfig {
            enabled: true,
            severity: Severity::Sev2,
        }
    }
}

impl Default for FeedStaleConfig {
    fn default() -> Self {
        FeedStaleConfig {
            enabled: true,
            source_after_ms: 5_000,
            symbol_after_ms: 10_000,
            source_severity: Severity::Sev2,
            symbol_severity: Severity::Sev3,
        }
    }
}

impl Default for RejectedTicksConfig {
    fn default() -> Self {
        RejectedTicksConfig {
            enabled: true,
            window_ms: 60_000,
            max_rejected: 100,
            severity: Severity::Sev3,
        }
    }
}

impl Default for PriceAnomalyConfig {
    fn default() -> Self {
        PriceAnomalyConfig {
            enabled: true,
            window: 64,
            k: 10.0,
            min_scale_bps: 5.0,
            max_gap_ms: 5_000,
            clear_after_ms: 60_000,
            severity: Severity::Sev3,
        }
    }
}

impl Default for HttpErrorsConfig {
    fn default() -> Self {
        HttpErrorsConfig {
            enabled: true,
            window_ms: 60_000,
            max_error_share: 0.1,
            min_requests: 20,
            severity: Severity::Sev2,
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
    /// A variable holding a secret: its value is never shown.
    #[error("environment variable {var}: {reason}")]
    EnvSecret { var: &'static str, reason: String },
    /// The admin token file named by `MDA_ADMIN_TOKEN_FILE` cannot be used.
    #[error("admin token file {path} (named by {var}): {reason}")]
    TokenFile {
        var: &'static str,
        path: String,
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

    /// Applies `MDA_LISTEN`, `MDA_SYMBOLS`, `MDA_SEED`, `MDA_TICK_RATE`,
    /// `MDA_CHAOS_ERROR_RATE` and `MDA_CHAOS_LATENCY_MS` from the process
    /// environment. The admin token is separate: [`AdminToken::from_env`].
    pub fn apply_env(&mut self) -> Result<(), ConfigError> {
        self.apply_env_from(|name| std::env::var_os(name))
    }

    /// [`AgentConfig::apply_env`] with an explicit variable lookup.
    pub fn apply_env_from(&mut self, lookup: impl Fn(&str) -> Option<OsString>) -> Result<(), ConfigError> {
        type Setter = fn(&mut AgentConfig, &str) -> Result<(), String>;
        const VARS: [(&str, Setter); 13] = [
            ("MDA_LISTEN", AgentConfig::set_listen),
            ("MDA_SYMBOLS", AgentConfig::set_symbols),
            ("MDA_SEED", AgentConfig::set_seed_str),
            ("MDA_TICK_RATE", AgentConfig::set_tick_rate_str),
            ("MDA_CHAOS_ERROR_RATE", AgentConfig::set_chaos_error_rate_str),
            ("MDA_CHAOS_LATENCY_MS", AgentConfig::set_chaos_latency_ms_str),
            ("MDA_BARS_RING_1M", AgentConfig::set_bars_ring_1m_str),
            (
                "MDA_INCIDENTS_RESOLVED_MAX_AGE_MS",
                AgentConfig::set_resolved_max_age_ms_str,
            ),
            ("MDA_AUTH_TOKENS_FILE", |c, v| {
                set_path(&mut c.auth.tokens_file, v)
            }),
            ("MDA_AUTH_JWT_HS256_SECRET_FILE", |c, v| {
                set_path(&mut c.auth.jwt.hs256_secret_file, v)
            }),
            ("MDA_AUTH_JWT_RS256_PUBLIC_KEY_FILE", |c, v| {
                set_path(&mut c.auth.jwt.rs256_public_key_file, v)
            }),
            ("MDA_AUTH_PROTECT_READS", AgentConfig::set_protect_reads_str),
            ("MDA_AUDIT_FILE", |c, v| set_path(&mut c.audit.file, v)),
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

    /// Sets the share of chaos-matching requests answered with HTTP 500.
    pub fn set_chaos_error_rate(&mut self, rate: f64) -> Result<(), String> {
        check_chaos_error_rate(rate)?;
        self.chaos.error_rate = rate;
        Ok(())
    }

    /// Sets the latency chaos adds to matching requests, ms.
    pub fn set_chaos_extra_latency_ms(&mut self, ms: u64) -> Result<(), String> {
        check_chaos_latency_ms(ms)?;
        self.chaos.extra_latency_ms = ms;
        Ok(())
    }

    /// Sets the route templates chaos applies to.
    pub fn set_chaos_routes(&mut self, routes: Vec<String>) -> Result<(), String> {
        check_chaos_routes(&routes)?;
        self.chaos.routes = routes;
        Ok(())
    }

    fn set_chaos_error_rate_str(&mut self, value: &str) -> Result<(), String> {
        let rate = value
            .trim()
            .parse::<f64>()
            .map_err(|e| format!("expected a number from 0 to 1: {e}"))?;
        self.set_chaos_error_rate(rate)
    }

    fn set_chaos_latency_ms_str(&mut self, value: &str) -> Result<(), String> {
        let ms = value
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("expected milliseconds from 0 to {MAX_CHAOS_LATENCY_MS}: {e}"))?;
        self.set_chaos_extra_latency_ms(ms)
    }

    fn set_seed_str(&mut self, value: &str) -> Result<(), String> {
        let seed = value
            .trim()
            .parse::<u64>()
            .map_err(|e| format!("expected an unsigned integer: {e}"))?;
        self.set_seed(seed);
        Ok(())
    }

    /// `bars.ring_1m` from the environment: deployments set retention per
    /// environment without editing the shipped config file.
    fn set_bars_ring_1m_str(&mut self, value: &str) -> Result<(), String> {
        let n = parse_in_range(value, 1, 1_000_000)?;
        self.bars.ring_1m = usize::try_from(n).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// `incidents.resolved_max_age_ms` from the environment, as above.
    fn set_resolved_max_age_ms_str(&mut self, value: &str) -> Result<(), String> {
        self.incidents.resolved_max_age_ms = parse_in_range(value, 1, 2_592_000_000)?;
        Ok(())
    }

    fn set_protect_reads_str(&mut self, value: &str) -> Result<(), String> {
        self.auth.protect_reads = match value.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err("expected true or false".to_string()),
        };
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

/// A file path from the environment; empty turns the file off.
fn set_path(key: &mut String, value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err("a path must not contain control characters".to_string());
    }
    value.clone_into(key);
    Ok(())
}

/// Environment variable holding the admin token itself.
pub const ADMIN_TOKEN_VAR: &str = "MDA_ADMIN_TOKEN";
/// Environment variable naming a file (mode 0600 or stricter) that holds the
/// admin token.
pub const ADMIN_TOKEN_FILE_VAR: &str = "MDA_ADMIN_TOKEN_FILE";

/// Largest admin token file read, bytes.
const MAX_TOKEN_FILE_BYTES: u64 = 4096;

/// The bearer token of the admin routes. Its `Debug` output is redacted and
/// it is compared in constant time, so it leaks neither into logs nor
/// through response timing.
#[derive(Clone)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token: printable ASCII with no spaces (it travels in an HTTP header
    /// as `Authorization: Bearer <token>`), surrounding whitespace removed.
    pub fn new(token: impl Into<String>) -> Result<AdminToken, String> {
        let token = token.into();
        let trimmed = token.trim();
        if trimmed.is_empty() {
            return Err("the admin token is empty".to_string());
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the admin token must be printable ASCII without spaces or control characters".to_string(),
            );
        }
        Ok(AdminToken(trimmed.to_string()))
    }

    /// The token from `MDA_ADMIN_TOKEN`, or read from the file that
    /// `MDA_ADMIN_TOKEN_FILE` names; `None` when neither is set. Setting both
    /// is an error, so is a token file that group or others may access.
    pub fn from_env() -> Result<Option<AdminToken>, ConfigError> {
        AdminToken::from_env_with(|name| std::env::var_os(name))
    }

    /// [`AdminToken::from_env`] with an explicit variable lookup.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Option<AdminToken>, ConfigError> {
        let direct = lookup(ADMIN_TOKEN_VAR);
        let file = lookup(ADMIN_TOKEN_FILE_VAR);
        match (direct, file) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(ConfigError::EnvSecret {
                var: ADMIN_TOKEN_VAR,
                reason: format!("set only one of {ADMIN_TOKEN_VAR} and {ADMIN_TOKEN_FILE_VAR}"),
            }),
            (Some(raw), None) => {
                let secret = |reason| ConfigError::EnvSecret {
                    var: ADMIN_TOKEN_VAR,
                    reason,
                };
                let value = raw
                    .into_string()
                    .map_err(|_| secret("not valid UTF-8".to_string()))?;
                AdminToken::new(value).map(Some).map_err(secret)
            }
            (None, Some(path)) => {
                let path = Path::new(&path);
                AdminToken::from_file(path)
                    .map(Some)
                    .map_err(|reason| ConfigError::TokenFile {
                        var: ADMIN_TOKEN_FILE_VAR,
                        path: path.display().to_string(),
                        reason,
                    })
            }
        }
    }

    /// Reads a token file, which must be readable by its owner only (mode
    /// 0600 or stricter). Surrounding whitespace, such as the final newline,
    /// is not part of the token.
    pub fn from_file(path: &Path) -> Result<AdminToken, String> {
        AdminToken::new(read_private_file(path, MAX_TOKEN_FILE_BYTES)?)
    }

    /// Whether `given` is this token, in time that depends only on the
    /// token's length, not on where the two differ.
    pub(crate) fn matches(&self, given: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), given)
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl PartialEq for AdminToken {
    fn eq(&self, other: &AdminToken) -> bool {
        self.matches(other.0.as_bytes())
    }
}

/// Compares every byte of `expected` whatever the content of `given`, so the
/// time taken does not tell how long a prefix of a guess was right.
fn constant_time_eq(expected: &[u8], given: &[u8]) -> bool {
    let mut diff = u8::from(expected.len() != given.len());
    for (i, &e) in expected.iter().enumerate() {
        let g = given.get(i).copied().unwrap_or(!e);
        diff |= std::hint::black_box(e ^ g);
    }
    diff == 0
}

/// Reads a file holding a secret, which must be readable by its owner only
/// (mode 0600 or stricter) and at most `max_bytes` long.
pub(crate) fn read_private_file(path: &Path, max_bytes: u64) -> Result<String, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // The permissions of the file actually opened, not of whatever the
    // path names by the time it is checked.
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read its metadata: {e}"))?;
    if meta.is_dir() {
        return Err("is a directory, not a file".to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & !0o600 != 0 {
            return Err(format!(
                "its permissions are {mode:04o}; a file holding a secret must be 0600 or stricter \
                 (readable and writable by its owner only): chmod 600 {}",
                path.display()
            ));
        }
    }
    if meta.len() > max_bytes {
        return Err(format!("is {} bytes; at most {max_bytes} are read", meta.len()));
    }
    let mut text = String::new();
    file.take(max_bytes + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(text)
}

/// Longest latency chaos may add to a request, ms.
pub(crate) const MAX_CHAOS_LATENCY_MS: u64 = 60_000;

pub(crate) fn check_chaos_error_rate(rate: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!("must be a number from 0 to 1, got {rate}"))
    }
}

pub(crate) fn check_chaos_latency_ms(ms: u64) -> Result<(), String> {
    if ms <= MAX_CHAOS_LATENCY_MS {
        Ok(())
    } else {
        Err(format!("must be from 0 to {MAX_CHAOS_LATENCY_MS}, got {ms}"))
    }
}

/// Chaos targets must be route templates the agent serves, listed once; the
/// admin routes are excluded so chaos can always be turned off again.
pub(crate) fn check_chaos_routes(routes: &[String]) -> Result<(), String> {
    for (i, route) in routes.iter().enumerate() {
        if routes[..i].contains(route) {
            return Err(format!("route {route:?} is listed twice"));
        }
        if crate::http::ADMIN_ROUTES.contains(&route.as_str()) {
            return Err(format!(
                "route {route:?} is an admin route; chaos never applies to those, so it can always be turned off"
            ));
        }
        if !crate::http::CHAOS_TARGETS.contains(&route.as_str()) {
            return Err(format!(
                "unknown route {route:?}; chaos applies to these route templates: {}",
                crate::http::CHAOS_TARGETS.join(", ")
            ));
        }
    }
    Ok(())
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
pub(crate) fn check_symbol(name: &str) -> Result<(), String> {
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

fn chaos_error_rate<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let rate = f64::deserialize(d)?;
    check_chaos_error_rate(rate).map_err(serde::de::Error::custom)?;
    Ok(rate)
}

/// Longest delay of a scheduled injection, seconds (a week).
const MAX_INJECT_AFTER_S: f64 = 604_800.0;

fn scheduled_injections<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ScheduledInjection>, D::Error> {
    let schedule = Vec::<ScheduledInjection>::deserialize(d)?;
    for (i, entry) in schedule.iter().enumerate() {
        let fail = |reason: String| serde::de::Error::custom(format!("entry {i}: {reason}"));
        if !(0.0..=MAX_INJECT_AFTER_S).contains(&entry.after_s) {
            return Err(fail(format!(
                "after_s must be from 0 to {MAX_INJECT_AFTER_S}, got {}",
                entry.after_s
            )));
        }
        let (Injection::PriceJump { symbol, .. } | Injection::Stall { symbol, .. }) = &entry.injection;
        if symbol != "*" {
            check_symbol(symbol).map_err(fail)?;
        }
        crate::sim::check_injection(&entry.injection).map_err(fail)?;
    }
    Ok(schedule)
}

fn share<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a number from 0 to 1, got {v}"
        )))
    }
}

fn chaos_routes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let routes = Vec::<String>::deserialize(d)?;
    check_chaos_routes(&routes).map_err(serde::de::Error::custom)?;
    Ok(routes)
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

/// An integer from `lo` to `hi`, with the same bounds and wording as the
/// file's `range_u64` keys.
fn parse_in_range(value: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let v = value
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("expected an integer from {lo} to {hi}: {e}"))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be from {lo} to {hi}, got {v}"))
    }
}

pub(crate) fn range_u64<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(
    d: D,
) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if (LO..=HI).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be from {LO} to {HI}, got {v}"
        )))
    }
}

pub(crate) fn range_usize<'de, D: Deserializer<'de>, const LO: u64, const HI: u64>(
    d: D,
) -> Result<usize, D::Error> {
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
    fn chaos_keys_parse_and_are_checked_with_line_and_key() {
        let config =
            parse("[chaos]\nerror_rate = 0.25\nextra_latency_ms = 150\nroutes = [\"/api/v1/symbols\", \"/health\"]\n")
                .unwrap();
        assert_eq!(config.chaos.error_rate, 0.25);
        assert_eq!(config.chaos.extra_latency_ms, 150);
        assert_eq!(config.chaos.routes, ["/api/v1/symbols", "/health"]);
        assert_eq!(AgentConfig::embedded().chaos, ChaosConfig::default());
        assert_eq!(ChaosConfig::default().error_rate, 0.0);

        for (src, line, key, needle) in [
            (
                "[chaos]\n\nerror_rate = 2.0\n",
                3,
                "chaos.error_rate",
                "from 0 to 1, got 2",
            ),
            (
                "[chaos]\nerror_rate = -0.5\n",
                2,
                "chaos.error_rate",
                "from 0 to 1",
            ),
            (
                "[chaos]\nerror_rate = nan\n",
                2,
                "chaos.error_rate",
                "from 0 to 1",
            ),
            (
                "[chaos]\nextra_latency_ms = 60001\n",
                2,
                "chaos.extra_latency_ms",
                "from 0 to 60000",
            ),
            (
                "[chaos]\nextra_latency_ms = -1\n",
                2,
                "chaos.extra_latency_ms",
                "invalid value",
            ),
            (
                "[chaos]\nroutes = [\"/api/v1/quotes/AAPL\"]\n",
                2,
                "chaos.routes",
                "unknown route",
            ),
            (
                "[chaos]\nroutes = [\"/health\", \"/health\"]\n",
                2,
                "chaos.routes",
                "listed twice",
            ),
            (
                "[chaos]\nroutes = [\"/api/v1/admin/chaos\"]\n",
                2,
                "chaos.routes",
                "admin route",
            ),
            (
                "[chaos]\nerror_rat = 0.1\n",
                2,
                "chaos.error_rat",
                "unknown field",
            ),
        ] {
            let (got_line, got_key, reason, _) = parse_err(src);
            assert_eq!((got_line, got_key.as_deref()), (line, Some(key)), "{src}");
            assert!(reason.contains(needle), "{src}: {reason}");
        }
    }

    #[test]
    fn incident_keys_parse_and_are_checked_with_line_and_key() {
        let config = parse(
            "[incidents]\nopen_actions = true\nmax_resolved = 0\n\n[incidents.price_anomaly]\nk = 6.5\nseverity = \"SEV4\"\n\n[incidents.http_errors]\nmax_error_share = 0.5\n",
        )
        .unwrap();
        let incidents = &config.incidents;
        assert!(incidents.open_actions);
        assert_eq!(incidents.max_resolved, 0);
        assert_eq!(incidents.price_anomaly.k, 6.5);
        assert_eq!(incidents.price_anomaly.severity, Severity::Sev4);
        assert_eq!(
            incidents.price_anomaly.window, 64,
            "other keys keep their default"
        );
        assert_eq!(incidents.http_errors.max_error_share, 0.5);
        assert!(!IncidentsConfig::default().open_actions);

        for (src, line, key, needle) in [
            (
                "[incidents.feed_stale]\n\nsymbol_severity = \"SEV5\"\n",
                3,
                "incidents.feed_stale.symbol_severity",
                "unknown variant `SEV5`",
            ),
            (
                "[incidents.price_anomaly]\nk = 0\n",
                2,
                "incidents.price_anomaly.k",
                "must be above 0",
            ),
            (
                "[incidents.price_anomaly]\nwindow = 4\n",
                2,
                "incidents.price_anomaly.window",
                "must be from 8 to 1024",
            ),
            (
                "[incidents.http_errors]\nmax_error_share = 1.5\n",
                2,
                "incidents.http_errors.max_error_share",
                "from 0 to 1",
            ),
            (
                "[incidents]\ninterval_ms = 0\n",
                2,
                "incidents.interval_ms",
                "must be from 10",
            ),
            (
                "[incidents]\nopen_action = true\n",
                2,
                "incidents.open_action",
                "unknown field",
            ),
            (
                "[incidents.rejected_ticks]\nenabled = true\nmax_rejected = -1\n",
                3,
                "incidents.rejected_ticks.max_rejected",
                "invalid value",
            ),
        ] {
            let (got_line, got_key, reason, _) = parse_err(src);
            assert_eq!((got_line, got_key.as_deref()), (line, Some(key)), "{src}");
            assert!(reason.contains(needle), "{src}: {reason}");
        }
    }

    #[test]
    fn scheduled_injections_parse_and_are_checked() {
        let config = parse(
            "[simulator]\ninject = [\n  { after_s = 30, kind = \"price_jump\", symbol = \"AAPL\", factor = 1.2 },\n  { after_s = 60.5, kind = \"stall\", symbol = \"*\", seconds = 10 },\n]\n",
        )
        .unwrap();
        assert_eq!(
            config.simulator.inject,
            [
                ScheduledInjection {
                    after_s: 30.0,
                    injection: Injection::PriceJump {
                        symbol: "AAPL".into(),
                        factor: 1.2
                    }
                },
                ScheduledInjection {
                    after_s: 60.5,
                    injection: Injection::Stall {
                        symbol: "*".into(),
                        seconds: 10.0
                    }
                },
            ]
        );
        assert!(AgentConfig::embedded().simulator.inject.is_empty());
        for (src, needle) in [
            (
                "[simulator]\ninject = [{ after_s = -1, kind = \"stall\", symbol = \"A\", seconds = 1 }]\n",
                "entry 0: after_s must be from 0",
            ),
            (
                "[simulator]\ninject = [{ after_s = 1, kind = \"stall\", symbol = \"A\", seconds = 0 }]\n",
                "entry 0: seconds: must be above 0",
            ),
            (
                "[simulator]\ninject = [{ after_s = 1, kind = \"price_jump\", symbol = \"A\", factor = 1000 }]\n",
                "entry 0: factor: must be from 0.01 to 100",
            ),
            (
                "[simulator]\ninject = [{ after_s = 1, kind = \"price_jump\", symbol = \"A B\", factor = 2 }]\n",
                "contains ' '",
            ),
            (
                "[simulator]\ninject = [{ after_s = 1, kind = \"melt\", symbol = \"A\" }]\n",
                "unknown variant `melt`",
            ),
            (
                "[simulator]\ninject = [{ after_s = 1, kind = \"stall\", symbol = \"A\", seconds = 1, x = 2 }]\n",
                "unknown field `x`",
            ),
        ] {
            let (line, key, reason, _) = parse_err(src);
            assert_eq!(line, 2, "{src}");
            assert!(
                key.as_deref().is_some_and(|k| k.starts_with("simulator.inject")),
                "{src}: {key:?}"
            );
            assert!(reason.contains(needle), "{src}: {reason}");
        }
    }

    #[test]
    fn the_admin_token_cannot_come_from_a_file() {
        let (line, key, reason, _) = parse_err("listen = \"127.0.0.1:0\"\nadmin_token = \"s3cret\"\n");
        assert_eq!((line, key.as_deref()), (2, Some("admin_token")));
        assert!(reason.contains("unknown field"), "{reason}");
    }

    #[test]
    fn chaos_env_overrides_apply_and_name_the_variable() {
        let mut config = AgentConfig::embedded();
        config
            .apply_env_from(env(&[
                ("MDA_CHAOS_ERROR_RATE", "0.5"),
                ("MDA_CHAOS_LATENCY_MS", " 75 "),
            ]))
            .unwrap();
        assert_eq!(config.chaos.error_rate, 0.5);
        assert_eq!(config.chaos.extra_latency_ms, 75);
        for (var, value, needle) in [
            ("MDA_CHAOS_ERROR_RATE", "1.5", "from 0 to 1, got 1.5"),
            ("MDA_CHAOS_ERROR_RATE", "lots", "expected a number from 0 to 1"),
            ("MDA_CHAOS_LATENCY_MS", "-3", "expected milliseconds"),
            ("MDA_CHAOS_LATENCY_MS", "100000", "from 0 to 60000"),
        ] {
            let err = AgentConfig::embedded()
                .apply_env_from(env(&[(var, value)]))
                .unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("environment variable {var}=\"")),
                "{shown}"
            );
            assert!(shown.contains(needle), "{shown}");
        }
        let mut config = AgentConfig::embedded();
        assert!(config.set_chaos_routes(vec!["/nope".into()]).is_err());
        config.set_chaos_routes(Vec::new()).unwrap();
        assert!(config.chaos.routes.is_empty());
    }

    #[test]
    fn auth_env_overrides_apply() {
        let mut config = AgentConfig::embedded();
        config
            .apply_env_from(env(&[
                ("MDA_AUTH_TOKENS_FILE", "tokens"),
                ("MDA_AUTH_JWT_HS256_SECRET_FILE", "hs"),
                ("MDA_AUTH_JWT_RS256_PUBLIC_KEY_FILE", "rs.pem"),
                ("MDA_AUTH_PROTECT_READS", "true"),
                ("MDA_AUDIT_FILE", "audit.jsonl"),
            ]))
            .unwrap();
        let auth = &config.auth;
        assert_eq!(
            (
                auth.tokens_file.as_str(),
                auth.jwt.hs256_secret_file.as_str(),
                auth.jwt.rs256_public_key_file.as_str()
            ),
            ("tokens", "hs", "rs.pem")
        );
        assert!(auth.protect_reads);
        assert_eq!(config.audit.file, "audit.jsonl");
        let shown = AgentConfig::embedded()
            .apply_env_from(env(&[("MDA_AUTH_PROTECT_READS", "yes")]))
            .unwrap_err()
            .to_string();
        assert!(
            shown.starts_with("environment variable MDA_AUTH_PROTECT_READS=\"yes\": expected true"),
            "{shown}"
        );
    }

    #[test]
    fn retention_env_overrides_apply_and_are_bounded() {
        let mut config = AgentConfig::embedded();
        config
            .apply_env_from(env(&[
                ("MDA_BARS_RING_1M", "10080"),
                ("MDA_INCIDENTS_RESOLVED_MAX_AGE_MS", "604800000"),
            ]))
            .unwrap();
        assert_eq!(config.bars.ring_1m, 10080);
        assert_eq!(config.incidents.resolved_max_age_ms, 604_800_000);
        for (var, value, needle) in [
            ("MDA_BARS_RING_1M", "0", "from 1 to 1000000, got 0"),
            ("MDA_BARS_RING_1M", "a week", "expected an integer"),
            (
                "MDA_INCIDENTS_RESOLVED_MAX_AGE_MS",
                "2592000001",
                "from 1 to 2592000000",
            ),
        ] {
            let err = AgentConfig::embedded()
                .apply_env_from(env(&[(var, value)]))
                .unwrap_err();
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("environment variable {var}=\"")),
                "{shown}"
            );
            assert!(shown.contains(needle), "{shown}");
        }
    }

    /// A file in the temporary directory with `mode`, removed on drop.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, text: &str, mode: u32) -> TempFile {
            let path = std::env::temp_dir().join(format!("mda-{name}-{}", std::process::id()));
            std::fs::write(&path, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = mode;
            TempFile(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn admin_token_from_the_environment() {
        assert_eq!(AdminToken::from_env_with(env(&[])).unwrap(), None);
        let token = AdminToken::from_env_with(env(&[("MDA_ADMIN_TOKEN", "s3cret\n")]))
            .unwrap()
            .unwrap();
        assert!(token.matches(b"s3cret"));
        assert!(!token.matches(b"s3cre"));
        assert!(!token.matches(b"s3cret!"));
        assert!(!token.matches(b""));
        assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");

        for (vars, needle) in [
            (
                vec![("MDA_ADMIN_TOKEN", "  ")],
                "environment variable MDA_ADMIN_TOKEN: the admin token is empty",
            ),
            (
                vec![("MDA_ADMIN_TOKEN", "two words")],
                "environment variable MDA_ADMIN_TOKEN: the admin token must be printable",
            ),
            (
                vec![("MDA_ADMIN_TOKEN", "a"), ("MDA_ADMIN_TOKEN_FILE", "b")],
                "set only one of MDA_ADMIN_TOKEN and MDA_ADMIN_TOKEN_FILE",
            ),
        ] {
            let shown = AdminToken::from_env_with(env(&vars)).unwrap_err().to_string();
            assert!(shown.contains(needle), "{shown}");
            assert!(!shown.contains("two words"), "the secret leaked: {shown}");
        }
    }

    #[test]
    fn admin_token_file_must_be_private() {
        let private = TempFile::new("token-0600", "file-token\n", 0o600);
        let token = AdminToken::from_env_with(env(&[("MDA_ADMIN_TOKEN_FILE", private.path())]))
            .unwrap()
            .unwrap();
        assert!(token.matches(b"file-token"));
        let read_only = TempFile::new("token-0400", "ro-token", 0o400);
        assert!(AdminToken::from_file(&read_only.0).unwrap().matches(b"ro-token"));

        let missing = format!("{}-missing", private.path());
        let shown = AdminToken::from_env_with(env(&[("MDA_ADMIN_TOKEN_FILE", &missing)]))
            .unwrap_err()
            .to_string();
        assert!(
            shown.starts_with(&format!(
                "admin token file {missing} (named by MDA_ADMIN_TOKEN_FILE): cannot open"
            )),
            "{shown}"
        );
        let empty = TempFile::new("token-empty", "\n", 0o600);
        let shown = AdminToken::from_env_with(env(&[("MDA_ADMIN_TOKEN_FILE", empty.path())]))
            .unwrap_err()
            .to_string();
        assert!(shown.contains("the admin token is empty"), "{shown}");

        #[cfg(unix)]
        for mode in [0o644, 0o640, 0o604, 0o700, 0o660] {
            let open = TempFile::new(&format!("token-{mode:o}"), "t0ken", mode);
            let shown = AdminToken::from_env_with(env(&[("MDA_ADMIN_TOKEN_FILE", open.path())]))
                .unwrap_err()
                .to_string();
            assert!(
                shown.starts_with(&format!(
                    "admin token file {} (named by MDA_ADMIN_TOKEN_FILE): ",
                    open.path()
                )),
                "{shown}"
            );
            assert!(shown.contains(&format!("permissions are {mode:04o}")), "{shown}");
            assert!(shown.contains("0600 or stricter"), "{shown}");
            assert!(!shown.contains("t0ken"), "the secret leaked: {shown}");
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
