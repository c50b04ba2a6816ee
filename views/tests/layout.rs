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
    let view = prices_app(fx.prices(Some(12)));
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
    let view = prices_app(fx.prices(Some(0)));
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
                    incidents: None,
                    replay: None,
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
                    sources: vec![SourceRow {
                        name: "\u{1b}[2J",
                        kind: "",
                        state: "",
                        active: true,
                        breaker: Some(""),
                        forced: true,
                        health_score: Some(f64::NAN),
                        last_tick_age: Some(std::time::Duration::MAX),
                        failovers: Some(u64::MAX),
                        last_error: Some("\u{7}"),
                    }],
                }),
                status: StatusModel {
                    hints: vec![("", "")],
                    filter: Some(FilterModel {
                        text: "\u{1b}",
                        editing: true,
                        error: None,
                    }),
                    message: Some(""),
                },
                help: Some(HelpModel::of(sections)),
                dialog: None,
                palette: None,
                output: None,
                action_status: None,
                nav: NavModel::default(),
            };
            draw(&view, &Theme::default(), w, h);
            let text = render_to_text(&view, &Theme::default(), w, h);
            assert!(!text.contains('\u{1b}'));
        }
        let view = app(
            header_all_connected(),
            BodyModel::NotConfigured(NotConfiguredModel {
                screen: "",
                purpose: "",
                how_to_configure: &[""; 40],
            }),
        );
        render_to_text(&view, &Theme::default(), w, h);
    }
}

/// The text of the SLO table box on one screen line: between its left
/// border and the next border (the detail pane may follow on the right).
fn table_part(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('│')?;
    Some(rest.split('│').next().unwrap_or(rest))
}

/// Column titles in the SLO table header at this size.
/// Without the detail pane, which takes width from the table from 180 on.
fn slo_header(w: u16, h: u16) -> Vec<String> {
    let fx = SloFixture::new();
    let mut m = fx.model(Some(4));
    m.detail = None;
    let text = render_to_text(&slos_app(m), &Theme::default(), w, h);
    let line = text
        .lines()
        .find(|l| l.contains(" Name "))
        .unwrap_or_else(|| panic!("{w}x{h}: no header\n{text}"));
    table_part(line)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn slo_columns_drop_by_priority() {
    let at80 = slo_header(80, 24);
    for kept in ["Name", "Budget", "5m", "1h", "6h", "Alert"] {
        assert!(at80.iter().any(|c| c == kept), "{kept} missing at 80: {at80:?}");
    }
    for dropped in ["Service", "3d", "1d", "2h", "Events", "Exhaust"] {
        assert!(
            !at80.iter().any(|c| c == dropped),
            "{dropped} kept at 80: {at80:?}"
        );
    }
    let at120 = slo_header(120, 30);
    for kept in [
        "5m", "30m", "1h", "2h", "6h", "1d", "3d", "Events", "Exhaust", "Target", "SLI",
    ] {
        assert!(
            at120.iter().any(|c| c == kept),
            "{kept} missing at 120: {at120:?}"
        );
    }
    assert!(slo_header(200, 40).iter().any(|c| c == "Service"));
    // Name, 1h and Alert stay on the narrowest screen.
    assert_eq!(slo_header(30, 12), ["Name", "1h", "Alert"]);

    // A column shown at some width is shown at every wider one.
    let mut prev = slo_header(30, 12);
    for w in 31..=220 {
        let cur = slo_header(w, 12);
        for c in &prev {
            assert!(cur.contains(c), "{c} shown at {} but not at {w}: {cur:?}", w - 1);
        }
        prev = cur;
    }
}

/// Every figure of the paging SLO's row is shown whole or not at all, the
/// selected row is on screen, and queries stay on one line each.
#[test]
fn slo_figures_are_never_cut() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let whole = [
        "mda",
        "99.9%",
        "99.942%",
        "1.8M",
        "██▏░░",
        "42%",
        "16.1",
        "15.0",
        "15.2",
        "9.80",
        "4.10",
        "1.30",
        "0.60",
        "PAGE",
        "19h30m",
    ];
    for w in (30..=220).step_by(3) {
        for h in [8, 12, 17, 24, 30, 50] {
            let view = slos_app(fx.model(Some(4)));
            let text = render_to_text(&view, &theme, w, h);
            assert_eq!(text.lines().count(), h as usize);
            for line in text.lines() {
                assert!(
                    unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                    "{w}x{h}: {line:?}"
                );
                let Some(part) = table_part(line) else { continue };
                let mut tokens = part.split_whitespace();
                if tokens.next().is_some_and(|t| t.starts_with("quotes-av")) {
                    for t in tokens {
                        assert!(whole.contains(&t), "{w}x{h}: {t:?} cut in {line:?}");
                    }
                }
            }
            assert!(text.contains("feed-fres"), "{w}x{h}: selection hidden\n{text}");
            let queries = text.lines().filter(|l| l.contains("burn 1h:")).count();
            assert!(queries <= 1, "{w}x{h}\n{text}");
            assert!(!text.contains("\n│  /"), "a query wrapped at {w}x{h}\n{text}");
        }
    }
}

