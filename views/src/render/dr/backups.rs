//! The backups list of one environment: time, age, size, checksum and
//! whether every file was verified against the manifest.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::{Ctx, put_line, text};
use crate::model::DrStatusModel;

pub(super) fn render(buf: &mut Buffer, area: Rect, s: &DrStatusModel, ctx: &Ctx) {
    let th = ctx.theme;
    let row = |y: u16| Rect {
        y: area.y + y,
        height: 1,
        ..area
    };
    let title = Line::from(vec![
        Span::styled("Backups", th.title),
        Span::styled(
            format!(
                " {} {} {} {}",
                ctx.g.dot,
                s.backups.len(),
                ctx.g.dot,
                text::bytes(s.storage_bytes as f64)
            ),
            th.muted,
        ),
    ]);
    put_line(buf, row(0), &title);
    if area.height < 2 {
        return;
    }
    if s.backups.is_empty() {
        put_line(buf, row(1), &Line::styled("no backup yet", th.warn));
        return;
    }
    let header = format!(
        "{:<10}{:>8}  {:>10}  {:<10}{}",
        "time", "age", "size", "checksum", "verified"
    );
    put_line(buf, row(1), &Line::styled(header, th.muted));
    let room = usize::from(area.height - 2);
    let shown = if s.backups.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    for (i, b) in s.backups.iter().take(shown).enumerate() {
        let mut spans = vec![Span::raw(format!(
            "{:<10}{:>8}  {:>10}  {:<10}",
            text::clock_of_ms(b.created_at_ms as f64),
            text::span(b.age),
            text::bytes(b.size_bytes as f64),
            b.checksum_short,
        ))];
        spans.push(match (b.problem, b.verified) {
            (Some(problem), _) => Span::styled(format!("BAD: {}", text::sanitize(problem)), th.critical),
            (None, true) => Span::styled("yes", th.ok),
            (None, false) => Span::styled("sizes only", th.muted),
        });
        put_line(buf, row(2 + i as u16), &Line::from(spans));
    }
    if shown < s.backups.len() {
        let more = format!("{} more", s.backups.len() - shown);
        put_line(buf, row(2 + shown as u16), &Line::styled(more, th.muted));
    }
}
