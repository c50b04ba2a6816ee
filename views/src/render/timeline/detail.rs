//! Detail pane of the selected event: when, kind, level and environment,
//! the title and detail wrapped to the pane, what it is about, and where
//! Enter goes. When the pane is too short, the last line says how many
//! lines are hidden.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::level_style;
use crate::model::TimelineDetail;
use crate::render::{Ctx, put_line, text};

pub(super) fn render(buf: &mut Buffer, area: Rect, d: &TimelineDetail, ctx: &Ctx) {
    let th = ctx.theme;
    let title = Line::styled(" Event ", th.title);
    let inner = ctx.draw_box(buf, area, &title, None);
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    let width = inner.width as usize;
    let dot = ctx.g.dot;
    let mut lines: Vec<Line> = vec![Line::from(vec![
        Span::styled(d.level.label(), level_style(d.level, ctx)),
        Span::styled(format!(" {dot} {} {dot} ", d.kind.label()), th.muted),
        Span::raw(text::sanitize(d.environment)),
        Span::styled(format!(" {dot} {}", text::sanitize(&d.when)), th.muted),
    ])];
    for l in text::wrap(&text::sanitize(d.title), width) {
        lines.push(Line::styled(l, Style::new().patch(th.title)));
    }
    for l in text::wrap(&text::sanitize(d.detail), width) {
        lines.push(Line::raw(l));
    }
    if !d.subject.is_empty() {
        for l in text::wrap(&format!("about {}", text::sanitize(d.subject)), width) {
            lines.push(Line::styled(l, th.muted));
        }
    }
    lines.push(Line::from(vec![
        Span::styled("Enter", th.accent),
        Span::styled(format!(" goes to {}", d.related), th.muted),
    ]));
    let room = inner.height as usize;
    let hidden = lines.len().saturating_sub(room);
    let shown = if hidden > 0 {
        room.saturating_sub(1)
    } else {
        lines.len()
    };
    for (i, line) in lines.iter().take(shown).enumerate() {
        put_line(
            buf,
            Rect {
                y: inner.y + i as u16,
                height: 1,
                ..inner
            },
            line,
        );
    }
    if hidden > 0 {
        let more = Line::styled(format!("{} more lines", lines.len() - shown), th.muted);
        put_line(
            buf,
            Rect {
                y: inner.y + shown as u16,
                height: 1,
                ..inner
            },
            &more,
        );
    }
}
