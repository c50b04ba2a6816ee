//! Runbook actions: definitions (`runbook`), the pure safety checks from a
//! selection to a confirmed request (`prepare`), running them (`engine`,
//! `exec`), the audit trail (`audit`), and watching for recovery afterwards
//! (`verify`).

pub mod audit;
pub mod engine;
pub mod exec;
pub mod prepare;
pub mod runbook;
pub mod verify;
