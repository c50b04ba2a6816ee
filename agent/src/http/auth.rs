//! Who may call a route, in HTTP terms: the caller's [`Principal`] or the
//! refusal. No or an unusable token: 401 `unauthorized` with
//! `WWW-Authenticate: Bearer`; a role too low: 403 `forbidden`; no way to
//! authenticate configured at all: 403 `admin_disabled`. The token is
//! checked before the body is looked at. Failures are counted in
//! `mda_auth_failures_total{reason}`.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;
use crate::auth::{Principal, Role};

/// A request turned away, with the headers its status calls for.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub error: ApiError,
    /// 401: `WWW-Authenticate: Bearer`.
    challenge: bool,
    /// 429: `Retry-After`, s.
    retry_after_s: Option<u64>,
}

impl Refusal {
    pub fn rate_limited(retry_after_s: u64, per_minute: u32) -> Refusal {
        Refusal {
            error: ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("at most {per_minute} actions a minute per caller; try again in {retry_after_s} s"),
            ),
            challenge: false,
            retry_after_s: Some(retry_after_s),
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Refusal {
        Refusal {
            error,
            challenge: false,
            retry_after_s: None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.error.status, Json(self.error.body())).into_response();
        let headers = response.headers_mut();
        if self.challenge {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// The caller if it holds at least `need`. Without any way to authenticate
/// configured, `open_when_off` lets everyone through (as `None`).
pub(crate) fn admit(
    state: &AppState,
    headers: &HeaderMap,
    need: Role,
    open_when_off: bool,
) -> Result<Option<Principal>, Refusal> {
    let principal = authenticate(state, headers, open_when_off)?;
    authorize(state, principal.as_ref(), need)?;
    Ok(principal)
}

/// Who the caller is: `None` only when nothing is configured and the
/// route is open then.
pub(crate) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    open_when_off: bool,
) -> Result<Option<Principal>, Refusal> {
    let shared = &state.inner;
    if !shared.auth.is_configured() {
        return if open_when_off {
            Ok(None)
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_disabled",
                "this route is off: no token is configured. Start the agent with MDA_ADMIN_TOKEN or \
                 MDA_ADMIN_TOKEN_FILE, or configure auth.tokens_file or auth.jwt, then send \
                 Authorization: Bearer <token>",
            )
            .into())
        };
    }
    let presented = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes);
    match shared.auth.authenticate(presented) {
        Ok(principal) => Ok(Some(principal)),
        Err(failure) => {
            shared.auth_metrics.failure(failure.reason());
            tracing::debug!(reason = failure.reason(), "request refused: not authenticated");
            Err(Refusal {
                error: ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", failure.message()),
                challenge: true,
                retry_after_s: None,
            })
        }
    }
}

/// Whether the caller's role reaches `need` (anyone, on an open route).
pub(crate) fn authorize(state: &AppState, principal: Option<&Principal>, need: Role) -> Result<(), Refusal> {
    match principal {
        Some(principal) if principal.role < need => {
            state.inner.auth_metrics.failure("forbidden");
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "{} has the role {}; this needs {need} or above",
                    principal.name, principal.role
                ),
            )
            .into())
        }
        _ => Ok(()),
    }
}

/// With `auth.protect_reads`: the read routes it is layered on need at
/// least a viewer token.
pub(crate) async fn guard_reads(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match admit(&state, request.headers(), Role::Viewer, false) {
        Ok(_) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}
