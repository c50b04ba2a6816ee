//! Overview screen: per environment a title row and six tiles (agent
//! health, SLOs, incidents, DR, capacity, top movers). Environments sit
//! side by side while each column has room, else one above the other;
//! tiles form a grid of one to three columns inside each. [`layout`] is the
//! one place positions are computed, so clicks can be mapped to tiles.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Ctx, put_line, text};
use crate::ViewState;
use crate::hit::Hit;
use crate::model::{
    EnvOverviewModel, HealthLevel, ObjectiveModel, ObjectiveState, OverviewModel, OverviewTile, TileBody,
    TileModel,
};

/// Narrowest environment column before environments stack.
const MIN_COLUMN_W: u16 = 34;
/// Narrowest tile: more room gives more tile columns.
const MIN_TILE_W: u16 = 26;
const MAX_TILE_COLUMNS: u16 = 3;

/// Where one environment's parts are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvLayout {
    /// The row naming the environment.
    pub title: Rect,
    /// One per [`crate::model::OverviewTile::ALL`], in that order.
    pub tiles: [Rect; 6],
}

/// Positions of every environment's title and tiles in `area` (the body),
/// as the renderer draws them.
pub fn layout(area: Rect, environments: usize) -> Vec<EnvLayout> {
    let n = u16::try_from(environments.max(1)).unwrap_or(u16::MAX);
    let side_by_side = area.width / n >= MIN_COLUMN_W;
    let shares = vec![Constraint::Fill(1); usize::from(n)];
    let groups = if side_by_side {
        Layout::horizontal(shares).split(area)
    } else {
        Layout::vertical(shares).split(area)
    };
    groups
        .iter()
        .take(environments)
        .map(|&group| env_layout(group))
        .collect()
}

/// Rows each tile wants, borders included: one line of figures, two for
/// DR (RPO and RTO), three movers.
const TILE_NEEDS: [u16; 6] = [3, 3, 3, 4, 3, 5];

fn env_layout(area: Rect) -> EnvLayout {
    let [title, grid] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let columns = (grid.width / MIN_TILE_W).clamp(1, MAX_TILE_COLUMNS);
    let needs: Vec<u16> = TILE_NEEDS
        .chunks(usize::from(columns))
        .map(|row| row.iter().copied().max().unwrap_or(3))
        .collect();
    let row_areas = Layout::vertical(
        row_heights(&needs, grid.height)
            .into_iter()
            .map(Constraint::Length),
    )
    .split(grid);
    let mut tiles = [Rect::ZERO; 6];
    for (i, tile) in tiles.iter_mut().enumerate() {
        let i = u16::try_from(i).unwrap_or(0);
        let row = row_areas[usize::from(i / columns)];
        let cells = Layout::horizontal(vec![Constraint::Fill(1); usize::from(columns)]).split(row);
        *tile = cells[usize::from(i % columns)];
    }
    EnvLayout { title, tiles }
}

/// Heights of the tile rows in `total`: each row its need while they all
/// fit, the rest shared evenly; short of room, the tallest give way first
/// (never below three rows, a box with one line).
fn row_heights(needs: &[u16], total: u16) -> Vec<u16> {
    let mut heights = needs.to_vec();
    while heights.iter().sum::<u16>() > total {
        let Some(tallest) = heights.iter_mut().filter(|h| **h > 3).max_by_key(|h| **h) else {
            break;
        };
        *tallest -= 1;
    }
    let used: u16 = heights.iter().sum();
    let spare = total.saturating_sub(used);
    let n = u16::try_from(heights.len().max(1)).unwrap_or(1);
    for (i, h) in heights.iter_mut().enumerate() {
        *h += spare / n + u16::from(u16::try_from(i).unwrap_or(0) < spare % n);
    }
    heights
}

pub(crate) fn render(buf: &mut Buffer, area: Rect, m: &OverviewModel, ctx: &Ctx, state: &mut ViewState) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    for (i, (env, place)) in m
        .environments
        .iter()
        .zip(layout(area, m.environments.len()))
        .enumerate()
    {
        title(buf, place.title, env, ctx);
        for (tile, &rect) in env.tiles.iter().zip(place.tiles.iter()) {
            let selected = m.selected == (i, tile.kind);
            render_tile(buf, rect, tile, selected, ctx);
            let index = i * OverviewTile::ALL.len() + tile.kind.index();
            state.hits.push(rect, Hit::Tile(index));
        }
    }
}

