//! Capacity screen: an optional banner naming a failing source, the line
//! saying where the history comes from, a table with one row per resource
//! (columns drop by priority when the terminal is narrow) and the chart of
//! the selected resource below it.

mod chart;
mod fmt;
mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Ctx, banner, centered_message, put_str, stacked, text};
use crate::model::CapacityModel;

/// The chart is drawn only with at least this many rows left for it.
const MIN_CHART_HEIGHT: u16 = 6;

/// Expanded: the selected resource's chart over the whole body; `false`
/// before there is one.
pub(crate) fn render_chart(buf: &mut Buffer, area: Rect, m: &CapacityModel, ctx: &Ctx) -> bool {
    match &m.chart {
        Some(c) => {
            chart::render(buf, area, c, ctx);
            true
        }
        None => false,
    }
}

pub(crate) fn render(buf: &mut Buffer, area: Rect, m: &CapacityModel, ctx: &Ctx) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let banner_h = m.problem.map_or(0, |p| banner::render(buf, area, &[p], ctx));
    let (_, body) = stacked(area, banner_h);
    if body.height == 0 {
        return;
    }
    let (source, body) = stacked(body, 1);
    put_str(buf, source.x, source.y, m.source, source.width, ctx.theme.muted);
    if m.loading
        && m.rows
            .iter()
            .all(|r| r.current.is_none() && r.unavailable.is_none())
    {
        centered_message(buf, body, "waiting for the first forecast", ctx.theme.muted);
        return;
    }
    let table_h = (m.rows.len() as u16 + 3).min(body.height);
    let (table_area, chart_area) = stacked(body, table_h);
    table::render(buf, table_area, m, ctx);
    if chart_area.height >= MIN_CHART_HEIGHT
        && let Some(chart) = &m.chart
    {
        chart::render(buf, chart_area, chart, ctx);
    } else if m.chart.is_none() {
        no_forecast(buf, chart_area, m, ctx);
    }
}

/// Under the table, in full, why the selected resource has no forecast:
/// its row has room only for the start of the reason.
fn no_forecast(buf: &mut Buffer, area: Rect, m: &CapacityModel, ctx: &Ctx) {
    let Some(row) = m.selected.and_then(|i| m.rows.get(i)) else {
        return;
    };
    let Some(no) = row.unavailable else {
        return;
    };
    if area.width == 0 || area.height == 0 {
        return;
    }
    let message = format!("{}: no forecast: {}", row.name, text::sanitize(no.why));
    let lines = text::wrap_at_most(
        &message,
        area.width as usize,
        area.height as usize,
        ctx.g.ellipsis,
    );
    for (y, line) in (area.y..area.bottom()).zip(&lines) {
        put_str(buf, area.x, y, line, area.width, ctx.theme.warn);
    }
}
