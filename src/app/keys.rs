//! Keyboard handling. The help overlay and the README's key table are both
//! generated from `HELP`, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use market_data_agent::api::BarInterval;
use mdops_views::model::PriceColumn;

use super::keymap::Action;
use super::{App, Command, Screen};

/// Every key the console understands, by section.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Global",
        &[
            ("0-7", "switch screen"),
            ("Tab / Shift-Tab", "next / previous screen"),
            (
                "mouse",
                "click a tab, a row or an overview tile; the wheel scrolls the list under it",
            ),
            ("?", "toggle this help"),
            (
                ":",
                "command mode: screen, env NAME, theme NAME, action (Tab completes)",
            ),
            ("x", "action palette: runbook actions, their keys, what they need"),
            ("f", "freeze updates (held, applied when f is pressed again)"),
            ("e", "expand the focused panel (e / Esc restores)"),
            ("q / Ctrl-C", "quit"),
        ],
    ),
    (
        "Overview",
        &[
            ("j k / Down Up", "select tile"),
            ("h l / Left Right", "select environment"),
            ("Enter", "open the tile's screen (switching environment first)"),
        ],
    ),
    (
        "Prices",
        &[
            ("j k / Down Up", "move selection"),
            ("PgDn PgUp", "move by a page"),
            ("g G / Home End", "first / last row"),
            ("/", "filter symbols (Enter keeps, Esc clears; ~ starts a regex)"),
            ("s / S", "sort by next column / reverse order"),
            ("i", "detail chart interval 1s / 1m"),
            ("Esc", "clear filter, close help"),
        ],
    ),
    (
        "SLOs",
        &[
            ("j k / Down Up", "select SLO"),
            ("g G / Home End", "first / last SLO"),
            ("/", "filter by name or service (Enter keeps, Esc clears)"),
        ],
    ),
    (
        "Incidents",
        &[
            ("j k / Down Up", "select incident"),
            ("PgDn PgUp / g G", "by a page / first / last"),
            ("/", "filter (Enter keeps, Esc clears)"),
            ("r", "show / hide resolved"),
            ("a", "acknowledge (agent ack; ACK silence on alerts)"),
            ("s", "silence alerts (prompt: duration, comment, matchers)"),
            ("E", "expire a silence of the incident"),
            ("R", "resolve the agent incidents"),
        ],
    ),
    (
        "Cluster",
        &[
            ("j k / Down Up", "select in the focused pane"),
            ("h l / Left Right", "focus deployments / pods / events"),
            ("PgDn PgUp / g G", "by a page / first / last"),
            ("/", "filter every pane (Enter keeps, Esc clears)"),
        ],
    ),
    (
        "Capacity",
        &[
            ("j k / Down Up", "select resource (its chart below)"),
            ("g G / Home End", "first / last resource"),
        ],
    ),
    (
        "Timeline",
        &[
            ("j k / Down Up", "select event (newest first)"),
            ("PgDn PgUp / g G", "by a page / newest / oldest"),
            (
                "s a i c u",
                "show / hide SLO, alert, incident, kube, action events",
            ),
            ("E", "environment: all, then each in turn"),
            ("/", "filter (Enter keeps, Esc clears)"),
            ("Enter", "go to the event's screen"),
        ],
    ),
    (
        "DR",
        &[
            ("b", "take a backup now (runbook backup-now: confirmed, audited)"),
            (
                "d",
                "run a restore drill (runbook restore-drill: confirmed, audited)",
            ),
        ],
    ),
    (
        "Dialogs",
        &[
            ("Enter", "confirm"),
            ("Esc", "cancel"),
            ("Tab / Shift-Tab", "next / previous field"),
        ],
    ),
    (
        "Replay",
        &[
            ("Space", "pause / resume (mdops replay)"),
            (".", "step one message, paused"),
            ("+ / -", "speed x2 / half"),
            ("[ / ]", "seek back / forward 1 minute"),
            ("{ / }", "seek back / forward 10 minutes"),
            ("^", "back to the start"),
        ],
    ),
];

