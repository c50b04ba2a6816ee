//! The Deployments pane: replicas ready, up to date and available, and the
//! rollout state, spelled out. An unhealthy deployment is marked `!` and
//! its short figures and rollout word take the warn style (critical when
//! stalled or with no replica ready).

use ratatui::style::Style;

use super::table::{Cell, ColSpec, Cut, Row, TableSpec};
use crate::model::DeploymentRow;
use crate::render::{Ctx, text};

const NAME: usize = 0;
const AGE: usize = 4;
const AVAILABLE: usize = 3;
const UPDATED: usize = 2;

const COLS: &[ColSpec] = &[
    ColSpec {
        title: "Name",
        right: false,
        max: 40,
        cut: Cut::End,
    },
    ColSpec {
        title: "Ready",
        right: true,
        max: 11,
        cut: Cut::End,
    },
    ColSpec {
        title: "Up-to-date",
        right: true,
        max: 10,
        cut: Cut::End,
    },
    ColSpec {
        title: "Available",
        right: true,
        max: 9,
        cut: Cut::End,
    },
    ColSpec {
        title: "Age",
        right: true,
        max: 6,
        cut: Cut::End,
    },
    ColSpec {
        title: "Rollout",
        right: false,
        max: u16::MAX,
        cut: Cut::End,
    },
];

/// Age, then available, then up-to-date go; name, ready and rollout stay.
pub(super) const SPEC: TableSpec = TableSpec {
    cols: COLS,
    drop: &[AGE, AVAILABLE, UPDATED],
    last_min: 12,
    squeeze: NAME,
    squeeze_min: 12,
};

/// `None` when healthy, else the style that says how bad it is.
pub(super) fn trouble(d: &DeploymentRow, ctx: &Ctx) -> Option<Style> {
    if d.healthy {
        None
    } else if d.rollout.starts_with("stalled") || (d.ready == 0 && d.desired > 0) {
        Some(ctx.theme.critical)
    } else {
        Some(ctx.theme.warn)
    }
}

pub(super) fn row(d: &DeploymentRow, ctx: &Ctx) -> Row {
    let th = ctx.theme;
    let trouble = trouble(d, ctx);
    // A count short of the desired replicas is what is wrong.
    let short = |n: i32| {
        if n < d.desired {
            trouble.unwrap_or(th.warn)
        } else {
            Style::new()
        }
    };
    let rollout_style = match trouble {
        Some(s) => s,
        None if d.rollout == "complete" => th.ok,
        None => Style::new(),
    };
    Row {
        cells: vec![
            Cell::new(text::sanitize(d.name), Style::new()),
            Cell::new(format!("{}/{}", d.ready, d.desired), short(d.ready)),
            Cell::new(d.updated.to_string(), short(d.updated)),
            Cell::new(d.available.to_string(), short(d.available)),
            Cell::new(text::span(d.age), th.muted),
            Cell::new(text::sanitize(d.rollout), rollout_style),
        ],
        flag: trouble,
    }
}
