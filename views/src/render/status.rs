//! Bottom line: the filter being typed (`/abc▏`) or applied and why it is
//! invalid (a bad regex), a message, and
//! key hints (dropped from the end, whole, when they do not fit).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::text;
use super::{Ctx, put_line};
use crate::model::StatusModel;

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &StatusModel, ctx: &Ctx) {
    let t = ctx.theme;
    let avail = area.width as usize;
    let mut line = Line::from(" ");

    if let Some(f) = m.filter.as_ref().filter(|f| f.editing || !f.text.is_empty()) {
        let text = text::sanitize(f.text);
        if f.editing {
            line.spans.push(Span::styled(format!("/{text}"), t.accent));
            line.spans.push(Span::styled(ctx.g.cursor, t.accent));
        } else {
            line.spans.push(Span::styled("filter: ", t.muted));
            line.spans.push(Span::styled(text, t.accent));
        }
        if let Some(error) = f.error {
            line.spans.push(Span::raw("  "));
            line.spans.push(Span::styled(text::sanitize(error), t.critical));
        }
        line.spans.push(Span::raw("   "));
    }
    if let Some(msg) = m.message {
        let used: usize = line.spans.iter().map(Span::width).sum();
        let msg = text::truncate(&text::sanitize(msg), avail.saturating_sub(used), ctx.g.ellipsis);
        line.spans.push(Span::styled(msg, t.title));
        line.spans.push(Span::raw("   "));
    }
    let mut used: usize = line.spans.iter().map(Span::width).sum();
    for &(key, what) in &m.hints {
        let key = text::sanitize(key);
        let what = text::sanitize(what);
        let w = text::width(&key) + 1 + text::width(&what) + 2;
        if used + w > avail + 2 {
            break;
        }
        used += w;
        line.spans.push(Span::styled(key, t.accent));
        line.spans.push(Span::styled(format!(" {what}  "), t.muted));
    }
    put_line(buf, area, &line);
}
