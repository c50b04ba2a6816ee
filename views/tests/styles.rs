//! Styles of the cells where colour (or, without colour, a modifier)
//! carries meaning: snapshots do not show them.

mod common;

use common::*;
use mdops_views::model::*;
use mdops_views::{ColorDepth, Theme};
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier, Style};

/// Position of the first cell of `needle` on the screen (cells hold one
/// character each here: the needles are ASCII).
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        // Column of the match, counted in cells (all symbols here are one cell).
        let chars: Vec<String> = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(byte) = row.find(needle) {
            let mut acc = 0;
            for (x, s) in chars.iter().enumerate() {
                if acc == byte {
                    return (x as u16, y);
                }
                acc += s.len();
            }
        }
    }
    panic!("{needle:?} not on screen");
}

fn cell<'b>(buf: &'b Buffer, needle: &str) -> &'b Cell {
    let (x, y) = find(buf, needle);
    &buf[(x, y)]
}

/// The cells of a chart's line (Braille dots).
fn braille_cells(buf: &Buffer) -> Vec<&Cell> {
    buf.content()
        .iter()
        .filter(|c| ('\u{2801}'..='\u{28ff}').contains(&c.symbol().chars().next().unwrap()))
        .collect()
}

/// The style a cell ends up with when drawn with `style` over the base.
fn has(cell: &Cell, style: Style) -> bool {
    let fg_ok = style.fg.is_none_or(|c| cell.fg == c);
    let bg_ok = style.bg.is_none_or(|c| cell.bg == c);
    fg_ok && bg_ok && cell.modifier.contains(style.add_modifier)
}

/// AAPL is up (+0.37%), MSFT down (-0.59%), AMZN stale, NVDA selected.
fn prices_view(fx: &Fixture) -> AppView<'_> {
    let mut p = fx.prices(Some(2));
    p.rows[3].stale = true;
    app(header_every_state(), BodyModel::Prices(p))
}

#[test]
fn up_and_down_prices_take_the_theme_colours() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let buf = &draw_buffer(&prices_view(&fx), &theme, 120, 30);
    assert!(theme.up.fg.is_some() && theme.up.fg != theme.down.fg);

    assert_eq!(cell(buf, "189.23").fg, theme.up.fg.unwrap(), "AAPL last is up");
    assert_eq!(cell(buf, "+0.37%").fg, theme.up.fg.unwrap(), "AAPL change is up");
    assert_eq!(
        cell(buf, "411.07").fg,
        theme.down.fg.unwrap(),
        "MSFT last is down"
    );
    assert_eq!(
        cell(buf, "-0.59%").fg,
        theme.down.fg.unwrap(),
        "MSFT change is down"
    );
    // Bid/Ask are not coloured by direction.
    assert_eq!(cell(buf, "189.22").fg, Color::Reset);
}

#[test]
fn stale_row_takes_the_stale_style_and_no_direction_colour() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let buf = &draw_buffer(&prices_view(&fx), &theme, 120, 30);
    let marker = cell(buf, "!AMZN");
    assert!(has(marker, theme.stale), "marker {marker:?}");
    // AMZN is "up" but stale: the price is drawn stale, not green.
    let last = cell(buf, "178.15");
    assert!(has(last, theme.stale), "last {last:?}");
    assert_ne!(last.fg, theme.up.fg.unwrap());
}

#[test]
fn selected_row_is_highlighted_and_keeps_direction_colours() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let mut p = fx.prices(Some(0));
    p.detail = None;
    let view = prices_app(p);
    let buf = &draw_buffer(&view, &theme, 120, 30);
    let sel = theme.selection.bg.unwrap();
    let symbol = cell(buf, "AAPL");
    assert_eq!(symbol.bg, sel);
    assert!(symbol.modifier.contains(Modifier::BOLD));
    let last = cell(buf, "189.23");
    assert_eq!(last.bg, sel);
    assert_eq!(last.fg, theme.up.fg.unwrap());
    // The next row is not highlighted.
    assert_ne!(cell(buf, "MSFT").bg, sel);
    // The row highlight spans the whole table row, gaps included.
    let (x, y) = find(buf, "AAPL");
    assert_eq!(buf[(x + 8, y)].bg, sel);
}