#[test]
fn slo_detail_pane_moves_with_width_and_hides_when_small() {
    let fx = SloFixture::new();
    let theme = Theme::default();
    let view = slos_app(fx.model(Some(0)));
    let wide = render_to_text(&view, &theme, 200, 40);
    let top = wide.lines().nth(2).unwrap();
    assert!(top.contains(" SLOs ") && top.contains("1h burn rate"), "{top}");
    let below = render_to_text(&view, &theme, 120, 30);
    assert!(!below.lines().nth(2).unwrap().contains("1h burn rate"));
    assert!(below.contains("quotes-availability · 1h burn rate"));
    // Below the table only with room for three rows and an 8-line pane.
    let fits = render_to_text(&view, &theme, 120, 18);
    assert!(fits.contains("1h burn rate"), "{fits}");
    let small = render_to_text(&view, &theme, 120, 17);
    assert!(!small.contains("1h burn rate"), "{small}");
    assert!(small.contains("feed-freshness"), "{small}");
}

#[test]
fn slo_scrolling_keeps_the_selection_visible() {
    let fx = SloFixture::new();
    let names: Vec<String> = (0..60).map(|i| format!("slo-{i:02}")).collect();
    let model = |sel: usize| {
        let mut m = fx.model(Some(sel));
        m.rows = fx.rows_named(&names);
        m
    };
    let mut state = ViewState::default();
    let mut offsets = Vec::new();
    let walk: Vec<usize> = (0..60).chain((0..60).rev()).collect();
    for &sel in &walk {
        draw_with(&slos_app(model(sel)), &Theme::default(), 120, 30, &mut state);
        let (off, page) = (state.slos_offset(), state.slos_page_rows());
        assert!(
            page > 0 && off <= sel && sel < off + page,
            "selection {sel} off screen"
        );
        offsets.push(off);
    }
    for w in offsets.windows(2) {
        assert!(w[0].abs_diff(w[1]) <= 1, "jumped: {offsets:?}");
    }
    // The prices screen's scroll state is its own.
    assert_eq!(state.prices_offset(), 0);
}

