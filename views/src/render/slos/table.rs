//! The SLO table: one row per SLO, burn rates per window, the legend line.
//!
//! Columns are dropped on narrow terminals, lowest priority first (see
//! [`priority`]): Service, windows with unusual labels, 3d, 1d, 2h, Events,
//! then the name is shortened (to [`NAME_MIN`] cells at least, with an
//! ellipsis), then Exhaust, 30m, Target, SLI, 6h, 5m, Budget. Name, the 1h
//! window and Alert always stay. Spare room goes back to the name.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::fmt::{self, NO_TRAFFIC, PARTIAL};
use crate::ViewState;
use crate::hit::{Hit, List};
use crate::model::{AlertLevelModel, BurnCell, SloRow, SlosModel};
use crate::render::rows::{self, Window, row_area};
use crate::render::{Ctx, centered_message, put_cell, text};

/// What a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Service,
    Target,
    Sli,
    Events,
    Budget,
    /// Index into `SlosModel::windows`.
    Window(usize),
    Alert,
    Exhaust,
}

#[derive(Debug)]
struct Col {
    kind: Kind,
    width: u16,
}

/// Never dropped.
const KEEP: u8 = u8::MAX;
/// Name cells (stale marker included) kept before columns of [`SQUEEZE_NAME`]
/// priority or more are dropped.
const NAME_MIN: usize = 17;
const NAME_MAX: usize = 32;
/// Columns from this priority on are dropped only after the name is shortened.
const SQUEEZE_NAME: u8 = 40;
const SERVICE_MAX: usize = 16;

/// Drop priority: lower goes first; ties go right to left.
fn priority(kind: Kind, windows: &[&str]) -> u8 {
    match kind {
        Kind::Name | Kind::Alert => KEEP,
        Kind::Service => 10,
        Kind::Window(i) => match windows.get(i).map(|w| w.trim()) {
            Some("1h") => KEEP,
            Some("5m") => 65,
            Some("6h") => 60,
            Some("30m") => 45,
            Some("2h") => 30,
            Some("1d") => 25,
            Some("3d") => 20,
            _ => 15,
        },
        Kind::Events => 35,
        Kind::Exhaust => 40,
        Kind::Target => 50,
        Kind::Sli => 55,
        Kind::Budget => 70,
    }
}

fn title(kind: Kind, windows: &[String]) -> &str {
    match kind {
        Kind::Name => "Name",
        Kind::Service => "Service",
        Kind::Target => "Target",
        Kind::Sli => "SLI",
        Kind::Events => "Events",
        Kind::Budget => "Budget",
        Kind::Window(i) => windows.get(i).map_or("", |s| s.as_str()),
        Kind::Alert => "Alert",
        Kind::Exhaust => "Exhaust",
    }
}

