//! Timeline screen ("what changed"): a bar with the kind and environment
//! filters, the events newest first, and the detail pane of the selected
//! one (below the list, or right of it on very wide terminals).
//!
//! Colours are a reading aid; the words carry the meaning: every kind and
//! level is spelled out, and hidden kinds are named on the bar.

mod detail;
mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::rows::split_detail;
use super::{Ctx, put_line, stacked};
use crate::ViewState;
use crate::model::{TimelineKind, TimelineLevel, TimelineModel};

/// Lines of the list besides its rows: borders and header.
const TABLE_CHROME: u16 = 3;

pub(crate) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &TimelineModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let (bar, body) = stacked(area, 1);
    put_line(buf, bar, &bar_line(m, bar.width, ctx));
    let show_detail = m.detail.is_some() && !m.rows.is_empty();
    let (table_area, detail_area) = split_detail(body, show_detail, m.rows.len(), TABLE_CHROME);
    table::render(buf, table_area, m, filter, ctx, state);
    if let (Some(a), Some(d)) = (detail_area, &m.detail) {
        detail::render(buf, a, d, ctx);
    }
}

/// ` s:slo a:alert ... · e:env all · hiding kube `: each kind's toggle key,
/// the hidden ones faded and crossed out, then named (colour-blind and
/// monochrome terminals read the words).
fn bar_line<'a>(m: &'a TimelineModel, width: u16, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let dot = ctx.g.dot;
    let mut line = Line::from(Span::raw(" "));
    for &(kind, key, shown) in &m.kinds {
        let style = if shown {
            Style::new()
        } else {
            th.muted.add_modifier(Modifier::CROSSED_OUT)
        };
        line.spans.push(Span::styled(key, th.accent));
        line.spans
            .push(Span::styled(format!(":{} ", kind.label()), style));
    }
    line.spans.push(Span::styled(format!("{dot} "), th.muted));
    line.spans.push(Span::styled("E", th.accent));
    let env = m.environment.unwrap_or("all");
    line.spans
        .push(Span::raw(format!(":env {} ", super::text::sanitize(env))));
    let hidden: Vec<&str> = m
        .kinds
        .iter()
        .filter(|(_, _, shown)| !shown)
        .map(|(kind, _, _)| kind.label())
        .collect();
    if !hidden.is_empty() {
        let text = format!("{dot} hiding {} ", hidden.join(","));
        if line.width() + super::text::width(&text) <= usize::from(width) {
            line.spans.push(Span::styled(text, th.warn));
        }
    }
    line
}

/// Critical and warnings stand out, recoveries read as good news, the
/// rest as plain information.
fn level_style(level: TimelineLevel, ctx: &Ctx) -> Style {
    match level {
        TimelineLevel::Critical => ctx.theme.critical,
        TimelineLevel::Warning => ctx.theme.warn,
        TimelineLevel::Info => ctx.theme.accent,
        TimelineLevel::Ok => ctx.theme.ok,
    }
}

/// The marker before a kind's name: a shape per kind, ASCII with ASCII.
fn kind_marker(kind: TimelineKind, ctx: &Ctx) -> &'static str {
    let (unicode, ascii) = match kind {
        TimelineKind::Slo => ("◆", "%"),
        TimelineKind::Alert => ("▲", "!"),
        TimelineKind::Incident => ("●", "#"),
        TimelineKind::Kube => ("■", "@"),
        TimelineKind::Action => ("»", "+"),
    };
    if ctx.theme.ascii { ascii } else { unicode }
}
