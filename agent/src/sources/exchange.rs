//! The connection loop shared by the exchange adapters: connect (TLS for
//! `wss://`), subscribe, read with an idle timeout, hand decoded ticks to
//! the pipeline without ever waiting on it, and reconnect with capped
//! exponential backoff and jitter. Each exchange brings its [`Protocol`]:
//! the pure part (URL, subscribe message, frame decoding).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use rand::Rng as _;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::config::ExchangeSpec;
use super::{Failure, FeedOpener, Issue, SourceControl};
use crate::feed::RawTick;

/// Messages handled before the ticks read so far are handed on.
const MAX_BATCH_MESSAGES: usize = 256;

/// What a frame held besides ticks.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Decoded {
    /// Holes in the exchange's sequence numbers.
    pub gaps: u32,
    /// Trades seen before (same trade id), dropped.
    pub duplicates: u32,
    /// The exchange announced it will drop the connection: reconnect now.
    pub reconnect: Option<String>,
}

/// A frame that could not be used.
#[derive(Debug, PartialEq)]
pub(crate) enum Problem {
    /// Not a message of the protocol (bad JSON, missing or bad fields).
    Garbage(String),
    /// The exchange reported an error; the connection is replaced.
    Exchange(String),
}

/// The pure part of an exchange adapter.
pub(crate) trait Protocol: Send + 'static {
    /// The URL to connect to, from the configured endpoint.
    fn url(&self, endpoint: &str) -> String;
    /// A text frame to send once connected.
    fn subscribe(&self) -> Option<String>;
    /// Forgets per-connection state (sequence numbers) before a new one.
    fn reset(&mut self);
    /// Reads one text frame, appending its ticks to `out`.
    fn decode(&mut self, text: &str, out: &mut Vec<RawTick>) -> Result<Decoded, Problem>;
}

/// Follows a symbol's trade ids: `(1, 0)` when ids were skipped (a gap),
/// `(0, 1)` when this id was already seen (a duplicate, to drop). A lower
/// id than the newest is let through: its timestamp tells whether it is
/// out of order.
pub(crate) fn sequence(last: &mut Option<u64>, id: Option<u64>) -> (u32, u32) {
    let Some(id) = id else {
        return (0, 0);
    };
    let result = match *last {
        Some(newest) if id == newest => (0, 1),
        Some(newest) if id > newest + 1 => (1, 0),
        _ => (0, 0),
    };
    *last = Some(last.map_or(id, |newest| newest.max(id)));
    result
}

/// A short, printable preview of a frame for error messages.
pub(crate) fn preview(text: &str) -> String {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < text.len() { "..." } else { "" };
    format!("{:?}{more} ({} bytes)", &text[..end], text.len())
}

/// Reconnect delays: doubling from `min` to `max`, each with up to 50%
/// random jitter so that many agents do not reconnect in step.
struct Backoff {
    min: u64,
    max: u64,
    next: u64,
}

impl Backoff {
    fn new(spec: &ExchangeSpec) -> Backoff {
        Backoff {
            min: spec.reconnect_min_ms,
            max: spec.reconnect_max_ms,
            next: spec.reconnect_min_ms,
        }
    }

