//! Output of an `exec` action: a box over most of the body titled with the
//! command as run, its last lines (stderr ones, marked `! ` by the app, in
//! the warn style; earlier lines counted on the first line when they do
//! not all fit), and a footer with `running…` or the outcome (`exit 0` in
//! the ok style, anything else critical) and the key that closes it.
//!
//! Long lines continue on indented rows, cut at the box's edge with every
//! space kept, so that nothing is lost and tabular output keeps its columns.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::{Ctx, put_line, put_str, text};
use crate::model::OutputModel;

/// The outcome of a clean exit.
const SUCCESS: &str = "exit 0";
/// How stderr lines begin.
const STDERR: &str = "! ";
/// Begins the rows a long line continues on.
const CONTINUATION: &str = "  ";
const CLOSE_KEY: &str = "Esc";

pub(super) fn render(buf: &mut Buffer, area: Rect, o: &OutputModel, ctx: &Ctx) {
    if area.width < 8 || area.height < 4 {
        return;
    }
    // A margin around the box on screens that have room for one.
    let (mx, my) = (if area.width >= 60 { 2 } else { 0 }, u16::from(area.height >= 12));
    let rect = Rect::new(
        area.x + mx,
        area.y + my,
        area.width - 2 * mx,
        area.height - 2 * my,
    );
    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.base);
    let room = usize::from(rect.width).saturating_sub(4);
    let title = text::truncate(text::sanitize(o.title).trim(), room, ctx.g.ellipsis);
    let inner = ctx.draw_box_styled(
        buf,
        rect,
        &Line::from(format!(" {title} ")),
        None,
        ctx.theme.accent,
    );
    if inner.width < 3 || inner.height < 2 {
        return;
    }
    let x = inner.x + 1;
    let w = inner.width - 2;
    // The footer on the last line, a rule above it when there is room.
    let footer_y = inner.bottom() - 1;
    let rule = inner.height >= 6;
    if rule {
        let y = footer_y - 1;
        for cx in inner.x..inner.right() {
            buf[(cx, y)]
                .set_symbol(ctx.g.border.horizontal_top)
                .set_style(ctx.theme.border);
        }
    }
    let footer = Rect::new(x, footer_y, w, 1);
    put_line(buf, footer, &footer_line(o, usize::from(w), ctx));

    let height = usize::from(inner.height - 1 - u16::from(rule));
    let ell = ctx.g.ellipsis;
    if o.lines.is_empty() {
        let msg = if o.running {
            format!("waiting for output{ell}")
        } else {
            "no output".to_string()
        };
        put_str(buf, x, inner.y, &msg, w, ctx.theme.muted);
        return;
    }
    let w_cells = usize::from(w);
    let (mut earlier, mut rows) = tail_rows(&o.lines, w_cells, height, ctx);
    let mut y = inner.y;
    if earlier > 0 {
        // The first line says how many lines are above it.
        (earlier, rows) = tail_rows(&o.lines, w_cells, height.saturating_sub(1), ctx);
        let s = if earlier == 1 { "" } else { "s" };
        let note = format!("{ell} {earlier} earlier line{s}");
        put_str(buf, x, y, &note, w, ctx.theme.muted);
        y += 1;
    }
    for (row, style) in rows {
        put_str(buf, x, y, &row, w, style);
        y += 1;
    }
}

/// The last `room` screen rows of the output, oldest first (long lines
/// continue on indented rows), and how many lines are not shown at all.
fn tail_rows(lines: &[&str], width: usize, room: usize, ctx: &Ctx) -> (usize, Vec<(String, Style)>) {
    let mut rows = Vec::new();
    for (i, l) in lines.iter().enumerate().rev() {
        let style = if l.starts_with(STDERR) {
            ctx.theme.warn
        } else {
            Style::new()
        };
        let wrapped = text::hard_wrap(&text::sanitize(l), width, CONTINUATION);
        for (n, row) in wrapped.into_iter().rev().enumerate() {
            if rows.len() == room {
                rows.reverse();
                // A line none of whose rows fitted is hidden too.
                return (i + usize::from(n == 0), rows);
            }
            rows.push((row, style));
        }
    }
    rows.reverse();
    (0, rows)
}

/// `running…` or the outcome at the left, `Esc close` at the right.
fn footer_line<'a>(o: &OutputModel, width: usize, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let (state, style) = match o.outcome.map(text::sanitize) {
        Some(out) => {
            let out = out.trim().to_string();
            let style = if out == SUCCESS { th.ok } else { th.critical };
            (out, style)
        }
        None if o.running => (format!("running{}", ctx.g.ellipsis), th.warn),
        None => (String::new(), th.muted),
    };
    let hint = format!("{CLOSE_KEY} close");
    let state = text::truncate(&state, width.saturating_sub(hint.len() + 2), ctx.g.ellipsis);
    let pad = width.saturating_sub(text::width(&state) + hint.len());
    Line::from(vec![
        Span::styled(state, style),
        Span::raw(" ".repeat(pad)),
        Span::styled(CLOSE_KEY, th.accent),
        Span::styled(" close", th.muted),
    ])
}
