//! Prices screen: the table of symbols and, when there is room, the detail
//! pane of the selected one (right when wide, below otherwise).
//!
//! Only the rows in the visible window are formatted and drawn, straight
//! into the buffer (no `Table` widget: its per-cell `Text` and full-area
//! styling cost more than the rest of the frame), so a frame costs the same
//! for 20 symbols or 2000. `benches/prices.rs` measures it against plain
//! ratatui tables.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::glyphs::Glyphs;
use super::rows::{self, Window, row_area};
use super::text::{self, change_pct, price, price_decimals, rate, volume};
use super::{Ctx, centered_message, put_cell, side_by_side, stacked};
use crate::ViewState;
use crate::hit::{Hit, List};
use crate::model::{Direction, PriceColumn, PriceRow, PricesModel};

/// From this body width on, the detail pane sits right of the table.
const DETAIL_RIGHT_MIN_WIDTH: u16 = 120;
/// Below the table, the detail pane needs a body at least this tall.
const DETAIL_BELOW_MIN_HEIGHT: u16 = 18;

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &PricesModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    let sources_h = super::sources::height(&m.sources, area.height);
    let (area, sources_area) = stacked(area, area.height - sources_h);
    if sources_h > 0 {
        super::sources::render(buf, sources_area, &m.sources, ctx);
    }
    let show_detail = m.detail.is_some() && !m.rows.is_empty();
    let (table_area, detail_area) = split(area, show_detail);
    table(buf, table_area, m, filter, ctx, state);
    if let (Some(a), Some(d)) = (detail_area, &m.detail) {
        super::detail::render(buf, a, d, ctx);
    }
}

/// Table area and detail area.
fn split(area: Rect, show_detail: bool) -> (Rect, Option<Rect>) {
    if !show_detail {
        (area, None)
    } else if area.width >= DETAIL_RIGHT_MIN_WIDTH {
        let w = (area.width * 35 / 100).clamp(38, 64);
        let (table, detail) = side_by_side(area, area.width - w);
        (table, Some(detail))
    } else if area.height >= DETAIL_BELOW_MIN_HEIGHT {
        let h = (area.height * 2 / 5).max(7);
        let (table, detail) = stacked(area, area.height - h);
        (table, Some(detail))
    } else {
        (area, None)
    }
}

fn table(
    buf: &mut Buffer,
    area: Rect,
    m: &PricesModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    let title = title(m, filter, ctx);
    let inner = area.inner(Margin::new(1, 1));
    let visible = inner.height.saturating_sub(1) as usize;
    let win = Window::scrolled(state.prices_offset, m.selected, m.rows.len(), visible);
    state.prices_offset = win.offset;
    state.prices_page = visible;
    state.hits.push(area, Hit::List(List::Prices));

    if win.len == 0 {
        ctx.draw_box(buf, area, &title, None);
        let msg = match filter {
            _ if m.total == 0 => format!("waiting for first data{}", ctx.g.ellipsis),
            Some(f) => format!("no symbol matches filter '{}'", text::sanitize(f)),
            None => "no symbols to show".to_string(),
        };
        centered_message(buf, inner, &msg, ctx.theme.muted);
        return;
    }

    let window = &m.rows[win.range()];
    let texts: Vec<RowText> = window.iter().map(|r| RowText::new(r, ctx.g)).collect();
    let cols = plan_columns(inner.width, &texts, m);

    ctx.draw_box(buf, area, &title, win.position(ctx).as_ref());
    let selected = win.selected(m.selected);
    draw_header(buf, inner, &cols, m, ctx);
    for (i, (r, t)) in window.iter().zip(&texts).enumerate() {
        let row = row_area(inner, i);
        let index = win.offset + i;
        state.hits.push(
            row,
            Hit::Row {
                list: List::Prices,
                index,
            },
        );
        draw_row(buf, row, r, t, &cols, selected == Some(i), ctx);
    }
}

fn title<'a>(m: &PricesModel, filter: Option<&str>, ctx: &Ctx) -> Line<'a> {
    let count = if m.rows.len() < m.total {
        format!("{} of {} symbols", m.rows.len(), m.total)
    } else {
        format!("{} symbols", m.total)
    };
    let mut line = Line::from(vec![
        Span::styled(" Prices ", ctx.theme.title),
        Span::styled(format!("{} {count} ", ctx.g.dot), ctx.theme.muted),
    ]);
    if let Some(f) = filter {
        let f = text::truncate(&text::sanitize(f), 20, ctx.g.ellipsis);
        line.spans.push(Span::styled(
            format!("{} filter '{f}' ", ctx.g.dot),
            ctx.theme.accent,
        ));
    }
    line
}

/// What a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data(PriceColumn),
    Spark,
}

struct Col {
    kind: Kind,
    width: u16,
}

/// Columns dropped first when the table is too narrow, in order.
const DROP_ORDER: [Kind; 7] = [
    Kind::Data(PriceColumn::Spread),
    Kind::Data(PriceColumn::TicksPerSec),
    Kind::Spark,
    Kind::Data(PriceColumn::Volume),
    Kind::Data(PriceColumn::Ask),
    Kind::Data(PriceColumn::Bid),
    Kind::Data(PriceColumn::ChangePct),
];

