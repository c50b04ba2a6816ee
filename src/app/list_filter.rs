//! Typing the `/` filter of the SLO and cluster screens (the prices and
//! incidents screens have their own keys, older than these): Enter keeps
//! it, Esc clears it, and the selection follows what stays visible.

use crossterm::event::{KeyCode, KeyEvent};

use super::App;
use super::filter::FilterInput;

impl App {
    /// Takes the key while the SLO or cluster filter is being typed;
    /// `false` when neither is.
    pub(super) fn on_list_filter_key(&mut self, key: KeyEvent) -> bool {
        if self.slos.filter_editing {
            edit(&mut self.slos.filter, &mut self.slos.filter_editing, key);
            self.slos.follow_filter();
            return true;
        }
        match self.cluster.as_mut() {
            Some(cluster) if cluster.filter_editing => {
                edit(&mut cluster.filter, &mut cluster.filter_editing, key);
                cluster.follow_filter();
                true
            }
            _ => false,
        }
    }
}

fn edit(filter: &mut FilterInput, editing: &mut bool, key: KeyEvent) {
    match key.code {
        KeyCode::Enter => *editing = false,
        KeyCode::Esc => {
            *editing = false;
            filter.clear();
        }
        KeyCode::Backspace => {
            filter.pop();
        }
        KeyCode::Char(c) if !c.is_control() => filter.push(c),
        _ => {}
    }
}
