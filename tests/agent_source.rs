//! The agent source against misbehaving peers on loopback: an HTTP server
//! that hangs or answers 500, a WebSocket server that sends garbage and
//! then drops the connection. Bad input gets a clear error and loses nothing.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use market_data_agent::api::{BarInterval, Quote, ServerFrame};
use mdops::app::{Link, Msg, SourceId};
use mdops::domain::backoff::Backoff;
use mdops::sources::agent::{AgentClient, run_stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// Serves one canned HTTP response per connection.
async fn serve_canned(listener: TcpListener, response: &'static str) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

#[tokio::test]
async fn hanging_agent_times_out_with_a_clear_error() {
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = AgentClient::new(&url, Duration::from_millis(300)).unwrap();
    let error = client.symbols().await.unwrap_err();
    assert_eq!(error, "timed out after 0.3s");
    server.abort();
}

#[tokio::test]
async fn http_500_shows_status_and_the_agent_message() {
    let (listener, url) = listener().await;
    let body = r#"{"error":{"code":"internal","message":"book unavailable"}}"#;
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let server = tokio::spawn(serve_canned(listener, response));
    let client = AgentClient::new(&url, Duration::from_secs(2)).unwrap();
    let error = client.bars("AAPL", BarInterval::OneSecond, 10).await.unwrap_err();
    assert_eq!(error, "HTTP 500: book unavailable");
    server.abort();
}

#[tokio::test]
async fn non_json_success_is_an_error_not_a_panic() {
    let (listener, url) = listener().await;
    let server = tokio::spawn(serve_canned(
        listener,
        "HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot json!",
    ));
    let client = AgentClient::new(&url, Duration::from_secs(2)).unwrap();
    assert!(
        client
            .health()
            .await
            .unwrap_err()
            .starts_with("unexpected response")
    );
    server.abort();
}

fn quote(symbol: &str) -> Quote {
    Quote {
        symbol: symbol.into(),
        price: 10.0,
        bid: 9.99,
        ask: 10.01,
        size: 1.0,
        volume: 1.0,
        open: 10.0,
        ts: 1,
        source: "fake".into(),
    }
}

async fn next_msg(rx: &mut mpsc::Receiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a message in time")
        .expect("open")
}

#[tokio::test]
async fn garbage_frames_are_skipped_and_a_dropped_stream_reconnects() {
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        for connection in 0.. {
            let (socket, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(socket).await.unwrap();
            let subscribe = ws.next().await.unwrap().unwrap();
            assert!(subscribe.to_text().unwrap().contains("subscribe"));
            let subscribed = ServerFrame::Subscribed {
                symbols: vec!["*".into()],
            };
            ws.send(Message::text(serde_json::to_string(&subscribed).unwrap()))
                .await
                .unwrap();
            ws.send(Message::text("}{ garbage")).await.unwrap();
            ws.send(Message::binary(vec![0u8, 159, 146, 150])).await.unwrap();
            ws.send(Message::text(r#"{"type":"ticks","seq":"x"}"#))
                .await
                .unwrap();
            let ticks = ServerFrame::Ticks {
                seq: connection,
                ticks: vec![quote("AAA")],
            };
            ws.send(Message::text(serde_json::to_string(&ticks).unwrap()))
                .await
                .unwrap();
            drop(ws);
        }
    });
    let (tx, mut rx) = mpsc::channel(64);
    let client = AgentClient::new(&url, Duration::from_secs(2)).unwrap();
    let backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(50),
        factor: 2.0,
    };
    let stream = tokio::spawn(run_stream(client, tx, backoff));

    let mut seen = Vec::new();
    while seen.len() < 9 {
        let msg = next_msg(&mut rx).await;
        let kind = match msg {
            Msg::Link {
                source: SourceId::AgentStream,
                link: Link::Connecting,
                ..
            } => "connecting",
            Msg::Link {
                source: SourceId::AgentStream,
                link: Link::Connected,
                ..
            } => "connected",
            Msg::Link {
                source: SourceId::AgentStream,
                link: Link::Reconnecting { attempt, .. },
                ..
            } => {
                assert_eq!(
                    attempt, 1,
                    "a connection that was subscribed resets the attempt count"
                );
                "reconnecting"
            }
            Msg::Ticks { quotes, .. } => {
                assert_eq!(quotes, vec![quote("AAA")]);
                "ticks"
            }
            other => panic!("unexpected {other:?}"),
        };
        seen.push(kind);
    }
    assert_eq!(
        seen,
        [
            "connecting",
            "connected",
            "ticks",
            "reconnecting",
            "connecting",
            "connected",
            "ticks",
            "reconnecting",
            "connecting"
        ]
    );
    stream.abort();
    server.abort();
}

#[tokio::test]
async fn refused_connection_counts_attempts_with_the_error() {
    let (listener, url) = listener().await;
    drop(listener);
    let (tx, mut rx) = mpsc::channel(64);
    let client = AgentClient::new(&url, Duration::from_secs(1)).unwrap();
    let backoff = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(20),
        factor: 2.0,
    };
    let stream = tokio::spawn(run_stream(client, tx, backoff));
    let mut attempts = Vec::new();
    while attempts.len() < 3 {
        if let Msg::Link {
            link: Link::Reconnecting { attempt, last_error },
            ..
        } = next_msg(&mut rx).await
        {
            assert!(last_error.to_lowercase().contains("refused"), "{last_error}");
            attempts.push(attempt);
        }
    }
    assert_eq!(attempts, [1, 2, 3]);
    stream.abort();
}
