//! Reading a backup back: the newest one that verifies (restore on start),
//! and the restore drill, which restores into a scratch directory and a
//! scratch book and checks that the result serves what was backed up.

use std::path::Path;
use std::time::Instant;

use crate::api::DrSkipped;
use crate::config::BarsConfig;

use super::manifest::Manifest;
use super::state::State;
use super::store::{BackupStore, Verified, read_verified_at};

/// A backup read, verified and checked.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub id: String,
    pub manifest: Manifest,
    pub checksum: String,
    pub state: State,
    pub checks: Vec<String>,
}

/// Decodes and checks a verified backup against its manifest.
fn load(id: &str, verified: Verified) -> Result<Loaded, String> {
    let state = State::decode(&verified.data)?;
    let mut checks = vec![format!(
        "SHA-256 of {} files and the manifest match",
        verified.manifest.files.len()
    )];
    checks.extend(state.check()?);
    let m = &verified.manifest;
    let counted = (state.bars.len(), state.quotes.len(), state.incidents.len());
    if counted != (m.symbols, m.quotes, m.open_incidents) {
        return Err(format!(
            "content has {} symbols, {} quotes, {} incidents; the manifest says {}, {}, {}",
            counted.0, counted.1, counted.2, m.symbols, m.quotes, m.open_incidents
        ));
    }
    Ok(Loaded {
        id: id.to_string(),
        manifest: verified.manifest,
        checksum: verified.checksum,
        state,
        checks,
    })
}

/// Loads one backup of the store.
pub(crate) fn load_one(store: &BackupStore, id: &str) -> Result<Loaded, String> {
    load(id, store.read_verified(id)?)
}

/// The newest backup that verifies, and the newer ones skipped (each
/// logged with its reason).
pub(crate) fn newest_valid(store: &BackupStore) -> Result<(Option<Loaded>, Vec<DrSkipped>), String> {
    let ids = store
        .list()
        .map_err(|e| format!("cannot list {}: {e}", store.dir().display()))?;
    let mut skipped = Vec::new();
    for (id, _) in ids {
        match load_one(store, &id) {
            Ok(loaded) => return Ok((Some(loaded), skipped)),
            Err(reason) => {
                tracing::warn!(backup = id, reason, "backup skipped: it does not verify");
                skipped.push(DrSkipped { id, reason });
            }
        }
    }
    Ok((None, skipped))
}

/// What a drill found.
#[derive(Debug)]
pub(crate) struct DrillReport {
    pub loaded: Loaded,
    pub duration: std::time::Duration,
}

/// The drill: copies backup `id` into `scratch`, verifies the copy, loads
/// it into a fresh book and checks the book serves exactly the backed-up
/// quotes and bars. `scratch` is removed afterwards, whatever happened.
/// The duration covers copy to verified book: the RTO this drill shows.
pub(crate) fn drill(
    store: &BackupStore,
    id: &str,
    scratch: &Path,
    bars: &BarsConfig,
    fingerprint: &str,
) -> Result<DrillReport, String> {
    let started = Instant::now();
    let result = drill_into(store, id, scratch, bars, fingerprint);
    let duration = started.elapsed();
    if let Err(e) = std::fs::remove_dir_all(scratch) {
        tracing::warn!(scratch = %scratch.display(), "cannot remove the drill's scratch directory: {e}");
    }
    result.map(|loaded| DrillReport { loaded, duration })
}

fn drill_into(
    store: &BackupStore,
    id: &str,
    scratch: &Path,
    bars: &BarsConfig,
    fingerprint: &str,
) -> Result<Loaded, String> {
    let copy = scratch.join(id);
    store
        .copy_to(id, &copy)
        .map_err(|e| format!("cannot copy {id} into the scratch directory: {e}"))?;
    let mut loaded = load(id, read_verified_at(&copy)?)?;
    let state = &loaded.state;
    let longest = |f: fn(&super::state::SymbolBars) -> usize| state.bars.iter().map(f).max().unwrap_or(0);
    let capacity = BarsConfig {
        ring_1s: bars.ring_1s.max(longest(|b| b.bars_1s.len())),
        ring_1m: bars.ring_1m.max(longest(|b| b.bars_1m.len())),
        ..bars.clone()
    };
    let book = state.to_book(&capacity);
    let served = State::capture(&book, Vec::new());
    if served.quotes != state.quotes || served.bars != state.bars {
        return Err("the restored book does not serve the backed-up quotes and bars".to_string());
    }
    loaded.checks.push(format!(
        "a scratch book restored from the copy serves the same {} quotes and bars",
        state.quotes.len()
    ));
    loaded
        .checks
        .push(if loaded.manifest.config_fingerprint == fingerprint {
            "written with the configuration in force now".to_string()
        } else {
            "note: written with a different configuration (fingerprint differs)".to_string()
        });
    Ok(loaded)
}
