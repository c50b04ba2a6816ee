//! The agent's sources under the prices table: which one is served, each
//! breaker (and whether an operator holds it), health score, freshness,
//! failovers and the last error. Drawn only when the agent has configured
//! sources, so the simulator alone costs no rows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::text::{self, age};
use super::{Ctx, put_cell};
use crate::model::SourceRow;

/// Rows of sources shown at most; more are counted in the title.
const MAX_ROWS: usize = 6;

/// Height the panel takes in a body of `height` rows: none when there is
/// nothing to show or the prices table would be left too little.
pub(super) fn height(sources: &[SourceRow], body_height: u16) -> u16 {
    if sources.is_empty() || body_height < 14 {
        return 0;
    }
    sources.len().min(MAX_ROWS) as u16 + 2
}

pub(super) fn render(buf: &mut Buffer, area: Rect, sources: &[SourceRow], ctx: &Ctx) {
    let active = sources.iter().filter(|s| s.active).count();
    let dot = ctx.g.dot;
    let mut title = format!(" Sources {dot} {} {dot} {active} active ", sources.len());
    if sources.len() > MAX_ROWS {
        title = format!(
            " Sources {dot} {} of {} {dot} {active} active ",
            MAX_ROWS,
            sources.len()
        );
    }
    let inner = ctx.draw_box(buf, area, &Line::from(title), None);
    if inner.width == 0 {
        return;
    }
    for (i, source) in sources.iter().take(inner.height as usize).enumerate() {
        let y = inner.y + i as u16;
        draw_row(buf, inner, y, source, ctx);
    }
}

fn draw_row(buf: &mut Buffer, area: Rect, y: u16, s: &SourceRow, ctx: &Ctx) {
    let t = ctx.theme;
    let state_style = match s.state {
        "up" => t.ok,
        "stale" => t.warn,
        _ => t.critical,
    };
    let breaker_style = match s.breaker {
        Some("closed") | None => t.muted,
        Some("half_open") => t.warn,
        Some(_) => t.critical,
    };
    let breaker = match (s.breaker, s.forced) {
        (Some(b), true) => format!("{} (held)", b.replace('_', "-")),
        (Some(b), false) => b.replace('_', "-"),
        (None, _) => "-".to_string(),
    };
    let fields: [(String, u16, bool, Style); 8] = [
        (
            if s.active {
                format!("{} ", ctx.g.selected)
            } else {
                "  ".to_string()
            },
            2,
            false,
            t.accent,
        ),
        (text::sanitize(s.name), 12, false, Style::default()),
        (text::sanitize(s.kind), 9, false, t.muted),
        (s.state.to_string(), 6, false, state_style),
        (format!("breaker {breaker}"), 22, false, breaker_style),
        (
            s.health_score
                .map_or("-".to_string(), |h| format!("score {h:.2}")),
            11,
            false,
            t.muted,
        ),
        (
            s.last_tick_age
                .map_or("no tick".to_string(), |a| format!("tick {}", age(a))),
            11,
            false,
            t.muted,
        ),
        (
            s.failovers.map_or(String::new(), |f| format!("failovers {f}")),
            13,
            false,
            t.muted,
        ),
    ];
    let mut x = area.x;
    for (text, width, right, style) in &fields {
        if x >= area.right() {
            return;
        }
        put_cell(buf, area, x, y, text, *width, *right, *style);
        x = x.saturating_add(*width + 1);
    }
    if let Some(error) = s.last_error
        && x < area.right()
    {
        let room = (area.right() - x) as usize;
        let error = text::truncate(&text::sanitize(error), room, ctx.g.ellipsis);
        let line = Line::from(Span::styled(error, t.warn));
        buf.set_line(x, y, &line, area.right() - x);
    }
}