#[test]
fn monochrome_carries_meaning_by_modifiers() {
    let fx = Fixture::named();
    let theme = Theme::builtin("monochrome").unwrap();
    let buf = &draw_buffer(&prices_view(&fx), &theme, 120, 30);

    for c in buf.content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "colour in {c:?}");
    }
    let up = cell(buf, "189.23").modifier;
    let down = cell(buf, "411.07").modifier;
    assert!(up.contains(Modifier::BOLD), "{up:?}");
    assert!(down.contains(Modifier::UNDERLINED), "{down:?}");
    assert_ne!(up, down);
    assert!(cell(buf, "!AMZN").modifier.contains(Modifier::DIM));
    assert!(cell(buf, "NVDA  ").modifier.contains(Modifier::REVERSED));
    // Reconnecting is critical: reversed.
    assert!(cell(buf, "↻").modifier.contains(Modifier::REVERSED));
    // The selected tab stands out.
    assert!(cell(buf, "1 Prices").modifier.contains(Modifier::REVERSED));
    assert!(!cell(buf, "2 SLOs").modifier.contains(Modifier::REVERSED));
}

#[test]
fn no_color_depth_matches_monochrome_meaning() {
    let fx = Fixture::named();
    let theme = Theme::default().for_depth(ColorDepth::None);
    let buf = &draw_buffer(&prices_view(&fx), &theme, 120, 30);
    for c in buf.content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "colour in {c:?}");
    }
    assert!(cell(buf, "189.23").modifier.contains(Modifier::BOLD));
    assert!(cell(buf, "411.07").modifier.contains(Modifier::UNDERLINED));
    assert!(cell(buf, "!AMZN").modifier.contains(Modifier::DIM));
    assert!(cell(buf, "NVDA  ").modifier.contains(Modifier::REVERSED));
}

#[test]
fn ansi16_depth_draws_named_colours() {
    let fx = Fixture::named();
    let theme = Theme::default().for_depth(ColorDepth::Ansi16);
    let buf = &draw_buffer(&prices_view(&fx), &theme, 120, 30);
    for c in buf.content() {
        assert!(!matches!(c.fg, Color::Rgb(..) | Color::Indexed(_)), "fg {c:?}");
        assert!(!matches!(c.bg, Color::Rgb(..) | Color::Indexed(_)), "bg {c:?}");
    }
    assert!(matches!(cell(buf, "189.23").fg, Color::Green | Color::LightGreen));
    assert!(matches!(cell(buf, "411.07").fg, Color::Red | Color::LightRed));
}

#[test]
fn header_badges_take_state_styles() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let buf = &draw_buffer(&prices_view(&fx), &theme, 160, 30);
    assert!(has(cell(buf, "●"), theme.ok));
    assert!(has(cell(buf, "◌"), theme.warn));
    assert!(has(cell(buf, "↻"), theme.critical));
    assert!(has(cell(buf, "reconnecting #3"), theme.critical));
    assert!(has(cell(buf, "–"), theme.muted));
    assert!(has(cell(buf, "1 Prices"), theme.active_tab));
    assert!(has(cell(buf, "2 SLOs"), theme.muted));
}

#[test]
fn filter_being_typed_is_accented() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let mut view = prices_view(&fx);
    view.status.filter = Some(FilterModel {
        text: "ab",
        editing: true,
        error: None,
    });
    let buf = &draw_buffer(&view, &theme, 120, 30);
    assert!(has(cell(buf, "/ab"), theme.accent));
    assert!(has(cell(buf, "▏"), theme.accent));
}

#[test]
fn detail_chart_and_failure_styles() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let mut p = fx.prices(Some(0));
    p.detail = Some(fx.detail(BarsState::Failed("HTTP 503")));
    let view = prices_app(p);
    let buf = &draw_buffer(&view, &theme, 120, 30);
    assert!(has(cell(buf, "bars unavailable"), theme.critical));

    // The fixture's closes rise overall: the line is drawn in the up colour.
    let view = prices_app(fx.prices(Some(0)));
    let buf = &draw_buffer(&view, &theme, 120, 30);
    let braille = braille_cells(buf);
    assert!(braille.len() > 20);
    assert!(braille.iter().all(|c| c.fg == theme.up.fg.unwrap()));
}

/// Row 0 pages, row 1 tickets, row 2 is OK; row 3 has a negative budget and
/// idle windows; row 4 is selected.
fn slos_view(fx: &SloFixture) -> AppView<'_> {
    let mut m = fx.model(Some(4));
    m.detail = Some(fx.burning_detail());
    slos_app(m)
}

