//! Snapshot tests of every view on ratatui's `TestBackend`. Colours are not
//! in the snapshots; `styles.rs` checks the cells where colour carries meaning.

mod common;

use common::*;
use insta::assert_snapshot;
use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render_to_text};

fn theme() -> Theme {
    Theme::default()
}

#[test]
fn prices_120x30() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(2)));
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

/// Two crypto sources in one group: the primary's breaker held open by an
/// operator, its error shown; the standby active and fresh.
#[test]
fn prices_with_sources_panel_120x30() {
    let fx = Fixture::named();
    let mut model = fx.prices(Some(2));
    model.sources = vec![
        SourceRow {
            name: "binance",
            kind: "binance",
            state: "down",
            active: false,
            breaker: Some("open"),
            forced: true,
            health_score: Some(0.0),
            last_tick_age: Some(std::time::Duration::from_secs(42)),
            failovers: Some(1),
            last_error: Some("closed by the exchange (1001 going away)"),
        },
        SourceRow {
            name: "coinbase",
            kind: "coinbase",
            state: "up",
            active: true,
            breaker: Some("closed"),
            forced: false,
            health_score: Some(1.0),
            last_tick_age: Some(std::time::Duration::from_millis(20)),
            failovers: Some(0),
            last_error: None,
        },
    ];
    let view = prices_app(model);
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn prices_80x24() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(2)));
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn prices_160x50_all_columns() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(0));
    p.sort = PriceColumn::ChangePct;
    p.descending = true;
    let view = app(header_every_state(), BodyModel::Prices(p));
    assert_snapshot!(draw(&view, &theme(), 160, 50).backend());
}

#[test]
fn prices_60x20_narrow() {
    let fx = Fixture::named();
    let view = app(header_every_state(), BodyModel::Prices(fx.prices(Some(1))));
    assert_snapshot!(draw(&view, &theme(), 60, 20).backend());
}

#[test]
fn prices_with_stale_row() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(0));
    p.rows[3].stale = true;
    p.rows[9].stale = true;
    let view = prices_app(p);
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn prices_filter_being_typed() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(9));
    p.rows.retain(|r| r.symbol.contains("USD"));
    p.selected = Some(0);
    let mut view = prices_app(p);
    view.status.filter = Some(FilterModel {
        text: "usd",
        editing: true,
        error: None,
    });
    view.status.hints = vec![("Enter", "apply"), ("Esc", "clear")];
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn prices_filter_applied() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(3));
    p.rows.retain(|r| r.symbol.starts_with('A'));
    p.selected = Some(1);
    let mut view = prices_app(p);
    view.status.filter = Some(FilterModel {
        text: "a",
        editing: false,
        error: None,
    });
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn prices_waiting_for_first_data() {
    let view = app(header_every_state(), BodyModel::Prices(empty_prices(0)));
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn prices_no_match_for_filter() {
    let mut view = prices_app(empty_prices(14));
    view.status.filter = Some(FilterModel {
        text: "zzz",
        editing: false,
        error: None,
    });
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn prices_detail_loading() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(0));
    p.detail = Some(fx.detail(BarsState::Loading));
    let view = prices_app(p);
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn prices_detail_failed() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(0));
    p.detail = Some(fx.detail(BarsState::Failed(
        "GET /api/v1/bars/AAPL?interval=1s&limit=120: HTTP 503: agent not ready",
    )));
    let view = prices_app(p);
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn prices_detail_ready_below_at_100x40() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(0)));
    assert_snapshot!(draw(&view, &theme(), 100, 40).backend());
}

