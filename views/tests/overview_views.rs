//! Snapshot tests of the overview: two environments wide, at 80x24, narrow
//! (stacked), ASCII monochrome, and with an environment failing; the
//! colours of its verdicts; and that the public layout is where the tiles
//! are drawn.

mod common;

use std::time::Duration;

use common::*;
use insta::assert_snapshot;
use mdops_views::model::*;
use mdops_views::{Theme, overview_layout};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn objective(secs: u64, target: u64, state: ObjectiveState) -> ObjectiveModel {
    ObjectiveModel {
        current: Some(Duration::from_secs(secs)),
        target: Duration::from_secs(target),
        state,
    }
}

fn healthy(name: &'static str, active: bool) -> EnvOverviewModel<'static> {
    let tile = |kind, body| TileModel {
        kind,
        body,
        error: None,
    };
    EnvOverviewModel {
        name,
        active,
        switching: false,
        tiles: vec![
            tile(
                OverviewTile::Health,
                TileBody::Health {
                    status: HealthLevel::Ok,
                    data_age: Some(Duration::from_millis(400)),
                },
            ),
            tile(
                OverviewTile::Slos,
                TileBody::Slos {
                    page: 0,
                    ticket: 1,
                    ok: 3,
                    unknown: 0,
                },
            ),
            tile(OverviewTile::Incidents, TileBody::Incidents([0, 1, 0, 0])),
            tile(
                OverviewTile::Dr,
                TileBody::Dr {
                    rpo: objective(190, 900, ObjectiveState::Met),
                    rto: objective(2, 1800, ObjectiveState::Met),
                },
            ),
            tile(
                OverviewTile::Capacity,
                if active {
                    TileBody::Capacity {
                        resource: "memory",
                        pod: Some("market-data-agent-7d9f8c5b4-x2x9z"),
                        used: 0.94,
                        time_to_limit: Some(std::time::Duration::from_secs(30 * 3600)),
                    }
                } else {
                    TileBody::CapacityWhenActive
                },
            ),
            tile(
                OverviewTile::Movers,
                TileBody::Movers(vec![
                    MoverModel {
                        symbol: "AAPL",
                        price: 131.5,
                        change_pct: 30.0,
                    },
                    MoverModel {
                        symbol: "MSFT",
                        price: 401.2,
                        change_pct: -2.41,
                    },
                    MoverModel {
                        symbol: "NVDA",
                        price: 880.0,
                        change_pct: 1.05,
                    },
                ]),
            ),
        ],
    }
}

/// prod-eu unreachable since its last answer: errors on every agent tile,
/// the last values kept, its RPO past target, no Prometheus.
fn failing() -> EnvOverviewModel<'static> {
    let mut env = healthy("prod-eu", false);
    let refused = "error sending request: Connection refused (os error 111)";
    for tile in &mut env.tiles {
        if tile.kind != OverviewTile::Capacity {
            tile.error = Some(refused);
        }
    }
    env.tiles[0].body = TileBody::Health {
        status: HealthLevel::Down,
        data_age: Some(Duration::from_secs(95)),
    };
    env.tiles[1] = TileModel {
        kind: OverviewTile::Slos,
        body: TileBody::NoPrometheus,
        error: None,
    };
    env.tiles[2].body = TileBody::Incidents([1, 0, 2, 0]);
    env.tiles[3].body = TileBody::Dr {
        rpo: objective(1_300, 900, ObjectiveState::Missed),
        rto: ObjectiveModel {
            current: None,
            target: Duration::from_secs(1800),
            state: ObjectiveState::NoFigure,
        },
    };
    env
}

fn view(environments: Vec<EnvOverviewModel<'static>>, selected: (usize, OverviewTile)) -> AppView<'static> {
    let mut view = app(
        header_all_connected(),
        BodyModel::Overview(OverviewModel {
            environments,
            selected,
        }),
    );
    view.tabs.selected = 0;
    view.status.hints = vec![
        ("?", "help"),
        ("hjkl", "select tile"),
        ("Enter", "open"),
        ("q", "quit"),
    ];
    view
}

fn two() -> AppView<'static> {
    view(
        vec![healthy("prod-us", true), healthy("prod-eu", false)],
        (0, OverviewTile::Health),
    )
}

#[test]
fn overview_two_environments_wide() {
    assert_snapshot!(draw(&two(), &Theme::default(), 160, 30).backend());
}

#[test]
fn overview_two_environments_80x24() {
    assert_snapshot!(draw(&two(), &Theme::default(), 80, 24).backend());
}

#[test]
fn overview_narrow_stacks_environments() {
    assert_snapshot!(draw(&two(), &Theme::default(), 60, 40).backend());
}

#[test]
fn overview_ascii_monochrome_80x24() {
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let text = mdops_views::render_to_text(&two(), &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn overview_with_an_environment_failing() {
    let failing = view(vec![healthy("prod-us", true), failing()], (1, OverviewTile::Dr));
    assert_snapshot!(draw(&failing, &Theme::default(), 120, 32).backend());
}

fn style_of(buf: &Buffer, needle: &str) -> ratatui::style::Style {
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(byte) = row.find(needle) {
            let x = row[..byte].chars().count();
            return buf[(x as u16, y)].style();
        }
    }
    panic!("{needle:?} not on screen");
}

#[test]
fn verdicts_and_failures_carry_their_colour() {
    let theme = Theme::default();
    let failing = view(
        vec![healthy("prod-us", true), failing()],
        (0, OverviewTile::Health),
    );
    let buf = draw_buffer(&failing, &theme, 160, 40);
    assert_eq!(style_of(&buf, "MET").fg, theme.ok.fg);
    assert_eq!(style_of(&buf, "MISSED").fg, theme.critical.fg);
    assert_eq!(style_of(&buf, "NO DRILL").fg, theme.warn.fg);
    assert_eq!(style_of(&buf, "DOWN").fg, theme.critical.fg);
    assert_eq!(style_of(&buf, "! connection refused").fg, theme.critical.fg);
    assert_eq!(style_of(&buf, "SEV1 1").fg, theme.critical.fg);
}

/// The public layout names the rectangles the renderer draws in: each
/// tile's title sits on its rectangle's top border, inside the body.
#[test]
fn the_public_layout_is_where_tiles_are_drawn() {
    for (w, h) in [(160u16, 30u16), (80, 24), (60, 40)] {
        let buf = draw_buffer(&two(), &Theme::default(), w, h);
        let body = Rect::new(0, 2, w, h - 3);
        let places = overview_layout(body, 2);
        assert_eq!(places.len(), 2);
        for place in &places {
            for (tile, rect) in OverviewTile::ALL.iter().zip(place.tiles) {
                assert!(
                    body.intersection(rect) == rect,
                    "{w}x{h}: {rect:?} outside the body"
                );
                let top: String = (rect.x..rect.right())
                    .map(|x| buf[(x, rect.y)].symbol().to_string())
                    .collect();
                assert!(
                    top.contains(tile.title()),
                    "{w}x{h}: {tile:?} not at {rect:?}: {top}"
                );
            }
        }
    }
}
