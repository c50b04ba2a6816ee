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

/// Variables the binary reads; removed from its environment so the
/// developer's own settings do not leak into the tests.
const AGENT_VARS: [&str; 10] = [
    "MDA_LISTEN",
    "MDA_SYMBOLS",
    "MDA_SEED",
    "MDA_TICK_RATE",
    "MDA_CHAOS_ERROR_RATE",
    "MDA_CHAOS_LATENCY_MS",
    "MDA_BARS_RING_1M",
    "MDA_INCIDENTS_RESOLVED_MAX_AGE_MS",
    "MDA_ADMIN_TOKEN",
    "MDA_ADMIN_TOKEN_FILE",
];

fn agent_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::null());
    for var in AGENT_VARS {
        command.env_remove(var);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// A running binary: its address and its stderr lines.
struct Running {
    child: Reap,
    addr: std::net::SocketAddr,
    lines: std::sync::mpsc::Receiver<String>,
}

/// Starts the binary and waits for its `listening on` line.
fn start_binary(args: &[&str], env: &[(&str, &str)]) -> Running {
    let child = agent_command(args, env)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Reap(child);
    let stderr = child.0.stderr.take().unwrap();
    let (line_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    let addr = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(10))
            .expect("no `listening on` line");
        if let Some((_, addr)) = line.split_once("listening on ") {
            break addr.trim().parse::<std::net::SocketAddr>().unwrap();
        }
    };
    Running { child, addr, lines }
}

/// Sends SIGTERM and expects exit code 0; returns the remaining stderr lines.
fn terminate(mut running: Running) -> Vec<String> {
    let killed = Command::new("kill")
        .args(["-TERM", &running.child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut running.child.0, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    running.lines.try_iter().collect()
}

#[tokio::test]
async fn binary_serves_and_exits_zero_on_sigterm() {
    let running = start_binary(
        &["--listen", "127.0.0.1:0", "--symbols", "3", "--seed", "1"],
        &[("MDA_TICK_RATE", "50")],
    );
    let addr = running.addr;

    wait_for_status(addr, "/ready", 200).await;
    let (_, symbols) = get_json::<market_data_agent::api::SymbolsResponse>(addr, "/api/v1/symbols").await;
    assert_eq!(symbols.symbols, ["AAPL", "MSFT", "NVDA"]);

    let rest = terminate(running);
    assert!(rest.iter().any(|l| l.contains("agent stopped")), "{rest:?}");
}

fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = agent_command(args, env).output().unwrap();
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

#[test]
fn binary_names_bad_chaos_variables() {
    for (var, value, needle) in [
        ("MDA_CHAOS_ERROR_RATE", "2", "must be a number from 0 to 1, got 2"),
        ("MDA_CHAOS_LATENCY_MS", "soon", "expected milliseconds"),
    ] {
        let (code, stderr) = run_to_exit(&["--listen", "127.0.0.1:0"], &[(var, value)]);
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains(&format!("environment variable {var}=\"{value}\": {needle}")),
            "{stderr}"
        );
    }
    let (code, stderr) = run_to_exit(
        &["--listen", "127.0.0.1:0"],
        &[("MDA_ADMIN_TOKEN", "a"), ("MDA_ADMIN_TOKEN_FILE", "b")],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("set only one of MDA_ADMIN_TOKEN and MDA_ADMIN_TOKEN_FILE"),
        "{stderr}"
    );
}

/// A token file with `mode` in the temporary directory, removed on drop.
#[cfg(unix)]
struct TokenFile(std::path::PathBuf);

#[cfg(unix)]
impl TokenFile {
    fn new(name: &str, token: &str, mode: u32) -> TokenFile {
        use std::os::unix::fs::PermissionsExt as _;
        let path = std::env::temp_dir().join(format!("mda-{name}-{}.token", std::process::id()));
        std::fs::write(&path, format!("{token}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        TokenFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

#[cfg(unix)]
impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn binary_refuses_a_token_file_others_can_read() {
    let file = TokenFile::new("readable", "not-so-s3cret", 0o644);
    let (code, stderr) = run_to_exit(
        &["--listen", "127.0.0.1:0"],
        &[("MDA_ADMIN_TOKEN_FILE", file.path())],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "admin token file {} (named by MDA_ADMIN_TOKEN_FILE): its permissions are 0644",
            file.path()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("0600 or stricter"), "{stderr}");
    assert!(!stderr.contains("not-so-s3cret"), "{stderr}");
}

#[cfg(unix)]
#[tokio::test]
async fn binary_takes_the_admin_token_from_a_private_file_and_logs_changes() {
    const TOKEN: &str = "file-admin-token-42";
    let file = TokenFile::new("private", TOKEN, 0o600);
    let running = start_binary(
        &["--listen", "127.0.0.1:0", "--symbols", "2", "--seed", "3"],
        &[("MDA_ADMIN_TOKEN_FILE", file.path()), ("MDA_LOG", "info")],
    );
    let addr = running.addr;
    let client = reqwest::Client::new();
    let admin = url(addr, "/api/v1/admin/chaos");

    let response = client.get(&admin).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let response = client
        .put(&admin)
        .bearer_auth(TOKEN)
        .body(r#"{"error_rate":0.5,"extra_latency_ms":5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let settings: market_data_agent::api::ChaosSettings = response.json().await.unwrap();
    assert_eq!((settings.error_rate, settings.extra_latency_ms), (0.5, 5));

    let changed = loop {
        let line = running
            .lines
            .recv_timeout(Duration::from_secs(5))
            .expect("no log line for the change");
        if line.contains("chaos settings changed") {
            break line;
        }
    };
    assert!(changed.contains("INFO"), "{changed}");
    assert!(changed.contains("who=\"admin token\""), "{changed}");
    assert!(
        changed.contains("old=\"error_rate=0 extra_latency_ms=0 routes=[/api/v1/quotes/{symbol}]\"")
            && changed.contains("new=\"error_rate=0.5 extra_latency_ms=5 routes=[/api/v1/quotes/{symbol}]\""),
        "{changed}"
    );

    let rest = terminate(running);
    assert!(rest.iter().all(|l| !l.contains(TOKEN)), "{rest:?}");
    assert!(!changed.contains(TOKEN));
}
