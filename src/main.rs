use std::process::ExitCode;

use clap::Parser;
use mdops::cli::{Cli, CliCommand, SloCommand};
use mdops::config::Config;
use mdops::{action_cli, appearance, logging, record, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.record.is_some() && cli.command.is_some() {
        eprintln!("mdops: --record records the interactive console; it does not apply to a subcommand");
        return ExitCode::from(2);
    }
    let config = match Config::load(cli.global.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("mdops: {error}");
            return ExitCode::from(2);
        }
    };
    let theme_name = cli
        .global
        .theme
        .clone()
        .unwrap_or_else(|| config.console.theme.clone());
    let theme = match appearance::load_theme(&theme_name, config.console.color) {
        // A theme file may ask for ASCII; the flag and the config key add to it.
        Ok(theme) => {
            let ascii = theme.ascii || cli.global.ascii || config.console.ascii;
            theme.with_ascii(ascii)
        }
        Err(error) => {
            eprintln!("mdops: {error:#}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = logging::init(&config.log) {
        eprintln!("mdops: {error:#}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mdops: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => run::console(&cli.global, &config, &theme, cli.record.as_deref(), cli.screen).await,
            Some(CliCommand::Snapshot(args)) => run::snapshot(&cli.global, &config, &theme, &args).await,
            Some(CliCommand::Slo(SloCommand::Rules)) => run::slo_rules(&config),
            Some(CliCommand::Action(args)) => action_cli::run(&cli.global, &config, &args).await,
            Some(CliCommand::Replay(args)) => record::replay::run(&cli.global, &config, &theme, &args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "mdops failed");
            eprintln!("mdops: {error:#}");
            ExitCode::FAILURE
        }
    }
}
