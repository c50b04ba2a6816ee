//! Help overlay: a centred popup listing every section and key, in one
//! column when it fits, else two; whatever still does not fit is announced
//! on the last line rather than silently dropped.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Widget};

use super::text;
use super::{Ctx, centered, put_str};
use crate::model::HelpModel;

const KEY_MAX: usize = 16;
const DESC_MAX: usize = 44;
/// Space between the two columns.
const GUTTER: u16 = 3;

/// One line of the help text.
enum Item {
    Title(String),
    Entry(String, String),
    Blank,
}

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &HelpModel, ctx: &Ctx) {
    let sections: Vec<Vec<Item>> = m
        .sections
        .iter()
        .map(|(title, keys)| {
            std::iter::once(Item::Title(text::sanitize(title)))
                .chain(
                    keys.iter()
                        .map(|(k, d)| Item::Entry(text::sanitize(k), text::sanitize(d))),
                )
                .collect()
        })
        .collect();

    // A one-cell gap around the popup, borders, and a one-cell margin inside.
    let max_inner_w = area.width.saturating_sub(2 + 4);
    let max_inner_h = area.height.saturating_sub(2 + 2);
    let one = join(sections.iter().collect());
    let columns: Vec<Vec<&Item>> = if one.len() as u16 <= max_inner_h || sections.len() < 2 {
        vec![one]
    } else {
        let (a, b) = split_balanced(&sections);
        vec![join(a), join(b)]
    };
    let key_ws: Vec<usize> = columns.iter().map(|c| key_width(c)).collect();
    let mut widths: Vec<u16> = columns
        .iter()
        .zip(&key_ws)
        .map(|(c, &k)| natural_width(c, k))
        .collect();
    let gutters = GUTTER * (widths.len() as u16 - 1);
    // Narrow the widest column until they all fit.
    while widths.iter().sum::<u16>() + gutters > max_inner_w {
        let widest = (0..widths.len()).max_by_key(|&i| widths[i]).unwrap_or(0);
        if widths[widest] <= 8 {
            break;
        }
        widths[widest] -= 1;
    }
    let inner_w = widths.iter().sum::<u16>() + gutters;
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let inner_h = rows.min(max_inner_h);
    let rect = centered(area, inner_w + 4, inner_h + 4);

    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.base);
    ctx.draw_box(buf, rect, &Line::from(" Help "), None);
    let body = Rect {
        x: rect.x + 2,
        y: rect.y + 2,
        width: rect.width.saturating_sub(4),
        height: rect.height.saturating_sub(4),
    };
    let mut hidden = 0;
    let mut x = body.x;
    for ((items, &col_w), &key_w) in columns.iter().zip(&widths).zip(&key_ws) {
        let key_w = key_w.min(col_w as usize / 2);
        let fit = if (items.len() as u16) > body.height {
            body.height.saturating_sub(1) as usize
        } else {
            items.len()
        };
        hidden += items[fit..]
            .iter()
            .filter(|i| matches!(i, Item::Entry(..)))
            .count();
        for (row, item) in items[..fit].iter().enumerate() {
            draw_item(buf, x, body.y + row as u16, item, key_w, col_w, ctx);
        }
        x += col_w + GUTTER;
    }
    if hidden > 0 && body.height > 0 {
        let msg = format!("{} {hidden} more: enlarge the terminal", ctx.g.ellipsis);
        put_str(buf, body.x, body.bottom() - 1, &msg, body.width, ctx.theme.warn);
    }
}

/// Widest key in a column, capped.
fn key_width(items: &[&Item]) -> usize {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Entry(k, _) => Some(text::width(k)),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .min(KEY_MAX)
}

/// Width a column needs to show everything, capped.
fn natural_width(items: &[&Item], key_w: usize) -> u16 {
    items
        .iter()
        .map(|i| match i {
            Item::Title(t) => text::width(t),
            Item::Entry(_, d) => key_w + 2 + text::width(d).min(DESC_MAX),
            Item::Blank => 0,
        })
        .max()
        .unwrap_or(0) as u16
}

fn draw_item(buf: &mut Buffer, x: u16, y: u16, item: &Item, key_w: usize, col_w: u16, ctx: &Ctx) {
    let t = ctx.theme;
    let ell = ctx.g.ellipsis;
    let desc_room = (col_w as usize).saturating_sub(key_w + 2);
    match item {
        Item::Title(s) => put_str(
            buf,
            x,
            y,
            &text::truncate(s, col_w as usize, ell),
            col_w,
            t.header,
        ),
        Item::Entry(k, d) => {
            let k = text::truncate(k, key_w, ell);
            let d = text::truncate(d, desc_room, ell);
            put_str(buf, x, y, &k, key_w as u16, t.accent);
            put_str(buf, x + key_w as u16 + 2, y, &d, desc_room as u16, Style::new());
        }
        Item::Blank => {}
    }
}

static BLANK: Item = Item::Blank;

/// Sections one after another with a blank line between.
fn join(sections: Vec<&Vec<Item>>) -> Vec<&Item> {
    let mut out = Vec::new();
    for (i, s) in sections.into_iter().enumerate() {
        if i > 0 {
            out.push(&BLANK);
        }
        out.extend(s.iter());
    }
    out
}

/// Splits the sections, in order, into two runs of near-equal height.
fn split_balanced(sections: &[Vec<Item>]) -> (Vec<&Vec<Item>>, Vec<&Vec<Item>>) {
    let height =
        |s: &[Vec<Item>]| -> usize { s.iter().map(Vec::len).sum::<usize>() + s.len().saturating_sub(1) };
    let best = (1..sections.len())
        .min_by_key(|&k| height(&sections[..k]).max(height(&sections[k..])))
        .unwrap_or(1);
    (
        sections[..best].iter().collect(),
        sections[best..].iter().collect(),
    )
}