#[test]
fn slo_odd_input_never_panics() {
    let huge = "Ω".repeat(300);
    let ctl = "ctl\u{1b}[2J\u{7}\nname";
    let long_err = "e: ".repeat(500);
    let history = [
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
        (1.0, -3.0),
        (2.0, 1e300),
        (2.0, f64::MAX),
        (3.0, f64::NAN),
        (4.0, 0.0),
    ];
    let flat = [(5.0, 0.0)];
    let thresholds = [
        (f64::NAN, "nan"),
        (f64::INFINITY, "inf"),
        (-1.0, "neg"),
        (0.0, ""),
        (14.4, "page\u{1b}"),
        (14.4, "dup"),
        (1e308, huge.as_str()),
    ];
    let windows_sets: [&[&str]; 4] = [
        &[],
        SLO_WINDOWS,
        &["1h"],
        &[
            "",
            "5m",
            "\u{1b}",
            "a-very-long-window-label-that-is-wider-than-any-number",
            "1h",
        ],
    ];
    let rate = |value| BurnCell::Rate { value, partial: true };
    let rows = |windows: usize| -> Vec<SloRow> {
        let cells = [
            rate(f64::NAN),
            rate(f64::INFINITY),
            rate(f64::NEG_INFINITY),
            rate(-2.0),
            rate(1e18),
            BurnCell::NoTraffic,
            BurnCell::Unknown,
        ];
        vec![
            SloRow {
                name: &huge,
                service: &huge,
                objective_pct: f64::NAN,
                sli_pct: Some(f64::INFINITY),
                budget_remaining: Some(f64::NEG_INFINITY),
                burn: cells.to_vec(),
                alert: AlertLevelModel::Page,
                alert_reason: Some(&long_err),
                exhaustion: Some(std::time::Duration::MAX),
                events: Some(f64::NAN),
                stale: true,
                period_partial: false,
            },
            SloRow {
                name: ctl,
                service: "",
                objective_pct: 100.0,
                sli_pct: Some(-5.0),
                budget_remaining: Some(f64::NAN),
                // Fewer cells than windows.
                burn: vec![rate(0.5); windows.saturating_sub(1)],
                alert: AlertLevelModel::Ticket,
                alert_reason: Some(""),
                exhaustion: Some(std::time::Duration::ZERO),
                events: Some(f64::INFINITY),
                stale: false,
                period_partial: false,
            },
            SloRow {
                name: "",
                service: "日本語",
                objective_pct: 0.0,
                sli_pct: None,
                budget_remaining: Some(1e300),
                // More cells than windows.
                burn: vec![BurnCell::NoTraffic; windows + 3],
                alert: AlertLevelModel::Ok,
                alert_reason: None,
                exhaustion: None,
                events: Some(-1.0),
                stale: false,
                period_partial: false,
            },
        ]
    };
    let sizes = [
        (0, 0),
        (1, 1),
        (29, 4),
        (30, 5),
        (31, 6),
        (45, 9),
        (80, 24),
        (120, 30),
        (250, 70),
    ];
    for windows in windows_sets {
        for (hist, sel, problem) in [
            (&history[..], Some(999), Some(long_err.as_str())),
            (&flat[..], Some(0), Some(ctl)),
            (&[][..], None, Some("")),
            (&history[..], Some(2), None),
        ] {
            let model = SlosModel {
                source: ctl,
                problem,
                windows: windows.to_vec(),
                rows: rows(windows.len()),
                selected: sel,
                detail: Some(SloDetailModel {
                    name: &huge,
                    description: ctl,
                    history: hist,
                    thresholds: thresholds.to_vec(),
                    queries: vec![("", ""), (ctl, &long_err), (&huge, "sum(\n\tx)\n")],
                    note: Some(&long_err),
                }),
            };
            for (w, h) in sizes {
                for theme in [
                    Theme::default(),
                    Theme::builtin("monochrome").unwrap().with_ascii(true),
                ] {
                    let view = slos_app(model.clone());
                    draw(&view, &theme, w, h);
                    let text = render_to_text(&view, &theme, w, h);
                    assert!(!text.contains('\u{1b}'), "{w}x{h}");
                    assert!(!text.contains('\u{7}'), "{w}x{h}");
                    for line in text.lines() {
                        assert!(
                            unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                            "{w}x{h}: {line:?}"
                        );
                    }
                }
            }
        }
    }
}

