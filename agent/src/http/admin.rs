//! Admin routes: live control of the chaos settings, for admins
//! ([`super::auth`]); changes are audited ([`super::audited`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::audited::{Attempt, Done};
use super::auth::admit;
use super::body;
use super::chaos::Shown;
use super::errors::ApiError;
use crate::api::ChaosUpdate;
use crate::auth::Role;
use crate::config::{check_chaos_error_rate, check_chaos_latency_ms, check_chaos_routes};

/// `GET /api/v1/admin/chaos`: the settings in force.
pub(crate) async fn get_chaos(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refusal) = admit(&state, &headers, Role::Admin, false) {
        return refusal.into_response();
    }
    Json(state.inner.chaos.settings()).into_response()
}

/// `PUT /api/v1/admin/chaos` with a [`ChaosUpdate`]: changes the settings
/// live and answers with the new ones. An invalid body changes nothing.
pub(crate) async fn put_chaos(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut attempt = Attempt::new("PUT", super::ADMIN_CHAOS, "admin_chaos", "admin_chaos");
    let outcome = match attempt.admit(&state, &headers, Role::Admin, false, false) {
        Ok(()) => change(&state, body, &mut attempt).map_err(Into::into),
        Err(refusal) => Err(refusal),
    };
    attempt.finish(&state, outcome).await
}

fn change(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
    attempt: &mut Attempt,
) -> Result<Done, ApiError> {
    let body = body::bytes(body)?;
    let update = parse_update(&body).map_err(ApiError::bad_request)?;
    attempt.params = serde_json::to_value(&update).unwrap_or_default();
    let (old, new) = state.inner.chaos.update(update);
    if new != old {
        tracing::info!(
            who = attempt.who(),
            old = Shown(&old).to_string(),
            new = Shown(&new).to_string(),
            "chaos settings changed"
        );
    }
    Ok(Done {
        response: Json(new).into_response(),
        ok: true,
    })
}

/// Decodes and checks a `PUT` body, naming the field at fault.
fn parse_update(body: &[u8]) -> Result<ChaosUpdate, String> {
    check_update(body::json_object(body, r#"{"error_rate":0.2}"#)?)
}

/// Checks each field given, naming the one at fault.
pub(crate) fn check_update(update: ChaosUpdate) -> Result<ChaosUpdate, String> {
    if let Some(rate) = update.error_rate {
        check_chaos_error_rate(rate).map_err(|e| format!("error_rate: {e}"))?;
    }
    if let Some(ms) = update.extra_latency_ms {
        check_chaos_latency_ms(ms).map_err(|e| format!("extra_latency_ms: {e}"))?;
    }
    if let Some(routes) = &update.routes {
        check_chaos_routes(routes).map_err(|e| format!("routes: {e}"))?;
    }
    Ok(update)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_bodies_are_checked_with_the_field_named() {
        let update = parse_update(br#"{"error_rate":0.2,"extra_latency_ms":50}"#).unwrap();
        assert_eq!(update.error_rate, Some(0.2));
        assert_eq!(update.extra_latency_ms, Some(50));
        assert_eq!(update.routes, None);
        assert_eq!(parse_update(b"{}").unwrap(), ChaosUpdate::default());
        for (body, needle) in [
            (
                &br#"{"error_rate":2.0}"#[..],
                "error_rate: must be a number from 0 to 1",
            ),
            (br#"{"error_rate":-0.1}"#, "error_rate: must be"),
            (br#"{"extra_latency_ms":-1}"#, "extra_latency_ms: invalid value"),
            (
                br#"{"extra_latency_ms":60001}"#,
                "extra_latency_ms: must be from 0 to 60000",
            ),
            (br#"{"routes":["/nope"]}"#, "routes: unknown route"),
            (br#"{"routes":["/api/v1/admin/chaos"]}"#, "admin route"),
            (br#"{"error_rat":0.1}"#, "unknown field `error_rat`"),
            (br#"{"error_rate":"high"}"#, "error_rate: invalid type"),
            (b"garbage", "must be a JSON object"),
            (b"", "must be a JSON object"),
            (b"[]", "must be a JSON object"),
            (b"[0.5]", "must be a JSON object"),
            (b"{", "must be a JSON object"),
            (br#"{} {}"#, "one JSON object"),
        ] {
            let err = parse_update(body).unwrap_err();
            assert!(err.contains(needle), "{}: {err}", String::from_utf8_lossy(body));
        }
    }
}
