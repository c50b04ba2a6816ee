//! End to end, the real `mdops` binary with its embedded agent in tmux:
//! command mode with completion, a config that rebinds keys (and one that
//! conflicts, refused at start), the help showing the keys in force, and
//! freezing the screen.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};

/// A config file in a directory of its own, removed on drop.
struct ConfigFile {
    dir: PathBuf,
    path: PathBuf,
}

impl ConfigFile {
    fn new(name: &str, text: &str) -> ConfigFile {
        let dir = std::env::temp_dir().join(format!("mdops-nav-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        ConfigFile { dir, path }
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The table lines that carry a price, i.e. rows with digits.
fn price_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|line| line.contains('.') && line.split_whitespace().count() >= 4 && !line.contains("FROZEN"))
        .map(str::to_string)
        .collect()
}

/// `N` of the header's `N updates held`.
fn held(screen: &str) -> Option<u64> {
    let before = screen.split(" updates held").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

fn slo_screen(s: &str) -> bool {
    s.contains("quotes-availability") && s.contains("local scrape")
}

#[test]
fn command_mode_completes_and_switches_screens() {
    let tmux = Tmux::start(&format!("'{}' --screen prices", mdops_bin().display()), 120, 32);
    tmux.wait_for("live prices", Duration::from_secs(30), |s| s.contains("AAPL"));

    tmux.keys(&[":", "s"]);
    let typed = tmux.wait_for("the prompt and its candidates", Duration::from_secs(5), |s| {
        s.contains(":s") && s.contains(" slo ") && s.contains(" slos ")
    });
    assert!(!slo_screen(&typed), "nothing switched yet");
    tmux.keys(&["Tab"]);
    tmux.wait_for("Tab completed the first candidate", Duration::from_secs(5), |s| {
        s.lines().last().is_some_and(|l| l.contains(":slo")) || s.contains(" :slo")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the SLO screen", Duration::from_secs(10), slo_screen);

    tmux.keys(&[":", "e", "n", "v", " ", "m", "a", "r", "s", "Enter"]);
    tmux.wait_for("the refusal, prompt kept", Duration::from_secs(5), |s| {
        s.contains(":env mars") && s.contains("unknown environment `mars`; configured: local")
    });
    // Esc alone: followed at once by a key, a terminal sends Alt-key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the prompt closed", Duration::from_secs(5), |s| {
        !s.contains(":env mars")
    });
    tmux.keys(&[":", "i", "n", "c", "Enter"]);
    tmux.wait_for("no such command", Duration::from_secs(5), |s| {
        s.contains("unknown command `inc`")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the prompt closed", Duration::from_secs(5), |s| {
        !s.contains(":inc")
    });
    tmux.keys(&[":", "i", "n", "c", "Tab", "Enter"]);
    tmux.wait_for("the incidents screen", Duration::from_secs(5), |s| {
        s.contains("agent incidents") && !s.contains("not configured")
    });

    // The theme applies live: monochrome draws no colour at all.
    let escapes = |tmux: &Tmux| {
        let out = tmux.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        escapes(&tmux).contains("[38;5;"),
        "the default theme draws in 256 colours"
    );
    tmux.keys(&[":", "t", "h", "Tab", "m", "o", "Tab", "Enter"]);
    tmux.wait_for("the theme applied", Duration::from_secs(5), |s| {
        s.contains("theme monochrome")
    });
    let text = escapes(&tmux);
    assert!(
        !text.contains("[38;") && !text.contains("[48;"),
        "monochrome left colours on screen:\n{text}"
    );

    tmux.keys(&[":", "q", "Enter"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
}

#[test]
fn rebound_keys_work_and_the_help_shows_them() {
    let config = ConfigFile::new(
        "rebind",
        "[keys]\nquit = \"<C-q>\"\nnext_screen = \"g t\"\ntop = \"g g\"\n",
    );
    let tmux = Tmux::start(
        &format!(
            "'{}' --screen prices --config '{}'",
            mdops_bin().display(),
            config.path.display()
        ),
        120,
        40,
    );
    tmux.wait_for("live prices", Duration::from_secs(30), |s| s.contains("AAPL"));

    tmux.keys(&["g", "t"]);
    tmux.wait_for("g t: the next screen, SLOs", Duration::from_secs(10), slo_screen);

    tmux.keys(&["?"]);
    let help = tmux.wait_for("the help", Duration::from_secs(5), |s| {
        s.contains("toggle this help")
    });
    assert!(
        help.contains("Ctrl-Q") && help.contains("g t / Shift-Tab"),
        "{help}"
    );
    assert!(help.contains("g g / G / End"), "{help}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("toggle this help")
    });

    // q is free now: the console stays, and answers the next key.
    tmux.keys(&["q", "1"]);
    tmux.wait_for("prices again, q did not quit", Duration::from_secs(10), |s| {
        s.contains("AAPL") && !slo_screen(s)
    });
    tmux.keys(&["C-q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
}

#[test]
fn a_conflicting_config_is_refused_at_start_naming_both_bindings() {
    let config = ConfigFile::new("conflict", "[keys]\nfreeze = \"<C-q>\"\nquit = \"<C-q>\"\n");
    let output = Command::new(mdops_bin())
        .arg("--config")
        .arg(&config.path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.toml: key conflict on every screen")
            && stderr.contains("`Ctrl-Q` -> freeze (keys.freeze)")
            && stderr.contains("`Ctrl-Q` -> quit (keys.quit)"),
        "{stderr}"
    );

    let prefix = ConfigFile::new("prefix", "[keys]\nnext_screen = \"g t\"\n");
    let output = Command::new(mdops_bin())
        .arg("--config")
        .arg(&prefix.path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`g` -> top (default)") && stderr.contains("`g t` -> next_screen (keys.next_screen)"),
        "{stderr}"
    );

    // A key taken from a runbook action (open-circuit is `O`) by a rebinding.
    let runbook = ConfigFile::new("runbook", "[keys]\nfreeze = \"O\"\n");
    let output = Command::new(mdops_bin())
        .arg("--config")
        .arg(&runbook.path)
        .env("XDG_STATE_HOME", &runbook.dir)
        .env("XDG_CONFIG_HOME", &runbook.dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "runbook action `open-circuit`: key `O` is already bound to `O` -> freeze (keys.freeze)"
        ),
        "{stderr}"
    );
}

#[test]
fn freeze_holds_the_prices_and_releases_them() {
    let tmux = Tmux::start(&format!("'{}' --screen prices", mdops_bin().display()), 140, 40);
    let first = tmux.wait_for("live prices", Duration::from_secs(30), |s| {
        s.contains("AAPL") && price_lines(s).len() >= 10
    });
    tmux.wait_for("prices to move", Duration::from_secs(15), |s| {
        price_lines(s) != price_lines(&first)
    });

    tmux.keys(&["f"]);
    let frozen = tmux.wait_for("the FROZEN marker", Duration::from_secs(5), |s| {
        s.contains("FROZEN") && held(s).is_some()
    });
    let at_freeze = held(&frozen).unwrap();
    let later = tmux.wait_for("updates to be held", Duration::from_secs(15), |s| {
        held(s).is_some_and(|n| n >= at_freeze + 20)
    });
    assert_eq!(
        price_lines(&later),
        price_lines(&frozen),
        "prices changed while frozen"
    );

    tmux.keys(&["f"]);
    let thawed = tmux.wait_for("the marker gone", Duration::from_secs(5), |s| {
        !s.contains("FROZEN")
    });
    tmux.wait_for("prices to move again", Duration::from_secs(15), |s| {
        price_lines(s) != price_lines(&thawed)
    });
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
}