#[test]
fn slo_alert_levels_take_ok_warn_critical() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_view(&fx), &theme, 120, 30);
    assert!(has(cell(buf, "PAGE"), theme.critical));
    assert!(has(cell(buf, "TICKET"), theme.warn));
    assert!(has(cell(buf, "OK"), theme.ok));
    assert_ne!(theme.critical.fg, theme.warn.fg);
}

#[test]
fn slo_burn_rates_above_page_are_critical_above_one_warn() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_view(&fx), &theme, 120, 30);
    for v in ["16.1", "15.0", "15.2"] {
        assert!(has(cell(buf, v), theme.critical), "{v}");
    }
    for v in ["9.80", "4.10", "3.40", "8.30", "1.40"] {
        assert!(has(cell(buf, v), theme.warn), "{v}");
        assert_ne!(cell(buf, v).fg, theme.critical.fg.unwrap(), "{v}");
    }
    // At or under 1: plain.
    let calm = cell(buf, "0.12");
    assert_eq!(calm.fg, Color::Reset);
    assert!(!calm.modifier.contains(Modifier::BOLD));
    assert!(has(cell(buf, "idle"), theme.muted));
}

#[test]
fn slo_page_colour_follows_the_models_highest_threshold() {
    // With a 16.5 page threshold configured, 16.1 is no longer critical.
    let fx = SloFixture::new();
    let theme = Theme::default();
    let thresholds = [(16.5, "page"), (3.0, "ticket")];
    let mut m = fx.model(Some(4));
    let mut d = fx.burning_detail();
    d.thresholds = thresholds.to_vec();
    m.detail = Some(d);
    let buf = &draw_buffer(&slos_app(m), &theme, 120, 30);
    assert!(has(cell(buf, "16.1"), theme.warn));
}

#[test]
fn slo_budget_and_sli_show_trouble() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_view(&fx), &theme, 120, 30);
    // Overspent budget: bar and percentage critical.
    assert!(has(cell(buf, "-143%"), theme.critical));
    assert!(has(cell(buf, "░░░░░ -143%"), theme.critical));
    let (x, y) = find(buf, "██▏░░   42%");
    assert!(has(&buf[(x, y)], theme.ok));
    assert!(has(&buf[(x + 8, y)], theme.ok), "the percentage too");
    // SLI under its objective is critical; over it, plain.
    assert!(has(cell(buf, "99.757%"), theme.critical));
    assert_eq!(cell(buf, "99.942%").fg, Color::Reset);
    // Exhaustion within a day is critical, within three days not.
    assert!(has(cell(buf, "19h30m"), theme.critical));
    assert_eq!(cell(buf, "5d17h").fg, Color::Reset);
}

#[test]
fn slo_partial_marker_is_muted() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_app(fx.local_scrape()), &theme, 120, 30);
    let (x, y) = find(buf, "15.0~");
    assert_eq!(buf[(x + 4, y)].symbol(), "~");
    assert!(has(&buf[(x + 4, y)], theme.muted));
    assert!(has(&buf[(x, y)], theme.critical), "the value keeps its colour");
}

#[test]
fn slo_stale_rows_are_dimmed_but_keep_their_alert() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_app(fx.source_down()), &theme, 120, 30);
    assert!(has(cell(buf, "Prometheus unreachable"), theme.critical));
    assert!(has(cell(buf, "! Prometheus"), theme.critical));
    let marker = cell(buf, "!quotes-availab");
    assert!(has(marker, theme.stale), "marker {marker:?}");
    // Figures of a stale row are drawn stale, not in their level colours.
    let burn = cell(buf, "16.1");
    assert!(has(burn, theme.stale), "burn {burn:?}");
    assert_ne!(burn.fg, theme.critical.fg.unwrap());
    assert!(has(cell(buf, "██▏░░   42%"), theme.stale));
    // The last known page still shows as a page, not faded.
    let page = cell(buf, "PAGE");
    assert_eq!(page.fg, theme.critical.fg.unwrap());
    assert!(!page.modifier.contains(Modifier::DIM), "{page:?}");
}

