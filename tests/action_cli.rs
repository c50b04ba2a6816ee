//! `mdops action`: the runbook engine from a shell. Exec arguments with
//! shell metacharacters run literally, every attempt is audited before and
//! after, and refusals (read-only, no confirmation, unknown action) run
//! nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::scratch_dir;
use mdops::actions::audit::{Phase, read_entries};

const HOSTILE: &str = "mda; touch pwned && $(touch pwned2) `touch pwned3` | cat *";

struct Setup {
    dir: PathBuf,
    config: PathBuf,
    audit: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = scratch_dir("mdops-action-cli");
        let runbooks = dir.join("runbooks.toml");
        std::fs::write(
            &runbooks,
            format!(
                r#"
[[action]]
name = "print-args"
description = "Print each argument on a line"
scope = "global"
roles = ["operator"]
kind = "exec"
program = "printf"
args = ["%s\n", "{{user}}", "{HOSTILE}"]
timeout_s = 5

[[action]]
name = "fail"
description = "Exit 3"
scope = "global"
roles = ["operator"]
kind = "exec"
program = "sh"
args = ["-c", "echo broken >&2; exit 3"]
timeout_s = 5
"#
            ),
        )
        .unwrap();
        let audit = dir.join("audit.jsonl");
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[incidents]\nauthor = \"cli-tester\"\n[actions]\nrunbooks = \"{}\"\naudit_file = \"{}\"\n",
                runbooks.display(),
                audit.display()
            ),
        )
        .unwrap();
        Setup { dir, config, audit }
    }

    fn mdops(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mdops"))
            .arg("--config")
            .arg(&self.config)
            .args(["--agent", "http://127.0.0.1:9"])
            .args(args)
            .current_dir(&self.dir)
            .env("XDG_STATE_HOME", &self.dir)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("mdops runs")
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn no_file(dir: &Path, name: &str) -> bool {
    !dir.join(name).exists()
}

#[test]
fn exec_runs_arguments_literally_and_is_audited_before_and_after() {
    let setup = Setup::new();
    let output = setup.mdops(&["action", "print-args", "--yes"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("\ncli-tester\n"), "{stdout}");
    assert!(stdout.contains(&format!("\n{HOSTILE}\n")), "{stdout}");
    assert!(stdout.contains("print-args done"), "{stdout}");
    for name in ["pwned", "pwned2", "pwned3"] {
        assert!(no_file(&setup.dir, name), "{name} was created: a shell ran");
    }
    let entries = read_entries(&setup.audit).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.phase).collect::<Vec<_>>(),
        [Phase::Started, Phase::Finished]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.user == "cli-tester" && e.action == "print-args" && !e.dry_run)
    );
    assert_eq!(entries[1].result.as_deref(), Some("ok"));
    assert!(entries[1].duration_ms.is_some());
}

#[test]
fn a_failing_program_exits_non_zero_and_the_failure_is_audited() {
    let setup = Setup::new();
    let output = setup.mdops(&["action", "fail", "--yes"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("broken"));
    assert!(
        text(&output.stdout).contains("FAILED"),
        "{}",
        text(&output.stdout)
    );
    let entries = read_entries(&setup.audit).unwrap();
    assert_eq!(entries[1].result.as_deref(), Some("error"));
    assert!(entries[1].error.as_deref().unwrap().contains("exit 3"));
}

#[test]
fn refusals_run_nothing_and_write_no_audit_entry() {
    let setup = Setup::new();
    for (args, expected) in [
        (vec!["action", "print-args"], "not confirmed"),
        (vec!["--read-only", "action", "print-args", "--yes"], "read-only"),
        (vec!["action", "nope", "--yes"], "no action \"nope\""),
        (vec!["action", "print-args", "--dry-run"], "no dry run"),
    ] {
        let output = setup.mdops(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(expected),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert!(!setup.audit.exists(), "nothing was attempted");
}

#[test]
fn list_shows_every_action() {
    let setup = Setup::new();
    let output = setup.mdops(&["action", "--list"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains("print-args") && stdout.contains("fail"),
        "{stdout}"
    );
}
