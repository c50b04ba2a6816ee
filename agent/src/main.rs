//! `market-data-agent`: runs the agent until SIGTERM or Ctrl-C.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use market_data_agent::{AdminToken, AgentConfig, ConfigError};
use tracing_subscriber::EnvFilter;

/// Market Data Agent: ingests, validates and serves market data.
#[derive(Debug, Parser)]
#[command(name = "market-data-agent", version, about)]
struct Cli {
    /// Configuration file (TOML); without it the built-in default is used.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:8080 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Simulated symbols: a comma-separated list, or a number N for the first
    /// N configured symbols (synthetic ones are added beyond the list).
    #[arg(long, value_name = "LIST|N")]
    symbols: Option<String>,
    /// Seed of the simulated feed, for a repeatable run.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

fn flag_error(flag: &'static str, value: &str) -> impl FnOnce(String) -> ConfigError {
    let value = value.to_string();
    move |reason| ConfigError::Flag { flag, value, reason }
}

/// Precedence: flags > `MDA_*` environment > file > built-in default. The
/// admin token comes only from the environment (`MDA_ADMIN_TOKEN`, or a
/// 0600 file named by `MDA_ADMIN_TOKEN_FILE`): flags show in `ps`, config
/// files get shared.
fn build_config(cli: &Cli) -> Result<AgentConfig, ConfigError> {
    let mut config = match &cli.config {
        Some(path) => AgentConfig::load(path)?,
        None => AgentConfig::embedded(),
    };
    config.apply_env()?;
    if let Some(listen) = &cli.listen {
        config
            .set_listen(listen)
            .map_err(flag_error("--listen", listen))?;
    }
    if let Some(symbols) = &cli.symbols {
        config
            .set_symbols(symbols)
            .map_err(flag_error("--symbols", symbols))?;
    }
    if let Some(seed) = cli.seed {
        config.set_seed(seed);
    }
    config.admin_token = AdminToken::from_env()?;
    Ok(config)
}

fn init_logging() {
    let filter = EnvFilter::try_from_env("MDA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Registers for SIGTERM now, so a signal sent as soon as the agent says it
/// listens is not lost, and returns what resolves on SIGTERM or Ctrl-C.
fn stop_signal() -> std::io::Result<impl Future<Output = std::io::Result<()>>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {}
            result = tokio::signal::ctrl_c() => result?,
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let config = match build_config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("market-data-agent: {e}");
            return ExitCode::from(2);
        }
    };
    let stop = match stop_signal() {
        Ok(stop) => stop,
        Err(e) => {
            tracing::error!("cannot listen for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let agent = match market_data_agent::spawn(config).await {
        Ok(agent) => agent,
        Err(e) => {
            tracing::error!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on {}", agent.addr());
    if let Err(e) = stop.await {
        tracing::error!("cannot wait for signals: {e}");
    }
    tracing::info!("shutting down");
    match agent.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
