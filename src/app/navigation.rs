//! Keys through the keymap, command mode, freezing the screen and
//! expanding the focused panel.

use std::collections::VecDeque;

use crossterm::event::{KeyCode, KeyEvent};
use mdops_views::Theme;
use mdops_views::model::{CommandLineModel, FrozenModel, HelpModel, NavModel};

use super::command_line::{self, CommandLine, Parsed, Vocabulary};
use super::keymap::{Action, Resolved};
use super::{App, Command, Msg, Screen, format_clock};

/// Messages held while frozen. Reaching it thaws the screen: nothing is
/// dropped, and memory stays bounded.
pub const HELD_LIMIT: usize = 20_000;

/// The screen stopped changing at `since_ms`; what arrived since waits.
#[derive(Debug)]
pub struct Frozen {
    pub since_ms: i64,
    pub since_text: String,
    held: VecDeque<Msg>,
    /// The newest clock tick held, applied last on thawing.
    clock_ms: Option<i64>,
}

impl Frozen {
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

/// What navigation keeps besides the keymap.
#[derive(Debug, Default)]
pub struct NavState {
    /// Keys of a sequence typed so far (`g` of `g g`).
    pub pending: Vec<super::keymap::Key>,
    pub command: Option<CommandLine>,
    pub frozen: Option<Frozen>,
    /// The focused panel fills the body.
    pub expanded: bool,
    /// A theme asked for by `:theme`, for the console loop to load.
    theme_request: Option<String>,
}

impl App {
    /// Keys the keymap resolves; `None` when the key is not bound and goes
    /// to the screen as it is (Esc, or a runbook key).
    pub(super) fn on_mapped_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if self.nav.command.is_some() {
            return Some(self.on_command_key(key));
        }
        if self.nav.expanded && key.code == KeyCode::Esc {
            self.nav.expanded = false;
            return Some(Vec::new());
        }
        match self.keymap.resolve(&mut self.nav.pending, self.screen, &key) {
            Resolved::Action(action) => Some(self.on_action(action)),
            Resolved::Pending => Some(Vec::new()),
            Resolved::Unbound { claimed: true } if !self.is_runbook_key(&key) => {
                self.dirty = false;
                Some(Vec::new())
            }
            Resolved::Unbound { .. } => None,
        }
    }

    fn is_runbook_key(&self, key: &KeyEvent) -> bool {
        matches!(key.code, KeyCode::Char(c) if self.runbook_key(c).is_some())
    }

    fn on_action(&mut self, action: Action) -> Vec<Command> {
        if let Some(screen) = action.screen() {
            self.screen = screen;
            return Vec::new();
        }
        match action {
            Action::Quit => self.should_quit = true,
            Action::Help => self.show_help = true,
            Action::NextScreen => self.screen = self.screen.next(),
            Action::PreviousScreen => self.screen = self.screen.previous(),
            Action::CommandMode => {
                let actions = action_names(&self.config);
                let vocabulary = Vocabulary {
                    environments: &self.config.environments,
                    themes: Theme::builtin_names(),
                    actions: &actions,
                };
                self.nav.command = Some(CommandLine::new(&vocabulary));
            }
            Action::ActionPalette => self.open_palette(),
            Action::Freeze => return self.toggle_freeze(),
            Action::Expand => self.toggle_expand(),
            _ => return self.on_screen_key(action.canonical()),
        }
        Vec::new()
    }

