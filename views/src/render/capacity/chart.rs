//! The selected resource over time: its history, then the forecast median
//! with the 80% and 95% bands, the linear trend beside it, the limit as a
//! horizontal line and the time it is reached as a vertical one. A legend
//! under the plot names each line, since on a monochrome terminal only
//! their place tells them apart.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use super::fmt;
use crate::model::CapacityChartModel;
use crate::render::{Ctx, centered_message, line_chart, put_line, stacked, text};

/// Room above the highest line.
const HEADROOM: f64 = 1.05;

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &CapacityChartModel, ctx: &Ctx) {
    let title = Line::from(format!(
        " {} {} {} forecast ",
        text::sanitize(m.name),
        ctx.g.dot,
        m.model
    ));
    let inner = ctx.draw_box(buf, area, &title, None);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let finite = |v: &&(f64, f64)| v.0.is_finite() && v.1.is_finite();
    let all: Vec<&(f64, f64)> = m
        .history
        .iter()
        .chain(&m.median)
        .chain(m.bands.iter().flatten())
        .chain(&m.linear)
        .filter(finite)
        .collect();
    if all.is_empty() {
        centered_message(buf, inner, "no history yet", ctx.theme.muted);
        return;
    }
    let lo = all.iter().map(|p| p.1).fold(f64::INFINITY, f64::min).min(0.0);
    let hi = all
        .iter()
        .map(|p| p.1)
        .chain(m.limit)
        .fold(f64::NEG_INFINITY, f64::max);
    let top = if hi > lo { hi * HEADROOM } else { lo + 1.0 };
    let t0 = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let t1 = all.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    if !(top.is_finite() && t0.is_finite() && t1.is_finite()) {
        centered_message(buf, inner, "forecast out of range", ctx.theme.muted);
        return;
    }

    let legend_h = u16::from(inner.height >= 5) + u16::from(m.note.is_some() && inner.height >= 7);
    let (plot_area, legend_area) = stacked(inner, inner.height - legend_h);
    let (top_s, lo_s) = (fmt::value(m.unit, top), fmt::value(m.unit, lo));
    let Some(plot) = line_chart::frame(
        buf,
        plot_area,
        (&top_s, &lo_s),
        (t0, (t1 > t0).then_some(t1)),
        ctx.theme.muted,
    ) else {
        return;
    };
    let x_bounds = if t1 > t0 { [t0, t1] } else { [t0 - 1.0, t0 + 1.0] };
    let limit_line: Vec<(f64, f64)> = m.limit.map(|l| vec![(t0, l), (t1, l)]).unwrap_or_default();
    let crossing: Vec<(f64, f64)> = m.crossing_ms.map(|t| vec![(t, lo), (t, top)]).unwrap_or_default();
    let line = |data, style| dataset(data, style, ctx);
    // Drawn in order: later lines win where they cross.
    let datasets = vec![
        line(&m.bands[2], ctx.theme.muted),
        line(&m.bands[3], ctx.theme.muted),
        line(&m.bands[0], ctx.theme.stale),
        line(&m.bands[1], ctx.theme.stale),
        line(&m.linear, ctx.theme.warn),
        line(&limit_line, ctx.theme.critical),
        line(&crossing, ctx.theme.critical),
        line(&m.history, ctx.theme.ok),
        line(&m.median, ctx.theme.accent),
    ];
    Chart::new(datasets)
        .style(ctx.theme.base)
        .x_axis(Axis::default().bounds(x_bounds))
        .y_axis(Axis::default().bounds([lo, top]))
        .render(plot, buf);

    if legend_h > 0 {
        let rule = ctx.g.rule;
        let mut spans = vec![
            Span::styled(format!("{rule} history "), ctx.theme.ok),
            Span::styled(format!("{rule} median "), ctx.theme.accent),
            Span::styled(format!("{rule} 80% "), ctx.theme.stale),
            Span::styled(format!("{rule} 95% "), ctx.theme.muted),
            Span::styled(format!("{rule} linear "), ctx.theme.warn),
        ];
        if let Some(limit) = m.limit {
            let limit = format!("{}{}", fmt::value(m.unit, limit), fmt::unit_name(m.unit));
            spans.push(Span::styled(format!("{rule} limit {limit} "), ctx.theme.critical));
        }
        let last_seen = m.history.last().map(|p| p.0);
        let after = |t: f64| {
            let seen = last_seen.unwrap_or(t);
            fmt::until(Some(std::time::Duration::from_millis((t - seen).max(0.0) as u64)))
        };
        if let Some(t) = m.crossing_ms {
            spans.push(Span::styled(
                format!("{} reached in {} ", ctx.g.sep, after(t)),
                ctx.theme.critical,
            ));
        }
        if let Some(t) = m.linear_crossing_ms {
            spans.push(Span::styled(
                format!("{} linear in {} ", ctx.g.sep, after(t)),
                ctx.theme.warn,
            ));
        }
        // Whole entries only: one cut short would read as another.
        let mut room = legend_area.width as usize;
        spans.retain(|span| {
            let w = text::width(&span.content);
            let fits = w <= room;
            room = if fits { room - w } else { 0 };
            fits
        });
        put_line(buf, legend_area, &Line::from(spans));
        if let Some(note) = m.note.filter(|_| legend_area.height > 1) {
            let (_, below) = stacked(legend_area, 1);
            let note = text::truncate(&text::sanitize(note), below.width as usize, ctx.g.ellipsis);
            put_line(buf, below, &Line::styled(note, ctx.theme.muted));
        }
    }
}

fn dataset<'d>(data: &'d [(f64, f64)], style: Style, ctx: &Ctx) -> Dataset<'d> {
    Dataset::default()
        .data(data)
        .marker(ctx.g.marker)
        .graph_type(GraphType::Line)
        .style(style)
}
