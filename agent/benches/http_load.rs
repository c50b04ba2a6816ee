//! HTTP load: the agent's quotes route against an axum handler returning a
//! constant body, served in the same process and measured in the same run
//! by the same load generator (both on loopback, sharing the machine's cores
//! with the generator).
//!
//! 1. Closed loop: N keep-alive HTTP/1.1 connections, each sending its next
//!    request as soon as the previous answer arrived; req/s for both servers
//!    and the ratio. The two targets alternate in one-second rounds, so drift
//!    in the machine's speed affects both alike.
//! 2. Open loop: a fixed 10k req/s schedule over a few connections (one OS
//!    thread each, blocking sockets, so timer granularity does not bunch
//!    requests); p50/p99/p99.9 latency for both routes.
//!
//! Run: `cargo bench -p market-data-agent --bench http_load`

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use market_data_agent::AgentConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLOSED_CONNECTIONS: usize = 32;
const CLOSED_WARMUP: Duration = Duration::from_secs(1);
const CLOSED_ROUND: Duration = Duration::from_secs(1);
const CLOSED_ROUNDS: u32 = 8;
const OPEN_RATE: u32 = 10_000;
const OPEN_CONNECTIONS: u32 = 8;
const OPEN_DURATION: Duration = Duration::from_secs(3);

/// A body the size of a quote, so both servers move the same bytes.
const CONSTANT_BODY: &str = r#"{"symbol":"AAPL","price":229.87,"bid":229.86,"ask":229.88,"size":100.0,"volume":123456.0,"open":229.5,"ts":1732683845123,"source":"sim"}"#;

fn main() {
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let (constant, agent) = servers.block_on(async {
        let constant = start_constant().await;
        let mut config = AgentConfig::embedded();
        config.set_listen("127.0.0.1:0").expect("listen");
        let agent = market_data_agent::spawn(config).await.expect("agent");
        (constant, agent)
    });
    let agent_addr = agent.addr();
    std::thread::sleep(Duration::from_millis(300)); // first ticks
    let quote = "/api/v1/quotes/AAPL";
    let routes = [
        ("constant handler", constant, "/constant"),
        ("agent quotes", agent_addr, quote),
    ];
    for (name, addr, path) in routes {
        let (status, body) = fetch_once(addr, path);
        assert_eq!(status, 200, "{name}: {body}");
    }

    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    println!(
        "closed loop: {CLOSED_CONNECTIONS} keep-alive connections, {CLOSED_ROUNDS} alternating rounds of {} s per target (after {} s warm-up)",
        CLOSED_ROUND.as_secs(),
        CLOSED_WARMUP.as_secs()
    );
    for (_, addr, path) in routes {
        clients.block_on(closed_loop(addr, path, CLOSED_WARMUP));
    }
    let mut totals = [(0u64, 0u64); 2];
    let mut round_ratios = Vec::new();
    for _ in 0..CLOSED_ROUNDS {
        let mut round = [0u64; 2];
        for (i, (_, addr, path)) in routes.iter().enumerate() {
            let (ok, errors) = clients.block_on(closed_loop(*addr, path, CLOSED_ROUND));
            totals[i].0 += ok;
            totals[i].1 += errors;
            round[i] = ok;
        }
        round_ratios.push(round[1] as f64 / round[0].max(1) as f64);
    }
    let seconds = (CLOSED_ROUND * CLOSED_ROUNDS).as_secs_f64();
    for ((name, _, path), (ok, errors)) in routes.iter().zip(totals) {
        let rate = ok as f64 / seconds;
        println!("  {name:<17} {path:<22} {rate:>10.0} req/s  ({errors} errors)");
    }
    let worst = round_ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let best = round_ratios.iter().copied().fold(0.0, f64::max);
    println!(
        "  ratio agent/constant: {:.2} (rounds from {worst:.2} to {best:.2})",
        totals[1].0 as f64 / totals[0].0.max(1) as f64
    );

    println!(
        "open loop: {OPEN_RATE} req/s over {OPEN_CONNECTIONS} connections, {} s each",
        OPEN_DURATION.as_secs()
    );
    for (name, addr, path) in routes {
        let report = open_loop(addr, path);
        println!("  {name:<17} {path:<22} {report}");
    }

    servers.block_on(async { agent.shutdown().await.expect("shutdown") });
}

