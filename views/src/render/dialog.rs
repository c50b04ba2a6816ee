//! Action dialog: a centred box over the body that says what will happen,
//! holds the editable fields (the focused one in the accent style with the
//! cursor after its value), the last error, whether the request is in
//! flight, and the keys.
//!
//! On a small screen the spacing goes first, then the description from its
//! end (the last line kept ends in an ellipsis); fields, error and keys are
//! what the operator acts on and stay as long as anything else can give way.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::text;
use super::{Ctx, centered};
use crate::model::{DialogModel, FieldModel};

/// Widest box, borders included: wide enough for a matcher list, narrow
/// enough to read as a dialog.
const MAX_WIDTH: u16 = 72;
/// Narrowest text inside the box when the screen allows it.
const MIN_TEXT: usize = 36;
/// Field labels are cut beyond this share of the text width.
const LABEL_SHARE: usize = 3;

/// What a line of the dialog is, for what gives way first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Blank,
    Description,
    Field,
    Error,
    Busy,
    Hints,
}

pub(super) fn render(buf: &mut Buffer, area: Rect, d: &DialogModel, ctx: &Ctx) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let title = text::sanitize(d.title);
    let lines: Vec<String> = d.lines.iter().map(|l| text::sanitize(l)).collect();
    let max_w = if area.width >= 40 {
        area.width - 2
    } else {
        area.width
    };
    let box_w = (natural_width(d, &title, &lines) + 4).min(MAX_WIDTH).min(max_w);
    let text_w = usize::from(box_w.saturating_sub(4)).max(1);

    let mut body = content(d, &lines, text_w, ctx);
    let room = usize::from(area.height - 2);
    // A blank line inside the top and bottom borders when they fit.
    let margin = body.len() + 2 <= room;
    let room = if margin { room - 2 } else { room };
    give_way(&mut body, room, text_w, ctx);

    let box_h = (body.len() + 2 + if margin { 2 } else { 0 }) as u16;
    let rect = centered(area, box_w, box_h);
    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.base);
    let title = text::truncate(title.trim(), usize::from(box_w).saturating_sub(4), ctx.g.ellipsis);
    let inner = ctx.draw_box(buf, rect, &Line::from(format!(" {title} ")), None);
    if inner.width < 3 || inner.height == 0 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 2;
    let top = inner.y + u16::from(margin);
    for (i, (_, l)) in body.iter().enumerate() {
        let y = top + i as u16;
        if y >= inner.bottom() {
            break;
        }
        buf.set_line(x, y, l, w);
    }
}

/// Text width that shows every line, field and hint unwrapped.
fn natural_width(d: &DialogModel, title: &str, lines: &[String]) -> u16 {
    let label_w = d.fields.iter().map(|f| text::width(f.label)).max().unwrap_or(0);
    let fields = d.fields.iter().map(|f| label_w + 2 + text::width(f.value) + 1);
    let hints: usize = d
        .hints
        .iter()
        .map(|(k, w)| text::width(k) + 1 + text::width(w) + 2)
        .sum();
    let error = d.error.map_or(0, |e| text::width(e) + 2);
    let w = lines
        .iter()
        .map(|l| text::width(l))
        .chain(fields)
        .chain([hints, error, text::width(title) + 2, MIN_TEXT])
        .max()
        .unwrap_or(MIN_TEXT);
    w.min(usize::from(u16::MAX / 2)) as u16
}

fn content<'a>(d: &DialogModel, lines: &[String], width: usize, ctx: &Ctx) -> Vec<(Part, Line<'a>)> {
    let th = ctx.theme;
    let mut out: Vec<(Part, Line)> = Vec::new();
    for l in lines {
        for w in text::wrap(l, width) {
            out.push((Part::Description, Line::styled(w, th.base)));
        }
    }
    if !d.fields.is_empty() {
        out.push((Part::Blank, Line::default()));
        let label_w = d
            .fields
            .iter()
            .map(|f| text::width(&text::sanitize(f.label)))
            .max()
            .unwrap_or(0)
            .min(width / LABEL_SHARE);
        for f in &d.fields {
            out.extend(
                field(f, label_w, width, ctx)
                    .into_iter()
                    .map(|l| (Part::Field, l)),
            );
        }
    }
    if let Some(e) = d.error.map(text::sanitize).filter(|e| !e.trim().is_empty()) {
        out.push((Part::Blank, Line::default()));
        let msg = format!("{} {}", ctx.g.stale, e.trim());
        for w in text::wrap(&msg, width) {
            out.push((Part::Error, Line::styled(w, th.critical)));
        }
    }
    if d.busy {
        out.push((Part::Blank, Line::default()));
        let msg = format!("sending{}", ctx.g.ellipsis);
        out.push((Part::Busy, Line::styled(msg, th.warn)));
    }
    let hints = hints(d.hints, width, ctx);
    if !hints.spans.is_empty() {
        out.push((Part::Blank, Line::default()));
        out.push((Part::Hints, hints));
    }
    out
}

