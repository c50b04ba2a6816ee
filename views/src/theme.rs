//! Colour themes: semantic roles (up, down, stale, ...) mapped to styles,
//! loaded from TOML, and reduced to what the terminal can show.
//!
//! # TOML schema
//!
//! ```toml
//! name = "default"             # optional, defaults to the file name
//! description = "..."          # optional
//! fg = "reset"                 # base text colour, optional (terminal default)
//! bg = "reset"                 # base background, optional (terminal default)
//! ascii = false                # optional: ASCII-only glyphs for poor fonts
//!
//! [up]                         # one table per role, every one optional
//! fg = "#3fb950"               # "#rrggbb", an ANSI name, an index "0".."255", "reset"
//! bg = "black"
//! modifiers = ["bold"]         # bold, dim, italic, underlined, reversed, crossed-out
//! ```
//!
//! Roles: `muted`, `accent`, `up`, `down`, `ok`, `warn`, `critical`, `stale`,
//! `selection`, `header`, `border`, `title`, `active_tab`. ANSI names:
//! `black red green yellow blue magenta cyan white` and their `bright-`
//! variants (`bright-black` is also `gray`/`grey`/`dark-gray`).

mod depth;
mod spec;

use std::path::Path;

use ratatui::style::{Modifier, Style};

pub use depth::{ColorDepth, ansi256_to_rgb, rgb_to_ansi16, rgb_to_ansi256};

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    /// The file could not be read.
    #[error("{origin}: cannot read theme: {reason}")]
    Io { origin: String, reason: String },
    /// The TOML is malformed or does not fit the schema.
    #[error("{origin}:{}: {}{reason}", line.map_or_else(|| "?".to_string(), |l| l.to_string()), key.as_ref().map_or_else(String::new, |k| format!("key `{k}`: ")))]
    Invalid {
        /// The file name (or other origin) given to the loader.
        origin: String,
        /// 1-based line of the error, when known.
        line: Option<usize>,
        /// Dotted key path (`up.fg`) of the offending entry, when known.
        key: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// `--theme NAME` that is neither a built-in nor a readable file.
    #[error("unknown theme {0:?} (built-in themes: {names})", names = Theme::builtin_names().join(", "))]
    Unknown(String),
}

/// Styles for each semantic role the views use.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub description: String,
    /// Base text style (fg, bg) filled under everything.
    pub base: Style,
    /// Secondary text: hints, labels, units.
    pub muted: Style,
    /// Keys in hints, links, the filter being typed.
    pub accent: Style,
    /// Price went up / positive change.
    pub up: Style,
    /// Price went down / negative change.
    pub down: Style,
    /// Healthy state (connected).
    pub ok: Style,
    /// Degraded state (connecting, not configured).
    pub warn: Style,
    /// Failure (reconnecting, errors).
    pub critical: Style,
    /// Data older than the staleness threshold.
    pub stale: Style,
    /// Highlighted (selected) row.
    pub selection: Style,
    /// Table headers and the top line.
    pub header: Style,
    /// Box borders.
    pub border: Style,
    /// Box titles.
    pub title: Style,
    /// The selected tab.
    pub active_tab: Style,
    /// Draw with ASCII glyphs only (sparklines, arrows, charts, borders).
    pub ascii: bool,
}

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin("default").expect("the default theme is built in and valid")
    }
}