const SPARK_MIN: u16 = 8;
const SPARK_MAX: u16 = 24;
const SYMBOL_MAX: usize = 16;

/// Least width per column, so widths do not jitter while scrolling.
fn min_width(c: PriceColumn) -> usize {
    match c {
        PriceColumn::Symbol => 7,
        PriceColumn::Last | PriceColumn::Bid | PriceColumn::Ask => 9,
        PriceColumn::ChangePct => 7,
        PriceColumn::Spread | PriceColumn::Volume | PriceColumn::TicksPerSec => 6,
    }
}

fn plan_columns(avail: u16, texts: &[RowText], m: &PricesModel) -> Vec<Col> {
    let mut cols: Vec<Col> = PriceColumn::ALL
        .iter()
        .map(|&c| {
            let content = texts.iter().map(|t| text::width(t.get(c))).max().unwrap_or(0);
            let head = text::width(c.title()) + usize::from(c == m.sort);
            let mut width = content.max(head).max(min_width(c));
            if c == PriceColumn::Symbol {
                // The stale marker cell before the name; very long names are cut.
                width = (width + 1).min(SYMBOL_MAX);
            }
            Col {
                kind: Kind::Data(c),
                width: width as u16,
            }
        })
        .collect();
    cols.push(Col {
        kind: Kind::Spark,
        width: SPARK_MIN,
    });

    // Highlight symbol column, then columns separated by one space.
    let total = |cols: &[Col]| -> u16 {
        1 + cols.iter().map(|c| c.width).sum::<u16>() + cols.len().saturating_sub(1) as u16
    };
    for kind in DROP_ORDER {
        if total(&cols) <= avail {
            break;
        }
        cols.retain(|c| c.kind != kind);
    }
    let spare = avail.saturating_sub(total(&cols));
    if let Some(spark) = cols.iter_mut().find(|c| c.kind == Kind::Spark) {
        spark.width = (spark.width + spare).min(SPARK_MAX);
    }
    cols
}

fn is_numeric(c: PriceColumn) -> bool {
    c != PriceColumn::Symbol
}

/// Left edge of each column: after the one-cell selection mark, columns
/// separated by one space.
fn column_xs(area: Rect, cols: &[Col]) -> impl Iterator<Item = (u16, &Col)> {
    let mut x = area.x + 1;
    cols.iter().map(move |c| {
        let at = x;
        x = x.saturating_add(c.width + 1);
        (at, c)
    })
}

fn draw_header(buf: &mut Buffer, area: Rect, cols: &[Col], m: &PricesModel, ctx: &Ctx) {
    let style = ctx.theme.header;
    buf.set_style(Rect { height: 1, ..area }, style);
    for (x, c) in column_xs(area, cols) {
        let (label, right) = match c.kind {
            Kind::Spark => ("Trend".to_string(), false),
            Kind::Data(col) => {
                let marker = match (col == m.sort, m.descending) {
                    (false, _) => "",
                    (true, true) => ctx.g.sort_down,
                    (true, false) => ctx.g.sort_up,
                };
                let label = format!("{}{marker}", col.title());
                if is_numeric(col) {
                    (label, true)
                } else {
                    (format!(" {label}"), false)
                }
            }
        };
        put_cell(buf, area, x, area.y, &label, c.width, right, style);
    }
}

/// One data row, written straight into the buffer: the style of the row
/// (stale), then each cell's own style, then the selection over it all.
fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    r: &PriceRow,
    t: &RowText,
    cols: &[Col],
    selected: bool,
    ctx: &Ctx,
) {
    let th = ctx.theme;
    let row_style = rows::row_style(buf, area, r.stale, ctx);
    // A stale row shows no direction colours: its numbers are not current.
    let live = |s: Style| if r.stale { row_style } else { row_style.patch(s) };
    let dir_style = match r.direction {
        Direction::Up => th.up,
        Direction::Down => th.down,
        Direction::Flat => Style::new(),
    };
    let y = area.y;
    for (x, c) in column_xs(area, cols) {
        match c.kind {
            Kind::Spark => {
                let style = match spark_trend(r.spark, c.width as usize) {
                    Some(true) => th.up,
                    Some(false) => th.down,
                    None => th.muted,
                };
                draw_sparkline(buf, area, x, y, r.spark, c.width, &ctx.g.spark, live(style));
            }
            Kind::Data(PriceColumn::Symbol) => {
                let mark = if r.stale { ctx.g.stale } else { " " };
                put_cell(buf, area, x, y, mark, 1, false, row_style);
                put_cell(buf, area, x + 1, y, &t.symbol, c.width - 1, false, row_style);
            }
            Kind::Data(col) => {
                let style = match col {
                    PriceColumn::Last => dir_style,
                    PriceColumn::ChangePct => match r.change_pct {
                        Some(v) if v > 0.0 => th.up,
                        Some(v) if v < 0.0 => th.down,
                        _ => Style::new(),
                    },
                    PriceColumn::Spread if r.ask < r.bid => th.critical,
                    _ => Style::new(),
                };
                put_cell(buf, area, x, y, t.get(col), c.width, true, live(style));
            }
        }
    }
    if selected {
        rows::mark_selected(buf, area, row_style, ctx);
    }
}