#[test]
fn slo_selected_row_is_highlighted() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_app(fx.model(Some(1))), &theme, 120, 30);
    let sel = theme.selection.bg.unwrap();
    let (x, y) = find(buf, "quotes-latency-p99");
    assert_eq!(buf[(x, y)].bg, sel);
    assert_eq!(buf[(x - 2, y)].symbol(), "▶");
    // The whole row, gaps included; level colours kept.
    assert_eq!(buf[(x + 19, y)].bg, sel);
    let ticket = cell(buf, "TICKET");
    assert_eq!((ticket.bg, ticket.fg), (sel, theme.warn.fg.unwrap()));
    assert_ne!(cell(buf, "quotes-availability").bg, sel);
}

#[test]
fn slo_chart_thresholds_and_line_take_their_styles() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let buf = &draw_buffer(&slos_app(fx.model(Some(0))), &theme, 120, 30);
    assert!(has(cell(buf, "page 14.4"), theme.critical));
    assert!(has(cell(buf, "page 6h 6"), theme.warn));
    assert!(has(cell(buf, "ticket 3d 1"), theme.warn));
    // The first rule drawn is the page line, at the top.
    assert!(has(cell(buf, "┄"), theme.critical));
    // The history ends above the page threshold: the line is critical.
    let braille = braille_cells(buf);
    assert!(braille.len() > 20);
    assert!(braille.iter().all(|c| c.fg == theme.critical.fg.unwrap()));

    // A quiet SLO: its line is ok, the thresholds above are named in the
    // page style.
    let buf = &draw_buffer(&slos_app(fx.model(Some(2))), &theme, 100, 40);
    assert!(has(
        cell(buf, "page 14.4, page 6h 6, ticket 3 ↑ above"),
        theme.critical
    ));
    let braille = braille_cells(buf);
    assert!(braille.iter().all(|c| c.fg == theme.ok.fg.unwrap()));
}

#[test]
fn slo_monochrome_and_no_colour_carry_meaning_by_modifiers() {
    let fx = SloFixture::new();
    for theme in [
        Theme::builtin("monochrome").unwrap(),
        Theme::default().for_depth(ColorDepth::None),
    ] {
        let mut m = fx.model(Some(4));
        m.rows[3].stale = true;
        m.problem = Some("Prometheus unreachable since 05:12:03 (connection refused)");
        let buf = &draw_buffer(&slos_app(m), &theme, 120, 30);
        for c in buf.content() {
            assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "colour in {c:?}");
        }
        let name = &theme.name;
        let page = cell(buf, "PAGE").modifier;
        let ticket = cell(buf, "TICKET").modifier;
        assert!(page.contains(Modifier::REVERSED), "{name}: {page:?}");
        assert!(ticket.contains(Modifier::BOLD), "{name}: {ticket:?}");
        assert!(!ticket.contains(Modifier::REVERSED), "{name}: {ticket:?}");
        assert!(cell(buf, "16.1").modifier.contains(Modifier::REVERSED), "{name}");
        let warn = cell(buf, "9.80").modifier;
        assert!(
            warn.contains(Modifier::BOLD) && !warn.contains(Modifier::REVERSED),
            "{name}"
        );
        assert!(!cell(buf, "0.12").modifier.contains(Modifier::REVERSED), "{name}");
        assert!(cell(buf, "!bars-api").modifier.contains(Modifier::DIM), "{name}");
        assert!(
            cell(buf, "feed-freshness").modifier.contains(Modifier::REVERSED),
            "{name}"
        );
        assert!(
            cell(buf, "Prometheus unreachable")
                .modifier
                .contains(Modifier::REVERSED),
            "{name}"
        );
    }
}

/// Row 0 (SEV1, triggered) is selected; row 5 is SEV4 and silenced.
fn incidents_view() -> AppView<'static> {
    let mut m = IncidentFixture::new().model();
    m.detail = None;
    m.selected = Some(1);
    m.rows.push(IncidentFixture::resolved_row());
    m.problems = vec!["Alertmanager unreachable since 05:12:03 (connection refused)"];
    incidents_app(m)
}

