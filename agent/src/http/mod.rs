//! The HTTP and WebSocket surface of the agent (axum).

mod errors;
mod layers;
mod routes;
mod subscription;
mod ws;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::sync::{Semaphore, broadcast, watch};

use crate::book::Book;
use crate::config::AgentConfig;
use crate::feed::SourceRegistry;
use crate::metrics::{Metrics, WsCounters};
use crate::pipeline::Batch;

/// State shared by every handler; cloning it is one reference count.
#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub config: AgentConfig,
    pub book: Arc<Book>,
    pub sources: Arc<SourceRegistry>,
    pub metrics: Arc<Metrics>,
    pub ws_counters: WsCounters,
    /// Subscribed to by each WebSocket client.
    pub batches: broadcast::Sender<Arc<Batch>>,
    /// One permit per WebSocket client; all permits back means all clients
    /// are gone, which graceful shutdown waits for.
    pub ws_slots: Arc<Semaphore>,
    pub shutdown: watch::Receiver<bool>,
    pub started: Instant,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState {
            inner: Arc::new(shared),
        }
    }
}

/// Every route of the agent, with JSON errors for unknown routes and methods.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.inner.config.http.max_body_bytes;
    Router::new()
        .route("/health", get(routes::health))
        .route("/ready", get(routes::ready))
        .route("/metrics", get(routes::metrics))
        .route("/api/v1/symbols", get(routes::symbols))
        .route("/api/v1/quotes/{symbol}", get(routes::quote))
        .route("/api/v1/bars/{symbol}", get(routes::bars))
        .route("/ws", get(ws::upgrade))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(layers::ObserveLayer::new(state.clone()))
        .with_state(state)
}
