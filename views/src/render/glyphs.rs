//! Glyph sets: Unicode by default, ASCII for poor fonts on bastion hosts.

use ratatui::symbols::{self, border};

use super::text;

pub(crate) struct Glyphs {
    /// Sparkline levels, lowest first.
    pub spark: [&'static str; 8],
    pub sort_up: &'static str,
    pub sort_down: &'static str,
    pub ellipsis: &'static str,
    /// More tabs hidden to the left / right.
    pub more_left: &'static str,
    pub more_right: &'static str,
    /// Separator in titles (`Prices · 14 symbols`).
    pub dot: &'static str,
    /// A value that is unknown or not a number.
    pub missing: &'static str,
    /// Marks the selected row.
    pub selected: &'static str,
    /// Marks a stale row before its symbol.
    pub stale: &'static str,
    /// Text cursor after the filter being typed.
    pub cursor: &'static str,
    pub connected: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub not_configured: &'static str,
    /// Separator between header items.
    pub sep: &'static str,
    pub border: border::Set<'static>,
    pub marker: symbols::Marker,
    /// A whole cell of a bar (the SLO budget bar).
    pub bar_full: &'static str,
    /// Partial cells of a bar, one eighth to seven eighths (empty: whole cells only).
    pub bar_partial: &'static [&'static str],
    /// The unfilled track of a bar.
    pub bar_empty: &'static str,
    /// A horizontal threshold line in a chart.
    pub rule: &'static str,
    /// A threshold above the top of a chart.
    pub above: &'static str,
    /// Verdicts of a verification check: passed, failed, not decided yet.
    pub check_pass: &'static str,
    pub check_fail: &'static str,
    pub check_pending: &'static str,
    /// Between a check and its detail.
    pub dash: &'static str,
}

impl Glyphs {
    /// A formatted figure as drawn: a formatter's [`text::MISSING`] becomes
    /// this set's `missing` glyph.
    pub fn swap_missing(&self, s: String) -> String {
        if s == text::MISSING {
            self.missing.to_string()
        } else {
            s
        }
    }
}

pub(crate) const UNICODE: Glyphs = Glyphs {
    spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
    sort_up: "▲",
    sort_down: "▼",
    ellipsis: "…",
    more_left: "…",
    more_right: "…",
    dot: "·",
    missing: "—",
    selected: "▶",
    stale: "!",
    cursor: "▏",
    connected: "●",
    connecting: "◌",
    reconnecting: "↻",
    not_configured: "–",
    sep: "│",
    border: border::ROUNDED,
    marker: symbols::Marker::Braille,
    bar_full: "█",
    bar_partial: &["▏", "▎", "▍", "▌", "▋", "▊", "▉"],
    bar_empty: "░",
    rule: "┄",
    above: "↑",
    check_pass: "✓",
    check_fail: "✗",
    check_pending: "…",
    dash: "—",
};

pub(crate) const ASCII: Glyphs = Glyphs {
    spark: ["_", ".", ",", "-", "~", "=", "*", "#"],
    sort_up: "^",
    sort_down: "v",
    ellipsis: "...",
    more_left: "<",
    more_right: ">",
    dot: "-",
    missing: "-",
    selected: ">",
    stale: "!",
    cursor: "_",
    connected: "*",
    connecting: "o",
    reconnecting: "@",
    not_configured: "-",
    sep: "|",
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
    marker: symbols::Marker::Custom('*'),
    bar_full: "#",
    bar_partial: &[],
    bar_empty: ".",
    rule: "-",
    above: "^",
    check_pass: "+",
    check_fail: "x",
    check_pending: ".",
    dash: "-",
};

pub(crate) fn for_theme(theme: &crate::Theme) -> &'static Glyphs {
    if theme.ascii { &ASCII } else { &UNICODE }
}
