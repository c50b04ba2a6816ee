//! Command mode (`:`), as in k9s and vim: a one-line prompt whose words
//! name a screen (`:slo`), an environment (`:env prod-us`), a theme
//! (`:theme monochrome`), a runbook action, `:help` or `:quit`. Candidates
//! are listed as the operator types and Tab cycles through them.

use super::Screen;

/// Screen names and aliases, in tab order.
pub const SCREEN_WORDS: &[(&str, Screen)] = &[
    ("overview", Screen::Overview),
    ("prices", Screen::Prices),
    ("slo", Screen::Slos),
    ("slos", Screen::Slos),
    ("incidents", Screen::Incidents),
    ("capacity", Screen::Capacity),
    ("dr", Screen::Dr),
    ("cluster", Screen::Cluster),
    ("timeline", Screen::Timeline),
];

/// Commands besides the screens and the actions; `q` is `quit` unlisted.
const COMMANDS: &[&str] = &["env", "theme", "help", "quit"];

/// What the words may name in this console.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary<'a> {
    pub environments: &'a [String],
    pub themes: &'a [&'a str],
    pub actions: &'a [&'a str],
}

/// A command that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Screen(Screen),
    Env(String),
    Theme(String),
    Action(String),
    Quit,
    Help,
}

/// The open prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub input: String,
    /// Completions of what is typed: whole lines, as Tab would put them.
    pub candidates: Vec<String>,
    /// The candidate Tab last put in the prompt.
    pub selected: Option<usize>,
    /// Why the last Enter was refused; the prompt stays open with it.
    pub error: Option<String>,
}

impl CommandLine {
    pub fn new(vocabulary: &Vocabulary) -> CommandLine {
        CommandLine {
            candidates: candidates("", vocabulary),
            ..CommandLine::default()
        }
    }

    pub fn push(&mut self, c: char, vocabulary: &Vocabulary) {
        self.input.push(c);
        self.edited(vocabulary);
    }

    pub fn pop(&mut self, vocabulary: &Vocabulary) {
        self.input.pop();
        self.edited(vocabulary);
    }

    fn edited(&mut self, vocabulary: &Vocabulary) {
        self.error = None;
        self.selected = None;
        self.candidates = candidates(&self.input, vocabulary);
    }

    /// Tab (or Shift-Tab backwards): the next candidate into the prompt.
    /// A lone candidate taking an argument gets its space, and the
    /// arguments become the candidates.
    pub fn complete(&mut self, forward: bool, vocabulary: &Vocabulary) {
        let n = self.candidates.len();
        if n == 0 {
            return;
        }
        if n == 1 {
            let only = self.candidates[0].clone();
            if COMMANDS[..2].contains(&only.as_str()) {
                self.input = format!("{only} ");
                self.edited(vocabulary);
            } else {
                self.input = only;
                self.selected = Some(0);
            }
            return;
        }
        let next = match (self.selected, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.selected = Some(next);
        self.input = self.candidates[next].clone();
        self.error = None;
    }

    /// The last word of each candidate, as listed under the prompt.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.candidates.iter().map(|c| c.rsplit(' ').next().unwrap_or(c))
    }
}

/// Every line starting with what is typed: the first word among screens,
/// commands and actions; after `env ` or `theme `, their names. While
/// cycling, the prompt holds a candidate: the list stays that of the
/// prefix typed before.
pub fn candidates(input: &str, vocabulary: &Vocabulary) -> Vec<String> {
    let lower = input.to_lowercase();
    let matching = |words: &mut dyn Iterator<Item = &str>, prefix: &str, before: &str| -> Vec<String> {
        words
            .filter(|w| w.to_lowercase().starts_with(prefix))
            .map(|w| format!("{before}{w}"))
            .collect()
    };
    match lower.split_once(' ') {
        None => {
            let mut words = SCREEN_WORDS
                .iter()
                .map(|(w, _)| *w)
                .chain(COMMANDS.iter().copied())
                .chain(vocabulary.actions.iter().copied());
            matching(&mut words, &lower, "")
        }
        Some(("env", rest)) => matching(
            &mut vocabulary.environments.iter().map(String::as_str),
            rest.trim_start(),
            "env ",
        ),
        Some(("theme", rest)) => matching(
            &mut vocabulary.themes.iter().copied(),
            rest.trim_start(),
            "theme ",
        ),
        Some(_) => Vec::new(),
    }
}

