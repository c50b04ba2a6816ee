//! The pipeline: one task that drains the feeds' queue, validates each tick,
//! applies it to the book, and publishes accepted ticks in batches on a
//! broadcast channel for the WebSocket clients.
//!
//! Each tick is encoded once, here, into its batch's `ticks` frame, which
//! every `*` subscriber sends as is: fan-out costs a reference count per
//! client, not a serialization. Clients of a few symbols get frames spliced
//! from the encoded ticks.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use crate::api::Quote;
use crate::book::{Book, SymbolId};
use crate::clock::now_ms;
use crate::config::{ValidationConfig, WsConfig};
use crate::feed::Chunk;
use crate::incidents::PipelineSignals;
use crate::metrics::{Metrics, SourceCounters};
use crate::sources::{Issue, SourceControl, Sources, SymbolQuality, Verdict};
use crate::validate::{RejectReason, validate};
use crate::wire::FrameBuilder;

/// Accepted ticks published together, in pipeline order.
#[derive(Debug)]
pub(crate) struct Batch {
    /// Increases by one per batch published.
    pub seq: u64,
    /// `ServerFrame::Ticks { seq, ticks }` as JSON text.
    pub frame: Utf8Bytes,
    /// Where each tick lies in `frame`, for per-client filtering.
    pub spans: Vec<Range<usize>>,
    /// Book id of each tick's symbol, parallel to `spans`.
    pub symbol_ids: Vec<SymbolId>,
}

/// Collects accepted ticks, encoded as they arrive, until a batch is full or
/// its time is up.
pub(crate) struct Batcher {
    max_ticks: usize,
    next_seq: u64,
    pending: Option<Pending>,
}

struct Pending {
    frame: FrameBuilder,
    symbol_ids: Vec<SymbolId>,
    /// When the first tick arrived.
    opened: Instant,
}

impl Batcher {
    pub fn new(max_ticks: usize) -> Batcher {
        Batcher {
            max_ticks: max_ticks.max(1),
            next_seq: 1,
            pending: None,
        }
    }

    /// Adds a tick; returns the batch it completed, if any.
    pub fn push(&mut self, id: SymbolId, quote: &Quote, now: Instant) -> Option<Batch> {
        let (seq, max) = (self.next_seq, self.max_ticks);
        let pending = self.pending.get_or_insert_with(|| Pending {
            frame: FrameBuilder::new(seq, max),
            symbol_ids: Vec::new(),
            opened: now,
        });
        pending.frame.push(quote);
        pending.symbol_ids.push(id);
        if pending.frame.len() >= max {
            self.take()
        } else {
            None
        }
    }

    /// When the pending batch's first tick arrived, if there is one.
    pub fn opened(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.opened)
    }

    /// The pending ticks as a batch, if there are any.
    pub fn take(&mut self) -> Option<Batch> {
        let pending = self.pending.take()?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let (text, spans) = pending.frame.finish();
        Some(Batch {
            seq,
            frame: Utf8Bytes::from(text),
            spans,
            symbol_ids: pending.symbol_ids,
        })
    }
}

/// Everything the pipeline task owns.
pub(crate) struct Pipeline {
    book: Arc<Book>,
    metrics: Arc<Metrics>,
    rules: ValidationConfig,
    batch_max_ticks: usize,
    batch_interval: Duration,
    out: broadcast::Sender<Arc<Batch>>,
    /// What the incident detectors need from each accepted tick.
    signals: PipelineSignals,
    /// Configured sources by name: their ticks get the quality checks and
    /// are served only while their source is its group's active one.
    managed: HashMap<Arc<str>, Managed>,
}

struct Managed {
    control: Arc<SourceControl>,
    /// Per book symbol id.
    quality: Vec<SymbolQuality>,
}

impl Pipeline {
    pub fn new(
        book: Arc<Book>,
        metrics: Arc<Metrics>,
        rules: ValidationConfig,
        ws: &WsConfig,
        out: broadcast::Sender<Arc<Batch>>,
        signals: PipelineSignals,
        sources: &Sources,
    ) -> Pipeline {
        let managed = sources
            .controls()
            .iter()
            .map(|control| {
                let managed = Managed {
                    control: Arc::clone(control),
                    quality: vec![SymbolQuality::default(); book.symbols().len()],
                };
                (Arc::clone(&control.name), managed)
            })
            .collect();
        Pipeline {
            managed,
            book,
            metrics,
            rules,
            batch_max_ticks: ws.batch_max_ticks,
            batch_interval: Duration::from_millis(ws.batch_interval_ms),
            out,
            signals,
        }
    }

