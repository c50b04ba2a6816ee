//! Layout properties over many terminal sizes: numbers are never cut, the
//! selection is always visible, odd input never panics.

mod common;

use common::*;
use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render_to_text};

/// Every visible data row shows its symbol and its whole last price, and the
/// selected row is on screen, at every size from tiny to wide.
#[test]
fn numbers_are_never_cut_at_any_size() {
    let fx = Fixture::named();
    let theme = Theme::default();
    for w in (30..=200).step_by(7) {
        for h in [6, 10, 17, 24, 30, 50] {
            let view = app(header_every_state(), BodyModel::Prices(fx.prices(Some(12))));
            let text = render_to_text(&view, &theme, w, h);
            assert_eq!(text.lines().count(), h as usize);
            for line in text.lines() {
                // Every cell is accounted for: no line is longer than the screen.
                assert!(
                    unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                    "{w}x{h}: {line:?}"
                );
                for (i, sym) in fx.symbols.iter().enumerate() {
                    let tag = format!(" {sym} ");
                    if !line.starts_with('│') {
                        continue;
                    }
                    if let Some(pos) = line.find(&tag) {
                        // A data row: the price column follows the symbol.
                        let rest = &line[pos + tag.len()..];
                        let last = format!("{:.*}", price_decimals(fx.last[i]), fx.last[i]);
                        let first_number = rest.split_whitespace().next().unwrap_or("");
                        assert_eq!(first_number, last, "{w}x{h}: {line:?}");
                    }
                }
            }
            if h >= 10 {
                assert!(
                    text.contains("DOGE-USD"),
                    "{w}x{h}: selection not visible\n{text}"
                );
            }
        }
    }
}

fn price_decimals(v: f64) -> usize {
    if v >= 1.0 {
        2
    } else if v >= 0.01 {
        4
    } else if v >= 0.0001 {
        6
    } else {
        8
    }
}

#[test]
fn columns_drop_by_priority_at_80_columns() {
    let fx = Fixture::named();
    let view = app(header_all_connected(), BodyModel::Prices(fx.prices(Some(12))));
    let text = render_to_text(&view, &Theme::default(), 80, 24);
    let header = text.lines().find(|l| l.contains("Symbol")).unwrap();
    // The widest values (SHIB at 8 decimals) are on screen: Spread and
    // Ticks/s go first, the core columns stay.
    for kept in ["Symbol", "Last", "Chg%", "Bid", "Ask", "Volume"] {
        assert!(header.contains(kept), "{kept} missing: {header}");
    }
    assert!(!header.contains("Spread"), "{header}");
}

#[test]
fn detail_pane_moves_with_width_and_hides_when_small() {
    let fx = Fixture::named();
    let theme = Theme::default();
    let view = app(header_all_connected(), BodyModel::Prices(fx.prices(Some(0))));
    // Wide: the pane is right of the table, on the same line as its top.
    let wide = render_to_text(&view, &theme, 130, 30);
    let top = wide.lines().nth(2).unwrap();
    assert!(top.contains("Prices") && top.contains("AAPL · 1s bars"), "{top}");
    // Narrow and tall: below the table.
    let below = render_to_text(&view, &theme, 100, 30);
    assert!(!below.lines().nth(2).unwrap().contains("1s bars"));
    assert!(below.contains("AAPL · 1s bars"));
    // Narrow and short: hidden.
    let small = render_to_text(&view, &theme, 100, 18);
    assert!(!small.contains("1s bars"), "{small}");
}

#[test]
fn odd_input_never_panics() {
    let long_symbol = "X".repeat(300);
    let spark = [f64::NAN, f64::INFINITY, -1.0, 1e300];
    let bars = [(0.0, f64::NAN), (0.0, 1.0), (f64::NAN, 2.0)];
    let rows: Vec<PriceRow> = [
        ("ctl\u{1b}[2J\u{7}", f64::NAN),
        (long_symbol.as_str(), 1e18),
        ("neg", -42.5),
        ("zero", 0.0),
        ("tiny", 1e-12),
        ("日本語", 3.0),
    ]
    .into_iter()
    .map(|(symbol, last)| PriceRow {
        symbol,
        last,
        change_pct: Some(f64::NEG_INFINITY),
        bid: last + 1.0,
        ask: last - 1.0,
        volume: f64::NAN,
        ticks_per_sec: Some(-3.0),
        spark: &spark,
        direction: Direction::Down,
        stale: true,
    })
    .collect();
    let long_err = "e: ".repeat(500);
    let sections: &[(&str, &[(&str, &str)])] = &[("", &[]), ("x\ny", &[("\t", "\r\n")])];
    for (w, h) in [
        (0, 0),
        (1, 1),
        (29, 4),
        (30, 5),
        (31, 6),
        (45, 9),
        (80, 24),
        (250, 70),
    ] {
        for bars_state in [
            BarsState::Loading,
            BarsState::Failed(&long_err),
            BarsState::Ready(&[]),
            BarsState::Ready(&bars),
        ] {
            let view = AppView {
                header: HeaderModel {
                    target: "\u{1b}]0;title\u{7}",
                    sources: vec![SourceBadge {
                        name: "",
                        state: LinkState::Reconnecting {
                            attempt: u32::MAX,
                            last_error: &long_err,
                        },
                        data_age: Some(std::time::Duration::MAX),
                    }],
                    clock: "",
                },
                tabs: TabsModel {
                    titles: &[],
                    selected: 99,
                },
                body: BodyModel::Prices(PricesModel {
                    rows: rows.clone(),
                    total: 3,
                    selected: Some(999),
                    sort: PriceColumn::Spread,
                    descending: true,
                    detail: Some(DetailModel {
                        symbol: "",
                        interval: "",
                        bars: bars_state,
                        facts: vec![("", String::new()), ("k", "v".repeat(400))],
                    }),
                }),
                status: StatusModel {
                    hints: &[("", "")],
                    filter: Some(FilterModel {
                        text: "\u{1b}",
                        editing: true,
                    }),
                    message: Some(""),
                },
                help: Some(HelpModel { sections }),
            };
            let mut state = ViewState::default();
            draw_with(&view, &Theme::default(), w, h, &mut state);
            let text = render_to_text(&view, &Theme::default(), w, h);
            assert!(!text.contains('\u{1b}'));
        }
        let view = AppView {
            header: header_all_connected(),
            tabs: TabsModel {
                titles: TABS,
                selected: 0,
            },
            body: BodyModel::NotConfigured(NotConfiguredModel {
                screen: "",
                purpose: "",
                how_to_configure: &[""; 40],
            }),
            status: status(),
            help: None,
        };
        render_to_text(&view, &Theme::default(), w, h);
    }
}
