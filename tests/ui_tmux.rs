//! End to end in a real terminal (tmux) with the embedded agent: each colour
//! mode writes its kind of escapes and stays legible, `--ascii` writes
//! nothing but ASCII on any screen, the mouse switches tabs, selects and
//! scrolls rows, and `/` with a regex filters the prices.

mod common;

use std::time::Duration;

use common::tmux::{Tmux, mdops_bin};

/// The console at `w` x `h` under `env` (`VAR=value` pairs; NO_COLOR and
/// COLORTERM are unset unless given), with `args`.
fn start(env: &str, args: &str, w: u16, h: u16) -> Tmux {
    let command = format!(
        "env -u NO_COLOR -u COLORTERM {env} '{}' --screen prices {args}",
        mdops_bin().display()
    );
    let tmux = Tmux::start(&command, w, h);
    tmux.wait_for("live prices", Duration::from_secs(40), |s| {
        s.lines().any(|l| l.contains("AAPL") && l.contains('.')) && s.contains("symbols")
    });
    tmux
}

/// The pane with its escape sequences (`capture-pane -e`).
fn escapes(tmux: &Tmux) -> String {
    let out = tmux.run(&["capture-pane", "-e", "-p", "-t", "e2e"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kinds of colour found in the SGR sequences of `pane`.
#[derive(Debug, Default, PartialEq)]
struct Colours {
    truecolor: usize,
    indexed: usize,
    classic: usize,
    reverse: usize,
    bold: usize,
}

fn colours(pane: &str) -> Colours {
    let mut found = Colours::default();
    for sgr in pane.split("\x1b[").skip(1) {
        let Some(end) = sgr.find('m') else { continue };
        let params: Vec<&str> = sgr[..end].split(';').collect();
        let mut i = 0;
        while i < params.len() {
            match (params[i], params.get(i + 1)) {
                ("38" | "48", Some(&"2")) => {
                    found.truecolor += 1;
                    i += 5;
                }
                ("38" | "48", Some(&"5")) => {
                    found.indexed += 1;
                    i += 3;
                }
                (p, _) => {
                    match p.parse::<u16>() {
                        Ok(30..=37 | 40..=47 | 90..=97 | 100..=107) => found.classic += 1,
                        Ok(7) => found.reverse += 1,
                        Ok(1) => found.bold += 1,
                        _ => {}
                    }
                    i += 1;
                }
            }
        }
    }
    found
}

/// Key labels and data are on screen, whatever the colours (a start-up
/// message on the status line may hide the hints for a moment).
fn assert_legible(tmux: &Tmux) {
    let texts = ["1 Prices", "AAPL", "? help", "q quit", "/ filter", "Last"];
    tmux.wait_for("tabs, data and key labels", Duration::from_secs(15), |s| {
        texts.iter().all(|t| s.contains(t))
    });
}

#[test]
fn truecolor_writes_rgb_escapes() {
    let tmux = start("TERM=xterm-256color COLORTERM=truecolor", "", 100, 30);
    let c = colours(&escapes(&tmux));
    assert!(c.truecolor > 10, "{c:?}");
    assert_eq!(c.indexed, 0, "{c:?}");
    assert_legible(&tmux);
}

#[test]
fn xterm_256_writes_palette_indexes() {
    let tmux = start("TERM=xterm-256color", "", 100, 30);
    let c = colours(&escapes(&tmux));
    assert!(c.indexed > 10, "{c:?}");
    assert_eq!(c.truecolor, 0, "{c:?}");
    assert_legible(&tmux);
}

#[test]
fn sixteen_colours_write_the_classic_codes_only() {
    let tmux = start("TERM=xterm", "", 100, 30);
    let c = colours(&escapes(&tmux));
    assert!(c.classic > 10, "{c:?}");
    assert_eq!((c.truecolor, c.indexed), (0, 0), "{c:?}");
    assert_legible(&tmux);
}

#[test]
fn no_color_writes_no_colour_and_shows_the_selection_in_reverse() {
    let tmux = start("TERM=xterm-256color COLORTERM=truecolor NO_COLOR=1", "", 100, 30);
    let pane = escapes(&tmux);
    let c = colours(&pane);
    assert_eq!((c.truecolor, c.indexed, c.classic), (0, 0, 0), "{c:?}");
    // The active tab and the selected row are reversed, headers bold.
    assert!(c.reverse >= 2 && c.bold > 0, "{c:?}");
    let selected = pane.lines().find(|l| l.contains('▶')).expect("a selected row");
    assert!(
        selected.contains("\x1b[7m") || selected.contains(";7m") || selected.contains("[7;"),
        "{selected:?}"
    );
    assert_legible(&tmux);
}

#[test]
fn ascii_shows_only_ascii_on_every_screen_at_80x24() {
    let tmux = start("TERM=xterm-256color", "--ascii", 80, 24);
    for key in ["1", "2", "3", "4", "5", "6", "7", "0", "?"] {
        tmux.keys(&[key]);
        let screen = tmux.wait_for("the screen drawn", Duration::from_secs(10), |s| {
            s.lines().count() >= 23 && s.contains("help")
        });
        if let Some(bad) = screen.chars().find(|c| !c.is_ascii()) {
            panic!("{bad:?} on screen {key}:\n{screen}");
        }
        if key == "?" {
            tmux.keys(&["Escape"]);
        }
    }
    // All eight tabs fit at 80 columns.
    let screen = tmux.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("toggle this help")
    });
    let tabs = screen.lines().nth(1).unwrap();
    assert!(
        tabs.contains("0 Overview") && tabs.contains("7 Timeline"),
        "{tabs}"
    );
}

/// Sends a press and release of the left button at the 0-based cell
/// `(x, y)`, as a terminal reports it in SGR mouse mode.
fn click(tmux: &Tmux, x: usize, y: usize) {
    let (col, row) = (x + 1, y + 1);
    tmux.keys(&["-l", &format!("\x1b[<0;{col};{row}M")]);
    tmux.keys(&["-l", &format!("\x1b[<0;{col};{row}m")]);
}

fn wheel_down(tmux: &Tmux, x: usize, y: usize) {
    tmux.keys(&["-l", &format!("\x1b[<65;{};{}M", x + 1, y + 1)]);
}

/// The symbols of the prices table, top to bottom, with the screen line of each.
fn table_rows(screen: &str) -> Vec<(usize, String)> {
    screen
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.contains("Symbol"))
        .skip(1)
        .take_while(|(_, l)| l.starts_with('│'))
        .filter_map(|(y, l)| {
            let symbol = l
                .trim_start_matches('│')
                .trim_start_matches('▶')
                .split_whitespace()
                .next()?;
            (symbol != "│").then(|| (y, symbol.to_string()))
        })
        .collect()
}

