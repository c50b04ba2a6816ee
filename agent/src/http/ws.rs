//! `/ws`: the WebSocket protocol. One task per client forwards tick batches
//! from the broadcast channel, answers subscribe/unsubscribe frames, and
//! sends heartbeats.
//!
//! A client that falls behind the broadcast ring gets a `resync` snapshot of
//! its symbols' latest quotes (conflation) and carries on; a client whose
//! sends stall past `send_timeout_ms` is disconnected. Either way the other
//! clients never wait for it: each reads the shared ring at its own pace.

use std::collections::VecDeque;
use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use tokio::sync::TryAcquireError;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio::time::Instant;

use super::AppState;
use super::errors::ApiError;
use super::subscription::Subscription;
use crate::api::{ClientFrame, ErrorDetail, ServerFrame, SnapshotReason};
use crate::clock::now_ms;
use crate::metrics::{DropReason, FrameKind};
use crate::pipeline::Batch;
use crate::wire;

/// Batches forwarded per write before flushing, when several are waiting.
const MAX_FRAMES_PER_FLUSH: usize = 64;

/// How long a closing client gets to answer our close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Longest close reason the protocol allows (125-byte control payload).
const MAX_CLOSE_REASON: usize = 123;

/// Upgrades to a WebSocket unless the client bound is reached (503) or the
/// request is not an upgrade (JSON error, like every other route).
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::new(e.status(), "upgrade_required", e.body_text()).into_response();
        }
    };
    let shared = &state.inner;
    let permit = match Arc::clone(&shared.ws_slots).try_acquire_owned() {
        Ok(permit) => permit,
        Err(TryAcquireError::NoPermits) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_clients",
                format!(
                    "the agent serves at most {} WebSocket clients",
                    shared.config.ws.max_clients
                ),
            )
            .into_response();
        }
        Err(TryAcquireError::Closed) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "the agent is shutting down",
            )
            .into_response();
        }
    };
    let max = shared.config.ws.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| async move {
            Client::new(socket, state).run().await;
            drop(permit);
        })
}

/// Why a client's loop ended.
enum End {
    /// The client closed or went away.
    Closed,
    /// The agent is shutting down.
    Shutdown,
    /// The agent disconnects the client.
    Drop(DropReason, u16, String),
}

enum Event {
    Shutdown,
    Incoming(Option<Result<Message, axum::Error>>),
    Batch(Result<Arc<Batch>, RecvError>),
    Heartbeat,
}

/// Frames queued for one write, with their kind for the metrics.
type Outbox = Vec<(FrameKind, Message)>;

struct Client {
    socket: WebSocket,
    state: AppState,
    sub: Subscription,
    /// Present while subscribed to anything.
    rx: Option<broadcast::Receiver<Arc<Batch>>>,
    last_sent: Instant,
    /// Times of recent resyncs, within `resync_window_ms`.
    resyncs: VecDeque<Instant>,
    send_timeout: Duration,
    heartbeat_every: Duration,
}

