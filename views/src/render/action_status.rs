//! The last action and its verification, as a framed strip over the
//! bottom of the body on every screen: what was done, its result, and
//! whether the system recovered (`verifying… 45s left`, `RECOVERED after
//! 12s`, `NOT RECOVERED`), then one line per watched signal with its
//! verdict (`✓`, `✗`, `…`) and detail.
//!
//! At most [`MAX_CHECK_LINES`] check lines; beyond that the last one says
//! how many more there are. When the first line does not fit, the action
//! is cut first: the verdict is what the operator is waiting for.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::{Ctx, put_line, text};
use crate::model::{ActionStatusModel, VerificationState};

const MAX_CHECK_LINES: usize = 4;

/// Returns the rectangle the strip covers.
pub(super) fn render(buf: &mut Buffer, area: Rect, a: &ActionStatusModel, ctx: &Ctx) -> Rect {
    if area.width < 8 || area.height < 3 {
        return Rect::ZERO;
    }
    let width = usize::from(area.width.saturating_sub(4));
    let summary = summary(a, width, ctx);
    let check_lines = a.checks.len().min(MAX_CHECK_LINES) as u16;
    let h = (2 + summary.len() as u16 + check_lines).min(area.height);
    let rect = Rect {
        y: area.bottom() - h,
        height: h,
        ..area
    };
    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.base);
    let title = Line::styled(" Last action ", ctx.theme.title);
    let inner = ctx.draw_box_styled(buf, rect, &title, None, ctx.theme.accent);
    if inner.width < 3 || inner.height == 0 {
        return rect;
    }
    let line_at = |i: usize| Rect::new(inner.x + 1, inner.y + i as u16, inner.width - 2, 1);
    let top = summary.len().min(usize::from(inner.height));
    for (i, l) in summary.iter().take(top).enumerate() {
        put_line(buf, line_at(i), l);
    }
    let room = usize::from(inner.height) - top;
    let more = a.checks.len().saturating_sub(room);
    let shown = if more > 0 {
        room.saturating_sub(1)
    } else {
        a.checks.len()
    };
    for (i, check) in a.checks.iter().take(shown).enumerate() {
        put_line(buf, line_at(top + i), &check_line(*check, width, ctx));
    }
    if more > 0 && room > 0 {
        let n = a.checks.len() - shown;
        let l = Line::styled(format!("  {} {n} more", ctx.g.ellipsis), ctx.theme.muted);
        put_line(buf, line_at(top + shown), &l);
    }
    rect
}

/// `restart deployment mda-agent · done in 0.4s · RECOVERED after 12s`;
/// when that does not fit, the result and verdict on a second line.
fn summary<'a>(a: &ActionStatusModel, width: usize, ctx: &Ctx) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let ell = ctx.g.ellipsis;
    let sep = format!(" {} ", ctx.g.dot);
    let (verdict, verdict_style) = verification(a.verification, ctx);
    let result = text::sanitize(a.result).trim().to_string();
    let result_style = if a.failed { th.critical } else { Style::new() };
    let action = text::sanitize(a.action).trim().to_string();
    let outcome: Vec<(String, Style)> = [(result, result_style), (verdict, verdict_style)]
        .into_iter()
        .filter(|(s, _)| !s.is_empty())
        .collect();
    let outcome_w: usize = outcome
        .iter()
        .map(|(s, _)| text::width(s) + text::width(&sep))
        .sum();
    let one_line = text::width(&action) + outcome_w <= width;

    let mut first = Line::from(Span::styled(text::truncate(&action, width, ell), th.title));
    let mut second = Line::default();
    let mut used = if one_line { text::width(&action) } else { 0 };
    for (s, style) in outcome {
        let line = if one_line { &mut first } else { &mut second };
        if used > 0 {
            line.spans.push(Span::styled(sep.clone(), th.muted));
            used += text::width(&sep);
        }
        let s = text::truncate(&s, width.saturating_sub(used), ell);
        used += text::width(&s);
        line.spans.push(Span::styled(s, style));
    }
    if one_line {
        vec![first]
    } else {
        vec![first, second]
    }
}

/// The verdict in words and its style; empty when nothing is verified.
fn verification(v: VerificationState, ctx: &Ctx) -> (String, Style) {
    let th = ctx.theme;
    match v {
        VerificationState::None => (String::new(), Style::new()),
        VerificationState::Watching { remaining } => (
            format!("verifying{} {} left", ctx.g.ellipsis, text::span(remaining)),
            th.warn,
        ),
        VerificationState::Recovered { after } => (format!("RECOVERED after {}", text::span(after)), th.ok),
        VerificationState::NotRecovered => ("NOT RECOVERED".to_string(), th.critical),
    }
}

/// `  ✓ rollout — 3/3 updated and available`.
fn check_line<'a>((what, verdict, detail): (&str, Option<bool>, &str), width: usize, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let g = ctx.g;
    let (mark, style) = match verdict {
        Some(true) => (g.check_pass, th.ok),
        Some(false) => (g.check_fail, th.critical),
        None => (g.check_pending, th.muted),
    };
    let what = text::sanitize(what).trim().to_string();
    let detail = text::sanitize(detail).trim().to_string();
    let mut line = Line::from(vec![Span::raw("  "), Span::styled(mark, style), Span::raw(" ")]);
    let used = 3 + text::width(mark);
    let what = text::truncate(&what, width.saturating_sub(used), g.ellipsis);
    let used = used + text::width(&what);
    line.spans.push(Span::styled(what, th.title));
    if !detail.is_empty() {
        let lead = format!(" {} ", g.dash);
        let room = width.saturating_sub(used + text::width(&lead));
        line.spans.push(Span::styled(lead, th.muted));
        line.spans
            .push(Span::raw(text::truncate(&detail, room, g.ellipsis)));
    }
    line
}
