//! `mdops --record FILE`: a tap between the sources and the console copies
//! every recordable message, with the time it arrived, to a writer thread.
//!
//! The tap never waits on the disk: the queue to the writer is bounded, and
//! when it is full the copy is dropped and counted (the console still gets
//! the message; the file gets a `Gap` frame saying how many were lost). The
//! writer encodes off the async runtime and writes at most every 250 ms, or
//! sooner once 64 KiB are waiting, so disk writes stay few whatever the
//! tick rate. Nothing is fsynced: a killed mdops loses at most what was not
//! yet written, and the reader skips a cut last frame.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::mpsc;

use super::entry::{Entry, Event, SourceMsg, Start};
use super::format;
use crate::app::Msg;
use crate::sources::now_ms;

/// Entries waiting for the writer: at the embedded agent's 20 tick frames a
/// second, most of a minute of a stalled disk.
const QUEUE: usize = 1024;
const FLUSH_EVERY: Duration = Duration::from_millis(250);
const FLUSH_BYTES: usize = 64 * 1024;

/// What a recording came to, for the exit message.
#[derive(Debug, Default)]
pub struct Summary {
    pub path: PathBuf,
    pub frames: u64,
    pub bytes: u64,
    /// Messages the console got but the file did not (queue full, or the
    /// writer stopped on an error).
    pub dropped: u64,
    /// Why the writer stopped early, if it did.
    pub error: Option<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "recorded {} frames ({} KiB) to {}",
            self.frames,
            self.bytes.div_ceil(1024),
            self.path.display()
        )?;
        if self.dropped > 0 {
            write!(
                f,
                "; {} messages dropped because the disk fell behind",
                self.dropped
            )?;
        }
        if let Some(error) = &self.error {
            write!(f, "; recording stopped early: {error}")?;
        }
        Ok(())
    }
}

/// The sending half: owned by the tap task.
pub struct Recorder {
    path: PathBuf,
    queue: Option<SyncSender<Entry>>,
    writer: JoinHandle<Written>,
    dropped: u64,
    /// Dropped since the last `Gap` frame went out.
    unreported: u64,
}

/// What the writer thread did.
struct Written {
    frames: u64,
    bytes: u64,
    error: Option<String>,
}

impl Recorder {
    /// Creates `path` (never overwriting a recording) with its header and
    /// `start` frame, and starts the writer.
    pub fn create(path: &Path, start: Start) -> anyhow::Result<Recorder> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| {
                format!(
                    "--record {}: cannot create it (an existing file is never overwritten)",
                    path.display()
                )
            })?;
        let mut first = format::header().to_vec();
        let entry = Entry {
            at_ms: now_ms(),
            event: Event::Start(start),
        };
        format::encode_frame(&entry, &mut first)?;
        file.write_all(&first)
            .with_context(|| format!("--record {}: cannot write", path.display()))?;
        let (queue, received) = sync_channel(QUEUE);
        let written = first.len() as u64;
        let writer = std::thread::Builder::new()
            .name("mdops-recorder".to_string())
            .spawn(move || write_loop(file, received, written))
            .context("starting the recorder thread")?;
        Ok(Recorder {
            path: path.to_path_buf(),
            queue: Some(queue),
            writer,
            dropped: 0,
            unreported: 0,
        })
    }

    /// Queues a copy of `msg` if it is recorded; never blocks.
    pub fn record(&mut self, msg: &Msg) {
        let Some(msg) = SourceMsg::from_msg(msg) else {
            return;
        };
        let at_ms = now_ms();
        if self.unreported > 0 {
            let gap = Entry {
                at_ms,
                event: Event::Gap {
                    dropped: self.unreported,
                },
            };
            if !self.send(gap) {
                self.drop_one();
                return;
            }
            self.unreported = 0;
        }
        let entry = Entry {
            at_ms,
            event: Event::Msg(msg),
        };
        if !self.send(entry) {
            self.drop_one();
        }
    }

    fn send(&mut self, entry: Entry) -> bool {
        let Some(queue) = &self.queue else {
            return false;
        };
        match queue.try_send(entry) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => false,
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(path = %self.path.display(), "the recorder stopped; messages are no longer recorded");
                self.queue = None;
                false
            }
        }
    }

    fn drop_one(&mut self) {
        if self.dropped == 0 {
            tracing::warn!(path = %self.path.display(), "recording fell behind the disk: dropping messages (counted)");
        }
        self.dropped += 1;
        self.unreported += 1;
    }

    /// Lets the writer write what is queued and stop.
    pub fn finish(mut self) -> Summary {
        self.queue = None;
        let written = self.writer.join().unwrap_or_else(|_| Written {
            frames: 0,
            bytes: 0,
            error: Some("the recorder thread panicked".to_string()),
        });
        let summary = Summary {
            path: self.path,
            frames: written.frames,
            bytes: written.bytes,
            dropped: self.dropped,
            error: written.error,
        };
        tracing::info!(%summary, "recording finished");
        summary
    }
}