/// A status-line hint's key: an action's, shown as bound now, or a key the
/// keymap does not rebind.
#[derive(Debug, Clone, Copy)]
pub enum HintKey {
    Action(Action),
    /// Two actions' first keys, `j/k`.
    Pair(Action, Action),
    Fixed(&'static str),
    /// The screen keys: `0-7` while they are the defaults.
    Screens,
}

/// The status line's hints on `screen`: what is worth remembering there,
/// the screen's own keys first.
pub fn status_hints(screen: Screen) -> &'static [(HintKey, &'static str)] {
    use Action::*;
    use HintKey::{Fixed, Pair, Screens};
    const HELP: (HintKey, &str) = (HintKey::Action(Help), "help");
    const QUIT: (HintKey, &str) = (HintKey::Action(Quit), "quit");
    match screen {
        Screen::Overview => &[
            HELP,
            (Screens, "screens"),
            (Pair(Down, Up), "tile"),
            (Pair(FocusPrevious, FocusNext), "environment"),
            (Fixed("Enter"), "open"),
            QUIT,
        ],
        Screen::Prices => &[
            HELP,
            (Screens, "screens"),
            (HintKey::Action(Filter), "filter"),
            (HintKey::Action(Sort), "sort"),
            (HintKey::Action(Interval), "interval"),
            QUIT,
        ],
        Screen::Slos => &[
            HELP,
            (Screens, "screens"),
            (Pair(Down, Up), "select"),
            (Fixed("/"), "filter"),
            QUIT,
        ],
        Screen::Incidents => &[
            HELP,
            (HintKey::Action(Ack), "ack"),
            (HintKey::Action(Silence), "silence"),
            (HintKey::Action(Expire), "expire"),
            (HintKey::Action(Resolve), "resolve"),
            (HintKey::Action(ShowResolved), "resolved"),
            (HintKey::Action(IncidentFilter), "filter"),
            QUIT,
        ],
        Screen::Capacity => &[
            HELP,
            (Screens, "screens"),
            (Pair(Down, Up), "resource"),
            (HintKey::Action(Expand), "chart"),
            QUIT,
        ],
        Screen::Dr => &[
            HELP,
            (HintKey::Action(Backup), "backup now"),
            (HintKey::Action(Drill), "restore drill"),
            QUIT,
        ],
        Screen::Cluster => &[
            HELP,
            (Screens, "screens"),
            (Pair(FocusPrevious, FocusNext), "pane"),
            (Pair(Down, Up), "select"),
            (Fixed("/"), "filter"),
            QUIT,
        ],
        Screen::Timeline => &[
            HELP,
            (Fixed("s a i c u"), "kinds"),
            (Fixed("E"), "env"),
            (Fixed("/"), "filter"),
            (Fixed("Enter"), "go to"),
            QUIT,
        ],
    }
}

/// Hints inside a dialog.
pub const DIALOG_HINTS: &[(&str, &str)] = &[("Enter", "confirm"), ("Esc", "cancel"), ("Tab", "next field")];

