//! Cluster screen: a banner when the Kubernetes API cannot be reached (the
//! last known objects stay listed below it), then three panes: Deployments,
//! Pods and Warning events. The focused pane has an accented border, a
//! `▶` before its name and the selection; each pane keeps its own scroll
//! position.
//!
//! Stacked, deployments take as many lines as their rows up to a bound,
//! events a few, pods the rest. On wide terminals deployments and events
//! sit side by side above the pods. On very short ones only the focused
//! pane is drawn.

mod deployments;
mod events;
mod pods;
mod table;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Ctx, banner, centered_message, side_by_side, stacked, text};
use crate::hit::List;
use crate::model::{ClusterModel, ClusterPane};
use crate::{ViewState, pane_index};
use table::Pane;

/// Lines of a pane besides its rows: borders and header.
const CHROME: u16 = 3;
/// A pane with room for one row (or its empty message).
const PANE_MIN: u16 = CHROME + 1;
/// Deployments grow to this many rows before the pods take the rest.
const DEPLOYMENT_ROWS: usize = 8;
/// Pods get this many rows before deployments and events grow.
const POD_ROWS_FIRST: usize = 5;
/// Events get this many rows before the pods grow, then at most the second
/// figure when stacked.
const EVENT_ROWS_FIRST: usize = 3;
const EVENT_ROWS: usize = 6;
/// From this width on, deployments and events sit side by side.
const WIDE_MIN_WIDTH: u16 = 160;
/// Events shown beside the deployments on wide terminals.
const EVENT_ROWS_WIDE: usize = 12;

pub(crate) fn render(
    buf: &mut Buffer,
    area: Rect,
    m: &ClusterModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    render_panes(buf, area, m, filter, ctx, state, false);
}

/// Expanded: the focused pane over the whole body.
pub(crate) fn render_focused(
    buf: &mut Buffer,
    area: Rect,
    m: &ClusterModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
) {
    render_panes(buf, area, m, filter, ctx, state, true);
}

fn render_panes(
    buf: &mut Buffer,
    area: Rect,
    m: &ClusterModel,
    filter: Option<&str>,
    ctx: &Ctx,
    state: &mut ViewState,
    focused_only: bool,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let problems: Vec<&str> = m.problem.into_iter().collect();
    let banner_h = banner::render(buf, area, &problems, ctx);
    let (_, body) = stacked(area, banner_h);
    let nothing = m.deployments.is_empty() && m.pods.is_empty() && m.events.is_empty();
    if m.loading && nothing {
        state.cluster_page = [0; 3];
        let title = title(" Cluster ", &[], Some(m.context), body.width, false, ctx);
        let inner = ctx.draw_box(buf, body, &title, None);
        let msg = format!("waiting for the Kubernetes API{}", ctx.g.ellipsis);
        centered_message(buf, inner, &msg, ctx.theme.muted);
        return;
    }
    let lens = [m.deployments.len(), m.pods.len(), m.events.len()];
    // Only a side-by-side layout needs the deployments' natural width.
    let deployments_w = if body.width >= WIDE_MIN_WIDTH {
        let shown = m.deployments.iter().take(DEPLOYMENT_ROWS);
        let shown: Vec<table::Row> = shown.map(|d| deployments::row(d, ctx)).collect();
        table::natural_width(&deployments::SPEC, &shown)
    } else {
        0
    };
    let areas = if focused_only {
        let mut only = [None; 3];
        only[pane_index(m.focus)] = Some(body);
        only
    } else {
        layout(body, lens, deployments_w, m.focus)
    };
    // The context goes in the title of the pane at the top left.
    let top_left = areas.iter().flatten().min_by_key(|r| (r.y, r.x)).copied();
    let th = ctx.theme;
    let ViewState {
        cluster_offset,
        cluster_page,
        hits,
        ..
    } = state;
    for (i, (offset, page)) in cluster_offset.iter_mut().zip(cluster_page.iter_mut()).enumerate() {
        let Some(rect) = areas[i] else {
            *page = 0;
            continue;
        };
        let context = (Some(rect) == top_left).then_some(m.context);
        let which = PANES[i];
        let focused = m.focus == which;
        let (name, counts, empty) = match which {
            ClusterPane::Deployments => {
                let bad = m.deployments.iter().filter(|d| !d.healthy).count();
                (
                    " Deployments ",
                    counts(m.deployments.len(), bad, "not ready", ctx),
                    ("no deployments in this namespace", th.muted),
                )
            }
            ClusterPane::Pods => {
                let bad = m.pods.iter().filter(|p| !p.healthy).count();
                (
                    " Pods ",
                    counts(m.pods.len(), bad, "not ready", ctx),
                    ("no pods in this namespace", th.muted),
                )
            }
            ClusterPane::Events => (
                " Warning events ",
                counts(m.events.len(), 0, "", ctx),
                ("no warning events", th.ok),
            ),
        };
        let empty = match filter {
            Some(_) => ("nothing here matches the filter", th.muted),
            None => empty,
        };
        let pane = Pane {
            title: title(name, &counts, context, rect.width, focused, ctx),
            focused,
            selected: m.selected,
            empty,
            offset,
            page,
            hits,
            list: List::Cluster(which),
        };
        match which {
            ClusterPane::Deployments => {
                let row = |i: usize| deployments::row(&m.deployments[i], ctx);
                table::draw(buf, rect, &deployments::SPEC, pane, m.deployments.len(), row, ctx);
            }
            ClusterPane::Pods => {
                let row = |i: usize| pods::row(&m.pods[i], ctx);
                table::draw(buf, rect, &pods::SPEC, pane, m.pods.len(), row, ctx);
            }
            ClusterPane::Events => {
                let row = |i: usize| events::row(&m.events[i], ctx);
                table::draw(buf, rect, &events::SPEC, pane, m.events.len(), row, ctx);
            }
        }
    }
}

