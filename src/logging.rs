//! Logs go to a file, never to the screen the console draws on.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, default_log_path};

/// Starts file logging and records panics in the log before the terminal
/// hook (installed later by `ratatui::init`) restores the screen.
pub fn init(config: &LogConfig) -> anyhow::Result<PathBuf> {
    let path = if config.file.is_empty() {
        default_log_path()
    } else {
        PathBuf::from(&config.file)
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating log directory {}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening log file {}", path.display()))?;
    let filter = EnvFilter::try_new(&config.level)
        .with_context(|| format!("invalid log level {:?} (key log.level)", config.level))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .init();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(%info, "panic");
        previous(info);
    }));
    Ok(path)
}
