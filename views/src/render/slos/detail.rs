//! Detail pane of the selected SLO: its description and alert state, the
//! burn-rate chart, then the PromQL behind the figures (one line each, cut
//! with an ellipsis, never wrapped) and the note.
//!
//! When the pane is short, the queries go first (last one first), then the
//! note, then the description; the chart keeps at least [`CHART_MIN`] rows
//! as long as anything else can give way.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::table::{alert_style, alert_word};
use super::{chart, fmt};
use crate::model::{SloDetailModel, SloRow};
use crate::render::{Ctx, text};

const CHART_MIN: u16 = 5;
const NOTE_MAX_LINES: usize = 2;

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    d: &SloDetailModel,
    row: Option<&SloRow>,
    page: f64,
    ctx: &Ctx,
) {
    let th = ctx.theme;
    let title = Line::from(vec![
        Span::styled(format!(" {} ", text::sanitize(d.name)), th.title),
        Span::styled(format!("{} 1h burn rate ", ctx.g.dot), th.muted),
    ]);
    let inner = ctx.draw_box(buf, area, &title, None);
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    let width = inner.width as usize;
    let ell = ctx.g.ellipsis;

    let mut top: Vec<Line> = Vec::new();
    let description = text::sanitize(d.description);
    let description = description.trim();
    let has_description = !description.is_empty();
    if has_description {
        top.push(Line::styled(text::truncate(description, width, ell), th.base));
    }
    if let Some(r) = row {
        top.push(status_line(r, width, ctx));
    }

    let mut queries: Vec<Line> = Vec::new();
    let label_w = d
        .queries
        .iter()
        .map(|(l, _)| text::width(&text::sanitize(l)))
        .max()
        .unwrap_or(0)
        .min(width / 3);
    for (label, query) in &d.queries {
        let label = text::truncate(&text::sanitize(label), label_w, ell);
        let pad = label_w.saturating_sub(text::width(&label));
        let head = format!("{label}:{} ", " ".repeat(pad));
        let room = width.saturating_sub(text::width(&head));
        let q = text::truncate(&fmt::one_line(query), room, ell);
        queries.push(Line::from(vec![
            Span::styled(head, th.muted),
            Span::styled(q, th.base),
        ]));
    }
    let mut note: Vec<Line> = Vec::new();
    if let Some(n) = d.note.map(text::sanitize).filter(|n| !n.trim().is_empty()) {
        let lines = text::wrap_at_most(&n, width, NOTE_MAX_LINES, ell);
        note = lines.into_iter().map(|l| Line::styled(l, th.base)).collect();
    }

    // Give way until the chart has its least height.
    let fixed = |top: &Vec<Line>, q: &Vec<Line>, n: &Vec<Line>| (top.len() + q.len() + n.len()) as u16;
    while fixed(&top, &queries, &note) + CHART_MIN > inner.height {
        if queries.pop().is_some() || note.pop().is_some() {
            continue;
        }
        if has_description && top.len() == 2 {
            top.remove(0);
            continue;
        }
        break;
    }
    let text_h = fixed(&top, &queries, &note).min(inner.height);
    // Square-ish rather than stretched down a very tall pane.
    let chart_h = (inner.height - text_h).min(crate::render::detail::proportionate_height(inner.width));

    let mut y = inner.y;
    for l in &top {
        if y >= inner.bottom() {
            return;
        }
        buf.set_line(inner.x, y, l, inner.width);
        y += 1;
    }
    if chart_h > 0 {
        let area = Rect {
            y,
            height: chart_h,
            ..inner
        };
        chart::render(buf, area, d.history, &d.thresholds, page, ctx);
        y += chart_h;
    }
    for l in queries.iter().chain(&note) {
        if y >= inner.bottom() {
            return;
        }
        buf.set_line(inner.x, y, l, inner.width);
        y += 1;
    }
}

/// `PAGE 1h 15.2 > 14.4 and 5m 16.1 > 14.4 · 1.2M events in period`.
fn status_line<'a>(r: &SloRow, width: usize, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let word = alert_word(r.alert);
    let mut spans = vec![Span::styled(word, alert_style(r.alert, ctx))];
    let mut used = text::width(word);
    let mut push = |s: String, style, spans: &mut Vec<Span<'a>>| {
        let room = width.saturating_sub(used);
        if room > 2 {
            let s = text::truncate(&s, room, ctx.g.ellipsis);
            used += text::width(&s);
            spans.push(Span::styled(s, style));
        }
    };
    if let Some(reason) = r
        .alert_reason
        .map(text::sanitize)
        .filter(|s| !s.trim().is_empty())
    {
        push(format!(" {}", reason.trim()), th.base, &mut spans);
    }
    if r.events.is_some() {
        let events = ctx.g.swap_missing(fmt::events(r.events));
        push(
            format!(" {} {events} events in period", ctx.g.dot),
            th.muted,
            &mut spans,
        );
    }
    if r.stale {
        push(
            format!(" {} stale: last known values", ctx.g.dot),
            th.stale,
            &mut spans,
        );
    }
    Line::from(spans)
}