#[test]
fn prices_200_symbols_scrolled_to_selection() {
    let fx = Fixture::generated(200);
    let mut p = fx.prices(Some(150));
    p.sort = PriceColumn::Last;
    p.descending = true;
    let view = prices_app(p);
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn header_every_link_state_wide() {
    let view = app(header_every_state(), BodyModel::Prices(empty_prices(0)));
    let text = render_to_text(&view, &theme(), 160, 6);
    assert_snapshot!(text);
}

#[test]
fn header_every_link_state_at_120_and_80() {
    let view = app(header_every_state(), BodyModel::Prices(empty_prices(0)));
    let mut out = String::new();
    for w in [140, 120, 100, 80, 60] {
        let text = render_to_text(&view, &theme(), w, 6);
        out.push_str(&format!("--- {w} ---\n{}\n", text.lines().next().unwrap()));
    }
    assert_snapshot!(out);
}

#[test]
fn header_single_states() {
    let states = [
        LinkState::Connected,
        LinkState::Connecting,
        LinkState::Reconnecting {
            attempt: 12,
            last_error: "HTTP 500: internal server error",
        },
        LinkState::NotConfigured,
    ];
    let mut out = String::new();
    for state in states {
        let header = HeaderModel {
            target: "prometheus http://127.0.0.1:9090",
            sources: vec![SourceBadge {
                name: "prometheus",
                state: state.clone(),
                data_age: Some(std::time::Duration::from_millis(12_500)),
            }],
            clock: "09:00:00 UTC",
            incidents: None,
            replay: None,
        };
        let view = app(
            header,
            BodyModel::NotConfigured(NotConfiguredModel {
                screen: "x",
                purpose: "",
                how_to_configure: &[],
            }),
        );
        let text = render_to_text(&view, &theme(), 100, 6);
        out.push_str(text.lines().next().unwrap());
        out.push('\n');
    }
    assert_snapshot!(out);
}

fn not_configured(
    screen: &'static str,
    purpose: &'static str,
    how: &'static [&'static str],
) -> AppView<'static> {
    let mut view = app(
        header_every_state(),
        BodyModel::NotConfigured(NotConfiguredModel {
            screen,
            purpose,
            how_to_configure: how,
        }),
    );
    view.tabs.selected = 3;
    view
}

#[test]
fn not_configured_incidents_80x24() {
    let view = not_configured(
        "Incidents",
        "Firing and silenced alerts from Alertmanager, grouped into incidents with the agent's own detections.",
        &[
            "start with --alertmanager http://alertmanager:9093",
            "or set [alertmanager] url = \"...\" in config.toml",
        ],
    );
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn not_configured_cluster_120x30() {
    let mut view = not_configured(
        "Cluster",
        "Deployments, pods and restarts of the market-data-agent in Kubernetes; restart and scale actions.",
        &[
            "start with --kube-context NAME [--namespace NS]",
            "or set [kubernetes] context = \"...\" in config.toml",
            "the console uses your kubeconfig ($KUBECONFIG or ~/.kube/config)",
        ],
    );
    view.tabs.selected = 6;
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn not_configured_long_text_wraps_at_60x20() {
    let view = not_configured(
        "Capacity",
        "Forecasts of ticks per second, WebSocket clients and memory with prediction intervals, from Prometheus history of at least seven days.",
        &[
            "start with --prometheus http://prometheus:9090 (needs 7 days of mda_* history for weekly seasonality)",
        ],
    );
    assert_snapshot!(draw(&view, &theme(), 60, 20).backend());
}

#[test]
fn help_overlay_80x24() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.help = Some(HelpModel::of(HELP));
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn help_overlay_120x40_one_column() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.help = Some(HelpModel::of(HELP));
    assert_snapshot!(draw(&view, &theme(), 120, 40).backend());
}

#[test]
fn help_overlay_too_small_says_what_is_hidden() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.help = Some(HelpModel::of(HELP));
    assert_snapshot!(draw(&view, &theme(), 60, 14).backend());
}

#[test]
fn status_with_message_and_tabs_overflow() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(0)));
    view.status.message = Some("restart of deployment/mda confirmed; verifying rollout…");
    view.tabs.selected = 6;
    assert_snapshot!(draw(&view, &theme(), 50, 12).backend());
}

