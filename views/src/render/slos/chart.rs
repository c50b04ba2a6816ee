//! The 1h burn-rate history of the selected SLO as a line chart, with the
//! alert thresholds as labelled horizontal lines.
//!
//! The y axis runs from 0 to `max(history max, 2) * 1.1`, so a quiet SLO
//! (burning well under 1) still shows its shape rather than a flat line
//! under a page threshold far above. Thresholds above the top are named in
//! a caption on the first row: `page 14.4 ↑ above`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;

use super::fmt;
use super::table::burn_style;
use crate::render::text;
use crate::render::{Ctx, centered_message, line_chart, put_cell, put_str};

/// The y axis reaches at least this burn rate (times the headroom).
const MIN_TOP: f64 = 2.0;
const HEADROOM: f64 = 1.1;

pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    history: &[(f64, f64)],
    thresholds: &[(f64, &str)],
    page: f64,
    ctx: &Ctx,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let points: Vec<(f64, f64)> = history
        .iter()
        .copied()
        .filter(|(t, v)| t.is_finite() && v.is_finite())
        .collect();
    if points.is_empty() {
        centered_message(buf, area, "no burn-rate history yet", ctx.theme.muted);
        return;
    }
    let (lo, hi) = points.iter().fold((0.0f64, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let top = hi.max(MIN_TOP) * HEADROOM;
    // Overflowing to infinity (values near f64::MAX) leaves nothing to scale.
    if !top.is_finite() || top <= lo {
        centered_message(buf, area, "burn-rate history out of range", ctx.theme.muted);
        return;
    }

    let th_style = |v: f64| {
        if v >= page {
            ctx.theme.critical
        } else {
            ctx.theme.warn
        }
    };
    let mut shown: Vec<(f64, String)> = Vec::new();
    let mut above: Vec<String> = Vec::new();
    for &(v, label) in thresholds {
        if !v.is_finite() || v < lo {
            continue;
        }
        let name = format!("{} {}", text::sanitize(label).trim(), fmt::compact(v));
        let name = name.trim().to_string();
        if v > top {
            above.push(name);
        } else {
            shown.push((v, name));
        }
    }
    // Highest first: it decides the style of a row shared by several.
    shown.sort_by(|a, b| b.0.total_cmp(&a.0));

    let mut area = area;
    if !above.is_empty() && area.height >= 4 {
        let highest = thresholds
            .iter()
            .map(|t| t.0)
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let caption = format!("{} {} above", above.join(", "), ctx.g.above);
        let caption = text::truncate(&caption, area.width as usize, ctx.g.ellipsis);
        let w = text::width(&caption) as u16;
        put_str(buf, area.right() - w, area.y, &caption, w, th_style(highest));
        area.y += 1;
        area.height -= 1;
    }

    let (top_s, lo_s) = (fmt::burn(top), fmt::compact(lo));
    // A single instant is named once.
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let times = (t0, (t1 != t0).then_some(t1));
    let Some(plot) = line_chart::frame(buf, area, (&top_s, &lo_s), times, ctx.theme.muted) else {
        return;
    };

    let last = points[points.len() - 1].1;
    let line_style = match burn_style(last, page, ctx) {
        s if s == Style::new() => ctx.theme.ok,
        s => s,
    };
    line_chart::plot_line(buf, plot, &points, [lo, top], line_style, ctx);

    draw_thresholds(buf, plot, &shown, (lo, top), &th_style, ctx);
}

/// Row of the plot where the chart draws the value `v` (the canvas's own
/// mapping, so a line at a threshold sits where the data crossing it does).
pub(super) fn row_of(v: f64, (lo, top): (f64, f64), height: u16, marker: Marker) -> u16 {
    let per_cell = if marker == Marker::Braille { 4.0 } else { 1.0 };
    let dots = f64::from(height) * per_cell;
    let dot = ((top - v) * (dots - 1.0) / (top - lo)).clamp(0.0, dots - 1.0);
    ((dot / per_cell) as u16).min(height - 1)
}

/// Each threshold as a line over the empty cells of its row (the data wins
/// where they cross), its name and value at the right end. Thresholds that
/// fall on the same row share it: `ticket 3 / ticket 3d 1`.
fn draw_thresholds(
    buf: &mut Buffer,
    plot: Rect,
    shown: &[(f64, String)],
    bounds: (f64, f64),
    th_style: &dyn Fn(f64) -> Style,
    ctx: &Ctx,
) {
    let plot = plot.intersection(buf.area);
    if plot.is_empty() {
        return;
    }
    let mut rows: Vec<(u16, f64, Vec<&str>)> = Vec::new();
    for (v, name) in shown {
        let row = row_of(*v, bounds, plot.height, ctx.g.marker);
        match rows.iter_mut().find(|r| r.0 == row) {
            Some(r) => r.2.push(name),
            None => rows.push((row, *v, vec![name])),
        }
    }
    for (row, v, names) in rows {
        let y = plot.y + row;
        let style = th_style(v);
        for x in plot.x..plot.right() {
            let cell = &mut buf[(x, y)];
            if cell.symbol() == " " {
                cell.set_symbol(ctx.g.rule).set_style(style);
            }
        }
        let label = format!(" {} ", names.join(" / "));
        let label = text::truncate(&label, plot.width as usize, ctx.g.ellipsis);
        let w = text::width(&label) as u16;
        put_cell(buf, plot, plot.right() - w, y, &label, w, false, style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_canvas_mapping() {
        let b = (0.0, 22.0);
        assert_eq!(row_of(22.0, b, 10, Marker::Braille), 0);
        assert_eq!(row_of(0.0, b, 10, Marker::Braille), 9);
        assert_eq!(row_of(11.0, b, 10, Marker::Braille), 4);
        assert_eq!(row_of(1e9, b, 10, Marker::Braille), 0);
        assert_eq!(row_of(-5.0, b, 10, Marker::Braille), 9);
        assert_eq!(row_of(11.0, b, 10, Marker::Custom('*')), 4);
    }
}
