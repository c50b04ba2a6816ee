//! The WebSocket protocol over loopback: subscriptions, batching, heartbeats,
//! bad frames, bounds, and slow clients (conflation and cut-off).

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use market_data_agent::api::{ServerFrame, SnapshotReason};
use market_data_agent::spawn;
use tokio_tungstenite::tungstenite::{self, Message};

#[tokio::test]
async fn subscribe_all_gets_snapshot_then_batched_ticks_in_sequence() {
    let mut config = config();
    config.set_tick_rate(2_000.0).unwrap();
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/api/v1/quotes/GOOGL", 200).await;

    let mut ws = connect(addr).await;
    subscribe(&mut ws, &["*"]).await;
    assert_eq!(
        next_frame(&mut ws).await,
        ServerFrame::Subscribed {
            symbols: vec!["*".into()]
        }
    );
    match next_frame(&mut ws).await {
        ServerFrame::Snapshot { reason, quotes } => {
            assert_eq!(reason, SnapshotReason::Subscribe);
            assert_eq!(quotes.len(), 5);
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
    let mut last_seq = None;
    let mut most = 0;
    for _ in 0..30 {
        match next_frame(&mut ws).await {
            ServerFrame::Ticks { seq, ticks } => {
                if let Some(last) = last_seq {
                    assert_eq!(seq, last + 1, "a client that keeps up misses nothing");
                }
                last_seq = Some(seq);
                assert!(!ticks.is_empty() && ticks.len() <= 64);
                most = most.max(ticks.len());
                assert!(ticks.iter().all(|q| q.bid <= q.ask && q.source == "sim"));
            }
            ServerFrame::Heartbeat { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(most > 1, "at 10k ticks/s frames carry several ticks");

    ws.close(None).await.unwrap();
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn subscribe_list_filters_reports_unknown_and_unsubscribes() {
    let agent = spawn(config()).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/api/v1/quotes/GOOGL", 200).await;

    let mut ws = connect(addr).await;
    subscribe(&mut ws, &["MSFT", "NOPE"]).await;
    match next_frame(&mut ws).await {
        ServerFrame::Error { error } => {
            assert_eq!(error.code, "unknown_symbol");
            assert!(error.message.contains("NOPE"), "{}", error.message);
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(
        next_frame(&mut ws).await,
        ServerFrame::Subscribed {
            symbols: vec!["MSFT".into()]
        }
    );
    match next_frame(&mut ws).await {
        ServerFrame::Snapshot { reason, quotes } => {
            assert_eq!(reason, SnapshotReason::Subscribe);
            assert_eq!(quotes.len(), 1);
            assert_eq!(quotes[0].symbol, "MSFT");
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
    let mut frames = 0;
    let mut last_seq = 0;
    while frames < 5 {
        if let ServerFrame::Ticks { seq, ticks } = next_frame(&mut ws).await {
            assert!(seq > last_seq);
            last_seq = seq;
            assert!(!ticks.is_empty());
            assert!(ticks.iter().all(|q| q.symbol == "MSFT"));
            frames += 1;
        }
    }

    send_text(&mut ws, r#"{"op":"unsubscribe","symbols":["MSFT"]}"#).await;
    loop {
        match next_frame(&mut ws).await {
            ServerFrame::Subscribed { symbols } => {
                assert!(symbols.is_empty());
                break;
            }
            ServerFrame::Ticks { .. } | ServerFrame::Heartbeat { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // Nothing subscribed: only heartbeats from now on.
    for _ in 0..3 {
        let frame = next_frame_within(&mut ws, Duration::from_secs(2)).await;
        assert!(matches!(frame, ServerFrame::Heartbeat { .. }), "{frame:?}");
    }

    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn idle_connection_gets_heartbeats() {
    let agent = spawn(quiet_config()).await.unwrap();
    let mut ws = connect(agent.addr()).await;
    let mut last_ts = 0;
    for _ in 0..2 {
        match next_frame_within(&mut ws, Duration::from_secs(2)).await {
            ServerFrame::Heartbeat { ts } => {
                assert!(ts >= last_ts && (ts - now_ms()).abs() < 5_000);
                last_ts = ts;
            }
            other => panic!("expected a heartbeat, got {other:?}"),
        }
    }
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn garbage_and_binary_frames_get_errors_and_the_connection_lives() {
    let agent = spawn(config()).await.unwrap();
    let addr = agent.addr();
    let mut ws = connect(addr).await;

    let expect_error = async |ws: &mut Ws, code: &str| loop {
        match next_frame(ws).await {
            ServerFrame::Error { error } => {
                assert_eq!(error.code, code);
                break;
            }
            ServerFrame::Heartbeat { .. } => {}
            other => panic!("expected an error, got {other:?}"),
        }
    };
    send_text(&mut ws, "hello?").await;
    expect_error(&mut ws, "bad_request").await;
    send_text(&mut ws, r#"{"op":"dance","symbols":["*"]}"#).await;
    expect_error(&mut ws, "bad_request").await;
    send_text(&mut ws, r#"{"op":"subscribe","symbols":"AAPL"}"#).await;
    expect_error(&mut ws, "bad_request").await;
    ws.send(Message::binary(vec![0u8, 159, 146, 150])).await.unwrap();
    expect_error(&mut ws, "unsupported_frame").await;

    subscribe(&mut ws, &["AAPL"]).await;
    loop {
        match next_frame(&mut ws).await {
            ServerFrame::Subscribed { symbols } => {
                assert_eq!(symbols, ["AAPL"]);
                break;
            }
            ServerFrame::Heartbeat { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(metric(addr, "mda_ws_frames_sent_total{type=\"error\"}").await >= 4.0);
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversized_frame_closes_the_connection() {
    let mut config = quiet_config();
    config.ws.max_frame_bytes = 1024;
    config.ws.heartbeat_interval_ms = 60_000;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    let mut ws = connect(addr).await;
    let big = format!(r#"{{"op":"subscribe","symbols":["{}"]}}"#, "A".repeat(4096));
    // The server may close before the whole frame is written.
    let _ = ws.send(Message::text(big)).await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the connection should be closed");
    if let Some(code) = ended {
        assert_eq!(code, 1002);
    }
    wait_for_metric(
        addr,
        "mda_ws_clients_dropped_total{reason=\"protocol_error\"}",
        |v| v == 1.0,
    )
    .await;
    agent.shutdown().await.unwrap();
}

#[tokio::test]
async fn clients_over_the_bound_are_refused_with_503() {
    let mut config = quiet_config();
    config.ws.max_clients = 2;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    let first = connect(addr).await;
    let _second = connect(addr).await;
    wait_for_metric(addr, "mda_ws_clients", |v| v == 2.0).await;

    match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503);
            let body: market_data_agent::api::ErrorBody =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
            assert_eq!(body.error.code, "too_many_clients");
        }
        Err(e) => panic!("expected a 503, got {e}"),
        Ok(_) => panic!("a third client was accepted"),
    }

    drop(first);
    wait_for_metric(addr, "mda_ws_clients", |v| v == 1.0).await;
    let _third = connect(addr).await;
    agent.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_falls_behind_gets_a_resync_snapshot() {
    let mut config = config();
    config.set_symbols("20").unwrap();
    config.set_tick_rate(2_000.0).unwrap();
    config.ws.broadcast_capacity = 4;
    config.ws.send_timeout_ms = 20_000;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/ready", 200).await;

    let mut ws = connect_small_buffer(addr).await;
    subscribe(&mut ws, &["*"]).await;
    assert!(matches!(
        next_frame(&mut ws).await,
        ServerFrame::Subscribed { .. }
    ));
    // Stop reading while 40k ticks/s flow, until the socket is full: the
    // agent's sends to this (only) client stall, which shows as the ticks
    // frame counter standing still. The broadcast ring then overtakes it.
    let frames = "mda_ws_frames_sent_total{type=\"ticks\"}";
    let mut last = metric(addr, frames).await;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = metric(addr, frames).await;
        if now == last {
            break;
        }
        last = now;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let resync = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let ServerFrame::Snapshot {
                reason: SnapshotReason::Resync,
                quotes,
            } = next_frame(&mut ws).await
            {
                return quotes;
            }
        }
    })
    .await
    .expect("no resync snapshot");
    assert_eq!(
        resync.len(),
        20,
        "a resync carries the latest quote of every symbol"
    );
    // After the resync the client follows the live stream again.
    assert!(matches!(
        next_frame(&mut ws).await,
        ServerFrame::Ticks { .. } | ServerFrame::Snapshot { .. }
    ));
    assert!(metric(addr, "mda_ws_updates_conflated_total").await > 0.0);
    assert_eq!(
        metric(addr, "mda_ws_clients_dropped_total{reason=\"send_timeout\"}").await,
        0.0
    );
    agent.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_cut_off_and_others_keep_receiving() {
    let mut config = config();
    config.set_symbols("20").unwrap();
    config.set_tick_rate(2_000.0).unwrap();
    config.ws.send_timeout_ms = 300;
    let agent = spawn(config).await.unwrap();
    let addr = agent.addr();
    wait_for_status(addr, "/ready", 200).await;

    let mut fast = connect(addr).await;
    subscribe(&mut fast, &["*"]).await;
    let (count_tx, mut count_rx) = tokio::sync::watch::channel(0u64);
    let reader = tokio::spawn(async move {
        let mut ticks = 0;
        while let Some(Ok(msg)) = fast.next().await {
            if let Message::Text(text) = msg
                && let Ok(ServerFrame::Ticks { ticks: batch, .. }) = serde_json::from_str(text.as_str())
            {
                ticks += batch.len() as u64;
                let _ = count_tx.send(ticks);
            }
        }
    });

    let mut slow = connect_small_buffer(addr).await;
    subscribe(&mut slow, &["*"]).await;
    wait_for_metric(
        addr,
        "mda_ws_clients_dropped_total{reason=\"send_timeout\"}",
        |v| v == 1.0,
    )
    .await;
    wait_for_metric(addr, "mda_ws_clients", |v| v == 1.0).await;

    let before = *count_rx.borrow_and_update();
    tokio::time::timeout(Duration::from_secs(5), count_rx.wait_for(|n| *n > before + 1_000))
        .await
        .expect("the other client stopped receiving")
        .unwrap();
    drop(slow);
    reader.abort();
    agent.shutdown().await.unwrap();
}
