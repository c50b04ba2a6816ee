//! A real terminal for end-to-end tests: the `mdops` binary in a private
//! tmux server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server, killed (with everything in it) on drop.
pub struct Tmux {
    socket: String,
    /// The session's XDG config and state home, removed on drop.
    pub dir: PathBuf,
}

impl Tmux {
    pub fn start(command: &str, width: u16, height: u16) -> Tmux {
        let socket = format!("mdops-e2e-{}-{}", std::process::id(), rand_suffix());
        let dir = std::env::temp_dir().join(&socket);
        std::fs::create_dir_all(&dir).unwrap();
        let tmux = Tmux { socket, dir };
        let script = format!(
            "export XDG_STATE_HOME='{dir}' XDG_CONFIG_HOME='{dir}'; {command}; echo $? > '{dir}/exit'; \
             stty -a > '{dir}/stty'; sleep 60",
            dir = tmux.dir.display()
        );
        let output = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &script,
        ]);
        assert!(output.status.success(), "tmux new-session failed: {output:?}");
        tmux
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .output()
            .expect("tmux is installed (./.ci/run installs it)")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn pane_flag(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `predicate` holds, failing with the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, predicate: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if predicate(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; screen was:\n{screen}\nlog:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for_file(&self, name: &str, timeout: Duration) -> String {
        let path = self.dir.join(name);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(&path)
                && text.ends_with('\n')
            {
                return text;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{name} was not written; screen:\n{}\nlog:\n{}",
            self.screen(),
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mdops").join("mdops.log")).unwrap_or_default()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000
}

pub fn mdops_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mdops"))
}

/// `mdops replay FILE --speed N` in a 140x40 terminal.
pub fn replay(file: &Path, speed: u32) -> Tmux {
    let command = format!(
        "'{}' replay '{}' --speed {speed}",
        mdops_bin().display(),
        file.display()
    );
    Tmux::start(&command, 140, 40)
}

/// On the incidents screen of a console whose agent jumped AAPL's price
/// (`incident_agent_config`), acknowledges the anomaly as `e2e-operator`
/// through the confirmation; the screen once the row says so.
pub fn acknowledge_the_anomaly(tmux: &Tmux) -> String {
    tmux.keys(&["3"]);
    tmux.wait_for("the triggered anomaly", Duration::from_secs(20), |s| {
        s.contains("Price anomaly on AAPL") && s.contains("triggered")
    });
    tmux.keys(&["a"]);
    tmux.wait_for("the confirmation", Duration::from_secs(5), |s| {
        s.contains("Acknowledge") && s.contains("as e2e-operator")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the incident acknowledged", Duration::from_secs(10), |s| {
        s.contains("acked by") && s.contains("e2e-operator") && !s.contains("triggered")
    })
}