#[test]
fn ascii_theme_80x24() {
    let fx = Fixture::named();
    let mut p = fx.prices(Some(2));
    p.rows[4].stale = true;
    p.descending = true;
    let mut view = app(header_every_state(), BodyModel::Prices(p));
    view.status.hints = vec![("q", "quit"), ("/", "filter"), ("j/k", "select")];
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let text = render_to_text(&view, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn terminal_too_small() {
    let fx = Fixture::named();
    let view = prices_app(fx.prices(Some(0)));
    assert_snapshot!(draw(&view, &theme(), 20, 4).backend());
}

#[test]
fn render_to_text_matches_the_terminal() {
    let fx = Fixture::named();
    let view = app(header_every_state(), BodyModel::Prices(fx.prices(Some(2))));
    let text = render_to_text(&view, &theme(), 120, 30);
    let terminal = draw(&view, &theme(), 120, 30);
    let expected: Vec<String> = terminal
        .backend()
        .to_string()
        .lines()
        .map(|l| {
            // TestBackend shows `"line"` with a note on hidden cells.
            let inner = l.trim_start_matches('"');
            let end = inner.rfind('"').unwrap();
            inner[..end].trim_end().to_string()
        })
        .collect();
    assert_eq!(text, expected.join("\n"));
    assert_eq!(text.lines().count(), 30);
    assert!(!text.lines().any(|l| l.ends_with(' ')));
}

#[test]
fn scrolling_is_stable() {
    let fx = Fixture::generated(200);
    let mut state = ViewState::default();
    let mut offsets = Vec::new();
    // Walk the selection down and back up one row at a time.
    let walk: Vec<usize> = (0..60).chain((0..60).rev()).collect();
    for &sel in &walk {
        let view = prices_app(fx.prices(Some(sel)));
        draw_with(&view, &theme(), 120, 30, &mut state);
        let page = state.prices_page_rows();
        let off = state.prices_offset();
        assert!(off <= sel && sel < off + page, "selection {sel} off screen");
        offsets.push(off);
    }
    // The window never moves by more than one row per step.
    for w in offsets.windows(2) {
        assert!(w[0].abs_diff(w[1]) <= 1, "jumped: {offsets:?}");
    }
    // It starts scrolling only when the selection reaches the edge.
    let page = state.prices_page_rows();
    assert_eq!(offsets[page - 1], 0);
    assert_eq!(offsets[page], 1);
    // On the way back up the window stays put until the top edge.
    assert_eq!(offsets[60], offsets[59]);

    // Filtering down to fewer rows pulls the window back: no blank rows.
    let mut p = fx.prices(Some(5));
    p.rows.truncate(10);
    let view = prices_app(p);
    draw_with(&view, &theme(), 120, 30, &mut state);
    assert_eq!(state.prices_offset(), 0);
}

#[test]
fn slos_120x30() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.model(Some(0))), &theme(), 120, 30).backend());
}

#[test]
fn slos_80x24() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.model(Some(0))), &theme(), 80, 24).backend());
}

#[test]
fn slos_60x20_narrow() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.model(Some(3))), &theme(), 60, 20).backend());
}

#[test]
fn slos_detail_right_at_200x40() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.model(Some(0))), &theme(), 200, 40).backend());
}

#[test]
fn slos_problem_banner_and_stale_rows() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.source_down()), &theme(), 120, 30).backend());
}

#[test]
fn slos_partial_windows_local_scrape() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.local_scrape()), &theme(), 120, 30).backend());
}

#[test]
fn slos_quiet_detail_thresholds_above_the_chart() {
    let fx = SloFixture::new();
    assert_snapshot!(draw(&slos_app(fx.model(Some(2))), &theme(), 100, 40).backend());
}

#[test]
fn slos_detail_without_history_and_query_error() {
    let fx = SloFixture::new();
    let mut m = fx.model(Some(1));
    if let Some(d) = &mut m.detail {
        d.history = &[];
        d.note = Some(
            "query failed: HTTP 422: parse error at char 45: unexpected \"}\" in label matching, \
             expected string; the figures above are from the previous evaluation",
        );
    }
    assert_snapshot!(draw(&slos_app(m), &theme(), 100, 30).backend());
}

#[test]
fn slos_not_computed_yet_draws_every_row() {
    let fx = SloFixture::new();
    let mut m = fx.model(Some(0));
    for r in &mut m.rows {
        r.sli_pct = None;
        r.budget_remaining = None;
        r.burn = vec![BurnCell::Unknown; SLO_WINDOWS.len()];
        r.alert = AlertLevelModel::Ok;
        r.alert_reason = None;
        r.exhaustion = None;
        r.events = None;
    }
    m.detail = None;
    assert_snapshot!(draw(&slos_app(m), &theme(), 100, 16).backend());
}

#[test]
fn slos_empty() {
    let fx = SloFixture::new();
    let mut m = fx.model(None);
    m.rows.clear();
    assert_snapshot!(draw(&slos_app(m), &theme(), 80, 24).backend());
}

#[test]
fn slos_many_rows_scrolled_to_selection() {
    let fx = SloFixture::new();
    let names: Vec<String> = (0..40).map(|i| format!("route-{i:02}-availability")).collect();
    let mut m = fx.model(Some(33));
    m.rows = fx.rows_named(&names);
    if let Some(d) = &mut m.detail {
        d.name = &names[33];
    }
    assert_snapshot!(draw(&slos_app(m), &theme(), 120, 30).backend());
}