/// Starts recording to `path`: returns the receiver the console reads
/// instead of `rx`, and the tap task, which yields the `Summary` once the
/// sources have stopped.
pub fn tap(
    path: &Path,
    start: Start,
    mut rx: mpsc::Receiver<Msg>,
) -> anyhow::Result<(mpsc::Receiver<Msg>, tokio::task::JoinHandle<Summary>)> {
    let mut recorder = Recorder::create(path, start)?;
    let (tx, out) = mpsc::channel(rx.max_capacity());
    let task = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            recorder.record(&msg);
            if tx.send(msg).await.is_err() {
                break;
            }
        }
        recorder.finish()
    });
    Ok((out, task))
}

/// The writer thread: encodes, buffers and writes until the queue closes.
fn write_loop(mut file: File, queue: Receiver<Entry>, mut bytes: u64) -> Written {
    let mut buffer = Vec::with_capacity(2 * FLUSH_BYTES);
    // The start frame is already written.
    let mut frames = 1;
    let mut pending = 0;
    let mut last_write = Instant::now();
    let mut closed = false;
    let mut error = None;
    while !closed {
        let next = if buffer.is_empty() {
            queue.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            queue.recv_timeout(FLUSH_EVERY.saturating_sub(last_write.elapsed()))
        };
        match next {
            Ok(entry) => match format::encode_frame(&entry, &mut buffer) {
                Ok(()) => pending += 1,
                Err(why) => tracing::error!(%why, "a message could not be recorded"),
            },
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closed = true,
        }
        let due = buffer.len() >= FLUSH_BYTES || last_write.elapsed() >= FLUSH_EVERY || closed;
        if due && !buffer.is_empty() {
            if let Err(why) = write(&mut file, &buffer) {
                error = Some(why.to_string());
                break;
            }
            bytes += buffer.len() as u64;
            frames += pending;
            pending = 0;
            buffer.clear();
            last_write = Instant::now();
        }
    }
    Written { frames, bytes, error }
}

fn write(file: &mut File, buffer: &[u8]) -> io::Result<()> {
    file.write_all(buffer)?;
    file.flush()
}

/// How long the tap may take to drain once the sources have stopped.
const FINISH_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits for the tap to end (the sources have stopped) and the writer to
/// write what it holds.
pub async fn finish(tap: tokio::task::JoinHandle<Summary>) -> Summary {
    match tokio::time::timeout(FINISH_TIMEOUT, tap).await {
        Ok(Ok(summary)) => summary,
        Ok(Err(error)) => Summary {
            error: Some(format!("the recorder task failed: {error}")),
            ..Summary::default()
        },
        Err(_) => Summary {
            error: Some("the recorder did not stop in time; the file holds what was written".to_string()),
            ..Summary::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::entry::SloOrigin;
    use crate::record::format::Reader;

    fn start() -> Start {
        Start {
            target: "agent test".to_string(),
            agent_url: "http://127.0.0.1:1/".to_string(),
            alertmanager: None,
            sources: Vec::new(),
            slo: SloOrigin::Local { every_ms: 5_000 },
            mdops_version: "0".to_string(),
        }
    }

    #[test]
    fn records_source_messages_only_and_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("mdops-recorder-{}-{}", std::process::id(), now_ms()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.mdrec");
        let mut recorder = Recorder::create(&path, start()).unwrap();
        let heartbeat = Msg::Heartbeat {
            source: crate::app::SourceId::AgentStream,
            at_ms: 7,
        };
        recorder.record(&heartbeat);
        recorder.record(&Msg::Clock { now_ms: 8 });
        recorder.record(&Msg::ActionDone {
            label: "ack".to_string(),
            result: Ok("done".to_string()),
        });
        recorder.record(&heartbeat);
        let summary = recorder.finish();
        assert_eq!((summary.frames, summary.dropped, &summary.error), (3, 0, &None));
        assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());

        let mut reader = Reader::open(std::fs::File::open(&path).unwrap()).unwrap();
        let first = reader.next_entry().unwrap().unwrap();
        assert_eq!(first.event, Event::Start(start()));
        for _ in 0..2 {
            let entry = reader.next_entry().unwrap().unwrap();
            assert_eq!(entry.event, Event::Msg(SourceMsg::from_msg(&heartbeat).unwrap()));
            assert!(entry.at_ms >= first.at_ms);
        }
        assert_eq!(reader.next_entry().unwrap(), None);
        assert!(reader.problems().is_empty());

        let again = Recorder::create(&path, start()).err().unwrap();
        assert!(format!("{again:#}").contains("never overwritten"), "{again:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_exit_line_says_what_was_lost() {
        let summary = Summary {
            path: PathBuf::from("s.mdrec"),
            frames: 10,
            bytes: 2_048,
            dropped: 3,
            error: Some("No space left on device".to_string()),
        };
        assert_eq!(
            summary.to_string(),
            "recorded 10 frames (2 KiB) to s.mdrec; 3 messages dropped because the disk fell behind; \
             recording stopped early: No space left on device"
        );
    }
}
