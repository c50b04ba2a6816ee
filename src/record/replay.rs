//! `mdops replay FILE`: the console loop with a recording in place of the
//! sources. No agent is started and nothing is reached over the network.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{Event as TermEvent, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use mdops_views::model::ReplayModel;
use mdops_views::{Theme, ViewState};
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::entry::{SloOrigin, Start};
use super::format::Reader;
use super::session::{Build, Session};
use crate::app::slos::{SloSource, SlosState};
use crate::app::{ActionSettings, App, AppConfig, IncidentSettings};
use crate::cli::{GlobalArgs, ReplayArgs};
use crate::config::Config;
use crate::console::ConsoleTerminal;

type FileSession = Session<BufReader<File>>;

pub async fn run(
    global: &GlobalArgs,
    config: &Config,
    theme: &Theme,
    args: &ReplayArgs,
) -> anyhow::Result<ExitCode> {
    let live = [
        ("--agent", &global.agent),
        ("--prometheus", &global.prometheus),
        ("--alertmanager", &global.alertmanager),
    ];
    if let Some((flag, _)) = live.iter().find(|(_, value)| value.is_some()) {
        anyhow::bail!("replay reads only the recording: {flag} does not apply");
    }
    let mut session = open(&args.file, config, args.speed)?;
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let fps = global.fps.unwrap_or(config.console.fps);
    let mut terminal = crate::console::init_terminal().context("taking over the terminal")?;
    let result = console(&mut terminal, &mut session, &name, theme, fps).await;
    crate::console::restore_terminal();
    for problem in session.problems() {
        eprintln!("mdops: {}: {problem}", args.file.display());
    }
    result.map(|()| ExitCode::SUCCESS)
}

/// The session over `path`, its header checked, at its first instant.
pub fn open(path: &Path, config: &Config, speed: f64) -> anyhow::Result<FileSession> {
    let build = builder(config)?;
    let file = path.to_path_buf();
    let open = Box::new(move || Reader::open(BufReader::new(File::open(&file)?)));
    Session::new(open, build, speed, std::time::Instant::now())
        .with_context(|| format!("replay {}", path.display()))
}

/// Builds the app a recording starts with: its header and SLO source, the
/// local config's SLO definitions and settings, and read-only.
pub fn builder(config: &Config) -> anyhow::Result<Build> {
    let set = Arc::new(crate::run::slo_set(config)?);
    let runbooks = Arc::new(config.actions.load_runbooks()?);
    let config = config.clone();
    Ok(Box::new(move |start: &Start, at_ms: i64| {
        let source = match &start.slo {
            SloOrigin::Local { every_ms } => SlosState::local(
                &set,
                Duration::from_secs(config.slo.retention_hours * 3600),
                config.slo.max_series,
                Duration::from_millis(*every_ms),
            ),
            SloOrigin::Prometheus { url } => SloSource::Prometheus { url: url.clone() },
        };
        // The recorded environment, as its target names it; the others
        // join from their recorded summaries.
        let environment =
            crate::environments::named_in_target(&start.target).unwrap_or(&config.console.environment);
        let app_config = AppConfig {
            target: start.target.clone(),
            environment: environment.to_string(),
            environments: vec![environment.to_string()],
            stale_after_ms: config.console.stale_after_ms,
            sources: start.sources.clone(),
            incidents: IncidentSettings {
                author: config.incidents.author(),
                read_only: true,
                ack_duration: Duration::from_secs(config.incidents.ack_minutes * 60),
                alertmanager: start.alertmanager.clone(),
            },
            actions: ActionSettings {
                runbooks: Arc::clone(&runbooks),
                role: config.actions.role,
                kube: None,
                agent_url: start.agent_url.clone(),
            },
        };
        App::new(app_config, SlosState::new(Arc::clone(&set), source), at_ms)
    }))
}

/// The select loop: terminal events, the replay's next due entry, the frame
/// timer. Like the live console, it draws only when something changed.
async fn console(
    terminal: &mut ConsoleTerminal,
    session: &mut FileSession,
    name: &str,
    theme: &Theme,
    fps: u32,
) -> anyhow::Result<()> {
    let frame_interval = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut events = EventStream::new();
    let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut view_state = ViewState::default();
    let mut last_frame: Option<Instant> = None;
    let mut frame_due: Option<Instant> = Some(Instant::now());

    while !session.app.should_quit() {
        let replay_due = session.next_due(std::time::Instant::now()).map(Instant::from_std);
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(TermEvent::Key(key))) => session.key(key, std::time::Instant::now())?,
                Some(Ok(TermEvent::Mouse(mouse))) => {
                    if let Some(mouse) = crate::console::mouse_msg(mouse, &view_state) {
                        session.mouse(mouse);
                    }
                }
                Some(Ok(TermEvent::Resize(..))) => frame_due = Some(Instant::now()),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error).context("reading terminal events"),
                None => break,
            },
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
            _ = interrupt.recv() => break,
            _ = sleep_until(replay_due) => session.tick(std::time::Instant::now())?,
            _ = sleep_until(frame_due) => {
                session.app.take_dirty();
                draw(terminal, session, name, theme, &mut view_state)?;
                last_frame = Some(Instant::now());
                frame_due = None;
            }
        }
        if frame_due.is_none() && session.app.take_dirty() {
            let earliest = last_frame.map_or_else(Instant::now, |at| at + frame_interval);
            frame_due = Some(earliest.max(Instant::now()));
        }
    }
    Ok(())
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn draw(
    terminal: &mut ConsoleTerminal,
    session: &FileSession,
    name: &str,
    theme: &Theme,
    view_state: &mut ViewState,
) -> anyhow::Result<()> {
    let at = chrono::DateTime::from_timestamp_millis(session.at_ms(std::time::Instant::now()))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let mut view = session.app.view();
    view.header.replay = Some(ReplayModel {
        file: name,
        at: &at,
        speed: session.speed(),
        paused: session.paused(),
    });
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| mdops_views::render(frame, &view, theme, view_state))?;
    crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()?;
    Ok(())
}
