//! Pure domain logic with its own tests: no I/O, no clocks, no terminal.

pub mod backoff;
pub mod capacity;
pub mod capacity_plan;
pub mod cluster;
pub mod dr;
pub mod env_summary;
pub mod filter;
pub mod forecast;
pub mod incidents;
pub mod kube_backups;
pub mod price_history;
pub mod rate;
pub mod selector;
pub mod series;
pub mod sli;
pub mod slo;
pub mod timeline;
