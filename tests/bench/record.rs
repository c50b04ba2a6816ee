//! Recording and replay figures, on the default embedded agent's shape
//! (56 symbols, 20 ticks a second each, one quote per symbol per frame):
//!
//! - bytes per minute of a recording, postcard against JSON of the same entries;
//! - ingest with and without recording: ticks/s `App::update` takes alone,
//!   and with `Recorder::record` (copy + queue) before it, the writer
//!   thread encoding and writing to a file meanwhile; drops are counted;
//! - the writer's own capacity: frames encoded per second;
//! - replay speed: messages/s read from the file and applied to a fresh app;
//! - an hour of recording replayed to its end: time, peak memory (RSS) and
//!   the heap the replayed app still holds, with the polled sources of a
//!   console beside the ticks (incidents every 2 s, the cluster every 10 s,
//!   audit entries) so the timeline is rebuilt too.
//!
//! Figures only, no asserts on time. `cargo bench --bench record`

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use market_data_agent::api::{Incident, IncidentStatus, Quote, Severity};
use mdops::actions::audit::{AuditEntry, Phase};
use mdops::app::slos::SlosState;
use mdops::app::{App, AppConfig, Msg, SourceId};
use mdops::domain::cluster::{ClusterSnapshot, DeploymentInfo, EventInfo, PodInfo, Rollout};
use mdops::record::entry::{Entry, Event, SourceMsg, Start};
use mdops::record::format::{self, Reader};
use mdops::record::recorder::Recorder;
use mdops::slo::SloSet;

const SYMBOLS: usize = 56;
const FRAMES_PER_SECOND: usize = 20;
const SECONDS: usize = 120;
const T0: i64 = 1_800_000_000_000;

/// The system allocator, counting the bytes live: what the replayed app
/// holds, apart from what the allocator keeps for reuse.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to `System` unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_mib() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

/// Tick frames: a random walk in cents per symbol.
struct Walk {
    cents: Vec<i64>,
    volume: f64,
    seed: u64,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            cents: (0..SYMBOLS).map(|i| 10_000 + 937 * i as i64).collect(),
            volume: 0.0,
            seed: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// Frame number `f`.
    fn frame(&mut self, f: usize) -> Msg {
        let at_ms = T0 + (f * 1000 / FRAMES_PER_SECOND) as i64;
        let quotes = (0..SYMBOLS)
            .map(|s| {
                self.seed ^= self.seed << 13;
                self.seed ^= self.seed >> 7;
                self.seed ^= self.seed << 17;
                self.cents[s] += (self.seed % 7) as i64 - 3;
                self.volume += 10.0;
                let cents = self.cents[s];
                Quote {
                    symbol: format!("SYM{s:02}"),
                    price: cents as f64 / 100.0,
                    bid: (cents - 1) as f64 / 100.0,
                    ask: (cents + 1) as f64 / 100.0,
                    size: (self.seed % 500) as f64,
                    volume: self.volume,
                    open: 100.0,
                    ts: at_ms - 3,
                    source: "simulator".to_string(),
                }
            })
            .collect();
        Msg::Ticks { quotes, at_ms }
    }
}

/// Two minutes of tick frames.
fn frames() -> Vec<Msg> {
    let mut walk = Walk::new();
    (0..SECONDS * FRAMES_PER_SECOND).map(|f| walk.frame(f)).collect()
}

/// A process memory figure from /proc/self/status, in MiB.
fn memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Writes an hour of frames to a file, replays it to its end through the
/// real session (as `mdops replay` does, without a terminal), and reports
/// the time taken and the peak memory. Runs first, so the peak is its own.
fn one_hour_replay() {
    let path = std::env::temp_dir().join(format!("mdops-bench-hour-{}.mdrec", std::process::id()));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut buffer = format::header().to_vec();
    format::encode_frame(
        &Entry {
            at_ms: T0,
            event: Event::Start(Start::of(&new_app())),
        },
        &mut buffer,
    )
    .unwrap();
    let mut walk = Walk::new();
    let frames = 3600 * FRAMES_PER_SECOND;
    let mut polled = 0;
    for f in 0..frames {
        let mut msgs = vec![walk.frame(f)];
        if f % FRAMES_PER_SECOND == 0 {
            msgs.extend(polled_sources((f / FRAMES_PER_SECOND) as i64));
            polled += msgs.len() - 1;
        }
        for msg in msgs {
            let entry = Entry {
                at_ms: msg.at_ms().unwrap_or(T0),
                event: Event::Msg(SourceMsg::from_msg(&msg).expect("source messages are recorded")),
            };
            format::encode_frame(&entry, &mut buffer).unwrap();
            std::io::Write::write_all(&mut file, &buffer).unwrap();
            buffer.clear();
        }
    }
    std::io::Write::flush(&mut file).unwrap();
    drop(file);
    let size = std::fs::metadata(&path).unwrap().len();
    let before = memory_mib("VmRSS:");
    let heap_before = live_mib();
    let started = Instant::now();
    let mut session = mdops::record::replay::open(&path, &mdops::config::Config::default(), 1.0).unwrap();
    session.seek(i64::MAX, std::time::Instant::now()).unwrap();
    let elapsed = started.elapsed();
    let symbols = session.app.prices.symbols.len();
    let heap_after = live_mib();
    let timeline = &session.app.timeline.log;
    let (events, dropped) = (timeline.len(), timeline.dropped());
    drop(session);
    let _ = std::fs::remove_file(&path);
    let messages = frames + polled;
    println!(
        "one hour: {:.0} MB file, {messages} messages ({polled} polled), replayed to its end in {:.1} s \
         ({:.0} messages/s, {symbols} symbols, {events} timeline events, {dropped} dropped); \
         memory {:.0} MiB before, peak {:.0} MiB RSS; heap held by the replayed app {:.1} MiB",
        size as f64 / 1e6,
        elapsed.as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64(),
        before,
        memory_mib("VmHWM:"),
        heap_after - heap_before
    );
}

