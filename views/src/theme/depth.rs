//! Colour depth of the terminal, its detection, and colour conversion to a
//! lower depth (truecolor -> xterm-256 -> 16 ANSI colours -> none).

use std::fmt;
use std::str::FromStr;

use ratatui::style::Color;

/// How many colours the terminal can really show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorDepth {
    /// 24-bit RGB.
    #[default]
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// The 16 ANSI colours.
    Ansi16,
    /// No colour at all: meaning is carried by bold, underline, reverse, dim.
    None,
}

impl ColorDepth {
    /// Detects the depth from the environment, in this order:
    ///
    /// 1. `NO_COLOR` set and non-empty: [`ColorDepth::None`] (<https://no-color.org>).
    /// 2. `TERM=dumb`: [`ColorDepth::None`] (a dumb terminal takes no escapes at all).
    /// 3. `COLORTERM` is `truecolor` or `24bit`: [`ColorDepth::TrueColor`], except
    ///    under GNU screen without 256 colours (`TERM=screen`, `screen.xterm` ...),
    ///    which really shows 16 whatever `COLORTERM` says.
    /// 4. `TERM` contains `256color` (`xterm-256color`, `tmux-256color`,
    ///    `screen-256color`): [`ColorDepth::Ansi256`]; `TERM` ending in `-direct`:
    ///    [`ColorDepth::TrueColor`].
    /// 5. Anything else: [`ColorDepth::Ansi16`].
    pub fn detect(get_env: impl Fn(&str) -> Option<String>) -> ColorDepth {
        if get_env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        let term = get_env("TERM").unwrap_or_default().to_ascii_lowercase();
        if term == "dumb" {
            return ColorDepth::None;
        }
        let screen_16 = term.starts_with("screen") && !term.contains("256");
        let colorterm = get_env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
        if (colorterm == "truecolor" || colorterm == "24bit") && !screen_16 {
            return ColorDepth::TrueColor;
        }
        if term.contains("256color") {
            return ColorDepth::Ansi256;
        }
        if term.ends_with("-direct") {
            return ColorDepth::TrueColor;
        }
        ColorDepth::Ansi16
    }

    /// Detects the depth from the process environment.
    pub fn from_env() -> ColorDepth {
        ColorDepth::detect(|k| std::env::var(k).ok())
    }

    /// Converts one colour to this depth. `None` drops the colour.
    pub fn convert(self, color: Color) -> Option<Color> {
        match self {
            ColorDepth::TrueColor => Some(color),
            ColorDepth::Ansi256 => Some(match color {
                Color::Rgb(r, g, b) => Color::Indexed(rgb_to_ansi256(r, g, b)),
                other => other,
            }),
            ColorDepth::Ansi16 => Some(match color {
                Color::Rgb(r, g, b) => rgb_to_ansi16(r, g, b),
                Color::Indexed(i) if i < 16 => ANSI16[i as usize].0,
                Color::Indexed(i) => {
                    let (r, g, b) = ansi256_to_rgb(i);
                    rgb_to_ansi16(r, g, b)
                }
                other => other,
            }),
            ColorDepth::None => None,
        }
    }

    /// The names accepted by [`FromStr`], for help texts.
    pub const NAMES: &'static [&'static str] = &["truecolor", "256", "16", "none"];
}

impl fmt::Display for ColorDepth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColorDepth::TrueColor => "truecolor",
            ColorDepth::Ansi256 => "256",
            ColorDepth::Ansi16 => "16",
            ColorDepth::None => "none",
        })
    }
}

/// Parses a forced mode from configuration: `truecolor`/`24bit`,
/// `256`/`ansi256`, `16`/`ansi16`, `none`/`no`/`mono`.
impl FromStr for ColorDepth {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "truecolor" | "24bit" | "rgb" => Ok(ColorDepth::TrueColor),
            "256" | "ansi256" => Ok(ColorDepth::Ansi256),
            "16" | "ansi16" | "ansi" => Ok(ColorDepth::Ansi16),
            "none" | "no" | "mono" | "monochrome" => Ok(ColorDepth::None),
            other => Err(format!(
                "unknown colour depth {other:?} (expected one of: truecolor, 256, 16, none)"
            )),
        }
    }
}

