//! `[dr]`: backups, restore on start, recovery targets and the standby.
//! Values are checked while deserializing, so errors carry file, line and key.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use crate::config::{range_u64, range_usize};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrConfig {
    /// Scheduled snapshots; on-demand backups and drills work either way.
    pub enabled: bool,
    /// Backup directory; empty means `backups` under the agent's state
    /// directory (see [`DrConfig::backup_dir`]).
    pub dir: String,
    /// Period of scheduled snapshots, s.
    #[serde(deserialize_with = "range_u64::<_, 1, 86_400>")]
    pub interval_s: u64,
    /// Good backups kept at most.
    #[serde(deserialize_with = "range_usize::<_, 1, 10_000>")]
    pub keep: usize,
    /// Backups older than this are removed (the newest good one never is), s.
    #[serde(deserialize_with = "range_u64::<_, 60, 31_536_000>")]
    pub max_age_s: u64,
    /// Load the newest valid backup when the agent starts.
    pub restore_on_start: bool,
    /// Most data the service may lose: the newest good backup must be younger, s.
    #[serde(deserialize_with = "range_u64::<_, 1, 31_536_000>")]
    pub rpo_target_s: u64,
    /// Longest acceptable recovery, compared with the restore drill's duration, s.
    #[serde(deserialize_with = "range_u64::<_, 1, 31_536_000>")]
    pub rto_target_s: u64,
    /// Base URL of a standby agent whose `/api/v1/dr` is polled; empty: none.
    #[serde(deserialize_with = "standby_url")]
    pub standby: String,
    /// Period of the standby poll, s.
    #[serde(deserialize_with = "range_u64::<_, 1, 3_600>")]
    pub standby_poll_s: u64,
}

impl Default for DrConfig {
    fn default() -> Self {
        DrConfig {
            enabled: true,
            dir: String::new(),
            interval_s: 300,
            keep: 24,
            max_age_s: 86_400,
            restore_on_start: false,
            rpo_target_s: 900,
            rto_target_s: 1_800,
            standby: String::new(),
            standby_poll_s: 30,
        }
    }
}

/// Directory name under the state directory.
const APP_DIR: &str = "market-data-agent";

impl DrConfig {
    /// The backup directory: `dir` when set, else `backups` under the state
    /// directory: `$STATE_DIRECTORY` (systemd's `StateDirectory=`), then
    /// `$XDG_STATE_HOME/market-data-agent`, then
    /// `$HOME/.local/state/market-data-agent`.
    pub fn backup_dir(&self, lookup: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf, String> {
        if !self.dir.is_empty() {
            return Ok(PathBuf::from(&self.dir));
        }
        let state = state_dir(lookup)
            .ok_or("no backup directory: set dr.dir (or STATE_DIRECTORY, XDG_STATE_HOME or HOME)")?;
        Ok(state.join("backups"))
    }
}

/// The agent's state directory: `$STATE_DIRECTORY` (systemd's
/// `StateDirectory=`), then `$XDG_STATE_HOME/market-data-agent`, then
/// `$HOME/.local/state/market-data-agent`.
pub(crate) fn state_dir(lookup: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    set("STATE_DIRECTORY")
        .or_else(|| set("XDG_STATE_HOME").map(|d| d.join(APP_DIR)))
        .or_else(|| set("HOME").map(|d| d.join(".local/state").join(APP_DIR)))
}

/// An `http://host:port` URL, kept without a trailing `/`. The agent has no
/// TLS client, so `https` is refused here rather than failing at each poll.
fn standby_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let url = String::deserialize(d)?;
    check_standby(&url).map_err(serde::de::Error::custom)?;
    Ok(url.trim_end_matches('/').to_string())
}

fn check_standby(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Ok(());
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(format!(
            "{url:?} must start with http:// (the agent has no TLS client; put a proxy in front for https)"
        ));
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} is not a URL like http://standby:8080"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AgentConfig, ConfigError};

    #[test]
    fn dr_keys_parse_and_are_checked_with_line_and_key() {
        let config = AgentConfig::from_toml_str(
            "[dr]\ndir = \"b\"\ninterval_s = 2\nstandby = \"http://standby:8080/\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!((config.dr.dir.as_str(), config.dr.interval_s), ("b", 2));
        assert_eq!(config.dr.standby, "http://standby:8080");
        assert_eq!(config.dr.keep, 24, "other keys keep their default");
        assert_eq!(AgentConfig::embedded().dr, DrConfig::default());
        for (src, key, needle) in [
            ("[dr]\ninterval_s = 0\n", "dr.interval_s", "from 1 to 86400"),
            ("[dr]\nkeep = 0\n", "dr.keep", "from 1 to 10000"),
            ("[dr]\nmax_age_s = 5\n", "dr.max_age_s", "from 60"),
            (
                "[dr]\nstandby = \"https://x\"\n",
                "dr.standby",
                "must start with http://",
            ),
            ("[dr]\nstandby = \"http:///x\"\n", "dr.standby", "not a URL"),
            ("[dr]\nrpo = 1\n", "dr.rpo", "unknown field"),
        ] {
            match AgentConfig::from_toml_str(src, "t.toml") {
                Err(ConfigError::Invalid {
                    line, key: k, reason, ..
                }) => {
                    assert_eq!((line, k.as_deref()), (2, Some(key)), "{src}");
                    assert!(reason.contains(needle), "{src}: {reason}");
                }
                other => panic!("{src}: expected an Invalid error, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_default_directory_follows_the_state_directory_conventions() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let dr = DrConfig::default();
        let dir = |vars| dr.backup_dir(env(vars));
        assert_eq!(
            dir(&[("STATE_DIRECTORY", "s"), ("HOME", "h")]),
            Ok(PathBuf::from("s/backups"))
        );
        assert_eq!(
            dir(&[("XDG_STATE_HOME", "x"), ("HOME", "h")]),
            Ok(PathBuf::from("x/market-data-agent/backups"))
        );
        assert_eq!(
            dir(&[("XDG_STATE_HOME", ""), ("HOME", "h")]),
            Ok(PathBuf::from("h/.local/state/market-data-agent/backups"))
        );
        assert!(dir(&[]).unwrap_err().contains("set dr.dir"));
        let explicit = DrConfig {
            dir: "mine".into(),
            ..DrConfig::default()
        };
        assert_eq!(explicit.backup_dir(env(&[])), Ok(PathBuf::from("mine")));
    }
}
