//! Record and replay. `mdops --record FILE` writes every message the
//! sources deliver to an append-only file; `mdops replay FILE` drives the
//! same `App` and views from it, with its own clock, so a past incident
//! looks as it did.

pub mod clock;
pub mod entry;
pub mod format;
pub mod recorder;
pub mod replay;
pub mod session;

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
