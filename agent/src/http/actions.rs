//! `POST /api/v1/actions/{name}`: runbook actions on the agent, behind the
//! admin token ([`super::auth`]). The body `{"params":{..},"author":"..",
//! "comment":".."}` is optional as a whole and in each field; parameter
//! values are strings or numbers. Success is 200
//! `{"action","ok":true,"message","details"}`; an unknown action is 404
//! `unknown_action`, bad parameters 400 `bad_request`. Every action run is
//! logged with its author and comment.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{ADMIN, Access, refusal};
use super::body;
use super::errors::ApiError;
use crate::sources::ActionError;

/// The request body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionRequest {
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum ParamValue {
    Text(String),
    Number(f64),
}

/// The answer to an action that was carried out.
#[derive(Debug, Serialize)]
pub(crate) struct ActionResponse {
    pub action: String,
    pub ok: bool,
    pub message: String,
    pub details: serde_json::Value,
}

/// What an action did: a message for people and details for programs.
type Outcome = Result<(String, serde_json::Value), ApiError>;

pub(crate) async fn run(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(refusal) = refusal(&state, &headers, Access::Admin) {
        return refusal;
    }
    let Ok(Path(name)) = name else {
        return ApiError::bad_request("the action name is missing").into_response();
    };
    let request = match request(body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let outcome = match name.as_str() {
        "circuit" => circuit(&state, &request.params),
        "failover" => failover(&state, &request.params),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_action",
            format!("no action named {name:?}; the agent's actions are: circuit, failover"),
        )),
    };
    match outcome {
        Ok((message, details)) => {
            tracing::info!(
                who = ADMIN,
                action = name,
                author = request.author.as_deref().unwrap_or(""),
                comment = request.comment.as_deref().unwrap_or(""),
                "action: {message}"
            );
            Json(ActionResponse {
                action: name,
                ok: true,
                message,
                details,
            })
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

fn request(body: Result<Bytes, BytesRejection>) -> Result<ActionRequest, ApiError> {
    let body = body::bytes(body)?;
    if body.trim_ascii().is_empty() {
        return Ok(ActionRequest::default());
    }
    body::json_object(&body, r#"{"params":{"source":"binance"},"author":"ann"}"#)
        .map_err(ApiError::bad_request)
}

/// The parameter `key` as text; only the `allowed` keys may be given.
fn text<'a>(
    params: &'a BTreeMap<String, ParamValue>,
    key: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown parameter {unknown:?}; this action takes {}",
            allowed.join(", ")
        )));
    }
    match params.get(key) {
        None => Ok(None),
        Some(ParamValue::Text(s)) => Ok(Some(s)),
        Some(ParamValue::Number(_)) => Err(ApiError::bad_request(format!("{key}: must be a string"))),
    }
}

fn refused(error: ActionError) -> ApiError {
    match error {
        ActionError::BadParams(message) => ApiError::bad_request(message),
        ActionError::Refused(message) => ApiError::new(StatusCode::CONFLICT, "action_refused", message),
    }
}

/// `circuit`: `source` and `state` (`open`, `closed` or `auto`).
fn circuit(state: &AppState, params: &BTreeMap<String, ParamValue>) -> Outcome {
    const PARAMS: [&str; 2] = ["source", "state"];
    let source = text(params, "source", &PARAMS)?.ok_or_else(|| ApiError::bad_request("source: required"))?;
    let wanted = text(params, "state", &PARAMS)?
        .ok_or_else(|| ApiError::bad_request("state: required (open, closed or auto)"))?;
    state
        .inner
        .configured
        .force_breaker(source, wanted)
        .map_err(refused)
}

/// `failover`: optional `group` and `source` (the source to switch to;
/// without it the best other source of the group).
fn failover(state: &AppState, params: &BTreeMap<String, ParamValue>) -> Outcome {
    const PARAMS: [&str; 2] = ["group", "source"];
    let group = text(params, "group", &PARAMS)?;
    let source = text(params, "source", &PARAMS)?;
    state.inner.configured.failover(group, source).map_err(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_checked() {
        let mut params = BTreeMap::new();
        params.insert("source".to_string(), ParamValue::Text("bn".into()));
        params.insert("state".to_string(), ParamValue::Number(1.0));
        assert_eq!(text(&params, "source", &["source", "state"]).unwrap(), Some("bn"));
        assert_eq!(
            text(&params, "group", &["source", "state", "group"]).unwrap(),
            None
        );
        assert!(
            text(&params, "state", &["source", "state"])
                .unwrap_err()
                .message
                .contains("must be a string")
        );
        assert!(
            text(&params, "source", &["source"])
                .unwrap_err()
                .message
                .contains("unknown parameter \"state\"")
        );
        let request: ActionRequest =
            serde_json::from_str(r#"{"params":{"source":"a","n":2},"author":"ann","comment":"drill"}"#)
                .unwrap();
        assert_eq!(request.params["n"], ParamValue::Number(2.0));
        assert!(serde_json::from_str::<ActionRequest>(r#"{"parms":{}}"#).is_err());
    }
}
