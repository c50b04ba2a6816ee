//! `exec` actions: a program run with an argument list, never through a
//! shell (an argument holding `; rm -rf /` is one literal argument), with a
//! timeout after which it is killed, its output streamed line by line.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

/// Longest line kept; the rest of a longer one is cut.
const MAX_LINE: usize = 4_096;

/// A program ready to run: variables already substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub args: Vec<String>,
    pub timeout: Duration,
}

impl Invocation {
    /// How it is shown: program and arguments, each quoted when it holds
    /// anything a reader could mistake for a separator.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|part| {
                if !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
                {
                    part.clone()
                } else {
                    format!("'{}'", part.replace('\'', r"'\''"))
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub text: String,
    pub stderr: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecOutcome {
    Exited {
        code: Option<i32>,
    },
    TimedOut,
    /// It never started (not found, not executable ...).
    NotStarted(String),
}

impl ExecOutcome {
    pub fn success(&self) -> bool {
        matches!(self, ExecOutcome::Exited { code: Some(0) })
    }

    pub fn describe(&self, timeout: Duration) -> String {
        match self {
            ExecOutcome::Exited { code: Some(code) } => format!("exit {code}"),
            ExecOutcome::Exited { code: None } => "killed by a signal".to_string(),
            ExecOutcome::TimedOut => format!("killed after the {}s timeout", timeout.as_secs()),
            ExecOutcome::NotStarted(error) => format!("did not start: {error}"),
        }
    }
}

/// Runs `invocation`, sending each output line to `lines` as it comes;
/// returns how it ended and how long it took. stdin is closed, so a program
/// that asks a question gets end-of-file rather than hanging.
pub async fn run(invocation: &Invocation, lines: mpsc::Sender<OutputLine>) -> (ExecOutcome, Duration) {
    let started = Instant::now();
    let child = Command::new(&invocation.program)
        .args(&invocation.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            return (
                ExecOutcome::NotStarted(format!("{}: {error}", invocation.program)),
                started.elapsed(),
            );
        }
    };
    let stdout = child
        .stdout
        .take()
        .map(|out| tokio::spawn(forward(out, false, lines.clone())));
    let stderr = child
        .stderr
        .take()
        .map(|err| tokio::spawn(forward(err, true, lines)));
    let outcome = match tokio::time::timeout(invocation.timeout, child.wait()).await {
        Ok(Ok(status)) => ExecOutcome::Exited { code: status.code() },
        Ok(Err(error)) => ExecOutcome::NotStarted(error.to_string()),
        Err(_) => {
            let _ = child.kill().await;
            ExecOutcome::TimedOut
        }
    };
    // The readers end once the pipes close; a grandchild holding them open
    // must not hold the action, so they get a moment, then are dropped.
    for reader in [stdout, stderr].into_iter().flatten() {
        let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
    }
    (outcome, started.elapsed())
}

async fn forward(pipe: impl AsyncRead + Unpin, stderr: bool, lines: mpsc::Sender<OutputLine>) {
    let mut reader = BufReader::new(pipe);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let end = buffer.len().min(MAX_LINE);
                let text = String::from_utf8_lossy(&buffer[..end])
                    .trim_end_matches(['\n', '\r'])
                    .to_string();
                if lines.send(OutputLine { text, stderr }).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(invocation: Invocation) -> (ExecOutcome, Vec<OutputLine>) {
        let (tx, mut rx) = mpsc::channel(64);
        let (outcome, _) = run(&invocation, tx).await;
        let mut lines = Vec::new();
        while let Ok(line) = rx.try_recv() {
            lines.push(line);
        }
        (outcome, lines)
    }

    #[tokio::test]
    async fn shell_metacharacters_are_passed_literally() {
        let hostile = "mda; echo pwned > /dev/null && $(id) `id` | cat *";
        let (outcome, lines) = collect(Invocation {
            program: "printf".to_string(),
            args: vec!["%s\\n".to_string(), hostile.to_string()],
            timeout: Duration::from_secs(5),
        })
        .await;
        assert!(outcome.success(), "{outcome:?}");
        assert_eq!(
            lines,
            vec![OutputLine {
                text: hostile.to_string(),
                stderr: false
            }]
        );
    }

    #[tokio::test]
    async fn stderr_lines_are_marked_and_exit_codes_reported() {
        let (outcome, lines) = collect(Invocation {
            program: "sh".to_string(),
            args: vec!["-c".to_string(), "echo out; echo err >&2; exit 3".to_string()],
            timeout: Duration::from_secs(5),
        })
        .await;
        assert_eq!(outcome, ExecOutcome::Exited { code: Some(3) });
        assert!(lines.contains(&OutputLine {
            text: "err".to_string(),
            stderr: true
        }));
        assert!(lines.contains(&OutputLine {
            text: "out".to_string(),
            stderr: false
        }));
    }

    #[tokio::test]
    async fn a_program_past_its_timeout_is_killed() {
        let (outcome, _) = collect(Invocation {
            program: "sleep".to_string(),
            args: vec!["30".to_string()],
            timeout: Duration::from_millis(200),
        })
        .await;
        assert_eq!(outcome, ExecOutcome::TimedOut);
        assert_eq!(
            outcome.describe(Duration::from_secs(30)),
            "killed after the 30s timeout"
        );
    }

    #[tokio::test]
    async fn a_missing_program_says_so() {
        let (outcome, _) = collect(Invocation {
            program: "mdops-no-such-program".to_string(),
            args: Vec::new(),
            timeout: Duration::from_secs(1),
        })
        .await;
        assert!(
            matches!(&outcome, ExecOutcome::NotStarted(e) if e.contains("mdops-no-such-program")),
            "{outcome:?}"
        );
    }

    #[test]
    fn display_quotes_what_a_reader_could_misread() {
        let invocation = Invocation {
            program: "kubectl".to_string(),
            args: vec!["rollout".to_string(), "a b".to_string(), "it's".to_string()],
            timeout: Duration::from_secs(1),
        };
        assert_eq!(invocation.display(), r"kubectl rollout 'a b' 'it'\''s'");
    }
}
