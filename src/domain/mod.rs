//! Pure domain logic with its own tests: no I/O, no clocks, no terminal.

pub mod backoff;
pub mod capacity;
pub mod cluster;
pub mod dr;
pub mod forecast;
pub mod incidents;
pub mod price_history;
pub mod rate;
pub mod selector;
pub mod series;
pub mod sli;
pub mod slo;
pub mod timeline;
