//! The Pods pane: phase, ready containers, restarts, age, node and why a
//! pod is not ready. An unhealthy pod is marked `!`, and its ready count
//! and reason take the warn style, or critical when it is crashing or
//! cannot start (a `BackOff`, an `Err...` reason, `OOMKilled`, `Failed`).
//! The reason is the last column: it is never dropped.

use ratatui::style::Style;

use super::table::{Cell, ColSpec, Cut, Row, TableSpec};
use crate::model::PodRow;
use crate::render::{Ctx, text};

const NAME: usize = 0;
const PHASE: usize = 1;
const RESTARTS: usize = 3;
const AGE: usize = 4;
const NODE: usize = 5;

const COLS: &[ColSpec] = &[
    ColSpec {
        title: "Name",
        right: false,
        max: 48,
        cut: Cut::Middle,
    },
    ColSpec {
        title: "Phase",
        right: false,
        max: 10,
        cut: Cut::End,
    },
    ColSpec {
        title: "Ready",
        right: true,
        max: 7,
        cut: Cut::End,
    },
    ColSpec {
        title: "Restarts",
        right: true,
        max: 8,
        cut: Cut::End,
    },
    ColSpec {
        title: "Age",
        right: true,
        max: 6,
        cut: Cut::End,
    },
    ColSpec {
        title: "Node",
        right: false,
        max: 28,
        cut: Cut::Middle,
    },
    ColSpec {
        title: "Reason",
        right: false,
        max: u16::MAX,
        cut: Cut::End,
    },
];

/// Node, age, phase, then restarts go; name, ready and reason stay.
pub(super) const SPEC: TableSpec = TableSpec {
    cols: COLS,
    drop: &[NODE, AGE, PHASE, RESTARTS],
    last_min: 16,
    squeeze: NAME,
    squeeze_min: 14,
};

/// Reasons of a pod that is crashing or cannot start.
const CRITICAL_REASONS: [&str; 3] = ["BackOff", "Err", "OOMKilled"];

/// `None` when healthy, else the style that says how bad it is.
pub(super) fn trouble(p: &PodRow, ctx: &Ctx) -> Option<Style> {
    if p.healthy {
        None
    } else if p.phase == "Failed" || CRITICAL_REASONS.iter().any(|r| p.reason.contains(r)) {
        Some(ctx.theme.critical)
    } else {
        Some(ctx.theme.warn)
    }
}

pub(super) fn row(p: &PodRow, ctx: &Ctx) -> Row {
    let th = ctx.theme;
    let trouble = trouble(p, ctx);
    let phase_style = match p.phase {
        "Running" => Style::new(),
        "Succeeded" => th.muted,
        "Failed" => th.critical,
        _ => th.warn,
    };
    let (ready, total) = p.ready;
    let ready_style = match trouble {
        Some(s) if ready < total => s,
        _ => Style::new(),
    };
    let restarts_style = if p.restarts > 0 { th.warn } else { th.muted };
    let node = if p.node.trim().is_empty() {
        ctx.g.missing.to_string()
    } else {
        text::sanitize(p.node)
    };
    Row {
        cells: vec![
            Cell::new(text::sanitize(p.name), Style::new()),
            Cell::new(text::sanitize(p.phase), phase_style),
            Cell::new(format!("{ready}/{total}"), ready_style),
            Cell::new(p.restarts.to_string(), restarts_style),
            Cell::new(text::span(p.age), th.muted),
            Cell::new(node, th.muted),
            Cell::new(text::sanitize(p.reason), trouble.unwrap_or(th.muted)),
        ],
        flag: trouble,
    }
}
