//! The list of events, newest first. The title takes the width the other
//! columns leave; on narrow terminals columns are dropped (see
//! [`DROP_ORDER`]) until it keeps [`TITLE_MIN`] cells: Env, Age, then
//! Kind. Time, Level and Title always stay.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{kind_marker, level_style};
use crate::ViewState;
use crate::model::{TimelineModel, TimelineRow};
use crate::render::rows::{self, Window, row_area};
use crate::render::{Ctx, centered_message, put_cell, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Age,
    Kind,
    Env,
    Level,
    Title,
}

const ALL: [Col; 6] = [Col::Time, Col::Age, Col::Kind, Col::Env, Col::Level, Col::Title];
const DROP_ORDER: [Col; 3] = [Col::Env, Col::Age, Col::Kind];
const TITLE_MIN: u16 = 30;
const ENV_MAX: usize = 14;

fn heading(col: Col) -> &'static str {
    match col {
        Col::Time => "Time",
        Col::Age => "Age",
        Col::Kind => "Kind",
        Col::Env => "Env",
        Col::Level => "Lvl",
        Col::Title => "What changed",
    }
}

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &TimelineModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    let inner = area.inner(Margin::new(1, 1));
    let visible = inner.height.saturating_sub(1) as usize;
    let win = Window::scrolled(state.timeline_offset, m.selected, m.rows.len(), visible);
    state.timeline_offset = win.offset;
    state.timeline_page = visible;
    let title = title_line(m, filter, ctx);
    if win.len == 0 {
        ctx.draw_box(buf, area, &title, None);
        let (msg, style) = if m.total == 0 {
            (
                "Nothing changed yet: SLO state changes, alerts, incidents, cluster events and \
                 actions appear here as the sources report them"
                    .to_string(),
                ctx.theme.muted,
            )
        } else {
            (
                format!("no event of {} matches the filters", m.total),
                ctx.theme.muted,
            )
        };
        centered_message(buf, inner, &msg, style);
        return;
    }
    ctx.draw_box(buf, area, &title, win.position(ctx).as_ref());
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let window = &m.rows[win.range()];
    let cols = plan_columns(inner.width, window, m.several_environments, ctx);
    let header = ctx.theme.header;
    buf.set_style(Rect { height: 1, ..inner }, header);
    for (x, col, w) in column_xs(inner, &cols) {
        put_cell(buf, inner, x, inner.y, heading(col), w, col == Col::Age, header);
    }
    let selected = win.selected(m.selected);
    for (i, r) in window.iter().enumerate() {
        let row = row_area(inner, i);
        draw_row(buf, row, r, &cols, ctx);
        if selected == Some(i) {
            rows::mark_selected(buf, row, Style::new(), ctx);
        }
    }
}

/// ` Timeline · 12 of 40 · 3 dropped · filter 'x' `.
fn title_line<'a>(m: &TimelineModel, filter: Option<&str>, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let dot = ctx.g.dot;
    let count = if m.rows.len() < m.total {
        format!("{dot} {} of {} ", m.rows.len(), m.total)
    } else {
        format!("{dot} {} ", m.total)
    };
    let mut line = Line::from(vec![
        Span::styled(" Timeline ", th.title),
        Span::styled(count, th.muted),
    ]);
    if m.dropped > 0 {
        line.spans.push(Span::styled(
            format!("{dot} {} oldest dropped ", m.dropped),
            th.muted,
        ));
    }
    if let Some(f) = filter {
        let f = text::truncate(&text::sanitize(f), 20, ctx.g.ellipsis);
        line.spans
            .push(Span::styled(format!("{dot} filter '{f}' "), th.accent));
    }
    line
}

/// Columns at their natural widths, dropped until the title keeps its
/// least width; the title takes what is left.
fn plan_columns(
    avail: u16,
    window: &[TimelineRow],
    several_environments: bool,
    ctx: &Ctx,
) -> Vec<(Col, u16)> {
    let env_w = window
        .iter()
        .map(|r| text::width(r.environment).min(ENV_MAX))
        .max()
        .unwrap_or(0)
        .max(3) as u16;
    let kind_w =
        (text::width(kind_marker(crate::model::TimelineKind::Slo, ctx)) + 1 + "incident".len()) as u16;
    let mut cols: Vec<(Col, u16)> = ALL
        .iter()
        .filter(|&&c| c != Col::Env || several_environments)
        .map(|&c| {
            let w = match c {
                Col::Time => 8,
                Col::Age => 5,
                Col::Kind => kind_w,
                Col::Env => env_w,
                Col::Level => 4,
                Col::Title => 0,
            };
            (c, w)
        })
        .collect();
    let fixed = |cols: &[(Col, u16)]| -> u32 {
        1 + cols.iter().map(|(_, w)| u32::from(*w)).sum::<u32>() + cols.len().saturating_sub(1) as u32
    };
    for col in DROP_ORDER {
        if fixed(&cols) + u32::from(TITLE_MIN) <= u32::from(avail) {
            break;
        }
        cols.retain(|(c, _)| *c != col);
    }
    let title_w = u32::from(avail).saturating_sub(fixed(&cols)).max(1);
    if let Some(c) = cols.iter_mut().find(|(c, _)| *c == Col::Title) {
        c.1 = title_w.min(u32::from(u16::MAX)) as u16;
    }
    cols
}

fn column_xs(area: Rect, cols: &[(Col, u16)]) -> impl Iterator<Item = (u16, Col, u16)> + '_ {
    let mut x = area.x.saturating_add(1);
    cols.iter().map(move |&(c, w)| {
        let at = x;
        x = x.saturating_add(w).saturating_add(1);
        (at, c, w)
    })
}

fn draw_row(buf: &mut Buffer, area: Rect, r: &TimelineRow, cols: &[(Col, u16)], ctx: &Ctx) {
    let th = ctx.theme;
    let y = area.y;
    for (x, col, w) in column_xs(area, cols) {
        match col {
            Col::Time => put_cell(
                buf,
                area,
                x,
                y,
                &text::clock_of_ms(r.at_ms as f64),
                w,
                false,
                th.muted,
            ),
            Col::Age => put_cell(buf, area, x, y, &age(r.age), w, true, th.muted),
            Col::Kind => {
                let s = format!("{} {}", kind_marker(r.kind, ctx), r.kind.label());
                put_cell(buf, area, x, y, &s, w, false, Style::new());
            }
            Col::Env => {
                let s = text::truncate(&text::sanitize(r.environment), usize::from(w), ctx.g.ellipsis);
                put_cell(buf, area, x, y, &s, w, false, th.muted);
            }
            Col::Level => put_cell(
                buf,
                area,
                x,
                y,
                r.level.label(),
                w,
                false,
                level_style(r.level, ctx),
            ),
            Col::Title => {
                let s = text::truncate(&text::sanitize(r.title), usize::from(w), ctx.g.ellipsis);
                put_cell(buf, area, x, y, &s, w, false, Style::new());
            }
        }
    }
}

/// `now`, else the compact span: `45s`, `12m`, `3h05m`.
fn age(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        "now".to_string()
    } else {
        text::span(d)
    }
}
