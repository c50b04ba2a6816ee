//! Click targets: what `hit_test` finds under a point is what the frame drew
//! there, tab by tab and row by row, scrolled or not, with the detail pane
//! beside or below, and nothing below an overlay.

mod common;

use common::*;
use mdops_views::model::*;
use mdops_views::{Hit, List, Theme, ViewState, hit_test, render_to_text};
use ratatui::layout::Rect;

/// The text a row of `list` must show: its name (a prefix, as long names
/// are cut).
fn name_of(view: &AppView, list: List, index: usize) -> String {
    let full: &str = match (&view.body, list) {
        (BodyModel::Prices(m), List::Prices) => m.rows[index].symbol,
        (BodyModel::Slos(m), List::Slos) => m.rows[index].name,
        (BodyModel::Incidents(m), List::Incidents) => m.rows[index].title,
        (BodyModel::Cluster(m), List::Cluster(ClusterPane::Deployments)) => m.deployments[index].name,
        (BodyModel::Cluster(m), List::Cluster(ClusterPane::Pods)) => m.pods[index].name,
        (BodyModel::Cluster(m), List::Cluster(ClusterPane::Events)) => m.events[index].reason,
        _ => panic!("{list:?} is not on this screen"),
    };
    full.chars().take(6).collect()
}

/// Every row target of the frame, by screen line: each must be on a line
/// showing that row's name. Returns the targets found.
fn rows_match_the_text(view: &AppView, w: u16, h: u16) -> Vec<(u16, Hit)> {
    let theme = Theme::default();
    let text = render_to_text(view, &theme, w, h);
    let lines: Vec<&str> = text.lines().collect();
    let state = ViewState::default();
    let area = Rect::new(0, 0, w, h);
    let mut found = Vec::new();
    for y in 0..h {
        for x in [3, w / 2 + 3, w - 4] {
            let hit = hit_test(view, &theme, &state, area, x, y);
            if let Some(Hit::Row { list, index }) = hit {
                let name = name_of(view, list, index);
                assert!(
                    lines[y as usize].contains(&name),
                    "{w}x{h} ({x},{y}) {list:?} row {index} {name:?} not on {:?}",
                    lines[y as usize]
                );
                found.push((y, hit.unwrap()));
            }
        }
    }
    found
}

fn rows_of(found: &[(u16, Hit)], of: List) -> Vec<usize> {
    let mut rows: Vec<usize> = found
        .iter()
        .filter_map(|(_, hit)| match *hit {
            Hit::Row { list, index } if list == of => Some(index),
            _ => None,
        })
        .collect();
    rows.dedup();
    rows
}

#[test]
fn every_tab_label_is_its_tab_at_80_and_120_columns() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(2)));
    let theme = Theme::default();
    for w in [80, 120] {
        let area = Rect::new(0, 0, w, 24);
        let text = render_to_text(&view, &theme, w, 24);
        let tabs = text.lines().nth(1).unwrap();
        for (i, title) in TABS.iter().enumerate() {
            let label = format!("{i} {title}");
            let x = tabs
                .find(&label)
                .unwrap_or_else(|| panic!("{label} missing at {w}: {tabs}")) as u16;
            let last = x + label.len() as u16 - 1;
            for at in [x, last] {
                assert_eq!(
                    hit_test(&view, &theme, &ViewState::default(), area, at, 1),
                    Some(Hit::Tab(i)),
                    "{w} cols, x {at}: {tabs}"
                );
            }
        }
        // The header line is not a target.
        assert_eq!(hit_test(&view, &theme, &ViewState::default(), area, 5, 0), None);
    }
}

#[test]
fn price_rows_at_80x24_and_with_the_detail_beside_at_160x50() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(2));
    p.detail = Some(fx.ready_detail());
    let view = prices_app(p);
    for (w, h) in [(80, 24), (160, 50), (300, 80)] {
        let found = rows_match_the_text(&view, w, h);
        let rows = rows_of(&found, List::Prices);
        assert_eq!(rows.first(), Some(&0), "{w}x{h}");
        assert!(rows.len() >= 10, "{w}x{h}: {rows:?}");
    }
    // The detail pane is not a row: the right edge at 160 columns is in it.
    let theme = Theme::default();
    let state = ViewState::default();
    let hit = hit_test(&view, &theme, &state, Rect::new(0, 0, 160, 50), 150, 5);
    assert_eq!(hit, None);
}

