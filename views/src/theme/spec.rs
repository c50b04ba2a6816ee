//! The TOML form of a theme and its conversion to [`Theme`], with errors that
//! name the file, line and key.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::{Theme, ThemeError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    description: String,
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    #[serde(default)]
    ascii: bool,
    #[serde(default)]
    muted: RoleSpec,
    #[serde(default)]
    accent: RoleSpec,
    #[serde(default)]
    up: RoleSpec,
    #[serde(default)]
    down: RoleSpec,
    #[serde(default)]
    ok: RoleSpec,
    #[serde(default)]
    warn: RoleSpec,
    #[serde(default)]
    critical: RoleSpec,
    #[serde(default)]
    stale: RoleSpec,
    #[serde(default)]
    selection: RoleSpec,
    #[serde(default)]
    header: RoleSpec,
    #[serde(default)]
    border: RoleSpec,
    #[serde(default)]
    title: RoleSpec,
    #[serde(default)]
    active_tab: RoleSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    #[serde(default)]
    modifiers: Vec<ModifierSpec>,
}

impl RoleSpec {
    fn style(&self) -> Style {
        let mut s = Style::new();
        s.fg = self.fg.map(|c| c.0);
        s.bg = self.bg.map(|c| c.0);
        self.modifiers.iter().fold(s, |s, m| s.add_modifier(m.0))
    }
}

#[derive(Debug, Clone, Copy)]
struct ColorSpec(Color);

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_color(&s).map(ColorSpec).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown colour {s:?} (expected \"#rrggbb\", an ANSI name like \"red\" or \
                 \"bright-green\", an index \"0\"..\"255\", or \"reset\")"
            ))
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct ModifierSpec(Modifier);

impl<'de> Deserialize<'de> for ModifierSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_modifier(&s).map(ModifierSpec).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown modifier {s:?} (expected bold, dim, italic, underlined, reversed \
                 or crossed-out)"
            ))
        })
    }
}

/// `#rrggbb`, an ANSI name, a palette index `0`..`255`, or `reset`.
pub(crate) fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some(Color::Rgb(byte(0)?, byte(2)?, byte(4)?));
    }
    if let Ok(i) = s.parse::<u8>() {
        return Some(Color::Indexed(i));
    }
    let name = s.replace(['_', ' '], "-");
    Some(match name.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" => Color::Gray,
        "bright-black" | "gray" | "grey" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => return None,
    })
}

fn parse_modifier(s: &str) -> Option<Modifier> {
    Some(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed-out" | "strikethrough" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

pub(super) fn parse(src: &str, origin: &str) -> Result<Theme, ThemeError> {
    let file: ThemeFile = toml::from_str(src).map_err(|e| to_error(&e, src, origin))?;
    let mut base = Style::new();
    base.fg = file.fg.map(|c| c.0);
    base.bg = file.bg.map(|c| c.0);
    let name = file.name.unwrap_or_else(|| {
        Path::new(origin)
            .file_stem()
            .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned())
    });
    Ok(Theme {
        name,
        description: file.description,
        base,
        muted: file.muted.style(),
        accent: file.accent.style(),
        up: file.up.style(),
        down: file.down.style(),
        ok: file.ok.style(),
        warn: file.warn.style(),
        critical: file.critical.style(),
        stale: file.stale.style(),
        selection: file.selection.style(),
        header: file.header.style(),
        border: file.border.style(),
        title: file.title.style(),
        active_tab: file.active_tab.style(),
        ascii: file.ascii,
    })
}

fn to_error(e: &toml::de::Error, src: &str, origin: &str) -> ThemeError {
    let reason = e.message().trim().to_string();
    let span = e.span();
    let line = span
        .as_ref()
        .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1);
    let key = span.and_then(|s| key_at(src, s)).or_else(|| backticked(&reason));
    ThemeError::Invalid {
        origin: origin.to_string(),
        line,
        key,
        reason,
    }
}

/// The first `` `word` `` in a message (serde names missing fields that way).
fn backticked(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(msg[start..start + len].to_string())
}

