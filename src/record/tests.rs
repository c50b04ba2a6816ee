//! Tests of the file format: round trip of every event kind, cuts at every
//! byte, corruption, wrong header, and the encoding pinned byte for byte.

use std::collections::BTreeMap;
use std::time::Duration;

use market_data_agent::api::{
    Bar, BarInterval, Health, HealthStatus, Incident, IncidentStatus, Quote, Severity, SourceHealth,
    TimelineEntry,
};

use super::entry::{Entry, Event, SloOrigin, SourceMsg, Start};
use super::format::{self, OpenError, Problem, Reader};
use crate::app::{Link, SourceId};
use crate::domain::sli::{SloFigures, WindowFigure};
use crate::metrics_text;
use crate::sources::alertmanager::{
    Alert, AlertGroup, AlertState, AlertStatus, Matcher, Silence, SilenceState,
};

const T0: i64 = 1_800_000_000_000;

pub(super) fn quote(symbol: &str, price: f64) -> Quote {
    Quote {
        symbol: symbol.to_string(),
        price,
        bid: price - 0.01,
        ask: price + 0.01,
        size: 10.0,
        volume: 1_234.0,
        open: 100.0,
        ts: T0,
        source: "sim".to_string(),
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One entry of every event kind and every source message kind.
pub(super) fn every_kind() -> Vec<Entry> {
    let figure = WindowFigure::from_counts(Duration::from_secs(300), 1.0, 100.0, Duration::from_secs(60));
    let messages = vec![
        SourceMsg::Link {
            source: SourceId::AgentStream,
            link: Link::Reconnecting {
                attempt: 3,
                last_error: "Connection refused".to_string(),
            },
            at_ms: T0,
        },
        SourceMsg::Link {
            source: SourceId::Prometheus,
            link: Link::Connected,
            at_ms: T0,
        },
        SourceMsg::Symbols {
            symbols: vec!["AAPL".to_string(), "MSFT".to_string()],
            at_ms: T0,
        },
        SourceMsg::Ticks {
            quotes: vec![quote("AAPL", 101.25), quote("MSFT", 402.5)],
            at_ms: T0 + 50,
        },
        SourceMsg::Snapshot {
            quotes: vec![quote("AAPL", 101.0)],
            at_ms: T0 + 10,
        },
        SourceMsg::Heartbeat {
            source: SourceId::AgentStream,
            at_ms: T0 + 1_000,
        },
        SourceMsg::Health {
            health: Health {
                status: HealthStatus::Degraded,
                version: "0.1.0".to_string(),
                uptime_s: 12.5,
                // One plain source and one configured source with the
                // optional fields the wire leaves out when absent.
                sources: serde_json::from_value::<Vec<SourceHealth>>(serde_json::json!([
                    {"name": "sim", "state": "stale", "last_tick_age_ms": 3000},
                    {"name": "binance", "state": "up", "last_tick_age_ms": 12, "kind": "binance",
                     "breaker": "closed", "breaker_forced": false, "health_score": 1.0}
                ]))
                .unwrap(),
            },
            at_ms: T0 + 1_000,
        },
        SourceMsg::Bars {
            symbol: "AAPL".to_string(),
            interval: BarInterval::OneMinute,
            result: Ok(vec![Bar {
                start: T0,
                open: 1.0,
                high: 2.0,
                low: 0.5,
                close: 1.5,
                volume: 10.0,
                ticks: 7,
            }]),
        },
        SourceMsg::Bars {
            symbol: "MSFT".to_string(),
            interval: BarInterval::OneSecond,
            result: Err("HTTP 404".to_string()),
        },
        SourceMsg::Scrape {
            exposition: metrics_text::parse(
                "# HELP mda_ticks_total Ticks.\n# TYPE mda_ticks_total counter\n\
                 mda_ticks_total{symbol=\"A\\\"B\"} 42 1800000000000\n\
                 # TYPE mda_latency_seconds histogram\n\
                 mda_latency_seconds_bucket{le=\"0.1\"} 3\nmda_latency_seconds_bucket{le=\"+Inf\"} 4\n\
                 mda_latency_seconds_sum 0.3\nmda_latency_seconds_count 4\nthis is not a sample\n",
            ),
            at_ms: T0 + 5_000,
        },
        SourceMsg::SloFigures {
            figures: vec![SloFigures {
                windows: vec![
                    figure.clone(),
                    WindowFigure::failed(Duration::from_secs(3600), "timeout".into()),
                ],
                period: figure,
                history: vec![(T0 as f64, 0.5)],
            }],
            at_ms: T0 + 15_000,
        },
        SourceMsg::AgentIncidents {
            incidents: vec![Incident {
                id: "inc-1".to_string(),
                title: "feed stale: AAPL".to_string(),
                severity: Severity::Sev2,
                status: IncidentStatus::Acknowledged,
                labels: labels(&[("kind", "feed_stale"), ("symbol", "AAPL")]),
                dedup_key: "feed_stale:symbol:AAPL".to_string(),
                started_at: T0,
                acknowledged_at: Some(T0 + 1),
                acknowledged_by: Some("ann".to_string()),
                resolved_at: None,
                resolved_by: None,
                timeline: vec![TimelineEntry {
                    at: T0,
                    kind: TimelineEntry::DETECTED.to_string(),
                    text: "no tick for 5s".to_string(),
                    author: None,
                }],
            }],
            at_ms: T0 + 2_000,
        },
        SourceMsg::Alerts {
            groups: vec![AlertGroup {
                labels: labels(&[("alertname", "FeedStale")]),
                receiver: "oncall".to_string(),
                alerts: vec![Alert {
                    fingerprint: "abc".to_string(),
                    labels: labels(&[("alertname", "FeedStale"), ("severity", "page")]),
                    annotations: labels(&[("summary", "stale")]),
                    starts_at: T0,
                    ends_at: T0 + 300_000,
                    updated_at: T0 + 1,
                    generator_url: Some("http://prometheus/graph".to_string()),
                    receivers: vec!["oncall".to_string()],
                    status: AlertStatus {
                        state: AlertState::Suppressed,
                        silenced_by: vec!["s1".to_string()],
                        inhibited_by: Vec::new(),
                    },
                }],
            }],
            silences: vec![Silence {
                id: "s1".to_string(),
                matchers: vec![Matcher::equal("alertname", "FeedStale")],
                starts_at: T0,
                ends_at: T0 + 3_600_000,
                updated_at: T0,
                created_by: "ann".to_string(),
                comment: "ACK! looking".to_string(),
                status: SilenceState::Active,
            }],
            at_ms: T0 + 2_000,
        },
        SourceMsg::Cluster {
            snapshot: Box::new(crate::domain::cluster::ClusterSnapshot {
                deployments: vec![crate::domain::cluster::DeploymentInfo {
                    name: "mda".to_string(),
                    desired: 3,
                    ready: 2,
                    updated: 3,
                    available: 2,
                    rollout: crate::domain::cluster::Rollout::Progressing {
                        reason: "2 of 3 updated replicas are available".to_string(),
                    },
                    created_at_ms: Some(T0 - 86_400_000),
                    generation: 4,
                    observed_generation: 4,
                }],
                pods: vec![crate::domain::cluster::PodInfo {
                    name: "mda-1".to_string(),
                    phase: "Running".to_string(),
                    ready_containers: 1,
                    containers: 1,
                    restarts: 0,
                    node: None,
                    reason: None,
                    created_at_ms: None,
                    healthy: true,
                    terminating: false,
                    owner: Some("mda".to_string()),
                    restarted_at_ms: None,
                    resources: crate::domain::cluster::PodResources {
                        cpu_request_millis: Some(50),
                        cpu_limit_millis: Some(500),
                        memory_request_bytes: None,
                        memory_limit_bytes: Some(268_435_456),
                    },
                }],
                events: Vec::new(),
            }),
            at_ms: T0 + 3_000,
        },
        SourceMsg::KubeBackups {
            backups: Box::new(crate::domain::kube_backups::KubeBackups {
                namespace: "trading".to_string(),
                cronjobs: Ok(vec![crate::domain::kube_backups::CronJobBackup {
                    name: "backup-offsite".to_string(),
                    schedule: "*/15 * * * *".to_string(),
                    suspended: false,
                    last_success_ms: Some(T0 - 60_000),
                    last_schedule_ms: Some(T0 - 60_000),
                    active: 0,
                }]),
                velero: Err("Velero: forbidden (403 Forbidden)".to_string()),
            }),
            at_ms: T0 + 4_000,
        },
        SourceMsg::EnvironmentSummary {
            environment: "prod-eu".to_string(),
            summary: Box::new(crate::domain::env_summary::EnvSummary {
                health: Ok(crate::domain::env_summary::HealthSummary {
                    status: market_data_agent::api::HealthStatus::Degraded,
                    data_age_ms: Some(1_200),
                }),
                dr: Err("HTTP 503: no backup directory".to_string()),
                incidents: Ok([0, 1, 0, 2]),
                movers: Ok(vec![crate::domain::env_summary::Mover {
                    symbol: "AAPL".to_string(),
                    price: 131.5,
                    change_pct: 30.0,
                }]),
                slos: None,
            }),
            at_ms: T0 + 4_000,
        },
        SourceMsg::EnvironmentSwitched {
            start: Box::new(crate::app::environments::EnvStart {
                name: "prod-eu".to_string(),
                target: "prod-eu: agent http://127.0.0.1:3/".to_string(),
                sources: vec![SourceId::AgentApi, SourceId::Prometheus],
                alertmanager: None,
                kube: Some(("eu".to_string(), "mda".to_string())),
                kube_error: None,
                agent_url: "http://127.0.0.1:3/".to_string(),
                slo: crate::app::environments::SloStart::Prometheus {
                    url: "http://127.0.0.1:4/".to_string(),
                },
            }),
            at_ms: T0 + 5_000,
        },
        SourceMsg::Capacity {
            outlooks: capacity_outlooks(),
            origin: crate::domain::capacity_plan::Origin::Prometheus {
                url: "http://127.0.0.1:9090/".to_string(),
                lookback_ms: 14 * 86_400_000,
            },
            at_ms: T0 + 4_000,
        },
        SourceMsg::Audit {
            entries: vec![crate::actions::audit::AuditEntry {
                time: "2027-01-15T08:00:01.000Z".to_string(),
                phase: crate::actions::audit::Phase::Finished,
                user: "ann".to_string(),
                context: labels(&[("namespace", "mda")]),
                action: "restart".to_string(),
                kind: "kube.restart".to_string(),
                target: Some("mda-agent".to_string()),
                params: BTreeMap::new(),
                dry_run: false,
                result: Some("ok".to_string()),
                error: None,
                duration_ms: Some(412),
                message: None,
            }],
            at_ms: T0 + 4_000,
        },
    ];
    let mut entries = vec![Entry {
        at_ms: T0,
        event: Event::Start(Start {
            target: "agent 127.0.0.1:1 (embedded)".to_string(),
            agent_url: "http://127.0.0.1:1/".to_string(),
            alertmanager: Some("http://127.0.0.1:2/".to_string()),
            sources: vec![SourceId::AgentApi, SourceId::AgentStream, SourceId::AgentMetrics],
            slo: SloOrigin::Local { every_ms: 5_000 },
            mdops_version: "0.1.0".to_string(),
        }),
    }];
    entries.extend(messages.into_iter().enumerate().map(|(i, msg)| Entry {
        at_ms: T0 + 100 * i as i64,
        event: Event::Msg(msg),
    }));
    entries.push(Entry {
        at_ms: T0 + 9_000,
        event: Event::Gap { dropped: 17 },
    });
    entries
}

/// A forecast of a short rising series, and a resource without history.
fn capacity_outlooks() -> Vec<crate::domain::capacity_plan::Outlook> {
    use crate::domain::capacity_plan::outlook;
    use crate::domain::forecast::{Kind, Sample, Settings};
    let samples: Vec<Sample> = (0..30)
        .map(|i| Sample {
            ts_ms: T0 + i * 60_000,
            value: 100.0 + i as f64 + (i % 2) as f64,
        })
        .collect();
    let settings = Settings {
        horizon_ms: 3_600_000,
        ..Settings::default()
    };
    let pod = crate::domain::capacity_plan::Outlook {
        pod: Some("agent-7d9f8c5b4-x2x9z".to_string()),
        ..outlook("memory", &samples[..12], Kind::Gauge, &settings)
    };
    vec![
        outlook("memory", &samples, Kind::Gauge, &settings),
        outlook("ws clients", &samples[..3], Kind::Gauge, &settings),
        pod,
    ]
}

pub(super) fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut bytes = format::header().to_vec();
    for entry in entries {
        format::encode_frame(entry, &mut bytes).unwrap();
    }
    bytes
}

/// Every entry that reads, and the problems met.
pub(super) fn read_all(bytes: &[u8]) -> Result<(Vec<Entry>, Vec<Problem>), OpenError> {
    let mut reader = Reader::open(bytes)?;
    let mut entries = Vec::new();
    while let Some(entry) = reader.next_entry()? {
        entries.push(entry);
    }
    Ok((entries, reader.problems().to_vec()))
}

/// Byte offsets at which each frame ends.
fn frame_ends(entries: &[Entry]) -> Vec<usize> {
    let mut bytes = format::header().to_vec();
    entries
        .iter()
        .map(|entry| {
            format::encode_frame(entry, &mut bytes).unwrap();
            bytes.len()
        })
        .collect()
}

#[test]
fn every_kind_round_trips() {
    let entries = every_kind();
    let (read, problems) = read_all(&encode(&entries)).unwrap();
    assert_eq!(read, entries);
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn source_messages_convert_to_msg_and_back() {
    for entry in every_kind() {
        if let Event::Msg(msg) = entry.event {
            assert_eq!(SourceMsg::from_msg(&msg.clone().into_msg()), Some(msg));
        }
    }
}

#[test]
fn keys_clock_and_action_outcomes_are_not_recorded() {
    let not_recorded = [
        crate::app::Msg::Clock { now_ms: T0 },
        crate::app::Msg::ActionDone {
            label: "ack".to_string(),
            result: Ok("done".to_string()),
        },
        crate::app::Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(
            'q',
        ))),
    ];
    for msg in not_recorded {
        assert_eq!(SourceMsg::from_msg(&msg), None, "{msg:?}");
    }
}

