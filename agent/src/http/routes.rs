//! REST handlers: thin adapters from HTTP to the book, the sources and the
//! metrics registry.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::errors::ApiError;
use crate::api::{BarInterval, BarsResponse, Health, SymbolsResponse};
use crate::clock::now_ms;
use crate::{health, wire};

/// The `/health` document, also recording each source's state in metrics.
fn current_health(state: &AppState) -> Health {
    let shared = &state.inner;
    let health = health::health(
        &shared.sources.snapshot(),
        now_ms(),
        shared.started.elapsed().as_secs_f64(),
        shared.config.health.stale_after_ms,
    );
    let mut health = health;
    shared.configured.annotate(&mut health, now_ms());
    for source in &health.sources {
        shared
            .metrics
            .set_source(&source.name, source.state, source.last_tick_age_ms);
    }
    health
}

pub(crate) async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(current_health(&state))
}

/// 200 `{"ready":true}` while some source delivers fresh data, else 503
/// with the usual error body.
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let health = current_health(&state);
    if health::is_ready(&health) {
        Json(serde_json::json!({ "ready": true })).into_response()
    } else {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "no source is delivering fresh data",
        )
        .into_response()
    }
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    current_health(&state);
    match state.inner.metrics.render() {
        Ok(text) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            text,
        )
            .into_response(),
        Err(e) => ApiError::internal(format!("cannot encode metrics: {e}")).into_response(),
    }
}

pub(crate) async fn symbols(State(state): State<AppState>) -> Json<SymbolsResponse> {
    Json(SymbolsResponse {
        symbols: state.inner.book.symbols().iter().map(|s| s.to_string()).collect(),
    })
}

fn symbol_path(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(symbol)| symbol)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// The latest quote, encoded straight from the book (the hottest route).
pub(crate) async fn quote(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let symbol = symbol_path(path)?;
    let book = &state.inner.book;
    let id = book
        .id(&symbol)
        .ok_or_else(|| ApiError::unknown_symbol(&symbol))?;
    let json = book.with_quote(id, wire::quote_json);
    let json = json.ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_data",
            format!("no tick received for {symbol:?} yet"),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BarsQuery {
    interval: Option<BarInterval>,
    limit: Option<usize>,
}

/// Bars of one symbol, oldest first. `interval` defaults to `1m`; `limit`
/// to `bars.default_limit`, and is capped at the ring length.
pub(crate) async fn bars(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<BarsQuery>, QueryRejection>,
) -> Result<Json<BarsResponse>, ApiError> {
    let symbol = symbol_path(path)?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let book = &state.inner.book;
    let id = book
        .id(&symbol)
        .ok_or_else(|| ApiError::unknown_symbol(&symbol))?;
    let config = &state.inner.config.bars;
    let limit = query.limit.unwrap_or(config.default_limit);
    if limit == 0 {
        return Err(ApiError::bad_request("limit must be at least 1"));
    }
    let interval = query.interval.unwrap_or(BarInterval::OneMinute);
    Ok(Json(BarsResponse {
        bars: book.bars(id, interval, limit),
        symbol,
        interval,
    }))
}
