//! Action palette: a box at the top centre of the body with the query
//! being typed (`:restart▏`), what the actions would act on, and the
//! actions that match: key, name, description, and `typed confirm` for the
//! destructive ones. An action that cannot run now is muted and says why in
//! place of its description. The list scrolls to the selection.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::rows::{self, Window};
use super::{Ctx, put_cell, put_line, put_str, text};
use crate::ViewState;
use crate::model::{PaletteItem, PaletteModel};

/// Widest box, borders included.
const MAX_WIDTH: u16 = 92;
/// Most actions listed at once.
const MAX_ITEMS: usize = 12;
const KEY_MAX: usize = 10;
const NAME_MAX: usize = 24;
/// Descriptions narrower than this give way to nothing else: the name
/// and marker columns stay.
const DESC_MIN: usize = 12;
const TYPED: &str = "typed confirm";

pub(super) fn render(buf: &mut Buffer, area: Rect, p: &PaletteModel, ctx: &Ctx, state: &mut ViewState) {
    // Borders, the query, the target and one item.
    if area.width < 12 || area.height < 5 {
        return;
    }
    let box_w = if area.width > 44 {
        (area.width - 4).min(MAX_WIDTH)
    } else {
        area.width
    };
    let rows_wanted = p.items.len().clamp(1, MAX_ITEMS) as u16;
    // A blank line between the target and the list when there is room.
    let gap = u16::from(area.height >= rows_wanted + 5);
    let box_h = (4 + gap + rows_wanted).min(area.height);
    let rect = Rect::new(area.x + (area.width - box_w) / 2, area.y, box_w, box_h);
    let visible = usize::from(box_h - 4 - gap);
    let win = Window::scrolled(state.palette_offset, p.selected, p.items.len(), visible);
    state.palette_offset = win.offset;

    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.base);
    let title = Line::from(vec![
        Span::styled(" Actions ", ctx.theme.title),
        Span::styled(
            if p.items.is_empty() {
                String::new()
            } else {
                format!("{} {} ", ctx.g.dot, p.items.len())
            },
            ctx.theme.muted,
        ),
    ]);
    let inner = ctx.draw_box_styled(buf, rect, &title, win.position(ctx).as_ref(), ctx.theme.accent);
    if inner.width < 3 || inner.height < 3 {
        return;
    }
    // Text one cell in from the borders; the selection mark in that cell.
    let text_area = Rect {
        x: inner.x + 1,
        width: inner.width - 2,
        ..inner
    };
    let line_at = |i: u16| Rect {
        y: inner.y + i,
        height: 1,
        ..text_area
    };
    put_line(buf, line_at(0), &query_line(p.query, ctx));
    put_line(buf, line_at(1), &target_line(p.target, ctx));
    let first = 2 + gap;

    if p.items.is_empty() {
        let msg = if p.query.trim().is_empty() {
            "no action applies here".to_string()
        } else {
            let q = text::truncate(&text::sanitize(p.query), 30, ctx.g.ellipsis);
            format!("no action matches ':{q}'")
        };
        let l = line_at(first);
        put_str(buf, l.x, l.y, &msg, l.width, ctx.theme.muted);
        return;
    }
    let shown = &p.items[win.range()];
    let cols = Cols::plan(shown, text_area.width as usize);
    let selected = win.selected(p.selected);
    for (i, item) in shown.iter().enumerate() {
        let y = first + i as u16;
        if y >= inner.height {
            break;
        }
        let line = Rect {
            x: inner.x,
            width: inner.width,
            ..line_at(y)
        };
        draw_item(buf, line, item, &cols, ctx);
        if selected == Some(i) {
            rows::mark_selected(buf, line, Style::new(), ctx);
        }
    }
}

/// `:restart▏` in the accent style.
fn query_line<'a>(query: &str, ctx: &Ctx) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(":{}", text::sanitize(query)), ctx.theme.accent),
        Span::styled(ctx.g.cursor, ctx.theme.accent),
    ])
}

