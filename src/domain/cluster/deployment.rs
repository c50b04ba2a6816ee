//! Deployments: replica counts and the rollout state, decided the way
//! `kubectl rollout status` decides it, so the console and kubectl never
//! disagree about whether a rollout is done.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition};

use super::time_ms;

/// The Progressing condition's reason once the progress deadline passed.
const DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Rollout {
    /// Every desired replica is updated and available, no old ones left.
    Complete,
    /// Still rolling; `reason` is kubectl's waiting message, e.g.
    /// "1 of 3 updated replicas are available".
    Progressing { reason: String },
    /// `spec.paused`: the controller will not roll the template until resumed.
    Paused,
    /// The controller gave up or cannot create pods: the Progressing
    /// condition's `ProgressDeadlineExceeded`, or a ReplicaFailure condition
    /// (e.g. "FailedCreate: exceeded quota").
    Stalled { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeploymentInfo {
    pub name: String,
    /// `spec.replicas` (the API's default, 1, when unset).
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    pub rollout: Rollout,
    pub created_at_ms: Option<i64>,
    pub generation: i64,
    pub observed_generation: i64,
}

/// The deployment as the cluster screen shows it.
pub fn deployment_info(deployment: &Deployment) -> DeploymentInfo {
    let spec = deployment.spec.as_ref();
    let status = deployment.status.clone().unwrap_or_default();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    DeploymentInfo {
        name: deployment.metadata.name.clone().unwrap_or_default(),
        desired,
        ready: status.ready_replicas.unwrap_or(0),
        updated: status.updated_replicas.unwrap_or(0),
        available: status.available_replicas.unwrap_or(0),
        rollout: rollout(deployment),
        created_at_ms: deployment.metadata.creation_timestamp.as_ref().map(time_ms),
        generation: deployment.metadata.generation.unwrap_or(0),
        observed_generation: status.observed_generation.unwrap_or(0),
    }
}

/// kubectl's `DeploymentStatusViewer` (rollout_status.go), in its order,
/// with two additions it lacks: a paused deployment says so instead of
/// waiting forever, and a ReplicaFailure condition counts as stalled.
fn rollout(deployment: &Deployment) -> Rollout {
    let spec = deployment.spec.as_ref();
    if spec.and_then(|s| s.paused).unwrap_or(false) {
        return Rollout::Paused;
    }
    let status = deployment.status.clone().unwrap_or_default();
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let generation = deployment.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return Rollout::Progressing {
            reason: "waiting for the spec update to be observed".to_string(),
        };
    }
    if let Some(progressing) = condition(conditions, "Progressing")
        && progressing.reason.as_deref() == Some(DEADLINE_EXCEEDED)
    {
        return Rollout::Stalled {
            reason: DEADLINE_EXCEEDED.to_string(),
        };
    }
    if let Some(failure) = condition(conditions, "ReplicaFailure").filter(|c| c.status == "True") {
        let reason = failure.reason.as_deref().unwrap_or("ReplicaFailure");
        return Rollout::Stalled {
            reason: match failure.message.as_deref() {
                Some(message) if !message.is_empty() => format!("{reason}: {message}"),
                _ => reason.to_string(),
            },
        };
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if let Some(desired) = spec.and_then(|s| s.replicas)
        && updated < desired
    {
        return Rollout::Progressing {
            reason: format!("{updated} out of {desired} new replicas have been updated"),
        };
    }
    if replicas > updated {
        return Rollout::Progressing {
            reason: format!("{} old replicas are pending termination", replicas - updated),
        };
    }
    if available < updated {
        return Rollout::Progressing {
            reason: format!("{available} of {updated} updated replicas are available"),
        };
    }
    Rollout::Complete
}

fn condition<'a>(conditions: &'a [DeploymentCondition], kind: &str) -> Option<&'a DeploymentCondition> {
    conditions.iter().find(|c| c.type_ == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A 3-replica deployment at generation 2, fully rolled out, with
    /// the given `spec` and `status` keys replaced.
    fn deployment(spec: Value, status: Value) -> Deployment {
        let mut object = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "generation": 2, "creationTimestamp": "2026-11-27T08:00:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}]}}},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                       "readyReplicas": 3, "availableReplicas": 3,
                       "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
        });
        for (key, value) in spec.as_object().unwrap() {
            object["spec"][key] = value.clone();
        }
        for (key, value) in status.as_object().unwrap() {
            object["status"][key] = value.clone();
        }
        serde_json::from_value(object).unwrap()
    }

    fn rollout_of(spec: Value, status: Value) -> Rollout {
        deployment_info(&deployment(spec, status)).rollout
    }

    fn progressing(reason: &str) -> Rollout {
        Rollout::Progressing {
            reason: reason.to_string(),
        }
    }

    #[test]
    fn counts_and_times_come_from_spec_and_status() {
        let info = deployment_info(&deployment(
            json!({}),
            json!({"readyReplicas": 2, "availableReplicas": 1}),
        ));
        assert_eq!(info.name, "web");
        assert_eq!(
            (info.desired, info.ready, info.updated, info.available),
            (3, 2, 3, 1)
        );
        assert_eq!((info.generation, info.observed_generation), (2, 2));
        assert_eq!(info.created_at_ms, Some(1_795_766_400_000));
    }

    #[test]
    fn unset_replicas_means_one_and_empty_status_means_zero() {
        let info = deployment_info(&serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap());
        assert_eq!(
            (info.desired, info.ready, info.updated, info.available),
            (1, 0, 0, 0)
        );
        assert_eq!(info.created_at_ms, None);
    }

    #[test]
    fn complete_when_everything_is_updated_and_available() {
        assert_eq!(rollout_of(json!({}), json!({})), Rollout::Complete);
    }

    #[test]
    fn waits_for_the_controller_to_observe_the_new_generation() {
        assert_eq!(
            rollout_of(json!({}), json!({"observedGeneration": 1})),
            progressing("waiting for the spec update to be observed")
        );
    }

    #[test]
    fn waits_for_new_replicas_to_be_updated() {
        assert_eq!(
            rollout_of(json!({}), json!({"updatedReplicas": 1})),
            progressing("1 out of 3 new replicas have been updated")
        );
    }

    #[test]
    fn waits_for_old_replicas_to_terminate() {
        assert_eq!(
            rollout_of(json!({}), json!({"replicas": 4})),
            progressing("1 old replicas are pending termination")
        );
    }

    #[test]
    fn waits_for_updated_replicas_to_become_available() {
        assert_eq!(
            rollout_of(json!({}), json!({"availableReplicas": 2})),
            progressing("2 of 3 updated replicas are available")
        );
    }

    #[test]
    fn progress_deadline_exceeded_is_stalled() {
        let status = json!({"updatedReplicas": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"web-5d4\" has timed out progressing."}
        ]});
        assert_eq!(
            rollout_of(json!({}), status),
            Rollout::Stalled {
                reason: "ProgressDeadlineExceeded".to_string()
            }
        );
    }

    #[test]
    fn deadline_of_an_unobserved_generation_is_not_yet_judged() {
        let status = json!({"observedGeneration": 1, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ]});
        assert_eq!(
            rollout_of(json!({}), status),
            progressing("waiting for the spec update to be observed")
        );
    }

    #[test]
    fn replica_failure_is_stalled_with_its_message() {
        let status = json!({"updatedReplicas": 0, "conditions": [
            {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"},
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
             "message": "pods \"web-1\" is forbidden: exceeded quota: compute"}
        ]});
        assert_eq!(
            rollout_of(json!({}), status),
            Rollout::Stalled {
                reason: "FailedCreate: pods \"web-1\" is forbidden: exceeded quota: compute".to_string()
            }
        );
    }

    #[test]
    fn paused_wins_over_everything() {
        assert_eq!(
            rollout_of(json!({"paused": true}), json!({"observedGeneration": 1})),
            Rollout::Paused
        );
        assert_eq!(rollout_of(json!({"paused": false}), json!({})), Rollout::Complete);
    }
}