/// The six levels of each axis of the xterm 6x6x6 colour cube (indices 16..=231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The 16 ANSI colours with xterm's default RGB values, in index order.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn dist2(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    let (dr, dg, db) = (d(a.0, b.0), d(a.1, b.1), d(a.2, b.2));
    dr * dr + dg * dg + db * db
}

/// Index of the cube level nearest to `v`.
fn nearest_level(v: u8) -> usize {
    let mut best = 0;
    for (i, &l) in CUBE_LEVELS.iter().enumerate() {
        if v.abs_diff(l) < v.abs_diff(CUBE_LEVELS[best]) {
            best = i;
        }
    }
    best
}

/// Nearest xterm-256 index (16..=255: the 6x6x6 cube or the 24-step grey
/// ramp, whichever is closer). The first 16 are skipped because terminals
/// redefine them.
pub fn rgb_to_ansi256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (CUBE_LEVELS[ri], CUBE_LEVELS[gi], CUBE_LEVELS[bi]);
    let cube_index = 16 + 36 * ri + 6 * gi + bi;

    // Grey ramp: 232..=255 are 8, 18, ..., 238.
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let step = (avg.saturating_sub(3) / 10).min(23);
    let grey_candidates = [step, (step + 1).min(23)];
    let (grey_step, grey_dist) = grey_candidates
        .iter()
        .map(|&s| {
            let v = (8 + 10 * s) as u8;
            (s, dist2((r, g, b), (v, v, v)))
        })
        .min_by_key(|&(_, d)| d)
        .expect("two candidates");

    if grey_dist < dist2((r, g, b), cube) {
        (232 + grey_step) as u8
    } else {
        cube_index as u8
    }
}

