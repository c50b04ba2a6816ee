#[path = "../tests/common/mod.rs"]
mod common;
use std::hint::black_box;
use common::*;
use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    let fx = Fixture::generated(200);
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut st = ViewState::default();
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(|s| s.as_str()).unwrap_or("all");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
    for _ in 0..n {
        let mut p = fx.prices(Some(120));
        match which { "nodetail" => p.detail = None, "loading" => { p.detail.as_mut().unwrap().bars = BarsState::Loading; } "empty" => {p.rows.clear(); p.detail = None;} _ => {} }
        let view = app(header_every_state(), BodyModel::Prices(p));
        if which == "nothing" { t.draw(|_f| {}).unwrap(); continue; }
        t.draw(|f| render(f, black_box(&view), &theme, &mut st)).unwrap();
    }
}
