//! Picks the theme and colour depth from flags, config and the terminal.

use mdops_views::{ColorDepth, Theme};

use crate::config::ColorMode;

/// `name` is a built-in theme name or a path to a theme file.
pub fn load_theme(name: &str, mode: ColorMode) -> anyhow::Result<Theme> {
    Ok(Theme::find(name)?.for_depth(depth(mode)))
}

/// `auto` honours NO_COLOR, COLORTERM and TERM; a mode set in config wins.
fn depth(mode: ColorMode) -> ColorDepth {
    match mode {
        ColorMode::Auto => ColorDepth::from_env(),
        ColorMode::TrueColor => ColorDepth::TrueColor,
        ColorMode::Ansi256 => ColorDepth::Ansi256,
        ColorMode::Ansi16 => ColorDepth::Ansi16,
        ColorMode::None => ColorDepth::None,
    }
}
