//! The Warning events pane, newest first: how long ago, the reason, the
//! object, how many times (`x3`) and the message, cut at the box's edge.
//! The object goes first on narrow boxes (messages usually name it too),
//! then the count: the message keeps at least [`SPEC`]'s `last_min` cells.

use ratatui::style::Style;

use super::table::{Cell, ColSpec, Cut, Row, TableSpec};
use crate::model::EventRow;
use crate::render::{Ctx, text};

const REASON: usize = 1;
const OBJECT: usize = 2;
const COUNT: usize = 3;

const COLS: &[ColSpec] = &[
    ColSpec {
        title: "Age",
        right: true,
        max: 6,
        cut: Cut::End,
    },
    ColSpec {
        title: "Reason",
        right: false,
        max: 24,
        cut: Cut::End,
    },
    ColSpec {
        title: "Object",
        right: false,
        max: 44,
        cut: Cut::Middle,
    },
    ColSpec {
        title: "Count",
        right: true,
        max: 7,
        cut: Cut::End,
    },
    ColSpec {
        title: "Message",
        right: false,
        max: u16::MAX,
        cut: Cut::End,
    },
];

pub(super) const SPEC: TableSpec = TableSpec {
    cols: COLS,
    drop: &[OBJECT, COUNT],
    last_min: 32,
    squeeze: REASON,
    squeeze_min: 10,
};

pub(super) fn row(e: &EventRow, ctx: &Ctx) -> Row {
    let th = ctx.theme;
    let reason_style = if e.kind == "Warning" { th.warn } else { th.muted };
    // Seen once: nothing to count.
    let count = if e.count > 1 {
        format!("x{}", e.count)
    } else {
        String::new()
    };
    Row {
        cells: vec![
            Cell::new(text::span(e.age), th.muted),
            Cell::new(text::sanitize(e.reason), reason_style),
            Cell::new(text::sanitize(e.object), Style::new()),
            Cell::new(count, Style::new()),
            Cell::new(text::sanitize(e.message), Style::new()),
        ],
        flag: None,
    }
}
