//! Navigation over the frame: the command prompt (`:slo▏`) on the status
//! line with its completions on the line above, the FROZEN marker at the
//! start of the header, and the focused panel expanded to the whole body.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::{Ctx, capacity, cluster, detail, incidents, put_line, slos, text};
use crate::ViewState;
use crate::model::{BodyModel, CommandLineModel, FrozenModel};

/// Draws ` FROZEN 14:03:07, 42 updates held ` in reverse video and returns
/// what is left of the header line; never shortened, like the replay
/// marker, so a still screen is never taken for a quiet market.
pub(super) fn frozen_marker(buf: &mut Buffer, area: Rect, m: &FrozenModel, ctx: &Ctx) -> Rect {
    let style = ctx.theme.warn;
    let plural = if m.held == 1 { "" } else { "s" };
    let marker = Line::from(vec![
        Span::styled(
            " FROZEN ",
            style.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::styled(
            format!(" {}, {} update{plural} held ", text::sanitize(m.since), m.held),
            style,
        ),
    ]);
    let width = (marker.width() as u16).min(area.width);
    put_line(buf, Rect { width, ..area }, &marker);
    Rect {
        x: area.x + width,
        width: area.width - width,
        ..area
    }
}

/// The prompt in place of the status line, and the candidates on the last
/// line of the body: the one Tab chose highlighted, those that do not fit
/// counted.
pub(super) fn command_line(buf: &mut Buffer, body: Rect, status: Rect, m: &CommandLineModel, ctx: &Ctx) {
    let t = ctx.theme;
    buf.set_style(status, t.base);
    for x in status.left()..status.right() {
        buf[(x, status.y)].set_symbol(" ");
    }
    let mut line = Line::from(vec![
        Span::styled(format!(" :{}", text::sanitize(m.input)), t.accent),
        Span::styled(ctx.g.cursor, t.accent),
    ]);
    if let Some(error) = m.error {
        let used = line.width() + 3;
        let room = (status.width as usize).saturating_sub(used);
        line.spans.push(Span::raw("   "));
        line.spans.push(Span::styled(
            text::truncate(&text::sanitize(error), room, ctx.g.ellipsis),
            t.critical,
        ));
    }
    put_line(buf, status, &line);

    if m.candidates.is_empty() || body.height == 0 {
        return;
    }
    let strip = Rect {
        y: body.bottom() - 1,
        height: 1,
        ..body
    };
    buf.set_style(strip, t.base);
    for x in strip.left()..strip.right() {
        buf[(x, strip.y)].set_symbol(" ");
    }
    let avail = strip.width as usize;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let more = |left: usize| format!(" {} {left} more", ctx.g.ellipsis);
    for (i, candidate) in m.candidates.iter().enumerate() {
        let word = format!(" {} ", text::sanitize(candidate));
        let need = text::width(&word) + 1;
        let after = m.candidates.len() - i - 1;
        let reserve = if after > 0 { text::width(&more(after)) } else { 0 };
        if used + need + reserve > avail {
            spans.push(Span::styled(more(after + 1), t.muted));
            break;
        }
        let style = if m.selected == Some(i) {
            t.accent.add_modifier(Modifier::REVERSED)
        } else {
            t.header
        };
        spans.push(Span::styled(word, style));
        spans.push(Span::raw(" "));
        used += need;
    }
    put_line(buf, strip, &Line::from(spans));
}

/// The focused panel of the body over all of it; `false` when the screen
/// has none (nothing selected yet), and the usual layout is drawn.
pub(super) fn render_expanded(
    buf: &mut Buffer,
    area: Rect,
    body: &BodyModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) -> bool {
    match body {
        BodyModel::Prices(p) => match p.detail.as_ref().filter(|_| !p.rows.is_empty()) {
            Some(d) => {
                detail::render(buf, area, d, ctx);
                true
            }
            None => false,
        },
        BodyModel::Slos(m) => slos::render_detail(buf, area, m, ctx),
        BodyModel::Incidents(m) => incidents::render_detail(buf, area, m, ctx),
        BodyModel::Cluster(m) => {
            cluster::render_focused(buf, area, m, filter, ctx, state);
            true
        }
        BodyModel::Capacity(m) => capacity::render_chart(buf, area, m, ctx),
        BodyModel::NotConfigured(_) | BodyModel::Dr(_) | BodyModel::Overview(_) | BodyModel::Timeline(_) => {
            false
        }
    }
}