/// Least width per column, so widths do not jitter while scrolling.
fn min_width(kind: Kind) -> usize {
    match kind {
        Kind::Name => 5,
        Kind::Service | Kind::Target | Kind::Events | Kind::Alert => 6,
        Kind::Sli | Kind::Exhaust => 7,
        Kind::Budget => fmt::BAR_CELLS + 5,
        Kind::Window(_) => 5,
    }
}

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &SlosModel,
    page: f64,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    let inner = area.inner(Margin::new(1, 1));
    // Header and legend lines; with little room, rows win over the legend.
    let visible = if inner.height >= 3 {
        inner.height as usize - 2
    } else {
        inner.height.saturating_sub(1) as usize
    };
    let win = Window::scrolled(state.slos_offset, m.selected, m.rows.len(), visible);
    state.slos_offset = win.offset;
    state.slos_page = visible;
    state.hits.push(area, Hit::List(List::Slos));
    let title = title_line(m, area.width, ctx);

    if win.len == 0 {
        ctx.draw_box(buf, area, &title, None);
        let msg = match filter {
            Some(f) => format!("no SLO matches filter '{}'", text::sanitize(f)),
            None => "no SLOs defined".to_string(),
        };
        centered_message(buf, inner, &msg, ctx.theme.muted);
        return;
    }

    let window = &m.rows[win.range()];
    let labels: Vec<String> = m.windows.iter().map(|w| text::sanitize(w)).collect();
    let texts: Vec<RowText> = window
        .iter()
        .map(|r| RowText::new(r, m.windows.len(), ctx))
        .collect();
    let cols = plan_columns(inner.width, &texts, &labels, &m.windows);

    ctx.draw_box(buf, area, &title, win.position(ctx).as_ref());
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let selected = win.selected(m.selected);
    draw_header(buf, inner, &cols, &labels, ctx);
    for (i, (r, t)) in window.iter().zip(&texts).enumerate() {
        let row = row_area(inner, i);
        let index = win.offset + i;
        state.hits.push(
            row,
            Hit::Row {
                list: List::Slos,
                index,
            },
        );
        draw_row(buf, row, r, t, &cols, page, selected == Some(i), ctx);
    }
    let legend_y = inner.y + 1 + window.len() as u16;
    if legend_y < inner.bottom() {
        let legend = legend(inner.width.saturating_sub(1) as usize, ctx);
        put_cell(
            buf,
            inner,
            inner.x + 1,
            legend_y,
            &legend,
            inner.width - 1,
            false,
            ctx.theme.muted,
        );
    }
}

/// ` SLOs · 5 SLOs · <source> `, the source cut to the box.
fn title_line<'a>(m: &SlosModel, width: u16, ctx: &Ctx) -> Line<'a> {
    let n = m.rows.len();
    let count = format!("{} {n} SLO{} ", ctx.g.dot, if n == 1 { "" } else { "s" });
    let head = " SLOs ";
    let used = text::width(head) + text::width(&count) + 4;
    let source = text::sanitize(m.source);
    let mut line = Line::from(vec![
        Span::styled(head, ctx.theme.title),
        Span::styled(count, ctx.theme.muted),
    ]);
    let room = (width as usize).saturating_sub(used + 2);
    if !source.trim().is_empty() && room >= 8 {
        let s = text::truncate(source.trim(), room, ctx.g.ellipsis);
        line.spans
            .push(Span::styled(format!("{} {s} ", ctx.g.dot), ctx.theme.muted));
    }
    line
}

/// The legend: the longest form that fits `width`, else the shortest cut.
/// In ASCII, where the missing glyph and the separator are both `-`, items
/// are separated by commas.
pub(super) fn legend(width: usize, ctx: &Ctx) -> String {
    let (missing, stale) = (ctx.g.missing, ctx.g.stale);
    let d = if ctx.g.dot == missing { "," } else { ctx.g.dot };
    let sep = if d == "," {
        ", ".to_string()
    } else {
        format!(" {d} ")
    };
    let forms = [
        [
            "burn rate per window: 1 spends the budget in exactly the SLO period".to_string(),
            format!("{PARTIAL} = partial window (less history than the window)"),
            format!("{NO_TRAFFIC} = no traffic"),
            format!("{missing} = unknown or query failed"),
            format!("{stale} = stale, last known values"),
        ]
        .join(&sep),
        [
            format!("{PARTIAL} = partial window (less history than the window)"),
            format!("{NO_TRAFFIC} = no traffic"),
            format!("{missing} = unknown"),
            format!("{stale} = stale"),
        ]
        .join(&sep),
        [
            format!("{PARTIAL} = partial window"),
            format!("{NO_TRAFFIC} = no traffic"),
            format!("{missing} = unknown"),
            format!("{stale} = stale"),
        ]
        .join(&sep),
        [
            format!("{PARTIAL} partial"),
            format!("{NO_TRAFFIC} = no traffic"),
            format!("{missing} unknown"),
            format!("{stale} stale"),
        ]
        .join(&sep),
    ];
    for f in &forms {
        if text::width(f) <= width {
            return f.clone();
        }
    }
    text::truncate(&forms[3], width, ctx.g.ellipsis)
}

