//! The Market Data Agent: ingests market data, validates it and serves it
//! over HTTP and WebSocket, with Prometheus metrics.
//!
//! ```text
//! feeds (simulator, Feed handles) -> pipeline: validate -> book + bars -> batches
//!                                                                           |
//!        HTTP: /health /ready /metrics /api/v1/...  <- book      WS /ws  <--+
//!                                                          |
//!        incidents: detector task (stale, down, rejections, anomalies, 5xx)
//! ```
//!
//! The binary and the console's embedded agent both start it with [`spawn`].

pub mod api;
pub mod audit;
pub mod auth;
mod bars;
mod book;
mod clock;
pub mod config;
mod dr;
mod feed;
mod health;
mod http;
mod incidents;
mod metrics;
mod pipeline;
mod server;
mod sim;
pub mod sources;
mod validate;
mod wire;

pub use config::{AdminToken, AgentConfig, ConfigError};
pub use feed::{Feed, FeedClosed, RawTick};
pub use server::{AgentHandle, SIM_SOURCE, spawn};
