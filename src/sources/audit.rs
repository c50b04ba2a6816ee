//! Tails the console's audit log for the timeline: every entry appended by
//! this console, another console or `mdops action` on this host, read as
//! it lands. A source task rather than a read after each action of this
//! console, because the others' actions belong on the timeline too, and
//! because as a source message the entries are recorded and replayed like
//! everything else.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::now_ms;
use crate::actions::audit::AuditEntry;
use crate::app::Msg;

/// How often the file is looked at: actions are seconds apart.
pub const AUDIT_INTERVAL: Duration = Duration::from_secs(2);

/// Where reading stopped: past the last whole line.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    /// Entries kept from a first read of a long file: the newest ones.
    first_read_max: usize,
}

impl Tail {
    pub fn new(path: PathBuf, first_read_max: usize) -> Tail {
        Tail {
            path,
            offset: 0,
            first_read_max,
        }
    }

    /// Entries whose lines were completed since the last read, oldest
    /// first. A line still being written waits for its newline; a file
    /// that shrank (rotated) is read again from its start; a missing file
    /// reads as nothing yet.
    pub fn read_new(&mut self) -> std::io::Result<Vec<AuditEntry>> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let first = self.offset == 0;
        if file.metadata()?.len() < self.offset {
            self.offset = 0;
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        self.offset += end as u64 + 1;
        let mut entries: Vec<AuditEntry> = bytes[..end]
            .split(|&b| b == b'\n')
            .filter_map(|line| serde_json::from_slice(line).ok())
            .collect();
        if first && entries.len() > self.first_read_max {
            entries.drain(..entries.len() - self.first_read_max);
        }
        Ok(entries)
    }
}

/// Sends the new entries of the audit log every `every`, while the app
/// listens. A read error is logged and retried at the next look: the
/// timeline misses actions meanwhile, nothing else depends on it.
pub async fn run_audit(mut tail: Tail, every: Duration, tx: mpsc::Sender<Msg>) {
    loop {
        match tail.read_new() {
            Ok(entries) if entries.is_empty() => {}
            Ok(entries) => {
                let msg = Msg::Audit {
                    entries,
                    at_ms: now_ms(),
                };
                if tx.send(msg).await.is_err() {
                    return;
                }
            }
            Err(error) => tracing::warn!(%error, path = %tail.path.display(), "reading the audit log"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn line(action: &str) -> String {
        format!(
            "{{\"time\":\"2027-01-15T08:00:01.000Z\",\"phase\":\"finished\",\"user\":\"ann\",\"context\":{{}},\
             \"action\":\"{action}\",\"kind\":\"kube.restart\",\"target\":\"mda\",\"params\":{{}},\"dry_run\":false,\
             \"result\":\"ok\",\"error\":null,\"duration_ms\":3,\"message\":null}}\n"
        )
    }

    fn actions(entries: &[AuditEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.action.as_str()).collect()
    }

    #[test]
    fn reads_whole_new_lines_once_and_starts_over_when_the_file_shrinks() {
        let dir = std::env::temp_dir().join(format!("mdops-audit-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let mut tail = Tail::new(path.clone(), 2);
        assert!(tail.read_new().unwrap().is_empty(), "no file yet");

        let mut file = std::fs::File::create(&path).unwrap();
        write!(file, "{}{}{}", line("one"), line("two"), line("three")).unwrap();
        assert_eq!(
            actions(&tail.read_new().unwrap()),
            ["two", "three"],
            "the newest of a first read"
        );
        assert!(tail.read_new().unwrap().is_empty(), "nothing new");

        let four = line("four");
        let (head, rest) = four.split_at(30);
        write!(file, "{head}").unwrap();
        assert!(tail.read_new().unwrap().is_empty(), "a line being written waits");
        write!(file, "{rest}not json\n{}", line("five")).unwrap();
        assert_eq!(actions(&tail.read_new().unwrap()), ["four", "five"]);

        std::fs::write(&path, line("rotated")).unwrap();
        assert_eq!(actions(&tail.read_new().unwrap()), ["rotated"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
