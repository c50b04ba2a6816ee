//! The backup directory as the API sees it: writing one backup, listing
//! them with what is known of each, retention and clean-up. Runs on the
//! blocking pool.

use std::time::Duration;

use crate::api::DrBackup;
use crate::clock::now_ms;

use super::manifest::{FORMAT, Manifest};
use super::retention;
use super::state::State;
use super::store::BackupStore;

/// An unfinished backup older than this is from a writer that died.
const STALE_TEMPORARY: Duration = Duration::from_secs(600);

pub(crate) fn remove_temporaries(store: &BackupStore) {
    let older_than = std::time::SystemTime::now() - STALE_TEMPORARY;
    match store.remove_temporaries(older_than) {
        Ok(removed) if !removed.is_empty() => {
            tracing::warn!(
                ?removed,
                "removed backups left unfinished by an interrupted write"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot clean the backup directory: {e}"),
    }
}

/// Encodes and writes one backup; returns its id.
pub(crate) fn write_backup(
    store: &BackupStore,
    at: i64,
    state: &State,
    fingerprint: String,
) -> Result<String, String> {
    let data = state
        .encode()
        .map_err(|e| format!("cannot encode the state: {e}"))?;
    let manifest = Manifest {
        format: FORMAT,
        created_at: at,
        agent_version: env!("CARGO_PKG_VERSION").to_string(),
        config_fingerprint: fingerprint,
        symbols: state.bars.len(),
        quotes: state.quotes.len(),
        open_incidents: state.incidents.len(),
        files: Manifest::entries(&data),
    };
    let manifest =
        serde_json::to_vec_pretty(&manifest).map_err(|e| format!("cannot encode the manifest: {e}"))?;
    store
        .write(at, &data, &manifest)
        .map_err(|e| format!("cannot write into {}: {e}", store.dir().display()))
}

/// The backups in the directory, newest first, with quick checks. What a
/// full check found (verified, or a problem) stays known while the
/// manifest is unchanged; `written` was read back and verified just now.
pub(crate) fn scan(
    store: &BackupStore,
    known: &[DrBackup],
    written: Option<&str>,
) -> Result<Vec<DrBackup>, String> {
    let ids = store
        .list()
        .map_err(|e| format!("cannot list {}: {e}", store.dir().display()))?;
    let now = now_ms();
    Ok(ids
        .into_iter()
        .map(|(id, _)| {
            let inspected = store.inspect(&id);
            let before = known
                .iter()
                .find(|b| b.id == id && b.checksum == inspected.checksum);
            let fresh = written == Some(id.as_str()) && inspected.manifest.is_ok();
            let problem = inspected
                .manifest
                .err()
                .or_else(|| before.and_then(|b| b.problem.clone()).filter(|_| !fresh));
            let verified_at = if fresh {
                Some(now)
            } else {
                before.and_then(|b| b.verified_at).filter(|_| problem.is_none())
            };
            DrBackup {
                id,
                created_at: inspected.created_at,
                size_bytes: inspected.size_bytes,
                checksum: inspected.checksum,
                verified: verified_at.is_some(),
                verified_at,
                problem,
            }
        })
        .collect())
}

/// Removes what retention says, logging each; returns the ids removed.
pub(crate) fn apply_retention(
    store: &BackupStore,
    backups: &[DrBackup],
    now: i64,
    keep: usize,
    max_age_ms: i64,
) -> Vec<String> {
    let candidates: Vec<retention::Candidate> = backups
        .iter()
        .map(|b| retention::Candidate {
            id: b.id.clone(),
            created_at: b.created_at,
            good: b.problem.is_none(),
        })
        .collect();
    let mut removed = Vec::new();
    for id in retention::to_remove(&candidates, now, keep, max_age_ms) {
        match store.remove(&id) {
            Ok(()) => {
                tracing::info!(backup = id, "backup removed by retention");
                removed.push(id);
            }
            Err(e) => tracing::warn!(backup = id, "retention cannot remove backup: {e}"),
        }
    }
    removed
}