#[test]
fn a_cut_at_every_byte_reads_the_whole_frames_before_it() {
    let entries = every_kind();
    let bytes = encode(&entries);
    let ends = frame_ends(&entries);
    for cut in 0..=bytes.len() {
        let (read, problems) = read_all(&bytes[..cut]).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let whole = ends.iter().filter(|&&end| end <= cut).count();
        assert_eq!(read, entries[..whole], "cut at {cut}");
        let clean = cut == bytes.len() || ends.contains(&cut) || cut == format::HEADER_LEN;
        if clean {
            assert!(problems.is_empty(), "cut at {cut}: {problems:?}");
        } else {
            assert!(
                matches!(problems.as_slice(), [Problem::Truncated { .. }]),
                "cut at {cut}: {problems:?}"
            );
        }
    }
}

#[test]
fn a_frame_with_a_bad_checksum_is_skipped_and_reported() {
    let entries = every_kind();
    let mut bytes = encode(&entries);
    let ends = frame_ends(&entries);
    // Flip a payload byte of the fourth frame.
    let fourth_start = ends[2];
    bytes[fourth_start + format::FRAME_HEADER_LEN + 1] ^= 0xff;
    let (read, problems) = read_all(&bytes).unwrap();
    let mut expected = entries.clone();
    expected.remove(3);
    assert_eq!(read, expected);
    assert_eq!(
        problems,
        vec![Problem::Corrupt {
            offset: fourth_start as u64,
            why: "checksum mismatch".to_string()
        }]
    );
    assert!(problems[0].to_string().contains("skipped"));
}

