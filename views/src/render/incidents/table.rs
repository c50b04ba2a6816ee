//! The incidents table: one row per correlated incident.
//!
//! The title takes the width the other columns leave. On narrow terminals
//! columns are dropped (see [`DROP_ORDER`]) until the title keeps
//! [`TITLE_MIN`] cells: Signals, Service, Ack/Sil, Age, then Status.
//! Severity and Title always stay.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{severity_style, status_style};
use crate::ViewState;
use crate::hit::{Hit, List};
use crate::model::{IncidentRowModel, IncidentStatusModel, IncidentsModel};
use crate::render::rows::{self, Window, row_area};
use crate::render::{Ctx, centered_message, put_cell, text};

/// What a column shows, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Severity,
    Status,
    Title,
    Service,
    Age,
    Signals,
    Marks,
}

const ALL: [Kind; 7] = [
    Kind::Severity,
    Kind::Status,
    Kind::Title,
    Kind::Service,
    Kind::Age,
    Kind::Signals,
    Kind::Marks,
];

/// Columns dropped when the title would get less than [`TITLE_MIN`], in order.
const DROP_ORDER: [Kind; 5] = [Kind::Signals, Kind::Service, Kind::Marks, Kind::Age, Kind::Status];
const TITLE_MIN: u16 = 20;
const SERVICE_MAX: usize = 24;
/// The markers: `ACK` and `SIL` at fixed places, so they line up.
const ACK: &str = "ACK";
const SIL: &str = "SIL";

#[derive(Debug)]
struct Col {
    kind: Kind,
    width: u16,
}

fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::Severity => "Sev",
        Kind::Status => "Status",
        Kind::Title => "Title",
        Kind::Service => "Service",
        Kind::Age => "Age",
        Kind::Signals => "Signals",
        Kind::Marks => "Ack/Sil",
    }
}

fn right_aligned(kind: Kind) -> bool {
    matches!(kind, Kind::Age | Kind::Signals)
}

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &IncidentsModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    let inner = area.inner(Margin::new(1, 1));
    let visible = inner.height.saturating_sub(1) as usize;
    let win = Window::scrolled(state.incidents_offset, m.selected, m.rows.len(), visible);
    state.incidents_offset = win.offset;
    state.incidents_page = visible;
    state.hits.push(area, Hit::List(List::Incidents));
    let title = title_line(m, filter, area.width, ctx);

    if win.len == 0 {
        ctx.draw_box(buf, area, &title, None);
        let (msg, style) = empty_message(m, filter, ctx);
        centered_message(buf, inner, &msg, style);
        return;
    }

    let window = &m.rows[win.range()];
    let texts: Vec<RowText> = window.iter().map(|r| RowText::new(r, ctx)).collect();
    let cols = plan_columns(inner.width, &texts);

    ctx.draw_box(buf, area, &title, win.position(ctx).as_ref());
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let selected = win.selected(m.selected);
    draw_header(buf, inner, &cols, ctx);
    for (i, (r, t)) in window.iter().zip(&texts).enumerate() {
        let index = win.offset + i;
        state.hits.push(
            row_area(inner, i),
            Hit::Row {
                list: List::Incidents,
                index,
            },
        );
        draw_row(buf, row_area(inner, i), r, t, &cols, selected == Some(i), ctx);
    }
}

/// Why there is no row: sources not answered yet, nothing at all (calm),
/// only resolved ones (hidden), or a filter that matches none.
fn empty_message(m: &IncidentsModel, filter: Option<&str>, ctx: &Ctx) -> (String, Style) {
    let ell = ctx.g.ellipsis;
    if m.loading {
        return (format!("waiting for incident sources{ell}"), ctx.theme.muted);
    }
    if m.total == 0 {
        return ("No incidents: nothing is firing".to_string(), ctx.theme.ok);
    }
    match filter {
        Some(f) => {
            let f = text::truncate(&text::sanitize(f), 40, ell);
            (format!("no incident matches the filter '{f}'"), ctx.theme.muted)
        }
        None if m.hidden_resolved > 0 && !m.show_resolved => (
            format!(
                "No open incidents {} {} resolved hidden (r shows)",
                ctx.g.dot, m.hidden_resolved
            ),
            ctx.theme.ok,
        ),
        None => ("no incident matches the filter".to_string(), ctx.theme.muted),
    }
}