const PAGE: isize = 10;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            self.dirty = false;
            return Vec::new();
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c')) {
            self.should_quit = true;
            return Vec::new();
        }
        if self.dialog.is_some() {
            return self.on_dialog_key(key);
        }
        if self.runbooks.palette.is_some() {
            return self.on_palette_key(key);
        }
        if self.runbooks.output.is_some() {
            if matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) {
                self.runbooks.output = None;
            } else {
                self.dirty = false;
            }
            return Vec::new();
        }
        if self.prices.filter_editing {
            return self.on_filter_key(key);
        }
        if self.incidents.filter_editing {
            self.on_incident_filter_key(key);
            return Vec::new();
        }
        if self.on_list_filter_key(key) {
            return Vec::new();
        }
        if self.timeline.filter_editing {
            self.on_timeline_filter_key(key);
            return Vec::new();
        }
        if self.show_help {
            if self.closes_help(&key) {
                self.show_help = false;
            }
            return Vec::new();
        }
        if let Some(commands) = self.on_mapped_key(key) {
            return commands;
        }
        match key.code {
            KeyCode::Char(c) if let Some(name) = self.runbook_key(c) => return self.start_action(&name),
            _ if self.screen == Screen::Overview => return self.on_overview_key(key),
            _ if self.screen == Screen::Prices => return self.on_prices_key(key),
            _ if self.screen == Screen::Slos => self.on_slos_key(key),
            _ if self.screen == Screen::Incidents => self.on_incidents_key(key),
            _ if self.screen == Screen::Cluster => self.on_cluster_key(key),
            _ if self.screen == Screen::Dr => return self.on_dr_key(key),
            _ if self.screen == Screen::Capacity => self.on_capacity_key(key),
            _ if self.screen == Screen::Timeline => self.on_timeline_key(key),
            _ => self.dirty = false,
        }
        Vec::new()
    }

    pub(super) fn on_incidents_key(&mut self, key: KeyEvent) {
        use super::dialog::Dialog;
        let incidents = &mut self.incidents;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => incidents.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => incidents.move_selection(-1),
            KeyCode::PageDown => incidents.move_selection(PAGE),
            KeyCode::PageUp => incidents.move_selection(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => incidents.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => incidents.move_selection(isize::MAX),
            KeyCode::Char('/') => incidents.filter_editing = true,
            KeyCode::Char('r') => {
                incidents.show_resolved = !incidents.show_resolved;
                incidents.follow_selection();
            }
            KeyCode::Esc => {
                incidents.filter.clear();
                incidents.follow_selection();
            }
            KeyCode::Char('a') => self.open_dialog("acknowledge", Dialog::ack),
            KeyCode::Char('s') => self.open_dialog("silence", |row, state, _| Dialog::silence(row, state)),
            KeyCode::Char('E') => self.open_dialog("expire", |row, state, _| Dialog::expire(row, state)),
            KeyCode::Char('R') => self.open_dialog("resolve", |row, _, ctx| Dialog::resolve(row, ctx)),
            _ => self.dirty = false,
        }
    }

    fn on_incident_filter_key(&mut self, key: KeyEvent) {
        let incidents = &mut self.incidents;
        match key.code {
            KeyCode::Enter => incidents.filter_editing = false,
            KeyCode::Esc => {
                incidents.filter_editing = false;
                incidents.filter.clear();
            }
            KeyCode::Backspace => {
                incidents.filter.pop();
            }
            KeyCode::Char(c) if !c.is_control() => incidents.filter.push(c),
            _ => {}
        }
        incidents.follow_selection();
    }

    /// Keys while a dialog is open: it takes them all, so a key meant for a
    /// field never acts on the screen behind it.
    fn on_dialog_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(dialog) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if key.code == KeyCode::Esc {
            self.dialog = None;
            return Vec::new();
        }
        if dialog.busy {
            self.dirty = false;
            return Vec::new();
        }
        match key.code {
            KeyCode::Enter => return self.confirm_dialog(),
            KeyCode::Tab | KeyCode::Down => dialog.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => dialog.move_focus(false),
            KeyCode::Backspace => {
                if let Some(value) = dialog.focused_mut() {
                    value.pop();
                }
            }
            KeyCode::Char(c) if !c.is_control() => {
                if let Some(value) = dialog.focused_mut() {
                    value.push(c);
                }
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    fn confirm_dialog(&mut self) -> Vec<Command> {
        let Some(dialog) = self.dialog.as_ref() else {
            return Vec::new();
        };
        if dialog.prepared().is_some() {
            return self.confirm_runbook();
        }
        let plan = dialog.plan(&self.incidents, &self.action_context());
        let Some(dialog) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match plan {
            Ok(plan) => {
                dialog.busy = true;
                dialog.error = None;
                vec![Command::Act(plan)]
            }
            Err(why) => {
                dialog.error = Some(why);
                Vec::new()
            }
        }
    }

    pub(super) fn on_prices_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_selection(-1),
            KeyCode::PageDown => self.move_selection(PAGE),
            KeyCode::PageUp => self.move_selection(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => self.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => self.move_selection(isize::MAX),
            KeyCode::Char('/') => {
                self.prices.filter_editing = true;
                Vec::new()
            }
            KeyCode::Char('s') => {
                self.prices.sort = next_column(self.prices.sort);
                Vec::new()
            }
            KeyCode::Char('S') => {
                self.prices.descending = !self.prices.descending;
                Vec::new()
            }
            KeyCode::Char('i') => {
                self.prices.interval = match self.prices.interval {
                    BarInterval::OneSecond => BarInterval::OneMinute,
                    BarInterval::OneMinute => BarInterval::OneSecond,
                };
                self.ensure_detail()
            }
            KeyCode::Esc => {
                self.prices.filter.clear();
                self.ensure_detail()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    pub(super) fn on_cluster_key(&mut self, key: KeyEvent) {
        let Some(cluster) = self.cluster.as_mut() else {
            self.dirty = false;
            return;
        };
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => cluster.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => cluster.move_selection(-1),
            KeyCode::PageDown => cluster.move_selection(PAGE),
            KeyCode::PageUp => cluster.move_selection(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => cluster.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => cluster.move_selection(isize::MAX),
            KeyCode::Char('l') | KeyCode::Right => cluster.cycle_focus(true),
            KeyCode::Char('h') | KeyCode::Left => cluster.cycle_focus(false),
            KeyCode::Char('/') => cluster.filter_editing = true,
            KeyCode::Esc => {
                cluster.filter.clear();
                cluster.follow_filter();
            }
            _ => self.dirty = false,
        }
    }

    pub(super) fn on_slos_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.slos.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => self.slos.move_selection(-1),
            KeyCode::Char('g') | KeyCode::Home => self.slos.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => self.slos.move_selection(isize::MAX),
            KeyCode::Char('/') => self.slos.filter_editing = true,
            KeyCode::Esc => {
                self.slos.filter.clear();
                self.slos.follow_filter();
            }
            _ => self.dirty = false,
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match key.code {
            KeyCode::Enter => self.prices.filter_editing = false,
            KeyCode::Esc => {
                self.prices.filter_editing = false;
                self.prices.filter.clear();
            }
            KeyCode::Backspace => {
                self.prices.filter.pop();
            }
            KeyCode::Char(c) if !c.is_control() => self.prices.filter.push(c),
            _ => {}
        }
        self.follow_filter()
    }

    /// Keeps the selection on a visible row while the filter narrows the list.
    fn follow_filter(&mut self) -> Vec<Command> {
        let first_visible = {
            let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
            let still_visible = self
                .prices
                .selected
                .as_deref()
                .is_some_and(|selected| rows.iter().any(|row| row.symbol == selected));
            if still_visible {
                None
            } else {
                rows.first().map(|row| row.symbol.to_string())
            }
        };
        if let Some(symbol) = first_visible {
            self.prices.selected = Some(symbol);
        }
        self.ensure_detail()
    }

    pub(super) fn move_selection(&mut self, delta: isize) -> Vec<Command> {
        let target = {
            let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
            let Some(current) = self.prices.selected_index(&rows) else {
                return Vec::new();
            };
            rows[super::selection::step(current, delta, rows.len())]
                .symbol
                .to_string()
        };
        self.prices.selected = Some(target);
        self.ensure_detail()
    }
}

fn next_column(column: PriceColumn) -> PriceColumn {
    let all = PriceColumn::ALL;
    let index = all.iter().position(|&c| c == column).unwrap_or(0);
    all[(index + 1) % all.len()]
}
