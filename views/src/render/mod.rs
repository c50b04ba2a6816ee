//! Drawing of an [`AppView`]: one module per part of the screen.

mod action_status;
mod banner;
mod capacity;
mod cluster;
mod detail;
mod dialog;
mod dr;
mod glyphs;
mod header;
mod help;
mod incidents;
mod line_chart;
mod nav;
mod not_configured;
mod output;
pub(crate) mod overview;
mod palette;
mod prices;
mod rows;
mod slos;
mod sources;
mod status;
mod tabs;
pub(crate) mod text;
mod timeline;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;

use crate::hit::Hit;
use crate::model::{AppView, BodyModel};
use crate::{Theme, ViewState};

use glyphs::Glyphs;

/// Below this the screen only says it is too small.
const MIN_WIDTH: u16 = 30;
const MIN_HEIGHT: u16 = 5;

/// What every renderer needs besides its model.
pub(crate) struct Ctx<'t> {
    pub theme: &'t Theme,
    pub g: &'static Glyphs,
}

impl Ctx<'_> {
    /// Draws a bordered box with a title (and optionally a right-aligned
    /// bottom title) and returns the area inside. Unlike `Block`, it touches
    /// only the border cells, not the whole area: boxes are drawn every
    /// frame over most of the screen.
    pub fn draw_box(&self, buf: &mut Buffer, area: Rect, title: &Line, bottom: Option<&Line>) -> Rect {
        self.draw_box_styled(buf, area, title, bottom, self.theme.border)
    }

    /// [`Ctx::draw_box`] with its border in `style`: the focused one of
    /// several boxes stands out.
    pub fn draw_box_styled(
        &self,
        buf: &mut Buffer,
        area: Rect,
        title: &Line,
        bottom: Option<&Line>,
        style: Style,
    ) -> Rect {
        let area = area.intersection(buf.area);
        if area.width < 2 || area.height < 2 {
            return Rect::ZERO;
        }
        let b = &self.g.border;
        let (left, right) = (area.x, area.right() - 1);
        let (top, bottom_y) = (area.y, area.bottom() - 1);
        let mut put = |x: u16, y: u16, sym: &str| {
            buf[(x, y)].set_symbol(sym).set_style(style);
        };
        for x in left + 1..right {
            put(x, top, b.horizontal_top);
            put(x, bottom_y, b.horizontal_bottom);
        }
        for y in top + 1..bottom_y {
            put(left, y, b.vertical_left);
            put(right, y, b.vertical_right);
        }
        put(left, top, b.top_left);
        put(right, top, b.top_right);
        put(left, bottom_y, b.bottom_left);
        put(right, bottom_y, b.bottom_right);

        let room = area.width - 2;
        let title = title.clone().patch_style(self.theme.title);
        buf.set_line(left + 1, top, &title, room);
        if let Some(line) = bottom {
            let w = (line.width() as u16).min(room);
            buf.set_line(right - w, bottom_y, line, w);
        }
        Rect {
            x: area.x + 1,
            y: area.y + 1,
            width: area.width - 2,
            height: area.height - 2,
        }
    }
}

pub(crate) fn draw(buf: &mut Buffer, view: &AppView, theme: &Theme, state: &mut ViewState) {
    let area = buf.area;
    let ctx = Ctx {
        theme,
        g: glyphs::for_theme(theme),
    };
    if theme.base != Style::default() {
        buf.set_style(area, theme.base);
    }
    state.hits.clear();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(buf, area, &ctx);
        return;
    }
    let [header_area, tabs_area, body_area, status_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let header_area = match &view.nav.frozen {
        Some(frozen) => nav::frozen_marker(buf, header_area, frozen, &ctx),
        None => header_area,
    };
    header::render(buf, header_area, &view.header, &ctx);
    tabs::render(buf, tabs_area, &view.tabs, &ctx, state);
    let filter = view
        .status
        .filter
        .as_ref()
        .map(|f| f.text)
        .filter(|t| !t.is_empty());
    let expanded = view.nav.expanded && nav::render_expanded(buf, body_area, &view.body, filter, &ctx, state);
    match &view.body {
        _ if expanded => {}
        BodyModel::Prices(p) => prices::render(buf, body_area, p, filter, &ctx, state),
        BodyModel::Slos(m) => slos::render(buf, body_area, m, filter, &ctx, state),
        BodyModel::Incidents(m) => incidents::render(buf, body_area, m, filter, &ctx, state),
        BodyModel::NotConfigured(m) => not_configured::render(buf, body_area, m, &ctx),
        BodyModel::Cluster(m) => cluster::render(buf, body_area, m, filter, &ctx, state),
        BodyModel::Dr(m) => dr::render(buf, body_area, m, &ctx),
        BodyModel::Overview(m) => overview::render(buf, body_area, m, &ctx, state),
        BodyModel::Capacity(m) => capacity::render(buf, body_area, m, &ctx),
        BodyModel::Timeline(m) => timeline::render(buf, body_area, m, filter, &ctx, state),
    }
    if let Some(a) = &view.action_status {
        let strip = action_status::render(buf, body_area, a, &ctx);
        state.hits.push(strip, Hit::Overlay);
    }
    if let Some(d) = &view.dialog {
        dialog::render(buf, body_area, d, &ctx);
    }
    if let Some(p) = &view.palette {
        palette::render(buf, body_area, p, &ctx, state);
    }
    if let Some(o) = &view.output {
        output::render(buf, body_area, o, &ctx);
    }
    status::render(buf, status_area, &view.status, &ctx);
    if let Some(command) = &view.nav.command {
        nav::command_line(buf, body_area, status_area, command, &ctx);
    }
    if let Some(help) = &view.help {
        help::render(buf, area, help, &ctx);
    }
    // These take every key while open, so they take every click too.
    if view.dialog.is_some() || view.palette.is_some() || view.output.is_some() || view.help.is_some() {
        state.hits.push(area, Hit::Overlay);
    }
    if theme.ascii {
        ascii_only(buf);
    }
}

