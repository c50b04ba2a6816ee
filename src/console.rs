//! The interactive console: one select loop over terminal events, source
//! messages and a frame timer. It draws only when state changed, at most
//! `fps` times a second, inside synchronized updates so nothing tears.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, MouseButton, MouseEvent, MouseEventKind,
};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use mdops_views::{Theme, ViewState};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::app::mouse::{MouseAction, MouseMsg};
use crate::app::{App, Msg};
use crate::sgr::SgrWriter;
use crate::sources::now_ms;
use crate::upstream::Upstream;

/// The theme drawn with, and the colour depth a theme `:theme` asks for
/// is loaded at.
pub struct Themes {
    pub current: Theme,
    pub color: crate::config::ColorMode,
}

impl Themes {
    /// Loads the theme the app asked for, if any; a failure goes to the
    /// status line and the current theme stays.
    fn follow(&mut self, app: &mut App) {
        let Some(name) = app.take_theme_request() else {
            return;
        };
        match crate::appearance::load_theme(&name, self.color) {
            Ok(theme) => self.current = theme,
            Err(error) => app.notice = Some((format!("theme {name}: {error:#}"), app.now_ms)),
        }
    }
}

/// Messages applied before a frame is considered, so a burst of tick frames
/// costs one draw rather than one per frame.
const MAX_MSGS_PER_TURN: usize = 256;

/// The console's terminal: crossterm on stdout, its colour escapes made
/// readable by 16-colour terminals.
pub type ConsoleTerminal = Terminal<CrosstermBackend<SgrWriter<std::io::Stdout>>>;

pub async fn run(
    terminal: &mut ConsoleTerminal,
    app: &mut App,
    upstream: &mut Upstream,
    tx: mpsc::Sender<Msg>,
    mut rx: mpsc::Receiver<Msg>,
    mut theme: Themes,
    fps: u32,
) -> anyhow::Result<()> {
    let frame_interval = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut events = EventStream::new();
    let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut view_state = ViewState::default();
    let mut last_frame: Option<Instant> = None;
    let mut frame_due: Option<Instant> = Some(Instant::now());
    let mut switches = upstream.take_switches();

    while !app.should_quit() {
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => dispatch(app, upstream, &tx, Msg::Key(key)),
                Some(Ok(Event::Mouse(mouse))) => {
                    if let Some(mouse) = mouse_msg(mouse, &view_state) {
                        dispatch(app, upstream, &tx, Msg::Mouse(mouse));
                    }
                }
                Some(Ok(Event::Resize(..))) => frame_due = Some(Instant::now()),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error).context("reading terminal events"),
                None => break,
            },
            Some(msg) = rx.recv() => {
                dispatch(app, upstream, &tx, msg);
                for _ in 1..MAX_MSGS_PER_TURN {
                    match rx.try_recv() {
                        Ok(msg) => dispatch(app, upstream, &tx, msg),
                        Err(_) => break,
                    }
                }
            }
            // A signal ends the loop like `q` does, so the terminal is restored.
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
            _ = interrupt.recv() => break,
            Some(session) = next_switch(&mut switches) => upstream.adopt(session, &tx),
            _ = clock.tick() => dispatch(app, upstream, &tx, Msg::Clock { now_ms: now_ms() }),
            _ = sleep_until(frame_due) => {
                app.take_dirty();
                theme.follow(app);
                draw(terminal, app, &theme.current, &mut view_state)?;
                last_frame = Some(Instant::now());
                frame_due = None;
            }
        }
        if frame_due.is_none() && app.take_dirty() {
            let earliest = last_frame.map_or_else(Instant::now, |at| at + frame_interval);
            frame_due = Some(earliest.max(Instant::now()));
        }
    }
    Ok(())
}

/// Takes over the terminal as `ratatui::init` does (raw mode, alternate
/// screen, a panic hook that restores them) and captures the mouse; the
/// panic hook releases the mouse first, so a crash leaves a usable shell.
pub fn init_terminal() -> std::io::Result<ConsoleTerminal> {
    drop(ratatui::init());
    let restore = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        restore(info);
    }));
    // Without mouse reporting the console still works by keys.
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    Terminal::new(CrosstermBackend::new(SgrWriter::new(std::io::stdout())))
        .inspect_err(|_| restore_terminal())
}

/// Undoes [`init_terminal`].
pub fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// A click or wheel step over something the last frame drew; moves, drags
/// and other buttons do nothing.
pub(crate) fn mouse_msg(mouse: MouseEvent, view_state: &ViewState) -> Option<MouseMsg> {
    let action = match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseAction::Click,
        MouseEventKind::ScrollUp => MouseAction::ScrollUp,
        MouseEventKind::ScrollDown => MouseAction::ScrollDown,
        _ => return None,
    };
    let hit = view_state.hit(mouse.column, mouse.row)?;
    Some(MouseMsg { hit, action })
}

fn dispatch(app: &mut App, upstream: &mut Upstream, tx: &mpsc::Sender<Msg>, msg: Msg) {
    for command in app.update(msg) {
        upstream.execute(command, tx);
    }
}

/// The next environment a switch started; never, once there are none.
async fn next_switch(
    switches: &mut Option<mpsc::UnboundedReceiver<crate::upstream::Session>>,
) -> Option<crate::upstream::Session> {
    match switches {
        Some(switches) => switches.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn draw(
    terminal: &mut ConsoleTerminal,
    app: &App,
    theme: &Theme,
    view_state: &mut ViewState,
) -> anyhow::Result<()> {
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| mdops_views::render(frame, &app.view(), theme, view_state))?;
    crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()?;
    Ok(())
}
