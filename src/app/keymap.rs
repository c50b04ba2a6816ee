//! Key bindings: the named console actions, their default keys (today's
//! keys), the `[keys]` section of the config that rebinds them, and the
//! resolution of key presses, sequences (`g g`) included.
//!
//! Specs read like vim's: a single character (`q`, `?`, `G`), a named key
//! in angle brackets (`<Esc>`, `<F5>`, `<S-Tab>`, `<PageDown>`), a
//! modifier and a key (`<C-r>`, `<A-x>`), and sequences of those separated
//! by spaces (`g g`, `<C-w> l`). Conflicts are refused when the keymap is
//! built, naming both bindings, so a config cannot silently shadow a key.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::Screen;
use crate::actions::runbook::{self, Runbooks};

/// One key press, normalised so that what the terminal reports and what a
/// spec says compare equal: an upper-case letter carries no SHIFT, a
/// control letter is lower case, Shift-Tab is `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                if modifiers.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            code => code,
        };
        Key { code, modifiers }
    }

    /// The key event a terminal would send for this key.
    pub fn event(self) -> KeyEvent {
        KeyEvent::new(self.code, self.modifiers)
    }

    /// Parses one key of a spec: `q`, `<C-r>`, `<S-Tab>`, `<F5>` ...
    fn parse(token: &str) -> Result<Key, String> {
        let mut chars = token.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c.is_control() || c == ' ' {
                return Err(format!("`{token}`: write a space as <Space>"));
            }
            return Ok(Key::plain(KeyCode::Char(c)));
        }
        let Some(inner) = token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
            return Err(format!(
                "`{token}`: one character, or a key in angle brackets such as <C-r>, <Esc> or <F5>"
            ));
        };
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = inner;
        while let Some((prefix, after)) = rest
            .split_once('-')
            .filter(|(p, a)| p.len() == 1 && !a.is_empty())
        {
            let modifier = match prefix.to_ascii_uppercase().as_str() {
                "C" => KeyModifiers::CONTROL,
                "A" | "M" => KeyModifiers::ALT,
                "S" => KeyModifiers::SHIFT,
                _ => {
                    return Err(format!(
                        "`{token}`: unknown modifier `{prefix}-` (C-, A-, M- or S-)"
                    ));
                }
            };
            modifiers |= modifier;
            rest = after;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => named(rest).ok_or_else(|| format!("`{token}`: unknown key name `{rest}`"))?,
        };
        let shifted = modifiers.contains(KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) if shifted => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_ascii_uppercase())
            }
            KeyCode::Tab if shifted => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            code => code,
        };
        let key = Key { code, modifiers };
        if key.modifiers.contains(KeyModifiers::CONTROL)
            && let KeyCode::Char(c) = key.code
        {
            return Ok(Key {
                code: KeyCode::Char(c.to_ascii_lowercase()),
                ..key
            });
        }
        Ok(key)
    }
}

/// Named keys, case-insensitive, vim's names and a few common others.
fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    let code = match lower.as_str() {
        "esc" | "escape" => KeyCode::Esc,
        "cr" | "enter" | "return" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "space" => KeyCode::Char(' '),
        "bs" | "backspace" => KeyCode::Backspace,
        "del" | "delete" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "lt" => KeyCode::Char('<'),
        "gt" => KeyCode::Char('>'),
        _ => {
            let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
            return (1..=24).contains(&n).then_some(KeyCode::F(n));
        }
    };
    Some(code)
}

impl fmt::Display for Key {
    /// As the help shows it: `q`, `Ctrl-R`, `Shift-Tab`, `PgDn`, `F5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::F(n) => write!(f, "F{n}"),
            code => write!(f, "{code:?}"),
        }
    }
}

/// A spec: one key or a sequence of keys separated by spaces.
pub fn parse_spec(spec: &str) -> Result<Vec<Key>, String> {
    let keys = spec
        .split_whitespace()
        .map(Key::parse)
        .collect::<Result<Vec<Key>, String>>()?;
    if keys.is_empty() {
        return Err("an empty key spec".to_string());
    }
    Ok(keys)
}

