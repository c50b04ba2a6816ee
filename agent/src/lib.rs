//! The Market Data Agent: ingests market data, validates it and serves it.

pub mod api;
