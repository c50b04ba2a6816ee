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

use super::rows::split_detail;
use super::{Ctx, banner, stacked};
use crate::ViewState;
use crate::model::SlosModel;

/// Page threshold when the model gives none: 2% of a 30-day budget in 1h.
pub(crate) const DEFAULT_PAGE_BURN: f64 = 14.4;
/// Lines of the table besides its rows: borders, header and legend.
const TABLE_CHROME: u16 = 4;

pub(crate) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &SlosModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let banner_h = m.problem.map_or(0, |p| banner::render(buf, area, &[p], ctx));
    let (_, body) = stacked(area, banner_h);
    let page = page_burn(m);
    let show_detail = m.detail.is_some() && !m.rows.is_empty();
    let (table_area, detail_area) = split_detail(body, show_detail, m.rows.len(), TABLE_CHROME);
    table::render(buf, table_area, m, page, filter, ctx, state);
    if let (Some(a), Some(d)) = (detail_area, &m.detail) {
        let row = m.selected.and_then(|i| m.rows.get(i));
        detail::render(buf, a, d, row, page, ctx);
    }
}

/// Expanded: the banner and the selected SLO's detail over the whole body;
/// `false` when there is no detail to show.
pub(crate) fn render_detail(buf: &mut Buffer, area: Rect, m: &SlosModel, ctx: &Ctx) -> bool {
    let Some(d) = m.detail.as_ref().filter(|_| !m.rows.is_empty()) else {
        return false;
    };
    let banner_h = m.problem.map_or(0, |p| banner::render(buf, area, &[p], ctx));
    let (_, body) = stacked(area, banner_h);
    let row = m.selected.and_then(|i| m.rows.get(i));
    detail::render(buf, body, d, row, page_burn(m), ctx);
    true
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
