//! Snapshots of navigation over the frame: the command prompt with its
//! completions, the FROZEN marker, and panels expanded to the whole body.

mod common;

use common::*;
use insta::assert_snapshot;
use mdops_views::Theme;
use mdops_views::model::*;

fn theme() -> Theme {
    Theme::default()
}

#[test]
fn command_prompt_lists_completions_and_marks_the_tab_choice() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.nav.command = Some(CommandLineModel {
        input: "slo",
        candidates: vec!["slo", "slos", "scale-agent"],
        selected: Some(0),
        error: None,
    });
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn command_prompt_keeps_a_refusal_and_counts_what_does_not_fit() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    let names = [
        "overview",
        "prices",
        "slo",
        "slos",
        "incidents",
        "capacity",
        "dr",
        "cluster",
        "timeline",
        "env",
        "theme",
        "help",
        "quit",
        "restart-agent",
        "scale-agent",
    ];
    view.nav.command = Some(CommandLineModel {
        input: "env mars",
        candidates: names.to_vec(),
        selected: None,
        error: Some("unknown environment `mars`; configured: prod-us, prod-eu"),
    });
    let text = draw(&view, &theme(), 60, 20);
    assert_snapshot!(text.backend());
}

#[test]
fn frozen_marker_starts_the_header() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.nav.frozen = Some(FrozenModel {
        since: "14:03:07",
        held: 42,
    });
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn expanded_price_chart_fills_the_body() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.nav.expanded = true;
    assert_snapshot!(draw(&view, &theme(), 100, 24).backend());
}

#[test]
fn expanded_slo_detail_fills_the_body() {
    let fx = SloFixture::new();
    let mut view = slos_app(fx.model(Some(0)));
    view.nav.expanded = true;
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn expanded_incident_detail_fills_the_body() {
    let fx = IncidentFixture::new();
    let mut view = incidents_app(fx.model());
    view.nav.expanded = true;
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn expanded_cluster_shows_only_the_focused_pane() {
    let mut m = cluster_model();
    m.focus = ClusterPane::Pods;
    m.selected = Some(1);
    let mut view = cluster_app(m);
    view.nav.expanded = true;
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn expanded_without_a_panel_draws_the_usual_layout() {
    let mut view = prices_app(empty_prices(0));
    let usual = render_text(&view);
    view.nav.expanded = true;
    assert_eq!(render_text(&view), usual);
}

fn render_text(view: &AppView) -> String {
    mdops_views::render_to_text(view, &theme(), 80, 24)
}
