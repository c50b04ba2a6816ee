//! The cluster mutations runbook actions make, done the way kubectl does
//! them so the cluster sees the same requests: `rollout restart` patches
//! the pod template's restartedAt annotation, `scale` goes through the
//! scale subresource. With `dry_run` the API server validates and answers
//! but stores nothing (`?dryRun=All`).

use k8s_openapi::api::apps::v1::Deployment;
use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use super::KubeError;
use crate::domain::cluster::RESTARTED_AT;

/// Recorded as the field manager of our changes (kubectl uses "kubectl-rollout").
const FIELD_MANAGER: &str = "mdops";

fn params(dry_run: bool) -> PatchParams {
    PatchParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    }
}

fn prefix(dry_run: bool) -> &'static str {
    if dry_run { "dry run: " } else { "" }
}

/// `kubectl rollout restart deployment/NAME`: a strategic merge patch of the
/// pod template's `kubectl.kubernetes.io/restartedAt` to now (RFC 3339),
/// which makes the controller roll every pod. Refused for a paused
/// deployment, as kubectl refuses, since nothing would roll.
pub async fn restart_deployment(
    client: &Client,
    ns: &str,
    name: &str,
    dry_run: bool,
) -> Result<String, KubeError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let current = api.get(name).await?;
    if current.spec.as_ref().and_then(|s| s.paused).unwrap_or(false) {
        return Err(KubeError::Invalid(format!(
            "deployment {name} is paused: resume it before restarting (kubectl rollout resume deployment/{name})"
        )));
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
    api.patch(name, &params(dry_run), &Patch::Strategic(&patch))
        .await?;
    let verb = if dry_run {
        "would be restarted"
    } else {
        "restarted"
    };
    Ok(format!(
        "{}deployment {ns}/{name} {verb} ({RESTARTED_AT}={now})",
        prefix(dry_run)
    ))
}

/// `kubectl scale deployment/NAME --replicas=N` through the scale
/// subresource (a merge patch of `spec.replicas`), so it needs only the
/// `deployments/scale` permission, as an HPA does.
pub async fn scale_deployment(
    client: &Client,
    ns: &str,
    name: &str,
    replicas: u32,
    dry_run: bool,
) -> Result<String, KubeError> {
    let replicas = i32::try_from(replicas)
        .map_err(|_| KubeError::Invalid(format!("{replicas} replicas is more than Kubernetes accepts")))?;
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let before = api
        .get_scale(name)
        .await?
        .spec
        .and_then(|s| s.replicas)
        .unwrap_or(0);
    let patch = json!({"spec": {"replicas": replicas}});
    let after = api
        .patch_scale(name, &params(dry_run), &Patch::Merge(&patch))
        .await?
        .spec
        .and_then(|s| s.replicas)
        .unwrap_or(0);
    let verb = if dry_run { "would scale" } else { "scaled" };
    Ok(format!(
        "{}deployment {ns}/{name} {verb} from {before} to {after} replicas",
        prefix(dry_run)
    ))
}

/// The deployment's desired replicas as the scale subresource reports
/// them: the prompt's starting value.
pub async fn get_scale(client: &Client, ns: &str, name: &str) -> Result<u32, KubeError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let replicas = api
        .get_scale(name)
        .await?
        .spec
        .and_then(|s| s.replicas)
        .unwrap_or(0);
    u32::try_from(replicas)
        .map_err(|_| KubeError::Invalid(format!("deployment {name} reports {replicas} replicas")))
}
