//! mdops: the on-call console for the Market Data Agent.

pub mod action_cli;
pub mod actions;
pub mod app;
pub mod appearance;
pub mod capacity_config;
pub mod cli;
pub mod config;
mod console;
pub mod domain;
pub mod environments;
pub mod logging;
pub mod metrics_text;
pub mod record;
pub mod run;
mod sgr;
pub mod slo;
pub mod snapshot;
pub mod snapshot_capacity;
pub mod snapshot_dr;
pub mod snapshot_env;
pub mod snapshot_timeline;
pub mod sources;
pub mod upstream;
