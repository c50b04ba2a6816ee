//! Frame cost of the 200-symbol prices screen against plain ratatui tables,
//! all drawn with `Terminal::draw` on a 160x50 `TestBackend`, in one run:
//!
//! - `reference/table_all_rows`: a `Table` of 200 rows, every row built;
//! - `reference/table_visible_rows`: the same table building only the rows
//!   that fit;
//! - `mdops/prices_200`: our `render` of a 200-symbol prices `AppView`
//!   (header, tabs, table, detail chart, status line);
//! - `mdops/prices_200_no_detail`: the same without the detail pane.
//!
//! After criterion's report, a summary times each case again (median of
//! batches) and prints the ratios of ours to the references.
//!
//! Run: `cargo bench -p mdops-views --bench prices`

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::*;
use criterion::Criterion;
use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

const W: u16 = 160;
const H: u16 = 50;
const SYMBOLS: usize = 200;

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).unwrap()
}

/// One row of the reference table: the same eight formatted numbers.
fn reference_row<'a>(r: &PriceRow) -> Row<'a> {
    let style = match r.direction {
        Direction::Up => Style::new().fg(Color::Green),
        Direction::Down => Style::new().fg(Color::Red),
        Direction::Flat => Style::new(),
    };
    Row::new([
        Cell::from(r.symbol.to_string()),
        Cell::from(format!("{:>10.2}", r.last)).style(style),
        Cell::from(format!("{:>+7.2}%", r.change_pct.unwrap_or(0.0))),
        Cell::from(format!("{:>10.2}", r.bid)),
        Cell::from(format!("{:>10.2}", r.ask)),
        Cell::from(format!("{:>8.2}", r.ask - r.bid)),
        Cell::from(format!("{:>8.0}", r.volume)),
        Cell::from(format!("{:>7.1}", r.ticks_per_sec.unwrap_or(0.0))),
    ])
}

fn reference_frame(
    terminal: &mut Terminal<TestBackend>,
    rows: &[PriceRow],
    selected: usize,
    visible_only: bool,
) {
    terminal
        .draw(|f| {
            let area = f.area();
            // Borders and the header row take three lines.
            let fit = area.height.saturating_sub(3) as usize;
            let (offset, slice) = if visible_only {
                let offset = selected.saturating_sub(fit.saturating_sub(1));
                (offset, &rows[offset..(offset + fit).min(rows.len())])
            } else {
                (0, rows)
            };
            let header = Row::new([
                "Symbol", "Last", "Chg%", "Bid", "Ask", "Spread", "Volume", "Ticks/s",
            ]);
            let widths = [
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(8),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(7),
            ];
            let table = Table::new(slice.iter().map(reference_row), widths)
                .header(header)
                .block(Block::bordered().title(" Prices "))
                .row_highlight_style(Style::new().bg(Color::Blue))
                .highlight_symbol(">");
            let mut state = TableState::new().with_selected(Some(selected - offset));
            f.render_stateful_widget(table, area, &mut state);
        })
        .unwrap();
}

fn mdops_frame(terminal: &mut Terminal<TestBackend>, view: &AppView, theme: &Theme, state: &mut ViewState) {
    terminal.draw(|f| render(f, view, theme, state)).unwrap();
}

struct Cases {
    fx: Fixture,
    theme: Theme,
    selected: usize,
}

impl Cases {
    fn new() -> Cases {
        Cases {
            fx: Fixture::generated(SYMBOLS),
            theme: Theme::default(),
            selected: 120,
        }
    }

    fn view(&self, detail: bool) -> AppView<'_> {
        let mut p = self.fx.prices(Some(self.selected));
        if !detail {
            p.detail = None;
        }
        app(header_every_state(), BodyModel::Prices(p))
    }
}

fn benches(c: &mut Criterion, cases: &Cases) {
    let rows = cases.fx.rows();
    let mut g = c.benchmark_group("frame_160x50_200_symbols");
    g.bench_function("reference/table_all_rows", |b| {
        let mut t = terminal();
        b.iter(|| reference_frame(&mut t, black_box(&rows), cases.selected, false))
    });
    g.bench_function("reference/table_visible_rows", |b| {
        let mut t = terminal();
        b.iter(|| reference_frame(&mut t, black_box(&rows), cases.selected, true))
    });
    for (name, detail) in [("mdops/prices_200", true), ("mdops/prices_200_no_detail", false)] {
        g.bench_function(name, |b| {
            let mut t = terminal();
            let mut state = ViewState::default();
            b.iter(|| {
                // The console builds its view model every frame: so do we.
                let view = cases.view(detail);
                mdops_frame(&mut t, black_box(&view), &cases.theme, &mut state)
            })
        });
    }
    g.finish();
}

/// Median time per call of `f` over `batches` batches of `per_batch` calls.
fn median_time(batches: usize, per_batch: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..per_batch {
        f();
    }
    let mut times: Vec<Duration> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed() / per_batch
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn summary(cases: &Cases) {
    let rows = cases.fx.rows();
    let (batches, per_batch) = (31, 200);
    let mut t = terminal();
    let all = median_time(batches, per_batch, || {
        reference_frame(&mut t, black_box(&rows), cases.selected, false)
    });
    let visible = median_time(batches, per_batch, || {
        reference_frame(&mut t, black_box(&rows), cases.selected, true)
    });
    let mut state = ViewState::default();
    let ours = median_time(batches, per_batch, || {
        let view = cases.view(true);
        mdops_frame(&mut t, black_box(&view), &cases.theme, &mut state)
    });
    let ours_plain = median_time(batches, per_batch, || {
        let view = cases.view(false);
        mdops_frame(&mut t, black_box(&view), &cases.theme, &mut state)
    });
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!();
    println!("summary: one frame at {W}x{H}, {SYMBOLS} symbols (median of {batches}x{per_batch})");
    println!("  (a) reference, Table building every row   {:8.1} µs", us(all));
    println!(
        "  (b) reference, Table building visible rows {:7.1} µs",
        us(visible)
    );
    println!("  (c) mdops render, prices + detail chart    {:8.1} µs", us(ours));
    println!(
        "  (c') mdops render, prices without detail   {:7.1} µs",
        us(ours_plain)
    );
    println!(
        "  ratios: c/a = {:.2}, c/b = {:.2}, c'/b = {:.2}; target c < 500 µs: {}",
        us(ours) / us(all),
        us(ours) / us(visible),
        us(ours_plain) / us(visible),
        if us(ours) < 500.0 { "met" } else { "NOT met" }
    );
}

fn main() {
    let cases = Cases::new();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &cases);
    c.final_summary();
    summary(&cases);
}