/// ` Incidents · 3 of 7 · 4 resolved hidden (r shows) · filter 'x' · <source> `:
/// the hint on the hidden rows shortens, then the source goes, as the box narrows.
fn title_line<'a>(m: &IncidentsModel, filter: Option<&str>, width: u16, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let dot = ctx.g.dot;
    let shown = m.rows.len();
    let count = if m.total == 0 {
        String::new()
    } else if shown < m.total {
        format!("{dot} {shown} of {} ", m.total)
    } else {
        format!("{dot} {} ", m.total)
    };
    let hidden = (m.hidden_resolved > 0 && !m.show_resolved).then(|| {
        (
            format!("{dot} {} resolved hidden (r shows) ", m.hidden_resolved),
            format!("{dot} {} resolved hidden ", m.hidden_resolved),
        )
    });
    let filter = filter.map(|f| {
        let f = text::truncate(&text::sanitize(f), 20, ctx.g.ellipsis);
        format!("{dot} filter '{f}' ")
    });
    let head = " Incidents ";
    // Borders and a corner's worth of line on each side.
    let room = (width as usize).saturating_sub(4);
    let fixed = text::width(head) + text::width(&count) + filter.as_deref().map_or(0, text::width);
    let hidden = hidden.map(|(long, short)| {
        if fixed + text::width(&long) <= room {
            long
        } else {
            short
        }
    });
    let used = fixed + hidden.as_deref().map_or(0, text::width);

    let mut line = Line::from(vec![Span::styled(head, th.title), Span::styled(count, th.muted)]);
    line.spans.extend(hidden.map(|h| Span::styled(h, th.muted)));
    line.spans.extend(filter.map(|f| Span::styled(f, th.accent)));
    let source = text::sanitize(m.source);
    let source_room = room.saturating_sub(used + 2);
    if !source.trim().is_empty() && source_room >= 8 {
        let s = text::truncate(source.trim(), source_room, ctx.g.ellipsis);
        line.spans.push(Span::styled(format!("{dot} {s} "), th.muted));
    }
    line
}

/// Fixed columns at their widths, dropped until the title keeps its least
/// width; the title takes what is left, up to its longest text, so on a very
/// wide terminal the other columns stay next to it.
fn plan_columns(avail: u16, texts: &[RowText]) -> Vec<Col> {
    let natural = |kind: Kind| -> u16 {
        let content = texts.iter().map(|t| t.width(kind)).max().unwrap_or(0);
        let w = match kind {
            Kind::Title => 0,
            Kind::Service => content.max(text::width(title(kind))).min(SERVICE_MAX),
            _ => content.max(text::width(title(kind))),
        };
        w.min(usize::from(u16::MAX / 64)) as u16
    };
    let mut cols: Vec<Col> = ALL
        .iter()
        .map(|&kind| Col {
            kind,
            width: natural(kind),
        })
        .collect();
    // Selection mark, then columns separated by one space.
    let fixed = |cols: &[Col]| -> u32 {
        1 + cols.iter().map(|c| u32::from(c.width)).sum::<u32>() + cols.len().saturating_sub(1) as u32
    };
    for kind in DROP_ORDER {
        if fixed(&cols) + u32::from(TITLE_MIN) <= u32::from(avail) {
            break;
        }
        cols.retain(|c| c.kind != kind);
    }
    let longest = texts.iter().map(|t| t.width(Kind::Title)).max().unwrap_or(0);
    let longest = u32::try_from(longest)
        .unwrap_or(u32::MAX)
        .max(u32::from(TITLE_MIN));
    let title_w = u32::from(avail).saturating_sub(fixed(&cols)).clamp(1, longest);
    if let Some(c) = cols.iter_mut().find(|c| c.kind == Kind::Title) {
        c.width = title_w.min(u32::from(u16::MAX)) as u16;
    }
    cols
}

/// Left edge of each column: after the one-cell selection mark, columns
/// separated by one space.
fn column_xs(area: Rect, cols: &[Col]) -> impl Iterator<Item = (u16, &Col)> {
    let mut x = area.x.saturating_add(1);
    cols.iter().map(move |c| {
        let at = x;
        x = x.saturating_add(c.width).saturating_add(1);
        (at, c)
    })
}

fn draw_header(buf: &mut Buffer, area: Rect, cols: &[Col], ctx: &Ctx) {
    let style = ctx.theme.header;
    buf.set_style(Rect { height: 1, ..area }, style);
    for (x, c) in column_xs(area, cols) {
        let right = right_aligned(c.kind);
        put_cell(buf, area, x, area.y, title(c.kind), c.width, right, style);
    }
}