#[test]
fn slos_ascii_monochrome_80x24() {
    let fx = SloFixture::new();
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let mut view = slos_app(fx.source_down());
    view.status.hints = vec![("q", "quit"), ("j/k", "select")];
    let text = render_to_text(&view, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn incidents_120x30() {
    let fx = IncidentFixture::new();
    assert_snapshot!(draw(&incidents_app(fx.model()), &theme(), 120, 30).backend());
}

#[test]
fn incidents_80x24() {
    let fx = IncidentFixture::new();
    assert_snapshot!(draw(&incidents_app(fx.model()), &theme(), 80, 24).backend());
}

#[test]
fn incidents_60x20_narrow() {
    let fx = IncidentFixture::new();
    assert_snapshot!(draw(&incidents_app(fx.model()), &theme(), 60, 20).backend());
}

#[test]
fn incidents_detail_right_at_200x40() {
    let fx = IncidentFixture::new();
    assert_snapshot!(draw(&incidents_app(fx.model()), &theme(), 200, 40).backend());
}

#[test]
fn incidents_resolved_shown() {
    let fx = IncidentFixture::new();
    let mut m = fx.model();
    m.rows.push(IncidentFixture::resolved_row());
    m.hidden_resolved = 0;
    m.show_resolved = true;
    m.selected = Some(6);
    m.detail = None;
    assert_snapshot!(draw(&incidents_app(m), &theme(), 100, 16).backend());
}

#[test]
fn incidents_none_at_all() {
    let mut view = incidents_app(IncidentFixture::empty(0));
    view.header.incidents = Some([0; 4]);
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn incidents_only_resolved_ones_hidden() {
    let mut m = IncidentFixture::empty(3);
    m.hidden_resolved = 3;
    let mut view = incidents_app(m);
    view.header.incidents = Some([0; 4]);
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn incidents_loading() {
    let mut m = IncidentFixture::empty(0);
    m.loading = true;
    let mut view = incidents_app(m);
    view.header.incidents = None;
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn incidents_filtered_out() {
    let mut m = IncidentFixture::empty(7);
    m.hidden_resolved = 1;
    let mut view = incidents_app(m);
    view.status.filter = Some(FilterModel {
        text: "kafka",
        editing: false,
        error: None,
    });
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn incidents_filter_applied() {
    let fx = IncidentFixture::new();
    let mut m = fx.model();
    m.rows
        .retain(|r| r.component == "feed" || r.component == "anomaly");
    let mut view = incidents_app(m);
    view.status.filter = Some(FilterModel {
        text: "feed",
        editing: true,
        error: None,
    });
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn incidents_problem_banner() {
    let fx = IncidentFixture::new();
    let mut m = fx.model();
    m.problems = vec![
        "Alertmanager unreachable since 05:12:03 (connection refused): alerts not shown",
        "agent incidents: HTTP 503 agent not ready; last list from 05:11:58 shown",
    ];
    assert_snapshot!(draw(&incidents_app(m), &theme(), 120, 30).backend());
}

#[test]
fn incidents_many_rows_scrolled_to_selection() {
    let fx = IncidentFixture::new();
    assert_snapshot!(draw(&incidents_app(fx.many_rows(33)), &theme(), 120, 30).backend());
}

#[test]
fn incidents_long_unicode_and_control_text_is_sanitized_and_clipped() {
    let fx = IncidentFixture::new();
    let mut m = fx.model();
    let title =
        "Ünïcödé 日本語の見出し\u{1b}[31m red\u{7} bell\ttab and a very long tail that never ends at all";
    m.rows[0].title = title;
    m.rows[0].service = "service-with-a-very-long-name\u{1b}";
    m.rows[0].component = "ç";
    if let Some(d) = &mut m.detail {
        d.title = title;
        d.signals[1]
            .labels
            .push(("emoji\u{1b}[2J", "🚨 wide ✓ value\r\nsecond line"));
        d.signals[1].annotations[0].1 = "zero\u{0}width\u{200b}joiner and 中文 text\u{1b}]0;x\u{7}";
    }
    let view = incidents_app(m);
    for (w, h) in [(80, 24), (100, 40)] {
        let text = render_to_text(&view, &theme(), w, h);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{0}', '\r', '\t']), "{text}");
        for line in text.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                "{line:?}"
            );
        }
    }
    assert_snapshot!(draw(&view, &theme(), 100, 40).backend());
}

#[test]
fn incidents_ascii_monochrome_80x24() {
    let fx = IncidentFixture::new();
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let mut m = fx.model();
    m.problems = vec!["Alertmanager unreachable since 05:12:03 (connection refused): alerts not shown"];
    let mut view = incidents_app(m);
    view.header = header_every_state();
    view.header.incidents = Some(HEADER_COUNTS);
    view.status.hints = vec![("q", "quit"), ("a", "ack"), ("s", "silence")];
    let text = render_to_text(&view, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    // The dialogs too, busy or not.
    for mut d in [silence_dialog(), ack_dialog()] {
        d.busy = true;
        view.dialog = Some(d);
        let with_dialog = render_to_text(&view, &theme, 80, 24);
        assert!(with_dialog.is_ascii(), "non-ASCII in:\n{with_dialog}");
    }
    assert_snapshot!(text);
}

#[test]
fn dialog_confirm_80x24() {
    let fx = IncidentFixture::new();
    let mut view = incidents_app(fx.model());
    view.dialog = Some(ack_dialog());
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn dialog_silence_prompt_with_error_100x30() {
    let fx = IncidentFixture::new();
    let mut view = incidents_app(fx.model());
    view.dialog = Some(silence_dialog());
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn dialog_silence_prompt_degrades_at_60x20() {
    let fx = IncidentFixture::new();
    let mut view = incidents_app(fx.model());
    view.dialog = Some(silence_dialog());
    assert_snapshot!(draw(&view, &theme(), 60, 20).backend());
}

#[test]
fn dialog_busy() {
    let fx = IncidentFixture::new();
    let mut view = incidents_app(fx.model());
    let mut d = ack_dialog();
    d.busy = true;
    d.hints = &[("Esc", "close")];
    view.dialog = Some(d);
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn header_with_incident_counts() {
    let mut out = String::new();
    for (name, counts) in [
        ("firing", HEADER_COUNTS),
        ("every severity", [1, 2, 3, 4]),
        ("quiet", [0; 4]),
    ] {
        for (header, widths) in [
            (header_all_connected(), &[120u16, 80, 60][..]),
            (header_every_state(), &[160, 120, 80][..]),
        ] {
            let mut header = header;
            header.incidents = Some(counts);
            let view = app(header, BodyModel::Prices(empty_prices(0)));
            for &w in widths {
                let text = render_to_text(&view, &theme(), w, 6);
                out.push_str(&format!("--- {name} {w} ---\n{}\n", text.lines().next().unwrap()));
            }
        }
    }
    assert_snapshot!(out);
}

#[test]
fn cluster_120x30() {
    assert_snapshot!(draw(&cluster_app(cluster_model()), &theme(), 120, 30).backend());
}

#[test]
fn cluster_80x24() {
    assert_snapshot!(draw(&cluster_app(cluster_model()), &theme(), 80, 24).backend());
}

#[test]
fn cluster_60x20_narrow() {
    assert_snapshot!(draw(&cluster_app(cluster_model()), &theme(), 60, 20).backend());
}

#[test]
fn cluster_200x50_wide() {
    assert_snapshot!(draw(&cluster_app(cluster_model()), &theme(), 200, 50).backend());
}

#[test]
fn cluster_loading() {
    let m = ClusterModel {
        loading: true,
        ..empty_cluster()
    };
    assert_snapshot!(draw(&cluster_app(m), &theme(), 80, 24).backend());
}

#[test]
fn cluster_empty_namespace() {
    assert_snapshot!(draw(&cluster_app(empty_cluster()), &theme(), 80, 24).backend());
}

#[test]
fn cluster_problem_banner_keeps_last_known_objects() {
    let mut m = cluster_model();
    m.problem = Some(
        "Kubernetes API unreachable since 05:12:03 (connection refused): retrying in 8s \
         (attempt 4); last known objects shown",
    );
    m.focus = ClusterPane::Deployments;
    m.selected = Some(2);
    assert_snapshot!(draw(&cluster_app(m), &theme(), 120, 30).backend());
}

#[test]
fn cluster_problem_while_loading() {
    let m = ClusterModel {
        loading: true,
        problem: Some("Kubernetes API: Unauthorized (HTTP 401): retrying in 30s (attempt 2)"),
        ..empty_cluster()
    };
    assert_snapshot!(draw(&cluster_app(m), &theme(), 80, 24).backend());
}

#[test]
fn cluster_pods_focused_scrolled_to_selection() {
    let names = pod_names(40);
    let mut m = cluster_model();
    m.pods = many_pods(&names);
    m.selected = Some(33);
    assert_snapshot!(draw(&cluster_app(m), &theme(), 120, 30).backend());
}

#[test]
fn cluster_events_focused_with_selection() {
    let mut m = cluster_model();
    m.focus = ClusterPane::Events;
    m.selected = Some(1);
    assert_snapshot!(draw(&cluster_app(m), &theme(), 120, 30).backend());
}

#[test]
fn cluster_ascii_monochrome_80x24() {
    let theme = Theme::builtin("monochrome").unwrap().with_ascii(true);
    let mut view = cluster_app(cluster_model());
    view.status.hints = vec![("q", "quit"), ("Tab", "next pane"), (":", "actions")];
    let text = render_to_text(&view, &theme, 80, 24);
    assert!(text.is_ascii(), "non-ASCII in:\n{text}");
    // The overlays too.
    let lines = rollout_lines(30);
    let mut over = view.clone();
    over.palette = Some(palette());
    over.output = Some(output(&lines, false, Some("exit 2")));
    over.action_status = Some(status_not_recovered());
    let with_overlays = render_to_text(&over, &theme, 80, 24);
    assert!(with_overlays.is_ascii(), "non-ASCII in:\n{with_overlays}");
    for mut s in [status_watching(), status_recovered()] {
        s.action = "x";
        over.action_status = Some(s);
        over.output = None;
        let t = render_to_text(&over, &theme, 80, 24);
        assert!(t.is_ascii(), "non-ASCII in:\n{t}");
    }
    assert_snapshot!(text);
}

#[test]
fn palette_100x30() {
    let mut view = cluster_app(cluster_model());
    view.palette = Some(palette());
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn palette_80x24_query_and_selection() {
    let mut view = cluster_app(cluster_model());
    let mut p = palette();
    p.query = "sca";
    p.selected = Some(2);
    view.palette = Some(p);
    assert_snapshot!(draw(&view, &theme(), 80, 24).backend());
}

#[test]
fn palette_no_match_and_nothing_applies() {
    let mut view = cluster_app(cluster_model());
    let mut p = palette();
    p.items.clear();
    p.selected = None;
    p.query = "zzz";
    view.palette = Some(p.clone());
    let no_match = render_to_text(&view, &theme(), 80, 24);
    p.query = "";
    p.target = None;
    view.palette = Some(p);
    let nothing = render_to_text(&view, &theme(), 80, 24);
    assert!(nothing.contains("no action applies here"), "{nothing}");
    assert!(nothing.contains("target: none selected"), "{nothing}");
    assert_snapshot!(no_match);
}

#[test]
fn output_running_100x30() {
    let lines = rollout_lines(6);
    let mut view = cluster_app(cluster_model());
    view.output = Some(output(&lines[..6], true, None));
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn output_finished_exit_2_100x30() {
    let lines = rollout_lines(40);
    let mut view = cluster_app(cluster_model());
    view.output = Some(output(&lines, false, Some("exit 2")));
    assert_snapshot!(draw(&view, &theme(), 100, 30).backend());
}

#[test]
fn action_status_watching_over_prices_120x30() {
    let fx = Fixture::named();
    let mut view = prices_app(fx.prices(Some(2)));
    view.action_status = Some(status_watching());
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn action_status_recovered_over_cluster_120x30() {
    let mut view = cluster_app(cluster_model());
    view.action_status = Some(status_recovered());
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn action_status_not_recovered_over_cluster_120x30() {
    let mut view = cluster_app(cluster_model());
    view.action_status = Some(status_not_recovered());
    assert_snapshot!(draw(&view, &theme(), 120, 30).backend());
}

#[test]
fn action_status_failed_action() {
    let mut view = cluster_app(cluster_model());
    view.action_status = Some(ActionStatusModel {
        action: "restart deployment mda-agent",
        result: "failed: HTTP 403 forbidden: role viewer may not run kube.restart",
        failed: true,
        verification: VerificationState::None,
        checks: vec![],
    });
    assert_snapshot!(render_to_text(&view, &theme(), 80, 24));
}

/// The replay marker leads the header at every width, paused or playing;
/// the live header keeps what room is left.
#[test]
fn header_in_replay() {
    let mut out = String::new();
    for (width, paused) in [(140, false), (100, true), (80, true), (40, false)] {
        let mut header = header_all_connected();
        header.replay = Some(ReplayModel {
            file: "incident-2026-11-27.mdrec",
            at: "2026-11-27 08:05:12",
            speed: 10.0,
            paused,
        });
        let view = app(header, BodyModel::Prices(empty_prices(0)));
        let text = render_to_text(&view, &theme(), width, 6);
        out.push_str(text.lines().next().unwrap());
        out.push('\n');
    }
    assert_snapshot!(out);
}
