#[path = "../tests/common/mod.rs"]
mod common;
use std::hint::black_box;
use std::time::{Duration, Instant};
use common::*;
use mdops_views::model::*;
use mdops_views::{Theme, ViewState, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn median_time(mut f: impl FnMut()) -> Duration {
    for _ in 0..200 { f(); }
    let mut times: Vec<Duration> = (0..31).map(|_| { let s = Instant::now(); for _ in 0..200 { f(); } s.elapsed() / 200 }).collect();
    times.sort(); times[15]
}
fn main() {
    let fx = Fixture::generated(200);
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let empty = median_time(|| { t.draw(|_f| {}).unwrap(); });
    println!("empty draw {:?}", empty);
    let fill = median_time(|| { t.draw(|f| { let a = f.area(); f.buffer_mut().set_style(a, theme.base); }).unwrap(); });
    println!("fill {:?}", fill);
    let mut st = ViewState::default();
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(|s| s.as_str()).unwrap_or("all");
    let d = median_time(|| {
        let mut p = fx.prices(Some(120));
        match which { "nodetail" => p.detail = None, "loading" => { p.detail.as_mut().unwrap().bars = BarsState::Loading; } _ => {} }
        let view = app(header_every_state(), BodyModel::Prices(p));
        t.draw(|f| render(f, black_box(&view), &theme, &mut st)).unwrap();
    });
    println!("{which} {:?}", d);
    let d = median_time(|| {
        let mut p = fx.prices(Some(120));
        p.rows.clear(); p.detail = None;
        let view = app(header_every_state(), BodyModel::Prices(p));
        t.draw(|f| render(f, black_box(&view), &theme, &mut st)).unwrap();
    });
    println!("empty rows {:?}", d);
    let d = median_time(|| { black_box(fx.prices(Some(120))); });
    println!("model build {:?}", d);
}
