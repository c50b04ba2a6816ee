//! The problem banner at the top of a screen: what is wrong with its
//! sources, in the critical style across the whole width, so that figures
//! below it are read with that in mind.
//!
//! Each problem takes one line (a lone problem two on roomy screens). When
//! there are more problems than lines, the last line says how many more
//! there are and begins the first of them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Ctx, put_str, text};

/// From this area height on, the banner may take more than one line.
const ROOMY_HEIGHT: u16 = 14;

/// Draws the banner at the top of `area` and returns its height (0 with
/// no problems).
pub(crate) fn render(buf: &mut Buffer, area: Rect, problems: &[&str], ctx: &Ctx) -> u16 {
    if problems.is_empty() || area.width == 0 || area.height == 0 {
        return 0;
    }
    let budget = if area.height >= ROOMY_HEIGHT {
        usize::from(area.height / 4).max(2)
    } else {
        1
    };
    let prefix = format!(" {} ", ctx.g.stale);
    let indent = text::width(&prefix);
    let room = (area.width as usize).saturating_sub(indent + 1).max(1);
    let ell = ctx.g.ellipsis;
    let per_problem = if problems.len() == 1 { budget.min(2) } else { 1 };

    // (first line of a problem, text)
    let mut lines: Vec<(bool, String)> = Vec::new();
    let shown = if problems.len() > budget {
        budget - 1
    } else {
        problems.len()
    };
    for p in &problems[..shown] {
        let msg = text::sanitize(p);
        let wrapped = text::wrap_at_most(msg.trim(), room, per_problem, ell);
        lines.extend(wrapped.into_iter().enumerate().map(|(i, l)| (i == 0, l)));
    }
    if shown < problems.len() {
        let more = problems.len() - shown;
        let msg = format!("{more} more: {}", text::sanitize(problems[shown]).trim());
        lines.push((true, text::truncate(&msg, room, ell)));
    }

    let style = ctx.theme.critical;
    let h = (lines.len() as u16).min(area.height);
    buf.set_style(Rect { height: h, ..area }, style);
    for (i, (first, l)) in lines.iter().take(h as usize).enumerate() {
        let y = area.y + i as u16;
        if *first {
            put_str(buf, area.x, y, &prefix, area.width, style);
        }
        let x = area.x.saturating_add(indent as u16);
        put_str(buf, x, y, l, area.right().saturating_sub(x), style);
    }
    h
}
