//! Tests of a replay session over an in-memory recording: timing at speed,
//! pause, step, seek both ways, bars answered from the recording, actions
//! refused, and a recording cut at any byte.

use std::io::Cursor;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use market_data_agent::api::{Bar, BarInterval};

use super::entry::{Entry, Event, SourceMsg, Start};
use super::format::Reader;
use super::replay::builder;
use super::session::{REFUSED, Session};
use super::tests::{encode, every_kind, quote};
use crate::app::{App, Msg, Screen};
use crate::config::Config;

const T0: i64 = 1_800_000_000_000;

type SharedBuild = Rc<dyn Fn(&Start, i64) -> App>;

fn session(bytes: Vec<u8>, speed: f64, now: Instant) -> anyhow::Result<Session<Cursor<Vec<u8>>>> {
    session_with(bytes, speed, now, &Rc::from(builder(&Config::default())?))
}

/// A session with a builder made once: building one loads the SLO
/// definitions and runbooks.
fn session_with(
    bytes: Vec<u8>,
    speed: f64,
    now: Instant,
    build: &SharedBuild,
) -> anyhow::Result<Session<Cursor<Vec<u8>>>> {
    let open = Box::new(move || Reader::open(Cursor::new(bytes.clone())));
    let build = Rc::clone(build);
    Session::new(
        open,
        Box::new(move |start, at_ms| build(start, at_ms)),
        speed,
        now,
    )
}

fn msg(at_ms: i64, msg: SourceMsg) -> Entry {
    Entry {
        at_ms,
        event: Event::Msg(msg),
    }
}

fn ticks(at_ms: i64, price: f64) -> Entry {
    msg(
        at_ms,
        SourceMsg::Ticks {
            quotes: vec![quote("AAPL", price)],
            at_ms,
        },
    )
}

/// Start at T0; AAPL listed at +0.1 s, priced 101 at +1 s, 102 at +1 min,
/// 103 at +2 min.
fn recording() -> Vec<u8> {
    let mut entries = vec![every_kind().remove(0)];
    entries[0].at_ms = T0;
    entries.push(msg(
        T0 + 100,
        SourceMsg::Symbols {
            symbols: vec!["AAPL".to_string()],
            at_ms: T0 + 100,
        },
    ));
    entries.push(ticks(T0 + 1_000, 101.0));
    entries.push(ticks(T0 + 60_000, 102.0));
    entries.push(ticks(T0 + 120_000, 103.0));
    encode(&entries)
}

fn price(s: &Session<Cursor<Vec<u8>>>) -> Option<f64> {
    s.app.prices.symbols.get("AAPL")?.quote.as_ref().map(|q| q.price)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::from(KeyCode::Char(c))
}

#[test]
fn messages_apply_at_their_recorded_time_scaled_by_speed() {
    let t0 = Instant::now();
    let mut s = session(recording(), 10.0, t0).unwrap();
    assert_eq!(s.start().target, "agent 127.0.0.1:1 (embedded)");
    assert!(s.app.prices.symbols.is_empty());
    s.tick(t0 + Duration::from_millis(50)).unwrap();
    assert!(s.app.prices.symbols.contains_key("AAPL"));
    assert_eq!(price(&s), None);
    s.tick(t0 + Duration::from_millis(150)).unwrap();
    assert_eq!(price(&s), Some(101.0));
    // The replay clock, not the wall clock, is the app's.
    assert_eq!(s.app.now_ms, T0 + 1_500);
    assert_eq!(
        s.next_due(t0 + Duration::from_millis(150)),
        Some(t0 + Duration::from_millis(200))
    );
    s.tick(t0 + Duration::from_secs(6)).unwrap();
    assert_eq!(price(&s), Some(102.0));
}

#[test]
fn pause_step_and_the_end_of_the_recording() {
    let t0 = Instant::now();
    let mut s = session(recording(), 1.0, t0).unwrap();
    s.key(key(' '), t0).unwrap();
    assert!(s.paused());
    s.tick(t0 + Duration::from_secs(3600)).unwrap();
    assert!(s.app.prices.symbols.is_empty(), "paused: nothing applies");
    assert_eq!(s.next_due(t0), None);
    s.key(key('.'), t0).unwrap();
    assert!(s.app.prices.symbols.contains_key("AAPL"));
    assert_eq!(price(&s), None);
    s.key(key('.'), t0).unwrap();
    assert_eq!(price(&s), Some(101.0));
    assert_eq!(s.at_ms(t0 + Duration::from_secs(10)), T0 + 1_000);
    s.key(key(' '), t0).unwrap();
    s.key(key('+'), t0).unwrap();
    assert_eq!(s.speed(), 2.0);
    s.tick(t0 + Duration::from_secs(100)).unwrap();
    assert_eq!(price(&s), Some(103.0));
    assert!(s.paused(), "the end pauses");
    assert_eq!(s.at_ms(t0 + Duration::from_secs(200)), T0 + 120_000);
    let notice = &s.app.notice.as_ref().unwrap().0;
    assert!(notice.contains("end of the recording"), "{notice}");
}

