//! SLO screen: an optional banner naming a problem with the source, the
//! table of SLOs (one burn-rate column per window, a legend line under it)
//! and the detail pane of the selected SLO (below the table, or right of
//! it on very wide terminals).
//!
//! Like the prices table, rows are drawn straight into the buffer and only
//! the visible ones are formatted.
//!
//! Colours are a reading aid; the words carry the meaning. A burn rate
//! above the highest threshold of the model (the page threshold, 14.4 by
//! default) is critical, above 1 (spending faster than the budget allows)
//! warn. The per-window alert rules are the console's business: the Alert
//! column shows its verdict.

mod chart;
mod detail;
mod fmt;
mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Ctx, put_str, side_by_side, stacked, text};
use crate::ViewState;
use crate::model::SlosModel;

/// Page threshold when the model gives none: 2% of a 30-day budget in 1h.
pub(crate) const DEFAULT_PAGE_BURN: f64 = 14.4;
/// From this body width on, the detail pane sits right of the table.
const DETAIL_RIGHT_MIN_WIDTH: u16 = 180;
/// Least height of the detail pane below the table, borders included.
const DETAIL_BELOW_MIN_HEIGHT: u16 = 8;
/// With the detail pane below, the table keeps at least this many rows
/// (or all of them when fewer), plus borders, header and legend.
const TABLE_MIN_ROWS: u16 = 3;

pub(crate) fn render(buf: &mut Buffer, area: Rect, m: &SlosModel, ctx: &Ctx, state: &mut ViewState) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let banner_h = m.problem.map_or(0, |p| banner(buf, area, p, ctx));
    let (_, body) = stacked(area, banner_h);
    let page = page_burn(m);
    let show_detail = m.detail.is_some() && !m.rows.is_empty();
    let (table_area, detail_area) = split(body, show_detail, m.rows.len());
    table::render(buf, table_area, m, page, ctx, state);
    if let (Some(a), Some(d)) = (detail_area, &m.detail) {
        let row = m.selected.and_then(|i| m.rows.get(i));
        detail::render(buf, a, d, row, page, ctx);
    }
}

/// The burn rate drawn critical: the highest finite threshold above 1 of
/// the detail model, else the workbook's 14.4.
fn page_burn(m: &SlosModel) -> f64 {
    m.detail
        .as_ref()
        .and_then(|d| {
            d.thresholds
                .iter()
                .map(|t| t.0)
                .filter(|v| v.is_finite() && *v > 1.0)
                .max_by(f64::total_cmp)
        })
        .unwrap_or(DEFAULT_PAGE_BURN)
}

/// Draws the problem banner at the top of `area` (one line, two on roomy
/// screens when it does not fit in one) and returns its height.
fn banner(buf: &mut Buffer, area: Rect, problem: &str, ctx: &Ctx) -> u16 {
    let max_lines: usize = if area.height >= 14 { 2 } else { 1 };
    let prefix = format!(" {} ", ctx.g.stale);
    let indent = text::width(&prefix);
    let room = (area.width as usize).saturating_sub(indent + 1).max(1);
    let msg = text::sanitize(problem);
    let lines = text::wrap_at_most(&msg, room, max_lines, ctx.g.ellipsis);
    let style = ctx.theme.critical;
    let h = (lines.len() as u16).min(area.height);
    buf.set_style(Rect { height: h, ..area }, style);
    for (i, l) in lines.iter().take(h as usize).enumerate() {
        let y = area.y + i as u16;
        if i == 0 {
            put_str(buf, area.x, y, &prefix, area.width, style);
        }
        let x = area.x.saturating_add(indent as u16);
        put_str(buf, x, y, l, area.right().saturating_sub(x), style);
    }
    h
}

/// Table area and detail area.
fn split(area: Rect, show_detail: bool, rows: usize) -> (Rect, Option<Rect>) {
    if !show_detail {
        return (area, None);
    }
    if area.width >= DETAIL_RIGHT_MIN_WIDTH && area.height >= DETAIL_BELOW_MIN_HEIGHT {
        let w = (area.width * 35 / 100).clamp(56, 90);
        let (table, detail) = side_by_side(area, area.width - w);
        return (table, Some(detail));
    }
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let table_min = rows.min(TABLE_MIN_ROWS) + 4;
    if area.height < table_min + DETAIL_BELOW_MIN_HEIGHT {
        return (area, None);
    }
    // The table as tall as its rows (header, legend, borders), but leaving
    // the detail pane at least two fifths of the body.
    let needed = rows.saturating_add(4);
    let detail_min = (area.height * 2 / 5).max(DETAIL_BELOW_MIN_HEIGHT);
    let h = needed.min(area.height.saturating_sub(detail_min)).max(table_min);
    let (table, detail) = stacked(area, h);
    (table, Some(detail))
}
