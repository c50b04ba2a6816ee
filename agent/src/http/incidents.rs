//! Incident routes: the list (with filters) and the operator actions,
//! acknowledge and resolve, for operators ([`super::auth`]; without any
//! token configured, open only with `incidents.open_actions`), audited
//! ([`super::audited`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::audited::{Attempt, Done};
use super::body;
use super::errors::ApiError;
use crate::api::{Incident, IncidentActionRequest, IncidentStatus, IncidentsResponse, Severity};
use crate::clock::now_ms;
use crate::incidents::{ActionError, Filter};

/// Longest author name, characters.
const MAX_AUTHOR_CHARS: usize = 64;
/// Longest comment, characters.
const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    status: Option<String>,
    severity: Option<String>,
}

/// `GET /api/v1/incidents?status=...&severity=...`: retained incidents,
/// newest first. Each filter is a comma-separated list; left out, it
/// matches everything.
pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<IncidentsResponse>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = Filter {
        statuses: query
            .status
            .as_deref()
            .map(|v| {
                parse_list(
                    v,
                    "status",
                    IncidentStatus::parse,
                    "triggered, acknowledged, resolved",
                )
            })
            .transpose()?,
        severities: query
            .severity
            .as_deref()
            .map(|v| parse_list(v, "severity", Severity::parse, "SEV1, SEV2, SEV3, SEV4"))
            .transpose()?,
    };
    Ok(Json(IncidentsResponse {
        incidents: state.inner.incidents.list(&filter),
    }))
}

fn parse_list<T>(
    value: &str,
    name: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, ApiError> {
    value
        .split(',')
        .map(|item| {
            let item = item.trim();
            parse(item).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name}: unknown value {item:?}; expected a comma-separated list of {expected}"
                ))
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Acknowledge,
    Resolve,
}

/// `POST /api/v1/incidents/{id}/ack` with an [`IncidentActionRequest`].
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    act(&state, &headers, path, body, Action::Acknowledge).await
}

/// `POST /api/v1/incidents/{id}/resolve` with an [`IncidentActionRequest`].
pub(crate) async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    act(&state, &headers, path, body, Action::Resolve).await
}

/// Access first, then the body, then the incident; audited either way.
async fn act(
    state: &AppState,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    action: Action,
) -> Response {
    let (route, name) = match action {
        Action::Acknowledge => (super::INCIDENT_ACK, "incident_ack"),
        Action::Resolve => (super::INCIDENT_RESOLVE, "incident_resolve"),
    };
    let mut attempt = Attempt::new("POST", route, name, name);
    if let Ok(Path(id)) = &path {
        attempt.params = serde_json::json!({ "id": id });
    }
    let open = state.inner.config.incidents.open_actions;
    let outcome = match attempt.admit(state, headers, crate::auth::Role::Operator, open, false) {
        Ok(()) => apply(state, path, body, action, &mut attempt)
            .map(|incident| Done {
                response: Json(incident).into_response(),
                ok: true,
            })
            .map_err(Into::into),
        Err(refusal) => Err(refusal),
    };
    attempt.finish(state, outcome).await
}

fn apply(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    action: Action,
    attempt: &mut Attempt,
) -> Result<Incident, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let body = body::bytes(body)?;
    let request = parse_request(&body).map_err(ApiError::bad_request)?;
    attempt.author = Some(request.author.clone());
    attempt.comment.clone_from(&request.comment);
    let store = &state.inner.incidents;
    let (author, comment, now) = (&request.author, request.comment.as_deref(), now_ms());
    let outcome = match action {
        Action::Acknowledge => store.acknowledge(&id, author, comment, now),
        Action::Resolve => store.resolve(&id, author, comment, now),
    };
    outcome.map_err(|e| refused(&id, e))
}

fn refused(id: &str, error: ActionError) -> ApiError {
    let by_at = |by: Option<String>, at: Option<i64>| {
        format!(
            "by {} at {} (Unix ms)",
            by.as_deref().unwrap_or("?"),
            at.map_or_else(|| "?".to_string(), |t| t.to_string())
        )
    };
    match error {
        ActionError::Unknown => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_incident",
            format!("no incident {id:?}; see /api/v1/incidents"),
        ),
        ActionError::AlreadyResolved { by, at } => ApiError::new(
            StatusCode::CONFLICT,
            "already_resolved",
            format!("incident {id} is already resolved, {}", by_at(by, at)),
        ),
        ActionError::AlreadyAcknowledged { by, at } => ApiError::new(
            StatusCode::CONFLICT,
            "already_acknowledged",
            format!("incident {id} is already acknowledged, {}", by_at(by, at)),
        ),
    }
}

/// Decodes and checks an action body: the author is required (trimmed, 1
/// to 64 characters, no control characters); an empty comment is none.
fn parse_request(body: &[u8]) -> Result<IncidentActionRequest, String> {
    let request: IncidentActionRequest = body::json_object(body, r#"{"author":"ann","comment":"on it"}"#)?;
    let author = request.author.trim();
    if author.is_empty() {
        return Err("author: must not be empty".to_string());
    }
    if author.chars().count() > MAX_AUTHOR_CHARS {
        return Err(format!("author: at most {MAX_AUTHOR_CHARS} characters"));
    }
    if author.chars().any(char::is_control) {
        return Err("author: must not contain control characters".to_string());
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(comment) = comment {
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(format!("comment: at most {MAX_COMMENT_CHARS} characters"));
        }
        if comment.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(
                "comment: must not contain control characters other than newlines and tabs".to_string(),
            );
        }
    }
    Ok(IncidentActionRequest {
        author: author.to_string(),
        comment: comment.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_bodies_are_checked() {
        let ok = parse_request(br#"{"author":"  ann ","comment":"  "}"#).unwrap();
        assert_eq!((ok.author.as_str(), ok.comment), ("ann", None));
        let ok = parse_request(br#"{"author":"ann","comment":"line 1\nline 2"}"#).unwrap();
        assert_eq!(ok.comment.as_deref(), Some("line 1\nline 2"));
        let long_author = format!(r#"{{"author":"{}"}}"#, "a".repeat(65));
        let long_comment = format!(r#"{{"author":"a","comment":"{}"}}"#, "c".repeat(1001));
        for (body, needle) in [
            (&br#"{}"#[..], "missing field `author`"),
            (br#"{"author":""}"#, "author: must not be empty"),
            (br#"{"author":"   "}"#, "author: must not be empty"),
            (br#"{"author":"a\u0007b"}"#, "control characters"),
            (long_author.as_bytes(), "at most 64"),
            (long_comment.as_bytes(), "at most 1000"),
            (br#"{"author":"a","comment":"x\u001b[31m"}"#, "control characters"),
            (br#"{"author":7}"#, "author: invalid type"),
            (br#"{"author":"a","extra":1}"#, "unknown field `extra`"),
            (b"", "JSON object"),
            (b"[\"a\"]", "JSON object"),
        ] {
            let err = parse_request(body).unwrap_err();
            assert!(err.contains(needle), "{}: {err}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn filter_lists() {
        assert_eq!(
            parse_list("triggered, Acknowledged", "status", IncidentStatus::parse, "").unwrap(),
            [IncidentStatus::Triggered, IncidentStatus::Acknowledged]
        );
        for bad in ["", "open", "triggered,,resolved"] {
            let err = parse_list(bad, "status", IncidentStatus::parse, "x").unwrap_err();
            assert_eq!(err.code, "bad_request");
            assert!(
                err.message.starts_with("status: unknown value"),
                "{}",
                err.message
            );
        }
    }
}