/// The panes in the order of [`pane_index`].
const PANES: [ClusterPane; 3] = [ClusterPane::Deployments, ClusterPane::Pods, ClusterPane::Events];

/// `· 7 ` and, when some are unhealthy, `· 2 not ready ` in the warn style.
fn counts(total: usize, bad: usize, what: &str, ctx: &Ctx) -> Vec<(String, Style)> {
    let dot = ctx.g.dot;
    let mut out = Vec::new();
    if total > 0 {
        out.push((format!("{dot} {total} "), ctx.theme.muted));
    }
    if bad > 0 {
        out.push((format!("{dot} {bad} {what} "), ctx.theme.warn));
    }
    out
}

/// ` ▶ Pods · 7 · 2 not ready · context prod-eu · namespace mda `: the
/// focused pane's name accented and marked; the context only when it fits.
fn title<'a>(
    name: &str,
    counts: &[(String, Style)],
    context: Option<&str>,
    width: u16,
    focused: bool,
    ctx: &Ctx,
) -> Line<'a> {
    let th = ctx.theme;
    let head = if focused {
        Span::styled(format!(" {}{name}", ctx.g.selected), th.accent)
    } else {
        Span::styled(name.to_string(), th.title)
    };
    let mut line = Line::from(head);
    line.spans
        .extend(counts.iter().map(|(s, st)| Span::styled(s.clone(), *st)));
    // Borders and a corner's worth of line on each side.
    let room = (width as usize).saturating_sub(4);
    let used = line.width();
    let context = context.map(|c| text::sanitize(c).trim().to_string());
    if let Some(c) = context.filter(|c| !c.is_empty()) {
        let ctx_room = room.saturating_sub(used + 2);
        if ctx_room >= 12 {
            let c = text::truncate(&c, ctx_room, ctx.g.ellipsis);
            line.spans
                .push(Span::styled(format!("{} {c} ", ctx.g.dot), th.muted));
        }
    }
    line
}

