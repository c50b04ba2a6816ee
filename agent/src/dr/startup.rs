//! Restore on start (`dr.restore_on_start`): the newest backup that
//! verifies goes into the new agent's book and incident store.

use std::time::Instant;

use crate::api::DrRestore;
use crate::book::Book;
use crate::clock::now_ms;
use crate::config::AgentConfig;
use crate::incidents::IncidentStore;

use super::restore::{self, Loaded};
use super::store::BackupStore;

/// The state read back at start, to be put into the new book and store.
pub(crate) struct Restored {
    loaded: Option<Loaded>,
    record: DrRestore,
}

/// Restore on start (`dr.restore_on_start`): loads the newest backup that
/// verifies, and moves the simulator's start prices to the restored ones
/// so prices continue where they were. `None` when not asked for.
pub(crate) async fn restore_on_start(config: &mut AgentConfig) -> Option<Restored> {
    if !config.dr.restore_on_start {
        return None;
    }
    let started = Instant::now();
    let dir = config.dr.backup_dir(|name| std::env::var_os(name));
    let found = match dir {
        Ok(dir) => tokio::task::spawn_blocking(move || restore::newest_valid(&BackupStore::new(dir)))
            .await
            .unwrap_or_else(|e| Err(format!("restore task failed: {e}"))),
        Err(e) => Err(e),
    };
    let (loaded, skipped, error) = match found {
        Ok((loaded, skipped)) => {
            let error = loaded.is_none().then(|| "no backup verifies".to_string());
            (loaded, skipped, error)
        }
        Err(e) => (None, Vec::new(), Some(e)),
    };
    if let Some(loaded) = &loaded {
        for spec in &mut config.simulator.symbols {
            if let Some(quote) = loaded.state.quotes.iter().find(|q| q.symbol == spec.symbol) {
                spec.price = quote.price;
            }
        }
    }
    match (&loaded, &error) {
        (Some(l), _) => tracing::info!(backup = l.id, skipped = skipped.len(), "restoring from backup"),
        (None, Some(e)) => tracing::warn!("restore on start: nothing restored: {e}; starting empty"),
        (None, None) => {}
    }
    let record = DrRestore {
        at: now_ms(),
        backup_id: loaded.as_ref().map(|l| l.id.clone()),
        backup_created_at: loaded.as_ref().map(|l| l.manifest.created_at),
        duration_ms: started.elapsed().as_millis() as u64,
        quotes: 0,
        incidents: 0,
        skipped,
        error,
    };
    Some(Restored { loaded, record })
}

impl Restored {
    /// Puts the state into the agent's new book and incident store.
    pub fn apply(mut self, book: &Book, incidents: &IncidentStore) -> DrRestore {
        if let Some(loaded) = self.loaded {
            self.record.quotes = loaded.state.apply_to(book);
            self.record.incidents = incidents.restore(loaded.state.incidents, &loaded.id, now_ms());
            tracing::info!(
                backup = loaded.id,
                quotes = self.record.quotes,
                incidents = self.record.incidents,
                "state restored from backup"
            );
        }
        self.record
    }
}