/// `label: value▏`, the value wrapped under itself; the focused field in
/// the accent style with the cursor after its value.
fn field<'a>(f: &FieldModel, label_w: usize, width: usize, ctx: &Ctx) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let ell = ctx.g.ellipsis;
    let label = text::truncate(&text::sanitize(f.label), label_w, ell);
    let head = format!(
        "{label}:{} ",
        " ".repeat(label_w.saturating_sub(text::width(&label)))
    );
    let head_w = text::width(&head);
    // One cell kept for the cursor.
    let room = width.saturating_sub(head_w + 1).max(1);
    let (label_style, value_style) = if f.focused {
        (th.accent, th.accent)
    } else {
        (th.muted, th.base)
    };
    let value = text::sanitize(f.value);
    let mut lines: Vec<Line> = text::wrap(&value, room)
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let lead = if i == 0 {
                Span::styled(head.clone(), label_style)
            } else {
                Span::raw(" ".repeat(head_w))
            };
            Line::from(vec![lead, Span::styled(v, value_style)])
        })
        .collect();
    if f.focused
        && let Some(last) = lines.last_mut()
    {
        last.spans.push(Span::styled(ctx.g.cursor, th.accent));
    }
    lines
}

/// `Enter confirm  Esc cancel`, whole hints dropped from the end when they
/// do not fit.
fn hints<'a>(hints: &[(&str, &str)], width: usize, ctx: &Ctx) -> Line<'a> {
    let mut line = Line::default();
    let mut used = 0;
    for (key, what) in hints {
        let key = text::sanitize(key);
        let what = text::sanitize(what);
        let sep = if used == 0 { 0 } else { 2 };
        let w = sep + text::width(&key) + 1 + text::width(&what);
        if used + w > width {
            break;
        }
        if sep > 0 {
            line.spans.push(Span::raw("  "));
        }
        line.spans.push(Span::styled(key, ctx.theme.accent));
        line.spans.push(Span::styled(format!(" {what}"), ctx.theme.muted));
        used += w;
    }
    line
}

/// Shortens the dialog to `room` lines: blank lines first, then the
/// description from its end, then whatever is at the bottom.
fn give_way(body: &mut Vec<(Part, Line)>, room: usize, width: usize, ctx: &Ctx) {
    while body.len() > room {
        if let Some(i) = body.iter().position(|(p, _)| *p == Part::Blank) {
            body.remove(i);
            continue;
        }
        let descriptions = body.iter().filter(|(p, _)| *p == Part::Description).count();
        if descriptions > 1 {
            let last = body
                .iter()
                .rposition(|(p, _)| *p == Part::Description)
                .unwrap_or(0);
            body.remove(last);
            let (_, kept) = &mut body[last - 1];
            let text = format!("{}{}", kept, ctx.g.ellipsis);
            *kept = Line::styled(text::truncate(&text, width, ctx.g.ellipsis), ctx.theme.base);
            continue;
        }
        body.truncate(room);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Theme;
    use crate::render::glyphs::UNICODE;

    #[test]
    fn description_gives_way_before_fields_and_keys() {
        let theme = Theme::default();
        let ctx = Ctx {
            theme: &theme,
            g: &UNICODE,
        };
        let line = |p, s: &str| (p, Line::raw(s.to_string()));
        let mut body = vec![
            line(Part::Description, "one"),
            line(Part::Description, "two"),
            line(Part::Description, "three"),
            line(Part::Blank, ""),
            line(Part::Field, "f"),
            line(Part::Blank, ""),
            line(Part::Hints, "h"),
        ];
        give_way(&mut body, 4, 20, &ctx);
        let parts: Vec<Part> = body.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            parts,
            [Part::Description, Part::Description, Part::Field, Part::Hints]
        );
        assert_eq!(body[1].1.to_string(), "two…");
        give_way(&mut body, 2, 20, &ctx);
        assert_eq!(body[0].1.to_string(), "one…");
        assert_eq!(body[1].0, Part::Field);
    }
}
