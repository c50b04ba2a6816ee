//! The frame of every request to a route that acts: access, the rate limit
//! and the audit log's health first, then the handler's work, then one
//! audit entry and the `mda_actions_total{action,result}` count, whatever
//! the outcome.

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{IntCounterVec, Opts};

use super::AppState;
use super::auth::{Refusal, authenticate, authorize};
use super::errors::ApiError;
use crate::api::AuditEntry;
use crate::auth::{Failure, Principal, Role};
use crate::metrics::Metrics;

/// `mda_auth_failures_total{reason}` and `mda_actions_total{action,result}`.
pub(crate) struct AuthMetrics {
    failures: IntCounterVec,
    actions: IntCounterVec,
}

impl AuthMetrics {
    pub fn new(metrics: &Metrics) -> Result<AuthMetrics, prometheus::Error> {
        let failures = IntCounterVec::new(
            Opts::new(
                "mda_auth_failures_total",
                "Requests refused by authentication (401) or role (403, reason forbidden).",
            ),
            &["reason"],
        )?;
        for reason in Failure::REASONS {
            failures.with_label_values(&[reason]);
        }
        let actions = IntCounterVec::new(
            Opts::new(
                "mda_actions_total",
                "Requests to the routes that act, by action and result (ok, failed or the error code).",
            ),
            &["action", "result"],
        )?;
        metrics.register(Box::new(failures.clone()))?;
        metrics.register(Box::new(actions.clone()))?;
        Ok(AuthMetrics { failures, actions })
    }

    pub fn failure(&self, reason: &str) {
        self.failures.with_label_values(&[reason]).inc();
    }
}

/// What a handler that ran reports: its answer and whether it achieved its
/// aim (an action can run and fail, `ok: false`).
pub(crate) struct Done {
    pub response: Response,
    pub ok: bool,
}

/// One request to an acting route, from arrival to its audit entry.
pub(crate) struct Attempt {
    started: Instant,
    ts: String,
    method: &'static str,
    route: &'static str,
    action: String,
    /// The metric label: the action when known, else `unknown`, so callers
    /// cannot mint series.
    label: &'static str,
    principal: Option<Principal>,
    pub params: serde_json::Value,
    pub author: Option<String>,
    pub comment: Option<String>,
}

impl Attempt {
    pub fn new(method: &'static str, route: &'static str, action: &str, label: &'static str) -> Attempt {
        Attempt {
            started: Instant::now(),
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            method,
            route,
            action: action.to_string(),
            label,
            principal: None,
            params: serde_json::Value::Null,
            author: None,
            comment: None,
        }
    }

    /// Who asked, for log lines: the principal, or `anyone` on a route
    /// left open.
    pub fn who(&self) -> &str {
        self.principal.as_ref().map_or("anyone", |p| p.name.as_str())
    }

    /// Access, then (for runbook actions) the caller's rate, then whether
    /// the audit log can take the record: any of them refuses the request
    /// before anything runs.
    pub fn admit(
        &mut self,
        state: &AppState,
        headers: &HeaderMap,
        need: Role,
        open_when_off: bool,
        rate_limited: bool,
    ) -> Result<(), Refusal> {
        self.principal = authenticate(state, headers, open_when_off)?;
        authorize(state, self.principal.as_ref(), need)?;
        let shared = &state.inner;
        if rate_limited && let Some(principal) = &self.principal {
            let taken = shared
                .rate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(&principal.name, Instant::now());
            if let Err(wait) = taken {
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Err(Refusal::rate_limited(
                    seconds.max(1),
                    shared.config.auth.actions_per_minute,
                ));
            }
        }
        if let Some(why) = shared.audit.unavailable() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "audit_unavailable",
                format!("actions are off while the audit log cannot be written: {why}"),
            )
            .into());
        }
        Ok(())
    }

    /// Records the outcome (fsynced) and counts it, then answers.
    pub async fn finish(self, state: &AppState, outcome: Result<Done, Refusal>) -> Response {
        let (response, result, error) = match outcome {
            Ok(done) => {
                let result = if done.ok { "ok" } else { "failed" };
                (done.response, result.to_string(), None)
            }
            Err(refusal) => {
                let (code, message) = (refusal.error.code, refusal.error.message.clone());
                (refusal.into_response(), code.to_string(), Some(message))
            }
        };
        let shared = &state.inner;
        shared
            .auth_metrics
            .actions
            .with_label_values(&[self.label, result.as_str()])
            .inc();
        let principal = self.principal;
        let entry = AuditEntry {
            ts: self.ts,
            principal: principal.as_ref().map(|p| p.name.clone()),
            role: principal.as_ref().map(|p| p.role.to_string()),
            via: principal.as_ref().map(|p| p.via.to_string()),
            method: self.method.to_string(),
            route: self.route.to_string(),
            action: self.action,
            params: self.params,
            author: self.author,
            comment: self.comment,
            status: response.status().as_u16(),
            result,
            error,
            duration_ms: self.started.elapsed().as_secs_f64() * 1000.0,
        };
        let audit = std::sync::Arc::clone(&shared.audit);
        let written = tokio::task::spawn_blocking(move || audit.append(&entry).map(|()| entry)).await;
        match written {
            Ok(Ok(entry)) => tracing::info!(
                principal = entry.principal,
                action = entry.action,
                status = entry.status,
                result = entry.result,
                "audited"
            ),
            Ok(Err(e)) => tracing::error!("audit log: {e}"),
            Err(e) => tracing::error!("audit log task failed: {e}"),
        }
        response
    }
}
