//! `GET /api/v1/audit?limit=N`: the newest entries of the agent's audit log,
//! newest first; for operators and admins. `limit` defaults to 100, at most
//! 1000.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::auth::admit;
use super::errors::ApiError;
use crate::api::AuditResponse;
use crate::auth::Role;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    limit: Option<usize>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    if let Err(refusal) = admit(&state, &headers, Role::Operator, false) {
        return refusal.into_response();
    }
    match entries(&state, query).await {
        Ok(response) => Json(response).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn entries(
    state: &AppState,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<AuditResponse, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be from 1 to {MAX_LIMIT}"
        )));
    }
    let audit = std::sync::Arc::clone(&state.inner.audit);
    let read = tokio::task::spawn_blocking(move || audit.newest(limit)).await;
    let entries = read
        .map_err(|e| ApiError::internal(format!("audit read failed: {e}")))?
        .map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "audit_unavailable",
                e,
            )
        })?;
    Ok(AuditResponse { entries })
}
