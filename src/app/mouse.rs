//! Mouse input. The console asks the views what is under the pointer (the
//! last frame's own layout) and sends the target here, so the app stays
//! pure: a click on a tab switches screen, a click on a row selects it, the
//! wheel moves the selection of the list under the pointer.

use mdops_views::model::OverviewTile;
use mdops_views::{Hit, List};

use super::{App, Command, Screen};

/// What the mouse did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseAction {
    /// Left button pressed.
    Click,
    ScrollUp,
    ScrollDown,
}

/// A mouse event and what was under the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseMsg {
    pub hit: Hit,
    pub action: MouseAction,
}

/// Rows one wheel step moves, as most terminals scroll text by three lines.
const WHEEL_ROWS: isize = 3;

impl App {
    pub(super) fn on_mouse(&mut self, mouse: MouseMsg) -> Vec<Command> {
        // A dialog, the palette, an output pane, the help or the command
        // prompt take the keys; the screen below does not react to the
        // mouse either.
        let covered = self.dialog.is_some()
            || self.runbooks.palette.is_some()
            || self.runbooks.output.is_some()
            || self.show_help
            || self.nav.command.is_some();
        if covered {
            self.dirty = false;
            return Vec::new();
        }
        let step = match mouse.action {
            MouseAction::Click => 0,
            MouseAction::ScrollUp => -WHEEL_ROWS,
            MouseAction::ScrollDown => WHEEL_ROWS,
        };
        match mouse.hit {
            Hit::Tab(index) if step == 0 => match Screen::ALL.get(index) {
                Some(&screen) => self.screen = screen,
                None => self.dirty = false,
            },
            Hit::Row { list, index } if self.shows(list) => {
                self.focus_list(list);
                return if step == 0 {
                    self.select_row(list, index)
                } else {
                    self.scroll_list(list, step)
                };
            }
            Hit::Tile(index) if self.screen == Screen::Overview && step == 0 => {
                let tiles = OverviewTile::ALL.len();
                return self.open_tile(index / tiles, OverviewTile::ALL[index % tiles]);
            }
            Hit::List(list) if self.shows(list) => {
                self.focus_list(list);
                if step != 0 {
                    return self.scroll_list(list, step);
                }
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    /// Whether `list` is on the current screen: a target from a frame drawn
    /// before a key switched screen acts on nothing.
    fn shows(&self, list: List) -> bool {
        let screen = match list {
            List::Prices => Screen::Prices,
            List::Slos => Screen::Slos,
            List::Incidents => Screen::Incidents,
            List::Cluster(_) => Screen::Cluster,
        };
        self.screen == screen
    }

    /// A cluster pane takes the focus, and so the selection and the keys.
    fn focus_list(&mut self, list: List) {
        if let (List::Cluster(pane), Some(cluster)) = (list, self.cluster.as_mut()) {
            cluster.focus = pane;
        }
    }

    /// Selects row `index` of `list` as the model showed it (after the filter).
    fn select_row(&mut self, list: List, index: usize) -> Vec<Command> {
        match list {
            List::Prices => {
                let symbol = {
                    let rows = self.prices.rows(self.now_ms, self.config.stale_after_ms);
                    rows.get(index).map(|row| row.symbol.to_string())
                };
                if symbol.is_some() {
                    self.prices.selected = symbol;
                    return self.ensure_detail();
                }
            }
            List::Slos => {
                if let Some(&i) = self.slos.visible().get(index) {
                    self.slos.selected = i;
                }
            }
            List::Incidents => {
                if let Some(&i) = self.incidents.visible().get(index) {
                    self.incidents.selected = Some(self.incidents.rows[i].clone());
                }
            }
            List::Cluster(_) => {
                if let Some(cluster) = self.cluster.as_mut() {
                    cluster.select(index);
                }
            }
        }
        Vec::new()
    }

    fn scroll_list(&mut self, list: List, delta: isize) -> Vec<Command> {
        match list {
            List::Prices => return self.move_selection(delta),
            List::Slos => self.slos.move_selection(delta),
            List::Incidents => self.incidents.move_selection(delta),
            List::Cluster(_) => {
                if let Some(cluster) = self.cluster.as_mut() {
                    cluster.move_selection(delta);
                }
            }
        }
        Vec::new()
    }
}
