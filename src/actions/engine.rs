//! Runs confirmed requests against the real systems, each attempt audited
//! before anything is sent and again after. The console and `mdops action`
//! share it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::audit::{AuditEntry, AuditLog, Phase};
use super::exec::{self, OutputLine};
use super::prepare::Request;
use super::runbook::Kind;
use crate::app::dialog::parse_matchers;
use crate::slo::config::parse_duration;
use crate::sources::agent::AgentClient;
use crate::sources::alertmanager::{AlertmanagerClient, silence_for};
use crate::sources::incidents::short_id;
use crate::sources::kube::{KubeConnection, restart_deployment, scale_deployment};

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    /// What happened, or why it failed.
    pub summary: String,
    pub duration: Duration,
}

/// The systems actions act on, and the audit log.
#[derive(Debug, Clone)]
pub struct Engine {
    pub agent: AgentClient,
    pub alertmanager: Option<AlertmanagerClient>,
    pub kube: Option<KubeConnection>,
    pub audit: AuditLog,
}

impl Engine {
    /// Audits, runs and audits `request`. An `exec` sends its output lines
    /// to `output` as they come. Nothing runs when the first audit entry
    /// cannot be written.
    pub async fn run(&self, request: &Request, output: mpsc::Sender<OutputLine>) -> Outcome {
        let started = Instant::now();
        if let Err(error) = self.audit.append(&entry(request, Phase::Started)) {
            return Outcome {
                ok: false,
                summary: format!("not run: {error:#}"),
                duration: started.elapsed(),
            };
        }
        let result = self.dispatch(request, output).await;
        let duration = started.elapsed();
        let mut finished = entry(request, Phase::Finished);
        finished.duration_ms = Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
        match &result {
            Ok(message) => {
                finished.result = Some("ok".to_string());
                finished.message = Some(message.clone());
            }
            Err(error) => {
                finished.result = Some("error".to_string());
                finished.error = Some(error.clone());
            }
        }
        let summary = match (&result, self.audit.append(&finished)) {
            (Ok(message), Ok(())) => message.clone(),
            (Err(error), Ok(())) => error.clone(),
            (Ok(message), Err(audit)) => format!("{message} (but the audit log failed: {audit:#})"),
            (Err(error), Err(audit)) => format!("{error} (and the audit log failed: {audit:#})"),
        };
        Outcome {
            ok: result.is_ok(),
            summary,
            duration,
        }
    }

    /// Records how watching the system after `request` ended.
    pub fn record_verification(
        &self,
        request: &Request,
        recovered: bool,
        detail: &str,
    ) -> anyhow::Result<()> {
        let mut verified = entry(request, Phase::Verified);
        verified.result = Some(if recovered { "recovered" } else { "not_recovered" }.to_string());
        verified.message = Some(detail.to_string());
        self.audit.append(&verified)
    }

    async fn dispatch(&self, request: &Request, output: mpsc::Sender<OutputLine>) -> Result<String, String> {
        let param = |name: &str| request.params.get(name).cloned().unwrap_or_default();
        match &request.action.kind {
            Kind::KubeRestart | Kind::KubeScale { .. } => {
                let kube = self
                    .kube
                    .as_ref()
                    .ok_or("no Kubernetes connection in this console (--kube-context / --namespace)")?;
                let name = request.target.as_deref().ok_or("no deployment selected")?;
                let result = match request.action.kind {
                    Kind::KubeRestart => {
                        restart_deployment(&kube.client, &kube.namespace, name, request.dry_run).await
                    }
                    _ => {
                        let replicas: u32 = param("replicas")
                            .parse()
                            .map_err(|_| format!("replicas: not a count: {:?}", param("replicas")))?;
                        scale_deployment(&kube.client, &kube.namespace, name, replicas, request.dry_run).await
                    }
                };
                result.map_err(|e| e.to_string())
            }
            Kind::AgentCircuit { .. }
            | Kind::AgentFailover
            | Kind::AgentCacheFlush
            | Kind::AgentBackupNow
            | Kind::AgentRestoreDrill => {
                let route = request.action.kind.agent_action().unwrap_or_default();
                let answer = self.agent.action(route, &request.params, &request.user).await?;
                if answer.ok {
                    Ok(answer.message)
                } else {
                    Err(answer.message)
                }
            }
            Kind::AlertmanagerSilence => {
                let alertmanager = self.alertmanager.as_ref().ok_or("no Alertmanager configured")?;
                let matchers = parse_matchers(&param("matchers")).map_err(|e| format!("matchers: {e}"))?;
                let duration = parse_duration(&param("duration")).map_err(|e| format!("duration: {e}"))?;
                let mut silence = silence_for(
                    &BTreeMap::new(),
                    &request.user,
                    crate::sources::now_ms(),
                    duration,
                    &param("comment"),
                );
                silence.matchers = matchers;
                let id = alertmanager
                    .create_silence(&silence)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("silence {} created", short_id(&id)))
            }
            Kind::Exec(_) => {
                let invocation = request.invocation.as_ref().ok_or("no program to run")?;
                let (outcome, _) = exec::run(invocation, output).await;
                let described = outcome.describe(invocation.timeout);
                if outcome.success() {
                    Ok(format!("{}: {described}", invocation.display()))
                } else {
                    Err(format!("{}: {described}", invocation.display()))
                }
            }
        }
    }
}

fn entry(request: &Request, phase: Phase) -> AuditEntry {
    AuditEntry {
        time: super::audit::now(),
        phase,
        user: request.user.clone(),
        context: request.context.clone(),
        action: request.action.name.clone(),
        kind: request.action.kind.name().to_string(),
        target: request.target.clone(),
        params: request.params.clone(),
        dry_run: request.dry_run,
        result: None,
        error: None,
        duration_ms: None,
        message: None,
    }
}