#[test]
fn incident_severities_and_statuses_take_their_styles() {
    let theme = Theme::default();
    let buf = &draw_buffer(&incidents_view(), &theme, 120, 30);
    assert!(has(cell(buf, "SEV1 triggered"), theme.critical));
    assert!(has(cell(buf, "SEV2 triggered"), theme.warn));
    assert!(has(cell(buf, "SEV3 triggered"), theme.accent));
    assert!(has(cell(buf, "SEV4 acked"), theme.muted));
    let (x, y) = find(buf, "SEV1 triggered");
    assert!(has(&buf[(x + 5, y)], theme.critical), "triggered stands out");
    let (x, y) = find(buf, "SEV2 acked");
    assert!(has(&buf[(x + 5, y)], theme.ok), "acked reads as handled");
    assert!(has(cell(buf, "ACK SIL"), theme.ok));
    let (x, y) = find(buf, "ACK SIL");
    assert!(has(&buf[(x + 4, y)], theme.accent));
    // A resolved row fades as a whole, its severity included.
    for needle in ["SEV3 resolved", "resolved  WebSocket", "WebSocket clients"] {
        let c = cell(buf, needle);
        assert!(has(c, theme.muted), "{needle}: {c:?}");
        assert_ne!(c.fg, theme.accent.fg.unwrap(), "{needle}");
    }
    assert!(has(cell(buf, "Alertmanager unreachable"), theme.critical));
}

#[test]
fn incident_selected_row_is_highlighted_and_keeps_its_colours() {
    let theme = Theme::default();
    let buf = &draw_buffer(&incidents_view(), &theme, 120, 30);
    let sel = theme.selection.bg.unwrap();
    let (x, y) = find(buf, "SEV1 acked");
    assert_eq!(buf[(x - 1, y)].symbol(), "▶");
    assert_eq!(buf[(x, y)].bg, sel);
    assert_eq!(buf[(x, y)].fg, theme.critical.fg.unwrap());
    assert_eq!(buf[(x + 30, y)].bg, sel, "the whole row, gaps included");
    assert_ne!(cell(buf, "SEV1 triggered").bg, sel);
}

#[test]
fn incident_counts_in_the_header_take_severity_styles() {
    let theme = Theme::default();
    let buf = &draw_buffer(&incidents_view(), &theme, 120, 30);
    assert!(has(cell(buf, "SEV1 2"), theme.critical));
    assert!(has(cell(buf, "SEV3 1"), theme.accent));
    let mut quiet = incidents_view();
    quiet.header.incidents = Some([0; 4]);
    let buf = &draw_buffer(&quiet, &theme, 120, 30);
    assert!(has(cell(buf, "no incidents"), theme.ok));
}

#[test]
fn dialog_focus_error_and_busy_take_their_styles() {
    let theme = Theme::default();
    let mut view = incidents_view();
    view.dialog = Some(silence_dialog());
    let buf = &draw_buffer(&view, &theme, 100, 30);
    assert!(has(cell(buf, "duration: 2x"), theme.accent));
    assert!(has(cell(buf, "▏"), theme.accent));
    assert!(has(cell(buf, "matchers:"), theme.muted));
    assert!(!has(
        cell(buf, "alertname=\"MdaFeedStale\", service"),
        theme.accent
    ));
    assert!(has(cell(buf, "! invalid duration"), theme.critical));
    assert!(has(cell(buf, "Enter"), theme.accent));

    let mut d = ack_dialog();
    d.busy = true;
    view.dialog = Some(d);
    let buf = &draw_buffer(&view, &theme, 80, 24);
    assert!(has(cell(buf, "sending"), theme.warn));
}

#[test]
fn incident_monochrome_and_no_colour_carry_meaning_by_modifiers() {
    for theme in [
        Theme::builtin("monochrome").unwrap(),
        Theme::default().for_depth(ColorDepth::None),
    ] {
        let mut view = incidents_view();
        view.dialog = Some(silence_dialog());
        let buf = &draw_buffer(&view, &theme, 120, 40);
        for c in buf.content() {
            assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "colour in {c:?}");
        }
        let name = &theme.name;
        let m = |needle: &str| cell(buf, needle).modifier;
        assert!(m("SEV1 triggered").contains(Modifier::REVERSED), "{name}");
        let sev2 = m("SEV2 triggered");
        assert!(
            sev2.contains(Modifier::BOLD) && !sev2.contains(Modifier::REVERSED),
            "{name}: {sev2:?}"
        );
        assert!(m("SEV4 acked").contains(Modifier::DIM), "{name}");
        assert!(m("SEV1 acked").contains(Modifier::REVERSED), "{name}: selected");
        assert!(
            m("Alertmanager unreachable").contains(Modifier::REVERSED),
            "{name}"
        );
        assert!(
            m("duration: 2x").contains(Modifier::BOLD),
            "{name}: focused field"
        );
        assert!(!m("comment:").contains(Modifier::BOLD), "{name}: other fields");
    }
}