/// The text of the incidents table box on one screen line (the detail pane
/// may follow on the right).
fn incident_header(w: u16, h: u16) -> Vec<String> {
    let fx = IncidentFixture::new();
    let mut m = fx.model();
    m.detail = None;
    let text = render_to_text(&incidents_app(m), &Theme::default(), w, h);
    let line = text
        .lines()
        .find(|l| l.contains(" Sev "))
        .unwrap_or_else(|| panic!("{w}x{h}: no header\n{text}"));
    table_part(line)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn incident_columns_drop_by_priority_and_never_overlap() {
    let all = ["Sev", "Status", "Title", "Service", "Age", "Signals", "Ack/Sil"];
    assert_eq!(incident_header(120, 30), all);
    assert_eq!(incident_header(80, 24), all);
    assert_eq!(
        incident_header(60, 20),
        ["Sev", "Status", "Title", "Age", "Ack/Sil"]
    );
    assert_eq!(incident_header(30, 12), ["Sev", "Title"]);
    // Every header is a known title, whole (no two run together), and a
    // column shown at some width is shown at every wider one.
    let mut prev = incident_header(30, 12);
    for w in 31..=220 {
        let cur = incident_header(w, 12);
        for c in &cur {
            assert!(all.contains(&c.as_str()), "{w}: {c:?} in {cur:?}");
        }
        for c in &prev {
            assert!(cur.contains(c), "{c} shown at {} but not at {w}: {cur:?}", w - 1);
        }
        prev = cur;
    }
}

/// Each row shows its severity and status words whole, its age whole, and
/// the selection is on screen, at every size.
#[test]
fn incident_rows_keep_their_words_at_any_size() {
    let fx = IncidentFixture::new();
    let theme = Theme::default();
    let words = ["SEV1", "SEV2", "SEV3", "SEV4"];
    let statuses = ["triggered", "acked", "resolved"];
    for w in (30..=220).step_by(5) {
        for h in [8, 12, 17, 20, 24, 30, 50] {
            let mut m = fx.model();
            m.selected = Some(5);
            let text = render_to_text(&incidents_app(m), &theme, w, h);
            assert_eq!(text.lines().count(), h as usize);
            for line in text.lines() {
                assert!(
                    unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                    "{w}x{h}: {line:?}"
                );
                let Some(part) = table_part(line) else { continue };
                let mut tokens = part.trim_start_matches(['▶', ' ']).split_whitespace();
                let Some(first) = tokens.next() else { continue };
                if !first.starts_with("SEV") {
                    continue;
                }
                assert!(words.contains(&first), "{w}x{h}: {line:?}");
                if part.contains("Backup") && w >= 45 {
                    assert!(
                        part.split_whitespace().any(|t| t == "12m"),
                        "{w}x{h}: age cut in {line:?}"
                    );
                }
                if let Some(second) = tokens.next()
                    && w >= 45
                {
                    assert!(statuses.contains(&second), "{w}x{h}: {line:?}");
                }
            }
            if h >= 12 {
                assert!(text.contains("Backup"), "{w}x{h}: selection hidden\n{text}");
            }
        }
    }
}

/// The detail pane is cut from the bottom with a note; it never draws over
/// the table above it.
#[test]
fn incident_detail_is_cut_with_a_note_never_over_the_table() {
    let fx = IncidentFixture::new();
    let theme = Theme::default();
    for h in 20..=60 {
        let text = render_to_text(&incidents_app(fx.model()), &theme, 120, h);
        let lines: Vec<&str> = text.lines().collect();
        let top = lines.iter().position(|l| l.starts_with("╭ Feed stale")).unwrap();
        assert!(lines[top - 1].starts_with('╰'), "{h}: table not closed\n{text}");
        assert!(lines[3].contains(" Sev "), "{h}\n{text}");
        let all_shown = text.contains("comment: ACK! bob");
        let note = text.contains("more line");
        assert!(all_shown != note, "{h}: shown {all_shown}, note {note}\n{text}");
        // No heading is left without its first entry.
        for (i, l) in lines.iter().enumerate() {
            for heading in ["│Signals (", "│Timeline (", "│Silences ("] {
                if l.starts_with(heading) {
                    assert!(lines[i + 1].starts_with("│  "), "{h}: orphan heading\n{text}");
                }
            }
        }
    }
}

#[test]
fn incident_scrolling_keeps_the_selection_visible() {
    let fx = IncidentFixture::new();
    let mut state = ViewState::default();
    let mut offsets = Vec::new();
    let walk: Vec<usize> = (0..40).chain((0..40).rev()).collect();
    for &sel in &walk {
        draw_with(
            &incidents_app(fx.many_rows(sel)),
            &Theme::default(),
            120,
            30,
            &mut state,
        );
        let (off, page) = (state.incidents_offset(), state.incidents_page_rows());
        assert!(
            page > 0 && off <= sel && sel < off + page,
            "selection {sel} off screen"
        );
        offsets.push(off);
    }
    for w in offsets.windows(2) {
        assert!(w[0].abs_diff(w[1]) <= 1, "jumped: {offsets:?}");
    }
    // The other screens' scroll state is their own.
    assert_eq!((state.prices_offset(), state.slos_offset()), (0, 0));
}

/// The dialog stays inside the body: header, tabs and status line are the
/// same with it as without it; its fields, error and keys show at 80x24
/// and 60x20.
#[test]
fn dialog_stays_in_the_body_and_keeps_what_the_operator_acts_on() {
    let fx = IncidentFixture::new();
    let theme = Theme::default();
    for (w, h) in [
        (120, 30),
        (100, 30),
        (80, 24),
        (60, 20),
        (50, 14),
        (40, 10),
        (30, 5),
    ] {
        for dialog in [ack_dialog(), silence_dialog()] {
            let plain = render_to_text(&incidents_app(fx.model()), &theme, w, h);
            let mut view = incidents_app(fx.model());
            view.dialog = Some(dialog.clone());
            let text = render_to_text(&view, &theme, w, h);
            let (a, b): (Vec<&str>, Vec<&str>) = (plain.lines().collect(), text.lines().collect());
            let last = h as usize - 1;
            assert_eq!((a[0], a[1], a[last]), (b[0], b[1], b[last]), "{w}x{h}\n{text}");
            for line in &b {
                assert!(unicode_width::UnicodeWidthStr::width(*line) <= w as usize);
            }
            if h >= 20 {
                assert!(text.contains("Esc cancel"), "{w}x{h}\n{text}");
                if !dialog.fields.is_empty() {
                    for label in ["matchers:", "duration: 2x▏", "comment:", "! invalid duration"] {
                        assert!(text.contains(label), "{w}x{h}: {label}\n{text}");
                    }
                }
            }
        }
    }
}

#[test]
fn incident_odd_input_never_panics() {
    let huge = "Ω".repeat(300);
    let ctl = "ctl\u{1b}[2J\u{7}\nname\r\t";
    let long_err = "e: ".repeat(500);
    let at = "\u{1b}".repeat(3);
    let rows = vec![
        IncidentRowModel {
            severity: SeverityModel::Sev1,
            title: &huge,
            service: &huge,
            component: ctl,
            status: IncidentStatusModel::Triggered,
            age: std::time::Duration::MAX,
            signals: usize::MAX,
            acked: true,
            silenced: true,
        },
        IncidentRowModel {
            severity: SeverityModel::Sev4,
            title: "",
            service: "",
            component: "",
            status: IncidentStatusModel::Resolved,
            age: std::time::Duration::ZERO,
            signals: 0,
            acked: false,
            silenced: false,
        },
    ];
    let detail = IncidentDetailModel {
        title: ctl,
        facts: vec![
            ("", String::new()),
            (ctl, huge.clone()),
            (&huge, long_err.clone()),
        ],
        signals: vec![SignalModel {
            kind: ctl,
            name: &huge,
            severity: SeverityModel::Sev2,
            state: "",
            labels: vec![("", ""), (ctl, &huge), (&long_err, ctl)],
            annotations: vec![("runbook_url", &huge), ("", ""), (&huge, &long_err)],
        }],
        timeline: vec![TimelineLine {
            at: at.clone(),
            text: &long_err,
        }],
        silences: vec![SilenceLine {
            id: "",
            state: ctl,
            matchers: huge.clone(),
            until: String::new(),
            created_by: ctl,
            comment: &long_err,
            ack: true,
        }],
    };
    let fields = [
        FieldModel {
            label: &huge,
            value: &long_err,
            focused: true,
        },
        FieldModel {
            label: "",
            value: "",
            focused: false,
        },
        FieldModel {
            label: ctl,
            value: ctl,
            focused: true,
        },
    ];
    let hints: &[(&str, &str)] = &[("", ""), ("\u{1b}", "x\ny")];
    let dialogs = [
        None,
        Some(DialogModel {
            title: &huge,
            lines: vec![long_err.clone(), String::new(), ctl.to_string()],
            fields: fields.to_vec(),
            error: Some(&long_err),
            busy: true,
            hints,
        }),
        Some(DialogModel {
            title: "",
            lines: vec![],
            fields: vec![],
            error: Some(""),
            busy: false,
            hints: &[],
        }),
    ];
    let problems = vec![long_err.as_str(), ctl, "", &huge, "a", "b", "c", "d", "e", "f"];
    let sizes = [
        (0, 0),
        (1, 1),
        (29, 4),
        (30, 5),
        (31, 6),
        (45, 9),
        (60, 20),
        (80, 24),
        (120, 30),
        (250, 70),
    ];
    for (sel, loading, problems) in [
        (Some(999), false, problems.clone()),
        (Some(0), true, vec![ctl]),
        (None, false, vec![]),
        (Some(1), false, problems[..2].to_vec()),
    ] {
        for dialog in &dialogs {
            let model = IncidentsModel {
                source: ctl,
                problems: problems.clone(),
                rows: rows.clone(),
                total: 0,
                hidden_resolved: usize::MAX,
                show_resolved: false,
                selected: sel,
                detail: Some(detail.clone()),
                loading,
            };
            for (w, h) in sizes {
                for theme in [
                    Theme::default(),
                    Theme::builtin("monochrome").unwrap().with_ascii(true),
                ] {
                    let mut view = incidents_app(model.clone());
                    view.dialog = dialog.clone();
                    view.header.incidents = Some([usize::MAX; 4]);
                    draw(&view, &theme, w, h);
                    let text = render_to_text(&view, &theme, w, h);
                    assert!(!text.contains('\u{1b}'), "{w}x{h}");
                    assert!(!text.contains('\u{7}'), "{w}x{h}");
                    for line in text.lines() {
                        assert!(
                            unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                            "{w}x{h}: {line:?}"
                        );
                    }
                }
            }
        }
    }
}

/// Every line of `text` fits the screen.
fn fits(text: &str, w: u16, what: &str) {
    for line in text.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= w as usize,
            "{what}: {line:?}"
        );
    }
}

