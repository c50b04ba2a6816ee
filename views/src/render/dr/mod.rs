//! DR screen: a banner while the DR source fails (the last answer stays
//! below it), then one column per environment, side by side. Each column
//! shows RPO and RTO against target in colour and in words (MET, MISSED,
//! NO BACKUP / NO DRILL), the last backup run, the last drill, the standby,
//! the cluster's backups (CronJobs, Velero) when Kubernetes is read, and
//! the backups list.

mod backups;
mod cluster;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Ctx, banner, centered_message, put_line, side_by_side, stacked, text};
use crate::model::{DrEnvironmentModel, DrModel, DrStatusModel, ObjectiveModel, ObjectiveState};

/// Width of the labels on the left of the facts.
const LABEL_W: usize = 13;

pub(crate) fn render(buf: &mut Buffer, area: Rect, m: &DrModel, ctx: &Ctx) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let problems: Vec<&str> = m.problem.into_iter().collect();
    let banner_h = banner::render(buf, area, &problems, ctx);
    let (_, mut body) = stacked(area, banner_h);
    for (i, env) in m.environments.iter().enumerate() {
        // An equal share of what is left, so the columns split the width.
        let remaining = u16::try_from(m.environments.len() - i).unwrap_or(u16::MAX);
        let w = body.width / remaining;
        let (column, rest) = side_by_side(body, w);
        environment(buf, column, env, ctx);
        body = rest;
    }
}

fn environment(buf: &mut Buffer, area: Rect, env: &DrEnvironmentModel, ctx: &Ctx) {
    let title = Line::from(format!(" DR {} {} ", ctx.g.dot, text::sanitize(env.name)));
    let inner = ctx.draw_box(buf, area, &title, None);
    let Some(status) = &env.status else {
        let msg = format!("waiting for the agent's /api/v1/dr{}", ctx.g.ellipsis);
        centered_message(buf, inner, &msg, ctx.theme.muted);
        return;
    };
    let mut lines = facts(status, ctx);
    if let Some(kube) = &env.kube {
        lines.extend(cluster::lines(kube, ctx));
    }
    let facts_h = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(inner.height);
    let (top, rest) = stacked(inner, facts_h);
    for (i, line) in lines.iter().enumerate().take(usize::from(facts_h)) {
        put_line(
            buf,
            Rect {
                y: top.y + i as u16,
                height: 1,
                ..top
            },
            line,
        );
    }
    if rest.height > 1 {
        let (_, list) = stacked(rest, 1);
        backups::render(buf, list, status, ctx);
    }
}

/// The objectives, the last runs and the standby, one line each.
fn facts<'a>(s: &'a DrStatusModel, ctx: &Ctx) -> Vec<Line<'a>> {
    let th = ctx.theme;
    let label = |l: &str| Span::styled(format!("{l:<LABEL_W$}"), th.muted);
    let mut lines = vec![
        objective("RPO", "NO BACKUP", &s.rpo, ctx),
        objective("RTO", "NO DRILL", &s.rto, ctx),
    ];
    lines.push(match (s.backup_dir, s.schedule) {
        (Err(why), _) => Line::from(vec![
            label("schedule"),
            Span::styled(format!("OFF: {}", text::sanitize(why)), th.critical),
        ]),
        (Ok(_), None) => Line::from(vec![label("schedule"), Span::styled("off", th.warn)]),
        (Ok(_), Some(every)) => Line::from(vec![
            label("schedule"),
            Span::raw(format!("every {}", text::span(every))),
        ]),
    });
    lines.push(match &s.last_backup {
        None => Line::from(vec![label("last backup"), Span::styled("none yet", th.muted)]),
        Some(run) => {
            let mut spans = vec![
                label("last backup"),
                Span::raw(format!("{} ago ", text::span(run.age))),
                verdict(run.ok, ctx),
                Span::raw(format!(" in {} ({})", text::duration(run.duration), run.trigger)),
            ];
            if let Some(error) = run.error {
                spans.push(Span::styled(format!(": {}", text::sanitize(error)), th.critical));
            }
            Line::from(spans)
        }
    });
    match &s.last_drill {
        None => lines.push(Line::from(vec![
            label("last drill"),
            Span::styled("none yet", th.muted),
        ])),
        Some(drill) => {
            let mut spans = vec![
                label("last drill"),
                Span::raw(format!("{} ago ", text::span(drill.age))),
                verdict(drill.ok, ctx),
                Span::raw(format!(" in {}", text::duration(drill.duration))),
            ];
            if let Some(id) = drill.backup_id {
                spans.push(Span::styled(format!(" {} {id}", ctx.g.dot), th.muted));
            }
            if let Some(error) = drill.error {
                spans.push(Span::styled(format!(": {}", text::sanitize(error)), th.critical));
            }
            lines.push(Line::from(spans));
            for check in &drill.checks {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_W)),
                    Span::styled(format!("{} ", ctx.g.check_pass), th.ok),
                    Span::raw(text::sanitize(check)),
                ]));
            }
        }
    }
    let r = &s.replication;
    let mut spans = vec![
        label("standby"),
        Span::styled(r.state.to_string(), if r.healthy { th.ok } else { th.warn }),
    ];
    if let Some(standby) = r.standby {
        spans.push(Span::raw(format!(" {}", text::sanitize(standby))));
    }
    if let Some(lag) = r.lag {
        spans.push(Span::raw(format!(", {} behind", text::span(lag))));
    }
    if let Some(error) = r.error {
        spans.push(Span::styled(format!(": {}", text::sanitize(error)), th.critical));
    }
    lines.push(Line::from(spans));
    lines
}

/// `RPO  3m12s  target 15m  MET`, the word in the verdict's colour.
fn objective<'a>(name: &str, none: &'a str, o: &ObjectiveModel, ctx: &Ctx) -> Line<'a> {
    let th = ctx.theme;
    let current = o
        .current
        .map_or_else(|| ctx.g.missing.to_string(), text::duration);
    let (word, style): (&str, Style) = match o.state {
        ObjectiveState::Met => ("MET", th.ok),
        ObjectiveState::Missed => ("MISSED", th.critical),
        ObjectiveState::NoFigure => (none, th.warn),
    };
    Line::from(vec![
        Span::styled(format!("{name:<LABEL_W$}"), th.title),
        Span::styled(format!("{current:>7}"), style),
        Span::styled(format!("  target {:<6} ", text::span(o.target)), th.muted),
        Span::styled(word.to_string(), style),
    ])
}

fn verdict(ok: bool, ctx: &Ctx) -> Span<'static> {
    if ok {
        Span::styled("ok", ctx.theme.ok)
    } else {
        Span::styled("FAILED", ctx.theme.critical)
    }
}
