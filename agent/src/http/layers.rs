//! Middleware around every route: the request body bound and the HTTP
//! request metrics (by matched route, so path parameters do not multiply
//! the series).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;

/// Route label of requests that matched no route.
const UNMATCHED: &str = "unmatched";

/// Counts and times each request by route, method and status code.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = req.method().clone();
    let response = next.run(req).await;
    let route = route.as_deref().unwrap_or(UNMATCHED);
    let metrics = &state.inner.metrics;
    metrics
        .http_requests
        .with_label_values(&[route, method.as_str(), response.status().as_str()])
        .inc();
    metrics
        .http_duration
        .with_label_values(&[route])
        .observe(start.elapsed().as_secs_f64());
    response
}

/// Refuses a request whose declared body is over `http.max_body_bytes`
/// before anything reads it; extractors that read bodies are bounded by
/// axum's `DefaultBodyLimit` with the same value.
pub(crate) async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let max = state.inner.config.http.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > max as u64 => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body of {len} bytes is over the limit of {max}"),
        )
        .into_response(),
        _ => next.run(req).await,
    }
}