/// The words of the header line of the box whose top border holds
/// `title` (cells and chars match here: the borders and headers are
/// one cell each).
fn pane_header(text: &str, title: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let top = lines.iter().position(|l| l.contains(title))?;
    let col = lines[top][..lines[top].find(title)?].chars().count();
    let border: Vec<char> = lines[top].chars().collect();
    let left = border[..col].iter().rposition(|&c| c == '╭')?;
    let header: Vec<char> = lines.get(top + 1)?.chars().collect();
    let own: String = header
        .get(left + 1..)?
        .iter()
        .take_while(|&&c| c != '│')
        .collect();
    Some(own.split_whitespace().map(str::to_string).collect())
}

/// Columns kept follow the drop order: a column is gone only when every
/// column dropped before it is gone too; the columns that always stay are there.
fn check_drop_order(cols: &[String], drop: &[&str], stay: &[&str], what: &str) {
    for s in stay {
        assert!(cols.iter().any(|c| c == s), "{what}: {s} missing from {cols:?}");
    }
    let present: Vec<bool> = drop.iter().map(|d| cols.iter().any(|c| c == d)).collect();
    for i in 0..present.len() {
        if !present[i] {
            continue;
        }
        assert!(
            present[i..].iter().all(|p| *p),
            "{what}: {} kept but a later one dropped: {cols:?}",
            drop[i]
        );
    }
}

