//! A screen whose upstream is not configured: a centred box that says so
//! plainly, what the screen is for, and how to configure it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Widget};

use super::text;
use super::{Ctx, centered, put_str};
use crate::model::NotConfiguredModel;

const MAX_WIDTH: u16 = 76;

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &NotConfiguredModel, ctx: &Ctx) {
    let t = ctx.theme;
    let screen = text::sanitize(m.screen);
    let headline = format!("{screen}: not configured");
    let purpose = text::sanitize(m.purpose);
    let how: Vec<String> = m.how_to_configure.iter().map(|l| text::sanitize(l)).collect();

    // Box as wide as its longest line (plus borders and margins), within limits.
    let natural = std::iter::once(text::width(&headline))
        .chain(std::iter::once(text::width(&purpose)))
        .chain(how.iter().map(|l| text::width(l) + 2))
        .max()
        .unwrap_or(0) as u16;
    let box_w = (natural + 4).min(MAX_WIDTH).min(area.width);
    let text_w = box_w.saturating_sub(4).max(1) as usize;

    let mut lines: Vec<(String, Style)> = Vec::new();
    for l in text::wrap(&headline, text_w) {
        lines.push((l, t.warn));
    }
    if !purpose.is_empty() {
        lines.push((String::new(), t.base));
        for l in text::wrap(&purpose, text_w) {
            lines.push((l, t.base));
        }
    }
    if !how.is_empty() {
        lines.push((String::new(), t.base));
        lines.push(("To configure:".to_string(), t.muted));
        for h in &how {
            for (i, l) in text::wrap(h, text_w.saturating_sub(2).max(1))
                .into_iter()
                .enumerate()
            {
                let indent = if i == 0 { "  " } else { "    " };
                lines.push((format!("{indent}{l}"), t.accent));
            }
        }
    }

    let box_h = (lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, box_w, box_h);
    Clear.render(rect, buf);
    buf.set_style(rect, t.base);
    let inner = ctx.draw_box(buf, rect, &Line::from(format!(" {screen} ")), None);
    let body = Rect {
        x: inner.x + 1,
        y: inner.y + 1,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(2),
    };
    for (i, (l, style)) in lines.iter().take(body.height as usize).enumerate() {
        put_str(buf, body.x, body.y + i as u16, l, body.width, *style);
    }
}
