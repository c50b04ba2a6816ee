//! What one WebSocket client is subscribed to. Pure: the client task applies
//! subscribe/unsubscribe frames here and asks it which ticks to forward.

use crate::book::SymbolId;

/// The wildcard that means every served symbol.
pub(crate) const ALL: &str = "*";

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Subscription {
    /// Subscribed to `*`: every symbol, and the shared pre-serialized frames.
    all: bool,
    /// Per symbol id, when not `all`.
    ids: Vec<bool>,
    count: usize,
}

impl Subscription {
    /// Nothing subscribed, over `symbols` served symbols.
    pub fn new(symbols: usize) -> Subscription {
        Subscription {
            all: false,
            ids: vec![false; symbols],
            count: 0,
        }
    }

    pub fn is_all(&self) -> bool {
        self.all
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.count == 0
    }

    pub fn contains(&self, id: SymbolId) -> bool {
        self.all || self.ids.get(id).copied().unwrap_or(false)
    }

    /// Adds symbols (`*` for all); returns the names that are not served.
    pub fn subscribe(&mut self, names: &[String], lookup: impl Fn(&str) -> Option<SymbolId>) -> Vec<String> {
        let mut unknown = Vec::new();
        for name in names {
            if name == ALL {
                self.all = true;
                continue;
            }
            match lookup(name) {
                Some(id) => self.set(id, true),
                None => unknown.push(name.clone()),
            }
        }
        unknown
    }

    /// Removes symbols (`*` for all); returns the names that are not served.
    pub fn unsubscribe(
        &mut self,
        names: &[String],
        lookup: impl Fn(&str) -> Option<SymbolId>,
    ) -> Vec<String> {
        let mut unknown = Vec::new();
        for name in names {
            if name == ALL {
                *self = Subscription::new(self.ids.len());
                continue;
            }
            let Some(id) = lookup(name) else {
                unknown.push(name.clone());
                continue;
            };
            if self.all {
                self.all = false;
                self.ids.fill(true);
                self.count = self.ids.len();
            }
            self.set(id, false);
        }
        unknown
    }

    fn set(&mut self, id: SymbolId, on: bool) {
        let Some(slot) = self.ids.get_mut(id) else {
            return;
        };
        if *slot == on {
            return;
        }
        *slot = on;
        if on {
            self.count += 1;
        } else {
            self.count -= 1;
        }
    }

    /// Subscribed symbol ids, in book order.
    pub fn ids(&self) -> impl Iterator<Item = SymbolId> + '_ {
        (0..self.ids.len()).filter(|&id| self.contains(id))
    }

    /// The subscription as the `subscribed` frame reports it: `["*"]`, or the
    /// names in book order.
    pub fn names(&self, symbols: &[std::sync::Arc<str>]) -> Vec<String> {
        if self.all {
            return vec![ALL.to_string()];
        }
        self.ids()
            .filter_map(|id| symbols.get(id).map(|s| s.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn symbols() -> Vec<Arc<str>> {
        ["A", "B", "C"].into_iter().map(Arc::from).collect()
    }

    fn lookup(name: &str) -> Option<SymbolId> {
        ["A", "B", "C"].iter().position(|s| *s == name)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subscribes_to_a_list_and_reports_unknown_names() {
        let mut sub = Subscription::new(3);
        assert!(sub.is_empty());
        let unknown = sub.subscribe(&names(&["C", "NOPE", "A", "A"]), lookup);
        assert_eq!(unknown, ["NOPE"]);
        assert_eq!(sub.names(&symbols()), ["A", "C"]);
        assert!(sub.contains(2) && !sub.contains(1) && !sub.contains(99));
        assert!(!sub.is_all());
    }

    #[test]
    fn wildcard_and_unsubscribe() {
        let mut sub = Subscription::new(3);
        sub.subscribe(&names(&["*"]), lookup);
        assert!(sub.is_all());
        assert_eq!(sub.names(&symbols()), ["*"]);
        assert_eq!(sub.ids().count(), 3);
        sub.unsubscribe(&names(&["B"]), lookup);
        assert!(!sub.is_all());
        assert_eq!(sub.names(&symbols()), ["A", "C"]);
        let unknown = sub.unsubscribe(&names(&["ZZ", "A", "C"]), lookup);
        assert_eq!(unknown, ["ZZ"]);
        assert!(sub.is_empty());
        sub.subscribe(&names(&["B"]), lookup);
        sub.unsubscribe(&names(&["*"]), lookup);
        assert!(sub.is_empty());
    }
}
