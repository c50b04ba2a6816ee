//! What the three cluster panes share: a box holding a table whose last
//! column takes the width the others leave, columns dropped by priority
//! when the box is narrow, a `!` before unhealthy rows, and the selection
//! and a highlighted border when the pane has the focus.
//!
//! Only the rows on screen are formatted.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::Line;

use crate::hit::{Hit, Hits, List};
use crate::render::rows::{self, Window, row_area};
use crate::render::{Ctx, centered_message, put_cell, text};

/// How a cell too narrow for its text is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    End,
    /// Generated names differ at their end: cut their middle.
    Middle,
}

/// One column of a pane.
#[derive(Debug)]
pub(super) struct ColSpec {
    pub title: &'static str,
    pub right: bool,
    /// Widest the column gets (the last column takes whatever is left).
    pub max: u16,
    pub cut: Cut,
}

/// The columns of a pane, in display order.
#[derive(Debug)]
pub(super) struct TableSpec {
    pub cols: &'static [ColSpec],
    /// Indices of the columns dropped, in order, while the last column
    /// would get less than `last_min`.
    pub drop: &'static [usize],
    pub last_min: u16,
    /// The column cut down (never below `squeeze_min`) when dropping is not enough.
    pub squeeze: usize,
    pub squeeze_min: u16,
}

/// The text and style of one cell.
pub(super) struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// One formatted row: a cell per column of the spec.
pub(super) struct Row {
    pub cells: Vec<Cell>,
    /// Unhealthy: a `!` in this style before the row.
    pub flag: Option<Style>,
}

/// What a pane shows besides its rows, and its scroll state.
pub(super) struct Pane<'l, 's> {
    pub title: Line<'l>,
    pub focused: bool,
    /// Index into the rows; only drawn in the focused pane.
    pub selected: Option<usize>,
    /// What the box says when there is no row.
    pub empty: (&'static str, Style),
    /// First row on screen, kept between frames.
    pub offset: &'s mut usize,
    /// How many rows fitted.
    pub page: &'s mut usize,
    /// Where the pane's click targets go, and which pane it is.
    pub hits: &'s mut Hits,
    pub list: List,
}

/// Draws a pane of `len` rows in `area`; `row(i)` formats row `i`.
pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    spec: &TableSpec,
    pane: Pane,
    len: usize,
    row: impl Fn(usize) -> Row,
    ctx: &Ctx,
) {
    if area.width < 2 || area.height < 2 {
        *pane.page = 0;
        return;
    }
    let inner = area.inner(Margin::new(1, 1));
    let visible = inner.height.saturating_sub(1) as usize;
    let selected = pane.selected.filter(|_| pane.focused);
    let win = Window::scrolled(*pane.offset, selected, len, visible);
    *pane.offset = win.offset;
    *pane.page = visible;
    pane.hits.push(area, Hit::List(pane.list));
    let border = if pane.focused {
        ctx.theme.accent
    } else {
        ctx.theme.border
    };

    if len == 0 {
        ctx.draw_box_styled(buf, area, &pane.title, None, border);
        let (msg, style) = &pane.empty;
        centered_message(buf, inner, msg, *style);
        return;
    }
    let shown: Vec<Row> = win.range().map(row).collect();
    let widths = plan(spec, inner.width, &shown);
    ctx.draw_box_styled(buf, area, &pane.title, win.position(ctx).as_ref(), border);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let header_style = ctx.theme.header;
    buf.set_style(Rect { height: 1, ..inner }, header_style);
    for (x, i, w) in columns(inner, &widths) {
        let c = &spec.cols[i];
        put_cell(buf, inner, x, inner.y, c.title, w, c.right, header_style);
    }
    let selected = win.selected(selected);
    for (n, r) in shown.iter().enumerate() {
        let line = row_area(inner, n);
        if line.y >= inner.bottom() {
            break;
        }
        let index = win.offset + n;
        pane.hits.push(
            line,
            Hit::Row {
                list: pane.list,
                index,
            },
        );
        if let Some(style) = r.flag {
            put_cell(buf, line, line.x, line.y, ctx.g.stale, 1, false, style);
        }
        for (x, i, w) in columns(line, &widths) {
            let (c, cell) = (&spec.cols[i], &r.cells[i]);
            let s = match c.cut {
                Cut::End => text::truncate(&cell.text, usize::from(w), ctx.g.ellipsis),
                Cut::Middle => text::truncate_middle(&cell.text, usize::from(w), ctx.g.ellipsis),
            };
            put_cell(buf, line, x, line.y, &s, w, c.right, cell.style);
        }
        if selected == Some(n) {
            rows::mark_selected(buf, line, Style::new(), ctx);
        }
    }
}