/// With ASCII glyphs every renderer draws ASCII; text from the model (a
/// symbol, a pod's message, an app's `…`) may not be. A poor font shows
/// `?` for those rather than garbage or a misaligned row.
fn ascii_only(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let sym = cell.symbol();
        if !sym.is_ascii() {
            let replacement = match sym {
                "…" => ".",
                "—" | "–" | "·" => "-",
                _ => "?",
            };
            cell.set_symbol(replacement);
        }
    }
}

fn too_small(buf: &mut Buffer, area: Rect, ctx: &Ctx) {
    let msg = format!(
        "terminal too small: {}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    centered_message(buf, area, &msg, ctx.theme.warn);
}

/// A rectangle of at most `w` x `h` centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `area` cut in two side by side: the left part `w` cells wide, the right
/// part the rest.
pub(crate) fn side_by_side(area: Rect, w: u16) -> (Rect, Rect) {
    let left = Rect { width: w, ..area };
    let right = Rect {
        x: area.x + w,
        width: area.width - w,
        ..area
    };
    (left, right)
}

/// `area` cut in two one above the other: the top part `h` rows tall, the
/// bottom part the rest.
pub(crate) fn stacked(area: Rect, h: u16) -> (Rect, Rect) {
    let top = Rect { height: h, ..area };
    let bottom = Rect {
        y: area.y + h,
        height: area.height - h,
        ..area
    };
    (top, bottom)
}

/// Writes one line of text, clipped to `area`'s first row.
pub(crate) fn put_line(buf: &mut Buffer, area: Rect, line: &Line) {
    if area.height > 0 && area.width > 0 {
        buf.set_line(area.x, area.y, line, area.width);
    }
}

/// Writes a string at `(x, y)`, at most `w` cells.
pub(crate) fn put_str(buf: &mut Buffer, x: u16, y: u16, s: &str, w: u16, style: Style) {
    if w > 0 {
        buf.set_stringn(x, y, s, w as usize, style);
    }
}

/// Writes `s` in a cell of `width` at `(x, y)`, left or right aligned,
/// clipped to `area`. ASCII text (every number) takes a fast path that
/// skips grapheme segmentation.
#[allow(clippy::too_many_arguments)]
pub(crate) fn put_cell(
    buf: &mut Buffer,
    area: Rect,
    x: u16,
    y: u16,
    s: &str,
    width: u16,
    right: bool,
    style: Style,
) {
    let width = width.min(area.right().saturating_sub(x));
    if width == 0 {
        return;
    }
    if s.is_ascii() {
        let bytes = &s.as_bytes()[..s.len().min(width as usize)];
        let start = if right { x + width - bytes.len() as u16 } else { x };
        for (i, &b) in bytes.iter().enumerate() {
            let cell = &mut buf[(start + i as u16, y)];
            cell.set_char(if b.is_ascii_control() { ' ' } else { b as char });
            cell.set_style(style);
        }
    } else {
        let w = (text::width(s) as u16).min(width);
        let start = if right { x + width - w } else { x };
        buf.set_stringn(start, y, s, w as usize, style);
    }
}

/// Draws a centred, word-wrapped message (empty states, loading, errors).
pub(crate) fn centered_message(buf: &mut Buffer, area: Rect, msg: &str, style: Style) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let room = if area.width > 4 {
        area.width - 2
    } else {
        area.width
    };
    let lines = text::wrap(msg, room as usize);
    let h = (lines.len() as u16).min(area.height);
    let top = area.y + (area.height - h) / 2;
    for (i, l) in lines.iter().take(h as usize).enumerate() {
        let w = (text::width(l) as u16).min(area.width);
        let x = area.x + (area.width - w) / 2;
        put_str(buf, x, top + i as u16, l, w, style);
    }
}
