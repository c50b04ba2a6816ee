//! `POST /api/v1/actions/{name}`: runbook actions on the agent, for
//! operators (`chaos`: admins), rate-limited per caller and audited
//! ([`super::audited`]). The body is optional:
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
use super::audited::{Attempt, Done};
use super::body;
use super::errors::ApiError;
use crate::api::{ActionRequest, ActionResponse, ChaosUpdate};
use crate::auth::Role;
use crate::sources::ActionError;

/// The agent's actions, for the 404 that names them and the metric label.
const ACTIONS: [&str; 6] = [
    "backup_now",
    "restore_drill",
    "circuit",
    "failover",
    "cache_flush",
    "chaos",
];

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

/// Runs the named action: access, rate and audit log first, then the body,
/// then the action; audited whatever happens.
pub(crate) async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let name = path.as_ref().map_or("", |Path(name)| name.as_str()).to_string();
    let label = ACTIONS.iter().find(|a| **a == name).copied().unwrap_or("unknown");
    let mut attempt = Attempt::new("POST", super::ACTIONS, &name, label);
    let need = if name == "chaos" {
        Role::Admin
    } else {
        Role::Operator
    };
    let outcome = match attempt.admit(&state, &headers, need, false, true) {
        Ok(()) => act(&state, path, body, &mut attempt).await.map_err(Into::into),
        Err(refusal) => Err(refusal),
    };
    attempt.finish(&state, outcome).await
}

async fn act(
    state: &AppState,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    attempt: &mut Attempt,
) -> Result<Done, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let body = body::bytes(body)?;
    let request = parse_request(&body).map_err(ApiError::bad_request)?;
    attempt.params = serde_json::Value::Object(request.params.clone());
    attempt.author.clone_from(&request.author);
    attempt.comment.clone_from(&request.comment);
    let outcome = dispatch(state, &name, &request.params).await?;
    let ok = outcome.ok;
    let response = ActionResponse {
        action: name,
        ok: outcome.ok,
        message: outcome.message,
        details: outcome.details,
    };
    Ok(Done {
        response: Json(response).into_response(),
        ok,
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
        "cache_flush" => cache_flush(state, params),
        "chaos" => chaos(state, params),
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

/// `cache_flush`: drops the cached quotes and bars (of one `symbol`, or of
/// all); they refill from the feed's next ticks.
fn cache_flush(state: &AppState, params: &Params) -> Result<Outcome, ApiError> {
    let book = &state.inner.book;
    let symbol = text(params, "symbol", &["symbol"])?;
    let ids: Vec<_> = match symbol {
        Some(symbol) => vec![book.id(symbol).ok_or_else(|| ApiError::unknown_symbol(symbol))?],
        None => (0..book.symbols().len()).collect(),
    };
    let dropped = ids
        .into_iter()
        .map(|id| book.flush(id))
        .fold(crate::book::Flushed::default(), |sum, one| sum + one);
    let target = symbol.map_or_else(|| "every symbol".to_string(), str::to_string);
    Ok(Outcome {
        ok: true,
        message: format!(
            "dropped {} quotes, {} 1s bars and {} 1m bars of {target}; they refill from the feed",
            dropped.quotes, dropped.bars_1s, dropped.bars_1m
        ),
        details: serde_json::json!({
            "symbol": symbol,
            "quotes": dropped.quotes,
            "bars_1s": dropped.bars_1s,
            "bars_1m": dropped.bars_1m,
        }),
    })
}

/// `chaos`: `error_rate`, `extra_latency_ms`, `routes`, checked as by
/// `PUT /api/v1/admin/chaos`; the fields given replace the current ones.
fn chaos(state: &AppState, params: &Params) -> Result<Outcome, ApiError> {
    let update: ChaosUpdate = serde_json::from_value(serde_json::Value::Object(params.clone()))
        .map_err(|e| ApiError::bad_request(format!("params: {e}")))?;
    let update = super::admin::check_update(update).map_err(ApiError::bad_request)?;
    let (old, new) = state.inner.chaos.update(update);
    let shown = super::chaos::Shown(&new).to_string();
    Ok(Outcome {
        ok: true,
        message: format!("chaos settings now {shown}"),
        details: serde_json::json!({ "old": old, "new": new }),
    })
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
