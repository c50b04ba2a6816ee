//! Mouse targets. Renderers record the rectangle of everything clickable
//! as they draw it, so a click maps to what the frame showed by the very
//! layout code that drew it; the console turns the target into a message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::model::{AppView, ClusterPane};
use crate::{Theme, ViewState};

/// A list that takes clicks and the wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Prices,
    Slos,
    Incidents,
    Cluster(ClusterPane),
}

/// What is under a point of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// The tab of screen `usize` (its number key).
    Tab(usize),
    /// Row `index` of `list`, counted in the list's rows as the model gives
    /// them (after the filter), not on screen.
    Row { list: List, index: usize },
    /// Inside `list`'s box but not on a row (borders, header, empty space):
    /// the wheel scrolls it, a click focuses it.
    List(List),
    /// Tile `usize` of the overview: environment index times the tiles per
    /// environment (`OverviewTile::ALL`), plus the tile's index.
    Tile(usize),
    /// A dialog, the palette, an output pane or the help covers the screen:
    /// keys go to it, and so a click must not act on what is below.
    Overlay,
}

/// Clickable rectangles of one frame, in drawing order: a later one is on
/// top of an earlier one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Hits(Vec<(Rect, Hit)>);

impl Hits {
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn push(&mut self, area: Rect, hit: Hit) {
        if !area.is_empty() {
            self.0.push((area, hit));
        }
    }

    /// The topmost target at `(x, y)`.
    pub fn at(&self, x: u16, y: u16) -> Option<Hit> {
        let point = ratatui::layout::Position { x, y };
        self.0
            .iter()
            .rev()
            .find(|(area, _)| area.contains(point))
            .map(|&(_, hit)| hit)
    }
}

/// What a click at `(x, y)` would hit on `view` drawn in `area` after a frame
/// that left `state` (its scroll offsets). Draws into a scratch buffer; the
/// console asks [`ViewState::hit`] instead, which answers for the frame on
/// screen without drawing again.
pub fn hit_test(view: &AppView, theme: &Theme, state: &ViewState, area: Rect, x: u16, y: u16) -> Option<Hit> {
    let mut buf = Buffer::empty(area);
    let mut state = state.clone();
    crate::render_buffer(&mut buf, view, theme, &mut state);
    state.hit(x, y)
}
