//! A replay session: the `App` driven by a recording instead of sources.
//! No terminal and no network: the runtime passes keys and wall time in
//! and draws `app`. Entries are applied at their recorded times scaled by
//! the speed; `Msg::Clock` comes from the replay clock, so ages and
//! staleness show as they were. Seeking back rebuilds the app by replaying
//! from the start, without drawing.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use market_data_agent::api::{Bar, BarInterval};

use super::clock::ReplayClock;
use super::entry::{Entry, Event, SourceMsg, Start};
use super::format::{OpenError, Problem, Reader};
use crate::actions::engine::Outcome;
use crate::app::{App, Command, Msg};

/// Why every action fails in a replay.
pub const REFUSED: &str = "refused: a replay is read-only, nothing here is live";
/// What `[` `]` and `{` `}` move by.
const SEEK_SHORT_MS: i64 = 60_000;
const SEEK_LONG_MS: i64 = 600_000;

/// Opens the recording from its first byte.
pub type Open<R> = Box<dyn FnMut() -> Result<Reader<R>, OpenError>>;
/// A fresh app for a recording's start, at a given recorded time.
pub type Build = Box<dyn Fn(&Start, i64) -> App>;

pub struct Session<R> {
    pub app: App,
    start: Start,
    /// A fresh app for the recording's start, at a given time.
    build: Build,
    /// Opens the recording from its first byte.
    open: Open<R>,
    reader: Reader<R>,
    /// Read ahead: the next entry to apply; `None` at the end.
    next: Option<Entry>,
    /// Recorded time of the start frame.
    start_ms: i64,
    /// Recorded time of the last entry applied.
    applied_ms: i64,
    clock: ReplayClock,
    /// The newest bars recorded per symbol and interval: this viewer's bar
    /// requests are answered from them.
    bars: HashMap<(String, BarInterval), Result<Vec<Bar>, String>>,
    /// The last `Msg::Clock` sent, in whole recorded seconds.
    clock_sent_s: i64,
    /// Problems met in the file, each reported once.
    problems: Vec<Problem>,
}

impl<R: std::io::Read> Session<R> {
    /// Opens the recording and shows its first instant, playing at `speed`.
    pub fn new(mut open: Open<R>, build: Build, speed: f64, now: Instant) -> anyhow::Result<Session<R>> {
        let (reader, start, start_ms) = open_at_start(&mut open)?;
        let mut session = Session {
            app: build(&start, start_ms),
            start,
            build,
            open,
            reader,
            next: None,
            start_ms,
            applied_ms: start_ms,
            clock: ReplayClock::new(start_ms, speed, now),
            bars: HashMap::new(),
            clock_sent_s: start_ms.div_euclid(1000),
            problems: Vec::new(),
        };
        session.read_next()?;
        session.tick(now)?;
        Ok(session)
    }

    /// Applies what is due at `now`.
    pub fn tick(&mut self, now: Instant) -> anyhow::Result<()> {
        let at = self.clock.at(now);
        self.apply_until(at)?;
        if self.next.is_none() && !self.clock.paused() {
            self.clock.set(self.applied_ms, now);
            self.clock.set_paused(true, now);
            self.notice("end of the recording: 0 goes back to its start, [ and { seek back".to_string());
        }
        self.send_clock(self.clock.at(now), false);
        Ok(())
    }

    /// When `tick` has something to do next (an entry or a clock second);
    /// `None` while paused.
    pub fn next_due(&self, now: Instant) -> Option<Instant> {
        let next_second = (self.clock_sent_s + 1) * 1000;
        let next_entry = self
            .next
            .as_ref()
            .map_or(next_second, |e| e.at_ms.min(next_second));
        self.clock.wall_time_of(next_entry, now)
    }

