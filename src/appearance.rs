//! Picks the theme and colour depth from flags, config and the terminal.

use std::path::Path;

use mdops_views::{ColorDepth, Theme};

use crate::config::ColorMode;

/// `name` is a built-in theme name or a path to a theme file.
pub fn load_theme(name: &str, mode: ColorMode) -> anyhow::Result<Theme> {
    let theme = match Theme::builtin(name) {
        Some(theme) => theme,
        None if Path::new(name).exists() => Theme::load(Path::new(name))?,
        None => anyhow::bail!(
            "unknown theme {name:?}: built-in themes are {}, or give a path to a theme file",
            Theme::builtin_names().join(", ")
        ),
    };
    Ok(theme.for_depth(depth(mode)))
}

/// `auto` honours NO_COLOR, COLORTERM and TERM; a mode set in config wins.
fn depth(mode: ColorMode) -> ColorDepth {
    match mode {
        ColorMode::Auto => ColorDepth::detect(|key| std::env::var(key).ok()),
        ColorMode::TrueColor => ColorDepth::TrueColor,
        ColorMode::Ansi256 => ColorDepth::Ansi256,
        ColorMode::Ansi16 => ColorDepth::Ansi16,
        ColorMode::None => ColorDepth::None,
    }
}
