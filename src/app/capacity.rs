//! The capacity screen's state. The overview reads the tightest headroom.

use std::time::Duration;

use super::App;

/// The resource closest to its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    /// e.g. `memory`.
    pub resource: &'static str,
    /// Current use as a share of the limit (0.83 is 83 %).
    pub used: f64,
    /// When the median forecast crosses the limit, if it does in the horizon.
    pub time_to_limit: Option<Duration>,
}

impl App {
    /// The resource with the least headroom; `None` until one is known.
    pub fn tightest_headroom(&self) -> Option<Headroom> {
        None
    }
}
