//! Console configuration: embedded defaults, overridden by the user's file,
//! overridden by flags. A bad file fails with its path, line and key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub console: ConsoleConfig,
    pub agent: AgentSection,
    pub prometheus: PrometheusSection,
    pub alertmanager: AlertmanagerSection,
    pub incidents: IncidentsSection,
    pub actions: ActionsSection,
    pub kube: KubeSection,
    pub slo: SloSection,
    pub log: LogConfig,
    pub dr: DrSection,
    /// Named environments (`[[environments]]`); empty: one implicit
    /// environment built from the sections above and the flags.
    pub environments: Vec<crate::environments::EnvironmentSection>,
    /// Key bindings: a console action's name and its key spec(s).
    pub keys: std::collections::BTreeMap<String, crate::app::keymap::KeySpecs>,
    pub capacity: crate::capacity_config::CapacitySection,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DrSection {
    pub interval_ms: u64,
    /// How often the cluster's backup CronJobs and Velero objects are read
    /// (with Kubernetes configured).
    pub kube_interval_ms: u64,
    /// A CronJob whose name contains this (or labelled
    /// `mdops.io/backup=true`) is a backup job.
    pub cronjob_name_match: String,
    /// Where Velero keeps its Schedules and Backups.
    pub velero_namespace: String,
}