/// Every column, left to right, with `windows` burn-rate windows.
fn all_columns(windows: usize) -> Vec<Kind> {
    let mut kinds = vec![
        Kind::Name,
        Kind::Service,
        Kind::Target,
        Kind::Sli,
        Kind::Events,
        Kind::Budget,
    ];
    kinds.extend((0..windows).map(Kind::Window));
    kinds.extend([Kind::Alert, Kind::Exhaust]);
    kinds
}

fn plan_columns(avail: u16, texts: &[RowText], labels: &[String], windows: &[&str]) -> Vec<Col> {
    let kinds = all_columns(labels.len());
    let natural = |kind: Kind| -> usize {
        let content = texts.iter().map(|t| t.width(kind)).max().unwrap_or(0);
        let head = text::width(title(kind, labels));
        let w = match kind {
            // The stale marker cell before the name (and the header's space).
            Kind::Name => (content.max(head) + 1).min(NAME_MAX),
            Kind::Service => content.max(head).min(SERVICE_MAX),
            // A cell after the number for the partial marker.
            Kind::Window(_) => content.max(head + 1),
            _ => content.max(head),
        };
        w.max(min_width(kind))
    };
    let mut cols: Vec<Col> = kinds
        .iter()
        .map(|&kind| Col {
            kind,
            width: natural(kind).min(u16::MAX as usize / 64) as u16,
        })
        .collect();
    let name_natural = cols[0].width;
    let name_min = name_natural.min(NAME_MIN as u16);

    // Selection mark, then columns separated by one space.
    let total = |cols: &[Col]| -> u32 {
        1 + cols.iter().map(|c| u32::from(c.width)).sum::<u32>() + cols.len().saturating_sub(1) as u32
    };
    let avail32 = u32::from(avail);
    let mut order: Vec<(u8, usize, Kind)> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| (priority(c.kind, windows), i, c.kind))
        .filter(|(p, _, _)| *p != KEEP)
        .collect();
    order.sort_by_key(|&(p, i, _)| (p, std::cmp::Reverse(i)));
    let mut squeezed = false;
    for (p, _, kind) in order {
        if total(&cols) <= avail32 {
            break;
        }
        if p >= SQUEEZE_NAME && !squeezed {
            squeezed = true;
            let over = total(&cols) - avail32;
            cols[0].width -= (cols[0].width - name_min).min(over.min(u32::from(u16::MAX)) as u16);
            if total(&cols) <= avail32 {
                break;
            }
        }
        cols.retain(|c| c.kind != kind);
    }
    // Spare room goes back to the name.
    let spare = avail32.saturating_sub(total(&cols)).min(u32::from(u16::MAX)) as u16;
    cols[0].width += spare.min(name_natural - cols[0].width);
    // Still too wide (a tiny terminal): the name gives what it can.
    let over = total(&cols).saturating_sub(avail32).min(u32::from(u16::MAX)) as u16;
    cols[0].width = cols[0].width.saturating_sub(over).max(2);
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

fn draw_header(buf: &mut Buffer, area: Rect, cols: &[Col], labels: &[String], ctx: &Ctx) {
    let style = ctx.theme.header;
    buf.set_style(Rect { height: 1, ..area }, style);
    for (x, c) in column_xs(area, cols) {
        let label = title(c.kind, labels);
        match c.kind {
            Kind::Name => put_cell(
                buf,
                area,
                x.saturating_add(1),
                area.y,
                label,
                c.width - 1,
                false,
                style,
            ),
            Kind::Service | Kind::Budget | Kind::Alert => {
                put_cell(buf, area, x, area.y, label, c.width, false, style);
            }
            // Right aligned over the number, clear of the partial marker cell.
            Kind::Window(_) => put_cell(buf, area, x, area.y, label, c.width - 1, true, style),
            _ => put_cell(buf, area, x, area.y, label, c.width, true, style),
        }
    }
}