/// The row of the pod whose name ends in `suffix`.
fn pod_row<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    text.lines().find(|l| {
        let name = l.trim_start_matches(['│', '!', '▶']).split_whitespace().next();
        name.is_some_and(|n| n.ends_with(suffix))
    })
}

#[test]
fn cluster_columns_drop_by_priority_and_reasons_stay() {
    let theme = Theme::default();
    for w in (40..=220).step_by(3) {
        let text = render_to_text(&cluster_app(cluster_model()), &theme, w, 40);
        fits(&text, w, &format!("{w}"));
        if let Some(cols) = pane_header(&text, "Pods ·") {
            check_drop_order(
                &cols,
                &["Node", "Age", "Phase", "Restarts"],
                &["Name", "Ready", "Reason"],
                &format!("pods {w}"),
            );
        }
        if let Some(cols) = pane_header(&text, "Deployments ·") {
            check_drop_order(
                &cols,
                &["Age", "Available", "Up-to-date"],
                &["Name", "Ready", "Rollout"],
                &format!("deployments {w}"),
            );
        }
        if let Some(cols) = pane_header(&text, "Warning events ·") {
            check_drop_order(
                &cols,
                &["Object", "Count"],
                &["Age", "Reason", "Message"],
                &format!("events {w}"),
            );
        }
        // A cut pod name keeps its distinct end, and the reason is never dropped.
        let crashing = pod_row(&text, "qw7rt").unwrap_or_else(|| panic!("{w}\n{text}"));
        assert!(crashing.contains("CrashLoopBackOff"), "{w}: {crashing}");
        let pulling = pod_row(&text, "t5v8n").unwrap_or_else(|| panic!("{w}\n{text}"));
        assert!(pulling.contains("ImagePullBackOff"), "{w}: {pulling}");
    }
    // At 80 columns: the node goes, the age stays; events lose the object.
    let text = render_to_text(&cluster_app(cluster_model()), &theme, 80, 24);
    let pods = pane_header(&text, "Pods ·").unwrap();
    assert_eq!(pods, ["Name", "Phase", "Ready", "Restarts", "Age", "Reason"]);
    let events = pane_header(&text, "Warning events ·").unwrap();
    assert_eq!(events, ["Age", "Reason", "Count", "Message"]);
}

