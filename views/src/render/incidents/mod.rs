//! Incidents screen: a banner naming problems with the incident sources,
//! the table of incidents (agent incidents and Alertmanager alerts
//! correlated into rows) and the detail pane of the selected one (below
//! the table, or right of it on very wide terminals).
//!
//! Like the other tables, rows are drawn straight into the buffer and only
//! the visible ones are formatted.
//!
//! Colours are a reading aid; the words carry the meaning: every severity
//! and status is spelled out, and acknowledged or silenced rows say so in
//! their own column.

mod detail;
mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::rows::split_detail;
use super::{Ctx, banner, stacked};
use crate::ViewState;
use crate::model::{IncidentStatusModel, IncidentsModel, SeverityModel};

/// Lines of the table besides its rows: borders and header.
const TABLE_CHROME: u16 = 3;

pub(crate) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &IncidentsModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let banner_h = banner::render(buf, area, &m.problems, ctx);
    let (_, body) = stacked(area, banner_h);
    let show_detail = m.detail.is_some() && !m.rows.is_empty();
    let (table_area, detail_area) = split_detail(body, show_detail, m.rows.len(), TABLE_CHROME);
    table::render(buf, table_area, m, filter, ctx, state);
    if let (Some(a), Some(d)) = (detail_area, &m.detail) {
        detail::render(buf, a, d, ctx);
    }
}

/// Expanded: the banner and the selected incident's detail over the whole
/// body; `false` when there is no detail to show.
pub(crate) fn render_detail(buf: &mut Buffer, area: Rect, m: &IncidentsModel, ctx: &Ctx) -> bool {
    let Some(d) = m.detail.as_ref().filter(|_| !m.rows.is_empty()) else {
        return false;
    };
    let banner_h = banner::render(buf, area, &m.problems, ctx);
    let (_, body) = stacked(area, banner_h);
    detail::render(buf, body, d, ctx);
    true
}

/// SEV1 critical, SEV2 warn, SEV3 accent, SEV4 muted.
pub(crate) fn severity_style(s: SeverityModel, ctx: &Ctx) -> Style {
    match s {
        SeverityModel::Sev1 => ctx.theme.critical,
        SeverityModel::Sev2 => ctx.theme.warn,
        SeverityModel::Sev3 => ctx.theme.accent,
        SeverityModel::Sev4 => ctx.theme.muted,
    }
}

/// Triggered stands out (nobody handles it), acknowledged reads as handled,
/// resolved fades.
fn status_style(s: IncidentStatusModel, ctx: &Ctx) -> Style {
    match s {
        IncidentStatusModel::Triggered => ctx.theme.critical,
        IncidentStatusModel::Acknowledged => ctx.theme.ok,
        IncidentStatusModel::Resolved => ctx.theme.muted,
    }
}

/// Style of a signal's state word (`firing`, `acked`, `silenced`,
/// `inhibited`, `resolved`), in the same spirit as [`status_style`].
fn signal_state_style(state: &str, ctx: &Ctx) -> Style {
    match state {
        "firing" => ctx.theme.critical,
        "acked" | "silenced" | "inhibited" => ctx.theme.ok,
        _ => ctx.theme.muted,
    }
}
