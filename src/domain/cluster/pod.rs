//! Pods: readiness, restarts, and above all the reason a pod is not ready,
//! worded as Kubernetes words it (CrashLoopBackOff, ImagePullBackOff,
//! OOMKilled, Unschedulable, Evicted ...) so it can be searched as-is.

use std::str::FromStr;

use k8s_openapi::api::core::v1::{ContainerState, ContainerStatus, Pod, PodCondition};
use k8s_openapi::jiff::Timestamp;

use super::time_ms;

/// The pod template annotation `kubectl rollout restart` sets; pods carry it
/// from their template, stamped with the restarting client's clock.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// What a ReplicaSet's pods carry, and what its name ends with after the
/// deployment's name and a dash.
const TEMPLATE_HASH: &str = "pod-template-hash";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodInfo {
    pub name: String,
    /// The API's phase: Pending, Running, Succeeded, Failed or Unknown.
    pub phase: String,
    pub ready_containers: usize,
    pub containers: usize,
    /// Sum over the (non-init) containers.
    pub restarts: i32,
    pub node: Option<String>,
    /// Why the pod is not ready; `None` when it is healthy.
    pub reason: Option<String>,
    pub created_at_ms: Option<i64>,
    /// Ready (or finished successfully) and not being deleted.
    pub healthy: bool,
    /// Being deleted (`metadata.deletionTimestamp` set).
    pub terminating: bool,
    /// The owning deployment, derived from the ReplicaSet owner and the
    /// pod-template-hash label; `None` for pods no deployment owns.
    pub owner: Option<String>,
    /// The [`RESTARTED_AT`] annotation in Unix milliseconds: which rollout
    /// restart the pod was created for, on the console's clock.
    pub restarted_at_ms: Option<i64>,
    /// Requests and limits from the spec, for the capacity screen.
    #[serde(default)]
    pub resources: super::PodResources,
}

/// The pod as the cluster screen shows it.
pub fn pod_info(pod: &Pod) -> PodInfo {
    let status = pod.status.clone().unwrap_or_default();
    let statuses = status.container_statuses.as_deref().unwrap_or_default();
    let containers = pod
        .spec
        .as_ref()
        .map_or(statuses.len(), |spec| spec.containers.len());
    let ready_containers = statuses.iter().filter(|c| c.ready).count();
    let phase = status.phase.clone().unwrap_or_else(|| "Unknown".to_string());
    let terminating = pod.metadata.deletion_timestamp.is_some();
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let ready = match condition(conditions, "Ready") {
        Some(ready) => ready.status == "True",
        None => containers > 0 && ready_containers == containers,
    };
    let healthy = !terminating && (phase == "Succeeded" || (phase == "Running" && ready));
    let annotations = pod.metadata.annotations.as_ref();
    PodInfo {
        name: pod.metadata.name.clone().unwrap_or_default(),
        reason: (!healthy).then(|| not_ready_reason(pod, &phase)),
        phase,
        ready_containers,
        containers,
        restarts: statuses
            .iter()
            .fold(0i32, |sum, c| sum.saturating_add(c.restart_count)),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        created_at_ms: pod.metadata.creation_timestamp.as_ref().map(time_ms),
        healthy,
        terminating,
        owner: owner(pod),
        restarted_at_ms: annotations
            .and_then(|a| a.get(RESTARTED_AT))
            .and_then(|value| Timestamp::from_str(value).ok())
            .map(|t| t.as_millisecond()),
        resources: super::pod_resources(pod),
    }
}

/// The first thing that keeps the pod from being ready, most fundamental
/// first: deletion, eviction, scheduling, init containers, then containers.
fn not_ready_reason(pod: &Pod, phase: &str) -> String {
    let status = pod.status.clone().unwrap_or_default();
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".to_string();
    }
    if let Some(reason) = status.reason.filter(|r| !r.is_empty()) {
        return reason;
    }
    let conditions = status.conditions.as_deref().unwrap_or_default();
    if let Some(scheduled) = condition(conditions, "PodScheduled").filter(|c| c.status == "False") {
        return scheduled
            .reason
            .clone()
            .unwrap_or_else(|| "Unschedulable".to_string());
    }
    if let Some(reason) = init_reason(status.init_container_statuses.as_deref().unwrap_or_default()) {
        return reason;
    }
    let statuses = status.container_statuses.as_deref().unwrap_or_default();
    let not_ready = || statuses.iter().filter(|c| !c.ready);
    if let Some(reason) = not_ready().find_map(current_state_reason) {
        return reason;
    }
    if let Some(reason) = not_ready()
        .filter(|c| c.restart_count > 0)
        .find_map(|c| terminated_reason(c.last_state.as_ref()?))
    {
        return reason;
    }
    match condition(conditions, "Ready").and_then(|c| c.reason.clone()) {
        Some(reason) if !reason.is_empty() => reason,
        _ => phase.to_string(),
    }
}

