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
    let t = draw(&prices_view(&fx), &theme, 120, 30);
    let buf = t.backend().buffer();
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
    let t = draw(&prices_view(&fx), &theme, 120, 30);
    let buf = t.backend().buffer();
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
    let view = app(header_all_connected(), BodyModel::Prices(p));
    let t = draw(&view, &theme, 120, 30);
    let buf = t.backend().buffer();
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
    let t = draw(&prices_view(&fx), &theme, 120, 30);
    let buf = t.backend().buffer();

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
    let t = draw(&prices_view(&fx), &theme, 120, 30);
    let buf = t.backend().buffer();
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
    let t = draw(&prices_view(&fx), &theme, 120, 30);
    let buf = t.backend().buffer();
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
    let t = draw(&prices_view(&fx), &theme, 160, 30);
    let buf = t.backend().buffer();
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
    let t = draw(&view, &theme, 120, 30);
    let buf = t.backend().buffer();
    assert!(has(cell(buf, "/ab"), theme.accent));
    assert!(has(cell(buf, "▏"), theme.accent));
}

#[test]
fn detail_chart_and_failure_styles() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let mut p = fx.prices(Some(0));
    p.detail = Some(fx.detail(BarsState::Failed("HTTP 503")));
    let view = app(header_all_connected(), BodyModel::Prices(p));
    let t = draw(&view, &theme, 120, 30);
    let buf = t.backend().buffer();
    assert!(has(cell(buf, "bars unavailable"), theme.critical));

    // The fixture's closes rise overall: the line is drawn in the up colour.
    let view = app(header_all_connected(), BodyModel::Prices(fx.prices(Some(0))));
    let t = draw(&view, &theme, 120, 30);
    let buf = t.backend().buffer();
    let braille = buf
        .content()
        .iter()
        .filter(|c| ('\u{2801}'..='\u{28ff}').contains(&c.symbol().chars().next().unwrap()))
        .collect::<Vec<_>>();
    assert!(braille.len() > 20);
    assert!(braille.iter().all(|c| c.fg == theme.up.fg.unwrap()));
}
