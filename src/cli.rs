//! Command line (the contract in DESIGN.md). Secrets never come from flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mdops",
    version,
    about = "On-call console for the Market Data Agent",
    long_about = "On-call console for the Market Data Agent.\n\n\
        With no --agent, mdops starts the agent in-process on 127.0.0.1 with a simulated \
        feed, so `mdops` alone shows live data. Press ? inside the console for the keys."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Record every message the sources deliver to FILE (a new file), for
    /// `mdops replay FILE`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// The screen the console opens on, by name (overview, prices, slos,
    /// incidents, capacity, dr, cluster, timeline). Default: overview.
    #[arg(long, value_name = "NAME", value_parser = parse_screen)]
    pub screen: Option<crate::app::Screen>,

    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Options shared by the console and every subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Base URL of a running agent (e.g. http://127.0.0.1:8080). Default: start one in-process.
    #[arg(long, value_name = "URL", global = true)]
    pub agent: Option<String>,

    /// Prometheus base URL (e.g. http://127.0.0.1:9090) for SLO figures. Default: mdops
    /// scrapes the agent's /metrics itself.
    #[arg(long, value_name = "URL", global = true)]
    pub prometheus: Option<String>,

    /// Alertmanager base URL (e.g. http://127.0.0.1:9093): its alerts join the agent's
    /// incidents on the incidents screen, with ack and silence.
    #[arg(long, value_name = "URL", global = true)]
    pub alertmanager: Option<String>,

    /// Kubernetes context for the cluster screen and kube actions (kubeconfig as kubectl reads it).
    #[arg(long, value_name = "NAME", global = true)]
    pub kube_context: Option<String>,

    /// Kubernetes namespace of the agent (default: the context's, else `default`).
    #[arg(long, value_name = "NS", global = true)]
    pub namespace: Option<String>,

    /// Refuse every action that changes something (ack, resolve, silence, expire):
    /// look, don't touch.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Config file. Default: $XDG_CONFIG_HOME/mdops/config.toml when it exists.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Colour theme: default, high-contrast, monochrome, or a path to a theme TOML file.
    #[arg(long, value_name = "NAME", global = true)]
    pub theme: Option<String>,

    /// The environment to start on, or `mdops action` acts on (a `[[environments]]` name). Default: the first.
    #[arg(long, value_name = "NAME", global = true)]
    pub env: Option<String>,
    /// ASCII only: no Unicode blocks, braille, arrows or box drawing, for poor
    /// fonts (same as `ascii = true` in the config or the theme).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Maximum frames drawn per second (nothing is drawn while nothing changes).
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Print every panel once and exit: for scripts, tickets and chat.
    Snapshot(SnapshotArgs),
    /// SLO tooling.
    #[command(subcommand)]
    Slo(SloCommand),
    /// Run one runbook action without the TUI: the same checks, confirmation,
    /// audit log and engine as the console's palette.
    Action(ActionArgs),
    /// Replay a recording made with `mdops --record FILE`: the same screens,
    /// with pause, step, speed and seek; nothing live is reached.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording.
    pub file: PathBuf,

    /// Recorded seconds per second, more than 0 and at most 1000.
    #[arg(long, value_name = "N", default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
}

fn parse_screen(text: &str) -> Result<crate::app::Screen, String> {
    use crate::app::Screen;
    Screen::ALL
        .into_iter()
        .find(|s| s.title().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            let names: Vec<String> = Screen::ALL.iter().map(|s| s.title().to_lowercase()).collect();
            format!("unknown screen {text:?}: one of {}", names.join(", "))
        })
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
    if speed > 0.0 && speed <= crate::record::clock::MAX_SPEED {
        Ok(speed)
    } else {
        Err(format!(
            "{text} is out of range: more than 0 and at most {}",
            crate::record::clock::MAX_SPEED
        ))
    }
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    /// The action's name in the runbooks (`mdops action --list` shows them).
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,

    /// What it acts on: a deployment, pod, source or incident, per the action's scope.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,

    /// A prompt's value, e.g. `--param replicas=3` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,

    /// Confirm without asking (a destructive action included).
    #[arg(long)]
    pub yes: bool,

    /// Ask the API to validate without changing anything (server-side dry run).
    #[arg(long)]
    pub dry_run: bool,

    /// List the actions and exit.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// Print Prometheus recording and alerting rules (Sloth-compatible names)
    /// for the SLO definitions in use.
    Rules,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SnapshotFormat::Text)]
    pub format: SnapshotFormat,

    /// Longest wait for first data from every configured source, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub wait: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    Text,
    Markdown,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn snapshot_takes_format_and_global_flags() {
        let cli = Cli::parse_from(["mdops", "snapshot", "--format", "json", "--agent", "http://h:1"]);
        assert_eq!(cli.global.agent.as_deref(), Some("http://h:1"));
        match cli.command {
            Some(CliCommand::Snapshot(args)) => assert_eq!(args.format, SnapshotFormat::Json),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn replay_takes_a_file_and_a_speed_within_bounds() {
        let cli = Cli::parse_from(["mdops", "replay", "incident.mdrec", "--speed", "10"]);
        match cli.command {
            Some(CliCommand::Replay(args)) => {
                assert_eq!(args.file, PathBuf::from("incident.mdrec"));
                assert_eq!(args.speed, 10.0);
            }
            other => panic!("unexpected {other:?}"),
        }
        for bad in ["0", "-1", "1001", "fast", "NaN"] {
            let flag = format!("--speed={bad}");
            let error = Cli::try_parse_from(["mdops", "replay", "f", &flag]).unwrap_err();
            assert!(error.to_string().contains("--speed"), "{bad}: {error}");
        }
    }

    #[test]
    fn record_takes_a_file() {
        let cli = Cli::parse_from(["mdops", "--record", "session.mdrec"]);
        assert_eq!(cli.record, Some(PathBuf::from("session.mdrec")));
    }

    #[test]
    fn screen_and_env_are_taken_and_an_unknown_screen_is_named() {
        let cli = Cli::parse_from(["mdops", "--screen", "Prices", "--env", "prod-eu"]);
        assert_eq!(cli.screen, Some(crate::app::Screen::Prices));
        assert_eq!(cli.global.env.as_deref(), Some("prod-eu"));
        let error = Cli::try_parse_from(["mdops", "--screen", "charts"]).unwrap_err();
        assert!(error.to_string().contains("one of overview, prices"), "{error}");
    }

    #[test]
    fn fps_out_of_range_is_rejected() {
        assert!(Cli::try_parse_from(["mdops", "--fps", "0"]).is_err());
    }
}
