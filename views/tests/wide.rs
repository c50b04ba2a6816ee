//! Every live screen on a very wide, tall terminal (300x80): tables keep
//! their columns to their content, detail panes and charts stay bounded,
//! nothing is stretched across the whole width.

mod common;

use common::*;
use insta::assert_snapshot;
use mdops_views::model::*;
use mdops_views::{Theme, render_to_text};

const W: u16 = 300;
const H: u16 = 80;

fn wide(view: &AppView) -> String {
    let text = render_to_text(view, &Theme::default(), W, H);
    assert_eq!(text.lines().count(), H as usize);
    text
}

/// The longest run of one repeated character in `text` outside box borders:
/// a stretched bar, chart or rule shows up as a long run.
fn longest_run(line: &str, of: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in line.chars() {
        run = if c == of { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[test]
fn prices_300x80() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(2));
    p.detail = Some(fx.ready_detail());
    let text = wide(&prices_app(p));
    // The sparkline column stops at its bound; spare room is not handed
    // to it.
    for line in text.lines() {
        assert!(longest_run(line, '█') <= 24, "{line}");
    }
    assert_snapshot!(text);
}

#[test]
fn slos_300x80() {
    let fx = SloFixture::new();
    let text = wide(&slos_app(fx.model(Some(0))));
    assert_snapshot!(text);
}

#[test]
fn incidents_300x80() {
    let fx = IncidentFixture::new();
    let text = wide(&incidents_app(fx.model()));
    assert_snapshot!(text);
}

#[test]
fn cluster_300x80() {
    let text = wide(&cluster_app(cluster_model()));
    assert_snapshot!(text);
}

#[test]
fn tabs_fit_at_80_columns_and_stay_padded_when_wide() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(2)));
    let narrow = render_to_text(&view, &Theme::default(), 80, 24);
    let tabs = narrow.lines().nth(1).unwrap();
    for (i, title) in TABS.iter().enumerate() {
        assert!(
            tabs.contains(&format!("{i} {title}")),
            "{title} missing: {tabs:?}"
        );
    }
    let wide = wide(&view);
    assert!(wide.lines().nth(1).unwrap().contains(" 0 Overview   1 Prices "));
}