    fn delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next.saturating_mul(2)).min(self.max);
        let jitter = rand::rng().random_range(0..=base / 2);
        Duration::from_millis(base + jitter)
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// Runs the source until shutdown.
pub(crate) async fn run<P: Protocol>(
    mut protocol: P,
    spec: ExchangeSpec,
    control: Arc<SourceControl>,
    opener: FeedOpener,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(&spec);
    loop {
        let delivered = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            outcome = session(&mut protocol, &spec, &control, &opener) => match outcome {
                Some(delivered) => delivered,
                None => return,
            },
        };
        if delivered {
            backoff.reset();
        }
        let delay = backoff.delay();
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// One connection, from connect to its end. Returns whether it delivered
/// ticks, or `None` once the pipeline has stopped.
async fn session<P: Protocol>(
    protocol: &mut P,
    spec: &ExchangeSpec,
    control: &SourceControl,
    opener: &FeedOpener,
) -> Option<bool> {
    let url = protocol.url(&spec.url);
    let config = WebSocketConfig::default()
        .max_message_size(Some(spec.max_frame_bytes))
        .max_frame_size(Some(spec.max_frame_bytes));
    let connect = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
    let mut ws = match tokio::time::timeout(Duration::from_millis(spec.connect_timeout_ms), connect).await {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => {
            opener.register(&control.name);
            control.fail(Failure::ConnectFailed, format!("cannot connect to {url}: {e}"));
            return Some(false);
        }
        Err(_) => {
            opener.register(&control.name);
            control.fail(
                Failure::ConnectFailed,
                format!(
                    "cannot connect to {url}: no answer within {} ms",
                    spec.connect_timeout_ms
                ),
            );
            return Some(false);
        }
    };
    protocol.reset();
    let feed = opener.open(&control.name);
    control.set_connected(true);
    tracing::info!(source = &*control.name, %url, "connected");
    let mut delivered = false;
    let end = 'session: {
        if let Some(text) = protocol.subscribe()
            && let Err(e) = ws.send(Message::text(text)).await
        {
            break 'session end_of(e);
        }
        let idle = Duration::from_millis(spec.idle_timeout_ms);
        let mut ticks = Vec::new();
        loop {
            let mut next = match tokio::time::timeout(idle, ws.next()).await {
                Err(_) => {
                    break 'session (
                        Failure::Stalled,
                        format!("nothing received for {} ms; reconnecting", spec.idle_timeout_ms),
                    );
                }
                Ok(next) => next,
            };
            let mut handled = 0;
            loop {
                let message = match next {
                    None => break 'session (Failure::Disconnected, "the connection ended".to_string()),
                    Some(Err(e)) => break 'session end_of(e),
                    Some(Ok(message)) => message,
                };
                match message {
                    Message::Text(text) => match protocol.decode(text.as_str(), &mut ticks) {
                        Ok(decoded) => {
                            for _ in 0..decoded.gaps {
                                control.issue(Issue::Gap);
                            }
                            for _ in 0..decoded.duplicates {
                                control.issue(Issue::Duplicate);
                            }
                            if let Some(why) = decoded.reconnect {
                                break 'session (Failure::Disconnected, why);
                            }
                        }
                        Err(Problem::Garbage(why)) => control.fail(Failure::BadFrame, why),
                        Err(Problem::Exchange(why)) => {
                            break 'session (Failure::ExchangeError, format!("the exchange reported: {why}"));
                        }
                    },
                    Message::Binary(bytes) => control.fail(
                        Failure::BadFrame,
                        format!("a binary frame of {} bytes; the protocol sends text", bytes.len()),
                    ),
                    Message::Close(frame) => {
                        let why = frame.map_or_else(
                            || "closed by the exchange".to_string(),
                            |f| format!("closed by the exchange: {} {}", u16::from(f.code), f.reason),
                        );
                        break 'session (Failure::Disconnected, why);
                    }
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
                handled += 1;
                if handled == MAX_BATCH_MESSAGES {
                    break;
                }
                match ws.next().now_or_never() {
                    Some(more) => next = more,
                    None => break,
                }
            }
            if !ticks.is_empty() {
                delivered = true;
                match feed.try_send(std::mem::take(&mut ticks)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(dropped)) => control.dropped(dropped.len() as u64),
                    Err(TrySendError::Closed(_)) => return None,
                }
            }
        }
    };
    drop(feed);
    control.set_connected(false);
    let (failure, why) = end;
    control.fail(failure, why);
    Some(delivered)
}

/// How a read or write error ends the session.
fn end_of(e: WsError) -> (Failure, String) {
    match e {
        WsError::Capacity(e) => (Failure::FrameTooLarge, format!("frame too large: {e}")),
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            (Failure::Disconnected, "the connection was closed".to_string())
        }
        e => (Failure::Disconnected, format!("the connection failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_ids_give_gaps_and_duplicates() {
        let mut last = None;
        assert_eq!(sequence(&mut last, Some(10)), (0, 0));
        assert_eq!(sequence(&mut last, Some(11)), (0, 0));
        assert_eq!(sequence(&mut last, Some(11)), (0, 1));
        assert_eq!(sequence(&mut last, Some(14)), (1, 0));
        assert_eq!(sequence(&mut last, Some(12)), (0, 0));
        assert_eq!(last, Some(14));
        assert_eq!(sequence(&mut last, None), (0, 0));
    }

    #[test]
    fn previews_are_short_and_cut_on_characters() {
        assert_eq!(preview("abc"), "\"abc\" (3 bytes)");
        let long = "é".repeat(60);
        let shown = preview(&long);
        assert!(shown.ends_with("... (120 bytes)"), "{shown}");
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        let spec = ExchangeSpec {
            url: "ws://x".into(),
            symbols: Vec::new(),
            idle_timeout_ms: 1,
            connect_timeout_ms: 1,
            reconnect_min_ms: 100,
            reconnect_max_ms: 350,
            max_frame_bytes: 1024,
        };
        let mut b = Backoff::new(&spec);
        let ms: Vec<u128> = (0..4).map(|_| b.delay().as_millis()).collect();
        for (got, base) in ms.iter().zip([100, 200, 350, 350]) {
            assert!((base..=base + base / 2).contains(got), "{ms:?}");
        }
        b.reset();
        assert!(b.delay().as_millis() <= 150);
    }
}