#[test]
fn a_scrolled_table_maps_screen_lines_to_the_rows_shown() {
    let fx = Fixture::generated(200);
    let view = prices_app(fx.prices(Some(150)));
    let found = rows_match_the_text(&view, 80, 24);
    let rows = rows_of(&found, List::Prices);
    assert!(rows.contains(&150), "{rows:?}");
    assert!(rows[0] > 100, "scrolled: {rows:?}");
    // Inside the box but not on a row (the header line): the list itself,
    // for the wheel.
    let theme = Theme::default();
    let hit = hit_test(
        &view,
        &theme,
        &ViewState::default(),
        Rect::new(0, 0, 80, 24),
        4,
        3,
    );
    assert_eq!(hit, Some(Hit::List(List::Prices)));
}

#[test]
fn slo_incident_and_cluster_rows() {
    let slos = SloFixture::new();
    let found = rows_match_the_text(&slos_app(slos.model(Some(1))), 80, 24);
    assert_eq!(rows_of(&found, List::Slos), [0, 1, 2, 3, 4]);

    let incidents = IncidentFixture::new();
    let view = incidents_app(incidents.model());
    let found = rows_match_the_text(&view, 80, 24);
    let shown = rows_of(&found, List::Incidents);
    assert_eq!(shown[0], 0);
    assert!(shown.len() >= 3, "{shown:?}");
    // The detail pane right of the table on a very wide terminal.
    let found = rows_match_the_text(&view, 300, 80);
    assert_eq!(
        rows_of(&found, List::Incidents).len(),
        incidents.model().rows.len()
    );

    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let found = rows_match_the_text(&cluster_app(cluster_model()), w, h);
        for pane in [ClusterPane::Deployments, ClusterPane::Pods, ClusterPane::Events] {
            let rows = rows_of(&found, List::Cluster(pane));
            assert_eq!(rows.first(), Some(&0), "{w}x{h} {pane:?}: {found:?}");
        }
    }
}

#[test]
fn overlays_take_every_click() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let area = Rect::new(0, 0, 80, 24);
    let state = ViewState::default();
    let plain = prices_app(fx.prices(Some(2)));
    let row = hit_test(&plain, &theme, &state, area, 4, 5);
    assert!(
        matches!(
            row,
            Some(Hit::Row {
                list: List::Prices,
                ..
            })
        ),
        "{row:?}"
    );

    let mut help = prices_app(fx.prices(Some(2)));
    help.help = Some(HelpModel::of(HELP));
    let mut dialog = prices_app(fx.prices(Some(2)));
    dialog.dialog = Some(ack_dialog());
    for view in [help, dialog] {
        for (x, y) in [(0, 0), (4, 5), (40, 1), (79, 23)] {
            assert_eq!(
                hit_test(&view, &theme, &state, area, x, y),
                Some(Hit::Overlay),
                "({x},{y})"
            );
        }
    }

    // The last action's strip covers the bottom of the table only.
    let mut strip = prices_app(fx.prices(Some(2)));
    strip.action_status = Some(status_watching());
    assert_eq!(hit_test(&strip, &theme, &state, area, 4, 21), Some(Hit::Overlay));
    let above = hit_test(&strip, &theme, &state, area, 4, 5);
    assert!(
        matches!(
            above,
            Some(Hit::Row {
                list: List::Prices,
                ..
            })
        ),
        "{above:?}"
    );
}

#[test]
fn the_last_frame_answers_like_a_fresh_hit_test() {
    let fx = Fixture::generated(200);
    let view = prices_app(fx.prices(Some(150)));
    let theme = Theme::default();
    let mut state = ViewState::default();
    draw_with(&view, &theme, 80, 24, &mut state);
    for y in 0..24 {
        assert_eq!(
            state.hit(4, y),
            hit_test(
                &view,
                &theme,
                &ViewState::default(),
                Rect::new(0, 0, 80, 24),
                4,
                y
            )
        );
    }
}