/// The symbol of the row marked selected.
fn selected_symbol(screen: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|l| l.contains('▶') && !l.contains("Symbol"))?;
    line.split('▶')
        .nth(1)?
        .split_whitespace()
        .next()
        .map(str::to_string)
}

#[test]
fn the_mouse_switches_tabs_selects_and_scrolls_rows() {
    let tmux = start("TERM=xterm-256color", "", 100, 30);
    let screen = tmux.screen();
    let tabs = screen.lines().nth(1).unwrap();
    let x = tabs.find("3 Incidents").unwrap();
    click(&tmux, x + 2, 1);
    tmux.wait_for("the incidents screen", Duration::from_secs(10), |s| {
        s.contains("agent incidents")
    });
    let x = tmux.screen().lines().nth(1).unwrap().find("1 Prices").unwrap();
    click(&tmux, x, 1);
    let screen = tmux.wait_for("prices again", Duration::from_secs(10), |s| s.contains("Symbol"));

    // Click the fourth data row: it becomes the selection and the detail
    // pane's subject.
    let (y, symbol) = table_rows(&screen).into_iter().nth(3).expect("four price rows");
    click(&tmux, 5, y);
    let screen = tmux.wait_for("the clicked row selected", Duration::from_secs(10), |s| {
        selected_symbol(s).as_deref() == Some(symbol.as_str()) && s.contains(&format!("{symbol} {}", '·'))
    });

    // One wheel step down over the table moves the selection three rows.
    let rows: Vec<String> = table_rows(&screen).into_iter().map(|(_, s)| s).collect();
    let at = rows.iter().position(|s| *s == symbol).unwrap();
    wheel_down(&tmux, 10, y);
    let expected = rows[at + 3].clone();
    tmux.wait_for("the wheel moved the selection", Duration::from_secs(10), |s| {
        selected_symbol(s).as_deref() == Some(expected.as_str())
    });

    // Clicks under the help overlay do nothing.
    tmux.keys(&["?"]);
    tmux.wait_for("help", Duration::from_secs(5), |s| s.contains("toggle this help"));
    click(&tmux, x, 1);
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("toggle this help")
    });
    assert_eq!(selected_symbol(&screen).as_deref(), Some(expected.as_str()));

    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_file("exit", Duration::from_secs(15)).trim(), "0");
    // The mouse is released with the terminal.
    assert_eq!(tmux.pane_flag("#{mouse_any_flag}"), "0");
    assert_eq!(tmux.pane_flag("#{mouse_sgr_flag}"), "0");
}

#[test]
fn a_regex_filter_narrows_the_prices_and_a_bad_one_says_why() {
    let tmux = start("TERM=xterm-256color", "", 100, 30);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "~^(AAPL|AMD)$"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("two symbols left", Duration::from_secs(10), |s| {
        s.contains("2 of ")
    });
    let symbols: Vec<String> = table_rows(&screen).into_iter().map(|(_, s)| s).collect();
    assert_eq!(symbols, ["AAPL", "AMD"], "{screen}");
    assert!(screen.contains("filter: ~^(AAPL|AMD)$"), "{screen}");

    tmux.keys(&["Escape", "/"]);
    tmux.keys(&["-l", "~(AAPL"]);
    let screen = tmux.wait_for("the regex error", Duration::from_secs(10), |s| {
        s.contains("invalid regex")
    });
    assert!(screen.contains("no symbol matches"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("every symbol again", Duration::from_secs(10), |s| {
        !s.contains("filter '") && !s.contains("invalid regex") && s.contains("ABBV")
    });
}
