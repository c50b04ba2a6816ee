//! `POST /api/v1/actions/{name}`: runbook actions on the agent, with the
//! admin token ([`super::auth`]). The body is optional:
//! `{"params": {..}, "author": "...", "comment": "..."}`. An action that ran
//! answers 200 `{"action","ok","message","details"}`, `ok` telling whether it
//! achieved its aim; an unknown name is 404 `unknown_action`, bad params 400
//! `bad_request`. Each run is logged with who asked and why (the audit).
//!
//! Dispatch is one `match` on the name; each action lives in its feature
//! module and takes the params, returning an [`Outcome`] or why the params
//! are wrong (400), or why it cannot be done now (409 `action_refused`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::{ADMIN, Access, refusal};
use super::body;
use super::errors::ApiError;
use crate::api::{ActionRequest, ActionResponse};
use crate::sources::ActionError;

/// The agent's actions, for the 404 that names them.
const ACTIONS: [&str; 4] = ["backup_now", "restore_drill", "circuit", "failover"];

/// Longest author name, characters.
const MAX_AUTHOR_CHARS: usize = 64;
/// Longest comment, characters.
const MAX_COMMENT_CHARS: usize = 1000;

/// The action params: a JSON object.
pub(crate) type Params = serde_json::Map<String, serde_json::Value>;

/// What an action that ran reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub ok: bool,
    pub message: String,
    pub details: serde_json::Value,
}

/// Runs the named action: access first, then the body, then the action.
pub(crate) async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(refusal) = refusal(&state, &headers, Access::Admin) {
        return refusal;
    }
    match act(&state, path, body).await {
        Ok(response) => Json(response).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn act(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<ActionResponse, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let body = body::bytes(body)?;
    let request = parse_request(&body).map_err(ApiError::bad_request)?;
    let outcome = dispatch(state, &name, &request.params).await?;
    tracing::info!(
        who = ADMIN,
        action = name,
        author = request.author,
        comment = request.comment,
        ok = outcome.ok,
        outcome = outcome.message,
        "action run"
    );
    Ok(ActionResponse {
        action: name,
        ok: outcome.ok,
        message: outcome.message,
        details: outcome.details,
    })
}

async fn dispatch(state: &AppState, name: &str, params: &Params) -> Result<Outcome, ApiError> {
    let bad_params = |e: String| ApiError::bad_request(format!("params: {e}"));
    match name {
        "backup_now" => crate::dr::backup_now(&state.inner.dr, params)
            .await
            .map_err(bad_params),
        "restore_drill" => crate::dr::restore_drill(&state.inner.dr, params)
            .await
            .map_err(bad_params),
        "circuit" => circuit(state, params),
        "failover" => failover(state, params),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_action",
            format!(
                "no action {name:?}; the agent's actions are: {}",
                ACTIONS.join(", ")
            ),
        )),
    }
}

/// The parameter `key` as text; only the `allowed` keys may be given.
fn text<'a>(params: &'a Params, key: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown parameter {unknown:?}; this action takes {}",
            allowed.join(", ")
        )));
    }
    match params.get(key) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("{key}: must be a string"))),
    }
}

/// A source action's answer as the route's outcome.
fn sources_outcome(result: Result<(String, serde_json::Value), ActionError>) -> Result<Outcome, ApiError> {
    match result {
        Ok((message, details)) => Ok(Outcome {
            ok: true,
            message,
            details,
        }),
        Err(ActionError::BadParams(message)) => Err(ApiError::bad_request(message)),
        Err(ActionError::Refused(message)) => {
            Err(ApiError::new(StatusCode::CONFLICT, "action_refused", message))
        }
    }
}

/// `circuit`: `source` and `state` (`open`, `closed` or `auto`).
fn circuit(state: &AppState, params: &Params) -> Result<Outcome, ApiError> {
    const PARAMS: [&str; 2] = ["source", "state"];
    let source = text(params, "source", &PARAMS)?.ok_or_else(|| ApiError::bad_request("source: required"))?;
    let wanted = text(params, "state", &PARAMS)?
        .ok_or_else(|| ApiError::bad_request("state: required (open, closed or auto)"))?;
    sources_outcome(state.inner.configured.force_breaker(source, wanted))
}

/// `failover`: optional `group` and `source` (the source to switch to;
/// without it the best other source of the group).
fn failover(state: &AppState, params: &Params) -> Result<Outcome, ApiError> {
    const PARAMS: [&str; 2] = ["group", "source"];
    let group = text(params, "group", &PARAMS)?;
    let source = text(params, "source", &PARAMS)?;
    sources_outcome(state.inner.configured.failover(group, source))
}

/// An empty body is an empty request; otherwise one JSON object.
fn parse_request(body: &[u8]) -> Result<ActionRequest, String> {
    if body.trim_ascii().is_empty() {
        return Ok(ActionRequest::default());
    }
    let request: ActionRequest = body::json_object(body, r#"{"params":{},"author":"ann","comment":"why"}"#)?;
    if let Some(author) = &request.author {
        let n = author.chars().count();
        if n == 0 || n > MAX_AUTHOR_CHARS || author.chars().any(char::is_control) {
            return Err(format!("author: 1 to {MAX_AUTHOR_CHARS} printable characters"));
        }
    }
    if request
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(format!("comment: at most {MAX_COMMENT_CHARS} characters"));
    }
    Ok(request)
}

/// For actions without params: refuses any.
pub(crate) fn no_params(params: &Params) -> Result<(), String> {
    match params.keys().next() {
        None => Ok(()),
        Some(key) => Err(format!("unknown param {key:?}; this action takes none")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_optional_and_checked() {
        assert_eq!(parse_request(b"").unwrap(), ActionRequest::default());
        assert_eq!(parse_request(b" {} ").unwrap(), ActionRequest::default());
        let full = parse_request(br#"{"params":{"backup":"b"},"author":"ann","comment":"drill"}"#).unwrap();
        assert_eq!(full.params.get("backup"), Some(&serde_json::json!("b")));
        assert_eq!(full.author.as_deref(), Some("ann"));
        for (body, needle) in [
            (&br#"{"author":""}"#[..], "author: 1 to 64"),
            (br#"{"author":"a\nb"}"#, "author: 1 to 64"),
            (br#"{"params":[1]}"#, "params: invalid type"),
            (br#"{"who":"ann"}"#, "unknown field `who`"),
            (b"[]", "must be a JSON object"),
        ] {
            let err = parse_request(body).unwrap_err();
            assert!(err.contains(needle), "{}: {err}", String::from_utf8_lossy(body));
        }
        let long = format!(r#"{{"comment":"{}"}}"#, "x".repeat(1001));
        assert!(
            parse_request(long.as_bytes())
                .unwrap_err()
                .contains("at most 1000")
        );
        assert_eq!(no_params(&Params::new()), Ok(()));
        let mut source_params = Params::new();
        source_params.insert("source".into(), serde_json::json!("bn"));
        source_params.insert("state".into(), serde_json::json!(1));
        assert_eq!(
            text(&source_params, "source", &["source", "state"]).unwrap(),
            Some("bn")
        );
        assert!(
            text(&source_params, "state", &["source", "state"])
                .unwrap_err()
                .message
                .contains("must be a string")
        );
        assert!(
            text(&source_params, "source", &["source"])
                .unwrap_err()
                .message
                .contains("unknown parameter \"state\"")
        );
        let mut params = Params::new();
        params.insert("x".into(), serde_json::json!(1));
        assert!(no_params(&params).unwrap_err().contains("\"x\""));
    }
}
