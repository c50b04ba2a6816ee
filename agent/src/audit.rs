//! The agent's own audit log: one JSON line per request to a route that
//! acts, accepted or refused, appended and fsynced before the answer goes
//! out. The file is bounded by size: past `audit.max_bytes` it is rotated
//! (`audit.jsonl` -> `audit.jsonl.1` -> ...), keeping `audit.keep` old files.
//!
//! If the log cannot be opened the agent still starts and serves reads, but
//! every acting route answers 503 `audit_unavailable` and runs nothing: an
//! action is never taken without its record.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;

use crate::api::AuditEntry;
use crate::config::range_u64;

/// `[audit]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The log file; empty: `audit.jsonl` in the agent's state directory.
    pub file: String,
    /// Size at which the file is rotated, bytes.
    #[serde(deserialize_with = "range_u64::<_, 4096, 1_073_741_824>")]
    pub max_bytes: u64,
    /// Rotated files kept (`.1` newest).
    #[serde(deserialize_with = "range_u64::<_, 0, 100>")]
    pub keep: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            file: String::new(),
            max_bytes: 10_485_760,
            keep: 5,
        }
    }
}

impl AuditConfig {
    /// The log's path: `file`, else `audit.jsonl` in the state directory.
    pub fn path(&self, lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf, String> {
        if !self.file.is_empty() {
            return Ok(PathBuf::from(&self.file));
        }
        crate::dr::state_dir(lookup)
            .map(|dir| dir.join("audit.jsonl"))
            .ok_or_else(|| {
                "no audit log: set audit.file (or STATE_DIRECTORY, XDG_STATE_HOME or HOME)".to_string()
            })
    }
}

pub(crate) struct AuditLog {
    writer: Result<Mutex<Writer>, String>,
}

struct Writer {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    keep: u64,
}

impl AuditLog {
    /// Opens (creating) the log; a failure is kept and reported by
    /// [`AuditLog::unavailable`].
    pub fn open(config: &AuditConfig) -> AuditLog {
        let writer = config
            .path(|name| std::env::var_os(name))
            .and_then(|path| {
                let file = open_append(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                Ok(Writer {
                    path,
                    file,
                    size,
                    max_bytes: config.max_bytes,
                    keep: config.keep,
                })
            })
            .map(Mutex::new);
        AuditLog { writer }
    }

    /// Why nothing can be recorded, if so.
    pub fn unavailable(&self) -> Option<&str> {
        self.writer.as_ref().err().map(String::as_str)
    }

    /// Where the log is, for the start-up message.
    pub fn path(&self) -> Option<PathBuf> {
        let writer = self.writer.as_ref().ok()?;
        Some(writer.lock().unwrap_or_else(PoisonError::into_inner).path.clone())
    }

    /// Appends one entry and fsyncs it (blocking).
    pub fn append(&self, entry: &AuditEntry) -> Result<(), String> {
        let writer = self.writer.as_ref().map_err(Clone::clone)?;
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let mut writer = writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer
            .write(&line)
            .map_err(|e| format!("cannot write {}: {e}", writer.path.display()))
    }

    /// The newest `limit` entries, newest first, across the rotated files
    /// (blocking). Lines that do not parse are skipped.
    pub fn newest(&self, limit: usize) -> Result<Vec<AuditEntry>, String> {
        let writer = self.writer.as_ref().map_err(Clone::clone)?;
        let (path, keep) = {
            let writer = writer.lock().unwrap_or_else(PoisonError::into_inner);
            (writer.path.clone(), writer.keep)
        };
        let mut entries = Vec::new();
        for n in 0..=keep {
            let text = match std::fs::read_to_string(rotated(&path, n)) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(format!("cannot read the audit log: {e}")),
            };
            for line in text.lines().rev() {
                if entries.len() == limit {
                    return Ok(entries);
                }
                if let Ok(entry) = serde_json::from_str(line) {
                    entries.push(entry);
                }
            }
        }
        Ok(entries)
    }
}

impl Writer {
    fn write(&mut self, line: &[u8]) -> std::io::Result<()> {
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(line)?;
        self.file.sync_data()?;
        self.size += line.len() as u64;
        Ok(())
    }

    /// Shifts `.1` -> `.2` ... (the oldest falls off), the live file to
    /// `.1`, and starts an empty one.
    fn rotate(&mut self) -> std::io::Result<()> {
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            for n in (1..self.keep).rev() {
                match std::fs::rename(rotated(&self.path, n), rotated(&self.path, n + 1)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            std::fs::rename(&self.path, rotated(&self.path, 1))?;
        }
        self.file = open_append(&self.path)?;
        self.size = 0;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// The live file for 0, else `<path>.<n>`.
fn rotated(path: &Path, n: u64) -> PathBuf {
    if n == 0 {
        return path.to_path_buf();
    }
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Opens for appending, creating the file (owner-only: it names callers)
/// and its directory.
fn open_append(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            ts: "2026-01-01T00:00:00.000Z".into(),
            principal: Some("ann".into()),
            role: Some("operator".into()),
            via: Some("static_token".into()),
            method: "POST".into(),
            route: "/api/v1/actions/{name}".into(),
            action: "circuit".into(),
            params: serde_json::json!({ "n": n }),
            author: None,
            comment: None,
            status: 200,
            result: "ok".into(),
            error: None,
            duration_ms: 1.5,
        }
    }

    fn n_of(entry: &AuditEntry) -> u64 {
        entry.params["n"].as_u64().unwrap()
    }

    #[test]
    fn appends_rotates_and_reads_newest_first() {
        let dir = std::env::temp_dir().join(format!("mda-audit-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub").join("audit.jsonl");
        let line_len = serde_json::to_vec(&entry(0)).unwrap().len() as u64 + 1;
        let config = AuditConfig {
            file: path.display().to_string(),
            max_bytes: line_len * 3,
            keep: 2,
        };
        let log = AuditLog::open(&config);
        assert_eq!(log.unavailable(), None);
        for n in 0..10 {
            log.append(&entry(n)).unwrap();
        }
        // 3 lines per file: the live file holds 9, .1 holds 6..8, .2 3..5;
        // 0..2 fell off with the third rotation.
        let newest: Vec<u64> = log.newest(100).unwrap().iter().map(n_of).collect();
        assert_eq!(newest, [9, 8, 7, 6, 5, 4, 3]);
        assert_eq!(
            log.newest(2).unwrap().iter().map(n_of).collect::<Vec<_>>(),
            [9, 8]
        );
        assert!(!rotated(&path, 3).exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // A reopened log goes on where it was, and skips a torn line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"torn\n")
            .unwrap();
        let reopened = AuditLog::open(&config);
        reopened.append(&entry(10)).unwrap();
        let newest: Vec<u64> = reopened.newest(3).unwrap().iter().map(n_of).collect();
        assert_eq!(newest, [10, 9, 8]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unusable_path_is_reported_not_fatal() {
        let config = AuditConfig {
            file: "/proc/no-such-dir/audit.jsonl".into(),
            ..AuditConfig::default()
        };
        let log = AuditLog::open(&config);
        assert!(
            log.unavailable().unwrap().contains("cannot open"),
            "{:?}",
            log.unavailable()
        );
        assert!(log.append(&entry(0)).is_err());
        let no_home = AuditConfig::default().path(|_| None).unwrap_err();
        assert!(no_home.contains("set audit.file"), "{no_home}");
        let state = AuditConfig::default().path(|name| (name == "STATE_DIRECTORY").then(|| "s".into()));
        assert_eq!(state, Ok(PathBuf::from("s/audit.jsonl")));
    }
}