/// "Init:CrashLoopBackOff", "Init:Error", or "Init:1/2" while they run.
fn init_reason(statuses: &[ContainerStatus]) -> Option<String> {
    let done = |c: &&ContainerStatus| {
        c.state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .is_some_and(|t| t.exit_code == 0)
    };
    let pending = statuses.iter().find(|c| !done(c))?;
    let state = pending.state.clone().unwrap_or_default();
    if let Some(reason) = state
        .waiting
        .and_then(|w| w.reason)
        .filter(|r| r != "PodInitializing")
    {
        return Some(format!("Init:{reason}"));
    }
    if let Some(reason) = terminated_reason(pending.state.as_ref()?) {
        return Some(format!("Init:{reason}"));
    }
    let finished = statuses.iter().filter(done).count();
    Some(format!("Init:{finished}/{}", statuses.len()))
}

/// A waiting reason (with the last crash's reason after a CrashLoopBackOff,
/// which is what tells an OOM from a bug) or a terminated one.
fn current_state_reason(status: &ContainerStatus) -> Option<String> {
    let state = status.state.as_ref()?;
    if let Some(reason) = state.waiting.as_ref().and_then(|w| w.reason.clone()) {
        let last = status.last_state.as_ref().and_then(terminated_reason);
        return Some(match last {
            Some(last) if reason == "CrashLoopBackOff" => format!("{reason} ({last})"),
            _ => reason,
        });
    }
    terminated_reason(state)
}

/// The terminated state's reason, or how it ended when the runtime gave none.
fn terminated_reason(state: &ContainerState) -> Option<String> {
    let terminated = state.terminated.as_ref()?;
    Some(match terminated.reason.as_deref() {
        Some(reason) if !reason.is_empty() => reason.to_string(),
        _ => match terminated.signal {
            Some(signal) if signal != 0 => format!("Signal:{signal}"),
            _ => format!("ExitCode:{}", terminated.exit_code),
        },
    })
}

/// ReplicaSet `web-7d9f8` with pod-template-hash `7d9f8` is deployment `web`.
fn owner(pod: &Pod) -> Option<String> {
    let references = pod.metadata.owner_references.as_deref().unwrap_or_default();
    let replica_set = references
        .iter()
        .filter(|r| r.kind == "ReplicaSet")
        .max_by_key(|r| r.controller.unwrap_or(false))?;
    let hash = pod.metadata.labels.as_ref()?.get(TEMPLATE_HASH)?;
    let deployment = replica_set.name.strip_suffix(hash.as_str())?.strip_suffix('-')?;
    (!deployment.is_empty()).then(|| deployment.to_string())
}