    /// Replay keys act on the replay; every other key goes to the app, as do
    /// all keys while the app takes text (a filter, a dialog, the palette).
    pub fn key(&mut self, key: KeyEvent, now: Instant) -> anyhow::Result<()> {
        if key.kind == KeyEventKind::Release || self.app_takes_text() {
            self.dispatch(Msg::Key(key));
            return Ok(());
        }
        let at = self.clock.at(now);
        match key.code {
            KeyCode::Char(' ') => {
                let paused = !self.clock.paused();
                self.clock.set_paused(paused, now);
            }
            KeyCode::Char('.') => self.step(now)?,
            KeyCode::Char('+') => self.clock.scale_speed(2.0, now),
            KeyCode::Char('-') => self.clock.scale_speed(0.5, now),
            KeyCode::Char('[') => self.seek(at - SEEK_SHORT_MS, now)?,
            KeyCode::Char(']') => self.seek(at + SEEK_SHORT_MS, now)?,
            KeyCode::Char('{') => self.seek(at - SEEK_LONG_MS, now)?,
            KeyCode::Char('}') => self.seek(at + SEEK_LONG_MS, now)?,
            KeyCode::Char('^') => self.seek(self.start_ms, now)?,
            _ => {
                self.dispatch(Msg::Key(key));
                return Ok(());
            }
        }
        // The header shows the replay state: draw it.
        self.dispatch(Msg::Clock {
            now_ms: self.clock.at(now),
        });
        Ok(())
    }

    /// A click or wheel step: it acts on the app as in the live console.
    pub fn mouse(&mut self, mouse: crate::app::mouse::MouseMsg) {
        self.dispatch(Msg::Mouse(mouse));
    }

    /// Pauses, and applies the next entry alone.
    pub fn step(&mut self, now: Instant) -> anyhow::Result<()> {
        self.clock.set_paused(true, now);
        match self.next.take() {
            Some(entry) => {
                let at = entry.at_ms;
                self.apply(entry);
                self.read_next()?;
                self.clock.set(at, now);
                self.send_clock(at, true);
            }
            None => self.notice("end of the recording".to_string()),
        }
        Ok(())
    }

    /// Shows recorded instant `target_ms` (within the recording).
    pub fn seek(&mut self, target_ms: i64, now: Instant) -> anyhow::Result<()> {
        let target = target_ms.max(self.start_ms);
        if target < self.applied_ms {
            self.rewind()?;
        }
        self.apply_until(target)?;
        let shown = if self.next.is_none() {
            self.applied_ms.min(target)
        } else {
            target
        };
        self.clock.set(shown, now);
        self.send_clock(shown, true);
        Ok(())
    }

    pub fn at_ms(&self, now: Instant) -> i64 {
        self.clock.at(now)
    }

    pub fn speed(&self) -> f64 {
        self.clock.speed()
    }

    pub fn paused(&self) -> bool {
        self.clock.paused()
    }

    pub fn start(&self) -> &Start {
        &self.start
    }

    /// Problems met in the file so far.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Back to the start: a fresh app, the file from its first frame. The
    /// screen and selections the viewer chose stay.
    fn rewind(&mut self) -> anyhow::Result<()> {
        let (reader, _, _) = open_at_start(&mut self.open)?;
        let mut app = (self.build)(&self.start, self.start_ms);
        app.screen = self.app.screen;
        app.prices.selected = self.app.prices.selected.take();
        app.prices.interval = self.app.prices.interval;
        app.prices.sort = self.app.prices.sort;
        app.prices.descending = self.app.prices.descending;
        app.prices.filter = std::mem::take(&mut self.app.prices.filter);
        app.slos.selected = self.app.slos.selected;
        app.slos.filter = std::mem::take(&mut self.app.slos.filter);
        app.timeline.keep_view(&mut self.app.timeline);
        self.app = app;
        self.reader = reader;
        self.applied_ms = self.start_ms;
        self.bars.clear();
        self.read_next()
    }

    fn apply_until(&mut self, until_ms: i64) -> anyhow::Result<()> {
        while self.next.as_ref().is_some_and(|e| e.at_ms <= until_ms) {
            let entry = self.next.take().expect("checked above");
            self.apply(entry);
            self.read_next()?;
        }
        Ok(())
    }

