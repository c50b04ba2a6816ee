//! Entry points of the binary's modes: the interactive console and the
//! one-shot snapshot.

use std::process::ExitCode;
use std::time::Duration;

use mdops_views::Theme;
use tokio::sync::mpsc;

use std::path::Path;
use std::sync::Arc;

use crate::app::{ActionSettings, App, AppConfig, IncidentSettings, Link, Msg, Screen, SourceId};
use crate::cli::{GlobalArgs, SnapshotArgs, SnapshotFormat};
use crate::config::Config;
use crate::slo::{SloSet, render_rules};
use crate::snapshot::Report;
use crate::sources::now_ms;
use crate::upstream::Upstream;

/// Room for bursts of tick frames while the UI draws.
const CHANNEL_CAPACITY: usize = 1024;
/// A snapshot waits for a health answer newer than a second of streaming;
/// polling faster than the console does keeps that wait short.
const SNAPSHOT_HEALTH_INTERVAL_MS: u64 = 250;
/// How long the stream must have been watched for rates to be known.
const SNAPSHOT_WATCH_MS: i64 = 1_000;
/// Width of the text snapshot.
const SNAPSHOT_WIDTH: u16 = 120;

/// The SLO definitions in use: the configured file, or the built-in ones.
pub fn slo_set(config: &Config) -> anyhow::Result<SloSet> {
    if config.slo.file.is_empty() {
        Ok(SloSet::embedded())
    } else {
        Ok(SloSet::load(Path::new(&config.slo.file))?)
    }
}

async fn start(
    global: &GlobalArgs,
    config: &Config,
) -> anyhow::Result<(App, Upstream, mpsc::Sender<Msg>, mpsc::Receiver<Msg>)> {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    let set = Arc::new(slo_set(config)?);
    let runbooks = Arc::new(config.actions.load_runbooks()?);
    let keymap = crate::app::keymap::Keymap::from_config(&config.keys).map_err(anyhow::Error::msg)?;
    keymap.check_runbooks(&runbooks).map_err(anyhow::Error::msg)?;
    let (upstream, slos) = Upstream::start(global, config, set, tx.clone()).await?;
    let app_config = AppConfig {
        target: upstream.target.clone(),
        environment: upstream.environments[upstream.active].name.clone(),
        environments: upstream.environments.iter().map(|e| e.name.clone()).collect(),
        stale_after_ms: config.console.stale_after_ms,
        sources: upstream.sources.clone(),
        incidents: IncidentSettings {
            author: config.incidents.author(),
            read_only: global.read_only,
            ack_duration: Duration::from_secs(config.incidents.ack_minutes * 60),
            alertmanager: upstream.alertmanager.as_ref().map(|c| c.base().to_string()),
        },
        actions: ActionSettings {
            runbooks,
            role: config.actions.role,
            kube: upstream
                .kube
                .as_ref()
                .map(|k| (k.context.clone(), k.namespace.clone())),
            agent_url: upstream.client.base().to_string(),
        },
    };
    let mut app = App::new(app_config, slos, now_ms());
    app.set_keymap(keymap);
    app.capacity = crate::app::capacity::CapacityState::new(config.capacity.clone());
    Ok((app, upstream, tx, rx))
}

/// `mdops slo rules`: the Prometheus rules for the SLOs in use.
pub fn slo_rules(config: &Config) -> anyhow::Result<ExitCode> {
    write_stdout(render_rules(&slo_set(config)?).trim_end())?;
    Ok(ExitCode::SUCCESS)
}