/// One data row: a resolved row fades as a whole (its words still say
/// what it was), then the selection over it all.
fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    r: &IncidentRowModel,
    t: &RowText,
    cols: &[Col],
    selected: bool,
    ctx: &Ctx,
) {
    let th = ctx.theme;
    let resolved = r.status == IncidentStatusModel::Resolved;
    let row_style = if resolved { th.muted } else { Style::new() };
    if resolved {
        buf.set_style(area, row_style);
    }
    let live = |s: Style| if resolved { row_style } else { s };
    let y = area.y;
    for (x, c) in column_xs(area, cols) {
        let w = c.width;
        match c.kind {
            Kind::Severity => {
                let style = live(severity_style(r.severity, ctx));
                put_cell(buf, area, x, y, r.severity.label(), w, false, style);
            }
            Kind::Status => {
                let style = live(status_style(r.status, ctx));
                put_cell(buf, area, x, y, r.status.label(), w, false, style);
            }
            Kind::Title => {
                let s = text::truncate(&t.title, usize::from(w), ctx.g.ellipsis);
                put_cell(buf, area, x, y, &s, w, false, row_style);
            }
            Kind::Service => {
                let s = text::truncate(&t.service, usize::from(w), ctx.g.ellipsis);
                put_cell(buf, area, x, y, &s, w, false, live(th.muted));
            }
            Kind::Age => put_cell(buf, area, x, y, &t.age, w, true, row_style),
            Kind::Signals => put_cell(buf, area, x, y, &t.signals, w, true, row_style),
            Kind::Marks => {
                if r.acked {
                    put_cell(buf, area, x, y, ACK, w, false, live(th.ok));
                }
                if r.silenced {
                    let sx = x.saturating_add(4);
                    put_cell(buf, area, sx, y, SIL, w.saturating_sub(4), false, live(th.accent));
                }
            }
        }
    }
    if selected {
        rows::mark_selected(buf, area, row_style, ctx);
    }
}

/// The formatted text of one visible row.
struct RowText {
    title: String,
    service: String,
    age: String,
    signals: String,
}

impl RowText {
    fn new(r: &IncidentRowModel, ctx: &Ctx) -> RowText {
        let service = match (r.service.trim(), r.component.trim()) {
            ("", "") => ctx.g.missing.to_string(),
            (s, "") | ("", s) => text::sanitize(s),
            (s, c) => text::sanitize(&format!("{s}/{c}")),
        };
        RowText {
            title: text::sanitize(r.title),
            service,
            age: text::span(r.age),
            signals: r.signals.to_string(),
        }
    }

    fn width(&self, kind: Kind) -> usize {
        match kind {
            Kind::Severity => 4,
            Kind::Status => IncidentStatusModel::Triggered.label().len(),
            Kind::Title => text::width(&self.title),
            Kind::Service => text::width(&self.service),
            Kind::Age => text::width(&self.age),
            Kind::Signals => self.signals.len(),
            Kind::Marks => ACK.len() + 1 + SIL.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Vec<RowText> {
        vec![RowText {
            title: "Feed stale: BTC-USD".to_string(),
            service: "mda/feed".to_string(),
            age: "3h05m".to_string(),
            signals: "3".to_string(),
        }]
    }

    fn kinds(avail: u16) -> Vec<Kind> {
        plan_columns(avail, &texts()).iter().map(|c| c.kind).collect()
    }

    #[test]
    fn columns_drop_in_order_and_the_title_takes_the_rest() {
        use Kind::*;
        assert_eq!(kinds(120), ALL.to_vec());
        let width_of = |avail: u16, texts: &[RowText]| -> u16 {
            let cols = plan_columns(avail, texts);
            1 + cols.iter().map(|c| c.width).sum::<u16>() + cols.len() as u16 - 1
        };
        // The title takes the spare width up to its longest text.
        let mut long = texts();
        long[0].title = "x".repeat(200);
        assert_eq!(width_of(120, &long), 120);
        let wide = width_of(300, &texts());
        let title = plan_columns(300, &texts())
            .iter()
            .find(|c| c.kind == Title)
            .unwrap()
            .width;
        assert_eq!(title, TITLE_MIN, "a short title keeps its least width");
        assert!(wide < 120, "{wide}");
        assert_eq!(kinds(58), vec![Severity, Status, Title, Age, Marks]);
        assert_eq!(kinds(40), vec![Severity, Status, Title]);
        assert_eq!(kinds(10), vec![Severity, Title]);
        assert_eq!(kinds(0), vec![Severity, Title]);
    }
}