/// `target: deployment mda-agent`, or that nothing is selected.
fn target_line<'a>(target: Option<&str>, ctx: &Ctx) -> Line<'a> {
    let label = Span::styled("target: ", ctx.theme.muted);
    match target
        .map(|t| text::sanitize(t).trim().to_string())
        .filter(|t| !t.is_empty())
    {
        Some(t) => Line::from(vec![label, Span::styled(t, ctx.theme.title)]),
        None => Line::from(vec![label, Span::styled("none selected", ctx.theme.muted)]),
    }
}

/// Widths of the key, name, description and marker columns.
struct Cols {
    key: usize,
    name: usize,
    desc: usize,
    mark: usize,
}

impl Cols {
    fn plan(items: &[PaletteItem], width: usize) -> Cols {
        let key = items
            .iter()
            .map(|i| text::width(i.key))
            .max()
            .unwrap_or(0)
            .min(KEY_MAX);
        let name = items
            .iter()
            .map(|i| text::width(i.name))
            .max()
            .unwrap_or(0)
            .min(NAME_MAX);
        let mark = if items.iter().any(|i| i.destructive) {
            TYPED.len()
        } else {
            0
        };
        let fixed = gap(key) + name + 1 + gap(mark);
        let desc = width.saturating_sub(fixed);
        // On a narrow box the name gives way before the description vanishes.
        let name = if desc < DESC_MIN {
            name.saturating_sub(DESC_MIN - desc).max(name.min(8))
        } else {
            name
        };
        let fixed = gap(key) + name + 1 + gap(mark);
        Cols {
            key,
            name,
            desc: width.saturating_sub(fixed),
            mark,
        }
    }
}

/// A column and the space after it; nothing when it is empty.
fn gap(w: usize) -> usize {
    if w > 0 { w + 1 } else { 0 }
}

/// One action: a disabled one muted throughout, its reason in place of
/// its description.
fn draw_item(buf: &mut Buffer, line: Rect, item: &PaletteItem, cols: &Cols, ctx: &Ctx) {
    let th = ctx.theme;
    let ell = ctx.g.ellipsis;
    let disabled = item.disabled.map(text::sanitize);
    let live = |s: Style| if disabled.is_some() { th.muted } else { s };
    let y = line.y;
    let mut x = line.x + 1;
    let mut cell = |x: &mut u16, s: &str, w: usize, style: Style| {
        let s = text::truncate(s, w, ell);
        put_cell(buf, line, *x, y, &s, w as u16, false, style);
        *x = x.saturating_add(w as u16 + 1);
    };
    if cols.key > 0 {
        cell(&mut x, &text::sanitize(item.key), cols.key, live(th.accent));
    }
    cell(&mut x, &text::sanitize(item.name), cols.name, live(th.title));
    let desc = match &disabled {
        Some(why) => format!("disabled: {}", why.trim()),
        None => text::sanitize(item.description),
    };
    // Without the marker, the description runs on into its column.
    let desc_w = if item.destructive || cols.mark == 0 {
        cols.desc
    } else {
        cols.desc + 1 + cols.mark
    };
    cell(&mut x, &desc, desc_w, live(Style::new()));
    if cols.mark > 0 && item.destructive {
        cell(&mut x, TYPED, cols.mark, live(th.warn));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &'static str, name: &'static str, destructive: bool) -> PaletteItem<'static> {
        PaletteItem {
            key,
            name,
            description: "",
            destructive,
            disabled: None,
        }
    }

    #[test]
    fn the_description_takes_the_rest_and_the_name_gives_way_first() {
        let items = [item("R", "restart", true), item("ctrl-b", "backup-now", false)];
        let c = Cols::plan(&items, 80);
        assert_eq!((c.key, c.name, c.mark), (6, 10, 13));
        assert_eq!(c.desc, 80 - (6 + 1 + 10 + 1 + 13 + 1));
        let c = Cols::plan(&items, 40);
        assert_eq!((c.name, c.desc), (8, 10));
        let c = Cols::plan(&[item("R", "restart", false)], 40);
        assert_eq!((c.mark, c.desc), (0, 30));
        // No key at all: no key column.
        let c = Cols::plan(&[item("", "restart", false)], 40);
        assert_eq!((c.key, c.desc), (0, 32));
    }
}
