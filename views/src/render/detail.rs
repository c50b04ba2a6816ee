//! Detail pane of the selected symbol: a line chart of closes with its range
//! and time span, and the label/value facts beside or below it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::text::{self, price, price_decimals};
use super::{Ctx, centered_message, line_chart};
use crate::model::{BarsState, DetailModel};

/// With at least this inner width the facts sit right of the chart.
const FACTS_BESIDE_MIN_WIDTH: u16 = 60;
const CHART_MIN_HEIGHT: u16 = 3;
/// A chart is never capped below this height for proportion's sake.
const CHART_TALL_MIN: u16 = 8;

pub(super) fn render(buf: &mut Buffer, area: Rect, d: &DetailModel, ctx: &Ctx) {
    let title = Line::from(vec![
        Span::styled(format!(" {} ", text::sanitize(d.symbol)), ctx.theme.title),
        Span::styled(
            format!("{} {} bars ", ctx.g.dot, text::sanitize(d.interval)),
            ctx.theme.muted,
        ),
    ]);
    let inner = ctx.draw_box(buf, area, &title, None);
    if inner.width < 8 || inner.height == 0 {
        return;
    }

    let facts: Vec<(String, String)> = d
        .facts
        .iter()
        .map(|(k, v)| (text::sanitize(k), text::sanitize(v)))
        .collect();
    let label_w = facts.iter().map(|(k, _)| text::width(k)).max().unwrap_or(0);
    let value_w = facts.iter().map(|(_, v)| text::width(v)).max().unwrap_or(0);
    let cell_w = (label_w + 1 + value_w).min(1000) as u16;

    let (chart_area, facts_area, columns) = if facts.is_empty() {
        (inner, Rect::ZERO, 1)
    } else if inner.width >= FACTS_BESIDE_MIN_WIDTH {
        let w = (cell_w + 2).min(inner.width / 2);
        let chart = Rect {
            width: inner.width - w,
            ..inner
        };
        let facts = Rect {
            x: inner.x + chart.width + 2,
            width: w - 2,
            ..inner
        };
        (chart, facts, 1)
    } else {
        let columns = (inner.width / (cell_w + 2)).clamp(1, 3);
        let rows = (facts.len() as u16).div_ceil(columns);
        let rows = if inner.height >= rows + CHART_MIN_HEIGHT {
            rows
        } else {
            rows.min(inner.height / 2)
        };
        // A tall narrow pane gets a chart of about square proportions (a
        // cell is twice as tall as wide), facts right below it.
        let chart_h = (inner.height - rows).min(proportionate_height(inner.width));
        let chart = Rect {
            height: chart_h,
            ..inner
        };
        let facts = Rect {
            y: inner.y + chart_h,
            height: rows,
            ..inner
        };
        (chart, facts, columns)
    };
    // On a very tall terminal the chart keeps about square proportions
    // rather than stretching down the whole pane.
    let chart_area = Rect {
        height: chart_area.height.min(proportionate_height(chart_area.width)),
        ..chart_area
    };
    chart(buf, chart_area, d, ctx);
    draw_facts(buf, facts_area, &facts, columns, label_w, ctx);
}

/// Rows of a chart `width` cells wide of about square proportions (a cell
/// is twice as tall as wide), but never fewer than [`CHART_TALL_MIN`].
pub(super) fn proportionate_height(width: u16) -> u16 {
    (width * 2 / 5).max(CHART_TALL_MIN)
}

fn chart(buf: &mut Buffer, area: Rect, d: &DetailModel, ctx: &Ctx) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let ell = ctx.g.ellipsis;
    match d.bars {
        BarsState::Loading => {
            let msg = format!("loading {} bars{ell}", text::sanitize(d.interval));
            centered_message(buf, area, &msg, ctx.theme.muted);
        }
        BarsState::Failed(e) => {
            let e = text::truncate(&text::sanitize(e), 200, ctx.g.ellipsis);
            centered_message(buf, area, &format!("bars unavailable: {e}"), ctx.theme.critical);
        }
        BarsState::Ready([]) => centered_message(buf, area, "no bars yet", ctx.theme.muted),
        BarsState::Ready(data) => plot(buf, area, data, ctx),
    }
}

/// Line chart with the max close at the top left, the min at the bottom
/// left, and the first and last bar times below.
fn plot(buf: &mut Buffer, area: Rect, data: &[(f64, f64)], ctx: &Ctx) {
    let closes = || data.iter().map(|p| p.1).filter(|v| v.is_finite());
    let (lo, hi) = closes().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        centered_message(buf, area, "no bars yet", ctx.theme.muted);
        return;
    }
    let last = closes().next_back().unwrap_or(hi);
    let first = closes().next().unwrap_or(lo);
    let decimals = price_decimals(last);
    let (hi_s, lo_s) = (price(hi, decimals), price(lo, decimals));
    let times = (data[0].0, Some(data[data.len() - 1].0));
    let Some(plot) = line_chart::frame(buf, area, (&hi_s, &lo_s), times, ctx.theme.muted) else {
        return;
    };

    let pad = if hi > lo { 0.0 } else { (hi.abs() * 1e-3).max(1e-9) };
    let style = if last > first {
        ctx.theme.up
    } else if last < first {
        ctx.theme.down
    } else {
        ctx.theme.accent
    };
    line_chart::plot_line(buf, plot, data, [lo - pad, hi + pad], style, ctx);
}

fn draw_facts(
    buf: &mut Buffer,
    area: Rect,
    facts: &[(String, String)],
    columns: u16,
    label_w: usize,
    ctx: &Ctx,
) {
    if area.height == 0 || area.width == 0 || facts.is_empty() {
        return;
    }
    let col_w = area.width / columns;
    let rows = area.height as usize;
    for (i, (k, v)) in facts.iter().enumerate() {
        let (col, row) = ((i / rows) as u16, (i % rows) as u16);
        if col >= columns {
            break;
        }
        let x = area.x + col * col_w;
        let gap = if col + 1 < columns { 2 } else { 0 };
        let w = col_w.saturating_sub(gap).max(1);
        let line = Line::from(vec![
            Span::styled(format!("{k:<label_w$} "), ctx.theme.muted),
            Span::styled(v.as_str(), ctx.theme.base),
        ]);
        buf.set_line(x, area.y + row, &line, w);
    }
}
