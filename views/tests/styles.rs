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
