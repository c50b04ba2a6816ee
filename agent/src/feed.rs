//! How ticks enter the agent: every source (the simulator, a replay, an
//! embedding program, a test) pushes chunks of raw ticks through a [`Feed`]
//! into one bounded queue, which the pipeline drains.
//!
//! Sources are also what `/health` reports on, so each feed registers itself
//! in the [`SourceRegistry`] and is "connected" while a handle to it lives.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

/// A tick as a source delivers it, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTick {
    pub symbol: Arc<str>,
    /// Last trade price.
    pub price: f64,
    pub bid: f64,
    pub ask: f64,
    /// Size of the last trade.
    pub size: f64,
    /// Exchange (or simulator) timestamp, Unix ms.
    pub ts: i64,
}

/// Ticks of one source, in arrival order. Chunks keep the per-tick cost of
/// the queue and of source bookkeeping low at high rates.
pub(crate) struct Chunk {
    pub source: Arc<SourceEntry>,
    pub ticks: Vec<RawTick>,
}

/// Live state of one source, shared by its feeds, the pipeline and `/health`.
#[derive(Debug)]
pub(crate) struct SourceEntry {
    pub name: Arc<str>,
    /// Number of live [`Feed`] handles for this source.
    feeds: AtomicUsize,
    /// Wall-clock time the newest tick was accepted, Unix ms; `NEVER` before.
    last_tick_ms: AtomicI64,
}

const NEVER: i64 = i64::MIN;

impl SourceEntry {
    pub fn record_accepted(&self, now_ms: i64) {
        self.last_tick_ms.store(now_ms, Ordering::Relaxed);
    }
}

/// A point-in-time view of one source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceSnapshot {
    pub name: Arc<str>,
    pub connected: bool,
    pub last_tick_ms: Option<i64>,
}

/// Every source the agent has seen, in registration order.
#[derive(Debug, Default)]
pub(crate) struct SourceRegistry {
    entries: Mutex<Vec<Arc<SourceEntry>>>,
}

impl SourceRegistry {
    /// The entry for `name`, created on first use.
    pub(crate) fn entry(&self, name: &str) -> Arc<SourceEntry> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.iter().find(|e| &*e.name == name) {
            return Arc::clone(entry);
        }
        let entry = Arc::new(SourceEntry {
            name: Arc::from(name),
            feeds: AtomicUsize::new(0),
            last_tick_ms: AtomicI64::new(NEVER),
        });
        entries.push(Arc::clone(&entry));
        entry
    }

    pub fn snapshot(&self) -> Vec<SourceSnapshot> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .map(|e| {
                let last = e.last_tick_ms.load(Ordering::Relaxed);
                SourceSnapshot {
                    name: Arc::clone(&e.name),
                    connected: e.feeds.load(Ordering::Relaxed) > 0,
                    last_tick_ms: (last != NEVER).then_some(last),
                }
            })
            .collect()
    }
}

/// The agent is shut down; the feed's ticks have nowhere to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the agent's pipeline has stopped")]
pub struct FeedClosed;

/// Sending side of one named source. The source shows as connected in
/// `/health` while a `Feed` for it exists, and as down once all are dropped.
/// Its ticks go through the same validation, book, bars, metrics and
/// WebSocket fan-out as the simulator's.
#[derive(Debug)]
pub struct Feed {
    entry: Arc<SourceEntry>,
    tx: mpsc::Sender<Chunk>,
}

impl Feed {
    pub(crate) fn open(registry: &SourceRegistry, name: &str, tx: mpsc::Sender<Chunk>) -> Feed {
        let entry = registry.entry(name);
        entry.feeds.fetch_add(1, Ordering::Relaxed);
        Feed { entry, tx }
    }

    /// The source name ticks are attributed to (metrics, quotes, `/health`).
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// Queues ticks for the pipeline, waiting while the queue is full.
    pub async fn send(&self, ticks: Vec<RawTick>) -> Result<(), FeedClosed> {
        if ticks.is_empty() {
            return Ok(());
        }
        let chunk = Chunk {
            source: Arc::clone(&self.entry),
            ticks,
        };
        self.tx.send(chunk).await.map_err(|_| FeedClosed)
    }

    /// Queues ticks without waiting; a full queue hands them back, so a
    /// live source can count them as dropped rather than fall behind.
    pub(crate) fn try_send(
        &self,
        ticks: Vec<RawTick>,
    ) -> Result<(), mpsc::error::TrySendError<Vec<RawTick>>> {
        if ticks.is_empty() {
            return Ok(());
        }
        let chunk = Chunk {
            source: Arc::clone(&self.entry),
            ticks,
        };
        self.tx.try_send(chunk).map_err(|e| match e {
            mpsc::error::TrySendError::Full(c) => mpsc::error::TrySendError::Full(c.ticks),
            mpsc::error::TrySendError::Closed(c) => mpsc::error::TrySendError::Closed(c.ticks),
        })
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.entry.feeds.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_mark_their_source_connected_while_alive() {
        let registry = SourceRegistry::default();
        let (tx, _rx) = mpsc::channel(1);
        let a = Feed::open(&registry, "replay", tx.clone());
        let b = Feed::open(&registry, "replay", tx);
        assert_eq!(a.name(), "replay");
        drop(a);
        assert!(registry.snapshot()[0].connected);
        drop(b);
        let snap = registry.snapshot();
        assert_eq!(snap.len(), 1);
        assert!(!snap[0].connected);
        assert_eq!(snap[0].last_tick_ms, None);
    }
}
