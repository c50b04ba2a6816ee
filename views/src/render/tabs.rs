//! Tabs line: screen titles numbered by their key (the first is 0), the
//! selected one highlighted. When the titles do not fit, the labels lose
//! their padding, then the titles are cut to a few letters, then only the
//! numbers stay; only when even those do not fit does the strip scroll so
//! the selected tab stays visible, with marks at either end saying that
//! more tabs are hidden. Each drawn label is a click target.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::text;
use super::{Ctx, put_line};
use crate::ViewState;
use crate::hit::Hit;
use crate::model::TabsModel;

/// Letters kept of each title when titles are cut.
const SHORT_TITLE: usize = 4;

/// How much of each title a label shows, widest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// ` 0 Overview `
    Padded,
    /// `0 Overview`
    Plain,
    /// `0 Over`
    Short,
    /// `0`
    Number,
}

fn label(i: usize, title: &str, form: Form) -> String {
    let title = text::sanitize(title);
    match form {
        Form::Padded => format!(" {i} {title} "),
        Form::Plain => format!("{i} {title}"),
        Form::Short => format!("{i} {}", title.chars().take(SHORT_TITLE).collect::<String>()),
        Form::Number => i.to_string(),
    }
}

/// Labels in the widest form whose strip fits `avail` cells (a lead cell,
/// then each label followed by a space); the narrowest form when none does.
fn labels(titles: &[&str], avail: usize) -> Vec<String> {
    let forms = [Form::Padded, Form::Plain, Form::Short, Form::Number];
    let build = |form| -> Vec<String> {
        titles
            .iter()
            .enumerate()
            .map(|(i, t)| label(i, t, form))
            .collect()
    };
    for form in forms {
        let labels = build(form);
        let strip = 1 + labels.iter().map(|l| text::width(l) + 1).sum::<usize>();
        if strip <= avail {
            return labels;
        }
    }
    build(Form::Number)
}

pub(super) fn render(buf: &mut Buffer, area: Rect, m: &TabsModel, ctx: &Ctx, state: &mut ViewState) {
    if m.titles.is_empty() {
        return;
    }
    let avail = area.width as usize;
    let labels = labels(m.titles, avail);
    let widths: Vec<usize> = labels.iter().map(|l| text::width(l) + 1).collect();
    let selected = m.selected.min(labels.len() - 1);
    // Cells from the lead mark to the end of the selected tab, plus a right mark.
    let span = |from: usize| 1 + widths[from..=selected].iter().sum::<usize>() + 1;
    let mut first = 0;
    while first < selected && span(first) > avail {
        first += 1;
    }

    let lead = if first > 0 { ctx.g.more_left } else { " " };
    let mut line = Line::from(Span::styled(lead, ctx.theme.muted));
    let mut used = 1;
    for (i, label) in labels.iter().enumerate().skip(first) {
        let more_after = i + 1 < labels.len();
        if used + widths[i] + usize::from(more_after) > avail && i > selected {
            line.spans.push(Span::styled(ctx.g.more_right, ctx.theme.muted));
            break;
        }
        let style = if i == selected {
            ctx.theme.active_tab
        } else {
            ctx.theme.muted
        };
        let x = area.x.saturating_add(used as u16);
        let w = (widths[i] as u16 - 1).min(area.right().saturating_sub(x));
        state
            .hits
            .push(Rect::new(x, area.y, w, area.height.min(1)), Hit::Tab(i));
        line.spans.push(Span::styled(label.as_str(), style));
        line.spans.push(Span::raw(" "));
        used += widths[i];
    }
    put_line(buf, area, &line);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLES: [&str; 8] = [
        "Overview",
        "Prices",
        "SLOs",
        "Incidents",
        "Capacity",
        "DR",
        "Cluster",
        "Timeline",
    ];

    #[test]
    fn labels_get_compact_as_room_shrinks() {
        assert_eq!(labels(&TITLES, 200)[0], " 0 Overview ");
        // 80 columns: no padding, full titles, all eight.
        let at_80 = labels(&TITLES, 80);
        assert_eq!(at_80[0], "0 Overview");
        assert_eq!(at_80[7], "7 Timeline");
        assert_eq!(labels(&TITLES, 60)[3], "3 Inci");
        assert_eq!(labels(&TITLES, 60)[5], "5 DR");
        assert_eq!(labels(&TITLES, 30)[3], "3");
        assert_eq!(labels(&TITLES, 5)[3], "3");
    }
}
