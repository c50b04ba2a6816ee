//! What the tables share: which rows are on screen as the selection moves,
//! the position in the bottom border, how a drawn row is marked stale or
//! selected, and how the SLO and incidents screens share their body with
//! the detail pane.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::{Ctx, put_cell, side_by_side, stacked};

/// From this body width on, the detail pane sits right of the table.
const DETAIL_RIGHT_MIN_WIDTH: u16 = 180;
/// Least height of the detail pane below the table, borders included.
const DETAIL_BELOW_MIN_HEIGHT: u16 = 8;
/// With the detail pane below, the table keeps at least this many rows
/// (or all of them when fewer).
const TABLE_MIN_ROWS: u16 = 3;

/// The rows of a table on screen: `len` rows scrolled to `offset`, room
/// for `visible` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub offset: usize,
    pub visible: usize,
    pub len: usize,
}

impl Window {
    /// The window after the last frame's `offset`, moved as little as
    /// [`scroll`] allows.
    pub fn scrolled(offset: usize, selected: Option<usize>, len: usize, visible: usize) -> Window {
        Window {
            offset: scroll(offset, selected, len, visible),
            visible,
            len,
        }
    }

    /// Indices of the rows on screen.
    pub fn range(&self) -> Range<usize> {
        self.offset..(self.offset + self.visible).min(self.len)
    }

    /// ` 11-30 of 200 ` for the bottom border, when not every row fits.
    pub fn position(&self, ctx: &Ctx) -> Option<Line<'static>> {
        (self.len > self.visible).then(|| {
            let shown = self.range();
            let pos = format!(" {}-{} of {} ", shown.start + 1, shown.end, self.len);
            Line::styled(pos, ctx.theme.muted)
        })
    }

    /// Index on screen (0 for the first row shown) of the selected row,
    /// when it is on screen.
    pub fn selected(&self, selected: Option<usize>) -> Option<usize> {
        let shown = self.range();
        selected.filter(|s| shown.contains(s)).map(|s| s - shown.start)
    }
}

/// New scroll offset: the smallest move that keeps the selection visible,
/// and no empty space below the last row.
pub(crate) fn scroll(offset: usize, selected: Option<usize>, len: usize, visible: usize) -> usize {
    if visible == 0 || len == 0 {
        return 0;
    }
    let mut off = offset.min(len.saturating_sub(visible));
    if let Some(s) = selected {
        let s = s.min(len - 1);
        if s < off {
            off = s;
        } else if s >= off + visible {
            off = s + 1 - visible;
        }
    }
    off
}

/// Table area and detail area of a body showing a table of `rows` rows
/// that takes `chrome` lines besides them (borders, header, legend): the
/// pane right of the table on very wide terminals, else below it when the
/// table keeps a few rows, else no pane.
pub(crate) fn split_detail(area: Rect, show_detail: bool, rows: usize, chrome: u16) -> (Rect, Option<Rect>) {
    if !show_detail {
        return (area, None);
    }
    if area.width >= DETAIL_RIGHT_MIN_WIDTH && area.height >= DETAIL_BELOW_MIN_HEIGHT {
        let w = (area.width * 35 / 100).clamp(56, 90);
        let (table, detail) = side_by_side(area, area.width - w);
        return (table, Some(detail));
    }
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let table_min = rows.min(TABLE_MIN_ROWS) + chrome;
    if area.height < table_min + DETAIL_BELOW_MIN_HEIGHT {
        return (area, None);
    }
    // The table as tall as its rows, but leaving the detail pane at least
    // two fifths of the body.
    let needed = rows.saturating_add(chrome);
    let detail_min = (area.height * 2 / 5).max(DETAIL_BELOW_MIN_HEIGHT);
    let h = needed.min(area.height.saturating_sub(detail_min)).max(table_min);
    let (table, detail) = stacked(area, h);
    (table, Some(detail))
}

/// Row `i` on screen of a table whose header takes the first line of `inner`.
pub(crate) fn row_area(inner: Rect, i: usize) -> Rect {
    Rect {
        y: inner.y + 1 + i as u16,
        height: 1,
        ..inner
    }
}

/// Starts a row: a stale row takes the stale style across. Returns the
/// style its cells are drawn over.
pub(crate) fn row_style(buf: &mut Buffer, area: Rect, stale: bool, ctx: &Ctx) -> Style {
    let style = if stale { ctx.theme.stale } else { Style::new() };
    if stale {
        buf.set_style(area, style);
    }
    style
}

/// Ends the selected row: the selection style over it all and the
/// selection mark in its first cell.
pub(crate) fn mark_selected(buf: &mut Buffer, area: Rect, row_style: Style, ctx: &Ctx) {
    let selection = ctx.theme.selection;
    buf.set_style(area, selection);
    put_cell(
        buf,
        area,
        area.x,
        area.y,
        ctx.g.selected,
        1,
        false,
        row_style.patch(selection),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Theme;
    use crate::render::glyphs::UNICODE;

    #[test]
    fn scroll_moves_minimally() {
        // Selection inside the window: no move.
        assert_eq!(scroll(10, Some(15), 200, 20), 10);
        // Below the window: just enough to show it at the bottom.
        assert_eq!(scroll(10, Some(30), 200, 20), 11);
        // Above: it becomes the first row.
        assert_eq!(scroll(10, Some(3), 200, 20), 3);
        // Fewer rows than before: no empty space below the last.
        assert_eq!(scroll(190, Some(195), 200, 20), 180);
        assert_eq!(scroll(50, None, 30, 20), 10);
        assert_eq!(scroll(5, None, 10, 20), 0);
        assert_eq!(scroll(5, Some(3), 0, 20), 0);
        assert_eq!(scroll(5, Some(3), 10, 0), 0);
        // Selection past the end is clamped.
        assert_eq!(scroll(0, Some(500), 100, 20), 80);
    }

    #[test]
    fn window_places_the_selection_and_names_its_position() {
        let theme = Theme::default();
        let ctx = Ctx {
            theme: &theme,
            g: &UNICODE,
        };
        let w = Window::scrolled(10, Some(30), 200, 20);
        assert_eq!(w.range(), 11..31);
        assert_eq!(w.selected(Some(30)), Some(19));
        assert_eq!(w.selected(Some(5)), None);
        assert_eq!(w.selected(None), None);
        let pos = w.position(&ctx).unwrap();
        assert_eq!(pos.to_string(), " 12-31 of 200 ");
        // Every row fits: no position.
        let all = Window::scrolled(0, Some(3), 5, 20);
        assert_eq!(all.range(), 0..5);
        assert!(all.position(&ctx).is_none());
    }
}