fn show(keys: &[Key]) -> String {
    keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// Where an action's keys are live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Every screen with a selection to move: the overview's tiles, and the
    /// lists of prices, SLOs, incidents, capacity, cluster and timeline.
    Lists,
    Prices,
    Incidents,
    /// Screens of side-by-side panes: the cluster's, the overview's
    /// environments.
    Panes,
    Dr,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Global => "every screen",
            Scope::Lists => "the list screens",
            Scope::Prices => "the prices screen",
            Scope::Incidents => "the incidents screen",
            Scope::Panes => "the cluster and overview screens",
            Scope::Dr => "the DR screen",
        }
    }

    pub fn on(self, screen: Screen) -> bool {
        match self {
            Scope::Global => true,
            Scope::Lists => screen != Screen::Dr,
            Scope::Prices => screen == Screen::Prices,
            Scope::Incidents => screen == Screen::Incidents,
            Scope::Panes => matches!(screen, Screen::Cluster | Screen::Overview),
            Scope::Dr => screen == Screen::Dr,
        }
    }

    /// Both are live on some screen at once.
    fn meets(self, other: Scope) -> bool {
        Screen::ALL.iter().any(|&s| self.on(s) && other.on(s))
    }
}

macro_rules! actions {
    ($($variant:ident $name:literal $scope:ident [$($key:literal),*];)*) => {
        /// A named console action a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// Its name in `[keys]`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Action::$variant => Scope::$scope),* }
            }

            /// Today's keys, in spec syntax.
            pub fn defaults(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
        }
    };
}

actions! {
    Quit "quit" Global ["q", "<C-c>"];
    Help "help" Global ["?"];
    NextScreen "next_screen" Global ["<Tab>"];
    PreviousScreen "previous_screen" Global ["<S-Tab>"];
    ScreenOverview "screen_overview" Global ["0"];
    ScreenPrices "screen_prices" Global ["1"];
    ScreenSlos "screen_slos" Global ["2"];
    ScreenIncidents "screen_incidents" Global ["3"];
    ScreenCapacity "screen_capacity" Global ["4"];
    ScreenDr "screen_dr" Global ["5"];
    ScreenCluster "screen_cluster" Global ["6"];
    ScreenTimeline "screen_timeline" Global ["7"];
    CommandMode "command_mode" Global [":"];
    ActionPalette "action_palette" Global ["x"];
    Freeze "freeze" Global ["f"];
    Expand "expand" Global ["e"];
    Down "down" Lists ["j", "<Down>"];
    Up "up" Lists ["k", "<Up>"];
    PageDown "page_down" Lists ["<PageDown>"];
    PageUp "page_up" Lists ["<PageUp>"];
    Top "top" Lists ["g", "<Home>"];
    Bottom "bottom" Lists ["G", "<End>"];
    Filter "filter" Prices ["/"];
    Sort "sort" Prices ["s"];
    ReverseSort "reverse_sort" Prices ["S"];
    Interval "interval" Prices ["i"];
    IncidentFilter "incident_filter" Incidents ["/"];
    ShowResolved "show_resolved" Incidents ["r"];
    Ack "ack" Incidents ["a"];
    Silence "silence" Incidents ["s"];
    Expire "expire" Incidents ["E"];
    Resolve "resolve" Incidents ["R"];
    FocusNext "focus_next" Panes ["l", "<Right>"];
    FocusPrevious "focus_previous" Panes ["h", "<Left>"];
    Backup "backup" Dr ["b"];
    Drill "drill" Dr ["d"];
}

impl Action {
    pub fn by_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The screen a `screen_*` action shows.
    pub fn screen(self) -> Option<Screen> {
        let index = Action::ALL.iter().position(|&a| a == self)?;
        let first = Action::ALL.iter().position(|&a| a == Action::ScreenOverview)?;
        Screen::ALL.get(index.checked_sub(first)?).copied()
    }

    /// The key the screens' handlers know the action by: its first
    /// default. The keymap translates the operator's keys into it.
    pub fn canonical(self) -> KeyEvent {
        let spec = self.defaults()[0];
        parse_spec(spec)
            .map(|keys| keys[0].event())
            .unwrap_or_else(|_| KeyEvent::new(KeyCode::Null, KeyModifiers::NONE))
    }
}

