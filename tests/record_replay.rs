//! End to end: record the embedded agent through the real `mdops --record`
//! in a real terminal, quit, then replay the file at 10x: the REPLAY marker,
//! the recorded symbols and prices, pause with space; and a copy cut at a
//! random byte replays without error.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};
use mdops::record::entry::{Event, SourceMsg};
use mdops::record::format::Reader;

/// The last recorded price of every symbol, and how many frames were read.
fn last_prices(path: &Path) -> (BTreeMap<String, f64>, usize) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = Reader::open(file).unwrap();
    let mut prices = BTreeMap::new();
    let mut frames = 0;
    while let Some(entry) = reader.next_entry().unwrap() {
        frames += 1;
        if let Event::Msg(SourceMsg::Ticks { quotes, .. } | SourceMsg::Snapshot { quotes, .. }) = entry.event
        {
            for quote in quotes {
                prices.insert(quote.symbol, quote.price);
            }
        }
    }
    (prices, frames)
}

/// The recorded time in the replay marker: `2026-11-27 08:05:12`.
fn marker_time(screen: &str) -> Option<String> {
    let header = screen.lines().next()?;
    let words: Vec<&str> = header.split_whitespace().collect();
    let at = words.iter().position(|w| w.starts_with("20") && w.len() == 10)?;
    Some(format!("{} {}", words[at], words.get(at + 1)?))
}

#[test]
fn record_the_embedded_agent_then_replay_it_at_10x() {
    let dir = common::scratch_dir("mdops-record");
    let file = dir.join("session.mdrec");

    let recording = Tmux::start(
        &format!(
            "'{}' --record '{}' --screen prices",
            mdops_bin().display(),
            file.display()
        ),
        140,
        40,
    );
    recording.wait_for("live prices", Duration::from_secs(30), |s| {
        s.contains("AAPL") && s.contains("Ticks/s")
    });
    std::thread::sleep(Duration::from_secs(6));
    recording.keys(&["q"]);
    assert_eq!(
        recording.wait_for_file("exit", Duration::from_secs(15)).trim(),
        "0"
    );
    recording.wait_for("the recording summary", Duration::from_secs(5), |s| {
        s.contains("recorded") && s.contains("session.mdrec")
    });

    let (prices, frames) = last_prices(&file);
    assert!(
        prices.len() >= 10 && frames > 20,
        "{frames} frames, prices {prices:?}"
    );

    let replay = common::tmux::replay(&file, 10);
    // About 7 s recorded: at 10x the replay reaches its end, paused, at once.
    let end = replay.wait_for("the recording's last prices", Duration::from_secs(20), |s| {
        s.contains("REPLAY") && s.contains("session.mdrec") && s.contains("x10") && s.contains("PAUSED")
    });
    let shown: Vec<&String> = prices
        .iter()
        .filter(|(symbol, price)| end.contains(&format!("{symbol} ")) && end.contains(&format!("{price:.2}")))
        .map(|(symbol, _)| symbol)
        .collect();
    assert!(shown.len() >= 10, "recorded prices not on screen:\n{end}");

    // Back to the start, slower, and play: the marker drops PAUSED.
    replay.keys(&["0", "-", "-", "-", "-", "Space"]);
    replay.wait_for("playing at x0.625", Duration::from_secs(10), |s| {
        s.contains("x0.625") && !s.contains("PAUSED")
    });
    replay.keys(&["Space"]);
    let paused = replay.wait_for("paused", Duration::from_secs(5), |s| s.contains("PAUSED"));
    let at = marker_time(&paused).expect("the marker shows the recorded time");
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(
        marker_time(&replay.screen()),
        Some(at),
        "paused time stands still"
    );

    replay.keys(&["q"]);
    assert_eq!(replay.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");

    // A copy cut at a random byte past the start frame replays to its end.
    let bytes = std::fs::read(&file).unwrap();
    let cut = 200 + (std::process::id() as usize * 7919) % (bytes.len() - 200);
    let cut_file = dir.join("cut.mdrec");
    std::fs::write(&cut_file, &bytes[..cut]).unwrap();
    let replay_cut = common::tmux::replay(&cut_file, 1000);
    replay_cut.wait_for(
        &format!("the end of the copy cut at {cut}"),
        Duration::from_secs(20),
        |s| s.contains("REPLAY") && s.contains("PAUSED") && s.contains("end of the recording"),
    );
    replay_cut.keys(&["q"]);
    assert_eq!(
        replay_cut.wait_for_file("exit", Duration::from_secs(15)).trim(),
        "0"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Exit code and stderr of `mdops ARGS`, run where no terminal is needed.
fn mdops(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(mdops_bin()).args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn bad_recordings_and_flags_fail_before_touching_the_terminal() {
    let dir = common::scratch_dir("mdops-replay-bad");
    let json = dir.join("not-a-recording.json");
    std::fs::write(&json, "{\"ticks\": []}").unwrap();
    let empty = dir.join("empty.mdrec");
    std::fs::write(&empty, "").unwrap();
    let json = json.display().to_string();
    let empty = empty.display().to_string();
    let missing = dir.join("missing.mdrec").display().to_string();

    let (code, stderr) = mdops(&["replay", &json]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("not an mdops recording"), "{stderr}");
    let (code, stderr) = mdops(&["replay", &empty]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("nothing recorded"), "{stderr}");
    let (code, stderr) = mdops(&["replay", &missing]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("missing.mdrec") && stderr.contains("No such file"),
        "{stderr}"
    );
    let (code, stderr) = mdops(&["replay", &empty, "--agent", "http://127.0.0.1:1"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("--agent does not apply"), "{stderr}");
    let (code, stderr) = mdops(&["--record", &missing, "snapshot"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--record records the interactive console"),
        "{stderr}"
    );
    let (code, stderr) = mdops(&["replay", &empty, "--speed", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("out of range"), "{stderr}");
    assert!(!Path::new(&missing).exists(), "nothing was recorded");
    let _ = std::fs::remove_dir_all(&dir);
}
