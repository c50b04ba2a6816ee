//! Detail pane of the selected incident: its facts, then the sections
//! Signals (each with its labels and annotations), Timeline and Silences.
//! Empty sections are left out.
//!
//! Everything is wrapped to the pane, never cut sideways except single
//! over-long words. When the pane is too short, the last line says how many
//! lines are hidden and in which sections, so nothing is lost silently.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{severity_style, signal_state_style};
use crate::model::{IncidentDetailModel, SignalModel, SilenceLine, TimelineLine};
use crate::render::{Ctx, text};

/// Indent of a section's entries, and of the lines under an entry.
const INDENT: usize = 2;
const SUB_INDENT: usize = 4;
/// Silence ids are UUIDs; their first characters tell them apart.
const SILENCE_ID_CHARS: usize = 8;

/// Sections, in display order; the index names them in the hidden-lines note.
const SECTIONS: [&str; 4] = ["facts", "Signals", "Timeline", "Silences"];

pub(super) fn render(buf: &mut Buffer, area: Rect, d: &IncidentDetailModel, ctx: &Ctx) {
    let title_text = text::truncate(
        text::sanitize(d.title).trim(),
        (area.width as usize).saturating_sub(6),
        ctx.g.ellipsis,
    );
    let title = Line::styled(format!(" {title_text} "), ctx.theme.title);
    let inner = ctx.draw_box(buf, area, &title, None);
    if inner.width < 8 || inner.height == 0 {
        return;
    }
    let w = Writer {
        width: inner.width as usize,
        ctx,
    };
    // (section, line), and which lines are headings.
    let mut lines: Vec<(usize, Line)> = Vec::new();
    let mut headings: Vec<usize> = Vec::new();
    lines.extend(w.facts(&d.facts).into_iter().map(|l| (0, l)));
    if !d.signals.is_empty() {
        headings.push(lines.len());
        lines.push((1, w.heading(SECTIONS[1], d.signals.len())));
        for s in &d.signals {
            lines.extend(w.signal(s).into_iter().map(|l| (1, l)));
        }
    }
    if !d.timeline.is_empty() {
        headings.push(lines.len());
        lines.push((2, w.heading(SECTIONS[2], d.timeline.len())));
        for t in &d.timeline {
            lines.extend(w.timeline(t).into_iter().map(|l| (2, l)));
        }
    }
    if !d.silences.is_empty() {
        headings.push(lines.len());
        lines.push((3, w.heading(SECTIONS[3], d.silences.len())));
        for s in &d.silences {
            lines.extend(w.silence(s).into_iter().map(|l| (3, l)));
        }
    }

    let height = inner.height as usize;
    let mut fit = if lines.len() > height {
        height - 1
    } else {
        lines.len()
    };
    // A heading with nothing under it goes with its section.
    while fit < lines.len() && fit > 0 && headings.contains(&(fit - 1)) {
        fit -= 1;
    }
    for (i, (_, l)) in lines[..fit].iter().enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
    if fit < lines.len() {
        let hidden = &lines[fit..];
        let mut names: Vec<&str> = Vec::new();
        for (s, _) in hidden {
            if names.last() != Some(&SECTIONS[*s]) {
                names.push(SECTIONS[*s]);
            }
        }
        let n = hidden.len();
        let head = format!(
            "{} {n} more line{}",
            ctx.g.ellipsis,
            if n == 1 { "" } else { "s" }
        );
        let names = names.join(", ");
        let forms = [
            format!("{head} ({names}): enlarge the terminal"),
            format!("{head} ({names})"),
            head,
        ];
        let note = forms
            .iter()
            .find(|f| text::width(f) <= w.width)
            .cloned()
            .unwrap_or_else(|| text::truncate(&forms[2], w.width, ctx.g.ellipsis));
        let y = inner.y + fit as u16;
        buf.set_line(inner.x, y, &Line::styled(note, ctx.theme.warn), inner.width);
    }
}

/// Builds the pane's lines at one width.
struct Writer<'c, 't> {
    width: usize,
    ctx: &'c Ctx<'t>,
}