/// What the line asks for, or why it cannot be done.
pub fn parse(input: &str, vocabulary: &Vocabulary) -> Result<Parsed, String> {
    let mut words = input.split_whitespace();
    let Some(first) = words.next() else {
        return Err("type a command; Tab lists them".to_string());
    };
    let argument = words.next();
    if let Some(extra) = words.next() {
        return Err(format!("`:{first}`: unexpected `{extra}`"));
    }
    let no_argument = |parsed: Parsed| match argument {
        Some(arg) => Err(format!("`:{first}` takes no argument (got `{arg}`)")),
        None => Ok(parsed),
    };
    let lower = first.to_lowercase();
    if let Some(&(_, screen)) = SCREEN_WORDS.iter().find(|(w, _)| *w == lower) {
        return no_argument(Parsed::Screen(screen));
    }
    match lower.as_str() {
        "q" | "quit" => return no_argument(Parsed::Quit),
        "help" => return no_argument(Parsed::Help),
        "env" => {
            let names = vocabulary.environments.join(", ");
            let Some(name) = argument else {
                return Err(format!("`:env` needs an environment: {names}"));
            };
            return if vocabulary.environments.iter().any(|e| e == name) {
                Ok(Parsed::Env(name.to_string()))
            } else {
                Err(format!("unknown environment `{name}`; configured: {names}"))
            };
        }
        "theme" => {
            let names = vocabulary.themes.join(", ");
            let Some(name) = argument else {
                return Err(format!("`:theme` needs a theme: {names}"));
            };
            return if vocabulary.themes.contains(&name) {
                Ok(Parsed::Theme(name.to_string()))
            } else {
                Err(format!("unknown theme `{name}`; built-in: {names}"))
            };
        }
        _ => {}
    }
    if let Some(action) = vocabulary.actions.iter().find(|a| **a == first) {
        return no_argument(Parsed::Action(action.to_string()));
    }
    Err(format!("unknown command `{first}`; Tab lists the commands"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary<'a>(environments: &'a [String]) -> Vocabulary<'a> {
        Vocabulary {
            environments,
            themes: &["default", "high-contrast", "monochrome"],
            actions: &["restart-agent", "scale-agent", "open-circuit"],
        }
    }

    fn envs() -> Vec<String> {
        vec![
            "prod-us".to_string(),
            "prod-eu".to_string(),
            "staging".to_string(),
        ]
    }

    #[test]
    fn screens_and_aliases_parse() {
        let envs = envs();
        let v = vocabulary(&envs);
        for (word, screen) in [
            ("slo", Screen::Slos),
            ("slos", Screen::Slos),
            ("SLO", Screen::Slos),
            ("overview", Screen::Overview),
            ("timeline", Screen::Timeline),
            (" cluster ", Screen::Cluster),
            ("dr", Screen::Dr),
        ] {
            assert_eq!(parse(word, &v), Ok(Parsed::Screen(screen)), "{word}");
        }
        assert_eq!(parse("q", &v), Ok(Parsed::Quit));
        assert_eq!(parse("quit", &v), Ok(Parsed::Quit));
        assert_eq!(parse("help", &v), Ok(Parsed::Help));
        assert_eq!(
            parse("restart-agent", &v),
            Ok(Parsed::Action("restart-agent".into()))
        );
        assert_eq!(parse("env prod-eu", &v), Ok(Parsed::Env("prod-eu".into())));
        assert_eq!(
            parse("theme monochrome", &v),
            Ok(Parsed::Theme("monochrome".into()))
        );
    }

    #[test]
    fn bad_commands_say_why() {
        let envs = envs();
        let v = vocabulary(&envs);
        for (input, expected) in [
            ("", "type a command; Tab lists them"),
            ("teleport", "unknown command `teleport`; Tab lists the commands"),
            ("env", "`:env` needs an environment: prod-us, prod-eu, staging"),
            (
                "env mars",
                "unknown environment `mars`; configured: prod-us, prod-eu, staging",
            ),
            (
                "theme neon",
                "unknown theme `neon`; built-in: default, high-contrast, monochrome",
            ),
            (
                "theme",
                "`:theme` needs a theme: default, high-contrast, monochrome",
            ),
            ("slo now", "`:slo` takes no argument (got `now`)"),
            ("env prod-us extra", "`:env`: unexpected `extra`"),
        ] {
            assert_eq!(parse(input, &v), Err(expected.to_string()), "{input:?}");
        }
    }

    #[test]
    fn candidates_follow_what_is_typed() {
        let envs = envs();
        let v = vocabulary(&envs);
        assert_eq!(candidates("s", &v), ["slo", "slos", "scale-agent"]);
        assert_eq!(candidates("c", &v), ["capacity", "cluster"]);
        assert_eq!(candidates("env prod", &v), ["env prod-us", "env prod-eu"]);
        assert_eq!(candidates("theme m", &v), ["theme monochrome"]);
        assert!(candidates("zz", &v).is_empty());
        assert!(candidates("slo x", &v).is_empty());
        assert_eq!(candidates("", &v).len(), SCREEN_WORDS.len() + COMMANDS.len() + 3);
    }

    #[test]
    fn tab_cycles_and_a_lone_command_takes_its_argument() {
        let envs = envs();
        let v = vocabulary(&envs);
        let mut line = CommandLine::new(&v);
        line.push('s', &v);
        line.complete(true, &v);
        assert_eq!(line.input, "slo");
        line.complete(true, &v);
        assert_eq!(line.input, "slos");
        line.complete(true, &v);
        assert_eq!(line.input, "scale-agent");
        line.complete(true, &v);
        assert_eq!(line.input, "slo", "wraps around");
        line.complete(false, &v);
        assert_eq!(line.input, "scale-agent", "Shift-Tab goes back");
        assert_eq!(line.labels().collect::<Vec<_>>(), ["slo", "slos", "scale-agent"]);

        let mut line = CommandLine::new(&v);
        line.push('e', &v);
        line.push('n', &v);
        line.complete(true, &v);
        assert_eq!(line.input, "env ");
        assert_eq!(
            line.labels().collect::<Vec<_>>(),
            ["prod-us", "prod-eu", "staging"]
        );
        line.push('s', &v);
        line.complete(true, &v);
        assert_eq!(line.input, "env staging");
        line.pop(&v);
        assert_eq!(line.input, "env stagin");
        assert_eq!(line.selected, None, "an edit ends the cycle");
    }
}