#[test]
fn seeking_back_rebuilds_the_state_and_keeps_the_screen() {
    let t0 = Instant::now();
    let mut s = session(recording(), 1.0, t0).unwrap();
    s.key(key(' '), t0).unwrap();
    s.key(key('}'), t0).unwrap();
    assert_eq!(price(&s), Some(103.0));
    s.app.update(Msg::Key(key('3')));
    let screen = s.app.screen;
    assert_ne!(screen, Screen::Prices);
    // At +2 min: back 1 min lands on the 102 tick.
    s.key(key('['), t0).unwrap();
    assert_eq!(price(&s), Some(102.0));
    assert_eq!(s.at_ms(t0), T0 + 60_000);
    assert_eq!(s.app.screen, screen);
    s.key(key('^'), t0).unwrap();
    assert!(s.app.prices.symbols.is_empty());
    assert_eq!(s.at_ms(t0), T0);
    s.key(key(']'), t0).unwrap();
    assert_eq!(price(&s), Some(102.0));
    s.key(key('{'), t0).unwrap();
    assert_eq!(s.at_ms(t0), T0, "never before the start");
}

#[test]
fn the_command_prompt_takes_replay_keys_as_text() {
    let t0 = Instant::now();
    let mut s = session(recording(), 1.0, t0).unwrap();
    s.key(key(':'), t0).unwrap();
    for c in ['s', '-', '.', ' '] {
        s.key(key(c), t0).unwrap();
    }
    assert_eq!(s.app.nav.command.as_ref().unwrap().input, "s-. ");
    assert!(!s.paused(), "Space went to the prompt");
    s.key(KeyEvent::from(KeyCode::Esc), t0).unwrap();
    s.key(key(' '), t0).unwrap();
    assert!(s.paused(), "the replay takes its keys again");
}

#[test]
fn bars_come_from_the_recording_and_actions_are_refused() {
    let t0 = Instant::now();
    let bar = Bar {
        start: T0,
        open: 1.0,
        high: 2.0,
        low: 0.5,
        close: 1.5,
        volume: 3.0,
        ticks: 4,
    };
    let mut entries = vec![every_kind().remove(0)];
    entries[0].at_ms = T0;
    entries.push(msg(
        T0 + 10,
        SourceMsg::Bars {
            symbol: "AAPL".to_string(),
            interval: BarInterval::OneSecond,
            result: Ok(vec![bar.clone()]),
        },
    ));
    entries.push(ticks(T0 + 20, 101.0));
    entries.push(ticks(T0 + 30, 101.5));
    let mut s = session(encode(&entries), 1.0, t0).unwrap();
    s.tick(t0 + Duration::from_millis(30)).unwrap();
    let detail = s.app.prices.detail.as_ref().unwrap();
    assert_eq!(detail.symbol, "AAPL");
    assert!(
        matches!(&detail.bars, crate::app::prices::BarsData::Ready { bars, .. } if bars == &[bar]),
        "{:?}",
        detail.bars
    );
    // Runbook actions run nothing: the palette's commands are answered
    // with a refusal (mutating ones never get that far: read-only).
    let refused = s.app.update(Msg::ActionDone {
        label: "ack".to_string(),
        result: Err(REFUSED.to_string()),
    });
    assert!(refused.is_empty());
    assert!(s.app.config.incidents.read_only);
    assert!(s.app.notice.as_ref().unwrap().0.contains("read-only"));
}