fn title(buf: &mut Buffer, area: Rect, env: &EnvOverviewModel, ctx: &Ctx) {
    let th = ctx.theme;
    let mut spans = vec![Span::styled(format!(" {} ", text::sanitize(env.name)), th.title)];
    if env.active {
        spans.push(Span::styled(format!("{} active", ctx.g.connected), th.accent));
    }
    if env.switching {
        spans.push(Span::styled(format!("switching{}", ctx.g.ellipsis), th.warn));
    }
    put_line(buf, area, &Line::from(spans));
}

fn render_tile(buf: &mut Buffer, area: Rect, tile: &TileModel, selected: bool, ctx: &Ctx) {
    let th = ctx.theme;
    let name = tile.kind.title();
    let (heading, border) = if selected {
        (format!(" {} {name} ", ctx.g.selected), th.accent)
    } else {
        (format!(" {name} "), th.border)
    };
    let inner = ctx.draw_box_styled(buf, area, &Line::from(heading), None, border);
    let mut lines = Vec::new();
    if let Some(error) = tile.error {
        let room = usize::from(inner.width);
        let error = text::short_error(&text::sanitize(error), room.saturating_sub(2), ctx.g.ellipsis);
        lines.push(Line::from(Span::styled(format!("! {error}"), th.critical)));
    }
    lines.extend(body_lines(&tile.body, inner.height, inner.width, ctx));
    for (row, line) in (inner.y..inner.bottom()).zip(lines.iter()) {
        put_line(
            buf,
            Rect {
                y: row,
                height: 1,
                ..inner
            },
            line,
        );
    }
}

fn body_lines<'a>(body: &'a TileBody, height: u16, width: u16, ctx: &Ctx) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let muted = |s: String| vec![Line::from(Span::styled(s, th.muted))];
    match body {
        TileBody::Waiting => muted(format!("waiting for a first answer{}", ctx.g.ellipsis)),
        TileBody::Health { status, data_age } => {
            let (word, style) = match status {
                HealthLevel::Ok => ("OK", th.ok),
                HealthLevel::Degraded => ("DEGRADED", th.warn),
                HealthLevel::Down => ("DOWN", th.critical),
            };
            let age = data_age.map_or_else(
                || "no ticks yet".to_string(),
                |a| format!("data {}", text::age(a)),
            );
            vec![Line::from(vec![
                Span::styled(word, style),
                Span::styled(format!("  {age}"), th.muted),
            ])]
        }
        TileBody::Slos {
            page,
            ticket,
            ok,
            unknown,
        } => {
            let count = |n: usize, word: &str, hot: Style| {
                Span::styled(format!("{word} {n}  "), if n > 0 { hot } else { th.muted })
            };
            let mut spans = vec![
                count(*page, "PAGE", th.critical),
                count(*ticket, "TICKET", th.warn),
                count(*ok, "OK", th.ok),
            ];
            if *unknown > 0 {
                spans.push(Span::styled(format!("no data {unknown}"), th.muted));
            }
            vec![Line::from(spans)]
        }
        TileBody::NoPrometheus => muted("no Prometheus".to_string()),
        TileBody::Incidents(counts) => {
            if counts.iter().all(|&n| n == 0) {
                return vec![Line::from(Span::styled("none open", th.ok))];
            }
            let spans = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| {
                    let style = if i < 2 { th.critical } else { th.warn };
                    Span::styled(format!("SEV{} {n}  ", i + 1), style)
                })
                .collect::<Vec<_>>();
            vec![Line::from(spans)]
        }
        TileBody::Dr { rpo, rto } => vec![
            objective("RPO", "NO BACKUP", rpo, ctx),
            objective("RTO", "NO DRILL", rto, ctx),
        ],
        TileBody::Capacity {
            resource,
            pod,
            used,
            time_to_limit,
        } => {
            let style = if *used >= 0.9 {
                th.critical
            } else if *used >= 0.75 {
                th.warn
            } else {
                th.ok
            };
            let of = if pod.is_some() { "pod limit" } else { "limit" };
            let mut spans = vec![
                Span::raw(format!("{} ", text::sanitize(resource))),
                Span::styled(format!("{:.0}% of {of}", used * 100.0), style),
            ];
            if let Some(left) = time_to_limit {
                spans.push(Span::styled(format!(", full in {}", text::span(*left)), th.muted));
            }
            let mut lines = vec![Line::from(spans)];
            if let Some(pod) = pod {
                // Pod names differ at their end: keep it.
                let room = usize::from(width).saturating_sub(4);
                let pod = text::truncate_middle(&text::sanitize(pod), room, ctx.g.ellipsis);
                lines.push(Line::styled(format!("pod {pod}"), th.muted));
            }
            lines
        }
        TileBody::CapacityUnknown => muted("not known yet".to_string()),
        TileBody::CapacityWhenActive => muted("shows when switched to".to_string()),
        TileBody::Movers(movers) => {
            if movers.is_empty() {
                return muted("no quotes yet".to_string());
            }
            let mover = |m: &crate::model::MoverModel| {
                let style = if m.change_pct >= 0.0 { th.up } else { th.down };
                vec![
                    Span::raw(format!("{:<6} ", text::sanitize(m.symbol))),
                    Span::styled(format!("{:>8}", text::change_pct(Some(m.change_pct))), style),
                ]
            };
            if usize::from(height) >= movers.len() {
                movers.iter().map(|m| Line::from(mover(m))).collect()
            } else {
                let mut spans = Vec::new();
                for m in movers {
                    spans.push(Span::raw(text::sanitize(m.symbol)));
                    spans.push(Span::styled(
                        format!(" {}  ", text::change_pct(Some(m.change_pct))),
                        if m.change_pct >= 0.0 { th.up } else { th.down },
                    ));
                }
                vec![Line::from(spans)]
            }
        }
    }
}

