//! Top line: target, one badge per source, the open incidents by severity,
//! clock at the right; in a replay, the replay marker before all of it.
//!
//! Badges are shortened step by step until the line fits: full words, then
//! compact, then the state glyph only; the target is cut last. The
//! incidents segment shortens after every badge when something is firing
//! (`incidents SEV1 2 SEV3 1`, `SEV1 2 SEV3 1`, `S1:2 S3:1`), and early,
//! down to nothing, when all is quiet (`no incidents`). The clock goes
//! before the target is cut to almost nothing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::incidents::severity_style;
use super::text::{self, age, short_error};
use super::{Ctx, put_line};
use crate::model::{HeaderModel, LinkState, ReplayModel, SeverityModel, SourceBadge};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    Full = 0,
    Compact = 1,
    Tiny = 2,
}

pub(super) fn render(buf: &mut Buffer, area: Rect, h: &HeaderModel, ctx: &Ctx) {
    let Some(replay) = &h.replay else {
        render_live(buf, area, h, ctx);
        return;
    };
    // The marker is never shortened: a replay must not pass for live.
    let marker = replay_marker(replay, ctx);
    let width = (marker.width() as u16).min(area.width);
    put_line(buf, Rect { width, ..area }, &marker);
    let rest = Rect {
        x: area.x + width,
        width: area.width - width,
        ..area
    };
    render_live(buf, rest, h, ctx);
}

/// Longest file name shown in the replay marker.
const REPLAY_FILE_MAX: usize = 24;

/// ` REPLAY ` in reverse video, then file, recorded time, speed, pause.
fn replay_marker<'a>(r: &ReplayModel, ctx: &Ctx) -> Line<'a> {
    let style = ctx.theme.warn;
    let file = text::truncate(&text::sanitize(r.file), REPLAY_FILE_MAX, ctx.g.ellipsis);
    let paused = if r.paused { " PAUSED" } else { "" };
    Line::from(vec![
        Span::styled(
            " REPLAY ",
            style.add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::styled(
            format!(" {file} {} x{}{paused} ", text::sanitize(r.at), r.speed),
            style,
        ),
    ])
}

fn render_live(buf: &mut Buffer, area: Rect, h: &HeaderModel, ctx: &Ctx) {
    let target = text::sanitize(h.target);
    let target_w = text::width(&target);
    // Every badge in every form, measured once.
    let mut forms: Vec<[Vec<Span>; 3]> = h
        .sources
        .iter()
        .map(|b| {
            [
                badge(b, Detail::Full, ctx),
                badge(b, Detail::Compact, ctx),
                badge(b, Detail::Tiny, ctx),
            ]
        })
        .collect();
    // The incidents segment shortens like a badge, after the badges.
    let mut ranks: Vec<usize> = h.sources.iter().map(|b| shorten_rank(&b.state)).collect();
    if let Some(counts) = &h.incidents {
        forms.push([
            incidents_segment(counts, Detail::Full, ctx),
            incidents_segment(counts, Detail::Compact, ctx),
            incidents_segment(counts, Detail::Tiny, ctx),
        ]);
        // Quiet, it goes with the not-configured badges: after the data
        // ages of connected sources, since its absence would read as "no
        // incident source".
        ranks.push(if counts.iter().any(|&n| n > 0) {
            QUIET_RANK + 1
        } else {
            1
        });
    }
    let widths: Vec<[usize; 3]> = forms
        .iter()
        .map(|f| f.each_ref().map(|spans| spans.iter().map(Span::width).sum()))
        .collect();
    let badges_width =
        |levels: &[Detail]| -> usize { widths.iter().zip(levels).map(|(w, &d)| w[d as usize]).sum() };

    // The clock goes first when even the shortest badges would not fit.
    let clock = text::sanitize(h.clock);
    let clock_w = text::width(&clock);
    let tiniest = 1 + badges_width(&vec![Detail::Tiny; forms.len()]);
    let target_least = target_w.min(TARGET_TINY);
    let show_clock = clock_w > 0 && tiniest + target_least + clock_w + 2 <= area.width as usize;
    let avail = if show_clock {
        area.width as usize - clock_w - 2
    } else {
        area.width as usize
    };

    // Try generous layouts first: the whole target with the product name,
    // then a shorter target, then without the name. Within each, badges
    // lose words least telling first (a failing source keeps them longest).
    let mut chosen = None;
    for (prefix, target_need, shortest) in [
        (" mdops ", target_w.min(TARGET_FULL), Detail::Compact),
        (" mdops ", target_w.min(TARGET_MIN), Detail::Tiny),
        (" ", target_w.min(TARGET_MIN), Detail::Tiny),
    ] {
        let fits = |levels: &[Detail]| prefix.len() + target_need + badges_width(levels) <= avail;
        let mut levels = vec![Detail::Full; forms.len()];
        'shorten: for level in [Detail::Compact, Detail::Tiny] {
            if level > shortest {
                break;
            }
            for rank in 0..=QUIET_RANK + 1 {
                if fits(&levels) {
                    break 'shorten;
                }
                for (i, &r) in ranks.iter().enumerate() {
                    if r == rank {
                        levels[i] = level;
                    }
                }
            }
        }
        let ok = fits(&levels);
        chosen = Some((prefix, levels));
        if ok {
            break;
        }
    }
    let (prefix, levels) = chosen.expect("at least one layout is tried");

    let room = avail.saturating_sub(prefix.len() + badges_width(&levels));
    let target = text::truncate(&target, room, ctx.g.ellipsis);
    let mut badges: Vec<Span> = forms
        .iter_mut()
        .zip(&levels)
        .flat_map(|(f, &d)| std::mem::take(&mut f[d as usize]))
        .collect();
    if target.is_empty() && !badges.is_empty() {
        // No target left to separate from.
        badges.remove(0);
    }
    let mut line = Line::from(vec![
        Span::styled(prefix, ctx.theme.title),
        Span::styled(target, ctx.theme.header),
    ]);
    line.spans.extend(badges);
    let line_area = Rect {
        width: avail as u16,
        ..area
    };
    put_line(buf, line_area, &line);
    if show_clock {
        let x = area.x + area.width - clock_w as u16;
        super::put_str(buf, x, area.y, &clock, clock_w as u16, ctx.theme.muted);
    }
}