fn condition<'a>(conditions: &'a [PodCondition], kind: &str) -> Option<&'a PodCondition> {
    conditions.iter().find(|c| c.type_ == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A running pod of deployment `web` with one container `app`; `status`
    /// keys replace the defaults.
    fn pod(status: Value) -> Pod {
        let mut object = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": "web-7d9f8-abcde", "creationTimestamp": "2026-11-27T08:00:00Z",
                "labels": {"app": "web", "pod-template-hash": "7d9f8"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f8",
                                     "uid": "u1", "controller": true}]
            },
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "web:1"}]},
            "status": {"phase": "Running", "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True"}
            ], "containerStatuses": [running("app", true, 0)]}
        });
        for (key, value) in status.as_object().unwrap() {
            object["status"][key] = value.clone();
        }
        serde_json::from_value(object).unwrap()
    }

    fn running(name: &str, ready: bool, restarts: i32) -> Value {
        json!({"name": name, "ready": ready, "restartCount": restarts, "image": "web:1", "imageID": "",
               "state": {"running": {"startedAt": "2026-11-27T08:00:05Z"}}})
    }

    fn waiting(reason: &str, last: Value) -> Value {
        json!({"name": "app", "ready": false, "restartCount": 4, "image": "web:1", "imageID": "",
               "state": {"waiting": {"reason": reason, "message": "details"}}, "lastState": last})
    }

    fn not_ready() -> Value {
        json!([{"type": "PodScheduled", "status": "True"},
               {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}])
    }

    fn reason(status: Value) -> Option<String> {
        pod_info(&pod(status)).reason
    }

    #[test]
    fn healthy_pod_has_no_reason_and_its_fields() {
        let info = pod_info(&pod(json!({})));
        assert!(info.healthy);
        assert_eq!(info.reason, None);
        assert_eq!(info.phase, "Running");
        assert_eq!((info.ready_containers, info.containers, info.restarts), (1, 1, 0));
        assert_eq!(info.node.as_deref(), Some("node-1"));
        assert_eq!(info.created_at_ms, Some(1_795_766_400_000));
        assert_eq!(info.owner.as_deref(), Some("web"));
        assert!(!info.terminating);
        assert_eq!(info.restarted_at_ms, None);
    }

    #[test]
    fn crash_loop_names_the_last_crash() {
        let oom = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}});
        let status =
            json!({"conditions": not_ready(), "containerStatuses": [waiting("CrashLoopBackOff", oom)]});
        let info = pod_info(&pod(status));
        assert!(!info.healthy);
        assert_eq!(info.reason.as_deref(), Some("CrashLoopBackOff (OOMKilled)"));
        assert_eq!((info.ready_containers, info.restarts), (0, 4));
        let plain = json!({"conditions": not_ready(), "containerStatuses": [waiting("CrashLoopBackOff", json!(null))]});
        assert_eq!(reason(plain).as_deref(), Some("CrashLoopBackOff"));
    }

    #[test]
    fn image_and_config_errors_are_the_waiting_reason() {
        for waiting_reason in ["ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"] {
            let status = json!({"phase": "Pending", "conditions": not_ready(),
                                "containerStatuses": [waiting(waiting_reason, json!(null))]});
            assert_eq!(reason(status).as_deref(), Some(waiting_reason));
        }
    }

    #[test]
    fn restarted_but_running_and_not_ready_shows_the_last_termination() {
        let mut container = running("app", false, 2);
        container["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}});
        let status = json!({"conditions": not_ready(), "containerStatuses": [container]});
        assert_eq!(reason(status).as_deref(), Some("OOMKilled"));
    }

    #[test]
    fn terminated_container_without_reason_shows_exit_code_or_signal() {
        let terminated = |state: Value| {
            json!({"phase": "Failed", "conditions": not_ready(), "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 0, "image": "web:1", "imageID": "",
                 "state": {"terminated": state}}]})
        };
        assert_eq!(
            reason(terminated(json!({"exitCode": 1, "reason": "Error"}))).as_deref(),
            Some("Error")
        );
        assert_eq!(
            reason(terminated(json!({"exitCode": 3}))).as_deref(),
            Some("ExitCode:3")
        );
        assert_eq!(
            reason(terminated(json!({"exitCode": 0, "signal": 9}))).as_deref(),
            Some("Signal:9")
        );
    }

    #[test]
    fn unschedulable_comes_from_the_pod_scheduled_condition() {
        let status = json!({"phase": "Pending", "containerStatuses": null, "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "message": "0/3 nodes are available: 3 Insufficient cpu."}]});
        let info = pod_info(&pod(status));
        assert_eq!(info.reason.as_deref(), Some("Unschedulable"));
        assert_eq!((info.ready_containers, info.containers), (0, 1));
    }

    #[test]
    fn evicted_comes_from_the_pod_status_reason() {
        let status = json!({"phase": "Failed", "reason": "Evicted",
                            "message": "The node was low on resource: memory.", "conditions": not_ready()});
        assert_eq!(reason(status).as_deref(), Some("Evicted"));
    }

    #[test]
    fn init_containers_are_reported_with_their_prefix() {
        let done = json!({"name": "migrate", "ready": true, "restartCount": 0, "image": "m", "imageID": "",
                          "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}});
        let crashing = json!({"name": "seed", "ready": false, "restartCount": 3, "image": "s", "imageID": "",
                              "state": {"waiting": {"reason": "CrashLoopBackOff"}}});
        let running_init = json!({"name": "seed", "ready": false, "restartCount": 0, "image": "s", "imageID": "",
                                  "state": {"running": {}}});
        let failed = json!({"name": "seed", "ready": false, "restartCount": 0, "image": "s", "imageID": "",
                            "state": {"terminated": {"exitCode": 2, "reason": "Error"}}});
        let pending = |init: Value| {
            json!({"phase": "Pending", "conditions": not_ready(), "initContainerStatuses": [done.clone(), init],
                   "containerStatuses": [waiting("PodInitializing", json!(null))]})
        };
        assert_eq!(
            reason(pending(crashing)).as_deref(),
            Some("Init:CrashLoopBackOff")
        );
        assert_eq!(reason(pending(running_init)).as_deref(), Some("Init:1/2"));
        assert_eq!(reason(pending(failed)).as_deref(), Some("Init:Error"));
    }

    #[test]
    fn failing_readiness_probe_shows_the_ready_condition_reason() {
        let status = json!({"conditions": not_ready(), "containerStatuses": [running("app", false, 0)]});
        let info = pod_info(&pod(status));
        assert!(!info.healthy);
        assert_eq!(info.reason.as_deref(), Some("ContainersNotReady"));
    }

    #[test]
    fn terminating_pod_is_not_healthy() {
        let mut object = serde_json::to_value(pod(json!({}))).unwrap();
        object["metadata"]["deletionTimestamp"] = json!("2026-11-27T08:10:00Z");
        let info = pod_info(&serde_json::from_value(object).unwrap());
        assert!(info.terminating);
        assert!(!info.healthy);
        assert_eq!(info.reason.as_deref(), Some("Terminating"));
    }

    #[test]
    fn pending_pod_without_conditions_says_pending() {
        let status = json!({"phase": "Pending", "conditions": null, "containerStatuses": null});
        let info = pod_info(&pod(status));
        assert_eq!(info.reason.as_deref(), Some("Pending"));
        assert_eq!(info.restarts, 0);
    }

    #[test]
    fn succeeded_pod_is_healthy() {
        let status = json!({"phase": "Succeeded", "conditions": not_ready()});
        assert!(pod_info(&pod(status)).healthy);
    }

    #[test]
    fn restarts_add_up_over_containers() {
        let status = json!({"containerStatuses": [running("app", true, 2), running("sidecar", true, 3)]});
        assert_eq!(pod_info(&pod(status)).restarts, 5);
    }

    #[test]
    fn owner_needs_a_replica_set_and_the_template_hash() {
        let with = |metadata: Value| {
            let mut object = serde_json::to_value(pod(json!({}))).unwrap();
            for (key, value) in metadata.as_object().unwrap() {
                object["metadata"][key] = value.clone();
            }
            pod_info(&serde_json::from_value(object).unwrap()).owner
        };
        assert_eq!(with(json!({"labels": {"app": "web"}})), None);
        let stateful = json!({"ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                   "name": "db", "uid": "u2", "controller": true}]});
        assert_eq!(with(stateful), None);
        let other_hash = json!({"labels": {"pod-template-hash": "zzz"}});
        assert_eq!(with(other_hash), None);
        let dashed = json!({"labels": {"pod-template-hash": "5f6"},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                 "name": "market-data-agent-5f6", "uid": "u3"}]});
        assert_eq!(with(dashed).as_deref(), Some("market-data-agent"));
    }

    #[test]
    fn restarted_at_annotation_is_read_and_bad_values_ignored() {
        let with = |value: &str| {
            let mut object = serde_json::to_value(pod(json!({}))).unwrap();
            object["metadata"]["annotations"] = json!({RESTARTED_AT: value});
            pod_info(&serde_json::from_value(object).unwrap()).restarted_at_ms
        };
        assert_eq!(with("2026-11-27T08:00:01Z"), Some(1_795_766_401_000));
        assert_eq!(with("2026-11-27T09:00:01+01:00"), Some(1_795_766_401_000));
        assert_eq!(with("yesterday"), None);
    }
}