/// RGB value of an xterm-256 index (the first 16 with xterm's defaults).
pub fn ansi256_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE_LEVELS[(n / 36) as usize],
                CUBE_LEVELS[(n / 6 % 6) as usize],
                CUBE_LEVELS[(n % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// Nearest of the 16 ANSI colours (by xterm's default RGB values).
///
/// Plain RGB distance sends muted colours to grey (a soft green is nearer to
/// dark grey than to ANSI green), which would lose the up/down meaning; so a
/// colour with visible chroma is matched only against the chromatic colours,
/// and a near-grey only against black, the two greys and white.
pub fn rgb_to_ansi16(r: u8, g: u8, b: u8) -> Color {
    const GREYS: [usize; 4] = [0, 7, 8, 15];
    let chroma = r.max(g).max(b) - r.min(g).min(b);
    let is_grey = |i: &usize| GREYS.contains(i);
    ANSI16
        .iter()
        .enumerate()
        .filter(|(i, _)| is_grey(i) == (chroma < GREY_CHROMA))
        .min_by_key(|(_, (_, rgb))| dist2((r, g, b), *rgb))
        .map(|(_, (c, _))| *c)
        .expect("candidates")
}

/// Below this spread between the largest and smallest channel a colour is
/// treated as grey when reducing to 16 colours.
const GREY_CHROMA: u8 = 48;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn detection_table() {
        use ColorDepth::*;
        let cases: &[(&[(&str, &str)], ColorDepth)] = &[
            (&[], Ansi16),
            (&[("TERM", "xterm")], Ansi16),
            (&[("TERM", "linux")], Ansi16),
            (&[("TERM", "xterm-256color")], Ansi256),
            (&[("TERM", "tmux-256color")], Ansi256),
            (&[("TERM", "screen-256color")], Ansi256),
            (&[("TERM", "xterm-direct")], TrueColor),
            (
                &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
            ),
            (&[("TERM", "xterm-256color"), ("COLORTERM", "24bit")], TrueColor),
            (&[("TERM", "xterm"), ("COLORTERM", "TrueColor")], TrueColor),
            (
                &[("TERM", "tmux-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
            ),
            // GNU screen really has 16 colours whatever COLORTERM says.
            (&[("TERM", "screen"), ("COLORTERM", "truecolor")], Ansi16),
            (&[("TERM", "screen.xterm-new"), ("COLORTERM", "24bit")], Ansi16),
            (
                &[("TERM", "screen-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
            ),
            (&[("TERM", "xterm"), ("COLORTERM", "yes")], Ansi16),
            (&[("TERM", "dumb")], None),
            (&[("TERM", "dumb"), ("COLORTERM", "truecolor")], None),
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "1")], None),
            (&[("COLORTERM", "truecolor"), ("NO_COLOR", "yes")], None),
            // An empty NO_COLOR does not count.
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "")], Ansi256),
        ];
        for (vars, want) in cases {
            assert_eq!(ColorDepth::detect(env(vars)), *want, "env {vars:?}");
        }
    }

    #[test]
    fn parse_and_display_round_trip() {
        for name in ColorDepth::NAMES {
            let d: ColorDepth = name.parse().unwrap();
            assert_eq!(d.to_string(), *name);
        }
        assert_eq!("24bit".parse::<ColorDepth>(), Ok(ColorDepth::TrueColor));
        assert!("lots".parse::<ColorDepth>().unwrap_err().contains("lots"));
    }

    #[test]
    fn rgb_to_256_known_values() {
        assert_eq!(rgb_to_ansi256(0, 0, 0), 16);
        assert_eq!(rgb_to_ansi256(255, 255, 255), 231);
        assert_eq!(rgb_to_ansi256(255, 0, 0), 196);
        assert_eq!(rgb_to_ansi256(0, 255, 0), 46);
        assert_eq!(rgb_to_ansi256(0, 0, 255), 21);
        assert_eq!(rgb_to_ansi256(0x5f, 0xaf, 0xff), 75);
        assert_eq!(rgb_to_ansi256(0xff, 0xaf, 0x00), 214);
        // Greys go to the ramp, not the cube.
        assert_eq!(rgb_to_ansi256(128, 128, 128), 244);
        assert_eq!(rgb_to_ansi256(0x30, 0x30, 0x30), 236);
        assert_eq!(rgb_to_ansi256(8, 8, 8), 232);
        assert_eq!(rgb_to_ansi256(238, 238, 238), 255);
        // Near-cube colour snaps to the cube entry.
        assert_eq!(rgb_to_ansi256(0x60, 0x86, 0xb0), 67); // (95,135,175)
        // Every cube and ramp colour maps back to itself.
        for i in 16..=255u8 {
            let (r, g, b) = ansi256_to_rgb(i);
            let j = rgb_to_ansi256(r, g, b);
            assert_eq!(ansi256_to_rgb(j), (r, g, b), "index {i} -> {j}");
        }
    }

    #[test]
    fn rgb_to_16_known_values() {
        assert_eq!(rgb_to_ansi16(0, 0, 0), Color::Black);
        assert_eq!(rgb_to_ansi16(255, 255, 255), Color::White);
        assert_eq!(rgb_to_ansi16(200, 10, 10), Color::Red);
        assert_eq!(rgb_to_ansi16(255, 40, 40), Color::LightRed);
        assert_eq!(rgb_to_ansi16(0x3f, 0xb9, 0x50), Color::Green);
        assert_eq!(rgb_to_ansi16(0x80, 0x80, 0x80), Color::DarkGray);
        assert_eq!(rgb_to_ansi16(0xd2, 0x99, 0x22), Color::Yellow);
        assert_eq!(rgb_to_ansi16(230, 230, 230), Color::Gray);
    }

    #[test]
    fn convert_by_depth() {
        let c = Color::Rgb(255, 0, 0);
        assert_eq!(ColorDepth::TrueColor.convert(c), Some(c));
        assert_eq!(ColorDepth::Ansi256.convert(c), Some(Color::Indexed(196)));
        assert_eq!(ColorDepth::Ansi16.convert(c), Some(Color::LightRed));
        assert_eq!(ColorDepth::None.convert(c), None);
        // Named colours survive every depth but none.
        assert_eq!(ColorDepth::Ansi16.convert(Color::Cyan), Some(Color::Cyan));
        assert_eq!(ColorDepth::Ansi256.convert(Color::Reset), Some(Color::Reset));
        // Indexed colours are reduced for 16.
        assert_eq!(
            ColorDepth::Ansi16.convert(Color::Indexed(196)),
            Some(Color::LightRed)
        );
        assert_eq!(ColorDepth::Ansi16.convert(Color::Indexed(1)), Some(Color::Red));
        assert_eq!(
            ColorDepth::Ansi256.convert(Color::Indexed(196)),
            Some(Color::Indexed(196))
        );
    }
}