    fn apply(&mut self, entry: Entry) {
        self.applied_ms = self.applied_ms.max(entry.at_ms);
        match entry.event {
            Event::Msg(msg) => {
                if let SourceMsg::Bars {
                    symbol,
                    interval,
                    result,
                } = &msg
                {
                    self.bars.insert((symbol.clone(), *interval), result.clone());
                }
                self.dispatch(msg.into_msg());
            }
            Event::Gap { dropped } => self.notice(format!(
                "the recording lost {dropped} messages here (its disk fell behind)"
            )),
            // Only the first frame is a start; `open_at_start` took it.
            Event::Start(_) => {}
        }
    }

    /// Updates the app and answers its commands: bars from the recording,
    /// actions refused.
    fn dispatch(&mut self, msg: Msg) {
        let mut queue = VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for command in self.app.update(msg) {
                queue.extend(self.answer(command));
            }
        }
    }

    fn answer(&self, command: Command) -> Option<Msg> {
        match command {
            Command::FetchBars { symbol, interval } => {
                let result = self
                    .bars
                    .get(&(symbol.clone(), interval))
                    .cloned()
                    .unwrap_or_else(|| {
                        Err(format!(
                            "no {} bars of {symbol} recorded up to here",
                            interval.as_str()
                        ))
                    });
                Some(Msg::Bars {
                    symbol,
                    interval,
                    result,
                })
            }
            Command::Act(plan) => Some(Msg::ActionDone {
                label: plan.label,
                result: Err(REFUSED.to_string()),
            }),
            Command::Run { id, .. } => Some(Msg::RunDone {
                id,
                outcome: Outcome {
                    ok: false,
                    summary: REFUSED.to_string(),
                    duration: Duration::ZERO,
                },
            }),
            // Nothing ran, so there is nothing to audit.
            Command::RecordVerification { .. } => None,
            // The recording carries the DR answers as they came.
            Command::FetchDr | Command::SwitchEnvironment(_) => None,
            // The recording holds the forecasts the session made.
            Command::ForecastCapacity(_) => None,
        }
    }

    fn send_clock(&mut self, at_ms: i64, force: bool) {
        let second = at_ms.div_euclid(1000);
        if force || second != self.clock_sent_s {
            self.clock_sent_s = second;
            self.dispatch(Msg::Clock { now_ms: at_ms });
        }
    }

    fn read_next(&mut self) -> anyhow::Result<()> {
        self.next = self.reader.next_entry().context("reading the recording")?;
        // A rewind reads the same problems again: report only new ones.
        let seen = self.problems.len();
        let new: Vec<Problem> = self.reader.problems().iter().skip(seen).cloned().collect();
        for problem in new {
            tracing::warn!(%problem, "recording");
            self.notice(format!("recording: {problem}"));
            self.problems.push(problem);
        }
        Ok(())
    }

    fn notice(&mut self, text: String) {
        self.app.notice = Some((text, self.app.now_ms));
    }

    fn app_takes_text(&self) -> bool {
        self.app.dialog.is_some()
            || self.app.runbooks.palette.is_some()
            || self.app.runbooks.output.is_some()
            || self.app.prices.filter_editing
            || self.app.incidents.filter_editing
            || self.app.slos.filter_editing
            || self.app.cluster.as_ref().is_some_and(|c| c.filter_editing)
            || self.app.nav.command.is_some()
            || self.app.timeline.filter_editing
    }
}

/// The reader past the start frame, the start, and its time.
fn open_at_start<R: std::io::Read>(open: &mut Open<R>) -> anyhow::Result<(Reader<R>, Start, i64)> {
    let mut reader = open()?;
    match reader.next_entry().context("reading the recording")? {
        Some(Entry {
            at_ms,
            event: Event::Start(start),
        }) => Ok((reader, start, at_ms)),
        Some(_) => anyhow::bail!("the recording does not begin with its start frame"),
        None => match reader.problems().first() {
            Some(problem) => anyhow::bail!("nothing recorded: {problem}"),
            None => anyhow::bail!("nothing recorded"),
        },
    }
}
