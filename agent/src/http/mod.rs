//! The HTTP and WebSocket surface of the agent (axum).

mod actions;
mod admin;
mod audit;
mod audited;
mod auth;
mod body;
mod chaos;
mod dr;
mod errors;
mod incidents;
mod inject;
mod layers;
mod routes;
mod subscription;
mod ws;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::{Semaphore, broadcast, mpsc, watch};

use crate::api::Injection;
use crate::book::Book;
use crate::config::AgentConfig;
use crate::feed::SourceRegistry;
use crate::incidents::IncidentStore;
use crate::metrics::{Metrics, WsCounters};
use crate::pipeline::Batch;

pub(crate) use actions::{Outcome, Params, no_params};
pub(crate) use audited::AuthMetrics;
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
    pub incidents: Arc<IncidentStore>,
    /// Faults for the simulated feed; `None` when it is off.
    pub simulator: Option<mpsc::Sender<Injection>>,
    /// Configured sources: breakers and failover (actions, `/health`).
    pub configured: Arc<crate::sources::Sources>,
    pub dr: Arc<crate::dr::Dr>,
    /// Checks bearer tokens ([`crate::auth`]).
    pub auth: crate::auth::Authenticator,
    pub auth_metrics: AuthMetrics,
    /// Actions per caller per minute.
    pub rate: std::sync::Mutex<crate::auth::rate::RateLimiter>,
    pub audit: Arc<crate::audit::AuditLog>,
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
pub(crate) const INCIDENTS: &str = "/api/v1/incidents";
pub(crate) const INCIDENT_ACK: &str = "/api/v1/incidents/{id}/ack";
pub(crate) const INCIDENT_RESOLVE: &str = "/api/v1/incidents/{id}/resolve";
pub(crate) const ADMIN_CHAOS: &str = "/api/v1/admin/chaos";
pub(crate) const ADMIN_INJECT: &str = "/api/v1/admin/inject";
pub(crate) const DR: &str = "/api/v1/dr";
pub(crate) const ACTIONS: &str = "/api/v1/actions/{name}";
pub(crate) const AUDIT: &str = "/api/v1/audit";

/// Routes chaos may apply to: the read-only ones (not the admin routes nor
/// the incident actions).
pub(crate) const CHAOS_TARGETS: [&str; 8] = [HEALTH, READY, METRICS, SYMBOLS, QUOTES, BARS, INCIDENTS, WS];
/// Routes that need the admin token.
pub(crate) const ADMIN_ROUTES: [&str; 2] = [ADMIN_CHAOS, ADMIN_INJECT];

/// Every route of the agent, with JSON errors for unknown routes and methods.
///
/// Layers, outermost first: request metrics and the body bound (`Observe`),
/// chaos (inside the metrics, so injected faults are counted like real
/// ones), axum's body limit for extractors, the handler.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.inner.config.http.max_body_bytes;
    // The read routes a `protect_reads` guard covers come first: a route
    // layer wraps the routes added before it. Probes stay open.
    let mut router = Router::new()
        .route(METRICS, get(routes::metrics))
        .route(SYMBOLS, get(routes::symbols))
        .route(QUOTES, get(routes::quote))
        .route(BARS, get(routes::bars))
        .route(WS, get(ws::upgrade))
        .route(INCIDENTS, get(incidents::list))
        .route(DR, get(dr::status));
    if state.inner.config.auth.protect_reads {
        router = router.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard_reads,
        ));
    }
    router
        .route(HEALTH, get(routes::health))
        .route(READY, get(routes::ready))
        .route(INCIDENT_ACK, post(incidents::acknowledge))
        .route(INCIDENT_RESOLVE, post(incidents::resolve))
        .route(ADMIN_CHAOS, get(admin::get_chaos).put(admin::put_chaos))
        .route(ADMIN_INJECT, post(inject::inject))
        .route(ACTIONS, post(actions::run))
        .route(AUDIT, get(audit::list))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(chaos::ChaosLayer::new(Arc::clone(&state.inner.chaos)))
        .layer(layers::ObserveLayer::new(state.clone()))
        .with_state(state)
}
