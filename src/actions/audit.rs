//! The console's audit trail: one JSON line per event of an action
//! attempt, appended and flushed to disk before the action runs, after it
//! ran, and when its verification ends, so a crash mid-action still leaves
//! the attempt on record.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Which moment of an attempt an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Written before anything is sent.
    Started,
    /// The action ran (or failed, or was refused).
    Finished,
    /// Watching the system afterwards ended.
    Verified,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339 UTC.
    pub time: String,
    pub phase: Phase,
    pub user: String,
    /// Kubernetes context and namespace, agent URL: where it acted.
    pub context: BTreeMap<String, String>,
    pub action: String,
    pub kind: String,
    pub target: Option<String>,
    pub params: BTreeMap<String, String>,
    pub dry_run: bool,
    /// `ok`, `error`, `refused`; for `verified`: `recovered`, `not_recovered`.
    pub result: Option<String>,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    pub message: Option<String>,
}

/// The time of an entry: now, RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An append-only JSONL file shared by the tasks that act.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    file: Arc<Mutex<File>>,
}

impl AuditLog {
    /// Opens (creating it and its directory, owner-only) the log at `path`.
    pub fn open(path: &Path) -> anyhow::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("opening the audit log {}", path.display()))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Arc::new(Mutex::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and syncs it to disk; an action whose audit entry
    /// cannot be written must not run, so the error is returned.
    pub fn append(&self, entry: &AuditEntry) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(entry).context("encoding an audit entry")?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("the audit log is unusable after a panic"))?;
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing the audit log {}", self.path.display()))
    }
}

/// Every entry of an audit file, oldest first; a torn last line (a crash
/// mid-write) is skipped.
pub fn read_entries(path: &Path) -> anyhow::Result<Vec<AuditEntry>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(phase: Phase) -> AuditEntry {
        AuditEntry {
            time: "2026-11-27T08:00:00.000Z".to_string(),
            phase,
            user: "ann".to_string(),
            context: BTreeMap::from([("namespace".to_string(), "mda".to_string())]),
            action: "restart".to_string(),
            kind: "kube.restart".to_string(),
            target: Some("mda-agent".to_string()),
            params: BTreeMap::new(),
            dry_run: false,
            result: None,
            error: None,
            duration_ms: None,
            message: None,
        }
    }

    #[test]
    fn entries_append_owner_only_and_read_back_past_a_torn_tail() {
        let dir = std::env::temp_dir().join(format!("mdops-audit-{}", std::process::id()));
        let path = dir.join("state").join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.append(&entry(Phase::Started)).unwrap();
        log.append(&entry(Phase::Finished)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"time\":\"2026-11-27T0")
            .unwrap();
        let read = read_entries(&path).unwrap();
        assert_eq!(
            read.iter().map(|e| e.phase).collect::<Vec<_>>(),
            [Phase::Started, Phase::Finished]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
