//! Disaster recovery on the real agent: backups through the action route,
//! restore on start (skipping corrupt and truncated backups), drills,
//! retention, `/api/v1/dr` figures and metrics, the standby, and a real
//! SIGKILL of the binary in the middle of a snapshot.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use market_data_agent::api::{
    ActionResponse, BarInterval, BarsResponse, DrBackupRun, DrDrill, DrStatus, ErrorBody, IncidentsResponse,
    Quote, ReplicationState,
};
use market_data_agent::{AdminToken, AgentConfig, AgentHandle, spawn};
use sha2::{Digest as _, Sha256};

const TOKEN: &str = "dr-test-token-0123456789";
const BIN: &str = env!("CARGO_BIN_EXE_market-data-agent");

/// A scratch directory for one test, emptied first and removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mda-dr-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn backups(&self) -> PathBuf {
        self.0.join("backups")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// No simulator, backups into `dir`, no schedule (backups by action only),
/// the admin token set.
fn dr_config(dir: &Path) -> AgentConfig {
    let mut config = quiet_config();
    config.dr.dir = dir.display().to_string();
    config.dr.enabled = false;
    config.admin_token = Some(AdminToken::new(TOKEN).unwrap());
    config
}

async fn post_action(addr: SocketAddr, name: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(url(addr, &format!("/api/v1/actions/{name}")))
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn action(addr: SocketAddr, name: &str, body: &str) -> ActionResponse {
    let (status, text) = post_action(addr, name, Some(TOKEN), body).await;
    assert_eq!(status, 200, "{name}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn backup_now(addr: SocketAddr) -> DrBackupRun {
    let response = action(addr, "backup_now", "").await;
    assert!(response.ok, "{}", response.message);
    serde_json::from_value(response.details).unwrap()
}

async fn dr(addr: SocketAddr) -> DrStatus {
    let (status, dr) = get_json::<DrStatus>(addr, "/api/v1/dr").await;
    assert_eq!(status, 200);
    dr
}

async fn quote(addr: SocketAddr, symbol: &str) -> Quote {
    let (status, quote) = get_json::<Quote>(addr, &format!("/api/v1/quotes/{symbol}")).await;
    assert_eq!(status, 200);
    quote
}

/// Feeds one tick per symbol at `price` and waits until the book has them.
async fn feed_prices(agent: &AgentHandle, symbols: &[&str], price: f64) {
    let feed = agent.feed("test");
    feed.send(symbols.iter().map(|s| tick(s, price)).collect())
        .await
        .unwrap();
    for symbol in symbols {
        for _ in 0..100 {
            if get_json::<serde_json::Value>(agent.addr(), &format!("/api/v1/quotes/{symbol}"))
                .await
                .1["price"]
                == price
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Backups need distinct millisecond ids; the clock must move.
async fn next_ms() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[tokio::test]
async fn snapshot_and_restore_round_trip_quotes_bars_and_open_incidents() {
    let scratch = Scratch::new("roundtrip");
    let mut config = dr_config(&scratch.backups());
    config.incidents.interval_ms = 50;
    let agent = spawn(config.clone()).await.unwrap();
    let addr = agent.addr();
    feed_prices(&agent, &["AAPL", "MSFT"], 101.25).await;
    // The test feed is gone now: its source is down, which opens an incident.
    let incidents = loop {
        let (_, list) = get_json::<IncidentsResponse>(addr, "/api/v1/incidents?status=triggered").await;
        if !list.incidents.is_empty() {
            break list.incidents;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let before_quote = quote(addr, "AAPL").await;
    let (_, before_bars) = get_json::<BarsResponse>(addr, "/api/v1/bars/AAPL?interval=1s&limit=600").await;

    let run = backup_now(addr).await;
    let backup = run.backup.expect("the backup written");
    assert!(backup.verified && backup.problem.is_none(), "{backup:?}");
    assert_eq!(backup.checksum.len(), 64);
    let files = [
        "bars.json",
        "incidents.json",
        "manifest.json",
        "manifest.sha256",
        "quotes.json",
    ];
    let mut on_disk: Vec<String> = std::fs::read_dir(scratch.backups().join(&backup.id))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, files);
    verify_independently(&scratch.backups().join(&backup.id));
    agent.shutdown().await.unwrap();

    config.dr.restore_on_start = true;
    let restored = spawn(config).await.unwrap();
    let addr = restored.addr();
    assert_eq!(quote(addr, "AAPL").await, before_quote);
    let (_, bars) = get_json::<BarsResponse>(addr, "/api/v1/bars/AAPL?interval=1s&limit=600").await;
    assert_eq!(bars.bars, before_bars.bars);
    assert_eq!(bars.interval, BarInterval::OneSecond);
    let (_, list) = get_json::<IncidentsResponse>(addr, "/api/v1/incidents").await;
    let back = list
        .incidents
        .iter()
        .find(|i| i.dedup_key == incidents[0].dedup_key)
        .expect("the open incident came back");
    assert!(back.status.is_open());
    let last = back.timeline.last().unwrap();
    assert_eq!(last.kind, "restored");
    assert!(
        last.text.contains(&backup.id) && last.text.contains(&incidents[0].id),
        "{last:?}"
    );

    let drill = action(addr, "restore_drill", "").await;
    let drill: DrDrill = serde_json::from_value(drill.details).unwrap();
    assert!(
        drill
            .checks
            .iter()
            .any(|c| c == "written with the configuration in force now"),
        "the restored start prices do not change the fingerprint: {drill:?}"
    );
    let status = dr(addr).await;
    let at_start = status.restored_at_start.expect("restore recorded");
    assert_eq!(at_start.backup_id.as_deref(), Some(backup.id.as_str()));
    assert_eq!((at_start.quotes, at_start.skipped.len()), (2, 0));
    assert!(at_start.incidents >= 1);
    restored.shutdown().await.unwrap();
}

/// Checks a backup with nothing but the documented layout: the manifest's
/// SHA-256 in `manifest.sha256`, each file's size and SHA-256 in the manifest.
fn verify_independently(dir: &Path) {
    let hex = |bytes: &[u8]| {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let manifest = std::fs::read(dir.join("manifest.json")).unwrap();
    let sum = std::fs::read_to_string(dir.join("manifest.sha256")).unwrap();
    assert_eq!(sum.trim(), hex(&manifest), "{}", dir.display());
    let manifest = self::manifest(dir);
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for file in files {
        let bytes = std::fs::read(dir.join(file["name"].as_str().unwrap())).unwrap();
        assert_eq!(bytes.len() as u64, file["bytes"].as_u64().unwrap());
        assert_eq!(hex(&bytes), file["sha256"].as_str().unwrap());
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("each file parses");
    }
}

#[tokio::test]
async fn corrupt_and_truncated_backups_are_detected_and_skipped() {
    let scratch = Scratch::new("corrupt");
    let config = dr_config(&scratch.backups());
    let agent = spawn(config.clone()).await.unwrap();
    let addr = agent.addr();
    let mut ids = Vec::new();
    for price in [100.0, 200.0, 300.0] {
        feed_prices(&agent, &["AAPL"], price).await;
        next_ms().await;
        ids.push(backup_now(addr).await.backup.unwrap().id);
    }
    let (good, truncated, corrupt) = (&ids[0], &ids[1], &ids[2]);
    // A flipped byte keeps the size: only the checksum can tell.
    let flip = scratch.backups().join(corrupt).join("quotes.json");
    let mut bytes = std::fs::read(&flip).unwrap();
    let at = bytes.iter().position(|&b| b == b'3').unwrap();
    bytes[at] = b'4';
    std::fs::write(&flip, bytes).unwrap();
    let cut = scratch.backups().join(truncated).join("bars.json");
    let len = std::fs::metadata(&cut).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&cut)
        .unwrap()
        .set_len(len / 2)
        .unwrap();

    // A drill of the corrupt one fails and says why; the listing learns it.
    let body = format!(r#"{{"params":{{"backup":"{corrupt}"}},"author":"ann"}}"#);
    let response = action(addr, "restore_drill", &body).await;
    assert!(!response.ok);
    let drill: DrDrill = serde_json::from_value(response.details).unwrap();
    assert!(
        drill
            .error
            .as_deref()
            .unwrap()
            .contains("quotes.json does not match its SHA-256"),
        "{drill:?}"
    );
    agent.shutdown().await.unwrap();

    let mut config = config;
    config.dr.restore_on_start = true;
    let restored = spawn(config).await.unwrap();
    let addr = restored.addr();
    assert_eq!(
        quote(addr, "AAPL").await.price,
        100.0,
        "restored from the good one"
    );
    let status = dr(addr).await;
    let at_start = status.restored_at_start.clone().unwrap();
    assert_eq!(at_start.backup_id.as_ref(), Some(good));
    let skipped: Vec<(&str, &str)> = at_start
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, corrupt);
    assert!(skipped[0].1.contains("does not match its SHA-256"), "{skipped:?}");
    assert_eq!(skipped[1].0, truncated);
    assert!(skipped[1].1.contains("truncated"), "{skipped:?}");
    let problems: Vec<(&str, bool)> = status
        .backups
        .iter()
        .map(|b| (b.id.as_str(), b.problem.is_some()))
        .collect();
    assert_eq!(
        problems,
        [
            (corrupt.as_str(), true),
            (truncated.as_str(), true),
            (good.as_str(), false)
        ]
    );
    let newest_good = status.backups.iter().find(|b| b.problem.is_none()).unwrap();
    let rpo = status.rpo.current_ms.unwrap();
    assert_eq!(
        rpo,
        (status.now - newest_good.created_at) as u64,
        "RPO counts good backups only"
    );
    restored.shutdown().await.unwrap();
}

#[tokio::test]
async fn retention_keeps_the_newest_good_backups_and_young_corrupt_ones() {
    let scratch = Scratch::new("retention");
    let mut config = dr_config(&scratch.backups());
    config.dr.keep = 2;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    feed_prices(&agent, &["AAPL"], 10.0).await;
    let first = backup_now(addr).await.backup.unwrap().id;
    // Truncate the first: corrupt backups do not count towards `keep`.
    let cut = scratch.backups().join(&first).join("quotes.json");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&cut)
        .unwrap()
        .set_len(3)
        .unwrap();
    let mut good = Vec::new();
    for _ in 0..3 {
        next_ms().await;
        good.push(backup_now(addr).await.backup.unwrap().id);
    }
    let mut left: Vec<String> = std::fs::read_dir(scratch.backups())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected = vec![first.clone(), good[1].clone(), good[2].clone()];
    expected.sort();
    assert_eq!(
        left, expected,
        "the oldest good one went, the young corrupt one stays"
    );
    let status = dr(addr).await;
    assert_eq!(status.backups.len(), 3);
    assert!(
        status
            .backups
            .iter()
            .any(|b| b.id == first && b.problem.is_some())
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn dr_figures_and_metrics_follow_backups_and_drills() {
    let scratch = Scratch::new("figures");
    let agent = spawn(dr_config(&scratch.backups())).await.unwrap();
    let addr = agent.addr();

    let empty = dr(addr).await;
    assert!(empty.backups.is_empty());
    assert_eq!((empty.rpo.current_ms, empty.rpo.met), (None, false));
    assert_eq!((empty.rpo.target_ms, empty.rto.target_ms), (900_000, 1_800_000));
    assert_eq!((empty.rto.current_ms, empty.rto.met), (None, false));
    assert_eq!(empty.replication.state, ReplicationState::NotConfigured);
    assert_eq!(empty.backup_dir, Some(scratch.backups().display().to_string()));
    assert_eq!(empty.backup_dir_error, None);
    let response = action(addr, "restore_drill", "{}").await;
    assert!(
        !response.ok && response.message.contains("no good backup"),
        "{response:?}"
    );

    feed_prices(&agent, &["AAPL", "MSFT", "NVDA"], 50.0).await;
    let run = backup_now(addr).await;
    assert_eq!(run.trigger, "action");
    let drill = action(
        addr,
        "restore_drill",
        r#"{"author":"ann","comment":"weekly drill"}"#,
    )
    .await;
    assert!(drill.ok, "{drill:?}");
    assert!(drill.message.starts_with("drill of backup-"), "{}", drill.message);
    let drill: DrDrill = serde_json::from_value(drill.details).unwrap();
    assert!(
        drill.checks.iter().any(|c| c.contains("scratch book")),
        "{drill:?}"
    );
    assert!(drill.checks.iter().any(|c| c.contains("3 quotes")), "{drill:?}");

    let status = dr(addr).await;
    let backup = &status.backups[0];
    assert_eq!(status.backups.len(), 1);
    assert!(backup.verified && backup.verified_at.is_some());
    assert_eq!(status.storage_bytes, backup.size_bytes);
    let rpo = status.rpo.current_ms.unwrap();
    assert!(rpo < 60_000 && status.rpo.met, "{:?}", status.rpo);
    assert_eq!(status.rto.current_ms, Some(drill.duration_ms));
    assert!(status.rto.met);
    assert_eq!(status.last_drill.as_ref(), Some(&drill));
    assert_eq!(status.last_backup.as_ref(), Some(&run));

    let last_success = metric(addr, "mda_backup_last_success_timestamp_seconds").await;
    assert_eq!(last_success, backup.created_at as f64 / 1000.0);
    assert_eq!(metric(addr, "mda_backup_duration_seconds_count").await, 1.0);
    assert_eq!(metric(addr, "mda_backup_failures_total").await, 0.0);
    assert_eq!(metric(addr, "mda_backups").await, 1.0);
    assert_eq!(
        metric(addr, "mda_backup_storage_bytes").await,
        backup.size_bytes as f64
    );
    assert_eq!(metric(addr, "mda_restore_drill_success").await, 1.0);
    let drill_s = metric(addr, "mda_restore_drill_duration_seconds").await;
    assert_eq!(drill_s, drill.duration_ms as f64 / 1000.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_failed_backup_is_reported_and_counted() {
    let scratch = Scratch::new("failed");
    // The backup directory would be inside a regular file: unwritable.
    let file = scratch.0.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let agent = spawn(dr_config(&file.join("backups"))).await.unwrap();
    let addr = agent.addr();
    let response = action(addr, "backup_now", r#"{"author":"ann"}"#).await;
    assert!(!response.ok);
    assert!(
        response.message.starts_with("backup failed: cannot write into"),
        "{}",
        response.message
    );
    let status = dr(addr).await;
    let last = status.last_backup.unwrap();
    assert!(!last.ok && last.error.is_some() && last.backup.is_none());
    assert_eq!(metric(addr, "mda_backup_failures_total").await, 1.0);
    assert_eq!(
        metric(addr, "mda_backup_last_success_timestamp_seconds").await,
        0.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn scheduled_backups_run_on_the_interval() {
    let scratch = Scratch::new("schedule");
    let mut config = dr_config(&scratch.backups());
    config.dr.enabled = true;
    config.dr.interval_s = 1;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    feed_prices(&agent, &["AAPL"], 10.0).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let status = dr(addr).await;
        if status.backups.len() >= 2 {
            break status;
        }
        assert!(Instant::now() < deadline, "no scheduled backups: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status.last_backup.unwrap().trigger, "schedule");
    assert!(status.schedule_enabled);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn replication_reports_the_standby_lag_or_that_it_is_unreachable() {
    let scratch = Scratch::new("standby");
    let standby = spawn(dr_config(&scratch.0.join("standby"))).await.unwrap();
    feed_prices(&standby, &["AAPL"], 10.0).await;
    let theirs = backup_now(standby.addr()).await.backup.unwrap();
    next_ms().await;

    let mut config = dr_config(&scratch.0.join("primary"));
    config.dr.standby = format!("http://{}", standby.addr());
    config.dr.standby_poll_s = 1;
    let primary = spawn(config).await.unwrap();
    let addr = primary.addr();
    feed_prices(&primary, &["AAPL"], 11.0).await;
    let ours = backup_now(addr).await.backup.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let replication = loop {
        let replication = dr(addr).await.replication;
        if replication.state == ReplicationState::Ok && replication.lag_ms.is_some_and(|l| l > 0) {
            break replication;
        }
        assert!(Instant::now() < deadline, "{replication:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(replication.standby_newest_backup_at, Some(theirs.created_at));
    assert_eq!(
        replication.lag_ms,
        Some((ours.created_at - theirs.created_at) as u64)
    );
    let lag = metric(addr, "mda_dr_replication_lag_seconds").await;
    assert_eq!(lag, (ours.created_at - theirs.created_at) as f64 / 1000.0);

    standby.shutdown().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let replication = dr(addr).await.replication;
        if replication.state == ReplicationState::Unreachable {
            assert!(replication.error.is_some_and(|e| e.contains("/api/v1/dr")));
            break;
        }
        assert!(Instant::now() < deadline, "{replication:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    primary.shutdown().await.unwrap();
}

#[tokio::test]
async fn actions_need_the_admin_token_and_check_names_and_params() {
    let scratch = Scratch::new("actions");
    let mut open = dr_config(&scratch.backups());
    open.admin_token = None;
    let agent = spawn(open).await.unwrap();
    let (status, body) = post_action(agent.addr(), "backup_now", None, "").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("admin_disabled"));
    agent.shutdown().await.unwrap();

    let agent = spawn(dr_config(&scratch.backups())).await.unwrap();
    let addr = agent.addr();
    for token in [None, Some("wrong")] {
        let (status, body) = post_action(addr, "backup_now", token, "").await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("unauthorized"));
    }
    let error = |text: &str| serde_json::from_str::<ErrorBody>(text).unwrap().error;
    let (status, body) = post_action(addr, "reboot", Some(TOKEN), "").await;
    assert_eq!((status, error(&body).code.as_str()), (404, "unknown_action"));
    for (name, body) in [
        ("backup_now", r#"{"params":{"full":true}}"#),
        ("restore_drill", r#"{"params":{"backup":5}}"#),
        ("restore_drill", r#"{"params":{"backup":"backup-1"}}"#),
        ("restore_drill", r#"{"params":{"backup":"../etc"}}"#),
        ("restore_drill", r#"{"params":{},"who":"me"}"#),
        ("backup_now", "not json"),
    ] {
        let (status, text) = post_action(addr, name, Some(TOKEN), body).await;
        assert_eq!(
            (status, error(&text).code.as_str()),
            (400, "bad_request"),
            "{body}: {text}"
        );
    }
    assert!(
        std::fs::read_dir(scratch.backups()).is_err(),
        "refused requests wrote nothing"
    );
    assert_eq!(get(addr, "/api/v1/actions/backup_now").await.0, 405);
    let response = action(
        addr,
        "backup_now",
        r#"{"params":{},"author":"ann","comment":"before deploy"}"#,
    )
    .await;
    assert_eq!((response.action.as_str(), response.ok), ("backup_now", true));
    agent.shutdown().await.unwrap();
}

/// Kills the child if a test fails before it is killed on purpose.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn manifest(backup: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap()
}

/// Complete backups: directories with their manifest checksum written.
fn complete_backups(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = entries(dir)
        .into_iter()
        .filter(|n| n.starts_with("backup-") && dir.join(n).join("manifest.sha256").exists())
        .collect();
    ids.sort();
    ids
}

/// The real binary with a big book (20 000 symbols) and a snapshot every
/// second, SIGKILLed the moment a snapshot's temporary directory appears.
/// The kill must land mid-write (the temporary directory survives it);
/// every backup under a backup name must still verify, and a restart
/// restores the newest of them.
#[tokio::test]
async fn sigkill_during_a_snapshot_leaves_the_previous_backup_valid() {
    let scratch = Scratch::new("sigkill");
    let dir = scratch.backups();
    let config = scratch.0.join("agent.toml");
    let toml = format!(
        "listen = \"127.0.0.1:0\"\n[simulator]\ntick_rate = 1.0\n[dr]\ndir = {:?}\ninterval_s = 1\n",
        dir.display().to_string()
    );
    std::fs::write(&config, toml).unwrap();
    let config = config.display().to_string();
    let mut caught = None;
    for _attempt in 0..5 {
        let child = Command::new(BIN)
            .args(["--config", &config, "--symbols", "20000", "--seed", "3"])
            .env_remove("MDA_ADMIN_TOKEN")
            .env_remove("MDA_ADMIN_TOKEN_FILE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Reap(child);
        let before = complete_backups(&dir);
        let deadline = Instant::now() + Duration::from_secs(60);
        // Wait for a new complete backup holding quotes (the first one may
        // come before the first ticks), then for the next write to start.
        let has_quotes =
            |id: &String| !before.contains(id) && manifest(&dir.join(id))["quotes"].as_u64() > Some(0);
        while !complete_backups(&dir).iter().any(has_quotes) {
            assert!(Instant::now() < deadline, "no backup with quotes written");
            std::thread::sleep(Duration::from_millis(20));
        }
        let temp = loop {
            if let Some(temp) = entries(&dir).into_iter().find(|n| n.starts_with(".tmp-backup-")) {
                break temp;
            }
            assert!(Instant::now() < deadline, "no snapshot started");
            std::thread::sleep(Duration::from_millis(1));
        };
        let good_before_kill = complete_backups(&dir);
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        if dir.join(&temp).exists() {
            caught = Some((temp, good_before_kill));
            break;
        }
    }
    let (temp, good) = caught.expect("no kill landed mid-snapshot in 5 attempts");
    let after = complete_backups(&dir);
    assert_eq!(after, good, "the killed write left no backup, torn or not");
    for id in &after {
        verify_independently(&dir.join(id));
    }

    // A restart restores the newest complete backup, skipping nothing.
    let mut restart = AgentConfig::load(Path::new(&config)).unwrap();
    restart.dr.restore_on_start = true;
    restart.dr.enabled = false;
    restart.set_symbols("20000").unwrap();
    let agent = spawn(restart).await.unwrap();
    let status = dr(agent.addr()).await;
    let at_start = status.restored_at_start.unwrap();
    assert_eq!(at_start.backup_id.as_ref(), after.last());
    assert!(at_start.skipped.is_empty(), "{:?}", at_start.skipped);
    assert_eq!(at_start.quotes, 20_000);
    assert!(status.backups.iter().all(|b| b.problem.is_none()));
    assert!(dir.join(&temp).exists(), "a young temporary is left alone");
    agent.shutdown().await.unwrap();
}