/// What the polled sources of a console deliver at second `s` of the hour:
/// the agent's incidents every 2 s (one opening every 5 minutes, resolved
/// 2 minutes later), the namespace every 10 s (a restart and a warning
/// every minute), an audited action every 10 minutes.
fn polled_sources(s: i64) -> Vec<Msg> {
    let at_ms = T0 + s * 1000;
    let mut msgs = Vec::new();
    if s % 2 == 0 {
        let incidents = (0..=s / 300)
            .map(|n| {
                let started_at = T0 + n * 300_000;
                let resolved_at = Some(started_at + 120_000).filter(|&r| r <= at_ms);
                Incident {
                    id: format!("inc-{n}"),
                    title: format!("Price anomaly on SYM{:02}", n % SYMBOLS as i64),
                    severity: Severity::Sev2,
                    status: if resolved_at.is_some() {
                        IncidentStatus::Resolved
                    } else {
                        IncidentStatus::Triggered
                    },
                    labels: BTreeMap::from([("service".to_string(), "market-data-agent".to_string())]),
                    dedup_key: format!("price_anomaly:symbol:SYM{n}"),
                    started_at,
                    acknowledged_at: None,
                    acknowledged_by: None,
                    resolved_at,
                    resolved_by: resolved_at.map(|_| "auto".to_string()),
                    timeline: Vec::new(),
                }
            })
            .collect();
        msgs.push(Msg::AgentIncidents { incidents, at_ms });
    }
    if s % 10 == 0 {
        let minute = s / 60;
        let snapshot = ClusterSnapshot {
            deployments: vec![DeploymentInfo {
                name: "mda-agent".to_string(),
                desired: 3,
                ready: 3,
                updated: 3,
                available: 3,
                rollout: Rollout::Complete,
                created_at_ms: Some(T0),
                generation: 1,
                observed_generation: 1,
            }],
            pods: (0..3)
                .map(|p| PodInfo {
                    name: format!("mda-agent-{p}"),
                    phase: "Running".to_string(),
                    ready_containers: 1,
                    containers: 1,
                    restarts: i32::try_from(if p == 0 { minute } else { 0 }).unwrap_or(0),
                    node: Some("node-1".to_string()),
                    reason: None,
                    created_at_ms: Some(T0),
                    healthy: true,
                    terminating: false,
                    owner: Some("mda-agent".to_string()),
                    restarted_at_ms: None,
                    resources: Default::default(),
                })
                .collect(),
            events: (minute.saturating_sub(50)..=minute)
                .rev()
                .map(|m| EventInfo {
                    kind: "Warning".to_string(),
                    reason: "BackOff".to_string(),
                    object: "Pod/mda-agent-0".to_string(),
                    message: "Back-off restarting failed container".to_string(),
                    count: i32::try_from(m + 1).unwrap_or(1),
                    last_seen_ms: Some(T0 + m * 60_000),
                })
                .collect(),
        };
        msgs.push(Msg::Cluster {
            snapshot: Box::new(snapshot),
            at_ms,
        });
    }
    if s % 600 == 0 {
        let entry = AuditEntry {
            time: chrono::DateTime::from_timestamp_millis(at_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default(),
            phase: Phase::Finished,
            user: "bench".to_string(),
            context: BTreeMap::new(),
            action: "restart".to_string(),
            kind: "kube.restart".to_string(),
            target: Some("mda-agent".to_string()),
            params: BTreeMap::new(),
            dry_run: false,
            result: Some("ok".to_string()),
            error: None,
            duration_ms: Some(300),
            message: None,
        };
        msgs.push(Msg::Audit {
            entries: vec![entry],
            at_ms,
        });
    }
    msgs
}

fn new_app() -> App {
    let set = Arc::new(SloSet::embedded());
    let source = SlosState::local(
        &set,
        Duration::from_secs(3 * 86_400),
        10_000,
        Duration::from_secs(5),
    );
    let config = AppConfig {
        target: "bench".to_string(),
        environment: "local".to_string(),
        environments: vec!["local".to_string()],
        stale_after_ms: 5_000,
        sources: vec![SourceId::AgentApi, SourceId::AgentStream, SourceId::AgentMetrics],
        incidents: mdops::app::IncidentSettings::default(),
        actions: mdops::app::ActionSettings::default(),
    };
    App::new(config, SlosState::new(set, source), T0)
}

fn entries(frames: &[Msg]) -> Vec<Entry> {
    frames
        .iter()
        .map(|msg| Entry {
            at_ms: msg.at_ms().unwrap_or(T0),
            event: Event::Msg(SourceMsg::from_msg(msg).expect("ticks are recorded")),
        })
        .collect()
}

fn bytes_per_minute(frames: &[Msg]) {
    let entries = entries(frames);
    let mut postcard = Vec::new();
    for entry in &entries {
        format::encode_frame(entry, &mut postcard).unwrap();
    }
    let json: usize = entries
        .iter()
        .map(|e| serde_json::to_vec(e).unwrap().len() + 8)
        .sum();
    let minutes = SECONDS as f64 / 60.0;
    let ticks = (SYMBOLS * FRAMES_PER_SECOND * SECONDS) as f64;
    println!(
        "size: postcard {:.2} MB/min ({:.1} B/tick), JSON {:.2} MB/min ({:.1} B/tick), ratio {:.2}",
        postcard.len() as f64 / minutes / 1e6,
        postcard.len() as f64 / ticks,
        json as f64 / minutes / 1e6,
        json as f64 / ticks,
        json as f64 / postcard.len() as f64
    );
}

/// Ticks per second `App::update` takes, with or without recording first.
fn ingest(frames: &[Msg], record: bool) -> (f64, u64) {
    let path = std::env::temp_dir().join(format!("mdops-bench-{}-{record}.mdrec", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut recorder = record.then(|| Recorder::create(&path, Start::of(&new_app())).unwrap());
    let mut app = new_app();
    let frames = frames.to_vec();
    let ticks = frames.len() * SYMBOLS;
    let started = Instant::now();
    for msg in frames {
        if let Some(recorder) = recorder.as_mut() {
            recorder.record(&msg);
        }
        black_box(app.update(msg));
    }
    let elapsed = started.elapsed();
    let dropped = recorder.map_or(0, |r| r.finish().dropped);
    let _ = std::fs::remove_file(&path);
    (ticks as f64 / elapsed.as_secs_f64(), dropped)
}

fn encode_rate(frames: &[Msg]) -> f64 {
    let entries = entries(frames);
    let mut out = Vec::with_capacity(64 << 20);
    let started = Instant::now();
    for entry in &entries {
        format::encode_frame(entry, &mut out).unwrap();
    }
    entries.len() as f64 / started.elapsed().as_secs_f64()
}

fn replay_rate(frames: &[Msg]) -> f64 {
    let mut bytes = format::header().to_vec();
    for entry in entries(frames) {
        format::encode_frame(&entry, &mut bytes).unwrap();
    }
    let mut app = new_app();
    let started = Instant::now();
    let mut reader = Reader::open(bytes.as_slice()).unwrap();
    let mut count = 0;
    while let Some(entry) = reader.next_entry().unwrap() {
        if let Event::Msg(msg) = entry.event {
            black_box(app.update(msg.into_msg()));
            count += 1;
        }
    }
    count as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    one_hour_replay();
    let frames = frames();
    bytes_per_minute(&frames);
    let runs = 5;
    let plain = median((0..runs).map(|_| ingest(&frames, false).0).collect());
    let mut dropped = 0;
    let recording = median(
        (0..runs)
            .map(|_| {
                let (rate, lost) = ingest(&frames, true);
                dropped += lost;
                rate
            })
            .collect(),
    );
    println!(
        "ingest: {:.2} M ticks/s without recording, {:.2} M ticks/s recording ({:.0}% of it); {dropped} messages dropped in {runs} runs of {} frames",
        plain / 1e6,
        recording / 1e6,
        100.0 * recording / plain,
        frames.len()
    );
    let live_frames = (SYMBOLS * FRAMES_PER_SECOND) as f64 / SYMBOLS as f64;
    let encode = median((0..runs).map(|_| encode_rate(&frames)).collect());
    println!(
        "writer: {:.0} frames/s encoded ({:.0}x the embedded agent's {live_frames} frames/s)",
        encode,
        encode / live_frames
    );
    let replay = median((0..runs).map(|_| replay_rate(&frames)).collect());
    println!(
        "replay: {:.0} messages/s read and applied ({:.2} M ticks/s), {:.0}x real time",
        replay,
        replay * SYMBOLS as f64 / 1e6,
        replay / live_frames
    );
}
