//! Starting and stopping: graceful shutdown of the library, and the binary's
//! signals, exit codes and configuration errors.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use market_data_agent::api::ServerFrame;
use market_data_agent::spawn;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const BIN: &str = env!("CARGO_BIN_EXE_market-data-agent");

#[tokio::test]
async fn shutdown_sends_going_away_and_stops_accepting() {
    let agent = spawn(config()).await.unwrap();
    let addr = agent.addr();
    let mut ws = connect(addr).await;
    subscribe(&mut ws, &["*"]).await;
    assert!(matches!(
        next_frame(&mut ws).await,
        ServerFrame::Subscribed { .. }
    ));

    let shutdown = tokio::spawn(agent.shutdown());
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("connection ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("no close frame");
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));
    // Reading on answers the close handshake.
    while let Some(Ok(_)) = ws.next().await {}

    shutdown.await.unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting"
    );
}

/// Kills the child if a test fails before it exits.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the agent did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn binary_serves_and_exits_zero_on_sigterm() {
    let child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--symbols", "3", "--seed", "1"])
        .env_remove("MDA_LISTEN")
        .env_remove("MDA_SYMBOLS")
        .env("MDA_TICK_RATE", "50")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Reap(child);
    let stderr = child.0.stderr.take().unwrap();
    let (line_tx, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = line_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no `listening on` line");
        if let Some((_, addr)) = line.split_once("listening on ") {
            break addr.trim().parse::<std::net::SocketAddr>().unwrap();
        }
    };

    wait_for_status(addr, "/ready", 200).await;
    let (_, symbols) = get_json::<market_data_agent::api::SymbolsResponse>(addr, "/api/v1/symbols").await;
    assert_eq!(symbols.symbols, ["AAPL", "MSFT", "NVDA"]);

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child.0, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = line_rx.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("agent stopped")), "{rest:?}");
}

fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::null());
    for var in ["MDA_LISTEN", "MDA_SYMBOLS", "MDA_SEED", "MDA_TICK_RATE"] {
        command.env_remove(var);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn binary_reports_config_errors_with_file_line_and_key() {
    let path = std::env::temp_dir().join(format!("mda-typo-{}.toml", std::process::id()));
    std::fs::write(&path, "listen = \"127.0.0.1:0\"\n\n[simulator]\ntick_rat = 5\n").unwrap();
    let (code, stderr) = run_to_exit(&["--config", path.to_str().unwrap()], &[]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(2));
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        stderr.contains(&format!(
            "{name}:4: key `simulator.tick_rat`: unknown field `tick_rat`"
        )),
        "{stderr}"
    );
}

#[test]
fn binary_names_bad_environment_variables_and_flags() {
    let (code, stderr) = run_to_exit(&["--listen", "127.0.0.1:0"], &[("MDA_TICK_RATE", "fast")]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("environment variable MDA_TICK_RATE=\"fast\""),
        "{stderr}"
    );

    let (code, stderr) = run_to_exit(&["--symbols", "AAPL,,MSFT"], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--symbols \"AAPL,,MSFT\""), "{stderr}");
}
