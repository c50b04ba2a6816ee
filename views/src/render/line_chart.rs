//! A time series as a line chart, laid out the same way on every screen:
//! the top and bottom of the y range in a gutter at the left, the first and
//! last time under the plot when there is room.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use super::text::{self, time_label};
use super::{Ctx, put_str};

/// With at least this many rows, the times go on a row under the plot.
const TIMES_MIN_HEIGHT: u16 = 5;

/// Draws the labels around the plot in `area` and returns the plot's area,
/// or `None` (and draws nothing) when it would be under 4x2 cells.
///
/// `top` and `bottom` go on the first and last row of the plot, in a gutter
/// left of it as wide as the wider of them and a space. `first` and `last`
/// are the times (Unix ms) of the first and last point; `last` is `None` to
/// show the first only.
pub(crate) fn frame(
    buf: &mut Buffer,
    area: Rect,
    (top, bottom): (&str, &str),
    (first, last): (f64, Option<f64>),
    style: Style,
) -> Option<Rect> {
    let gutter = (text::width(top).max(text::width(bottom)) + 1) as u16;
    let show_x = area.height >= TIMES_MIN_HEIGHT;
    let plot = Rect {
        x: area.x + gutter,
        width: area.width.saturating_sub(gutter),
        height: area.height - u16::from(show_x),
        ..area
    };
    if plot.width < 4 || plot.height < 2 {
        return None;
    }
    put_str(buf, area.x, plot.y, top, gutter - 1, style);
    put_str(buf, area.x, plot.bottom() - 1, bottom, gutter - 1, style);
    if show_x {
        let span = last.map_or(0.0, |last| last - first);
        let x0 = time_label(first, span);
        let y = plot.bottom();
        put_str(buf, plot.x, y, &x0, plot.width, style);
        if let Some(x1) = last.map(|last| time_label(last, span))
            && text::width(&x0) + text::width(&x1) < plot.width as usize
        {
            let x = plot.right() - text::width(&x1) as u16;
            put_str(buf, x, y, &x1, plot.width, style);
        }
    }
    Some(plot)
}

/// Draws `points` (`(Unix ms, value)`, oldest first, at least one) as one
/// line over `plot`, the y axis spanning `y_bounds`, the x axis the first to
/// the last point (2 ms around a single instant).
pub(crate) fn plot_line(
    buf: &mut Buffer,
    plot: Rect,
    points: &[(f64, f64)],
    y_bounds: [f64; 2],
    style: Style,
    ctx: &Ctx,
) {
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let x_bounds = if t1 > t0 { [t0, t1] } else { [t0 - 1.0, t0 + 1.0] };
    let dataset = Dataset::default()
        .data(points)
        .marker(ctx.g.marker)
        .graph_type(GraphType::Line)
        .style(style);
    Chart::new(vec![dataset])
        .style(ctx.theme.base)
        .x_axis(Axis::default().bounds(x_bounds))
        .y_axis(Axis::default().bounds(y_bounds))
        .render(plot, buf);
}
