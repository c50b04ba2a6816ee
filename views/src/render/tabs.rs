//! Tabs line: screen titles numbered by their key (the first is 0), the selected one highlighted. When the
//! titles do not fit, the strip scrolls so the selected tab stays visible,
//! and marks at either end say that more tabs are hidden.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::text;
use super::{Ctx, put_line};
use crate::model::TabsModel;

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &TabsModel, ctx: &Ctx) {
    if m.titles.is_empty() {
        return;
    }
    let labels: Vec<String> = m
        .titles
        .iter()
        .enumerate()
        .map(|(i, t)| format!(" {} {} ", i, text::sanitize(t)))
        .collect();
    let widths: Vec<usize> = labels.iter().map(|l| text::width(l) + 1).collect();
    let selected = m.selected.min(labels.len() - 1);
    let avail = area.width as usize;
    // Cells from the lead mark to the end of the selected tab, plus a right mark.
    let span = |from: usize| 1 + widths[from..=selected].iter().sum::<usize>() + 1;
    let mut first = 0;
    while first < selected && span(first) > avail {
        first += 1;
    }

    let lead = if first > 0 { ctx.g.more_left } else { " " };
    let mut line = Line::from(Span::styled(lead, ctx.theme.muted));
    let mut used = 1;
    for (i, label) in labels.iter().enumerate().skip(first) {
        let more_after = i + 1 < labels.len();
        if used + widths[i] + usize::from(more_after) > avail && i > selected {
            line.spans.push(Span::styled(ctx.g.more_right, ctx.theme.muted));
            break;
        }
        let style = if i == selected {
            ctx.theme.active_tab
        } else {
            ctx.theme.muted
        };
        line.spans.push(Span::styled(label.as_str(), style));
        line.spans.push(Span::raw(" "));
        used += widths[i];
    }
    put_line(buf, area, &line);
}