/// The cluster screen and its overlays draw only in the body: header,
/// tabs and status line stay as they are, at every size.
#[test]
fn cluster_and_overlays_stay_in_the_body() {
    let theme = Theme::default();
    let lines = rollout_lines(30);
    for (w, h) in [
        (200, 50),
        (120, 30),
        (100, 30),
        (80, 24),
        (60, 20),
        (45, 12),
        (30, 5),
    ] {
        let mut plain = cluster_app(cluster_model());
        plain.body = BodyModel::Prices(empty_prices(0));
        let reference = render_to_text(&plain, &theme, w, h);
        let r: Vec<&str> = reference.lines().collect();
        let mut views = vec![cluster_app(cluster_model()), cluster_app(empty_cluster())];
        for overlay in 0..4 {
            let mut v = cluster_app(cluster_model());
            match overlay {
                0 => v.palette = Some(palette()),
                1 => v.output = Some(output(&lines, false, Some("exit 2"))),
                2 => v.action_status = Some(status_not_recovered()),
                _ => {
                    v.body = BodyModel::Prices(empty_prices(0));
                    v.action_status = Some(status_watching());
                }
            }
            views.push(v);
        }
        for v in &views {
            let text = render_to_text(v, &theme, w, h);
            let t: Vec<&str> = text.lines().collect();
            let last = h as usize - 1;
            assert_eq!(t.len(), h as usize);
            assert_eq!((r[0], r[1], r[last]), (t[0], t[1], t[last]), "{w}x{h}\n{text}");
            fits(&text, w, &format!("{w}x{h}"));
        }
    }
    // What the operator acts on is there at 80x24 and 60x20.
    for (w, h) in [(80, 24), (60, 20)] {
        let mut v = cluster_app(cluster_model());
        v.palette = Some(palette());
        let text = render_to_text(&v, &theme, w, h);
        for needle in [
            ":▏",
            "target: deployment mda-agent",
            "restart",
            "typed confirm",
            "disabled:",
        ] {
            assert!(text.contains(needle), "{w}x{h}: {needle}\n{text}");
        }
        v.palette = None;
        v.output = Some(output(&lines, false, Some("exit 2")));
        let text = render_to_text(&v, &theme, w, h);
        for needle in ["exit 2", "Esc close", "earlier lines", "! error: deployment"] {
            assert!(text.contains(needle), "{w}x{h}: {needle}\n{text}");
        }
        v.output = None;
        v.action_status = Some(status_not_recovered());
        let text = render_to_text(&v, &theme, w, h);
        for needle in ["NOT RECOVERED", "✗ rollout", "… 2 more"] {
            assert!(text.contains(needle), "{w}x{h}: {needle}\n{text}");
        }
    }
}

#[test]
fn cluster_panes_scroll_on_their_own() {
    let names = pod_names(40);
    let theme = Theme::default();
    let mut state = ViewState::default();
    let mut offsets = Vec::new();
    let walk: Vec<usize> = (0..40).chain((0..40).rev()).collect();
    let pods = ClusterPane::Pods;
    for &sel in &walk {
        let mut m = cluster_model();
        m.pods = many_pods(&names);
        m.selected = Some(sel);
        draw_with(&cluster_app(m), &theme, 120, 30, &mut state);
        let (off, page) = (state.cluster_offset(pods), state.cluster_page_rows(pods));
        assert!(
            page > 0 && off <= sel && sel < off + page,
            "selection {sel} off screen"
        );
        offsets.push(off);
    }
    for w in offsets.windows(2) {
        assert!(w[0].abs_diff(w[1]) <= 1, "jumped: {offsets:?}");
    }
    // Scrolled down, then the focus moves to the events: the pods keep their place.
    let mut m = cluster_model();
    m.pods = many_pods(&names);
    m.selected = Some(39);
    draw_with(&cluster_app(m.clone()), &theme, 120, 30, &mut state);
    let kept = state.cluster_offset(pods);
    assert!(kept > 0);
    m.focus = ClusterPane::Events;
    m.selected = Some(4);
    let text = render_to_text(&cluster_app(m.clone()), &theme, 120, 30);
    assert!(text.contains("▶ Warning events"), "{text}");
    draw_with(&cluster_app(m), &theme, 120, 30, &mut state);
    assert_eq!(state.cluster_offset(pods), kept);
    assert!(state.cluster_page_rows(ClusterPane::Events) > 0);
    // The other screens' scroll state is their own.
    assert_eq!((state.prices_offset(), state.incidents_offset()), (0, 0));
}