#[test]
fn a_frame_with_a_sound_checksum_but_no_entry_is_skipped() {
    let mut bytes = format::header().to_vec();
    let junk = [0xffu8; 5];
    bytes.extend_from_slice(&(junk.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&junk).to_le_bytes());
    bytes.extend_from_slice(&junk);
    let entries = every_kind();
    format::encode_frame(&entries[0], &mut bytes).unwrap();
    let (read, problems) = read_all(&bytes).unwrap();
    assert_eq!(read, entries[..1]);
    assert!(
        matches!(&problems[..], [Problem::Corrupt { offset: 10, why }] if why.contains("undecodable")),
        "{problems:?}"
    );
}

#[test]
fn an_impossible_length_stops_reading_with_a_clear_problem() {
    let entries = every_kind();
    let mut bytes = encode(&entries);
    let ends = frame_ends(&entries);
    bytes[ends[1]..ends[1] + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let (read, problems) = read_all(&bytes).unwrap();
    assert_eq!(read, entries[..2]);
    assert_eq!(
        problems,
        vec![Problem::BadLength {
            offset: ends[1] as u64,
            len: u32::MAX
        }]
    );
    assert!(problems[0].to_string().contains("cannot be read"));
}

#[test]
fn wrong_magic_and_version_are_errors() {
    let not_ours = read_all(b"{\"json\": true}").unwrap_err();
    assert!(matches!(not_ours, OpenError::NotARecording), "{not_ours}");
    assert!(not_ours.to_string().contains("not an mdops recording"));

    let mut future = format::header().to_vec();
    future[8..].copy_from_slice(&(format::VERSION + 1).to_le_bytes());
    let error = read_all(&future).unwrap_err();
    assert!(matches!(error, OpenError::Version { found } if found == format::VERSION + 1));
    assert!(
        error.to_string().contains("this mdops reads version 2"),
        "{error}"
    );
}

/// postcard is not self-describing: a change to any recorded type changes
/// these bytes, and then `format::VERSION` must go up with it. Variants
/// appended to `SourceMsg` (the environment summary and switch) change
/// only the checksum of `every_kind`: older recordings still read.
#[test]
fn the_encoding_is_pinned() {
    let entry = Entry {
        at_ms: T0,
        event: Event::Msg(SourceMsg::Ticks {
            quotes: vec![quote("AAPL", 101.25)],
            at_ms: T0,
        }),
    };
    let mut frame = Vec::new();
    format::encode_frame(&entry, &mut frame).unwrap();
    let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, PINNED_TICKS_FRAME);
    // Every other recorded type, by the checksum of its encoding.
    assert_eq!(
        crc32fast::hash(&encode(&every_kind())),
        PINNED_EVERY_KIND_CRC,
        "a recorded type changed its encoding: raise format::VERSION and re-pin"
    );
}

const PINNED_EVERY_KIND_CRC: u32 = 989_763_279;

const PINNED_TICKS_FRAME: &str = "4e00000010d7185a80c0e285e368010201044141504c00000000005059408fc2f5285c4f5940713d0ad7a350594000000000000024400000000000489340000000000000594080c0e285e3680373696d80c0e285e368";