/// Width of each column of the spec on an `avail`-wide line (`None` when
/// dropped): fixed columns as wide as their widest text (within `max`), the
/// last one the rest. Width the last column does not need goes back to the
/// columns that were cut.
pub(super) fn plan(spec: &TableSpec, avail: u16, shown: &[Row]) -> Vec<Option<u16>> {
    let last = spec.cols.len() - 1;
    let natural: Vec<u16> = spec
        .cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let content = shown.iter().map(|r| text::width(&r.cells[i].text)).max();
            let w = content.unwrap_or(0).max(text::width(c.title));
            w.min(usize::from(u16::MAX / 64)) as u16
        })
        .collect();
    let mut widths: Vec<Option<u16>> = spec
        .cols
        .iter()
        .zip(&natural)
        .map(|(c, &n)| Some(n.min(c.max)))
        .collect();
    // The mark cell, then columns separated by one space.
    let fixed = |ws: &[Option<u16>]| -> u32 {
        let kept = ws[..last].iter().flatten();
        1 + kept.clone().map(|&w| u32::from(w) + 1).sum::<u32>()
    };
    let need = |ws: &[Option<u16>]| fixed(ws) + u32::from(spec.last_min);
    for &i in spec.drop {
        if need(&widths) <= u32::from(avail) {
            break;
        }
        widths[i] = None;
    }
    let over = need(&widths).saturating_sub(u32::from(avail));
    if let Some(w) = widths[spec.squeeze].as_mut() {
        let cut = over.min(u32::from(w.saturating_sub(spec.squeeze_min))) as u16;
        *w -= cut;
    }
    let rest = |ws: &[Option<u16>]| u32::from(avail).saturating_sub(fixed(ws));
    let mut spare = rest(&widths).saturating_sub(u32::from(natural[last].max(spec.last_min)));
    for (w, &n) in widths[..last].iter_mut().zip(&natural) {
        if let Some(w) = w.as_mut() {
            let add = u32::from(n.saturating_sub(*w)).min(spare);
            *w += add as u16;
            spare -= add;
        }
    }
    widths[last] = Some(rest(&widths).min(u32::from(u16::MAX)) as u16);
    widths
}

/// Width of a box showing every column of `shown` uncut, borders included.
pub(super) fn natural_width(spec: &TableSpec, shown: &[Row]) -> u16 {
    let cols = spec.cols.iter().enumerate().map(|(i, c)| {
        let content = shown.iter().map(|r| text::width(&r.cells[i].text)).max();
        content.unwrap_or(0).max(text::width(c.title)) + 1
    });
    // Borders and the mark cell.
    (3 + cols.sum::<usize>()).min(usize::from(u16::MAX)) as u16
}

/// `(x, column index, width)` of each column kept, after the mark cell.
fn columns(area: Rect, widths: &[Option<u16>]) -> impl Iterator<Item = (u16, usize, u16)> + '_ {
    let mut x = area.x.saturating_add(1);
    widths.iter().enumerate().filter_map(move |(i, w)| {
        let w = (*w)?;
        let at = x;
        x = x.saturating_add(w).saturating_add(1);
        Some((at, i, w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[ColSpec] = &[
        ColSpec {
            title: "Name",
            right: false,
            max: 30,
            cut: Cut::Middle,
        },
        ColSpec {
            title: "Age",
            right: true,
            max: 6,
            cut: Cut::End,
        },
        ColSpec {
            title: "Node",
            right: false,
            max: 20,
            cut: Cut::End,
        },
        ColSpec {
            title: "Reason",
            right: false,
            max: u16::MAX,
            cut: Cut::End,
        },
    ];
    const SPEC: TableSpec = TableSpec {
        cols: COLS,
        drop: &[2, 1],
        last_min: 10,
        squeeze: 0,
        squeeze_min: 8,
    };

    fn rows() -> Vec<Row> {
        let cells = [
            "mda-agent-7d9f8c6b5-x2k4q",
            "3h05m",
            "node-a.internal",
            "CrashLoopBackOff",
        ];
        vec![Row {
            cells: cells.iter().map(|c| Cell::new(*c, Style::new())).collect(),
            flag: None,
        }]
    }

    #[test]
    fn columns_drop_in_order_then_the_name_is_squeezed() {
        // All kept: 1 + 26 + 6 + 16 = 49 before the last column.
        assert_eq!(plan(&SPEC, 80, &rows()), [Some(25), Some(5), Some(15), Some(31)]);
        // Cut columns get back what the last one does not need.
        let mut long = rows();
        long[0].cells[2].text = "ip-10-0-1-23.eu-west-1.compute.internal".to_string();
        assert_eq!(plan(&SPEC, 80, &long), [Some(25), Some(5), Some(30), Some(16)]);
        assert_eq!(plan(&SPEC, 100, &long), [Some(25), Some(5), Some(39), Some(27)]);
        assert_eq!(plan(&SPEC, 50, &rows()), [Some(25), Some(5), None, Some(17)]);
        assert_eq!(plan(&SPEC, 40, &rows()), [Some(25), None, None, Some(13)]);
        assert_eq!(plan(&SPEC, 30, &rows()), [Some(18), None, None, Some(10)]);
        // Never below its least width; the last column takes what is left.
        assert_eq!(plan(&SPEC, 12, &rows()), [Some(8), None, None, Some(2)]);
        assert_eq!(plan(&SPEC, 0, &rows()), [Some(8), None, None, Some(0)]);
    }
}
