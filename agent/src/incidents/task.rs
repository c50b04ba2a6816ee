//! The detector task: every `interval_ms`, reads what the agent already
//! keeps, runs the detectors and hands their conditions to the store. Off
//! the tick path and the request path.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::detectors::{Detectors, Observation};
use super::signals::{AnomalyEvent, SymbolActivity};
use super::store::IncidentStore;
use crate::book::Book;
use crate::clock::now_ms;
use crate::feed::SourceRegistry;
use crate::metrics::Metrics;

pub(crate) struct DetectorTask {
    pub detectors: Detectors,
    pub store: Arc<IncidentStore>,
    pub sources: Arc<SourceRegistry>,
    pub book: Arc<Book>,
    pub activity: Arc<SymbolActivity>,
    pub metrics: Arc<Metrics>,
    pub anomalies: mpsc::Receiver<AnomalyEvent>,
    pub interval: Duration,
}

impl DetectorTask {
    /// Runs detector passes until shutdown.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let mut timer = tokio::time::interval(self.interval);
        timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut last_accepted = Vec::new();
        let mut events = Vec::new();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = timer.tick() => {}
            }
            self.pass(&mut last_accepted, &mut events);
        }
    }

    fn pass(&mut self, last_accepted: &mut Vec<Option<i64>>, events: &mut Vec<AnomalyEvent>) {
        let now = now_ms();
        let sources = self.sources.snapshot();
        self.activity.read_into(last_accepted);
        events.clear();
        while let Ok(event) = self.anomalies.try_recv() {
            events.push(event);
        }
        let rejected = self.metrics.rejected_totals();
        let book = &self.book;
        let symbol_source = |id| book.with_quote(id, |q| q.source.clone());
        let conditions = self.detectors.evaluate(&Observation {
            now_ms: now,
            sources: &sources,
            symbols: book.symbols(),
            last_accepted,
            symbol_source: &symbol_source,
            rejected: &rejected,
            http: self.metrics.http_totals(),
            anomalies: events,
        });
        self.store.reconcile(now, conditions);
    }
}