    /// The screens' own handlers, which know each action by its default key.
    fn on_screen_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match self.screen {
            Screen::Overview => return self.on_overview_key(key),
            Screen::Prices => return self.on_prices_key(key),
            Screen::Slos => self.on_slos_key(key),
            Screen::Incidents => self.on_incidents_key(key),
            Screen::Capacity => self.on_capacity_key(key),
            Screen::Cluster => self.on_cluster_key(key),
            Screen::Dr => return self.on_dr_key(key),
            Screen::Timeline => self.on_timeline_key(key),
        }
        Vec::new()
    }

    /// Whether a key closes the help overlay: its own key, quit's, or Esc.
    pub(super) fn closes_help(&self, key: &KeyEvent) -> bool {
        let mut pending = Vec::new();
        key.code == KeyCode::Esc
            || matches!(
                self.keymap.resolve(&mut pending, self.screen, key),
                Resolved::Action(Action::Help | Action::Quit)
            )
    }

    fn on_command_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let actions = action_names(&self.config);
        let vocabulary = Vocabulary {
            environments: &self.config.environments,
            themes: Theme::builtin_names(),
            actions: &actions,
        };
        let Some(line) = self.nav.command.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.nav.command = None,
            KeyCode::Tab => line.complete(true, &vocabulary),
            KeyCode::BackTab => line.complete(false, &vocabulary),
            KeyCode::Backspace if line.input.is_empty() => self.nav.command = None,
            KeyCode::Backspace => line.pop(&vocabulary),
            KeyCode::Char(c) if !c.is_control() => line.push(c, &vocabulary),
            KeyCode::Enter => {
                return match command_line::parse(&line.input, &vocabulary) {
                    Ok(parsed) => {
                        self.nav.command = None;
                        self.run_parsed(parsed)
                    }
                    Err(why) => {
                        line.error = Some(why);
                        Vec::new()
                    }
                };
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    fn run_parsed(&mut self, parsed: Parsed) -> Vec<Command> {
        match parsed {
            Parsed::Screen(screen) => self.screen = screen,
            Parsed::Quit => self.should_quit = true,
            Parsed::Help => self.show_help = true,
            Parsed::Action(name) => return self.start_action(&name),
            Parsed::Env(name) if name == self.config.environment => {
                self.notice = Some((format!("already on environment {name}"), self.now_ms));
            }
            Parsed::Env(name) => {
                self.notice = Some((format!("switching to environment {name}"), self.now_ms));
                return vec![Command::SwitchEnvironment(name)];
            }
            Parsed::Theme(name) => {
                self.notice = Some((format!("theme {name}"), self.now_ms));
                self.nav.theme_request = Some(name);
            }
        }
        Vec::new()
    }

    /// The theme `:theme` asked for since the last call.
    pub fn take_theme_request(&mut self) -> Option<String> {
        self.nav.theme_request.take()
    }

    fn toggle_expand(&mut self) {
        let expandable = match self.screen {
            Screen::Prices => self.prices.detail.is_some(),
            Screen::Slos | Screen::Incidents => true,
            Screen::Cluster => self.cluster.is_some(),
            Screen::Capacity => self.capacity.updated_at_ms.is_some(),
            _ => false,
        };
        if expandable || self.nav.expanded {
            self.nav.expanded = !self.nav.expanded;
        } else {
            self.notice = Some((
                format!("{}: no panel to expand", self.screen.title()),
                self.now_ms,
            ));
        }
    }

    pub fn frozen(&self) -> Option<&Frozen> {
        self.nav.frozen.as_ref()
    }

    fn toggle_freeze(&mut self) -> Vec<Command> {
        match self.nav.frozen.take() {
            Some(frozen) => self.thaw(frozen),
            None => {
                self.nav.frozen = Some(Frozen {
                    since_ms: self.now_ms,
                    since_text: format_clock(self.now_ms).trim_end_matches(" UTC").to_string(),
                    held: VecDeque::new(),
                    clock_ms: None,
                });
                Vec::new()
            }
        }
    }

    /// Applies what was held, in arrival order, then the newest clock.
    fn thaw(&mut self, frozen: Frozen) -> Vec<Command> {
        let mut commands = Vec::new();
        for msg in frozen.held {
            commands.extend(self.update(msg));
        }
        if let Some(now_ms) = frozen.clock_ms {
            commands.extend(self.update(Msg::Clock { now_ms }));
        }
        commands
    }

    /// While frozen, keeps the sources' messages (and the clock) from the
    /// state; the operator's keys and the outcomes of their actions pass.
    pub(super) fn hold(&mut self, msg: Msg) -> Hold {
        let Some(frozen) = self.nav.frozen.as_mut() else {
            return Hold::Pass(msg);
        };
        match msg {
            Msg::Clock { now_ms } => frozen.clock_ms = Some(now_ms),
            msg if msg.at_ms().is_some() => frozen.held.push_back(msg),
            msg => return Hold::Pass(msg),
        }
        let held = frozen.held.len();
        if held < HELD_LIMIT {
            return Hold::Held(Vec::new());
        }
        let commands = match self.nav.frozen.take() {
            Some(frozen) => self.thaw(frozen),
            None => Vec::new(),
        };
        self.notice = Some((
            format!("unfrozen: {held} updates held, the most kept"),
            self.now_ms,
        ));
        Hold::Held(commands)
    }
}

/// What `App::hold` did with a message.
pub(super) enum Hold {
    /// Not frozen, or not a source's message: apply it.
    Pass(Msg),
    /// Kept for later; the commands of a thaw forced by the limit.
    Held(Vec<Command>),
}

/// The runbook actions' names, for command mode.
fn action_names(config: &super::AppConfig) -> Vec<&str> {
    config
        .actions
        .runbooks
        .actions
        .iter()
        .map(|a| a.name.as_str())
        .collect()
}

impl App {
    pub(super) fn help_model(&self) -> HelpModel<'_> {
        HelpModel {
            sections: self
                .help
                .iter()
                .map(|(title, rows)| (*title, rows.iter().map(|(k, d)| (k.as_str(), *d)).collect()))
                .collect(),
        }
    }

    pub(super) fn nav_model(&self) -> NavModel<'_> {
        NavModel {
            command: self.nav.command.as_ref().map(|line| CommandLineModel {
                input: &line.input,
                candidates: line.labels().collect(),
                selected: line.selected,
                error: line.error.as_deref(),
            }),
            frozen: self.nav.frozen.as_ref().map(|f| FrozenModel {
                since: &f.since_text,
                held: f.held(),
            }),
            expanded: self.nav.expanded,
        }
    }
}