async fn start_constant() -> SocketAddr {
    let app = Router::new().route(
        "/constant",
        get(|| async { ([("content-type", "application/json")], CONSTANT_BODY) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    use axum::serve::ListenerExt as _;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n").into_bytes()
}

/// Length of a complete response at the start of `buf` and its status, or
/// `None` if more bytes are needed. Handles `content-length` bodies only,
/// which is what both servers send.
fn parse_response(buf: &[u8]) -> Option<(usize, u16)> {
    let head_end = memchr::memmem::find(buf, b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let status = head.get(9..12)?.parse().ok()?;
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    (buf.len() >= head_end + length).then_some((head_end + length, status))
}

fn fetch_once(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(&request(path)).expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some((len, status)) = parse_response(&buf) {
            return (status, String::from_utf8_lossy(&buf[..len]).into_owned());
        }
    }
}

/// Requests answered with 200 and anything else, over `duration`.
async fn closed_loop(addr: SocketAddr, path: &str, duration: Duration) -> (u64, u64) {
    let deadline = tokio::time::Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..CLOSED_CONNECTIONS {
        let request = request(path);
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let mut buf = Vec::with_capacity(8192);
            let (mut ok, mut errors) = (0u64, 0u64);
            while tokio::time::Instant::now() < deadline {
                stream.write_all(&request).await.expect("write");
                buf.clear();
                loop {
                    if stream.read_buf(&mut buf).await.expect("read") == 0 {
                        return (ok, errors + 1);
                    }
                    if let Some((_, status)) = parse_response(&buf) {
                        if status == 200 {
                            ok += 1;
                        } else {
                            errors += 1;
                        }
                        break;
                    }
                }
            }
            (ok, errors)
        }));
    }
    let mut total = (0, 0);
    for task in tasks {
        let (ok, errors) = task.await.expect("load task");
        total.0 += ok;
        total.1 += errors;
    }
    total
}

/// Latencies measured from each request's scheduled time (so a late send
/// counts, no coordinated omission) and from its actual send.
fn open_loop(addr: SocketAddr, path: &str) -> String {
    let interval = Duration::from_secs(1) * OPEN_CONNECTIONS / OPEN_RATE;
    let start = Instant::now() + Duration::from_millis(50);
    let threads: Vec<_> = (0..OPEN_CONNECTIONS)
        .map(|k| {
            let request = request(path);
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let offset = interval * k / OPEN_CONNECTIONS;
                let mut scheduled_lat = Vec::new();
                let mut service_lat = Vec::new();
                let mut buf = Vec::with_capacity(8192);
                let mut chunk = [0u8; 8192];
                for i in 0.. {
                    let due = start + offset + interval * i;
                    if due.duration_since(start) >= OPEN_DURATION {
                        break;
                    }
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    let sent = Instant::now();
                    stream.write_all(&request).expect("write");
                    buf.clear();
                    loop {
                        let n = stream.read(&mut chunk).expect("read");
                        assert!(n > 0, "server closed the connection");
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some((_, status)) = parse_response(&buf) {
                            assert_eq!(status, 200);
                            break;
                        }
                    }
                    let done = Instant::now();
                    scheduled_lat.push(done.duration_since(due));
                    service_lat.push(done.duration_since(sent));
                }
                (scheduled_lat, service_lat)
            })
        })
        .collect();
    let mut scheduled = Vec::new();
    let mut service = Vec::new();
    for t in threads {
        let (a, b) = t.join().expect("open-loop thread");
        scheduled.extend(a);
        service.extend(b);
    }
    let rate = scheduled.len() as f64 / OPEN_DURATION.as_secs_f64();
    format!(
        "{rate:>6.0} req/s  from schedule: {}  from send: {}",
        percentiles(&mut scheduled),
        percentiles(&mut service)
    )
}

fn percentiles(samples: &mut [Duration]) -> String {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
        samples[i].as_secs_f64() * 1e6
    };
    format!(
        "p50 {:>5.0} us  p99 {:>5.0} us  p99.9 {:>6.0} us",
        at(0.50),
        at(0.99),
        at(0.999)
    )
}