fn cluster_view() -> AppView<'static> {
    cluster_app(cluster_model())
}

#[test]
fn cluster_health_takes_ok_warn_critical() {
    let theme = Theme::default();
    let buf = &draw_buffer(&cluster_view(), &theme, 120, 30);
    // Deployments: complete reads as fine, a rollout under way as a
    // warning, a stalled one as critical; figures short of desired too.
    assert!(has(cell(buf, "complete"), theme.ok));
    assert!(has(cell(buf, "progressing"), theme.warn));
    assert!(has(cell(buf, "stalled: Progress"), theme.critical));
    assert!(has(cell(buf, "!mda-agent "), theme.warn), "flag");
    assert!(has(cell(buf, "!mda-replay "), theme.critical), "flag");
    assert!(has(cell(buf, "2/3"), theme.warn));
    assert_eq!(cell(buf, "2/2").fg, Color::Reset, "healthy figures are plain");
    // Pods: crashing and image-pull pods are critical, flag, ready and reason.
    assert!(has(cell(buf, "CrashLoopBackOff"), theme.critical));
    assert!(has(cell(buf, "ImagePullBackOff"), theme.critical));
    assert!(has(cell(buf, "!mda-replay-"), theme.critical));
    let (x, y) = find(buf, "Pending");
    assert!(has(&buf[(x, y)], theme.warn));
    assert!(
        has(&buf[(x + 12, y)], theme.critical),
        "0/1 of the image-pull pod"
    );
    // Healthy pods are plain; a finished job fades and its 0/1 is not a problem.
    let (x, y) = find(buf, "mda-agent-7d9f8c6b5-x2k4q");
    assert_eq!(buf[(x, y)].fg, Color::Reset);
    assert_eq!(buf[(x - 1, y)].symbol(), " ", "no flag");
    let (x, y) = find(buf, "Succeeded");
    assert!(has(&buf[(x, y)], theme.muted));
    assert_eq!(buf[(x + 12, y)].fg, Color::Reset);
    // Restarts at all are worth a look.
    let (x, y) = find(buf, "mda-gateway-6f8d9c7b4-zz91x");
    let restarts = (x..x + 60).find(|&cx| buf[(cx, y)].symbol() == "2").unwrap();
    assert!(has(&buf[(restarts, y)], theme.warn));
    // Events: the reason of a warning.
    assert!(has(cell(buf, "FailedScheduling"), theme.warn));

    // A pod still being created is a warning, not critical.
    let mut m = cluster_model();
    m.pods[5].reason = "ContainerCreating";
    let buf = &draw_buffer(&cluster_app(m), &theme, 120, 30);
    assert!(has(cell(buf, "ContainerCreating"), theme.warn));
    assert!(!has(cell(buf, "ContainerCreating"), theme.critical));
}

#[test]
fn cluster_focused_pane_and_selection_stand_out() {
    let theme = Theme::default();
    let buf = &draw_buffer(&cluster_view(), &theme, 120, 30);
    let accent = theme.accent.fg.unwrap();
    let (x, y) = find(buf, "▶ Pods");
    assert_eq!(buf[(x, y)].fg, accent, "focused title");
    assert_eq!(buf[(x - 2, y)].fg, accent, "focused border");
    let (x, y) = find(buf, "Deployments");
    assert_eq!(buf[(x - 2, y)].fg, theme.border.fg.unwrap(), "other borders");
    assert_ne!(buf[(x, y)].fg, accent);
    let sel = theme.selection.bg.unwrap();
    let (x, y) = find(buf, "mda-agent-5c4b7f9d8-qw7rt");
    assert_eq!(buf[(x - 1, y)].symbol(), "▶");
    assert_eq!(buf[(x, y)].bg, sel);
    let reason = cell(buf, "CrashLoopBackOff");
    assert_eq!((reason.bg, reason.fg), (sel, theme.critical.fg.unwrap()));
    // Only the focused pane shows the selection.
    assert_ne!(cell(buf, "mda-gateway  ").bg, sel);
    assert_ne!(cell(buf, " 20s BackOff").bg, sel);
}