/// `[keys]` of the config: an action's name and one spec or a list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeySpecs {
    One(String),
    Many(Vec<String>),
}

impl KeySpecs {
    fn specs(&self) -> &[String] {
        match self {
            KeySpecs::One(spec) => std::slice::from_ref(spec),
            KeySpecs::Many(specs) => specs,
        }
    }
}

/// A binding and where it came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binding {
    keys: Vec<Key>,
    action: Action,
    /// Set in the config (`[keys]`) rather than a default.
    configured: bool,
}

impl Binding {
    fn describe(&self) -> String {
        let origin = if self.configured {
            format!("keys.{}", self.action.name())
        } else {
            "default".to_string()
        };
        format!("`{}` -> {} ({origin})", show(&self.keys), self.action.name())
    }
}

/// What a key press means, given the keys pressed before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Action(Action),
    /// The start of a sequence: waiting for the next key.
    Pending,
    /// Bound to nothing here; `claimed` when a default binding would have
    /// taken it (the operator rebound it away, so it must do nothing).
    Unbound {
        claimed: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// Every default key, to tell a rebound-away key from a foreign one.
    defaults: Vec<(Vec<Key>, Scope)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::from_config(&BTreeMap::new()).expect("the default keys do not conflict")
    }
}

impl Keymap {
    /// The defaults, with every action named in `config` taking the keys
    /// given there instead; refused on an unknown action, a bad spec, or
    /// two bindings that would meet.
    pub fn from_config(config: &BTreeMap<String, KeySpecs>) -> Result<Keymap, String> {
        let mut bindings = Vec::new();
        let mut defaults = Vec::new();
        for (name, specs) in config {
            let action = Action::by_name(name).ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                format!("keys.{name}: unknown action; known: {}", known.join(", "))
            })?;
            for spec in specs.specs() {
                let keys = parse_spec(spec).map_err(|why| format!("keys.{name}: {why}"))?;
                bindings.push(Binding {
                    keys,
                    action,
                    configured: true,
                });
            }
        }
        for &action in Action::ALL {
            for spec in action.defaults() {
                let keys = parse_spec(spec).map_err(|why| format!("default of {}: {why}", action.name()))?;
                defaults.push((keys.clone(), action.scope()));
                if !config.contains_key(action.name()) {
                    bindings.push(Binding {
                        keys,
                        action,
                        configured: false,
                    });
                }
            }
        }
        let keymap = Keymap { bindings, defaults };
        keymap.check()?;
        Ok(keymap)
    }

    /// Two bindings meet when their scopes share a screen and one's keys
    /// equal or start the other's (a prefix would make the longer one
    /// unreachable or the shorter one wait forever).
    fn check(&self) -> Result<(), String> {
        let ctrl_c = Key {
            code: KeyCode::Char('c'),
            modifiers: KeyModifiers::CONTROL,
        };
        if let Some(b) = self
            .bindings
            .iter()
            .find(|b| b.action != Action::Quit && b.keys.first() == Some(&ctrl_c))
        {
            return Err(format!("{}: Ctrl-C always quits", b.describe()));
        }
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[..i] {
                if !a.action.scope().meets(b.action.scope()) {
                    continue;
                }
                let (short, long) = if a.keys.len() <= b.keys.len() {
                    (a, b)
                } else {
                    (b, a)
                };
                if long.keys.starts_with(&short.keys) {
                    let relation = if short.keys.len() == long.keys.len() {
                        "the same key"
                    } else {
                        "a prefix of the other"
                    };
                    let scope = if a.action.scope() == b.action.scope() {
                        a.action.scope().name().to_string()
                    } else {
                        format!("{} and {}", b.action.scope().name(), a.action.scope().name())
                    };
                    return Err(format!(
                        "key conflict on {scope}: {} and {} ({relation})",
                        b.describe(),
                        a.describe()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Resolves `key` on `screen` after the keys in `pending`, which it
    /// updates: a sequence's keys accumulate there until one completes.
    pub fn resolve(&self, pending: &mut Vec<Key>, screen: Screen, event: &KeyEvent) -> Resolved {
        let key = Key::from_event(event);
        let mut typed = std::mem::take(pending);
        typed.push(key);
        let live = || self.bindings.iter().filter(|b| b.action.scope().on(screen));
        if let Some(b) = live().find(|b| b.keys == typed) {
            return Resolved::Action(b.action);
        }
        if live().any(|b| b.keys.starts_with(&typed)) {
            *pending = typed;
            return Resolved::Pending;
        }
        if typed.len() > 1 {
            // A sequence broken off: the last key counts on its own.
            return self.resolve(pending, screen, event);
        }
        let claimed = self
            .defaults
            .iter()
            .any(|(keys, scope)| scope.on(screen) && keys.first() == Some(&key));
        Resolved::Unbound { claimed }
    }

    /// The keys bound to `action`, shown as the help shows them.
    pub fn keys_of(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.action == action)
            .map(|b| show(&b.keys))
            .collect()
    }

    /// The status line's hints on `screen` with the keys in force; a hint
    /// whose action has no key is left out.
    pub fn hints(&self, screen: Screen) -> Vec<(String, &'static str)> {
        use super::keys::HintKey;
        let first = |action: Action| self.keys_of(action).into_iter().next();
        super::keys::status_hints(screen)
            .iter()
            .filter_map(|&(key, what)| {
                let text = match key {
                    HintKey::Action(action) => first(action)?,
                    HintKey::Pair(a, b) => format!("{}/{}", first(a)?, first(b)?),
                    HintKey::Fixed(text) => text.to_string(),
                    HintKey::Screens => {
                        let screens = Action::ALL.iter().filter(|a| a.screen().is_some());
                        if screens.clone().all(|&a| self.is_default(a)) {
                            "0-7".to_string()
                        } else {
                            first(Action::NextScreen)?
                        }
                    }
                };
                Some((text, what))
            })
            .collect()
    }

    /// Whether every key of `action` is its default.
    fn is_default(&self, action: Action) -> bool {
        self.bindings.iter().any(|b| b.action == action && !b.configured)
    }

    /// A runbook key must not shadow a console key on a screen where both
    /// are live: the first refusal, naming both.
    pub fn check_runbooks(&self, runbooks: &Runbooks) -> Result<(), String> {
        for action in &runbooks.actions {
            let Some(c) = action.key else { continue };
            let key = Key::plain(KeyCode::Char(c));
            let clash = self.bindings.iter().find(|b| {
                b.keys.first() == Some(&key)
                    && Screen::ALL
                        .iter()
                        .any(|&s| b.action.scope().on(s) && runbook_scope_on(action.scope, s))
            });
            if let Some(binding) = clash {
                return Err(format!(
                    "runbook action `{}`: key `{c}` is already bound to {} on {}",
                    action.name,
                    binding.describe(),
                    binding.action.scope().name()
                ));
            }
        }
        Ok(())
    }

    /// The help's rows with the keys in force: a row whose actions keep
    /// their defaults reads as written in `HELP`; a rebound one lists its
    /// actions' keys.
    pub fn help(&self) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
        super::keys::HELP
            .iter()
            .map(|&(section, rows)| {
                let rows = rows
                    .iter()
                    .map(|&(keys, what)| {
                        let actions = help_actions(section, keys);
                        let text = if actions.iter().all(|&a| self.is_default(a)) {
                            keys.to_string()
                        } else {
                            actions
                                .iter()
                                .map(|&a| {
                                    let bound = self.keys_of(a);
                                    if bound.is_empty() {
                                        "(unbound)".to_string()
                                    } else {
                                        bound.join(" / ")
                                    }
                                })
                                .collect::<Vec<_>>()
                                .join(" / ")
                        };
                        (text, what)
                    })
                    .collect();
                (section, rows)
            })
            .collect()
    }
}

/// Screens where a runbook action of `scope` takes its key.
fn runbook_scope_on(scope: runbook::Scope, screen: Screen) -> bool {
    match scope {
        runbook::Scope::Global => true,
        runbook::Scope::Source => screen == Screen::Prices,
        runbook::Scope::Incident => screen == Screen::Incidents,
        runbook::Scope::Deployment | runbook::Scope::Pod => screen == Screen::Cluster,
    }
}

/// The actions a row of `HELP` documents; none for keys that cannot be
/// rebound (dialogs, replay, Esc).
fn help_actions(section: &str, keys: &str) -> &'static [Action] {
    use Action::*;
    const SCREENS: &[Action] = &[
        ScreenOverview,
        ScreenPrices,
        ScreenSlos,
        ScreenIncidents,
        ScreenCapacity,
        ScreenDr,
        ScreenCluster,
        ScreenTimeline,
    ];
    match (section, keys) {
        ("Global", "0-7") => SCREENS,
        ("Global", "Tab / Shift-Tab") => &[NextScreen, PreviousScreen],
        ("Global", "?") => &[Help],
        ("Global", ":") => &[CommandMode],
        ("Global", "x") => &[ActionPalette],
        ("Global", "f") => &[Freeze],
        ("Global", "e") => &[Expand],
        ("Global", "q / Ctrl-C") => &[Quit],
        (_, "j k / Down Up") => &[Down, Up],
        (_, "PgDn PgUp") => &[PageDown, PageUp],
        (_, "g G / Home End") => &[Top, Bottom],
        (_, "PgDn PgUp / g G") => &[PageDown, PageUp, Top, Bottom],
        (_, "h l / Left Right") => &[FocusPrevious, FocusNext],
        ("Prices", "/") => &[Filter],
        ("Prices", "s / S") => &[Sort, ReverseSort],
        ("Prices", "i") => &[Interval],
        ("Incidents", "/") => &[IncidentFilter],
        ("Incidents", "r") => &[ShowResolved],
        ("Incidents", "a") => &[Ack],
        ("Incidents", "s") => &[Silence],
        ("Incidents", "E") => &[Expire],
        ("Incidents", "R") => &[Resolve],
        ("DR", "b") => &[Backup],
        ("DR", "d") => &[Drill],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &[&str])]) -> BTreeMap<String, KeySpecs> {
        pairs
            .iter()
            .map(|(name, specs)| {
                (
                    name.to_string(),
                    KeySpecs::Many(specs.iter().map(|s| s.to_string()).collect()),
                )
            })
            .collect()
    }

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn specs_parse_to_the_keys_a_terminal_sends() {
        let one = |spec: &str| parse_spec(spec).unwrap()[0];
        assert_eq!(one("q"), Key::plain(KeyCode::Char('q')));
        assert_eq!(
            one("G"),
            Key::from_event(&press(KeyCode::Char('G'), KeyModifiers::SHIFT))
        );
        assert_eq!(
            one("<C-r>"),
            Key::from_event(&press(KeyCode::Char('r'), KeyModifiers::CONTROL))
        );
        assert_eq!(one("<c-R>"), one("<C-r>"));
        assert_eq!(
            one("<S-Tab>"),
            Key::from_event(&press(KeyCode::BackTab, KeyModifiers::SHIFT))
        );
        assert_eq!(one("<Esc>"), Key::plain(KeyCode::Esc));
        assert_eq!(one("<F5>"), Key::plain(KeyCode::F(5)));
        assert_eq!(one("<PageDown>"), Key::plain(KeyCode::PageDown));
        assert_eq!(one("<Space>"), Key::plain(KeyCode::Char(' ')));
        assert_eq!(one("<S-a>"), Key::plain(KeyCode::Char('A')));
        assert_eq!(
            one("<A-x>"),
            Key::from_event(&press(KeyCode::Char('x'), KeyModifiers::ALT))
        );
        assert_eq!(one("<lt>"), Key::plain(KeyCode::Char('<')));
        assert_eq!(one("<"), Key::plain(KeyCode::Char('<')));
        assert_eq!(parse_spec("g g").unwrap().len(), 2);
        assert_eq!(parse_spec("<C-w> l").unwrap()[1], Key::plain(KeyCode::Char('l')));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, expected) in [
            ("", "empty key spec"),
            ("   ", "empty key spec"),
            ("ab", "one character, or a key in angle brackets"),
            ("<C-r", "one character, or a key in angle brackets"),
            ("<X-r>", "unknown modifier `X-`"),
            ("<Escp>", "unknown key name `Escp`"),
            ("<F25>", "unknown key name `F25`"),
            ("g <Nope>", "unknown key name `Nope`"),
        ] {
            let error = parse_spec(spec).unwrap_err();
            assert!(error.contains(expected), "{spec:?}: {error}");
        }
    }

    #[test]
    fn keys_show_as_the_help_writes_them() {
        let shown = |spec: &str| show(&parse_spec(spec).unwrap());
        assert_eq!(shown("<C-q>"), "Ctrl-Q");
        assert_eq!(shown("<S-Tab>"), "Shift-Tab");
        assert_eq!(shown("<PageDown>"), "PgDn");
        assert_eq!(shown("g t"), "g t");
        assert_eq!(shown("<F5>"), "F5");
        assert_eq!(shown("<Esc>"), "Esc");
    }

    #[test]
    fn defaults_are_todays_keys() {
        let keymap = Keymap::default();
        let on = |screen, code| keymap.resolve(&mut Vec::new(), screen, &press(code, KeyModifiers::NONE));
        assert_eq!(
            on(Screen::Prices, KeyCode::Char('q')),
            Resolved::Action(Action::Quit)
        );
        assert_eq!(
            on(Screen::Dr, KeyCode::Char(':')),
            Resolved::Action(Action::CommandMode)
        );
        assert_eq!(
            on(Screen::Dr, KeyCode::Char('x')),
            Resolved::Action(Action::ActionPalette)
        );
        assert_eq!(
            on(Screen::Prices, KeyCode::Char('s')),
            Resolved::Action(Action::Sort)
        );
        assert_eq!(
            on(Screen::Incidents, KeyCode::Char('s')),
            Resolved::Action(Action::Silence)
        );
        assert_eq!(
            on(Screen::Incidents, KeyCode::Char('E')),
            Resolved::Action(Action::Expire)
        );
        assert_eq!(
            on(Screen::Slos, KeyCode::Char('s')),
            Resolved::Unbound { claimed: false }
        );
        assert_eq!(
            on(Screen::Prices, KeyCode::Char('5')),
            Resolved::Action(Action::ScreenDr)
        );
        assert_eq!(Action::ScreenDr.screen(), Some(Screen::Dr));
        assert_eq!(Action::Quit.screen(), None);
        assert_eq!(
            Action::Expire.canonical(),
            press(KeyCode::Char('E'), KeyModifiers::NONE)
        );
    }

    #[test]
    fn help_of_the_defaults_is_the_help_table() {
        let help = Keymap::default().help();
        for ((section, rows), (help_section, help_rows)) in super::super::keys::HELP.iter().zip(&help) {
            assert_eq!(section, help_section);
            for ((keys, _), (shown, _)) in rows.iter().zip(help_rows) {
                assert_eq!(keys, shown);
            }
        }
        // Every action is documented by some row.
        for &action in Action::ALL {
            let documented = super::super::keys::HELP.iter().any(|(section, rows)| {
                rows.iter()
                    .any(|(keys, _)| help_actions(section, keys).contains(&action))
            });
            assert!(documented, "{} has no help row", action.name());
        }
    }

    #[test]
    fn a_rebound_key_replaces_the_default_and_shows_in_the_help() {
        let keymap = Keymap::from_config(&config(&[("quit", &["<C-q>"])])).unwrap();
        let mut pending = Vec::new();
        assert_eq!(
            keymap.resolve(
                &mut pending,
                Screen::Prices,
                &press(KeyCode::Char('q'), KeyModifiers::NONE)
            ),
            Resolved::Unbound { claimed: true }
        );
        assert_eq!(
            keymap.resolve(
                &mut pending,
                Screen::Prices,
                &press(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            Resolved::Action(Action::Quit)
        );
        let help = keymap.help();
        let global = &help[0].1;
        assert!(
            global
                .iter()
                .any(|(keys, what)| keys == "Ctrl-Q" && *what == "quit"),
            "{global:?}"
        );
        assert!(
            global.iter().any(|(keys, _)| keys == "?"),
            "untouched rows keep their text"
        );
    }

    #[test]
    fn sequences_wait_for_their_next_key() {
        let keymap = Keymap::from_config(&config(&[("next_screen", &["g t"]), ("top", &["g g"])])).unwrap();
        let mut pending = Vec::new();
        let g = press(KeyCode::Char('g'), KeyModifiers::NONE);
        assert_eq!(
            keymap.resolve(&mut pending, Screen::Prices, &g),
            Resolved::Pending
        );
        assert_eq!(
            keymap.resolve(&mut pending, Screen::Prices, &g),
            Resolved::Action(Action::Top)
        );
        assert!(pending.is_empty());
        assert_eq!(
            keymap.resolve(&mut pending, Screen::Prices, &g),
            Resolved::Pending
        );
        let t = press(KeyCode::Char('t'), KeyModifiers::NONE);
        assert_eq!(
            keymap.resolve(&mut pending, Screen::Prices, &t),
            Resolved::Action(Action::NextScreen)
        );
        // Broken off, the second key counts on its own.
        keymap.resolve(&mut pending, Screen::Prices, &g);
        let j = press(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(
            keymap.resolve(&mut pending, Screen::Prices, &j),
            Resolved::Action(Action::Down)
        );
        assert!(pending.is_empty());
    }

    #[test]
    fn conflicts_name_both_bindings() {
        let same = Keymap::from_config(&config(&[("help", &["q"])])).unwrap_err();
        assert_eq!(
            same,
            "key conflict on every screen: `q` -> help (keys.help) and `q` -> quit (default) (the same key)"
        );
        let prefix = Keymap::from_config(&config(&[("next_screen", &["g t"])])).unwrap_err();
        assert!(
            prefix.contains("`g t` -> next_screen (keys.next_screen)"),
            "{prefix}"
        );
        assert!(prefix.contains("`g` -> top (default)"), "{prefix}");
        assert!(prefix.contains("a prefix of the other"), "{prefix}");
        let ctrl_c =
            Keymap::from_config(&config(&[("quit", &["<C-q>"]), ("freeze", &["<C-c>"])])).unwrap_err();
        assert_eq!(ctrl_c, "`Ctrl-C` -> freeze (keys.freeze): Ctrl-C always quits");
        // Different screens: no conflict.
        Keymap::from_config(&config(&[("backup", &["s"])])).unwrap();
        let unknown = Keymap::from_config(&config(&[("teleport", &["t"])])).unwrap_err();
        assert!(
            unknown.starts_with("keys.teleport: unknown action; known: quit, help"),
            "{unknown}"
        );
        let bad = Keymap::from_config(&config(&[("quit", &["<C-"])])).unwrap_err();
        assert!(bad.starts_with("keys.quit: `<C-`"), "{bad}");
    }

    #[test]
    fn runbook_keys_are_checked_against_the_keys_in_force() {
        let runbooks = |key: &str, scope: &str| {
            Runbooks::parse(
                &format!(
                    "[[action]]\nname = \"a\"\nkey = \"{key}\"\ndescription = \"d\"\nscope = \"{scope}\"\nroles = [\"admin\"]\nkind = \"agent.failover\"\n"
                ),
                "mine.toml",
            )
            .unwrap()
        };
        let error = Keymap::default()
            .check_runbooks(&runbooks("j", "global"))
            .unwrap_err();
        assert_eq!(
            error,
            "runbook action `a`: key `j` is already bound to `j` -> down (default) on the list screens"
        );
        // Freed by a rebinding, the key is the runbook's.
        let keymap = Keymap::from_config(&config(&[("down", &["<Down>"])])).unwrap();
        keymap.check_runbooks(&runbooks("j", "global")).unwrap();
        // Taken by a rebinding, it clashes.
        let keymap = Keymap::from_config(&config(&[("freeze", &["Z"])])).unwrap();
        assert!(keymap.check_runbooks(&runbooks("Z", "source")).is_err());
        Keymap::default().check_runbooks(&Runbooks::embedded()).unwrap();
    }
}