/// Target width kept before badges lose their words.
const TARGET_FULL: usize = 40;
/// The target is cut to no less than this before the product name goes.
const TARGET_MIN: usize = 16;
/// The clock goes before the target is cut below this.
const TARGET_TINY: usize = 8;
/// The highest rank of a badge: a failing source keeps its words longest.
const QUIET_RANK: usize = 3;

/// Order in which badges are shortened (lowest first).
fn shorten_rank(state: &LinkState) -> usize {
    match state {
        LinkState::Connected => 0,
        LinkState::NotConfigured => 1,
        LinkState::Connecting => 2,
        LinkState::Reconnecting { .. } => QUIET_RANK,
    }
}

/// Spans for one badge, starting with a separator.
fn badge<'a>(b: &SourceBadge<'a>, detail: Detail, ctx: &Ctx) -> Vec<Span<'a>> {
    let t = ctx.theme;
    let g = ctx.g;
    let name = text::sanitize(b.name);
    let (glyph, style): (&str, Style) = match b.state {
        LinkState::Connected => (g.connected, t.ok),
        LinkState::Connecting => (g.connecting, t.warn),
        LinkState::Reconnecting { .. } => (g.reconnecting, t.critical),
        LinkState::NotConfigured => (g.not_configured, t.muted),
    };
    let mut spans = vec![
        Span::styled(format!(" {} ", g.sep), t.border),
        Span::styled(name, t.header),
        Span::raw(" "),
        Span::styled(glyph, style),
    ];
    let word = |s: String| Span::styled(format!(" {s}"), style);
    let data_age = b.data_age.map(|d| Span::styled(format!(" {}", age(d)), t.muted));
    match (&b.state, detail) {
        (LinkState::Connected, Detail::Full) => {
            spans.push(word("connected".into()));
            spans.extend(data_age);
        }
        (LinkState::Connected, Detail::Compact) => spans.extend(data_age),
        (LinkState::Connecting, Detail::Full | Detail::Compact) => {
            spans.push(word("connecting".into()));
        }
        (LinkState::Reconnecting { attempt, last_error }, Detail::Full) => {
            spans.push(word(format!(
                "reconnecting #{attempt}: {}",
                short_error(last_error, 32, g.ellipsis)
            )));
            spans.extend(data_age);
        }
        (LinkState::Reconnecting { attempt, last_error }, Detail::Compact) => spans.push(word(format!(
            "#{attempt}: {}",
            short_error(last_error, 24, g.ellipsis)
        ))),
        (LinkState::Reconnecting { attempt, .. }, Detail::Tiny) => {
            spans.push(Span::styled(format!("#{attempt}"), style));
        }
        (LinkState::NotConfigured, Detail::Full) => spans.push(word("not configured".into())),
        (LinkState::NotConfigured, Detail::Compact) => spans.push(word("off".into())),
        (_, Detail::Tiny) => {}
    }
    spans
}

/// Spans for the incidents segment, starting with a separator: the open
/// incidents by severity, zero counts left out; `no incidents` when all
/// are zero (nothing at all in the tiny form).
fn incidents_segment<'a>(counts: &[usize; 4], detail: Detail, ctx: &Ctx) -> Vec<Span<'a>> {
    let t = ctx.theme;
    let firing: Vec<(SeverityModel, usize)> = SEVERITIES
        .iter()
        .zip(counts)
        .filter(|&(_, &n)| n > 0)
        .map(|(&s, &n)| (s, n))
        .collect();
    if firing.is_empty() {
        return match detail {
            Detail::Tiny => Vec::new(),
            _ => vec![
                Span::styled(format!(" {} ", ctx.g.sep), t.border),
                Span::styled("no incidents", t.ok),
            ],
        };
    }
    let mut spans = vec![Span::styled(format!(" {} ", ctx.g.sep), t.border)];
    if detail == Detail::Full {
        spans.push(Span::styled("incidents ", t.header));
    }
    for (i, (s, n)) in firing.into_iter().enumerate() {
        let gap = if i == 0 { "" } else { " " };
        let text = match detail {
            Detail::Tiny => format!("{gap}S{}:{n}", s.label().trim_start_matches("SEV")),
            _ => format!("{gap}{} {n}", s.label()),
        };
        spans.push(Span::styled(text, severity_style(s, ctx)));
    }
    spans
}

const SEVERITIES: [SeverityModel; 4] = [
    SeverityModel::Sev1,
    SeverityModel::Sev2,
    SeverityModel::Sev3,
    SeverityModel::Sev4,
];