/// The interactive console, opening on `screen` (default: the overview);
/// with `record`, every source message also goes to that file.
pub async fn console(
    global: &GlobalArgs,
    config: &Config,
    theme: &Theme,
    record: Option<&Path>,
    screen: Option<Screen>,
) -> anyhow::Result<ExitCode> {
    let (mut app, mut upstream, tx, rx) = start(global, config).await?;
    // The console lands on the overview: every environment at a glance.
    app.screen = screen.unwrap_or(Screen::Overview);
    let (rx, recording) = match record {
        Some(path) => {
            let (rx, recording) =
                crate::record::recorder::tap(path, crate::record::entry::Start::of(&app), rx)?;
            (rx, Some(recording))
        }
        None => (rx, None),
    };
    let fps = global.fps.unwrap_or(config.console.fps);
    let mut terminal = anyhow::Context::context(crate::console::init_terminal(), "taking over the terminal")?;
    let theme = crate::console::Themes {
        current: theme.clone(),
        color: config.console.color,
    };
    let result = crate::console::run(&mut terminal, &mut app, &mut upstream, tx, rx, theme, fps).await;
    crate::console::restore_terminal();
    upstream.shutdown().await;
    if let Some(recording) = recording {
        eprintln!("mdops: {}", crate::record::recorder::finish(recording).await);
    }
    result.map(|()| ExitCode::SUCCESS)
}

pub async fn snapshot(
    global: &GlobalArgs,
    config: &Config,
    theme: &Theme,
    args: &SnapshotArgs,
) -> anyhow::Result<ExitCode> {
    let mut config = config.clone();
    config.agent.health_interval_ms = config.agent.health_interval_ms.min(SNAPSHOT_HEALTH_INTERVAL_MS);
    let (mut app, mut upstream, tx, mut rx) = start(global, &config).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(args.wait.max(0.0));
    while !snapshot_ready(&app) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                for command in app.update(msg) {
                    upstream.execute(command, &tx);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    app.update(Msg::Clock { now_ms: now_ms() });
    upstream.shutdown().await;
    let mut report = Report::from_app(&app);
    report.recent_actions = crate::snapshot_env::recent_actions(
        &config.actions.audit_path(),
        crate::snapshot_env::RECENT_ACTIONS,
    )?;
    let output = match args.format {
        SnapshotFormat::Json => report.to_json(),
        SnapshotFormat::Markdown => report.to_markdown(),
        SnapshotFormat::Text => report.to_text(&app, theme, SNAPSHOT_WIDTH),
    };
    write_stdout(&output)?;
    let unreachable: Vec<String> = app
        .config
        .sources
        .iter()
        .filter(|id| app.sources[id].last_message_ms.is_none())
        .map(|&id| match &app.sources[&id].link {
            Link::Reconnecting { last_error, .. } => format!("{} ({last_error})", id.name()),
            _ => format!("{} (no answer within {}s)", id.name(), args.wait),
        })
        .collect();
    if unreachable.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("mdops: could not reach: {}", unreachable.join(", "));
        Ok(ExitCode::FAILURE)
    }
}

/// Every configured source has answered, the stream has been watched long
/// enough for rates, the health answer is newer than that, and the panels
/// have their first data.
fn snapshot_ready(app: &App) -> bool {
    let answered = app
        .config
        .sources
        .iter()
        .all(|id| app.sources[id].last_message_ms.is_some());
    let watched_until = app.sources[&SourceId::AgentStream]
        .connected_since_ms
        .map(|since| since + SNAPSHOT_WATCH_MS);
    let health_fresh = app
        .health_at_ms
        .zip(watched_until)
        .is_some_and(|(at, until)| at >= until);
    let priced = !app.prices.symbols.is_empty()
        && app
            .prices
            .symbols
            .values()
            .all(|s| s.quote.is_some() && s.rate.per_second(app.now_ms).is_some());
    let detail_done = app
        .prices
        .detail
        .as_ref()
        .is_none_or(|d| d.bars != crate::app::prices::BarsData::Loading);
    let slo_figures = app.slos.updated_at_ms.is_some();
    let cluster_backups = app.cluster.is_none() || app.dr.kube.is_some();
    let summarised = app.environments.entries.len() < 2
        || app.environments.entries.iter().all(|e| e.polled_at_ms.is_some());
    let forecast = app.capacity.updated_at_ms.is_some();
    answered
        && health_fresh
        && priced
        && detail_done
        && slo_figures
        && cluster_backups
        && summarised
        && forecast
}

/// Prints the report; a closed pipe (`mdops snapshot | head`) is not an error.
fn write_stdout(output: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}
