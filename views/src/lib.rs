//! `mdops-views`: pure rendering of the console's view models with ratatui.
//!
//! The console builds an [`AppView`](model::AppView) each frame, borrowing
//! from its state, and calls [`render`] with a [`Theme`] and the
//! [`ViewState`] it keeps between frames. Nothing here knows about tokio,
//! HTTP or the app.

mod hit;
pub mod model;
mod render;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

pub use hit::{Hit, List, hit_test};
pub use render::overview::EnvLayout;
pub use theme::{ColorDepth, Theme, ThemeError};

use model::{AppView, ClusterPane};

/// What the views remember between frames.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ViewState {
    /// First row of the prices table on screen.
    prices_offset: usize,
    /// How many table rows fitted in the last frame.
    prices_page: usize,
    /// First row of the SLO table on screen.
    slos_offset: usize,
    /// How many SLO rows fitted in the last frame.
    slos_page: usize,
    /// First row of the incidents table on screen.
    incidents_offset: usize,
    /// How many incident rows fitted in the last frame.
    incidents_page: usize,
    /// First row on screen of each cluster pane (deployments, pods, events):
    /// each keeps its place while the focus moves between them.
    cluster_offset: [usize; 3],
    /// How many rows of each cluster pane fitted in the last frame.
    cluster_page: [usize; 3],
    /// First action of the palette on screen.
    palette_offset: usize,
    /// What the last frame drew where, for the mouse.
    hits: hit::Hits,
    /// First row of the timeline on screen.
    timeline_offset: usize,
    /// How many timeline rows fitted in the last frame.
    timeline_page: usize,
}

impl ViewState {
    /// Index of the first prices row on screen in the last frame.
    pub fn prices_offset(&self) -> usize {
        self.prices_offset
    }

    /// How many prices rows the last frame showed: the step for Page Up/Down.
    pub fn prices_page_rows(&self) -> usize {
        self.prices_page
    }

    /// What is under `(x, y)` in the last frame drawn.
    pub fn hit(&self, x: u16, y: u16) -> Option<Hit> {
        self.hits.at(x, y)
    }

    /// Index of the first SLO row on screen in the last frame.
    pub fn slos_offset(&self) -> usize {
        self.slos_offset
    }

    /// How many SLO rows the last frame showed: the step for Page Up/Down.
    pub fn slos_page_rows(&self) -> usize {
        self.slos_page
    }

    /// Index of the first incident row on screen in the last frame.
    pub fn incidents_offset(&self) -> usize {
        self.incidents_offset
    }

    /// How many incident rows the last frame showed: the step for Page Up/Down.
    pub fn incidents_page_rows(&self) -> usize {
        self.incidents_page
    }

    /// How many timeline rows the last frame showed: the step for Page Up/Down.
    pub fn timeline_page_rows(&self) -> usize {
        self.timeline_page
    }

    /// Index of the first row of a cluster pane on screen in the last frame.
    pub fn cluster_offset(&self, pane: ClusterPane) -> usize {
        self.cluster_offset[pane_index(pane)]
    }

    /// How many rows of a cluster pane the last frame showed: the step for
    /// Page Up/Down (0 when the pane was not drawn).
    pub fn cluster_page_rows(&self, pane: ClusterPane) -> usize {
        self.cluster_page[pane_index(pane)]
    }
}

/// Where a cluster pane's scroll state is kept.
pub(crate) fn pane_index(pane: ClusterPane) -> usize {
    match pane {
        ClusterPane::Deployments => 0,
        ClusterPane::Pods => 1,
        ClusterPane::Events => 2,
    }
}

/// Where the overview draws each environment's title and tiles when its
/// body is `area`: the renderer's own layout, for mapping clicks to tiles.
pub fn overview_layout(area: Rect, environments: usize) -> Vec<EnvLayout> {
    render::overview::layout(area, environments)
}

/// Draws one frame.
pub fn render(frame: &mut ratatui::Frame, view: &AppView, theme: &Theme, state: &mut ViewState) {
    render_buffer(frame.buffer_mut(), view, theme, state);
}

/// Draws one frame into a buffer (its `area` is the screen).
pub fn render_buffer(buf: &mut Buffer, view: &AppView, theme: &Theme, state: &mut ViewState) {
    render::draw(buf, view, theme, state);
}

/// Draws `view` on a `width` x `height` screen and returns the text: lines
/// joined by `'\n'`, trailing spaces trimmed. For `mdops snapshot --format text`.
pub fn render_to_text(view: &AppView, theme: &Theme, width: u16, height: u16) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    render_buffer(&mut buf, view, theme, &mut ViewState::default());
    buffer_to_text(&buf)
}

/// The text of a buffer: one line per row, trailing spaces trimmed, cells
/// hidden behind wide characters skipped.
pub fn buffer_to_text(buf: &Buffer) -> String {
    let width = buf.area.width as usize;
    let mut out = String::with_capacity(buf.content.len() + buf.area.height as usize);
    if width == 0 {
        return out;
    }
    for (i, row) in buf.content.chunks(width).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let start = out.len();
        let mut skip = 0usize;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = cell.symbol();
            out.push_str(sym);
            skip = sym.width().saturating_sub(1);
        }
        let trimmed = out[start..].trim_end_matches(' ').len();
        out.truncate(start + trimmed);
    }
    out
}
