//! Incident sources: the agent's `/api/v1/incidents` and Alertmanager's
//! alert groups and silences, each polled on an interval by its own task;
//! and the executor of confirmed incident actions (ack, resolve, silence,
//! expire), which reads both sources again afterwards so the screen shows
//! the effect at once.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::try_join;
use tokio::sync::mpsc;

use super::agent::{AgentClient, IncidentVerb};
use super::alertmanager::AlertmanagerClient;
use super::{now_ms, poll_every};
use crate::actions::audit::{AuditEntry, AuditLog, Phase};
use crate::app::{ActionPlan, ActionStep, Msg, SourceId};
use crate::domain::backoff::Backoff;

pub async fn run_agent_incidents(
    client: AgentClient,
    every: Duration,
    tx: mpsc::Sender<Msg>,
    backoff: Backoff,
) {
    poll_every(SourceId::AgentIncidents, every, backoff, tx, || {
        let client = client.clone();
        async move { agent_incidents(&client).await }
    })
    .await;
}

pub async fn run_alertmanager(
    client: AlertmanagerClient,
    every: Duration,
    tx: mpsc::Sender<Msg>,
    backoff: Backoff,
) {
    poll_every(SourceId::Alertmanager, every, backoff, tx, || {
        let client = client.clone();
        async move { alerts(&client).await }
    })
    .await;
}

async fn agent_incidents(client: &AgentClient) -> Result<Msg, String> {
    let incidents = client.incidents().await?;
    Ok(Msg::AgentIncidents {
        incidents,
        at_ms: now_ms(),
    })
}

/// Groups and silences of one moment, so an alert's `silencedBy` finds its
/// silence.
async fn alerts(client: &AlertmanagerClient) -> Result<Msg, String> {
    let (groups, silences) = try_join(client.groups(), client.silences())
        .await
        .map_err(|e| e.to_string())?;
    Ok(Msg::Alerts {
        groups,
        silences,
        at_ms: now_ms(),
    })
}

/// Runs `plan`'s steps in order, stops at the first failure, and sends the
/// outcome; then fresh incident data. Silence steps fail with a clear
/// message when no Alertmanager is configured.
pub async fn execute(
    plan: ActionPlan,
    agent: AgentClient,
    alertmanager: Option<AlertmanagerClient>,
    audit: Option<AuditLog>,
    tx: mpsc::Sender<Msg>,
) {
    let started = std::time::Instant::now();
    if let Some(audit) = &audit
        && let Err(error) = audit.append(&audit_entry(&plan, Phase::Started, None, None))
    {
        let result = Err(format!("not run: {error:#}"));
        let _ = tx
            .send(Msg::ActionDone {
                label: plan.label,
                result,
            })
            .await;
        return;
    }
    let mut done = Vec::new();
    let mut failure = None;
    for step in &plan.steps {
        match run_step(step, &agent, alertmanager.as_ref()).await {
            Ok(summary) => done.push(summary),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let result = match failure {
        None => Ok(done.join("; ")),
        Some(error) if done.is_empty() => Err(error),
        Some(error) => Err(format!("{error} (done before it: {})", done.join("; "))),
    };
    match &result {
        Ok(summary) => tracing::info!(action = %plan.label, %summary, "action done"),
        Err(error) => tracing::warn!(action = %plan.label, %error, "action failed"),
    }
    if let Some(audit) = &audit {
        let entry = audit_entry(&plan, Phase::Finished, Some(&result), Some(started.elapsed()));
        if let Err(error) = audit.append(&entry) {
            tracing::error!(error = format!("{error:#}"), "could not audit an incident action");
        }
    }
    let label = plan.label;
    if tx.send(Msg::ActionDone { label, result }).await.is_err() {
        return;
    }
    let mut refreshed = vec![agent_incidents(&agent).await];
    if let Some(alertmanager) = &alertmanager {
        refreshed.push(alerts(alertmanager).await);
    }
    for msg in refreshed.into_iter().flatten() {
        if tx.send(msg).await.is_err() {
            return;
        }
    }
}

async fn run_step(
    step: &ActionStep,
    agent: &AgentClient,
    alertmanager: Option<&AlertmanagerClient>,
) -> Result<String, String> {
    let alertmanager =
        || alertmanager.ok_or_else(|| "no Alertmanager configured (--alertmanager URL)".to_string());
    match step {
        ActionStep::AckIncident { id, request } => agent
            .incident_action(id, IncidentVerb::Ack, request)
            .await
            .map(|_| format!("incident {id} acknowledged"))
            .map_err(|e| format!("acknowledging incident {id}: {e}")),
        ActionStep::ResolveIncident { id, request } => agent
            .incident_action(id, IncidentVerb::Resolve, request)
            .await
            .map(|_| format!("incident {id} resolved"))
            .map_err(|e| format!("resolving incident {id}: {e}")),
        ActionStep::CreateSilence(silence) => {
            let verb = if silence.id.is_some() {
                "extended"
            } else {
                "created"
            };
            alertmanager()?
                .create_silence(silence)
                .await
                .map(|id| format!("silence {} {verb}", short_id(&id)))
                .map_err(|e| format!("silencing: {e}"))
        }
        ActionStep::ExpireSilence { id } => alertmanager()?
            .expire_silence(id)
            .await
            .map(|()| format!("silence {} expired", short_id(id)))
            .map_err(|e| format!("expiring silence {}: {e}", short_id(id))),
    }
}

/// An incident action in the shape of the runbooks' audit entries.
fn audit_entry(
    plan: &ActionPlan,
    phase: Phase,
    result: Option<&Result<String, String>>,
    duration: Option<std::time::Duration>,
) -> AuditEntry {
    let params = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (format!("step{}", i + 1), step.describe()))
        .collect();
    AuditEntry {
        time: crate::actions::audit::now(),
        phase,
        user: plan.user.clone(),
        context: BTreeMap::new(),
        action: plan.label.clone(),
        kind: format!("incident.{}", plan.label),
        target: Some(plan.target.clone()),
        params,
        dry_run: false,
        result: result.map(|r| if r.is_ok() { "ok" } else { "error" }.to_string()),
        error: result.and_then(|r| r.as_ref().err().cloned()),
        duration_ms: duration.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        message: result.and_then(|r| r.as_ref().ok().cloned()),
    }
}

/// The first block of a silence UUID, as karma and amtool show it.
pub fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}
