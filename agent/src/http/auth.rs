//! Who may call the routes that change things.
//!
//! Admin routes (`/api/v1/admin/...`) need `Authorization: Bearer <token>`
//! with the token the agent was started with; without one they are off
//! (403 `admin_disabled`). Operator actions (incident ack and resolve) need
//! the same token when there is one; without one they are off too, unless
//! `incidents.open_actions` allows them. A missing or wrong token gets 401
//! `unauthorized` with `WWW-Authenticate: Bearer`. The token is checked
//! before the body is looked at.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ApiError;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The admin token, always.
    Admin,
    /// The admin token if there is one, else `incidents.open_actions`.
    Operator,
}

/// Who made a change, as the audit log names it.
pub(crate) const ADMIN: &str = "admin token";

/// The answer refusing the request; `None` lets it through.
pub(crate) fn refusal(state: &AppState, headers: &HeaderMap, access: Access) -> Option<Response> {
    let config = &state.inner.config;
    let Some(token) = &config.admin_token else {
        return match access {
            Access::Operator if config.incidents.open_actions => None,
            Access::Operator => Some(
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "admin_disabled",
                    "incident actions are off: start the agent with MDA_ADMIN_TOKEN or MDA_ADMIN_TOKEN_FILE \
                 (then send Authorization: Bearer <token>), or set incidents.open_actions = true",
                )
                .into_response(),
            ),
            Access::Admin => Some(
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "admin_disabled",
                    "the admin routes are off: start the agent with MDA_ADMIN_TOKEN or MDA_ADMIN_TOKEN_FILE",
                )
                .into_response(),
            ),
        };
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    match given {
        Some(given) if token.matches(given) => None,
        given => {
            tracing::debug!(
                presented = given.is_some(),
                ?access,
                "request refused: missing or wrong bearer token"
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
}