/// Style of a burn rate: critical above the page threshold, warn when
/// spending faster than the budget allows.
pub(super) fn burn_style(v: f64, page: f64, ctx: &Ctx) -> Style {
    if v.is_nan() {
        Style::new()
    } else if v > page {
        ctx.theme.critical
    } else if v > 1.0 {
        ctx.theme.warn
    } else {
        Style::new()
    }
}

pub(super) fn alert_style(a: AlertLevelModel, ctx: &Ctx) -> Style {
    match a {
        AlertLevelModel::Ok => ctx.theme.ok,
        AlertLevelModel::Ticket => ctx.theme.warn,
        AlertLevelModel::Page => ctx.theme.critical,
    }
}

pub(super) fn alert_word(a: AlertLevelModel) -> &'static str {
    match a {
        AlertLevelModel::Ok => "OK",
        AlertLevelModel::Ticket => "TICKET",
        AlertLevelModel::Page => "PAGE",
    }
}

fn budget_style(b: Option<f64>, ctx: &Ctx) -> Style {
    match b {
        Some(b) if b.is_nan() => Style::new(),
        Some(b) if b <= 0.0 => ctx.theme.critical,
        Some(b) if b < 0.25 => ctx.theme.warn,
        Some(_) => ctx.theme.ok,
        None => Style::new(),
    }
}

/// Under a day to exhaustion critical, under three days warn.
fn exhaust_style(r: &SloRow, ctx: &Ctx) -> Style {
    match r.exhaustion.map(|d| d.as_secs()) {
        Some(s) if s < 86_400 => ctx.theme.critical,
        Some(s) if s < 3 * 86_400 => ctx.theme.warn,
        _ => Style::new(),
    }
}

/// One data row: the stale style over the row, each cell's own style, then
/// the selection over it all. A stale row shows its numbers in the stale
/// style only (they are not current), but its alert keeps its colour: a
/// page does not fade because the source went away.
#[allow(clippy::too_many_arguments)]
fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    r: &SloRow,
    t: &RowText,
    cols: &[Col],
    page: f64,
    selected: bool,
    ctx: &Ctx,
) {
    let th = ctx.theme;
    let row_style = rows::row_style(buf, area, r.stale, ctx);
    let live = |s: Style| if r.stale { row_style } else { s };
    let y = area.y;
    for (x, c) in column_xs(area, cols) {
        let w = c.width;
        match c.kind {
            Kind::Name => {
                let mark = if r.stale { ctx.g.stale } else { " " };
                put_cell(buf, area, x, y, mark, 1, false, row_style);
                let name = text::truncate(&t.name, usize::from(w - 1), ctx.g.ellipsis);
                put_cell(buf, area, x.saturating_add(1), y, &name, w - 1, false, row_style);
            }
            Kind::Service => {
                let service = text::truncate(&t.service, usize::from(w), ctx.g.ellipsis);
                put_cell(buf, area, x, y, &service, w, false, live(th.muted));
            }
            Kind::Target => put_cell(buf, area, x, y, &t.target, w, true, row_style),
            Kind::Sli => {
                let below = matches!(r.sli_pct, Some(v) if v < r.objective_pct);
                let style = if below { th.critical } else { Style::new() };
                put_cell(buf, area, x, y, &t.sli, w, true, live(style));
            }
            Kind::Events => put_cell(buf, area, x, y, &t.events, w, true, row_style),
            Kind::Budget => {
                let style = live(budget_style(r.budget_remaining, ctx));
                let bar_w = fmt::BAR_CELLS as u16;
                if r.budget_remaining.is_some() {
                    put_cell(buf, area, x, y, &t.bar, bar_w, false, style);
                }
                let pct_x = x.saturating_add(bar_w + 1);
                put_cell(
                    buf,
                    area,
                    pct_x,
                    y,
                    &t.budget,
                    w.saturating_sub(bar_w + 1),
                    true,
                    style,
                );
            }
            Kind::Window(i) => {
                let (s, partial) = &t.burns[i];
                let style = match r.burn.get(i) {
                    Some(BurnCell::Rate { value, .. }) => burn_style(*value, page, ctx),
                    Some(BurnCell::NoTraffic) => th.muted,
                    _ => Style::new(),
                };
                put_cell(buf, area, x, y, s, w - 1, true, live(style));
                if *partial {
                    put_cell(
                        buf,
                        area,
                        x.saturating_add(w - 1),
                        y,
                        PARTIAL,
                        1,
                        false,
                        live(th.muted),
                    );
                }
            }
            Kind::Alert => {
                let level = alert_style(r.alert, ctx);
                // Not dimmed on a stale row (see above).
                let style = row_style
                    .patch(level)
                    .remove_modifier(row_style.add_modifier - level.add_modifier);
                put_cell(buf, area, x, y, alert_word(r.alert), w, false, style);
            }
            Kind::Exhaust => put_cell(buf, area, x, y, &t.exhaust, w, true, live(exhaust_style(r, ctx))),
        }
    }
    if selected {
        rows::mark_selected(buf, area, row_style, ctx);
    }
}

