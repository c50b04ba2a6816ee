//! End to end: the real `mdops` records a session against a real agent in
//! which an incident opens (an injected price jump) and is acknowledged
//! from the console; the live timeline shows both and the audited action.
//! Then `mdops replay --speed 10` of that file: screen 7 shows the same
//! events, rebuilt from the recorded messages, and Enter on the incident
//! goes to it on the incidents screen.

mod common;

use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};

const OPENED: &str = "Price anomaly on AAPL opened";
const ACKED: &str = "Price anomaly on AAPL acknowledged by e2e-operator";
const ACTION: &str = "by e2e-operator: ok";

#[test]
fn record_an_incident_then_find_it_on_the_timeline_of_the_replay_at_10x() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let agent = common::agent_with_an_incident(&runtime, "e2e-token");
    let dir = common::scratch_dir("mdops-timeline");
    let file = dir.join("incident.mdrec");

    let recording = Tmux::start(
        &format!(
            "MDOPS_AGENT_TOKEN=e2e-token USER=e2e-operator '{}' --agent http://{} --record '{}'",
            mdops_bin().display(),
            agent.addr(),
            file.display()
        ),
        140,
        40,
    );
    recording.wait_for("live prices", Duration::from_secs(30), |s| s.contains("AAPL"));
    recording.keys(&["7"]);
    recording.wait_for(
        "the incident on the live timeline",
        Duration::from_secs(20),
        |s| s.contains(OPENED),
    );
    common::tmux::acknowledge_the_anomaly(&recording);
    recording.keys(&["7"]);
    // The acknowledgement from the agent, and the action from the audit log
    // (read every 2 s).
    let live = recording.wait_for("the ack and the audited action", Duration::from_secs(15), |s| {
        s.contains(ACKED) && s.contains(ACTION)
    });
    recording.keys(&["q"]);
    assert_eq!(
        recording.wait_for_file("exit", Duration::from_secs(15)).trim(),
        "0",
        "{live}"
    );

    let replay = common::tmux::replay(&file, 10);
    replay.wait_for("the end of the replay", Duration::from_secs(30), |s| {
        s.contains("REPLAY") && s.contains("x10") && s.contains("PAUSED")
    });
    replay.keys(&["7"]);
    let timeline = replay.wait_for(
        "the incident on the replay's timeline",
        Duration::from_secs(10),
        |s| s.contains("Timeline") && s.contains(OPENED) && s.contains(ACKED) && s.contains(ACTION),
    );
    // Newest first: the action and the ack above the opening.
    let line_of = |text: &str| timeline.lines().position(|l| l.contains(text));
    assert!(line_of(ACKED) < line_of(OPENED), "{timeline}");

    // Filter down to the opening, and Enter goes to the incident.
    replay.keys(&["/"]);
    replay.keys(&["-l", "opened"]);
    replay.keys(&["Enter"]);
    replay.wait_for("the filtered timeline", Duration::from_secs(5), |s| {
        s.contains("filter 'opened'") && s.contains(OPENED) && !s.contains(ACKED)
    });
    replay.keys(&["Enter"]);
    replay.wait_for(
        "the incident on the incidents screen",
        Duration::from_secs(5),
        |s| s.contains("Incidents") && s.contains("Price anomaly on AAPL") && s.contains("acked by"),
    );

    replay.keys(&["q"]);
    assert_eq!(replay.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
    runtime.block_on(agent.shutdown()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