/// The formatted numbers of one visible row.
struct RowText {
    symbol: String,
    last: String,
    change: String,
    bid: String,
    ask: String,
    spread: String,
    volume: String,
    ticks: String,
}

impl RowText {
    fn new(r: &PriceRow, g: &Glyphs) -> RowText {
        let d = price_decimals(r.last);
        let m = |s: String| g.swap_missing(s);
        RowText {
            symbol: text::sanitize(r.symbol),
            last: m(price(r.last, d)),
            change: m(change_pct(r.change_pct)),
            bid: m(price(r.bid, d)),
            ask: m(price(r.ask, d)),
            spread: m(price(r.ask - r.bid, d)),
            volume: m(volume(r.volume)),
            ticks: m(rate(r.ticks_per_sec)),
        }
    }

    fn get(&self, c: PriceColumn) -> &str {
        match c {
            // The symbol cell carries a one-cell stale marker before the name.
            PriceColumn::Symbol => &self.symbol,
            PriceColumn::Last => &self.last,
            PriceColumn::ChangePct => &self.change,
            PriceColumn::Bid => &self.bid,
            PriceColumn::Ask => &self.ask,
            PriceColumn::Spread => &self.spread,
            PriceColumn::Volume => &self.volume,
            PriceColumn::TicksPerSec => &self.ticks,
        }
    }
}

/// Whether the last `w` points trend up (`None` when flat or empty).
fn spark_trend(data: &[f64], w: usize) -> Option<bool> {
    let shown = &data[data.len().saturating_sub(w)..];
    let mut finite = shown.iter().copied().filter(|v| v.is_finite());
    match (finite.next(), finite.next_back()) {
        (Some(a), Some(b)) if b > a => Some(true),
        (Some(a), Some(b)) if b < a => Some(false),
        _ => None,
    }
}

/// Level (0..8) of each of the last `w` points, scaled to their own
/// min..max; `None` for a gap (not a number).
fn spark_levels(data: &[f64], w: usize) -> impl Iterator<Item = Option<usize>> + '_ {
    let shown = &data[data.len().saturating_sub(w)..];
    let (lo, hi) = shown
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    shown.iter().map(move |&v| {
        if !v.is_finite() {
            None
        } else if hi > lo {
            Some((((v - lo) / (hi - lo) * 7.0).round() as usize).min(7))
        } else {
            Some(3)
        }
    })
}

/// Draws the sparkline right aligned (newest point at the right edge).
#[allow(clippy::too_many_arguments)]
fn draw_sparkline(
    buf: &mut Buffer,
    area: Rect,
    x: u16,
    y: u16,
    data: &[f64],
    width: u16,
    levels: &[&str; 8],
    style: Style,
) {
    let width = width.min(area.right().saturating_sub(x));
    let n = data.len().min(width as usize) as u16;
    let start = x + width - n;
    for (i, level) in spark_levels(data, width as usize).enumerate() {
        let cell = &mut buf[(start + i as u16, y)];
        cell.set_symbol(level.map_or(" ", |l| levels[l]));
        cell.set_style(style);
    }
}

/// The sparkline as a string, for tests.
#[cfg(test)]
pub(crate) fn sparkline(data: &[f64], w: usize, levels: &[&str; 8]) -> (String, Option<bool>) {
    let shown = data.len().min(w);
    let mut s = " ".repeat(w - shown);
    for level in spark_levels(data, w) {
        s.push_str(level.map_or(" ", |l| levels[l]));
    }
    (s, spark_trend(data, w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::glyphs::UNICODE;

    #[test]
    fn sparkline_scales_to_the_slice() {
        let (s, up) = sparkline(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 8, &UNICODE.spark);
        assert_eq!(s, "▁▂▃▄▅▆▇█");
        assert_eq!(up, Some(true));
        let (s, up) = sparkline(&[10.0, 5.0], 4, &UNICODE.spark);
        assert_eq!(s, "  █▁");
        assert_eq!(up, Some(false));
        let (s, up) = sparkline(&[3.0, 3.0, 3.0], 3, &UNICODE.spark);
        assert_eq!(s, "▄▄▄");
        assert_eq!(up, None);
        // Only the last `w` points count, and set the scale.
        let (s, _) = sparkline(&[1000.0, 1.0, 2.0], 2, &UNICODE.spark);
        assert_eq!(s, "▁█");
        let (s, _) = sparkline(&[1.0, f64::NAN, 2.0], 3, &UNICODE.spark);
        assert_eq!(s, "▁ █");
        assert_eq!(sparkline(&[], 3, &UNICODE.spark), ("   ".to_string(), None));
    }
}