/// The formatted figures of one visible row.
struct RowText {
    name: String,
    service: String,
    target: String,
    sli: String,
    events: String,
    bar: String,
    budget: String,
    /// One per window: the text and whether the window is partial.
    burns: Vec<(String, bool)>,
    exhaust: String,
}

impl RowText {
    fn new(r: &SloRow, windows: usize, ctx: &Ctx) -> RowText {
        let g = ctx.g;
        let m = |s: String| g.swap_missing(s);
        let burns = (0..windows)
            .map(|i| match r.burn.get(i) {
                Some(BurnCell::Rate { value, partial }) => (m(fmt::burn(*value)), *partial),
                Some(BurnCell::NoTraffic) => (NO_TRAFFIC.to_string(), false),
                Some(BurnCell::Unknown) | None => (g.missing.to_string(), false),
            })
            .collect();
        // SLI and budget over less history than the period read like a
        // partial window.
        let period_mark = if r.period_partial && r.sli_pct.is_some() {
            PARTIAL
        } else {
            ""
        };
        RowText {
            name: text::sanitize(r.name),
            service: text::sanitize(r.service),
            target: m(fmt::objective(r.objective_pct)),
            sli: m(fmt::sli(r.sli_pct, r.objective_pct)) + period_mark,
            events: m(fmt::events(r.events)),
            bar: fmt::budget_bar(
                r.budget_remaining.unwrap_or(0.0),
                g.bar_full,
                g.bar_partial,
                g.bar_empty,
            ),
            budget: m(fmt::budget_pct(r.budget_remaining)) + period_mark,
            burns,
            exhaust: m(fmt::exhaustion(r.exhaustion)),
        }
    }

    fn width(&self, kind: Kind) -> usize {
        match kind {
            Kind::Name => text::width(&self.name),
            Kind::Service => text::width(&self.service),
            Kind::Target => text::width(&self.target),
            Kind::Sli => text::width(&self.sli),
            Kind::Events => text::width(&self.events),
            Kind::Budget => fmt::BAR_CELLS + 1 + text::width(&self.budget),
            Kind::Window(i) => self.burns.get(i).map_or(0, |b| text::width(&b.0) + 1),
            Kind::Alert => 6,
            Kind::Exhaust => text::width(&self.exhaust),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &[&str] = &["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

    fn order() -> Vec<Kind> {
        let kinds = all_columns(W.len());
        let mut droppable: Vec<_> = kinds.into_iter().filter(|k| priority(*k, W) != KEEP).collect();
        droppable.sort_by_key(|k| priority(*k, W));
        droppable
    }

    #[test]
    fn drop_order_is_documented() {
        use Kind::*;
        assert_eq!(
            order(),
            vec![
                Service,
                Window(6),
                Window(5),
                Window(3),
                Events,
                Exhaust,
                Window(1),
                Target,
                Sli,
                Window(4),
                Window(0),
                Budget
            ]
        );
        assert_eq!(priority(Window(2), W), KEEP);
        assert_eq!(priority(Window(0), &["4h"]), 15);
    }
}