/// Keeps `mda_ws_clients` equal to the number of live client tasks.
struct Connected(prometheus::IntGauge);

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn next_batch(rx: &mut Option<broadcast::Receiver<Arc<Batch>>>) -> Result<Arc<Batch>, RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Client {
    fn new(socket: WebSocket, state: AppState) -> Client {
        let config = &state.inner.config.ws;
        Client {
            socket,
            sub: Subscription::new(state.inner.book.symbols().len()),
            rx: None,
            last_sent: Instant::now(),
            resyncs: VecDeque::new(),
            send_timeout: Duration::from_millis(config.send_timeout_ms),
            heartbeat_every: Duration::from_millis(config.heartbeat_interval_ms),
            state,
        }
    }

    async fn run(mut self) {
        let shared = Arc::clone(&self.state.inner);
        shared.metrics.ws_clients.inc();
        let _connected = Connected(shared.metrics.ws_clients.clone());
        let mut shutdown = shared.shutdown.clone();
        let heartbeat = tokio::time::sleep(self.heartbeat_every);
        tokio::pin!(heartbeat);
        let end = loop {
            let event = tokio::select! {
                biased;
                _ = shutdown.wait_for(|stop| *stop) => Event::Shutdown,
                msg = self.socket.recv() => Event::Incoming(msg),
                batch = next_batch(&mut self.rx) => Event::Batch(batch),
                () = &mut heartbeat => Event::Heartbeat,
            };
            let mut out = Outbox::new();
            let handled = match event {
                Event::Shutdown => Err(End::Shutdown),
                Event::Incoming(msg) => self.on_incoming(msg, &mut out),
                Event::Batch(batch) => self.on_batch(batch, &mut out),
                Event::Heartbeat => {
                    if self.last_sent.elapsed() >= self.heartbeat_every {
                        out.push(frame(
                            FrameKind::Heartbeat,
                            &ServerFrame::Heartbeat { ts: now_ms() },
                        ));
                    }
                    Ok(())
                }
            };
            let sent = match handled {
                Ok(()) if out.is_empty() => Ok(()),
                Ok(()) => self.send(out).await,
                Err(end) => Err(end),
            };
            if let Err(end) = sent {
                break end;
            }
            let due = self.last_sent + self.heartbeat_every;
            if heartbeat.deadline() != due {
                heartbeat.as_mut().reset(due);
            }
        };
        self.finish(end).await;
    }

    fn on_incoming(
        &mut self,
        msg: Option<Result<Message, axum::Error>>,
        out: &mut Outbox,
    ) -> Result<(), End> {
        match msg {
            None | Some(Ok(Message::Close(_))) => Err(End::Closed),
            Some(Err(e)) => {
                let gone =
                    std::iter::successors(e.source(), |s| (*s).source()).any(|s| s.is::<std::io::Error>());
                if gone {
                    Err(End::Closed)
                } else {
                    Err(End::Drop(
                        DropReason::ProtocolError,
                        close_code::PROTOCOL,
                        e.to_string(),
                    ))
                }
            }
            Some(Ok(Message::Text(text))) => {
                self.on_text(text.as_str(), out);
                Ok(())
            }
            Some(Ok(Message::Binary(_))) => {
                out.push(error_frame(
                    "unsupported_frame",
                    "binary frames are not supported; send JSON text frames",
                ));
                Ok(())
            }
            // Pings are answered by the protocol layer.
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
        }
    }

    fn on_text(&mut self, text: &str, out: &mut Outbox) {
        let request = match serde_json::from_str::<ClientFrame>(text) {
            Ok(request) => request,
            Err(e) => {
                out.push(error_frame(
                    "bad_request",
                    format!(
                        "cannot read the frame ({e}); expected {{\"op\":\"subscribe\",\"symbols\":[\"*\"]}}"
                    ),
                ));
                return;
            }
        };
        let book = Arc::clone(&self.state.inner.book);
        let lookup = |name: &str| book.id(name);
        let (unknown, subscribing) = match &request {
            ClientFrame::Subscribe { symbols } => (self.sub.subscribe(symbols, lookup), true),
            ClientFrame::Unsubscribe { symbols } => (self.sub.unsubscribe(symbols, lookup), false),
        };
        if !unknown.is_empty() {
            out.push(error_frame(
                "unknown_symbol",
                format!("unknown symbols: {}", unknown.join(", ")),
            ));
        }
        if self.sub.is_empty() {
            self.rx = None;
        } else if self.rx.is_none() {
            // Subscribe before taking the snapshot so no batch falls between.
            self.rx = Some(self.state.inner.batches.subscribe());
        }
        out.push(frame(
            FrameKind::Subscribed,
            &ServerFrame::Subscribed {
                symbols: self.sub.names(book.symbols()),
            },
        ));
        if subscribing {
            out.push(self.snapshot(SnapshotReason::Subscribe));
        }
    }

    fn on_batch(&mut self, first: Result<Arc<Batch>, RecvError>, out: &mut Outbox) -> Result<(), End> {
        let mut next = Some(first);
        while let Some(received) = next.take() {
            match received {
                Ok(batch) => {
                    if let Some(msg) = self.ticks_message(&batch) {
                        out.push((FrameKind::Ticks, msg));
                    }
                }
                Err(RecvError::Lagged(skipped)) => self.resync(skipped, out)?,
                Err(RecvError::Closed) => return Err(End::Closed),
            }
            if out.len() >= MAX_FRAMES_PER_FLUSH {
                break;
            }
            let Some(rx) = self.rx.as_mut() else { break };
            next = match rx.try_recv() {
                Ok(batch) => Some(Ok(batch)),
                Err(TryRecvError::Lagged(skipped)) => Some(Err(RecvError::Lagged(skipped))),
                Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                Err(TryRecvError::Empty) => None,
            };
        }
        Ok(())
    }

    /// The client fell behind: skip every batch still buffered (older than
    /// the book), count them as conflated, and send the latest quotes.
    fn resync(&mut self, skipped: u64, out: &mut Outbox) -> Result<(), End> {
        let mut conflated = skipped;
        if let Some(rx) = self.rx.as_mut() {
            loop {
                match rx.try_recv() {
                    Ok(_) => conflated += 1,
                    Err(TryRecvError::Lagged(n)) => conflated += n,
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
        }
        let shared = &self.state.inner;
        shared.metrics.ws_conflated.inc_by(conflated);
        let config = &shared.config.ws;
        let now = Instant::now();
        let window = Duration::from_millis(config.resync_window_ms);
        while self
            .resyncs
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.resyncs.pop_front();
        }
        self.resyncs.push_back(now);
        if self.resyncs.len() > config.max_resyncs {
            return Err(End::Drop(
                DropReason::TooManyResyncs,
                close_code::POLICY,
                format!(
                    "fell behind more than {} times in {} ms",
                    config.max_resyncs, config.resync_window_ms
                ),
            ));
        }
        out.clear();
        out.push(self.snapshot(SnapshotReason::Resync));
        Ok(())
    }

    fn snapshot(&self, reason: SnapshotReason) -> (FrameKind, Message) {
        let quotes = self.state.inner.book.snapshot(self.sub.ids());
        frame(FrameKind::Snapshot, &ServerFrame::Snapshot { reason, quotes })
    }

    /// The batch's frame for this client: the shared text for `*`, else the
    /// client's symbols only (nothing if none of them ticked).
    fn ticks_message(&self, batch: &Batch) -> Option<Message> {
        if self.sub.is_all() {
            return Some(Message::Text(batch.frame.clone()));
        }
        let chosen = batch
            .spans
            .iter()
            .zip(&batch.symbol_ids)
            .filter(|(_, id)| self.sub.contains(**id))
            .map(|(span, _)| span);
        let text = wire::splice(batch.seq, batch.frame.as_str(), chosen)?;
        Some(Message::Text(text.into()))
    }

    /// Writes the frames and flushes once, within the send timeout.
    async fn send(&mut self, out: Outbox) -> Result<(), End> {
        let counters = &self.state.inner.ws_counters;
        let socket = &mut self.socket;
        let mut kinds = Vec::with_capacity(out.len());
        let write = async {
            for (kind, msg) in out {
                socket.feed(msg).await?;
                kinds.push(kind);
            }
            socket.flush().await
        };
        match tokio::time::timeout(self.send_timeout, write).await {
            Ok(Ok(())) => {
                for kind in kinds {
                    counters.frame_sent(kind);
                }
                self.last_sent = Instant::now();
                Ok(())
            }
            Ok(Err(_)) => Err(End::Closed),
            Err(_) => Err(End::Drop(
                DropReason::SendTimeout,
                close_code::POLICY,
                format!(
                    "not reading: a send took over {} ms",
                    self.send_timeout.as_millis()
                ),
            )),
        }
    }

    async fn finish(mut self, end: End) {
        let (code, reason) = match end {
            End::Closed => return,
            End::Shutdown => (close_code::AWAY, "server shutting down".to_string()),
            End::Drop(why, code, reason) => {
                self.state.inner.ws_counters.dropped(why);
                tracing::warn!(reason = why.as_str(), detail = %reason, "disconnecting WebSocket client");
                (code, reason)
            }
        };
        let close = Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(truncate(&reason, MAX_CLOSE_REASON)),
        }));
        let grace = CLOSE_GRACE.min(self.send_timeout);
        if tokio::time::timeout(grace, self.socket.send(close))
            .await
            .is_err()
        {
            return;
        }
        // Wait for the client's close reply, so the connection ends cleanly
        // instead of with a reset that could swallow our close frame.
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(msg)) = self.socket.recv().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

fn frame(kind: FrameKind, frame: &ServerFrame) -> (FrameKind, Message) {
    let text = serde_json::to_string(frame).unwrap_or_else(|_| {
        r#"{"type":"error","error":{"code":"internal","message":"cannot serialize a frame"}}"#.to_string()
    });
    (kind, Message::Text(text.into()))
}

fn error_frame(code: &str, message: impl Into<String>) -> (FrameKind, Message) {
    frame(
        FrameKind::Error,
        &ServerFrame::Error {
            error: ErrorDetail {
                code: code.to_string(),
                message: message.into(),
            },
        },
    )
}

/// `s` cut to at most `max` bytes on a character boundary.
fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("ok", 10), "ok");
    }
}