/// The dotted key (`up.fg`) that an error span points at, whether the span
/// covers the key itself (unknown field) or its value (bad value).
fn key_at(src: &str, span: std::ops::Range<usize>) -> Option<String> {
    let start = span.start.min(src.len());
    let end = span.end.clamp(start, src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = &src[line_start..line_end];
    let table = enclosing_table(&src[..line_start]);
    let join = |k: &str| match &table {
        Some(t) if !t.is_empty() => format!("{t}.{k}"),
        _ => k.to_string(),
    };

    if let Some(header) = table_header(line) {
        return Some(header);
    }
    let before = src[line_start..start].trim_end();
    if before.is_empty() || before.ends_with('{') || before.ends_with(',') {
        // The span is the key itself.
        let k = unquote(src[start..end].trim());
        let k = k.split('=').next().unwrap_or(k).trim();
        return (!k.is_empty()).then(|| join(k));
    }
    // The span is a value: the key is the last `name =` before it.
    let eq = before.rfind('=')?;
    let k = before[..eq]
        .trim_end()
        .rsplit(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .next()?;
    let k = unquote(k);
    (!k.is_empty()).then(|| join(k))
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

/// `[name]` or `[[name]]` on a line, without brackets.
fn table_header(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.split('#').next().unwrap_or(t).trim();
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner.trim_start_matches('[').trim_end_matches(']').trim();
    Some(inner.to_string())
}

/// The table a line belongs to: the last header above it.
fn enclosing_table(before: &str) -> Option<String> {
    before.lines().rev().find_map(table_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> ThemeError {
        parse(src, "themes/mine.toml").unwrap_err()
    }

    fn parts(e: &ThemeError) -> (Option<usize>, Option<&str>, &str) {
        match e {
            ThemeError::Invalid {
                origin,
                line,
                key,
                reason,
            } => {
                assert_eq!(origin, "themes/mine.toml");
                (*line, key.as_deref(), reason.as_str())
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("#5fafff"), Some(Color::Rgb(0x5f, 0xaf, 0xff)));
        assert_eq!(parse_color("#5FAFFF"), Some(Color::Rgb(0x5f, 0xaf, 0xff)));
        assert_eq!(parse_color("red"), Some(Color::Red));
        assert_eq!(parse_color("bright-green"), Some(Color::LightGreen));
        assert_eq!(parse_color("bright_green"), Some(Color::LightGreen));
        assert_eq!(parse_color("white"), Some(Color::Gray));
        assert_eq!(parse_color("bright-white"), Some(Color::White));
        assert_eq!(parse_color("grey"), Some(Color::DarkGray));
        assert_eq!(parse_color("reset"), Some(Color::Reset));
        assert_eq!(parse_color("244"), Some(Color::Indexed(244)));
        assert_eq!(parse_color("256"), None);
        assert_eq!(parse_color("#12345"), None);
        assert_eq!(parse_color("#12345g"), None);
        assert_eq!(parse_color("bleu"), None);
    }

    #[test]
    fn typo_in_role_key_names_file_line_and_key() {
        let e = err("name = \"x\"\n\n[up]\nfg = \"green\"\nmodifers = [\"bold\"]\n");
        let (line, key, reason) = parts(&e);
        assert_eq!(line, Some(5));
        assert_eq!(key, Some("up.modifers"));
        assert!(reason.contains("unknown field"), "{reason}");
        let msg = e.to_string();
        assert!(
            msg.starts_with("themes/mine.toml:5: key `up.modifers`: "),
            "{msg}"
        );
    }

    #[test]
    fn typo_in_role_table_names_the_table() {
        let e = err("name = \"x\"\n[upp]\nfg = \"green\"\n");
        let (line, key, reason) = parts(&e);
        assert_eq!(line, Some(2));
        assert_eq!(key, Some("upp"));
        assert!(reason.contains("unknown field"), "{reason}");
    }

    #[test]
    fn typo_in_top_level_key() {
        let e = err("name = \"x\"\ndescriptoin = \"y\"\n");
        let (line, key, _) = parts(&e);
        assert_eq!((line, key), (Some(2), Some("descriptoin")));
    }

    #[test]
    fn bad_colour_names_the_key() {
        let e = err("[down]\nbg = \"black\"\nfg = \"bleu\"\n");
        let (line, key, reason) = parts(&e);
        assert_eq!((line, key), (Some(3), Some("down.fg")));
        assert!(reason.contains("\"bleu\""), "{reason}");
    }

    #[test]
    fn bad_colour_in_inline_table() {
        let e = err("up = { fg = \"#zzzzzz\" }\n");
        let (line, key, _) = parts(&e);
        assert_eq!((line, key), (Some(1), Some("fg")));
    }

    #[test]
    fn bad_modifier_names_the_key() {
        let e = err("[stale]\nmodifiers = [\"dim\", \"blinky\"]\n");
        let (line, key, reason) = parts(&e);
        assert_eq!((line, key), (Some(2), Some("stale.modifiers")));
        assert!(reason.contains("blinky"), "{reason}");
    }

    #[test]
    fn wrong_type() {
        let e = err("ascii = \"yes\"\n");
        let (line, key, _) = parts(&e);
        assert_eq!((line, key), (Some(1), Some("ascii")));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let e = err("[up]\nfg = \"green\n");
        let (line, _, _) = parts(&e);
        assert_eq!(line, Some(2));
    }

    #[test]
    fn roles_and_modifiers() {
        let t = parse(
            "name = \"t\"\nfg = \"white\"\n[critical]\nfg = \"#ff0000\"\nbg = \"black\"\n\
             modifiers = [\"bold\", \"reversed\"]\n",
            "x",
        )
        .unwrap();
        assert_eq!(t.base.fg, Some(Color::Gray));
        assert_eq!(t.critical.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.critical.bg, Some(Color::Black));
        assert_eq!(t.critical.add_modifier, Modifier::BOLD | Modifier::REVERSED);
        assert_eq!(t.up, Style::new());
    }
}