    /// Runs until shutdown or until every feed is gone; the pending batch is
    /// published before returning.
    pub async fn run(mut self, mut input: mpsc::Receiver<Chunk>, mut shutdown: watch::Receiver<bool>) {
        let mut batcher = Batcher::new(self.batch_max_ticks);
        let mut counters: HashMap<Arc<str>, SourceCounters> = HashMap::new();
        let flush = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(flush);
        loop {
            tokio::select! {
                biased;
                _ = shutdown.wait_for(|stop| *stop) => break,
                chunk = input.recv() => match chunk {
                    Some(chunk) => {
                        self.ingest(chunk, &mut batcher, &mut counters);
                        if let Some(opened) = batcher.opened() {
                            let deadline = opened + self.batch_interval;
                            if flush.deadline() != deadline {
                                flush.as_mut().reset(deadline);
                            }
                        }
                    }
                    None => break,
                },
                () = &mut flush, if batcher.opened().is_some() => {
                    if let Some(batch) = batcher.take() {
                        self.publish(batch);
                    }
                }
            }
        }
        if let Some(batch) = batcher.take() {
            self.publish(batch);
        }
    }

    fn ingest(
        &mut self,
        chunk: Chunk,
        batcher: &mut Batcher,
        counters: &mut HashMap<Arc<str>, SourceCounters>,
    ) {
        let source = &chunk.source.name;
        let counters = counters
            .entry(Arc::clone(source))
            .or_insert_with(|| self.metrics.source_counters(source, self.book.symbols()));
        let now = now_ms();
        let instant = Instant::now();
        let mut accepted = false;
        let mut managed = self.managed.get_mut(source);
        let mut good = 0;
        for tick in &chunk.ticks {
            let checked = validate(tick, now, &self.rules)
                .and_then(|()| self.book.id(&tick.symbol).ok_or(RejectReason::UnknownSymbol));
            let id = match checked {
                Ok(id) => id,
                Err(reason) => {
                    counters.rejected[reason.index()].inc();
                    if let Some(m) = &managed {
                        match reason {
                            RejectReason::Crossed => m.control.issue(Issue::Crossed),
                            _ => m.control.rejected(),
                        }
                    }
                    continue;
                }
            };
            if let Some(m) = &mut managed {
                match m.quality[id].check(tick, &m.control.quality) {
                    Verdict::Good => {}
                    Verdict::GoodAfterGap => m.control.issue(Issue::Gap),
                    Verdict::Reject(issue) => {
                        m.control.issue(issue);
                        continue;
                    }
                }
                good += 1;
                // A standby's good ticks keep it known healthy; they are
                // not served.
                if !m.control.is_active() {
                    continue;
                }
            }
            let Some(completed) = self
                .book
                .apply(id, source, tick, |quote| batcher.push(id, quote, instant))
            else {
                continue;
            };
            accepted = true;
            counters.accepted[id].inc();
            self.signals.activity.mark(id, now);
            // Scored after it is applied: an anomalous tick is still served.
            if let Some(prices) = &mut self.signals.prices {
                prices.observe(id, tick, source, now);
            }
            if let Some(batch) = completed {
                publish(&self.metrics, &self.out, batch);
            }
        }
        if let Some(m) = &managed
            && good > 0
        {
            m.control.good_ticks(good, now);
        }
        // A configured standby's good ticks count as fresh data for /health.
        if accepted || good > 0 {
            chunk.source.record_accepted(now);
        }
    }

    fn publish(&self, batch: Batch) {
        publish(&self.metrics, &self.out, batch);
    }
}

fn publish(metrics: &Metrics, out: &broadcast::Sender<Arc<Batch>>, batch: Batch) {
    metrics.batches_published.inc();
    // No receivers (no client subscribed) is not an error.
    let _ = out.send(Arc::new(batch));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServerFrame;

    fn quote(symbol: &str, price: f64) -> Quote {
        Quote {
            symbol: symbol.into(),
            price,
            bid: price,
            ask: price,
            size: 1.0,
            volume: 1.0,
            open: price,
            ts: 1,
            source: "sim".into(),
        }
    }

    fn ticks_of(batch: &Batch) -> (u64, Vec<Quote>) {
        match serde_json::from_str(batch.frame.as_str()).unwrap() {
            ServerFrame::Ticks { seq, ticks } => (seq, ticks),
            other => panic!("not a ticks frame: {other:?}"),
        }
    }

    #[test]
    fn batches_fill_up_and_number_themselves() {
        let mut b = Batcher::new(2);
        let now = Instant::now();
        assert!(b.push(0, &quote("A", 1.0), now).is_none());
        assert_eq!(b.opened(), Some(now));
        let first = b.push(1, &quote("B", 2.0), now).unwrap();
        assert_eq!(first.symbol_ids, [0, 1]);
        assert_eq!(first.spans.len(), 2);
        assert_eq!(ticks_of(&first), (1, vec![quote("A", 1.0), quote("B", 2.0)]));
        assert_eq!(b.opened(), None);
        assert!(b.take().is_none());
        b.push(0, &quote("A", 3.0), now);
        let second = b.take().unwrap();
        assert_eq!(ticks_of(&second), (2, vec![quote("A", 3.0)]));
    }
}