impl Default for DrSection {
    fn default() -> Self {
        DrSection {
            interval_ms: 5_000,
            kube_interval_ms: 30_000,
            cronjob_name_match: crate::domain::kube_backups::DEFAULT_NAME_MATCH.to_string(),
            velero_namespace: "velero".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertmanagerSection {
    pub url: String,
    pub request_timeout_ms: u64,
    pub interval_ms: u64,
}

impl Default for AlertmanagerSection {
    fn default() -> Self {
        AlertmanagerSection {
            url: String::new(),
            request_timeout_ms: 5_000,
            interval_ms: 5_000,
        }
    }
}

/// The Kubernetes cluster the agent runs in. Nothing set (and not running
/// in a pod): the cluster screen says how to configure it.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KubeSection {
    /// Kubeconfig file; empty: `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: String,
    /// Context; empty: the kubeconfig's current context.
    pub context: String,
    /// Namespace; empty: the context's, else `default`.
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionsSection {
    /// Runbooks file; empty: $XDG_CONFIG_HOME/mdops/runbooks.toml when it
    /// exists, else the built-in ones.
    pub runbooks: String,
    /// The operator's role: which runbook actions the console offers.
    pub role: crate::actions::runbook::Role,
    /// Audit log; empty: $XDG_STATE_HOME/mdops/audit.jsonl.
    pub audit_file: String,
}

impl Default for ActionsSection {
    fn default() -> Self {
        ActionsSection {
            runbooks: String::new(),
            role: crate::actions::runbook::Role::Operator,
            audit_file: String::new(),
        }
    }
}

impl ActionsSection {
    /// The runbooks in use (see `runbooks`).
    pub fn load_runbooks(
        &self,
    ) -> Result<crate::actions::runbook::Runbooks, crate::actions::runbook::RunbookError> {
        use crate::actions::runbook::Runbooks;
        if !self.runbooks.is_empty() {
            return Runbooks::load(Path::new(&self.runbooks));
        }
        match xdg_dir("XDG_CONFIG_HOME", ".config").map(|dir| dir.join("mdops").join("runbooks.toml")) {
            Some(path) if path.exists() => Runbooks::load(&path),
            _ => Ok(Runbooks::embedded()),
        }
    }

    pub fn audit_path(&self) -> PathBuf {
        if self.audit_file.is_empty() {
            state_dir().join("audit.jsonl")
        } else {
            PathBuf::from(&self.audit_file)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentsSection {
    /// Recorded on acks, resolutions and silences; empty: `$USER`.
    pub author: String,
    pub ack_minutes: u64,
    pub interval_ms: u64,
}

impl Default for IncidentsSection {
    fn default() -> Self {
        IncidentsSection {
            author: String::new(),
            ack_minutes: 15,
            interval_ms: 2_000,
        }
    }
}

impl IncidentsSection {
    /// The configured author, else `$USER`, else `mdops`.
    pub fn author(&self) -> String {
        let configured = self.author.trim();
        if !configured.is_empty() {
            return configured.to_string();
        }
        std::env::var("USER")
            .ok()
            .map(|user| user.trim().to_string())
            .filter(|user| !user.is_empty())
            .unwrap_or_else(|| "mdops".to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusSection {
    pub url: String,
    pub request_timeout_ms: u64,
    pub interval_ms: u64,
}

impl Default for PrometheusSection {
    fn default() -> Self {
        PrometheusSection {
            url: String::new(),
            request_timeout_ms: 5_000,
            interval_ms: 15_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SloSection {
    pub file: String,
    pub scrape_interval_ms: u64,
    pub retention_hours: u64,
    pub max_series: usize,
}

impl Default for SloSection {
    fn default() -> Self {
        SloSection {
            file: String::new(),
            scrape_interval_ms: 5_000,
            retention_hours: 72,
            max_series: 20_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    pub fps: u32,
    pub theme: String,
    pub color: ColorMode,
    pub stale_after_ms: u64,
    /// Name of the implicit environment when no `[[environments]]` are set.
    pub environment: String,
    /// How often every environment's summary (overview tiles) is polled.
    pub summary_interval_ms: u64,
    /// ASCII glyphs only (`--ascii`).
    pub ascii: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ColorMode {
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "truecolor")]
    TrueColor,
    #[serde(rename = "256")]
    Ansi256,
    #[serde(rename = "16")]
    Ansi16,
    #[serde(rename = "none")]
    None,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSection {
    pub url: String,
    pub request_timeout_ms: u64,
    pub health_interval_ms: u64,
    /// File holding the bearer token for a remote agent's acting routes;
    /// must not be readable by group or others. `MDOPS_AGENT_TOKEN` wins.
    pub token_file: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub file: String,
    pub level: String,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            fps: 30,
            theme: "default".to_string(),
            color: ColorMode::Auto,
            stale_after_ms: 5_000,
            environment: "local".to_string(),
            summary_interval_ms: 5_000,
            ascii: false,
        }
    }
}

impl Default for AgentSection {
    fn default() -> Self {
        AgentSection {
            url: String::new(),
            request_timeout_ms: 3_000,
            health_interval_ms: 2_000,
            token_file: String::new(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            file: String::new(),
            level: "info".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{origin}{location}: {message}")]
    Invalid {
        origin: String,
        location: String,
        message: String,
    },
}

impl Config {
    /// Loads `explicit` if given, else the XDG user file if it exists, else
    /// the defaults (which `config/mdops.toml` documents).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => user_config_path().filter(|p| p.exists()),
        };
        match path {
            None => Ok(Config::default()),
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                Config::parse(&text, &path.display().to_string())
            }
        }
    }

    /// Parses a config file; keys it leaves out keep their default.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| invalid(text, origin, &e))?;
        config.validate(origin)?;
        Ok(config)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let fail = |key: &str, message: &str| ConfigError::Invalid {
            origin: origin.to_string(),
            location: String::new(),
            message: format!("key `{key}`: {message}"),
        };
        if !(1..=240).contains(&self.console.fps) {
            return Err(fail("console.fps", "must be between 1 and 240"));
        }
        if self.console.stale_after_ms == 0 {
            return Err(fail("console.stale_after_ms", "must be greater than 0"));
        }
        if self.agent.request_timeout_ms == 0 {
            return Err(fail("agent.request_timeout_ms", "must be greater than 0"));
        }
        if self.agent.health_interval_ms < 100 {
            return Err(fail("agent.health_interval_ms", "must be at least 100"));
        }
        if self.prometheus.request_timeout_ms == 0 {
            return Err(fail("prometheus.request_timeout_ms", "must be greater than 0"));
        }
        if self.prometheus.interval_ms < 1_000 {
            return Err(fail("prometheus.interval_ms", "must be at least 1000"));
        }
        if self.slo.scrape_interval_ms < 100 {
            return Err(fail("slo.scrape_interval_ms", "must be at least 100"));
        }
        if !(1..=24 * 30).contains(&self.slo.retention_hours) {
            return Err(fail("slo.retention_hours", "must be between 1 and 720"));
        }
        if self.slo.max_series == 0 {
            return Err(fail("slo.max_series", "must be greater than 0"));
        }
        if self.dr.interval_ms < 500 {
            return Err(fail("dr.interval_ms", "must be at least 500"));
        }
        if self.dr.kube_interval_ms < 1_000 {
            return Err(fail("dr.kube_interval_ms", "must be at least 1000"));
        }
        if self.dr.velero_namespace.is_empty() {
            return Err(fail("dr.velero_namespace", "must name a namespace"));
        }
        if self.alertmanager.request_timeout_ms == 0 {
            return Err(fail("alertmanager.request_timeout_ms", "must be greater than 0"));
        }
        if self.alertmanager.interval_ms < 500 {
            return Err(fail("alertmanager.interval_ms", "must be at least 500"));
        }
        if !(1..=24 * 60).contains(&self.incidents.ack_minutes) {
            return Err(fail("incidents.ack_minutes", "must be between 1 and 1440"));
        }
        if self.incidents.interval_ms < 200 {
            return Err(fail("incidents.interval_ms", "must be at least 200"));
        }
        crate::app::keymap::Keymap::from_config(&self.keys).map_err(|why| ConfigError::Invalid {
            origin: origin.to_string(),
            location: String::new(),
            message: why,
        })?;
        self.capacity
            .validate()
            .map_err(|(key, message)| fail(&key, &message))?;
        if self.incidents.author.len() > 64 || self.incidents.author.chars().any(char::is_control) {
            return Err(fail("incidents.author", "at most 64 printable characters"));
        }
        if self.console.summary_interval_ms < 500 {
            return Err(fail("console.summary_interval_ms", "must be at least 500"));
        }
        crate::environments::validate(self).map_err(|(key, message)| fail(&key, &message))?;
        Ok(())
    }
}

/// `$XDG_CONFIG_HOME/mdops/config.toml`, falling back to `~/.config`.
pub fn user_config_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|dir| dir.join("mdops").join("config.toml"))
}

/// `$XDG_STATE_HOME/mdops/mdops.log`, falling back to `~/.local/state`.
pub fn default_log_path() -> PathBuf {
    state_dir().join("mdops.log")
}

/// `$XDG_STATE_HOME/mdops`, falling back to `~/.local/state/mdops`.
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state")
        .unwrap_or_else(std::env::temp_dir)
        .join("mdops")
}

fn xdg_dir(var: &str, home_fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(home_fallback)),
    }
}

fn invalid(source: &str, origin: &str, error: &toml::de::Error) -> ConfigError {
    let location = error
        .span()
        .map(|span| {
            let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
            format!(":{line}")
        })
        .unwrap_or_default();
    ConfigError::Invalid {
        origin: origin.to_string(),
        location,
        message: error.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_example_matches_the_defaults() {
        let shipped = include_str!("../config/mdops.toml");
        assert_eq!(
            Config::parse(shipped, "config/mdops.toml").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn user_file_overrides_only_what_it_sets() {
        let config = Config::parse("[console]\nfps = 10\n", "mine.toml").unwrap();
        assert_eq!(config.console.fps, 10);
        assert_eq!(config.console.theme, "default");
    }

    #[test]
    fn typo_names_file_line_and_key() {
        let err = Config::parse("[console]\nfps = 10\nstale_afer_ms = 3\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mine.toml"), "{err}");
        assert!(err.contains("stale_afer_ms"), "{err}");
    }

    #[test]
    fn wrong_type_names_file_and_line() {
        let err = Config::parse("[console]\n\nfps = \"fast\"\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mine.toml:3:"), "{err}");
    }

    #[test]
    fn keys_rebind_and_conflicts_name_both_bindings() {
        let config = Config::parse(
            "[keys]\nquit = \"<C-q>\"\nnext_screen = [\"<Tab>\", \"<F6>\"]\n",
            "mine.toml",
        )
        .unwrap();
        assert_eq!(config.keys.len(), 2);
        let err = Config::parse("[keys]\nhelp = \"q\"\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "mine.toml: key conflict on every screen: `q` -> help (keys.help) and `q` -> quit (default) (the same key)"
        );
        let err = Config::parse("[keys]\nquit = \"<Ctrl-q>\"\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mine.toml: keys.quit: `<Ctrl-q>`"), "{err}");
    }

    #[test]
    fn out_of_range_value_names_key() {
        let err = Config::parse("[console]\nfps = 0\n", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("console.fps"), "{err}");
    }
}
