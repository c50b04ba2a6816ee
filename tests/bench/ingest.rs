//! Console ingest: tick frames parsed and applied to `App` state, against
//! the reference of serde parsing the same ticks as a plain array in the
//! same run (and the derived tagged-enum decoder it replaces); then the
//! ingest rate while drawing the prices screen at 30 frames a second.
//!
//! `cargo bench --bench ingest`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use market_data_agent::api::{Quote, ServerFrame};
use mdops::app::slos::SlosState;
use mdops::app::{App, AppConfig, Msg, SourceId};
use mdops::slo::SloSet;
use mdops_views::{Theme, ViewState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SYMBOLS: usize = 200;
const TICKS_PER_FRAME: usize = 64;
const T0: i64 = 1_800_000_000_000;

fn symbol(i: usize) -> String {
    format!("SYM{i:03}")
}

/// Pre-serialized tick frames as the agent sends them, cycling over symbols.
/// One timestamp for all, so replaying the frames never looks out of order
/// and every tick takes the full apply path.
fn frames(count: usize) -> Vec<String> {
    (0..count)
        .map(|f| {
            let ticks = (0..TICKS_PER_FRAME)
                .map(|t| {
                    let n = f * TICKS_PER_FRAME + t;
                    // Cents, as the agent rounds to its tick size.
                    let cents = 10_000 + (n % 97) as i64;
                    let price = cents as f64 / 100.0;
                    Quote {
                        symbol: symbol(n % SYMBOLS),
                        price,
                        bid: (cents - 1) as f64 / 100.0,
                        ask: (cents + 1) as f64 / 100.0,
                        size: 10.0,
                        volume: n as f64,
                        open: 100.0,
                        ts: T0,
                        source: "sim".to_string(),
                    }
                })
                .collect();
            serde_json::to_string(&ServerFrame::Ticks { seq: f as u64, ticks }).unwrap()
        })
        .collect()
}

fn new_app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(&set, Duration::from_secs(3600), 1_000, Duration::from_secs(5));
    let config = AppConfig {
        target: "bench".into(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentStream],
        incidents: mdops::app::IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    };
    let mut app = App::new(config, SlosState::new(set, source), T0);
    app.update(Msg::Symbols {
        symbols: (0..SYMBOLS).map(symbol).collect(),
        at_ms: T0,
    });
    app
}

fn apply(app: &mut App, frame: &str, at_ms: i64) {
    if let Ok(ServerFrame::Ticks { ticks, .. }) = ServerFrame::from_json(frame) {
        black_box(app.update(Msg::Ticks { quotes: ticks, at_ms }));
    }
}

fn criterion_benches(c: &mut Criterion) {
    let frames = frames(256);
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(TICKS_PER_FRAME as u64));
    group.bench_function("reference_serde_parse_ticks_array", |b| {
        let arrays: Vec<String> = frames
            .iter()
            .map(|f| match ServerFrame::from_json(f).unwrap() {
                ServerFrame::Ticks { ticks, .. } => serde_json::to_string(&ticks).unwrap(),
                _ => unreachable!("the bench frames are tick frames"),
            })
            .collect();
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % arrays.len();
            black_box(serde_json::from_str::<Vec<Quote>>(&arrays[i]).unwrap())
        })
    });
    group.bench_function("serde_derive_tagged_frame", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % frames.len();
            black_box(serde_json::from_str::<ServerFrame>(&frames[i]).unwrap())
        })
    });
    group.bench_function("parse_and_apply_frame", |b| {
        let mut app = new_app();
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % frames.len();
            apply(&mut app, &frames[i], T0 + i as i64);
        })
    });
    group.finish();
}

/// Ingest as fast as frames can be applied while drawing at 30 fps, like the
/// runtime loop does; reports ticks applied per second of wall time.
fn ingest_while_rendering() {
    let frames = frames(256);
    let theme = Theme::builtin("default").expect("default theme");
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut view_state = ViewState::default();
    let mut app = new_app();
    let frame_interval = Duration::from_secs_f64(1.0 / 30.0);
    let run_for = Duration::from_secs(3);
    let start = Instant::now();
    let mut next_draw = start;
    let (mut ticks, mut draws, mut i) = (0u64, 0u64, 0usize);
    while start.elapsed() < run_for {
        i = (i + 1) % frames.len();
        apply(&mut app, &frames[i], T0 + start.elapsed().as_millis() as i64);
        ticks += TICKS_PER_FRAME as u64;
        if Instant::now() >= next_draw {
            terminal
                .draw(|f| mdops_views::render(f, &app.view(), &theme, &mut view_state))
                .unwrap();
            draws += 1;
            next_draw += frame_interval;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "ingest while rendering at 30 fps: {:.2}M ticks/s applied, {draws} frames in {secs:.1}s",
        ticks as f64 / secs / 1e6
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    criterion_benches(&mut criterion);
    criterion.final_summary();
    ingest_while_rendering();
}