/// `RPO 4m00s / 15m MET`, the verdict in the DR screen's colours.
fn objective<'a>(name: &'a str, none: &'a str, o: &ObjectiveModel, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let current = o
        .current
        .map_or_else(|| ctx.g.missing.to_string(), text::duration);
    let (word, style): (&str, Style) = match o.state {
        ObjectiveState::Met => ("MET", th.ok),
        ObjectiveState::Missed => ("MISSED", th.critical),
        ObjectiveState::NoFigure => (none, th.warn),
    };
    Line::from(vec![
        Span::styled(format!("{name} "), th.title),
        Span::styled(current, style),
        Span::styled(format!(" / {} ", text::span(o.target)), th.muted),
        Span::styled(word, style),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles_inside(area: Rect, l: &EnvLayout) -> bool {
        l.tiles
            .iter()
            .all(|t| area.intersection(*t) == *t && t.width > 0 && t.height > 0)
    }

    #[test]
    fn two_environments_sit_side_by_side_when_wide_and_stack_when_narrow() {
        let wide = Rect::new(0, 2, 160, 40);
        let places = layout(wide, 2);
        assert_eq!(places.len(), 2);
        assert!(places[0].title.x < places[1].title.x, "side by side");
        assert_eq!(places[0].title.y, places[1].title.y);
        assert_eq!(places[0].tiles[1].y, places[0].tiles[0].y, "three tile columns");
        let narrow = Rect::new(0, 2, 60, 30);
        let places = layout(narrow, 2);
        assert!(places[0].title.y < places[1].title.y, "stacked");
        assert_eq!(places[0].title.x, places[1].title.x);
        for l in layout(wide, 2).iter().chain(&places) {
            assert!(tiles_inside(wide, l) || tiles_inside(narrow, l));
        }
    }

    #[test]
    fn rows_get_their_need_then_share_the_rest_or_give_way() {
        assert_eq!(row_heights(&TILE_NEEDS, 21), [3, 3, 3, 4, 3, 5]);
        assert_eq!(row_heights(&TILE_NEEDS, 27), [4, 4, 4, 5, 4, 6]);
        assert_eq!(row_heights(&TILE_NEEDS, 19), [3, 3, 3, 4, 3, 3]);
        assert_eq!(row_heights(&[4, 5], 30), [15, 15]);
        assert_eq!(row_heights(&TILE_NEEDS, 10), [3; 6], "never below a one-line box");
    }

    #[test]
    fn tiles_never_overlap_and_cover_the_order() {
        for (w, h, n) in [(80, 21, 2), (120, 30, 3), (40, 20, 1), (200, 50, 2)] {
            let area = Rect::new(0, 2, w, h);
            let rects: Vec<Rect> = layout(area, n).iter().flat_map(|l| l.tiles).collect();
            assert_eq!(rects.len(), 6 * n);
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    assert!(a.intersection(*b).is_empty(), "{w}x{h}: {a:?} overlaps {b:?}");
                }
            }
        }
    }
}
