//! `GET /api/v1/dr`: backups, RPO and RTO against their targets, the last
//! drill and the standby. Read-only, like the other status routes.

use axum::Json;
use axum::extract::State;

use super::AppState;
use crate::api::DrStatus;
use crate::clock::now_ms;

pub(crate) async fn status(State(state): State<AppState>) -> Json<DrStatus> {
    Json(state.inner.dr.status(now_ms()))
}
