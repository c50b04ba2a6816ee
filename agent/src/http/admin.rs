//! Admin routes: live control of the chaos settings.
//!
//! Every admin request needs `Authorization: Bearer <token>` with the token
//! the agent was started with (`AgentConfig::admin_token`). Without one the
//! admin routes are off and answer 403 `admin_disabled`; a missing or wrong
//! token gets 401 `unauthorized` with `WWW-Authenticate: Bearer`. The token
//! is checked before the body is looked at.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::chaos::Shown;
use super::errors::ApiError;
use crate::api::ChaosUpdate;
use crate::config::{check_chaos_error_rate, check_chaos_latency_ms, check_chaos_routes};

/// Who made a change, as the audit log names it.
const ADMIN: &str = "admin token";

/// The answer refusing the request: 403 (admin off) or 401 (missing or
/// wrong token); `None` lets it through.
fn refusal(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = &state.inner.config.admin_token else {
        return Some(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_disabled",
                "the admin routes are off: start the agent with MDA_ADMIN_TOKEN or MDA_ADMIN_TOKEN_FILE",
            )
            .into_response(),
        );
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    match given {
        Some(given) if token.matches(given) => None,
        given => {
            tracing::debug!(
                presented = given.is_some(),
                "admin request refused: missing or wrong bearer token"
            );
            let error = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this route needs the header Authorization: Bearer <admin token>",
            );
            Some(
                (
                    error.status,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                    Json(error.body()),
                )
                    .into_response(),
            )
        }
    }
}

/// The credentials of an `Authorization: Bearer <token>` value (the scheme
/// is case-insensitive).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// `GET /api/v1/admin/chaos`: the settings in force.
pub(crate) async fn get_chaos(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refusal(&state, &headers) {
        return refusal;
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
    if let Some(refusal) = refusal(&state, &headers) {
        return refusal;
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "bad_request"
            };
            return ApiError::new(rejection.status(), code, rejection.body_text()).into_response();
        }
    };
    let update = match parse_update(&body) {
        Ok(update) => update,
        Err(message) => return ApiError::bad_request(message).into_response(),
    };
    let (old, new) = state.inner.chaos.update(update);
    if new != old {
        tracing::info!(
            who = ADMIN,
            old = Shown(&old).to_string(),
            new = Shown(&new).to_string(),
            "chaos settings changed"
        );
    }
    Json(new).into_response()
}

/// Decodes and checks a `PUT` body, naming the field at fault.
fn parse_update(body: &[u8]) -> Result<ChaosUpdate, String> {
    // serde would also take a struct from an array, by position.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err("the body must be a JSON object like {\"error_rate\":0.2}".to_string());
    }
    let mut json = serde_json::Deserializer::from_slice(body);
    let update: ChaosUpdate = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // `.` is the document, `?` a position serde could not name.
        if path == "." || path == "?" {
            format!("the body must be a JSON object like {{\"error_rate\":0.2}}: {inner}")
        } else {
            format!("{path}: {inner}")
        }
    })?;
    json.end()
        .map_err(|e| format!("the body must hold one JSON object: {e}"))?;
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
    fn bearer_credentials() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer   abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Bearerabc"), None);
        assert_eq!(bearer(b"Bearer "), None);
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
    }

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