#[test]
fn palette_output_and_action_status_take_their_styles() {
    let theme = Theme::default();
    let mut view = cluster_view();
    let mut p = palette();
    p.query = "re";
    view.palette = Some(p);
    let buf = &draw_buffer(&view, &theme, 100, 30);
    assert!(has(cell(buf, ":re▏"), theme.accent));
    assert!(has(cell(buf, "typed confirm"), theme.warn));
    let (x, y) = find(buf, "chaos-latency");
    assert!(has(&buf[(x, y)], theme.muted));
    assert!(has(&buf[(x - 7, y)], theme.muted), "disabled key");
    assert!(has(cell(buf, "disabled: needs"), theme.muted));
    assert_eq!(cell(buf, "restart ").bg, theme.selection.bg.unwrap());
    assert_ne!(cell(buf, "scale-up").bg, theme.selection.bg.unwrap());

    let lines = rollout_lines(3);
    let mut view = cluster_view();
    view.output = Some(output(&lines, true, None));
    let buf = &draw_buffer(&view, &theme, 100, 30);
    assert!(has(cell(buf, "running"), theme.warn));
    assert!(has(cell(buf, "! error"), theme.warn));
    assert_eq!(cell(buf, "Waiting for").fg, Color::Reset);
    assert!(has(cell(buf, "Esc close"), theme.accent));
    for (outcome, style) in [("exit 0", theme.ok), ("exit 2", theme.critical)] {
        view.output = Some(output(&lines, false, Some(outcome)));
        let buf = &draw_buffer(&view, &theme, 100, 30);
        assert!(has(cell(buf, outcome), style), "{outcome}");
    }
    view.output = Some(output(&lines, false, Some("killed after 30s timeout")));
    let buf = &draw_buffer(&view, &theme, 100, 30);
    assert!(has(cell(buf, "killed after"), theme.critical));

    let mut view = cluster_view();
    for (status, needle, style) in [
        (status_watching(), "verifying", theme.warn),
        (status_recovered(), "RECOVERED after 12s", theme.ok),
        (status_not_recovered(), "NOT RECOVERED", theme.critical),
    ] {
        view.action_status = Some(status);
        let buf = &draw_buffer(&view, &theme, 120, 30);
        assert!(has(cell(buf, needle), style), "{needle}");
        assert_eq!(cell(buf, "done in").fg, Color::Reset, "{needle}");
    }
    let buf = &draw_buffer(&view, &theme, 120, 30);
    assert!(has(cell(buf, "✗ rollout"), theme.critical));
    assert!(has(cell(buf, "✓ agent"), theme.ok));
    let mut failed = status_not_recovered();
    failed.result = "failed: HTTP 403";
    failed.failed = true;
    failed.verification = VerificationState::None;
    view.action_status = Some(failed);
    let buf = &draw_buffer(&view, &theme, 120, 30);
    assert!(has(cell(buf, "failed: HTTP 403"), theme.critical));
}

#[test]
fn cluster_monochrome_and_no_colour_carry_meaning_by_modifiers() {
    for theme in [
        Theme::builtin("monochrome").unwrap(),
        Theme::default().for_depth(ColorDepth::None),
    ] {
        let mut view = cluster_view();
        view.action_status = Some(status_not_recovered());
        let buf = &draw_buffer(&view, &theme, 120, 40);
        for c in buf.content() {
            assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "colour in {c:?}");
        }
        let name = &theme.name;
        let m = |needle: &str| cell(buf, needle).modifier;
        assert!(m("ImagePullBackOff").contains(Modifier::REVERSED), "{name}");
        assert!(m("stalled: Progress").contains(Modifier::REVERSED), "{name}");
        let progressing = m("progressing");
        assert!(
            progressing.contains(Modifier::BOLD) && !progressing.contains(Modifier::REVERSED),
            "{name}: {progressing:?}"
        );
        assert!(
            m("mda-agent-5c4b7f9d8-qw7rt").contains(Modifier::REVERSED),
            "{name}: selected"
        );
        assert!(m("▶ Pods").contains(Modifier::BOLD), "{name}: focused");
        assert!(m("NOT RECOVERED").contains(Modifier::REVERSED), "{name}");
        assert!(m("Succeeded").contains(Modifier::DIM), "{name}");
    }
}