/// Areas of the deployments, pods and events panes (in [`pane_index`]
/// order); `None` for a pane not drawn. Side by side, the deployments box
/// is `deployments_w` wide within bounds, the events take the rest.
fn layout(body: Rect, lens: [usize; 3], deployments_w: u16, focus: ClusterPane) -> [Option<Rect>; 3] {
    let want = |n: usize, cap: usize| {
        u16::try_from(n.clamp(1, cap))
            .unwrap_or(u16::MAX)
            .saturating_add(CHROME)
    };
    let h = body.height;
    if h < 3 * PANE_MIN {
        let mut out = [None; 3];
        out[pane_index(focus)] = Some(body);
        return out;
    }
    if body.width >= WIDE_MIN_WIDTH {
        let band = want(lens[0], DEPLOYMENT_ROWS)
            .max(want(lens[2], EVENT_ROWS_WIDE))
            .min(h * 2 / 5)
            .max(PANE_MIN);
        let (top, pods) = stacked(body, band);
        let w = deployments_w.clamp(body.width / 3, body.width / 2);
        let (deployments, events) = side_by_side(top, w);
        return [Some(deployments), Some(pods), Some(events)];
    }
    let mut hs = [PANE_MIN; 3];
    let mut spare = h - 3 * PANE_MIN;
    let steps = [
        (1, want(lens[1], POD_ROWS_FIRST)),
        (0, want(lens[0], DEPLOYMENT_ROWS)),
        (2, want(lens[2], EVENT_ROWS_FIRST)),
        (1, want(lens[1], usize::MAX)),
        (2, want(lens[2], EVENT_ROWS)),
        (1, u16::MAX),
    ];
    for (i, to) in steps {
        let add = to.saturating_sub(hs[i]).min(spare);
        hs[i] += add;
        spare -= add;
    }
    let (deployments, rest) = stacked(body, hs[0]);
    let (pods, events) = stacked(rest, hs[1]);
    [Some(deployments), Some(pods), Some(events)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heights(h: u16, lens: [usize; 3]) -> [u16; 3] {
        layout(Rect::new(0, 0, 120, h), lens, 70, ClusterPane::Pods).map(|r| r.map_or(0, |r| r.height))
    }

    #[test]
    fn stacked_panes_share_the_height_pods_first() {
        // Room for everything: deployments and events as tall as their
        // rows, pods the rest.
        assert_eq!(heights(27, [3, 6, 4]), [6, 14, 7]);
        // Tighter: pods keep five rows, then deployments, then events.
        assert_eq!(heights(21, [3, 6, 4]), [6, 9, 6]);
        assert_eq!(heights(16, [3, 6, 4]), [4, 8, 4]);
        assert_eq!(heights(12, [3, 6, 4]), [4, 4, 4]);
        // Many deployments stop at a bound; no events leave one line for
        // the calm message.
        assert_eq!(heights(40, [20, 30, 0]), [11, 25, 4]);
        // Too short for three: the focused pane alone.
        assert_eq!(heights(11, [3, 6, 4]), [0, 11, 0]);
    }

    #[test]
    fn panes_stay_in_the_body_and_never_overlap() {
        for w in [30, 59, 80, 120, 159, 160, 200, 300] {
            for h in 0..60 {
                let body = Rect::new(2, 3, w, h);
                for lens in [[0, 0, 0], [3, 6, 4], [20, 300, 50]] {
                    for dw in [0, 70, u16::MAX] {
                        let areas = layout(body, lens, dw, ClusterPane::Events);
                        let drawn: Vec<Rect> = areas.iter().flatten().copied().collect();
                        assert!(!drawn.is_empty());
                        for (i, a) in drawn.iter().enumerate() {
                            assert_eq!(a.intersection(body), *a, "{w}x{h}: {a:?} outside");
                            for b in &drawn[i + 1..] {
                                assert!(!a.intersects(*b), "{w}x{h}: {a:?} over {b:?}");
                            }
                        }
                        let area: u32 = drawn.iter().map(|r| r.area()).sum();
                        assert_eq!(area, body.area(), "{w}x{h}: the body is used");
                    }
                }
            }
        }
    }

    #[test]
    fn wide_puts_deployments_and_events_side_by_side_above_pods() {
        let body = Rect::new(0, 3, 200, 46);
        let [d, p, e] = layout(body, [3, 6, 9], 90, ClusterPane::Pods).map(Option::unwrap);
        assert_eq!((d.x, d.y, d.width, d.height), (0, 3, 90, 12));
        assert_eq!((e.x, e.y, e.width, e.height), (90, 3, 110, 12));
        assert_eq!((p.x, p.y, p.width, p.height), (0, 15, 200, 34));
        // The deployments box stays between a third and a half of the width.
        let [d, _, e] = layout(body, [3, 6, 9], 30, ClusterPane::Pods).map(Option::unwrap);
        assert_eq!((d.width, e.x), (66, 66));
        let [d, _, _] = layout(body, [3, 6, 9], 300, ClusterPane::Pods).map(Option::unwrap);
        assert_eq!(d.width, 100);
    }
}