/// Cuts around every frame boundary and at random bytes (the seed is in
/// the failure message); the reader test covers every byte.
#[test]
fn a_recording_cut_anywhere_replays_to_its_end() {
    use rand::{Rng, SeedableRng};
    let entries = every_kind();
    let bytes = encode(&entries);
    let start_end = encode(&entries[..1]).len();
    let seed: u64 = rand::rng().random();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut cuts: Vec<usize> = (1..=entries.len())
        .flat_map(|n| {
            let end = encode(&entries[..n]).len();
            [end - 1, end, end + 1]
        })
        .chain((0..20).map(|_| rng.random_range(0..bytes.len())))
        .filter(|&cut| cut <= bytes.len())
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let t0 = Instant::now();
    let build = Rc::from(builder(&Config::default()).unwrap());
    for cut in cuts {
        let context = format!("cut at {cut} of {} (seed {seed})", bytes.len());
        let result = session_with(bytes[..cut].to_vec(), 1000.0, t0, &build);
        if cut < start_end {
            let error = format!("{:#}", result.err().unwrap());
            assert!(error.contains("nothing recorded"), "{context}: {error}");
            continue;
        }
        let mut s = result.unwrap_or_else(|e| panic!("{context}: {e:#}"));
        s.seek(i64::MAX, t0)
            .unwrap_or_else(|e| panic!("{context}: {e:#}"));
        s.key(key('^'), t0).unwrap();
        s.tick(t0 + Duration::from_secs(3600)).unwrap();
        assert!(s.paused(), "{context}: the end is reached");
    }
}

#[test]
fn the_mouse_acts_on_the_replayed_app() {
    use crate::app::mouse::{MouseAction, MouseMsg};
    let t0 = Instant::now();
    let mut s = session(recording(), 1.0, t0).unwrap();
    let click = |hit| MouseMsg {
        hit,
        action: MouseAction::Click,
    };
    s.mouse(click(mdops_views::Hit::Tab(2)));
    assert_eq!(s.app.screen, Screen::Slos);
    s.mouse(click(mdops_views::Hit::Row {
        list: mdops_views::List::Slos,
        index: 2,
    }));
    assert_eq!(s.app.slos.selected, 2);
}

/// An agent incident opening at +1 min and resolving at +2 min, and an
/// audit entry of +1 s read at +90 s: the timeline as the replay shows it.
fn incident_recording() -> Vec<u8> {
    use market_data_agent::api::{Incident, IncidentStatus, Severity};
    let incident = |resolved: bool| Incident {
        id: "inc-1".to_string(),
        title: "Price anomaly on AAPL".to_string(),
        severity: Severity::Sev2,
        status: if resolved {
            IncidentStatus::Resolved
        } else {
            IncidentStatus::Triggered
        },
        labels: Default::default(),
        dedup_key: "price_anomaly:symbol:AAPL".to_string(),
        started_at: T0 + 60_000,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: resolved.then_some(T0 + 120_000),
        resolved_by: resolved.then(|| "auto".to_string()),
        timeline: Vec::new(),
    };
    let incidents = |at_ms: i64, resolved: bool| {
        msg(
            at_ms,
            SourceMsg::AgentIncidents {
                incidents: vec![incident(resolved)],
                at_ms,
            },
        )
    };
    let audit = every_kind()
        .into_iter()
        .find_map(|e| match e.event {
            Event::Msg(m @ SourceMsg::Audit { .. }) => Some(m),
            _ => None,
        })
        .expect("every kind has an audit message");
    let mut entries = vec![every_kind().remove(0)];
    entries[0].at_ms = T0;
    entries.push(incidents(T0 + 60_500, false));
    entries.push(incidents(T0 + 62_500, false));
    entries.push(msg(T0 + 90_000, audit));
    entries.push(incidents(T0 + 120_500, true));
    encode(&entries)
}

fn timeline_titles(s: &Session<Cursor<Vec<u8>>>) -> Vec<String> {
    s.app
        .timeline
        .log
        .events()
        .iter()
        .map(|e| e.title.clone())
        .collect()
}

#[test]
fn the_timeline_is_rebuilt_from_the_recording_when_seeking_back() {
    let t0 = Instant::now();
    let mut s = session(incident_recording(), 1.0, t0).unwrap();
    s.key(key(' '), t0).unwrap();
    s.key(key('}'), t0).unwrap();
    let end = timeline_titles(&s);
    assert_eq!(
        end,
        [
            "restart mda-agent by ann: ok",
            "SEV2 Price anomaly on AAPL opened",
            "SEV2 Price anomaly on AAPL resolved by auto",
        ]
    );
    // The viewer's filter survives the rebuild.
    s.app.update(Msg::Key(key('7')));
    s.app.update(Msg::Key(key('u')));
    s.key(key('^'), t0).unwrap();
    assert!(s.app.timeline.log.is_empty(), "{:?}", timeline_titles(&s));
    assert!(
        !s.app
            .timeline
            .filter
            .shows_kind(crate::domain::timeline::Kind::Action)
    );
    // At +1 min 30 s the action (in its own time) and the incident open.
    s.seek(T0 + 90_000, t0).unwrap();
    assert_eq!(timeline_titles(&s), end[..2]);
    s.seek(T0 + 200_000, t0).unwrap();
    assert_eq!(timeline_titles(&s), end, "replayed again, nothing doubled");
}