#[test]
fn palette_scrolls_to_the_selection() {
    let theme = Theme::default();
    let names: Vec<String> = (0..30).map(|i| format!("action-{i:02}")).collect();
    let mut state = ViewState::default();
    for &sel in [0, 5, 17, 29, 12, 0].iter() {
        let mut p = palette();
        p.items = names
            .iter()
            .map(|n| PaletteItem {
                key: "",
                name: n,
                description: "does one thing",
                destructive: false,
                disabled: None,
            })
            .collect();
        p.selected = Some(sel);
        let mut v = cluster_app(cluster_model());
        v.palette = Some(p);
        let term = draw_with(&v, &theme, 80, 24, &mut state);
        let text = mdops_views::buffer_to_text(term.backend().buffer());
        let selected = text.lines().find(|l| l.contains("▶action-"));
        let selected = selected.unwrap_or_else(|| panic!("{sel}: selection hidden\n{text}"));
        assert!(selected.contains(&names[sel]), "{sel}: {selected}");
        assert!(text.contains(" of 30 "), "{sel}: position\n{text}");
    }
}

#[test]
fn cluster_and_overlays_odd_input_never_panics() {
    let huge = "Ω".repeat(300);
    let ctl = "ctl\u{1b}[2J\u{7}\nname\r\t";
    let max = std::time::Duration::MAX;
    let deployment = DeploymentRow {
        name: &huge,
        desired: i32::MIN,
        ready: i32::MAX,
        updated: -1,
        available: 0,
        rollout: ctl,
        healthy: false,
        age: max,
    };
    let pod = PodRow {
        name: ctl,
        phase: &huge,
        ready: (u32::MAX, 0),
        restarts: u32::MAX,
        age: max,
        node: "",
        reason: &huge,
        healthy: false,
    };
    let event = EventRow {
        age: max,
        kind: ctl,
        reason: "",
        object: &huge,
        message: ctl,
        count: u32::MAX,
    };
    let lines: Vec<String> = vec![huge.clone(), ctl.to_string(), String::new(), "! ".to_string()];
    let checks = vec![
        (ctl, Some(false), huge.as_str()),
        ("", None, ""),
        (&huge, Some(true), ctl),
    ];
    let palette_items = vec![
        PaletteItem {
            key: &huge,
            name: ctl,
            description: &huge,
            destructive: true,
            disabled: Some(ctl),
        },
        PaletteItem {
            key: "",
            name: "",
            description: "",
            destructive: false,
            disabled: Some(""),
        },
    ];
    let sizes = [
        (0, 0),
        (1, 1),
        (29, 4),
        (30, 5),
        (31, 6),
        (45, 9),
        (80, 24),
        (250, 70),
    ];
    for focus in [ClusterPane::Deployments, ClusterPane::Pods, ClusterPane::Events] {
        for (selected, loading) in [(Some(999), false), (None, true), (Some(0), false)] {
            let model = ClusterModel {
                context: ctl,
                problem: Some(&huge),
                loading,
                deployments: vec![deployment.clone(); 3],
                pods: vec![pod.clone(); 50],
                events: vec![event.clone(); 7],
                focus,
                selected,
            };
            for (w, h) in sizes {
                for theme in [
                    Theme::default(),
                    Theme::builtin("monochrome").unwrap().with_ascii(true),
                ] {
                    let mut view = cluster_app(model.clone());
                    view.palette = Some(PaletteModel {
                        query: ctl,
                        target: Some(&huge),
                        items: palette_items.clone(),
                        selected,
                    });
                    view.output = Some(OutputModel {
                        title: ctl,
                        lines: lines.iter().map(String::as_str).collect(),
                        running: true,
                        outcome: Some(&huge),
                    });
                    view.action_status = Some(ActionStatusModel {
                        action: &huge,
                        result: ctl,
                        failed: true,
                        verification: VerificationState::Watching { remaining: max },
                        checks: checks.clone(),
                    });
                    draw(&view, &theme, w, h);
                    let text = render_to_text(&view, &theme, w, h);
                    assert!(!text.contains(['\u{1b}', '\u{7}', '\r', '\t']), "{w}x{h}");
                    fits(&text, w, &format!("{w}x{h}"));
                }
            }
        }
    }
}
