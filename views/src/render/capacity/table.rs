//! One row per resource. Columns have a priority; on a narrow terminal the
//! least important drop first, the resource name, its use and the time to
//! its limit last.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::fmt;
use crate::model::{CapacityModel, CapacityRowModel};
use crate::render::rows::{mark_selected, row_area};
use crate::render::{Ctx, put_cell, put_str, text};

/// Use above this share of the limit is a warning, above the next critical.
const WARN_USED: f64 = 0.70;
const CRITICAL_USED: f64 = 0.90;
/// A limit reached sooner than this is critical.
const CRITICAL_WITHIN: std::time::Duration = std::time::Duration::from_secs(86_400);

struct Column {
    title: String,
    width: u16,
    /// Lower is kept longer.
    priority: u8,
    right: bool,
    /// Tells of the present (use, limit), so it is filled even when the
    /// resource has no forecast yet.
    present: bool,
    cell: Cell,
}

type Cell = Box<dyn Fn(&CapacityRowModel, &Ctx) -> (String, Style)>;

fn columns(horizon: &str) -> Vec<Column> {
    fn col(
        title: &str,
        width: u16,
        priority: u8,
        right: bool,
        cell: impl Fn(&CapacityRowModel, &Ctx) -> (String, Style) + 'static,
    ) -> Column {
        Column {
            title: title.to_string(),
            width,
            priority,
            right,
            present: false,
            cell: Box::new(cell),
        }
    }
    let present = |c: Column| Column { present: true, ..c };
    let not_within = format!("not within {horizon}");
    vec![
        present(col("Resource", 15, 0, false, |r, ctx| {
            if r.pod {
                // Indented under its resource; a pod's name differs at its end.
                let name = text::truncate_middle(&text::sanitize(r.name), 13, ctx.g.ellipsis);
                (format!("  {name}"), ctx.theme.muted)
            } else {
                (r.name.to_string(), ctx.theme.base)
            }
        })),
        present(col("Now", 10, 1, true, |r, ctx| {
            let s = r
                .current
                .map_or(text::MISSING.to_string(), |v| fmt::value(r.unit, v));
            (ctx.g.swap_missing(s), ctx.theme.base)
        })),
        present(col("Use", 5, 0, true, |r, ctx| match r.used {
            Some(u) => (format!("{:.0}%", u * 100.0), used_style(u, ctx)),
            None => (ctx.g.missing.to_string(), ctx.theme.muted),
        })),
        present(col("Limit", 10, 3, true, |r, ctx| match r.limit {
            Some(l) => (fmt::value(r.unit, l), ctx.theme.base),
            None => ("none".to_string(), ctx.theme.muted),
        })),
        present(col("From", 6, 9, false, |r, ctx| {
            (r.limit_source.to_string(), ctx.theme.muted)
        })),
        Column {
            title: format!("In {horizon}"),
            ..col("", 10, 2, true, |r, ctx| match r.forecast {
                Some(f) => (fmt::value(r.unit, f.median), ctx.theme.accent),
                None => (ctx.g.missing.to_string(), ctx.theme.muted),
            })
        },
        col("80% band", 21, 6, true, |r, ctx| band(r, ctx, |f| f.p80)),
        col("95% band", 21, 10, true, |r, ctx| band(r, ctx, |f| f.p95)),
        Column {
            title: "To limit".to_string(),
            ..col("", 13, 0, true, move |r, ctx| match r.time_to_limit {
                Some(t) if t.median.is_none() && t.linear.is_some() => (
                    format!("{} lin", fmt::until(t.linear)),
                    until_style(t.linear, ctx),
                ),
                Some(t) if t.median.is_none() && t.earliest.is_none() => (not_within.clone(), ctx.theme.ok),
                Some(t) => (fmt::until(t.median), until_style(t.earliest, ctx)),
                None => (ctx.g.missing.to_string(), ctx.theme.muted),
            })
        },
        col("80% band", 13, 5, true, |r, ctx| match r.time_to_limit {
            Some(t) if t.earliest.is_some() => (
                format!("{}{}{}", fmt::until(t.earliest), ctx.g.dash, fmt::until(t.latest)),
                ctx.theme.muted,
            ),
            _ => (String::new(), ctx.theme.muted),
        }),
        col("ETS/MSTL acc", 12, 4, true, |r, ctx| accuracy(r, 0, ctx)),
        col("Linear acc", 12, 8, true, |r, ctx| accuracy(r, 1, ctx)),
        col("Replicas", 12, 7, true, |r, ctx| match r.replicas {
            Some(Ok((n, by))) => (format!("{n} ({by})"), ctx.theme.accent),
            Some(Err(_)) => ("unknown".to_string(), ctx.theme.muted),
            None => (String::new(), ctx.theme.muted),
        }),
    ]
}

