//! Keyboard handling. The help overlay and the README's key table are both
//! generated from `HELP`, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use market_data_agent::api::BarInterval;
use mdops_views::model::PriceColumn;

use super::{App, Command, Screen};

/// Every key the console understands, by section.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Global",
        &[
            ("1-6", "switch screen"),
            ("Tab / Shift-Tab", "next / previous screen"),
            ("?", "toggle this help"),
            ("q / Ctrl-C", "quit"),
        ],
    ),
    (
        "Prices",
        &[
            ("j k / Down Up", "move selection"),
            ("PgDn PgUp", "move by a page"),
            ("g G / Home End", "first / last row"),
            ("/", "filter symbols (Enter keeps, Esc clears)"),
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
        ],
    ),
];

/// Hints on the status line.
pub const HINTS: &[(&str, &str)] = &[
    ("?", "help"),
    ("1-6", "screens"),
    ("/", "filter"),
    ("s", "sort"),
    ("i", "interval"),
    ("q", "quit"),
];

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
        if self.prices.filter_editing {
            return self.on_filter_key(key);
        }
        if self.show_help {
            if matches!(key.code, KeyCode::Char('?') | KeyCode::Esc | KeyCode::Char('q')) {
                self.show_help = false;
            }
            return Vec::new();
        }
        match key.code {
            KeyCode::Char('q') => self.should_quit = true,
            KeyCode::Char('?') => self.show_help = true,
            KeyCode::Tab => self.screen = self.screen.next(),
            KeyCode::BackTab => self.screen = self.screen.previous(),
            KeyCode::Char(c @ '1'..='9') => {
                let index = c as usize - '1' as usize;
                if let Some(&screen) = Screen::ALL.get(index) {
                    self.screen = screen;
                }
            }
            _ if self.screen == Screen::Prices => return self.on_prices_key(key),
            _ if self.screen == Screen::Slos => self.on_slos_key(key),
            _ => self.dirty = false,
        }
        Vec::new()
    }

    fn on_prices_key(&mut self, key: KeyEvent) -> Vec<Command> {
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

    fn on_slos_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.slos.move_selection(1),
            KeyCode::Char('k') | KeyCode::Up => self.slos.move_selection(-1),
            KeyCode::Char('g') | KeyCode::Home => self.slos.move_selection(isize::MIN),
            KeyCode::Char('G') | KeyCode::End => self.slos.move_selection(isize::MAX),
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

    fn move_selection(&mut self, delta: isize) -> Vec<Command> {
        let target = {
            let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
            let Some(current) = self.prices.selected_index(&rows) else {
                return Vec::new();
            };
            let last = rows.len() - 1;
            let index = match delta {
                isize::MIN => 0,
                isize::MAX => last,
                _ => current.saturating_add_signed(delta).min(last),
            };
            rows[index].symbol.to_string()
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
