//! The HTTP and WebSocket surface of the agent (axum).

mod admin;
mod chaos;
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

pub(crate) use chaos::Chaos;

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
    /// Live fault injection, changed through the admin routes.
    pub chaos: Arc<Chaos>,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState {
            inner: Arc::new(shared),
        }
    }
}

// Route templates: what axum matches and what the `route` metric label and
// the chaos settings name.
pub(crate) const HEALTH: &str = "/health";
pub(crate) const READY: &str = "/ready";
pub(crate) const METRICS: &str = "/metrics";
pub(crate) const SYMBOLS: &str = "/api/v1/symbols";
pub(crate) const QUOTES: &str = "/api/v1/quotes/{symbol}";
pub(crate) const BARS: &str = "/api/v1/bars/{symbol}";
pub(crate) const WS: &str = "/ws";
pub(crate) const ADMIN_CHAOS: &str = "/api/v1/admin/chaos";

/// Routes chaos may apply to: all but the admin ones.
pub(crate) const CHAOS_TARGETS: [&str; 7] = [HEALTH, READY, METRICS, SYMBOLS, QUOTES, BARS, WS];
/// Routes that need the admin token.
pub(crate) const ADMIN_ROUTES: [&str; 1] = [ADMIN_CHAOS];

/// Every route of the agent, with JSON errors for unknown routes and methods.
///
/// Layers, outermost first: request metrics and the body bound (`Observe`),
/// chaos (inside the metrics, so injected faults are counted like real
/// ones), axum's body limit for extractors, the handler.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.inner.config.http.max_body_bytes;
    Router::new()
        .route(HEALTH, get(routes::health))
        .route(READY, get(routes::ready))
        .route(METRICS, get(routes::metrics))
        .route(SYMBOLS, get(routes::symbols))
        .route(QUOTES, get(routes::quote))
        .route(BARS, get(routes::bars))
        .route(WS, get(ws::upgrade))
        .route(ADMIN_CHAOS, get(admin::get_chaos).put(admin::put_chaos))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(chaos::ChaosLayer::new(Arc::clone(&state.inner.chaos)))
        .layer(layers::ObserveLayer::new(state.clone()))
        .with_state(state)
}