impl Theme {
    /// A theme compiled into the binary, by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (name, src) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        // Built-ins are checked by the tests; an error here is a build defect.
        Theme::from_toml_str(src, &format!("themes/{name}.toml")).ok()
    }

    /// Names of the built-in themes, `default` first.
    pub fn builtin_names() -> &'static [&'static str] {
        &["default", "high-contrast", "monochrome"]
    }

    /// Parses a theme. `origin` names the source (a file name) in errors.
    pub fn from_toml_str(src: &str, origin: &str) -> Result<Theme, ThemeError> {
        spec::parse(src, origin)
    }

    /// Reads and parses a theme file.
    pub fn load(path: impl AsRef<Path>) -> Result<Theme, ThemeError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| ThemeError::Io {
            origin: origin.clone(),
            reason: e.to_string(),
        })?;
        Theme::from_toml_str(&src, &origin)
    }

    /// Resolves `--theme NAME`: a built-in name, else a path to a TOML file.
    pub fn find(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some(t) = Theme::builtin(name_or_path) {
            return Ok(t);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            Theme::load(path)
        } else {
            Err(ThemeError::Unknown(name_or_path.to_string()))
        }
    }

    /// Same theme with ASCII-only glyphs on or off.
    #[must_use]
    pub fn with_ascii(mut self, ascii: bool) -> Theme {
        self.ascii = ascii;
        self
    }

    /// The theme reduced to what a terminal of `depth` can show: RGB colours
    /// become the nearest xterm-256 index or ANSI colour; with
    /// [`ColorDepth::None`] every colour is dropped and modifiers carry the
    /// meaning (up bold, down underlined, critical reversed, stale dim,
    /// selection reversed).
    #[must_use]
    pub fn for_depth(&self, depth: ColorDepth) -> Theme {
        let conv = |style: Style, keep: Modifier| -> Style {
            let mut s = style;
            s.fg = style.fg.and_then(|c| depth.convert(c));
            s.bg = style.bg.and_then(|c| depth.convert(c));
            if depth == ColorDepth::None {
                s = s.add_modifier(keep);
            }
            s
        };
        let none = Modifier::empty();
        Theme {
            name: self.name.clone(),
            description: self.description.clone(),
            base: conv(self.base, none),
            muted: conv(self.muted, Modifier::DIM),
            accent: conv(self.accent, Modifier::BOLD),
            up: conv(self.up, Modifier::BOLD),
            down: conv(self.down, Modifier::UNDERLINED),
            ok: conv(self.ok, none),
            warn: conv(self.warn, Modifier::BOLD),
            critical: conv(self.critical, Modifier::BOLD | Modifier::REVERSED),
            stale: conv(self.stale, Modifier::DIM),
            selection: conv(self.selection, Modifier::REVERSED),
            header: conv(self.header, Modifier::BOLD),
            border: conv(self.border, none),
            title: conv(self.title, Modifier::BOLD),
            active_tab: conv(self.active_tab, Modifier::REVERSED | Modifier::BOLD),
            ascii: self.ascii,
        }
    }

    /// Every role with its name, for tests and `--list-themes` style output.
    pub fn roles(&self) -> [(&'static str, Style); 14] {
        [
            ("base", self.base),
            ("muted", self.muted),
            ("accent", self.accent),
            ("up", self.up),
            ("down", self.down),
            ("ok", self.ok),
            ("warn", self.warn),
            ("critical", self.critical),
            ("stale", self.stale),
            ("selection", self.selection),
            ("header", self.header),
            ("border", self.border),
            ("title", self.title),
            ("active_tab", self.active_tab),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    #[test]
    fn every_builtin_parses() {
        for name in Theme::builtin_names() {
            let src = BUILTIN.iter().find(|(n, _)| n == name).unwrap().1;
            let t = Theme::from_toml_str(src, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(t.name, *name);
            assert!(!t.description.is_empty(), "{name} has a description");
        }
        assert_eq!(BUILTIN.len(), Theme::builtin_names().len());
        assert!(Theme::builtin("nope").is_none());
        assert_eq!(Theme::default().name, "default");
    }

    #[test]
    fn up_and_down_differ_in_every_builtin_at_every_depth() {
        let depths = [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
            ColorDepth::None,
        ];
        for name in Theme::builtin_names() {
            for depth in depths {
                let t = Theme::builtin(name).unwrap().for_depth(depth);
                assert_ne!(t.up, t.down, "{name} at {depth}");
                assert_ne!(t.stale, t.base, "{name} at {depth}");
                assert_ne!(t.selection, Style::default(), "{name} at {depth}");
                assert_ne!(t.critical, t.base, "{name} at {depth}");
            }
        }
    }

    #[test]
    fn monochrome_has_no_colours() {
        let t = Theme::builtin("monochrome").unwrap();
        for (role, s) in t.roles() {
            assert_eq!((s.fg, s.bg), (None, None), "{role}");
        }
        assert!(t.up.add_modifier.contains(Modifier::BOLD));
        assert!(t.down.add_modifier.contains(Modifier::UNDERLINED));
        assert!(t.critical.add_modifier.contains(Modifier::REVERSED));
        assert!(t.stale.add_modifier.contains(Modifier::DIM));
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn for_depth_converts_every_role() {
        let t = Theme::default();
        assert!(matches!(t.up.fg, Some(Color::Rgb(..))));

        let t256 = t.for_depth(ColorDepth::Ansi256);
        for (role, s) in t256.roles() {
            assert!(!matches!(s.fg, Some(Color::Rgb(..))), "{role} fg");
            assert!(!matches!(s.bg, Some(Color::Rgb(..))), "{role} bg");
        }
        let Some(Color::Rgb(r, g, b)) = t.up.fg else {
            unreachable!()
        };
        assert_eq!(t256.up.fg, Some(Color::Indexed(rgb_to_ansi256(r, g, b))));

        let t16 = t.for_depth(ColorDepth::Ansi16);
        for (role, s) in t16.roles() {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{role}: {c:?}");
            }
        }
        assert!(matches!(t16.up.fg, Some(Color::Green | Color::LightGreen)));
        assert!(matches!(t16.down.fg, Some(Color::Red | Color::LightRed)));

        let none = t.for_depth(ColorDepth::None);
        for (role, s) in none.roles() {
            assert_eq!((s.fg, s.bg), (None, None), "{role}");
        }
        assert!(none.up.add_modifier.contains(Modifier::BOLD));
        assert!(none.down.add_modifier.contains(Modifier::UNDERLINED));
        assert!(none.critical.add_modifier.contains(Modifier::REVERSED));
        assert!(none.stale.add_modifier.contains(Modifier::DIM));
        assert!(none.selection.add_modifier.contains(Modifier::REVERSED));

        assert_eq!(t.for_depth(ColorDepth::TrueColor), t);
    }

    #[test]
    fn find_resolves_names_and_reports_unknown() {
        assert_eq!(Theme::find("monochrome").unwrap().name, "monochrome");
        let err = Theme::find("no-such-theme").unwrap_err();
        assert!(err.to_string().contains("no-such-theme"));
        assert!(err.to_string().contains("high-contrast"));
    }

    #[test]
    fn load_reports_missing_file() {
        let err = Theme::load("does/not/exist.toml").unwrap_err();
        assert!(matches!(err, ThemeError::Io { .. }));
        assert!(err.to_string().starts_with("does/not/exist.toml: "));
    }

    #[test]
    fn load_reads_a_file() {
        let dir = std::env::temp_dir().join(format!("mdops-views-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mine.toml");
        std::fs::write(&path, "[up]\nfg = \"bright-green\"\n").unwrap();
        let t = Theme::load(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(t.name, "mine");
        assert_eq!(t.up.fg, Some(Color::LightGreen));
    }
}