impl Writer<'_, '_> {
    fn heading(&self, name: &str, n: usize) -> Line<'static> {
        Line::styled(format!("{name} ({n})"), self.ctx.theme.header)
    }

    /// `key: value` pairs flowed across the width.
    fn facts(&self, facts: &[(&str, String)]) -> Vec<Line<'static>> {
        let items = facts
            .iter()
            .map(|(k, v)| (format!("{}: ", text::sanitize(k).trim()), text::sanitize(v)))
            .collect();
        self.flow(items, 0, "   ")
    }

    /// `alert SEV1 firing FeedStale`, the labels as `k=v` flowed, then each
    /// annotation on its own wrapped line.
    fn signal(&self, s: &SignalModel) -> Vec<Line<'static>> {
        let th = self.ctx.theme;
        let mut out = vec![self.fit(vec![
            (" ".repeat(INDENT), Style::new()),
            (format!("{} ", text::sanitize(s.kind).trim()), th.muted),
            (
                format!("{} ", s.severity.label()),
                severity_style(s.severity, self.ctx),
            ),
            (
                format!("{} ", text::sanitize(s.state).trim()),
                signal_state_style(s.state, self.ctx),
            ),
            (text::sanitize(s.name).trim().to_string(), th.title),
        ])];
        let labels = s
            .labels
            .iter()
            .map(|(k, v)| (format!("{}=", text::sanitize(k).trim()), text::sanitize(v)))
            .collect();
        out.extend(self.flow(labels, SUB_INDENT, " "));
        for (k, v) in &s.annotations {
            let style = if *k == "runbook_url" { th.accent } else { th.base };
            let head = format!("{}: ", text::sanitize(k).trim());
            out.extend(self.hanging(SUB_INDENT, &head, &text::sanitize(v), style));
        }
        out
    }

    fn timeline(&self, t: &TimelineLine) -> Vec<Line<'static>> {
        let head = format!("{}  ", text::sanitize(&t.at).trim());
        self.hanging(INDENT, &head, &text::sanitize(t.text), self.ctx.theme.base)
    }

    /// `3f2a9c1e active until 12:30:00 UTC (in 14m) by alice ACK`, then the
    /// matchers and the comment.
    fn silence(&self, s: &SilenceLine) -> Vec<Line<'static>> {
        let th = self.ctx.theme;
        let id: String = text::sanitize(s.id)
            .trim()
            .chars()
            .take(SILENCE_ID_CHARS)
            .collect();
        let state_style = match s.state {
            "active" => th.ok,
            "pending" => th.warn,
            _ => th.muted,
        };
        let mut spans = vec![
            (" ".repeat(INDENT), Style::new()),
            (format!("{id} "), th.muted),
            (format!("{} ", text::sanitize(s.state).trim()), state_style),
            (format!("{} ", text::sanitize(&s.until).trim()), th.base),
            (format!("by {}", text::sanitize(s.created_by).trim()), th.base),
        ];
        if s.ack {
            spans.push((" ACK".to_string(), th.ok));
        }
        let mut out = vec![self.fit(spans)];
        out.extend(self.hanging(SUB_INDENT, "matchers: ", &text::sanitize(&s.matchers), th.base));
        let comment = text::sanitize(s.comment);
        if !comment.trim().is_empty() {
            out.extend(self.hanging(SUB_INDENT, "comment: ", &comment, th.base));
        }
        out
    }

    /// Spans on one line, the one that overflows cut with an ellipsis and
    /// the rest left out.
    fn fit(&self, spans: Vec<(String, Style)>) -> Line<'static> {
        let mut line = Line::default();
        let mut used = 0;
        for (s, style) in spans {
            let room = self.width.saturating_sub(used);
            if room == 0 {
                break;
            }
            let s = text::truncate(&s, room, self.ctx.g.ellipsis);
            used += text::width(&s);
            line.spans.push(Span::styled(s, style));
        }
        line
    }

    /// `head` then `body` wrapped, the lines after the first indented under
    /// the body; when the head takes more than a third of the width, the
    /// body starts on the next line instead.
    fn hanging(&self, indent: usize, head: &str, body: &str, style: Style) -> Vec<Line<'static>> {
        let th = self.ctx.theme;
        let head_w = indent + text::width(head);
        let pad = " ".repeat(indent);
        if head_w <= self.width / 3 {
            let room = self.width - head_w;
            let lines = text::wrap(body.trim(), room);
            lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let lead = if i == 0 {
                        Span::styled(format!("{pad}{head}"), th.muted)
                    } else {
                        Span::raw(" ".repeat(head_w))
                    };
                    Line::from(vec![lead, Span::styled(l, style)])
                })
                .collect()
        } else {
            let head = text::truncate(&format!("{pad}{head}"), self.width, self.ctx.g.ellipsis);
            let deeper = (indent + INDENT).min(self.width / 3);
            let room = self.width - deeper;
            let mut out = vec![Line::styled(head, th.muted)];
            out.extend(
                text::wrap(body.trim(), room)
                    .into_iter()
                    .map(|l| Line::from(vec![Span::raw(" ".repeat(deeper)), Span::styled(l, style)])),
            );
            out
        }
    }

    /// `(head, value)` items side by side separated by `sep`, a new line
    /// (indented) when the next one does not fit; an item wider than a line
    /// has its value cut with an ellipsis.
    fn flow(&self, items: Vec<(String, String)>, indent: usize, sep: &str) -> Vec<Line<'static>> {
        let th = self.ctx.theme;
        let ell = self.ctx.g.ellipsis;
        let room = self.width.saturating_sub(indent).max(1);
        let mut out: Vec<Line> = Vec::new();
        let mut line: Option<(Line, usize)> = None;
        for (head, value) in items {
            let head = text::truncate(&head, room, ell);
            let head_w = text::width(&head);
            let value = text::truncate(value.trim(), room.saturating_sub(head_w), ell);
            let item_w = head_w + text::width(&value);
            let sep_w = text::width(sep);
            match &mut line {
                Some((l, used)) if *used + sep_w + item_w <= room => {
                    l.spans.push(Span::raw(sep.to_string()));
                    l.spans.push(Span::styled(head, th.muted));
                    l.spans.push(Span::styled(value, th.base));
                    *used += sep_w + item_w;
                    continue;
                }
                _ => {}
            }
            out.extend(line.take().map(|(l, _)| l));
            let l = Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(head, th.muted),
                Span::styled(value, th.base),
            ]);
            line = Some((l, item_w));
        }
        out.extend(line.map(|(l, _)| l));
        out
    }
}