fn band(
    r: &CapacityRowModel,
    ctx: &Ctx,
    pick: fn(&crate::model::ForecastCell) -> (f64, f64),
) -> (String, Style) {
    match &r.forecast {
        Some(f) => {
            let (lo, hi) = pick(f);
            (
                format!(
                    "{}{}{}",
                    fmt::value(r.unit, lo),
                    ctx.g.dash,
                    fmt::value(r.unit, hi)
                ),
                ctx.theme.muted,
            )
        }
        None => (String::new(), ctx.theme.muted),
    }
}

/// `4.1% 78/96`: MAPE, then the share of held-out values in the 80% and
/// 95% bands.
fn accuracy(r: &CapacityRowModel, model: usize, ctx: &Ctx) -> (String, Style) {
    match &r.accuracy[model] {
        Some(a) => {
            let mape = a.mape.map_or(ctx.g.missing.to_string(), |m| format!("{m:.1}%"));
            (
                format!("{mape} {:.0}/{:.0}", a.coverage80 * 100.0, a.coverage95 * 100.0),
                ctx.theme.base,
            )
        }
        None if r.forecast.is_some() => ("n/a".to_string(), ctx.theme.muted),
        None => (String::new(), ctx.theme.muted),
    }
}

fn used_style(used: f64, ctx: &Ctx) -> Style {
    if used >= CRITICAL_USED {
        ctx.theme.critical
    } else if used >= WARN_USED {
        ctx.theme.warn
    } else {
        ctx.theme.ok
    }
}

fn until_style(earliest: Option<std::time::Duration>, ctx: &Ctx) -> Style {
    match earliest {
        Some(d) if d < CRITICAL_WITHIN => ctx.theme.critical,
        Some(_) => ctx.theme.warn,
        None => ctx.theme.ok,
    }
}

/// The columns that fit `width`, in display order: the least important
/// dropped first.
fn fitting(all: Vec<Column>, width: u16) -> Vec<Column> {
    let mut keep = all;
    loop {
        let total: u16 = keep.iter().map(|c| c.width + 1).sum();
        if total <= width + 1 || keep.len() <= 1 {
            return keep;
        }
        let Some(drop) = keep
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (c.priority, *i))
            .map(|(i, _)| i)
        else {
            return keep;
        };
        keep.remove(drop);
    }
}

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &CapacityModel, ctx: &Ctx) {
    let secs = m.horizon.as_secs();
    let horizon = if secs.is_multiple_of(86_400) && secs > 0 {
        format!("{}d", secs / 86_400)
    } else {
        text::span(m.horizon)
    };
    let title = Line::from(format!(" Capacity {} horizon {horizon} ", ctx.g.dot));
    let bottom = Line::from(" acc: MAPE, % in 80/95% bands ").style(ctx.theme.muted);
    let inner = ctx.draw_box(buf, area, &title, Some(&bottom));
    if inner.height == 0 || inner.width < 2 {
        return;
    }
    // One cell at the left for the selection mark.
    let cols = fitting(columns(&horizon), inner.width - 1);
    let mut x = inner.x + 1;
    for c in &cols {
        put_cell(
            buf,
            inner,
            x,
            inner.y,
            &c.title,
            c.width,
            c.right,
            ctx.theme.header,
        );
        x += c.width + 1;
    }
    for (i, row) in m.rows.iter().enumerate() {
        let line = row_area(inner, i);
        if line.height == 0 || line.y >= inner.bottom() {
            break;
        }
        let style = ctx.theme.base;
        let mut x = line.x + 1;
        for c in &cols {
            if let (Some(no), false) = (row.unavailable, c.present) {
                let w = line.right().saturating_sub(x);
                let why = text::truncate(&text::sanitize(no.brief), w as usize, ctx.g.ellipsis);
                put_str(buf, x, line.y, &why, w, ctx.theme.warn);
                break;
            }
            let (s, style) = (c.cell)(row, ctx);
            put_cell(buf, line, x, line.y, &s, c.width, c.right, style);
            x += c.width + 1;
        }
        if m.selected == Some(i) {
            mark_selected(buf, line, style, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority() {
        let titles = |w| {
            fitting(columns("7d"), w)
                .iter()
                .map(|c| c.title.clone())
                .collect::<Vec<_>>()
        };
        let all = titles(400);
        assert_eq!(all.len(), 13);
        assert_eq!(titles(44), ["Resource", "Use", "To limit"]);
        let at_80 = titles(77);
        assert!(
            at_80.contains(&"In 7d".to_string()) && !at_80.contains(&"95% band".to_string()),
            "{at_80:?}"
        );
    }
}
